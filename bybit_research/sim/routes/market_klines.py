"""Handlers of the ``/v5/market/*`` kline endpoints, server time and price limits."""

from __future__ import annotations

from typing import Any

from ..core import EncodedJson, ParamError, Request, route
from ..market.klines import INTERVALS, Interval, format_table, format_table_json
from .market_common import category, instrument, time_param, units


def _klines(exchange: Any, request: Request, kind: str, categories: tuple[str, ...]) -> dict[str, Any]:
    cat = category(request, categories, default="linear")
    inst = instrument(exchange.market, request, cat, request.now_ms)
    if kind == "premium" and inst.contract_type != "LinearPerpetual":
        raise ParamError(
            f"params error: symbol invalid, {inst.symbol} has no premium index (not a perpetual)"
        )
    code = request.require("interval")
    if code not in INTERVALS:
        raise ParamError(f"params error: interval invalid, must be one of {', '.join(INTERVALS)}")
    limit = request.limit(200, 1, 500) if cat == "option" else request.limit(200, 1, 1000)
    start, end = time_param(request, "start"), time_param(request, "end")
    rows: list[list[str]] | EncodedJson = []
    if start is None or end is None or start <= end:
        interval = Interval(code)
        engine = exchange.market.engine(inst, kind)

        def table() -> tuple[Any, list[int]]:
            source = engine.source
            digits = [0] + [source.decimals] * 4
            if kind == "last":
                digits += [source.volume_decimals, source.turnover_decimals]
            candles = engine.candles(interval, request.now_ms, start, end, limit)
            return candles[:, : len(digits)], digits

        if not request.prefer_encoded:
            rows = format_table(*table())
        elif end is not None and interval.start(interval.index(end) + 1) <= request.now_ms:
            # every candle of the page has closed: the same text for ever
            key = (cat, inst.symbol, kind, code, start, end, limit)
            rows = EncodedJson(exchange.closed_pages.get_or_make(key, lambda: format_table_json(*table())))
        else:
            # served by the app, the page goes out as JSON text built in one go (the same list of lists)
            rows = EncodedJson(format_table_json(*table()))
    return {"category": cat, "symbol": inst.symbol, "list": rows}


@route("/v5/market/kline")
def kline(exchange: Any, request: Request) -> dict[str, Any]:
    """Candles of the traded price ``[startTime, open, high, low, close, volume, turnover]``."""
    return _klines(exchange, request, "last", ("spot", "linear", "inverse"))


@route("/v5/market/mark-price-kline")
def mark_price_kline(exchange: Any, request: Request) -> dict[str, Any]:
    """Candles of the mark price: ``[startTime, open, high, low, close]``, newest first."""
    return _klines(exchange, request, "mark", ("linear", "inverse", "option"))


@route("/v5/market/index-price-kline")
def index_price_kline(exchange: Any, request: Request) -> dict[str, Any]:
    """Candles of the index price: ``[startTime, open, high, low, close]``, newest first."""
    return _klines(exchange, request, "index", ("linear", "inverse"))


@route("/v5/market/premium-index-price-kline")
def premium_index_price_kline(exchange: Any, request: Request) -> dict[str, Any]:
    """Candles of the premium index of a linear perpetual: ``[startTime, open, high, low, close]``."""
    return _klines(exchange, request, "premium", ("linear",))


@route("/v5/market/time")
def server_time(exchange: Any, request: Request) -> dict[str, str]:
    """The simulator clock in seconds and nanoseconds."""
    return {"timeSecond": str(request.now_ms // 1000), "timeNano": str(request.now_ms * 1_000_000)}


@route("/v5/market/price-limit")
def price_limit(exchange: Any, request: Request) -> dict[str, str]:
    """The highest allowed bid and lowest allowed ask of a symbol now (last price +- 1 %)."""
    cat = category(request, ("spot", "linear", "inverse"), default="linear")
    inst = instrument(exchange.market, request, cat, request.now_ms)
    if inst.delivery_ms and inst.delivery_ms <= request.now_ms:
        raise ParamError(f"params error: symbol invalid, {inst.symbol} is not trading")
    engine = exchange.market.engine(inst, "last")
    last = engine.price(request.now_ms)
    scale = engine.source.scale
    band = max(last // 100 // scale * scale, scale)
    digits = engine.source.decimals
    buy, sell = units([last + band, last - band], digits)
    return {"symbol": inst.symbol, "buyLmt": buy, "sellLmt": sell, "ts": str(request.now_ms)}
