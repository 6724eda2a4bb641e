"""Plots of the toolkit's frames (``br.plot``): each helper takes a frame and returns a matplotlib Figure.

Figures are built without pyplot (nothing is left open, no global state is touched) and each helper accepts
``ax=`` to draw its main pane into an existing axes. Titles name the symbol, category and range; axes carry
units; dates are UTC. A frame of the wrong kind raises ``ValueError`` naming the frame the helper expects; an
empty frame gives an empty, titled figure. Images of every helper: ``docs/gallery/``.
"""

from __future__ import annotations

from .basis import basis
from .candles import candles
from .depth import depth
from .equity import equity
from .funding import funding
from .margin_grid import margin_grid
from .open_interest import open_interest
from .smile import smile
from .surface import surface
from .term_structure import term_structure
from .what_if import what_if

__all__ = [
    "basis",
    "candles",
    "depth",
    "equity",
    "funding",
    "margin_grid",
    "open_interest",
    "smile",
    "surface",
    "term_structure",
    "what_if",
]
