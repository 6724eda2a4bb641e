"""ipywidgets panels over the public functions, plotting and analytics (``br.widgets``)."""
