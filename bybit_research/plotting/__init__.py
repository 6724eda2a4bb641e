"""Plotting helpers (``br.plot``): matplotlib figures of the toolkit's frames, built without pyplot's state."""
