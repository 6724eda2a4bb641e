"""Figures as PNG bytes for ``widgets.Image``, fast: a fixed layout where it fits, and drawn figures kept by
what they show.

Rendering is most of a widget interaction's time, and most of a render is matplotlib laying the figure out
(the constrained layout engine measures every tick label of every pane, twice) before it draws. Figures of
one column of panes (candles, funding) are drawn instead with fixed margins that fit the toolkit's labels;
when a label would not fit (a ``y`` label pushed off the left edge by long tick labels), the figure is laid
out by the engine after all, so no figure is clipped. And a panel keeps
its last figures by a key of what they show (:func:`frame_key`: the frames' values, index and provenance,
and the drawing's parameters): showing again what it showed a moment ago costs no drawing.
"""

from __future__ import annotations

import hashlib
import io
import json
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec
from PIL import Image

__all__ = ["MARGINS", "Renders", "figure_png", "fixed_layout", "frame_key"]

#: the fixed layout's margins in inches: left (price labels and the y label), right, bottom (dates and the
#: x label), per title line and above it, and between panes
MARGINS = {"left": 0.95, "right": 0.15, "bottom": 0.55, "title_line": 0.2, "top": 0.12, "gap": 0.12}
_ATTRS = ("endpoint", "category", "params", "symbol")
_RANGE_PARAMS = ("start", "end", "startTime", "endTime")


def _canvas(figure: Figure) -> FigureCanvasAgg:
    canvas = figure.canvas
    return canvas if isinstance(canvas, FigureCanvasAgg) else FigureCanvasAgg(figure)


def _single_column(figure: Figure) -> list[Axes] | None:
    """The panes when the figure is one column of a single grid with labels on the left only, else None."""
    axes = list(figure.axes)
    if not axes or figure.get_suptitle() or figure.legends:
        return None
    specs = [ax.get_subplotspec() for ax in axes]
    if any(spec is None for spec in specs):
        return None
    grids = {id(spec.get_gridspec()) for spec in specs if spec is not None}
    first = specs[0]
    if len(grids) != 1 or first is None or first.get_gridspec().ncols != 1:
        return None
    if any(ax.yaxis.get_label_position() == "right" or ax.child_axes for ax in axes):
        return None  # twin axes, colour bars, secondary axes: the engine places them
    return axes


def fixed_layout(figure: Figure) -> bool:
    """Give a one-column figure fixed margins (:data:`MARGINS`) instead of its layout engine; False (and the
    figure untouched) for any other figure."""
    axes = _single_column(figure)
    if axes is None:
        return False
    width, height = (float(v) for v in figure.get_size_inches())
    lines = max(
        ax.get_title(loc=loc).count("\n") + 1 for ax in axes[:1] for loc in ("left", "center", "right")
    )
    top = MARGINS["top"] + lines * MARGINS["title_line"] + 0.05
    spec = axes[0].get_subplotspec()
    grid = spec.get_gridspec() if spec is not None else None
    if not isinstance(grid, GridSpec):
        return False
    rows = grid.nrows
    room = height - top - MARGINS["bottom"] - MARGINS["gap"] * (rows - 1)
    if room <= 0.5 * rows:
        return False
    figure.set_layout_engine("none")
    grid.update(left=MARGINS["left"] / width, right=1 - MARGINS["right"] / width, top=1 - top / height,
                bottom=MARGINS["bottom"] / height, hspace=MARGINS["gap"] / (room / rows))  # fmt: skip
    for ax in axes:  # GridSpec.update moves the axes of pyplot's figures only
        place = ax.get_subplotspec()
        assert place is not None
        ax.set_position(place.get_position(figure))
    return True


