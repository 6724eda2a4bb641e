"""Handler of ``/v5/market/adlAlert``: the ADL state of every symbol of the insurance pools.

The balance of each row is its pool's balance in ``/v5/market/insurance`` (the same daily refresh). The docs'
parameter table names the snapshot time ``updateTime`` while their example shows ``updatedTime``: the
simulator sends ``updateTime``, as the table says. ``maxBalance`` is deprecated and always ``""``.
"""

from __future__ import annotations

from typing import Any

from ..core import ParamError, Request, route
from ..market import Market
from ..market.calendar import MINUTE_MS
from ..market.insurance import (
    ADL_STOP_RATIO,
    ADL_TRIGGER_THRESHOLD,
    INSURANCE_PNL_RATIO,
    drawdown_ratio,
    pools,
)
from .market_common import rate_text


@route("/v5/market/adlAlert")
def adl_alert(exchange: Any, request: Request) -> dict[str, Any]:
    """ADL alert rows (one per pool symbol), updated every minute; ``symbol`` narrows them to one."""
    market: Market = exchange.market
    now = request.now_ms
    symbol = request.get("symbol")
    refreshed = pools(market.seed, now)
    if symbol is not None and not any(symbol in pool.symbols for pool in refreshed):
        if market.universe(now).find(symbol, "linear") or market.universe(now).find(symbol, "inverse"):
            return {"updateTime": str(now // MINUTE_MS * MINUTE_MS), "list": []}  # not in an insurance pool
        raise ParamError(f"params error: symbol invalid, {symbol} is not a linear or inverse contract")
    minute = now // MINUTE_MS * MINUTE_MS
    rows = [
        {
            "coin": pool.coin,
            "symbol": name,
            "balance": f"{pool.balance:.8f}",
            "maxBalance": "",
            "insurancePnlRatio": INSURANCE_PNL_RATIO,
            "pnlRatio": rate_text(drawdown_ratio(market.seed, name, minute)),
            "adlTriggerThreshold": ADL_TRIGGER_THRESHOLD,
            "adlStopRatio": ADL_STOP_RATIO,
        }
        for pool in refreshed
        for name in pool.symbols
        if symbol is None or name == symbol
    ]
    return {"updateTime": str(minute), "list": rows}
