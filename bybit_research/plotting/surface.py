"""The implied-volatility surface of an option chain as a heatmap: expiries down, moneyness across."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import QuadMesh
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from ..analytics import options as _options
from .checks import check_frame
from .style import FORWARD, MUTED, empty_pane, panes
from .term_structure import OPTION_CHAIN, chain_coin, valued_at

__all__ = ["cell_edges", "surface"]

#: write each cell's IV into it when the grid has at most this many cells
MAX_LABELLED_CELLS = 300
_CMAP = mpl.colormaps["viridis"].with_extremes(bad="#eeeeee")


def cell_edges(centres: np.ndarray) -> np.ndarray:
    """Return the ``n + 1`` edges of cells centred on ``n`` ascending positive values: half-way between
    neighbours, the outer cells as wide on the outside as on the inside (one value: +-5 %)."""
    centres = np.asarray(centres, dtype=np.float64)
    if centres.size == 1:
        return centres[0] * np.array([0.95, 1.05])
    inner = (centres[1:] + centres[:-1]) / 2
    first, last = 2 * centres[0] - inner[0], 2 * centres[-1] - inner[-1]
    return np.concatenate(([first], inner, [last]))


def surface(
    chain: pd.DataFrame,
    *,
    moneyness: object = None,
    now: object = None,
    values: bool | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Draw the implied-volatility surface: one row per live expiry, one column per moneyness ``K / F``.

    The cells are :func:`bybit_research.analytics.options.surface`: each expiry's smile (Bybit's mark IV of
    the out-of-the-money contract) interpolated linearly in log-moneyness; a cell outside an expiry's quoted
    strikes is left blank (grey), never extrapolated. The nearest expiry is the top row; the forward
    (moneyness 1) is marked. Gallery image: ``docs/gallery/surface.png``.

    Parameters
    ----------
    chain
        A frame of ``br.option_chain`` (``/v5/market/instruments-info`` + ``/v5/market/tickers``, option),
        one base coin: columns ``expiry, strike, option_type, mark_price, mark_iv, underlying_price``.
    moneyness
        The moneyness grid (positive, strictly increasing); default
        :data:`bybit_research.analytics.options.DEFAULT_MONEYNESS` (0.6 to 1.4 by 0.05).
    now
        Valuation time (str, datetime, Timestamp or epoch ms; naive = UTC); default the chain's
        ``attrs["server_time"]``.
    values
        Write each cell's IV into it; default when the grid has at most :data:`MAX_LABELLED_CELLS` cells.
    ax
        Draw into this axes (a colour bar is added beside it) and return its figure.

    Returns
    -------
    matplotlib.figure.Figure
        The heatmap (a ``QuadMesh`` of IVs in percent) with its colour bar; an empty chain gives the titled
        pane with "no data".

    Raises
    ------
    ValueError
        When ``chain`` is not an option chain, for a bad moneyness grid, or as the analytics (every expiry
        expired at ``now``, mixed base coins).
    """
    check_frame(chain, "surface", OPTION_CHAIN)
    figure, axes = panes(ax, 5.0)
    pane = axes[0]
    coin = chain_coin(chain)
    when = valued_at(chain, now)
    head = f"{coin} options" if coin else "options"
    pane.set_title(f"{head} implied-volatility surface (mark IV)" + (f", {when}" if when else ""),
                   fontsize=11, loc="left")  # fmt: skip
    pane.set_xlabel("moneyness (strike / forward)", fontsize=9)
    pane.set_ylabel("expiry (days to expiry)", fontsize=9)
    if chain.empty:
        empty_pane(pane)
        return figure

    grid = _options.surface(chain, now, moneyness)
    if grid.empty:
        empty_pane(pane, "no live expiries")
        return figure
    strikes = grid.columns.to_numpy(np.float64)
    cells = np.ma.masked_invalid(grid.to_numpy(np.float64) * 100)
    rows = np.arange(len(grid) + 1) - 0.5
    mesh = pane.pcolormesh(cell_edges(strikes), rows, cells, cmap=_CMAP, shading="flat")
    pane.grid(False)
    pane.set_ylim(len(grid) - 0.5, -0.5)  # nearest expiry on top
    days = np.asarray(grid.attrs["t_years"], dtype=np.float64) * 365.0
    pane.set_yticks(np.arange(len(grid)), [f"{code} ({d:.1f}d)" for code, d in zip(
        grid.attrs["expiry_codes"], days, strict=True)])  # fmt: skip
    step = max(1, int(np.ceil(len(strikes) / 12)))
    pane.set_xticks(strikes[::step], [f"{m:.2f}" for m in strikes[::step]])
    if strikes[0] <= 1.0 <= strikes[-1]:
        pane.axvline(1.0, color=FORWARD, linestyle="--", linewidth=1.0)
    if values if values is not None else cells.size <= MAX_LABELLED_CELLS:
        _write_values(pane, mesh, strikes, cells)
    bar = figure.colorbar(mesh, ax=pane, pad=0.01)
    bar.set_label("implied volatility (per year)", fontsize=9)
    bar.ax.yaxis.set_major_formatter(PercentFormatter(100.0, decimals=0))
    bar.ax.tick_params(labelsize=8)
    blank = int(np.ma.count_masked(cells))
    if blank:
        pane.text(0.0, -0.12, f"{blank} of {cells.size} cells blank: outside the expiry's quoted strikes",
                  transform=pane.transAxes, fontsize=8, color=MUTED, va="top")  # fmt: skip
    return figure


def _write_values(pane: Axes, mesh: QuadMesh, strikes: np.ndarray, cells: np.ma.MaskedArray) -> None:
    """Each cell's IV (one decimal) in black or white, whichever reads better on its colour."""
    rgba = np.asarray(mesh.to_rgba(cells.filled(np.nan)), dtype=np.float64)
    light = rgba[..., :3] @ np.array([0.299, 0.587, 0.114]) > 0.5
    blank = np.ma.getmaskarray(cells)
    for row, column in zip(*np.nonzero(~blank), strict=True):
        pane.text(strikes[column], row, f"{float(cells[row, column]):.1f}", ha="center", va="center",
                  fontsize=6.5, color="black" if light[row, column] else "white")  # fmt: skip
