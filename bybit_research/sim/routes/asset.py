"""Private ``/v5/asset/*`` endpoints of the demo account: option greeks, portfolio margin, delivery and
settlement records."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..account.numbers import ZERO, s8
from ..account.portfolio_margin import asset_pnl_range
from ..account.wallet import portfolio_wallet
from ..core import ParamError, Request, route
from ..market.calendar import DAY_MS, date_code
from .account_common import history_page, matches, require_category


@route("/v5/asset/coin-greeks", auth=True, uid_limit=50)
def coin_greeks(exchange: Any, request: Request) -> dict[str, Any]:
    """Total greeks of the option positions per base coin."""
    base = request.get("baseCoin")
    totals: dict[str, dict[str, Decimal]] = {}
    for view in exchange.account.views(request.now_ms, "option"):
        inst = view.pos.inst
        if view.quote is None or (base is not None and inst.base_coin != base):
            continue
        coin = totals.setdefault(inst.base_coin, {name: ZERO for name in ("delta", "gamma", "vega", "theta")})
        for name in coin:
            coin[name] += Decimal(repr(getattr(view.quote, name))) * view.pos.size
    rows = [
        {
            "baseCoin": coin,
            "totalDelta": s8(values["delta"]),
            "totalGamma": s8(values["gamma"]),
            "totalVega": s8(values["vega"]),
            "totalTheta": s8(values["theta"]),
        }
        for coin, values in sorted(totals.items())
    ]
    return {"list": rows}


@route("/v5/asset/portfolio-margin", auth=True, uid_limit=50)
def portfolio_margin(exchange: Any, request: Request) -> dict[str, Any]:
    """Portfolio-margin stress test per base coin and the account totals it gives.

    Answered in every margin mode; in PORTFOLIO_MARGIN mode ``wallet`` equals the wallet-balance totals.
    """
    base = request.get("baseCoin")
    now = request.now_ms
    account = exchange.account
    figures = account.figures(now)
    balances = account.state(now).balances
    units = [unit for coin, unit in figures.units.items() if base is None or coin == base]
    ranges = [
        asset_pnl_range(
            unit, balances.get(unit.coin, ZERO), Decimal(repr(exchange.market.index_price(unit.coin, now)))
        )
        for unit in units
    ]
    return {"wallet": portfolio_wallet(figures), "assetPnlRange": ranges}


@route("/v5/asset/delivery-record", auth=True, uid_limit=50)
def delivery_record(exchange: Any, request: Request) -> dict[str, Any]:
    """Deliveries of expired options and futures (30-day windows, default last 30 days, 2-year lookback)."""
    category = require_category(request, ("inverse", "linear", "option"), "/v5/asset/delivery-record")
    symbol = request.get("symbol")
    exp_date = request.get("expDate")
    if exp_date is not None:
        exp_date = exp_date.upper()
        if not (5 <= len(exp_date) <= 7 and exp_date[:-5].isdigit() and exp_date[-2:].isdigit()):
            raise ParamError("params error: expDate invalid, expected a date like 25MAR22")

    def keep(row: dict[str, Any]) -> bool:
        if exp_date is not None and date_code(row["deliveryTime"]) != exp_date.lstrip("0"):
            return False
        return matches(row, cat=category, symbol=symbol)

    rows, cursor = history_page(
        exchange, request, "deliveries", span_days=30, default_ms=30 * DAY_MS, limit=(20, 50), keep=keep
    )
    return {"nextPageCursor": cursor, "category": category, "list": rows}


@route("/v5/asset/settlement-record", auth=True, uid_limit=50)
def settlement_record(exchange: Any, request: Request) -> dict[str, Any]:
    """8-hour session settlements of USDC perpetuals (30-day windows, default last 30 days, 2-year
    lookback)."""
    category = require_category(request, ("linear",), "/v5/asset/settlement-record")
    symbol = request.get("symbol")
    rows, cursor = history_page(
        exchange,
        request,
        "settlements",
        span_days=30,
        default_ms=30 * DAY_MS,
        limit=(20, 50),
        keep=lambda row: matches(row, symbol=symbol),
    )
    return {"nextPageCursor": cursor, "category": category, "list": rows}
