"""Bybit's portfolio-margin stress test as heatmaps: P&L per risk unit and price move, the worst cell marked.

Each risk unit's maintenance margin is its maximum loss over the scenarios plus its contingency components
(V5 reference §7). :func:`margin_grid` draws the report's cells as they are: one row per unit (Bybit's
``ALL`` part: at every price move, the P&L at the IV shock worst for the whole unit), the unit's worst cell
outlined, and beside each row what makes its MM; with ``unit=``, that unit's composition below: its
perpetuals and futures, and each option expiry under each IV shock, the shock Bybit took outlined.
"""

from __future__ import annotations

import math

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import QuadMesh
from matplotlib.colors import CenteredNorm
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..analytics.pm_report import PortfolioMarginReport
from .labels import format_time
from .margin_cells import check_report, expiry_grid, format_usd, move_label, unit_drivers, units_grid
from .style import empty_pane, new_figure, panes, style_axes

__all__ = ["PNL_CMAP", "margin_grid", "pnl_heatmap"]

#: losses red, gains green; cells Bybit did not send grey
PNL_CMAP = mpl.colormaps["RdYlGn"].with_extremes(bad="#eeeeee")
_WORST = "#212121"
_CELL_FONT = 7.5


def pnl_heatmap(pane: Axes, cells: np.ndarray, moves: np.ndarray, rows: list[str]) -> QuadMesh:
    """Draw ``cells`` (rows x price moves, USD) as a heatmap centred on 0, each cell's value written in it.

    Rows run top to bottom in the given order; columns are labelled with :func:`move_label`.
    """
    data = np.ma.masked_invalid(np.asarray(cells, dtype=np.float64))
    top = float(np.ma.max(np.abs(data))) if data.count() else 0.0
    norm = CenteredNorm(vcenter=0.0, halfrange=top or 1.0)
    x = np.arange(len(moves) + 1) - 0.5
    y = np.arange(len(rows) + 1) - 0.5
    mesh = pane.pcolormesh(x, y, data, cmap=PNL_CMAP, norm=norm, shading="flat")
    pane.grid(False)
    pane.set_xlim(x[0], x[-1])
    pane.set_ylim(y[-1], y[0])  # first row on top
    pane.set_xticks(np.arange(len(moves)), [move_label(m) for m in moves])
    pane.set_yticks(np.arange(len(rows)), rows)
    pane.tick_params(length=0)
    for side in ("left", "bottom"):
        pane.spines[side].set_visible(False)
    rgba = np.asarray(mesh.to_rgba(data.filled(np.nan)), dtype=np.float64)
    light = rgba[..., :3] @ np.array([0.299, 0.587, 0.114]) > 0.45
    for r, c in zip(*np.nonzero(~np.ma.getmaskarray(data)), strict=True):
        pane.text(c, r, format_usd(float(data[r, c])), ha="center", va="center", fontsize=_CELL_FONT,
                  color="black" if light[r, c] else "white")  # fmt: skip
    return mesh


def _outline(pane: Axes, column: int, row: int, width: float, label: str) -> None:
    pane.add_patch(Rectangle((column - 0.5, row - 0.5), 1.0, 1.0, fill=False, edgecolor=_WORST,
                             linewidth=width, zorder=3, label=label))  # fmt: skip


def _colour_bar(figure: Figure, mesh: QuadMesh, pane: Axes, label: str) -> None:
    bar = figure.colorbar(mesh, ax=pane, pad=0.01, fraction=0.035, aspect=12)
    bar.set_label(label, fontsize=8)
    bar.ax.tick_params(labelsize=7)


def _title(report: PortfolioMarginReport) -> str:
    when = format_time(report.time)
    head = "portfolio margin: scenario P&L per risk unit and price move (Bybit's ALL part)"
    wallet = []
    for name, label in (("account_mm", "MM"), ("account_im", "IM"), ("equity", "equity")):
        value = getattr(report, name)
        if math.isfinite(value):
            wallet.append(f"{label} {format_usd(value)}")
    line = f"{head}, at {when}" if when else head
    return line + (f"\naccount (USD): {' · '.join(wallet)}" if wallet else "")


