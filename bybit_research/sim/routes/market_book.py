"""Handlers of ``/v5/market/orderbook`` and ``/v5/market/recent-trade``: deterministic snapshots at "now".

Order-book sizes are keyed draws of the current second; trades are keyed draws of fixed time slots (minutes,
or hours
for options), so the recent trades seen at two instants agree where they overlap.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..core import ParamError, Request, route
from ..market import Instrument, Market
from ..market.calendar import DAY_MS, HOUR_MS, MINUTE_MS
from ..market.coins import decimals
from ..market.paths import keyed_rng
from .market_common import category, instrument, units

_BOOK, _TRADES = 31, 32
_BOOK_LIMITS = {"spot": (1, 1000, 1), "linear": (1, 1000, 25), "inverse": (1, 1000, 25), "option": (1, 25, 1)}


def _option_ticks(market: Market, inst: Instrument, now_ms: int) -> tuple[int, int]:
    """Return ``(bid, ask)`` of an option in ticks around its mark price."""
    tick = float(inst.tick_size)
    mark = market.option_quote(inst.symbol, now_ms).mark_price
    half = max(round(mark * 0.01 / tick), 1)
    centre = round(mark / tick)
    return max(centre - half, 1), max(centre + half, 2)


@route("/v5/market/orderbook")
def orderbook(exchange: Any, request: Request) -> dict[str, Any]:
    """A snapshot of ``limit`` levels per side around the price now: bids descending, asks ascending."""
    cat = category(request, ("spot", "linear", "inverse", "option"))
    lo, hi, default = _BOOK_LIMITS[cat]
    limit = request.limit(default, lo, hi)
    market: Market = exchange.market
    now = request.now_ms
    inst = instrument(market, request, cat, now)
    if inst.delivery_ms and inst.delivery_ms <= now:
        raise ParamError(f"params error: symbol invalid, {inst.symbol} is not trading")
    return book(market, inst, now, limit)


def book(market: Market, inst: Instrument, now: int, limit: int) -> dict[str, Any]:
    """Return the order-book snapshot of ``inst`` at ``now`` with ``limit`` levels per side."""
    if inst.category == "option":
        digits = decimals(inst.tick_size)
        scale = round(float(inst.tick_size) * 10**digits)
        bid, ask = (v * scale for v in _option_ticks(market, inst, now))
    else:
        source = market.engine(inst, "last").source
        digits, scale = source.decimals, source.scale
        last = market.engine(inst, "last").price(now)
        bid, ask = last, last + scale
    rng = keyed_rng(market.seed, inst.rng_key(), _BOOK, now // 1000)
    step_digits = decimals(inst.qty_step)
    step_units = round(float(inst.qty_step) * 10**step_digits)
    depth = np.floor(np.exp(rng.normal(2.0, 1.2, size=(2, limit)))).astype(np.int64) + 1
    bids = [b for b in range(bid, bid - limit * scale, -scale) if b > 0]
    asks = list(range(ask, ask + limit * scale, scale))
    bid_sizes = units((depth[0, : len(bids)] * step_units).tolist(), step_digits)
    ask_sizes = units((depth[1, : len(asks)] * step_units).tolist(), step_digits)
    return {
        "s": inst.symbol,
        "b": [list(level) for level in zip(units(bids, digits), bid_sizes, strict=True)],
        "a": [list(level) for level in zip(units(asks, digits), ask_sizes, strict=True)],
        "ts": now,
        "u": now // 100 % 100_000_000,
        "seq": now // 10,
        "cts": now - 7,
    }


def _slots(
    market: Market, inst: Instrument, now: int, slot_ms: int, rate: float
) -> Iterator[tuple[int, int, Any]]:
    """Yield ``(time, number, draw)`` of trades at or before ``now``, newest first, back to launch."""
    slot = now // slot_ms
    floor_slot = max(inst.launch_ms, now - 30 * DAY_MS) // slot_ms
    while slot >= floor_slot:
        rng = keyed_rng(market.seed, inst.rng_key(), _TRADES, slot)
        count = int(rng.poisson(rate))
        offsets = np.sort(rng.integers(0, slot_ms, size=count))
        draws = rng.random((count, 3))
        for number in range(count - 1, -1, -1):
            t = slot * slot_ms + int(offsets[number])
            if t <= now:
                yield t, slot * 1000 + number, draws[number]
        slot -= 1


def _linear_trades(market: Market, inst: Instrument, now: int, limit: int) -> list[dict[str, Any]]:
    engine = market.engine(inst, "last")
    source = engine.source
    rate = 30.0 if inst.symbol in ("BTCUSDT", "ETHUSDT") else 8.0
    step_digits = decimals(inst.qty_step)
    qty_units = round(float(inst.qty_step) * 10**step_digits)
    rows = []
    for t, number, draw in _slots(market, inst, now, MINUTE_MS, rate):
        price = engine.price(t) + (source.scale if draw[0] > 0.5 else 0)
        size = qty_units * (1 + int(np.exp(draw[1] * 5.0)))
        rows.append(
            {
                "execId": str(inst.symbol_id * 10**13 + number),
                "symbol": inst.symbol,
                "price": units([price], source.decimals)[0],
                "size": units([size], step_digits)[0],
                "side": "Buy" if draw[0] > 0.5 else "Sell",
                "time": str(t),
                "isBlockTrade": False,
                "isRPITrade": False,
                "seq": str(number),
            }
        )
        if len(rows) >= limit:
            break
    return rows


def _option_trades(market: Market, options: list[Instrument], now: int, limit: int) -> list[dict[str, Any]]:
    rows: list[tuple[int, dict[str, Any]]] = []
    for inst in options:
        for taken, (t, number, draw) in enumerate(_slots(market, inst, now, HOUR_MS, 2.0), start=1):
            quote = market.option_quote(inst.symbol, t)
            tick = float(inst.tick_size)
            price = max(round(quote.mark_price * (0.99 + 0.02 * draw[0]) / tick), 1) * tick
            digits = decimals(inst.tick_size)
            row = {
                "execId": f"{inst.symbol_id:08x}-{number:012d}",
                "symbol": inst.symbol,
                "price": f"{price:.{digits}f}",
                "size": f"{float(inst.qty_step) * (1 + int(draw[1] * 20)):g}",
                "side": "Buy" if draw[0] > 0.5 else "Sell",
                "time": str(t),
                "isBlockTrade": False,
                "isRPITrade": False,
                "seq": str(number),
                "mP": f"{quote.mark_price:.2f}",
                "iP": f"{quote.index_price:.2f}",
                "mIv": f"{quote.mark_iv:.4f}",
                "iv": f"{quote.mark_iv * (0.98 + 0.04 * draw[2]):.4f}",
            }
            rows.append((t, row))
            if taken >= limit:
                break
    rows.sort(key=lambda item: -item[0])
    return [row for _, row in rows[:limit]]


@route("/v5/market/recent-trade")
def recent_trade(exchange: Any, request: Request) -> dict[str, Any]:
    """The most recent public trades, newest first (option extras ``mP, iP, mIv, iv``)."""
    cat = category(request, ("spot", "linear", "inverse", "option"))
    limit = request.limit(60, 1, 60) if cat == "spot" else request.limit(500, 1, 1000)
    market: Market = exchange.market
    now = request.now_ms
    if cat != "option":
        inst = instrument(market, request, cat, now)
        return {"category": cat, "list": _linear_trades(market, inst, now, limit)}
    option_type = request.choice("optionType", ("Call", "Put"))
    if request.get("symbol"):
        options = [instrument(market, request, cat, now)]
    else:
        coin = request.get("baseCoin") or "BTC"
        listed = [i for i in market.instruments("option", now) if i.base_coin == coin]
        if not listed:
            raise ParamError(f"params error: baseCoin invalid, no options on {coin}")
        index = market.index_price(coin, now)
        listed = [i for i in listed if option_type in (None, i.option_type)]
        listed.sort(key=lambda i: (i.delivery_ms, abs((i.strike or 0.0) - index)))
        options = listed[:12]
    return {"category": cat, "list": _option_trades(market, options, now, limit)}
