"""A what-if of the margin analytics (``br.margin.what_if``): margin before and after, per risk unit and leg.

Three panes: each risk unit's MM and IM before and after the change (the change written over the "after"
bars); each leg's marginal MM and IM (the leg alone on top of the book as it is); and the P&L per price move
of the units the legs touch, before (dashed) and after (solid), each curve's worst point marked. All numbers
are the result's (the replica's), in USD.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib import transforms
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..analytics.margin_whatif import WhatIf
from .labels import format_time
from .margin_cells import format_usd, move_label
from .style import DOWN, DPI, MUTED, UP, WIDTH, empty_pane, panes, series_colour, style_axes

__all__ = ["LEG_LABEL", "MARGINS", "account_line", "leg_label", "what_if"]

#: the bars of each risk unit, left to right: (column of ``WhatIf.units``, label, colour, before?)
MARGINS = (
    ("mm_before", "MM before", series_colour(0), True),
    ("mm_after", "MM after", series_colour(0), False),
    ("im_before", "IM before", series_colour(1), True),
    ("im_after", "IM after", series_colour(1), False),
)
_EXPECTS = (
    "a what-if result (br.margin.what_if(positions, add=..., remove=...): a WhatIf with units, legs, grid "
    "and account)"
)
_BAR = 0.2
_LEG_BAR = 0.3
#: the ``gid`` of the texts naming the legs in the legs pane
LEG_LABEL = "leg-label"
_BEFORE_ALPHA = 0.35


def leg_label(leg: pd.Series) -> str:
    """``"add BTCUSDT (+0.5)"``: the action, the symbol and the signed change of the position."""
    return f"{leg['action']} {leg['symbol']} ({float(leg['qty']):+g})"


def account_line(result: WhatIf) -> str:
    """``"account (USD): MM 10,366 → 19,006 (+8,640) · IM ... · MM rate 2.31% → 4.23%"`` of the result."""
    account = result.account.reindex(columns=["before", "after", "change"]).astype(np.float64)
    parts = []
    for field, label in (("account_mm", "MM"), ("account_im", "IM")):
        if field in account.index:
            before, after, change = (float(v) for v in account.loc[field].to_numpy(np.float64))
            parts.append(f"{label} {format_usd(before)} → {format_usd(after)} ({_signed(change)})")
    if "account_mm_rate" in account.index:
        before, after, _ = (float(v) for v in account.loc["account_mm_rate"].to_numpy(np.float64))
        if math.isfinite(before) and math.isfinite(after):
            parts.append(f"MM rate {before:.2%} → {after:.2%}")
    return "account (USD): " + " · ".join(parts) if parts else ""


def _signed(value: float) -> str:
    text = format_usd(value)
    return text if text.startswith("-") or text == "0" else f"+{text}"


def _check(result: object) -> WhatIf:
    if not isinstance(result, WhatIf):
        raise ValueError(f"what_if() expects {_EXPECTS}; got {type(result).__name__}")
    return result


def what_if(result: WhatIf, *, units: list[str] | None = None, ax: Axes | None = None) -> Figure:
    """Draw a what-if: each risk unit's MM and IM before and after, each leg's marginal margin, and the
    P&L per price move of the units the legs touch, before and after.

    Top: per risk unit four bars (MM before, MM after, IM before, IM after; "before" lighter) with the
    change over each "after" bar (red when margin rises, green when it falls); the title gives the legs and
    the account's totals and rates before and after (``result.account``). Bottom left: per leg its
    ``marginal_mm`` and ``marginal_im`` (the leg alone added to the book as it is; within one unit legs'
    margins do not add up). Bottom right: the ``ALL`` P&L of ``units`` per price move before (dashed) and
    after (solid), the worst point of each curve (its maximum loss) marked and its P&L in the legend.
    Gallery image: ``docs/gallery/what_if.png``.

    Parameters
    ----------
    result
        ``br.margin.what_if(...)``: a :class:`~bybit_research.analytics.margin_whatif.WhatIf` (``units``,
        ``legs``, ``grid``, ``account``).
    units
        The risk units whose P&L curves to draw; default those of the legs.
    ax
        Draw the margin bars only into this axes and return its figure.

    Returns
    -------
    matplotlib.figure.Figure
        A result without risk units gives the titled pane with "no risk units".

    Raises
    ------
    ValueError
        When ``result`` is not a what-if result, or ``units`` names a unit it does not hold.
    """
    result = _check(result)
    held = [str(c) for c in result.units.index]
    shown = _curve_units(result, units, held)
    if ax is not None:
        figure, (pane,) = panes(ax, 3.0)
        _margins_pane(pane, result)
        return figure
    figure = Figure(figsize=(WIDTH, 6.4), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    mosaic = figure.subplot_mosaic([["margin", "margin"], ["legs", "grid"]], height_ratios=[1.15, 1.0])
    for pane in mosaic.values():
        style_axes(pane)
    _margins_pane(mosaic["margin"], result)
    _legs_pane(mosaic["legs"], result)
    _curves_pane(mosaic["grid"], result, shown)
    return figure


def _nothing(pane: Axes, message: str) -> None:
    empty_pane(pane, message)
    pane.set_xticks([])
    pane.set_yticks([])


def _curve_units(result: WhatIf, units: list[str] | None, held: list[str]) -> list[str]:
    if units is None:
        legs = [str(c) for c in result.legs.get("base_coin", pd.Series(dtype=object)).dropna()]
        return [c for c in dict.fromkeys(legs) if c in held]
    unknown = [u for u in units if u not in held]
    if unknown:
        raise ValueError(f"units={unknown} are not risk units of the result; it holds {held}")
    return list(units)


def _margins_pane(pane: Axes, result: WhatIf) -> None:
    legs = [leg_label(row) for _, row in result.legs.iterrows()]
    named = f" {legs[0]}" if len(legs) == 1 else f" ({len(legs)} legs)" if legs else " (no legs)"
    head = f"what if{named}: margin per risk unit before and after"
    when = format_time(result.before.now)
    line = account_line(result)
    pane.set_title(head + (f", at {when}" if when else "") + (f"\n{line}" if line else ""), fontsize=10,
                   loc="left")  # fmt: skip
    pane.set_ylabel("margin (USD)", fontsize=9)
    units = result.units
    if units.empty:
        _nothing(pane, "no risk units")
        return
    x = np.arange(len(units))
    top = 0.0
    for k, (column, label, colour, before) in enumerate(MARGINS):
        values = units[column].to_numpy(np.float64)
        top = max(top, float(np.nanmax(values)) if len(values) else 0.0)
        pane.bar(x + (k - 1.5) * _BAR, values, _BAR, color=colour, alpha=_BEFORE_ALPHA if before else 1.0,
                 edgecolor=colour, linewidth=0.8, label=label)  # fmt: skip
    for k, (column, _, _, before) in enumerate(MARGINS):
        if before:
            continue
        change = units[column.replace("_after", "_change")].to_numpy(np.float64)
        after = units[column].to_numpy(np.float64)
        for i in range(len(units)):
            if abs(change[i]) < 0.005:
                continue
            pane.text(x[i] + (k - 1.5) * _BAR, after[i], f"{change[i]:+,.0f}", ha="center", va="bottom",
                      fontsize=7.5, color=DOWN if change[i] > 0 else UP, fontweight="bold")  # fmt: skip
    pane.set_xticks(x, [str(c) for c in units.index])
    pane.set_ylim(0.0, (top or 1.0) * 1.15)
    pane.yaxis.set_major_formatter(lambda value, _: f"{value:,.0f}")
    pane.legend(fontsize=8, ncols=4, loc="upper left", frameon=False)


def _legs_pane(pane: Axes, result: WhatIf) -> None:
    pane.set_title("each leg alone on top of the book: marginal MM and IM", fontsize=10, loc="left")
    pane.set_xlabel("marginal margin (USD)", fontsize=9)
    legs = result.legs
    if legs.empty:
        _nothing(pane, "no legs")
        return
    y = np.arange(len(legs))
    for k, (column, label, colour) in enumerate(
        (("marginal_mm", "MM", series_colour(0)), ("marginal_im", "IM", series_colour(1)))
    ):
        values = legs[column].to_numpy(np.float64)
        rows = y + 0.05 + k * _LEG_BAR  # colours as in the margin pane
        pane.barh(rows, values, _LEG_BAR, color=colour, label=f"marginal {label}")
        for row, value in zip(rows, values, strict=True):
            pane.text(value, row, f" {value:+,.2f} ", va="center", fontsize=7.5,
                      ha="left" if value >= 0 else "right")  # fmt: skip
    pane.axvline(0.0, color=MUTED, linewidth=0.8)
    # each leg's name above its bars, inside the pane: long option symbols do not squeeze the figure
    names = transforms.blended_transform_factory(pane.transAxes, pane.transData)
    for row, (_, leg) in zip(y, legs.iterrows(), strict=True):
        pane.text(0.01, row - 0.28, leg_label(leg), transform=names, fontsize=8.5, va="center",
                  gid=LEG_LABEL)  # fmt: skip
    pane.set_yticks([])
    pad = max(2 - len(legs), 0) / 2  # one leg is not a slab across the pane
    pane.set_ylim(len(legs) - 0.5 + pad, -0.5 - pad)
    low, high = pane.get_xlim()
    pane.set_xlim(low - 0.25 * (high - low) * (low < 0), high + 0.25 * (high - low))  # room for the labels
    pane.xaxis.set_major_formatter(lambda value, _: f"{value:,.0f}")


def _curves_pane(pane: Axes, result: WhatIf, units: list[str]) -> None:
    pane.set_title("P&L per price move (ALL), before and after", fontsize=10, loc="left")
    pane.set_xlabel("price move of the unit's underlying", fontsize=9)
    pane.set_ylabel("P&L (USD)", fontsize=9)
    grid = result.grid
    drawn = False
    for position, coin in enumerate(units):
        colour = series_colour(position)
        for stage, style in (("before", "--"), ("after", "-")):
            column = (stage, coin, "ALL")
            if column not in grid.columns:
                continue
            curve = grid[column].dropna()
            moves, pnl = curve.index.to_numpy(np.float64), curve.to_numpy(np.float64)
            if not len(pnl):
                continue
            worst = int(np.argmin(pnl))
            pane.plot(moves, pnl, style, color=colour, linewidth=1.4, marker=".", markersize=4,
                      label=f"{coin} {stage} (worst {format_usd(float(pnl[worst]))})")  # fmt: skip
            pane.plot([moves[worst]], [pnl[worst]], "v", color=colour, markersize=8,
                      markerfacecolor="white" if stage == "before" else colour)  # fmt: skip
            drawn = True
    if not drawn:
        _nothing(pane, "no scenarios" if units else "no legs" if result.legs.empty else "no unit to draw")
        return
    pane.axhline(0.0, color=MUTED, linewidth=0.8, zorder=1)
    ticks = np.unique(np.round(np.asarray(grid.index, dtype=np.float64), 10))
    step = max(1, int(np.ceil(len(ticks) / 6)))  # half a figure wide: six labels
    pane.set_xticks(ticks[::step], [move_label(m) for m in ticks[::step]])
    pane.yaxis.set_major_formatter(lambda value, _: f"{value:,.0f}")
    pane.margins(y=0.15)
    handles, labels = pane.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: " after " in labels[i])  # columns: before | after
    pane.legend([handles[i] for i in order], [labels[i] for i in order], fontsize=7.5, frameon=False,
                ncols=min(len(labels), 2), loc="upper center", bbox_to_anchor=(0.5, -0.2))  # fmt: skip