def margin_grid(report: PortfolioMarginReport, unit: str | None = None, *, ax: Axes | None = None) -> Figure:
    """Draw Bybit's scenario P&L per risk unit and price move, each unit's worst cell (its maximum loss)
    outlined; with ``unit``, that unit's P&L per option expiry and IV shock below.

    The top heatmap has one row per risk unit (Bybit's order) and one column per price move; a cell is the
    report's ``ALL`` P&L (``totalPnlRanges.ALL``: at each price move, the IV shock worst for the unit). The
    lowest cell of each row is outlined: its loss is the unit's maximum loss, and the right-hand labels give
    ``MM = maximum loss + contingency components`` and IM, as Bybit reports them (USD). The unit pane has
    a row for the unit's perpetuals and futures (``PERPETUAL`` part) and one per option expiry and IV
    shock (Bybit sends the shocks unnamed: down, unchanged, up); the shock whose expiries add up to Bybit's
    ``OPTION`` cell at a price move is outlined there. Colours are centred on 0 (losses red, gains green),
    one scale per heatmap. Gallery image: ``docs/gallery/margin_grid.png``.

    Parameters
    ----------
    report
        ``br.portfolio_margin()`` (``GET /v5/asset/portfolio-margin``) or
        ``br.margin.parse_portfolio_margin(result, time=...)``: a
        :class:`~bybit_research.analytics.pm_report.PortfolioMarginReport` (``scenarios``, ``risk_units``,
        ``expiry_pnl``).
    unit
        A risk unit (``"BTC"``) whose composition to draw below.
    ax
        Draw the risk units' heatmap into this axes (or, with ``unit``, that unit's pane only) and return
        its figure; the colour bar is added beside it.

    Returns
    -------
    matplotlib.figure.Figure
        A report without risk units gives the titled pane with "no risk units".

    Raises
    ------
    ValueError
        When ``report`` is not a portfolio-margin report, or ``unit`` is not one of its risk units.
    """
    report = check_report(report, "margin_grid")
    grid = units_grid(report)
    if unit is not None:
        expiry_grid(report, unit)  # refuses an unknown unit before anything is drawn
    if ax is not None:
        figure, (pane,) = panes(ax, 3.0)
        if unit is None:
            _units_pane(figure, pane, report, grid)
        else:
            _unit_pane(figure, pane, report, unit)
        return figure
    if unit is None:
        figure, (pane,) = new_figure(1.6 + 0.45 * max(len(grid), 1))
        _units_pane(figure, pane, report, grid)
        return figure
    parts, _ = expiry_grid(report, unit)
    top, bottom = 0.9 + 0.45 * max(len(grid), 1), 1.0 + 0.3 * max(len(parts), 1)
    figure, (pane, lower) = new_figure(top + bottom, (top, bottom), sharex=False)
    _units_pane(figure, pane, report, grid)
    _unit_pane(figure, lower, report, unit)
    return figure


def _units_pane(figure: Figure, pane: Axes, report: PortfolioMarginReport, grid: pd.DataFrame) -> None:
    style_axes(pane)
    pane.set_title(_title(report), fontsize=10, loc="left")
    pane.set_xlabel("price move of the unit's underlying; outlined: each unit's worst cell, its maximum loss",
                    fontsize=9)  # fmt: skip
    if grid.empty or not grid.shape[1]:
        empty_pane(pane, "no risk units (no positions under portfolio margin)")
        pane.set_xticks([])
        pane.set_yticks([])
        return
    moves = grid.columns.to_numpy(np.float64)
    mesh = pnl_heatmap(pane, grid.to_numpy(np.float64), moves, [str(c) for c in grid.index])
    drivers = unit_drivers(report)
    for row, driver in enumerate(drivers):
        if math.isfinite(driver.worst_move):
            column = int(np.flatnonzero(moves == driver.worst_move)[0])
            _outline(pane, column, row, 2.2, "worst cell: the maximum loss")
    labels = pane.secondary_yaxis("right")
    labels.set_yticks(np.arange(len(drivers)), [d.describe() for d in drivers])
    labels.tick_params(length=0, labelsize=8)
    labels.spines["right"].set_visible(False)
    for tick in pane.get_yticklabels():
        tick.set_fontweight("bold")
    _colour_bar(figure, mesh, pane, "P&L (USD)")


def _unit_pane(figure: Figure, pane: Axes, report: PortfolioMarginReport, unit: str) -> None:
    style_axes(pane)
    parts, chosen = expiry_grid(report, unit)
    pane.set_title(f"{unit} unit: P&L per part, option expiry and IV shock (outlined: the IV shock taken)",
                   fontsize=10, loc="left")  # fmt: skip
    pane.set_xlabel(f"price move of {unit}", fontsize=9)
    if parts.empty:
        empty_pane(pane, f"no positions in the {unit} unit")
        pane.set_xticks([])
        pane.set_yticks([])
        return
    moves = parts.columns.to_numpy(np.float64)
    names = [f"{part} · {shock}" if shock else part for part, shock in parts.index]
    mesh = pnl_heatmap(pane, parts.to_numpy(np.float64), moves, names)
    shocks = list(parts.index.get_level_values("iv_shock"))
    expiries = list(parts.index.get_level_values("part"))
    for column, place in enumerate(chosen.array):
        if place is pd.NA:
            continue
        for row, (part, shock) in enumerate(zip(expiries, shocks, strict=True)):
            if shock and _place(parts, part, shock) == int(place):
                _outline(pane, column, row, 1.4, "IV shock taken")
    for row in range(1, len(expiries)):
        if expiries[row] != expiries[row - 1]:
            pane.axhline(row - 0.5, color="white", linewidth=2.0)
    _colour_bar(figure, mesh, pane, "P&L (USD)")


def _place(parts: pd.DataFrame, part: str, shock: str) -> int:
    """The place of ``shock`` among ``part``'s IV shocks (Bybit's order)."""
    shocks = [s for p, s in parts.index if p == part]
    return shocks.index(shock)
