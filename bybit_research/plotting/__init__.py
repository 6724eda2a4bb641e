"""Plotting helpers (``br.plot``): matplotlib figures of the toolkit's frames, without pyplot's state."""
