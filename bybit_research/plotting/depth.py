"""Cumulative order-book depth: how much rests on each side up to each price."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .checks import FrameKind, check_frame
from .labels import format_time, symbols_of, title, unit
from .style import ASK, BID, FORWARD, amount_axis, empty_pane, panes, price_axis

__all__ = ["ORDERBOOK", "cumulative_depth", "depth"]

ORDERBOOK = FrameKind("an order-book frame", ("side", "price", "size"), index=None, numeric=("price", "size"))
_SIDES = ("bid", "ask")
_VALUES = ("size", "notional")


def cumulative_depth(book: pd.DataFrame, value: str = "size") -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Return ``{"bid": (prices, depth), "ask": (prices, depth)}``, each side from its best price outwards.

    ``depth[i]`` is the total resting at ``prices[i]`` or better: bids from the highest price down, asks
    from the lowest up. ``value="notional"`` sums ``price * size`` (quote coin) instead of sizes; for inverse
    books, whose sizes are USD contracts, it sums ``size / price`` (base coin).

    Raises
    ------
    ValueError
        For another ``value``, or a side other than ``bid``/``ask``.
    """
    if value not in _VALUES:
        raise ValueError(f"value must be one of {list(_VALUES)}, got {value!r}")
    sides = book["side"].astype(str).str.lower().to_numpy()
    unknown = sorted(set(sides) - set(_SIDES))
    if unknown:
        raise ValueError(f"depth() expects sides {list(_SIDES)} in column 'side', got {unknown}")
    inverse = book.attrs.get("category") == "inverse"
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for side in _SIDES:
        rows = book[sides == side]
        prices = rows["price"].to_numpy(np.float64)
        sizes = rows["size"].to_numpy(np.float64)
        order = np.argsort(-prices if side == "bid" else prices, kind="stable")
        prices, sizes = prices[order], sizes[order]
        amounts = sizes if value == "size" else (sizes / prices if inverse else sizes * prices)
        out[side] = (prices, np.cumsum(amounts))
    return out


def depth(book: pd.DataFrame, value: str = "size", *, ax: Axes | None = None) -> Figure:
    """Draw the cumulative depth of an order book: bids stepping up to the left, asks to the right.

    The mid price is marked, and the legend gives the best bid, best ask and spread. Gallery image:
    ``docs/gallery/depth.png``.

    Parameters
    ----------
    book
        A frame of ``br.orderbook`` (``/v5/market/orderbook``): one row per level, columns ``side``
        (``bid``/``ask``), ``price``, ``size`` (base coin; USD contracts for inverse), ``level``; ``attrs``
        ``symbol``, ``category``, ``ts``.
    value
        ``"size"`` (default) or ``"notional"``; see :func:`cumulative_depth`.
    ax
        Draw into this axes and return its figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        When ``book`` is not an order-book frame, or as :func:`cumulative_depth`.
    """
    check_frame(book, "depth", ORDERBOOK)
    sides = cumulative_depth(book, value)
    figure, axes = panes(ax, 4.4)
    pane = axes[0]
    symbols = symbols_of(book)
    category = book.attrs.get("category")
    symbol = symbols[0] if len(symbols) == 1 else None
    counts = {side: len(prices) for side, (prices, _) in sides.items()}
    levels = f"{counts['bid']} bid and {counts['ask']} ask levels"
    if counts["bid"] == counts["ask"]:
        levels = f"{counts['bid']} levels a side"
    when = format_time(book.attrs.get("ts"))
    pane.set_title(title(f"order book depth, {levels}", symbols, category, when), fontsize=11, loc="left")
    if value == "size":
        pane.set_ylabel(f"cumulative size ({unit('volume', symbol, category)})", fontsize=9)
    else:
        pane.set_ylabel(f"cumulative value ({unit('turnover', symbol, category)})", fontsize=9)
    pane.set_xlabel(f"price ({unit('price', symbol, category)})", fontsize=9)
    amount_axis(pane.yaxis)
    price_axis(pane.xaxis)
    if not counts["bid"] and not counts["ask"]:
        empty_pane(pane, "empty book")
        return figure

    for side, colour in (("bid", BID), ("ask", ASK)):
        prices, total = sides[side]
        if not len(prices):
            continue
        pane.step(prices, total, where="post", color=colour, linewidth=1.3, label=f"{side}s")
        pane.fill_between(prices, total, step="post", color=colour, alpha=0.25, linewidth=0)
    best_bid = sides["bid"][0][0] if counts["bid"] else None
    best_ask = sides["ask"][0][0] if counts["ask"] else None
    if best_bid is not None and best_ask is not None:
        mid, spread = (best_bid + best_ask) / 2, best_ask - best_bid
        label = f"mid {mid:,.10g}, spread {spread:.6g} ({spread / mid * 1e4:.2f} bp)"
        pane.axvline(mid, color=FORWARD, linewidth=1.0, linestyle="--", label=label)
    pane.set_ylim(bottom=0)
    pane.legend(fontsize=8, loc="upper center", framealpha=0.9, edgecolor="none")
    return figure