def _fits(figure: Figure, canvas: FigureCanvasAgg) -> bool:
    """Whether the axis labels drawn lie inside the canvas (matplotlib places each axis label beside its
    tick labels, so a tick label too long for the margin pushes its axis label off the edge; the room above
    the panes is made for the title's lines)."""
    renderer = canvas.get_renderer()
    width, height = canvas.get_width_height()
    for ax in figure.axes:
        for text in (ax.yaxis.label, ax.xaxis.label):
            if not text.get_visible() or not text.get_text():
                continue
            box = text.get_window_extent(renderer)
            if box.x0 < -0.5 or box.y0 < -0.5 or box.x1 > width + 0.5 or box.y1 > height + 0.5:
                return False
    return True


def figure_png(figure: Figure, fast: bool = True) -> bytes:
    """Return ``figure`` rendered as PNG bytes (RGB at its own size and dpi, zlib level 1).

    With ``fast`` a one-column figure is drawn with fixed margins (:func:`fixed_layout`) and only laid out
    by its engine when a label would not fit. The canvas draws once (``savefig`` draws twice under a layout
    engine) and its pixels are encoded as they are.
    """
    canvas = _canvas(figure)
    engine = figure.get_layout_engine()
    if fast and engine is not None and fixed_layout(figure):
        canvas.draw()
        if not _fits(figure, canvas):
            figure.set_layout_engine(engine)
            for ax in figure.axes:
                ax.set_in_layout(True)  # set_position took them out of it
            canvas.draw()
    else:
        canvas.draw()
    buffer = io.BytesIO()
    # figures are opaque: RGB is a quarter fewer bytes to encode and send than RGBA
    Image.fromarray(np.asarray(canvas.buffer_rgba())).convert("RGB").save(
        buffer, format="png", compress_level=1
    )
    return buffer.getvalue()


def frame_key(*frames: pd.DataFrame | None, **drawing: Any) -> Hashable:
    """A key of what a figure of ``frames`` shows: each frame's values and index (hashed), columns and
    provenance (``endpoint``, ``category``, ``params``, ``symbol`` of its ``attrs``), and ``drawing`` (the
    helper and its arguments).

    Frames equal in all of these draw the same figure. The time a frame was fetched and whether it came from
    the cache are not part of it (the caption under the figure says those), nor, for a frame with rows, the
    range it was asked for (``start``/``end``: the figure shows the range of its rows).
    """
    digest = hashlib.sha1()
    for frame in frames:
        if frame is None:
            digest.update(b"none")
            continue
        digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
        digest.update(repr((list(map(str, frame.columns)), frame.shape)).encode())
        attrs = {name: frame.attrs.get(name) for name in _ATTRS}
        asked = attrs.get("params")
        if len(frame) and isinstance(asked, dict):  # the range drawn is the data's, not the one asked for
            attrs["params"] = {k: v for k, v in asked.items() if k not in _RANGE_PARAMS}
        digest.update(json.dumps(attrs, sort_keys=True, default=str).encode())
    digest.update(json.dumps(drawing, sort_keys=True, default=str).encode())
    return digest.hexdigest()


class Renders:
    """A panel's drawn figures by what they show (an LRU of ``size``), and each figure's PNG.

    :meth:`figure` returns the figure kept for a key or builds it; :meth:`png` renders a figure once.
    """

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._figures: OrderedDict[Hashable, Figure] = OrderedDict()
        self._pngs: weakref.WeakKeyDictionary[Figure, bytes] = weakref.WeakKeyDictionary()
        self.hits = self.misses = 0

    def figure(self, key: Hashable, build: Callable[[], Figure]) -> Figure:
        """The figure kept for ``key``, or ``build()``'s (kept, the least recently used one dropped)."""
        if key in self._figures:
            self._figures.move_to_end(key)
            self.hits += 1
            return self._figures[key]
        self.misses += 1
        figure = build()
        self._figures[key] = figure
        while len(self._figures) > self.size:
            self._figures.popitem(last=False)
        return figure

    def png(self, figure: Figure) -> bytes:
        """``figure`` as PNG (:func:`figure_png`), rendered once per figure."""
        png = self._pngs.get(figure)
        if png is None:
            png = figure_png(figure)
            self._pngs[figure] = png
        return png
