"""Open interest over time, with the price on a second axis."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .candles import KLINES
from .checks import FrameKind, ascending, check_frame, one_symbol
from .labels import frame_range, params_of, params_range, symbols_of, title, unit
from .style import PRICE, SERIES, amount_axis, date_numbers, empty_pane, panes, price_axis, time_axis

__all__ = ["OPEN_INTEREST", "open_interest"]

OPEN_INTEREST = FrameKind("an open-interest frame", ("open_interest",), numeric=("open_interest",))
_OI_COLOUR = SERIES[0]


def open_interest(oi: pd.DataFrame, price: pd.DataFrame | None = None, *, ax: Axes | None = None) -> Figure:
    """Draw open interest over time, and the price on a right-hand axis when ``price`` is given.

    Open interest is Bybit's ``openInterest`` (both sides of every open position): in the base coin for
    linear contracts, in USD for inverse ones. Gallery image: ``docs/gallery/open_interest.png``.

    Parameters
    ----------
    oi
        A frame of ``br.open_interest`` (``/v5/market/open-interest``): index ``time``, column
        ``open_interest`` (``single_open_interest`` is not drawn).
    price
        Optional klines frame (``br.klines``, any flavour) of the same symbol; its ``close`` is drawn as a
        line.
    ax
        Draw into this axes (the price axis is added as its twin) and return its figure.

    Returns
    -------
    matplotlib.figure.Figure
        One pane: open interest (filled line, left axis) and price (line, right axis).

    Raises
    ------
    ValueError
        When ``oi`` is not an open-interest frame or ``price`` not a klines frame.
    """
    check_frame(oi, "open_interest", OPEN_INTEREST)
    if price is not None:
        check_frame(price, "open_interest", KLINES)
    oi, times = ascending(oi)
    if price is not None:
        price = one_symbol(price, None, "open_interest")[0]
    figure, axes = panes(ax, 4.2)
    pane = axes[0]
    params = params_of(oi)
    symbols = symbols_of(oi)
    category = oi.attrs.get("category")
    symbol = symbols[0] if len(symbols) == 1 else None
    what = "open interest"
    if params.get("intervalTime"):
        what += f" ({params['intervalTime']})"
    if price is not None:
        what += f" and {params_of(price).get('price', 'last')} price"
    pane.set_title(title(what, symbols, category, frame_range(oi, times)), fontsize=11, loc="left")
    pane.set_ylabel(
        f"open interest ({unit('open_interest', symbol, category)})", fontsize=9, color=_OI_COLOUR
    )
    amount_axis(pane.yaxis)
    time_axis(pane)
    if oi.empty:
        empty_pane(pane, span=params_range(oi))
        return figure

    x = date_numbers(times)
    values = oi["open_interest"].to_numpy(np.float64)
    pane.plot(x, values, color=_OI_COLOUR, linewidth=1.3, label="open interest")
    pane.fill_between(x, values, np.nanmin(values), color=_OI_COLOUR, alpha=0.12, linewidth=0)
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    pad = (high - low) * 0.08 or abs(high) * 0.02 or 1.0
    pane.set_ylim(low - pad, high + pad)
    if len(x) > 1:
        pane.set_xlim(x[0], x[-1])

    if price is not None and not price.empty:
        price, price_times = ascending(price)
        twin = pane.twinx()
        twin.plot(date_numbers(price_times), price["close"].to_numpy(np.float64), color=PRICE, linewidth=1.0,
                  label="price (close)")  # fmt: skip
        twin.set_ylabel(f"price ({unit('price', symbol, category)})", fontsize=9, color=PRICE)
        twin.tick_params(labelsize=9)
        price_axis(twin.yaxis)
        twin.spines["top"].set_visible(False)
        time_axis(twin)
    return figure
