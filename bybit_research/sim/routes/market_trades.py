"""Handler of ``/v5/market/recent-trade``: the newest public trades, newest first.

Spot pairs and contracts show the newest of their drawn trades (:mod:`..market.trades`), the same trades the
daily archive serves (:mod:`.market_archive`): a contract's ``execId`` is the archive's ``trdMatchID``; a spot
trade's ``execId`` ends in its 8-digit row number of the day (the archive's ``id``). Options (not in the
archive) trade in hourly slots of keyed draws around the mark price, so snapshots at two instants agree
where they overlap.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..core import ParamError, Request, route
from ..market import Instrument, Market
from ..market.archive import contract_ids, decimal_texts
from ..market.calendar import DAY_MS, HOUR_MS
from ..market.coins import decimals
from ..market.paths import keyed_rng
from ..market.trades import TICKS_PER_MS, latest_trades
from .market_common import category, instrument

_OPTION_TRADES = 32


def spot_exec_id(inst: Instrument, day: int, row: int) -> str:
    """Return the ``execId`` of a spot pair's trade number ``row`` (from 0) of epoch day ``day``.

    The archive numbers the day's trades from 1 (its ``id`` column): ``int(execId) % 10**8 == id``.
    """
    return f"21{inst.symbol_id % 10_000:04d}{day:05d}{row + 1:08d}"


def _book_trades(market: Market, inst: Instrument, now: int, limit: int) -> list[dict[str, Any]]:
    source = market.engine(inst, "last").source
    rows: list[dict[str, Any]] = []
    for trades, taken in latest_trades(source, now, limit):
        prices = decimal_texts(trades.price[taken], trades.price_decimals, strip=False)
        sizes = decimal_texts(trades.size[taken], trades.size_decimals, strip=False)
        times = (trades.time[taken] // TICKS_PER_MS).tolist()
        if inst.category == "spot":
            ids = [spot_exec_id(inst, trades.day, row) for row in taken.tolist()]
        else:
            ids = contract_ids(trades.words[taken])
        sequence = (trades.day * 100_000_000 + taken + 1).tolist()
        for k, row in enumerate(taken.tolist()):
            rows.append(
                {
                    "execId": ids[k],
                    "symbol": inst.symbol,
                    "price": prices[k],
                    "size": sizes[k],
                    "side": "Buy" if trades.buy[row] else "Sell",
                    "time": str(times[k]),
                    "isBlockTrade": False,
                    "isRPITrade": bool(trades.rpi[row]),
                    "seq": str(sequence[k]),
                }
            )
    return rows


def _slots(market: Market, inst: Instrument, now: int, rate: float) -> Iterator[tuple[int, int, Any]]:
    """Yield ``(time, number, draw)`` of option trades at or before ``now``, newest first, back to launch."""
    slot = now // HOUR_MS
    floor_slot = max(inst.launch_ms, now - 30 * DAY_MS) // HOUR_MS
    while slot >= floor_slot:
        rng = keyed_rng(market.seed, inst.rng_key(), _OPTION_TRADES, slot)
        count = int(rng.poisson(rate))
        offsets = np.sort(rng.integers(0, HOUR_MS, size=count))
        draws = rng.random((count, 3))
        for number in range(count - 1, -1, -1):
            t = slot * HOUR_MS + int(offsets[number])
            if t <= now:
                yield t, slot * 1000 + number, draws[number]
        slot -= 1


def _option_trades(market: Market, options: list[Instrument], now: int, limit: int) -> list[dict[str, Any]]:
    rows: list[tuple[int, dict[str, Any]]] = []
    for inst in options:
        for taken, (t, number, draw) in enumerate(_slots(market, inst, now, 2.0), start=1):
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
        return {"category": cat, "list": _book_trades(market, inst, now, limit)}
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
