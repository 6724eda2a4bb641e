"""Handlers of the order books: ``/v5/market/orderbook``, ``/v5/market/rpi_orderbook`` and
``/v5/market/full_orderbook``, three views of the same snapshot (:mod:`..market.book`).

``orderbook`` and ``full_orderbook`` exclude RPI quotes; ``rpi_orderbook`` shows each level as
``[price, nonRpiSize, rpiSize]``, its non-RPI size being the size ``orderbook`` shows at that price.
"""

from __future__ import annotations

from typing import Any

from ..core import ParamError, Request, route
from ..market import Instrument, Market
from ..market.book import Book, BookSide, book
from .market_common import category, instrument, units

_BOOK_LIMITS = {"spot": (1, 1000, 1), "linear": (1, 1000, 25), "inverse": (1, 1000, 25), "option": (1, 25, 1)}
#: Levels per side of ``/v5/market/full_orderbook`` (fewer where the bids would reach a price of 0).
FULL_DEPTH = 10_000
RPI_LIMITS = (1, 50)


def _trading(market: Market, request: Request, cat: str, now: int) -> Instrument:
    inst = instrument(market, request, cat, now)
    if inst.delivery_ms and inst.delivery_ms <= now:
        raise ParamError(f"params error: symbol invalid, {inst.symbol} is not trading")
    return inst


def _levels(side: BookSide, snapshot: Book, rpi: bool = False) -> list[list[str]]:
    prices = units(side.prices.tolist(), snapshot.price_decimals)
    sizes = units(side.sizes.tolist(), snapshot.size_decimals)
    if not rpi:
        return [list(level) for level in zip(prices, sizes, strict=True)]
    extra = units(side.rpi_sizes.tolist(), snapshot.size_decimals)
    return [list(level) for level in zip(prices, sizes, extra, strict=True)]


def _answer(snapshot: Book, now: int, rpi: bool = False) -> dict[str, Any]:
    return {
        "s": snapshot.inst.symbol,
        "b": _levels(snapshot.bids, snapshot, rpi),
        "a": _levels(snapshot.asks, snapshot, rpi),
        "ts": now,
        "u": now // 100 % 100_000_000,
        "seq": now // 10,
        "cts": now - 7,
    }


def snapshot(market: Market, inst: Instrument, now: int, limit: int) -> dict[str, Any]:
    """Return the ``/v5/market/orderbook`` result of ``inst`` at ``now`` with ``limit`` levels per side."""
    return _answer(book(market, inst, now, limit), now)


@route("/v5/market/orderbook")
def orderbook(exchange: Any, request: Request) -> dict[str, Any]:
    """A snapshot of ``limit`` levels per side around the price now (no RPI quotes): bids descending, asks
    ascending."""
    cat = category(request, ("spot", "linear", "inverse", "option"))
    lo, hi, default = _BOOK_LIMITS[cat]
    limit = request.limit(default, lo, hi)
    inst = _trading(exchange.market, request, cat, request.now_ms)
    return snapshot(exchange.market, inst, request.now_ms, limit)


@route("/v5/market/rpi_orderbook")
def rpi_orderbook(exchange: Any, request: Request) -> dict[str, Any]:
    """The book with RPI quotes: ``[price, nonRpiSize, rpiSize]`` levels (``limit`` required, 1 to 50).

    Without ``category`` the symbol is looked up among linear, inverse and spot instruments in that order.
    """
    market: Market = exchange.market
    now = request.now_ms
    cat = request.get("category")
    if cat is None:
        symbol = request.require("symbol")
        found = next(
            (c for c in ("linear", "inverse", "spot") if market.universe(now).find(symbol, c) is not None),
            None,
        )
        if found is None:
            raise ParamError(
                f"params error: symbol invalid, {symbol} is not a spot, linear or inverse symbol"
            )
        cat = found
    cat = category(request, ("spot", "linear", "inverse"), default=cat)
    if request.get("limit") is None:
        raise ParamError("params error: limit is required, between 1 and 50")
    limit = request.limit(1, *RPI_LIMITS)
    inst = _trading(market, request, cat, now)
    return _answer(book(market, inst, now, limit), now, rpi=True)


@route("/v5/market/full_orderbook")
def full_orderbook(exchange: Any, request: Request) -> dict[str, Any]:
    """The whole book without RPI quotes: up to 10 000 levels per side, as deep as ``orderbook`` allows and
    deeper."""
    cat = category(request, ("spot", "linear", "inverse"))
    inst = _trading(exchange.market, request, cat, request.now_ms)
    return _answer(book(exchange.market, inst, request.now_ms, FULL_DEPTH), request.now_ms)
