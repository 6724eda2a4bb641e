"""Handlers of derivatives series: funding, open interest, long/short ratio, historical volatility."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import ParamError, Request, route
from ..market import Instrument, Market
from ..market.calendar import DAY_MS, HOUR_MS, MINUTE_MS, date_ms
from ..market.coins import decimals
from ..market.derivatives import buy_ratio, funding_rates, funding_times, historical_volatility, open_interest
from .market_common import category, instrument, make_cursor, rate_text, read_cursor, time_param

SERIES_INTERVALS = {"5min": 5, "15min": 15, "30min": 30, "1h": 60, "4h": 240, "1d": 1440}
ACCOUNT_RATIO_START = date_ms("2020-07-20")
HV_PERIODS = {
    "BTC": (7, 14, 21, 30, 60, 90, 180, 270),
    "ETH": (7, 14, 21, 30, 60, 90, 180, 270),
    "SOL": (7, 14, 21, 30, 60, 90),
}
HV_MAX_SPAN_MS = 30 * DAY_MS
HV_LOOKBACK_MS = 730 * DAY_MS


@route("/v5/market/funding/history")
def funding_history(exchange: Any, request: Request) -> dict[str, Any]:
    """Funding rates settled by a perpetual, newest first (``startTime`` alone is rejected)."""
    cat = category(request, ("linear", "inverse"))
    market: Market = exchange.market
    now = request.now_ms
    inst = instrument(market, request, cat, now)
    limit = request.limit(200, 1, 200)
    start, end = time_param(request, "startTime"), time_param(request, "endTime")
    if start is not None and end is None:
        raise ParamError("params error: endTime is required when startTime is given")
    last = min(end, now) if end is not None else now
    times = funding_times(inst, start if start is not None else inst.launch_ms, last)[-limit:][::-1]
    rates = funding_rates(market.seed, inst, times)
    rows = [
        {"symbol": inst.symbol, "fundingRate": rate_text(rate), "fundingRateTimestamp": str(t)}
        for t, rate in zip(times, rates, strict=True)
    ]
    return {"category": cat, "list": rows}


def _series_times(
    request: Request, inst: Instrument, step_ms: int, limit: int, earliest: int
) -> tuple[list[int], str]:
    """Return the timestamps of one page of a cursor-paged series (newest first) and the next cursor."""
    now = request.now_ms
    start, end = time_param(request, "startTime"), time_param(request, "endTime")
    last = min(end, now) if end is not None else now
    position = read_cursor(request)
    if position is not None:
        last = min(last, position[1] * 1000 - 1)
    first = max(start or 0, inst.launch_ms, earliest)
    if inst.delivery_ms:
        last = min(last, inst.delivery_ms)
    top = last // step_ms * step_ms
    bottom = -(-first // step_ms) * step_ms
    if top < bottom:
        return [], ""
    times = list(range(top, max(bottom, top - (limit - 1) * step_ms) - 1, -step_ms))
    more = times[-1] > bottom
    following = (position[0] if position else 0) + len(times)
    return times, make_cursor(following, times[-1] // 1000) if more else ""


@route("/v5/market/open-interest")
def open_interest_history(exchange: Any, request: Request) -> dict[str, Any]:
    """Open interest at ``intervalTime`` steps, newest first, cursor paged back to the symbol's launch."""
    cat = category(request, ("linear", "inverse"))
    market: Market = exchange.market
    inst = instrument(market, request, cat, request.now_ms)
    interval = request.require("intervalTime")
    if interval not in SERIES_INTERVALS:
        raise ParamError(f"params error: intervalTime invalid, must be one of {', '.join(SERIES_INTERVALS)}")
    limit = request.limit(50, 1, 200)
    times, cursor = _series_times(request, inst, SERIES_INTERVALS[interval] * MINUTE_MS, limit, 0)
    values = open_interest(market.seed, inst, np.array(times, dtype=np.int64))
    if inst.is_inverse:
        whole = np.round(values)
        texts = [(f"{v:.8f}", f"{v / 2:.0f}") for v in whole.tolist()]
    else:
        digits = decimals(inst.qty_step)
        texts = [(f"{v:.{digits}f}", f"{v / 2:.{digits}f}") for v in values.tolist()]
    rows = [
        {"openInterest": total, "singleOpenInterest": single, "timestamp": str(t)}
        for t, (total, single) in zip(times, texts, strict=True)
    ]
    return {"category": cat, "symbol": inst.symbol, "list": rows, "nextPageCursor": cursor}


@route("/v5/market/account-ratio")
def account_ratio(exchange: Any, request: Request) -> dict[str, Any]:
    """Long/short account ratio at ``period`` steps, newest first, cursor paged (no ``category`` key)."""
    cat = category(request, ("linear", "inverse"))
    market: Market = exchange.market
    inst = instrument(market, request, cat, request.now_ms)
    period = request.require("period")
    if period not in SERIES_INTERVALS:
        raise ParamError(f"params error: period invalid, must be one of {', '.join(SERIES_INTERVALS)}")
    limit = request.limit(50, 1, 500)
    step = SERIES_INTERVALS[period] * MINUTE_MS
    times, cursor = _series_times(request, inst, step, limit, ACCOUNT_RATIO_START)
    ratios = buy_ratio(market.seed, inst, np.array(times, dtype=np.int64)).tolist()
    rows = [
        {"symbol": inst.symbol, "buyRatio": f"{r:.4f}", "sellRatio": f"{1.0 - r:.4f}", "timestamp": str(t)}
        for t, r in zip(times, ratios, strict=True)
    ]
    return {"list": rows, "nextPageCursor": cursor}


@route("/v5/market/historical-volatility", raw_envelope=True)
def historical_volatility_series(exchange: Any, request: Request) -> dict[str, Any]:
    """Hourly realised volatility of a coin over ``period`` days; the body has a top-level ``category``."""
    category(request, ("option",))
    coin = request.get("baseCoin", "BTC")
    if coin not in HV_PERIODS:
        raise ParamError(f"params error: baseCoin invalid, must be one of {', '.join(HV_PERIODS)}")
    request.choice("quoteCoin", ("USD", "USDT"))
    period = request.integer("period", 7)
    assert period is not None
    if period not in HV_PERIODS[coin]:
        allowed = ", ".join(str(p) for p in HV_PERIODS[coin])
        raise ParamError(f"params error: period invalid for {coin}, must be one of {allowed}")
    now = request.now_ms
    start, end = time_param(request, "startTime"), time_param(request, "endTime")
    if (start is None) != (end is None):
        raise ParamError("params error: startTime and endTime must be given together")
    if start is None or end is None:
        times = [now // HOUR_MS * HOUR_MS]
    else:
        if start > end:
            raise ParamError("params error: startTime must not be later than endTime")
        if end - start > HV_MAX_SPAN_MS:
            raise ParamError(
                "params error: the time window between startTime and endTime must not exceed 30 days"
            )
        if start < now - HV_LOOKBACK_MS:
            raise ParamError("params error: startTime is older than the 2-year lookback")
        last = min(end, now)
        times = list(range(-(-start // HOUR_MS) * HOUR_MS, last + 1, HOUR_MS))
    values = historical_volatility(exchange.market.paths[coin], period, np.array(times, dtype=np.int64))
    rows = [
        {"period": period, "value": f"{v:.8f}", "time": str(t)}
        for t, v in zip(times, values.tolist(), strict=True)
    ]
    return {"retCode": 0, "retMsg": "SUCCESS", "category": "option", "result": rows}
