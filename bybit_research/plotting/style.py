"""The look shared by every helper: colours, figures without pyplot, UTC date axes, empty panes.

Figures are :class:`matplotlib.figure.Figure` objects on an Agg canvas, made here and never registered with
pyplot, so nothing is left open between calls and nothing touches global state (no ``rcParams`` changes: the
style is set on each figure's own axes). Notebooks display a returned Figure through their inline backend.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter, PercentFormatter

from ..core.units import DAY_MS

__all__ = [
    "ASK",
    "BID",
    "CALL",
    "DOWN",
    "DPI",
    "FORWARD",
    "MUTED",
    "PRICE",
    "PUT",
    "SERIES",
    "UP",
    "WIDTH",
    "CompactFormatter",
    "PriceFormatter",
    "amount_axis",
    "date_numbers",
    "empty_pane",
    "figure_of",
    "new_figure",
    "panes",
    "percent_axis",
    "price_axis",
    "series_colour",
    "set_time_limits",
    "style_axes",
    "time_axis",
]

#: inches; at :data:`DPI` this is the ~1000 px of a Jupyter notebook cell
WIDTH = 10.0
DPI = 100

UP = "#26a69a"  # rising candles, bids
DOWN = "#ef5350"  # falling candles, asks
BID, ASK = UP, DOWN
PRICE = "#37474f"  # price lines
MUTED = "#90a4ae"  # volumes, reference lines
FORWARD = "#7e57c2"  # the forward / mid / "now" markers
CALL, PUT = "#1f77b4", "#ff7f0e"
#: one colour per series (symbol, currency, source), in this order everywhere
SERIES = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")

_UTC = dt.UTC


def series_colour(position: int) -> str:
    """Return the colour of the ``position``-th series (cycling through :data:`SERIES`)."""
    return SERIES[position % len(SERIES)]


def new_figure(
    height: float, rows: Sequence[float] = (1.0,), *, columns: int = 1, sharex: bool = True
) -> tuple[Figure, list[Axes]]:
    """Return a new Agg figure :data:`WIDTH` wide and ``height`` inches tall, with its axes.

    ``rows`` are the relative heights of the panes stacked top to bottom (each row holds ``columns`` axes,
    returned row by row); panes in a column share their x axis when ``sharex``.
    """
    figure = Figure(figsize=(WIDTH, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    grid = figure.subplots(
        len(rows), columns, sharex="col" if sharex else False, squeeze=False, height_ratios=list(rows)
    )
    axes = [ax for row in grid for ax in row]
    for ax in axes:
        style_axes(ax)
    return figure, axes


def figure_of(ax: Axes) -> Figure:
    """Return the top-level figure ``ax`` belongs to (also when it sits in a subfigure)."""
    figure = ax.get_figure(root=True)
    if not isinstance(figure, Figure):
        raise ValueError("ax= must be an Axes placed in a matplotlib Figure")
    return figure


def panes(ax: Axes | None, height: float, rows: Sequence[float] = (1.0,)) -> tuple[Figure, list[Axes]]:
    """Return the figure and panes a helper draws into: ``ax`` alone when given, else a new figure's panes.

    With ``ax=`` a helper draws its main pane only (the first of ``rows``) into that axes.
    """
    if ax is None:
        return new_figure(height, rows)
    if not isinstance(ax, Axes):
        raise ValueError(f"ax= must be a matplotlib Axes, got {type(ax).__name__}")
    style_axes(ax)
    return figure_of(ax), [ax]


def style_axes(ax: Axes) -> None:
    """Light grid behind the data, no top/right frame lines, compact tick labels."""
    ax.grid(True, color="#e0e0e0", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=9)


def date_numbers(times: pd.DatetimeIndex | pd.Series | np.ndarray) -> np.ndarray:
    """Return matplotlib date numbers (days since matplotlib's epoch, float64) of UTC times."""
    index = pd.DatetimeIndex(times)
    index = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
    ms = index.as_unit("ms").asi8.astype(np.float64)
    ms[index.isna()] = np.nan
    epoch = mdates.date2num(np.datetime64("1970-01-01T00:00:00"))
    return ms / DAY_MS + epoch


def time_axis(ax: Axes, label: bool = True) -> None:
    """Put UTC dates on ``ax``'s x axis: concise tick labels, the year or day they share written once."""
    locator = mdates.AutoDateLocator(tz=_UTC, minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=_UTC))
    if label:
        ax.set_xlabel("time (UTC)", fontsize=9)


def set_time_limits(ax: Axes, first: pd.Timestamp | None, last: pd.Timestamp | None) -> None:
    """Show ``[first, last]`` on a date axis (used by empty figures of a known range)."""
    if first is None or last is None or first >= last:
        return
    left, right = date_numbers(pd.DatetimeIndex([first, last]))
    ax.set_xlim(left, right)


def empty_pane(
    ax: Axes, message: str = "no data", span: tuple[pd.Timestamp | None, pd.Timestamp | None] = (None, None)
) -> None:
    """Write ``message`` in the middle of an axes that has nothing to draw; show ``span`` on its date axis."""
    set_time_limits(ax, *span)
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", color=MUTED, fontsize=12)


def percent_axis(ax: Axes, decimals: int | None = None) -> None:
    """Label ``ax``'s y ticks as percentages of values already multiplied by 100."""
    ax.yaxis.set_major_formatter(PercentFormatter(100.0, decimals=decimals))


class PriceFormatter(Formatter):
    """Tick labels with thousands separators and as many decimals as the tick spacing needs (``112,905``,
    ``0.2405``), never an offset or scientific notation, so prices read as they are quoted."""

    def __init__(self) -> None:
        self._ticks = np.zeros(0)

    def set_locs(self, locs: Sequence[float]) -> None:
        self._ticks = np.asarray(locs, dtype=np.float64)

    def _decimals(self, x: float) -> int:
        """The fewest decimals (at most 10) that write every tick exactly, so all ticks share them."""
        ticks = self._ticks if len(self._ticks) else np.array([x])
        scale = max(float(np.max(np.abs(ticks))), 1e-300)
        for decimals in range(11):
            if np.all(np.abs(np.round(ticks, decimals) - ticks) <= 1e-9 * scale):
                return decimals
        return 10

    def __call__(self, x: float, pos: int | None = None) -> str:
        return f"{x:,.{self._decimals(x)}f}"


class CompactFormatter(PriceFormatter):
    """Tick labels of amounts: ``250``, ``1.5k``, ``40M``, ``2.1B`` (never milli- or micro- prefixes)."""

    _UNITS = ((1e9, "B"), (1e6, "M"), (1e3, "k"))

    def __call__(self, x: float, pos: int | None = None) -> str:
        top = float(np.max(np.abs(self._ticks))) if len(self._ticks) else abs(x)
        for scale, suffix in self._UNITS:
            if top >= scale:
                scaled = PriceFormatter()
                scaled.set_locs(list(self._ticks / scale))
                return "0" if x == 0 else f"{scaled(x / scale, pos)}{suffix}"
        return super().__call__(x, pos)


def amount_axis(axis: Axis) -> None:
    """Label an axis of volumes, sizes or open interest with :class:`CompactFormatter`."""
    axis.set_major_formatter(CompactFormatter())


def price_axis(axis: Axis) -> None:
    """Label a price axis with :class:`PriceFormatter`."""
    axis.set_major_formatter(PriceFormatter())
