"""Order-book snapshots: one level per tick around the price now, sizes drawn per second and per side.

The levels of a side are a keyed draw of the current second, so every depth (``/v5/market/orderbook`` with
any ``limit``, the tickers' top of book, ``/v5/market/full_orderbook``) shows the same sizes at the same
prices: a deeper book only adds levels behind. RPI quotes (Retail Price Improvement orders, shown only by
``/v5/market/rpi_orderbook``) rest on some of those levels next to the normal quotes, from the day RPI orders
existed (:data:`.trades.RPI_SINCE`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .coins import decimals
from .instrument import Instrument
from .paths import keyed_rng
from .trades import RPI_SINCE

if TYPE_CHECKING:
    from . import Market

_BOOK, _RPI = 31, 34
#: Share of levels with RPI quotes resting on them.
_RPI_LEVELS = 0.3


@dataclass(frozen=True)
class BookSide:
    """One side of a book: integer prices (units of ``10**-price_decimals``) and sizes (qty-step decimals)."""

    prices: np.ndarray
    sizes: np.ndarray
    rpi_sizes: np.ndarray


@dataclass(frozen=True)
class Book:
    """A snapshot of both sides, best level first (bids descending, asks ascending)."""

    inst: Instrument
    bids: BookSide
    asks: BookSide
    price_decimals: int
    size_decimals: int


def _best(market: Market, inst: Instrument, now: int) -> tuple[int, int, int, int]:
    """Return ``(bid, ask, tick, price_decimals)`` in integer price units."""
    if inst.category == "option":
        digits = decimals(inst.tick_size)
        tick = round(float(inst.tick_size) * 10**digits)
        mark = market.option_quote(inst.symbol, now).mark_price / float(inst.tick_size)
        half = max(round(mark * 0.01), 1)
        centre = round(mark)
        return max(centre - half, 1) * tick, max(centre + half, 2) * tick, tick, digits
    engine = market.engine(inst, "last")
    last = engine.price(now)
    return last, last + engine.source.scale, engine.source.scale, engine.source.decimals


def _side(
    market: Market, inst: Instrument, now: int, side: int, best: int, step: int, depth: int
) -> BookSide:
    prices = best + side * step * np.arange(depth, dtype=np.int64)
    prices = prices[prices > 0]
    count = len(prices)
    size_digits = decimals(inst.qty_step)
    qty_units = round(float(inst.qty_step) * 10**size_digits)
    second = now // 1000
    draws = keyed_rng(market.seed, inst.rng_key(), _BOOK, second, side + 1).normal(2.0, 1.2, size=count)
    sizes = (np.floor(np.exp(draws)).astype(np.int64) + 1) * qty_units
    group = "spot" if inst.category == "spot" else "contract"
    if inst.category == "option" or now < RPI_SINCE[group]:
        rpi = np.zeros(count, dtype=np.int64)
    else:
        # one pair of draws per level, so a deeper book keeps the shallower levels' quotes
        extra = keyed_rng(market.seed, inst.rng_key(), _RPI, second, side + 1).random((count, 2))
        rpi = np.where(extra[:, 0] < _RPI_LEVELS, np.floor(np.exp(extra[:, 1] * 3.0)).astype(np.int64) + 1, 0)
        rpi = rpi * qty_units
    return BookSide(prices, sizes, rpi)


def book(market: Market, inst: Instrument, now: int, depth: int) -> Book:
    """Return the snapshot of ``inst`` at ``now`` with up to ``depth`` levels per side.

    Parameters
    ----------
    market
        The market whose last price (options: mark price) centres the book.
    inst
        A listed spot pair, contract or option.
    now
        The instant of the snapshot (ms); sizes change every second.
    depth
        Levels per side (bids stop above a price of 0).
    """
    bid, ask, step, digits = _best(market, inst, now)
    return Book(
        inst,
        _side(market, inst, now, -1, bid, step, depth),
        _side(market, inst, now, 1, ask, step, depth),
        digits,
        decimals(inst.qty_step),
    )
