"""Private ``/v5/account/*`` endpoints of the demo account.

Authentication and per-UID limits are applied by the app before a handler runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from ..account import MARGIN_MODES
from ..account.borrowing import COINS, collateral_rows
from ..account.state import FEE_RATES
from ..account.wallet import wallet_balance_result
from ..core import ParamError, Request, SimError, route
from ..market.calendar import DAY_MS
from ..market.coins import COIN_SPECS
from .account_common import coin_list, history_page, matches, require_category

PM_MIN_EQUITY = Decimal("1000")
TRANSACTION_CATEGORIES = ("spot", "linear", "inverse", "option")


@route("/v5/account/wallet-balance", auth=True, uid_limit=50)
def wallet_balance(exchange: Any, request: Request) -> dict[str, Any]:
    """Balances of the unified account with the account totals in USD."""
    account_type = request.require("accountType")
    if account_type != "UNIFIED":
        raise ParamError("params error: accountType only supports UNIFIED")
    figures = exchange.account.figures(request.now_ms)
    wanted = coin_list(request, "coin")
    if wanted is not None:
        # the filter only filters: unknown coins get no row (a known coin without a balance gets a zero row)
        known = known_coins(figures.coins)
        wanted = [coin for coin in wanted if coin in known]
    return wallet_balance_result(figures, wanted)


def known_coins(held: Iterable[str]) -> set[str]:
    """Coins the simulated exchange knows: the market's base coins, the settle coins and any coin held."""
    return set(COIN_SPECS) | set(COINS) | set(held)


@route("/v5/account/info", auth=True, uid_limit=50)
def account_info(exchange: Any, request: Request) -> dict[str, Any]:
    """Margin mode and account status."""
    account = exchange.account
    return {
        "unifiedMarginStatus": 5,
        "marginMode": account.margin_mode,
        "isMasterTrader": False,
        "spotHedgingStatus": "OFF",
        "updatedTime": str(account.mode_updated_ms(request.now_ms)),
        "dcpStatus": "OFF",
        "timeWindow": 0,
        "smpGroup": 0,
    }


@route("/v5/account/set-margin-mode", method="POST", auth=True, uid_limit=5)
def set_margin_mode(exchange: Any, request: Request) -> dict[str, Any]:
    """Switch between ISOLATED_MARGIN, REGULAR_MARGIN and PORTFOLIO_MARGIN (PM needs equity >= 1000 USD)."""
    mode = request.choice("setMarginMode", MARGIN_MODES)
    if mode is None:
        raise ParamError("params error: setMarginMode is required")
    account = exchange.account
    if mode == "PORTFOLIO_MARGIN":
        equity = account.figures(request.now_ms).totals["equity"]
        if equity < PM_MIN_EQUITY:
            reason = {
                "reasonCode": "3400062",
                "reasonMsg": "Equity needs to be equal to or greater than 1000 USDC",
            }
            raise SimError(3400045, "Set margin mode failed", result={"reasons": [reason]})
    account.set_margin_mode(mode, request.now_ms)
    return {"reasons": []}


@route("/v5/account/fee-rate", auth=True, uid_limit=5)
def fee_rate(exchange: Any, request: Request) -> dict[str, Any]:
    """Trading fee rates: per symbol (spot, linear, inverse) or per base coin (option)."""
    category = require_category(request, ("spot", "linear", "inverse", "option"), "/v5/account/fee-rate")
    taker, maker = FEE_RATES[category]
    market = exchange.market
    if category == "option":
        base = request.get("baseCoin")
        coins = sorted({inst.base_coin for inst in market.instruments("option")})
        if base is not None:
            if base not in coins:
                raise ParamError("params error: baseCoin invalid")
            coins = [base]
        rows = [
            {"symbol": "", "baseCoin": coin, "takerFeeRate": taker, "makerFeeRate": maker} for coin in coins
        ]
        return {"category": category, "list": rows}
    symbol = request.get("symbol")
    if symbol is not None:
        if market.instrument(symbol, category) is None:
            raise ParamError("params error: symbol invalid")
        symbols = [symbol]
    else:
        symbols = [inst.symbol for inst in market.instruments(category)]
    rows = [{"symbol": name, "takerFeeRate": taker, "makerFeeRate": maker} for name in symbols]
    return {"category": category, "list": rows} if category == "spot" else {"list": rows}


@route("/v5/account/transaction-log", auth=True, uid_limit=25)
def transaction_log(exchange: Any, request: Request) -> dict[str, Any]:
    """Cash movements of the unified account (7-day windows, default last 24 hours, 2-year lookback)."""
    account_type = request.get("accountType")
    if account_type is not None and account_type != "UNIFIED":
        raise ParamError("params error: accountType only supports UNIFIED")
    category = request.choice("category", TRANSACTION_CATEGORIES)
    currency = request.get("currency")
    base = request.get("baseCoin")
    kind = request.get("type")
    sub_type = request.get("transSubType")

    def keep(row: dict[str, Any]) -> bool:
        if sub_type is not None and row["transSubType"] != sub_type:
            return False
        return matches(row, cat=category, currency=currency, base=base, type=kind)

    rows, cursor = history_page(
        exchange, request, "transactions", span_days=7, default_ms=DAY_MS, limit=(20, 50), keep=keep
    )
    return {"nextPageCursor": cursor, "list": rows}


@route("/v5/account/borrow-history", auth=True, uid_limit=50)
def borrow_history(exchange: Any, request: Request) -> dict[str, Any]:
    """Hourly interest records of borrowed coins (30-day windows, default last 30 days)."""
    currency = request.get("currency")
    rows, cursor = history_page(
        exchange,
        request,
        "borrows",
        span_days=30,
        default_ms=30 * DAY_MS,
        limit=(20, 50),
        keep=lambda row: matches(row, currency=currency),
    )
    return {"nextPageCursor": cursor, "list": rows}


@route("/v5/account/collateral-info", auth=True, uid_limit=50)
def collateral_info(exchange: Any, request: Request) -> dict[str, Any]:
    """Borrowing and collateral settings per coin, with the amounts borrowed now.

    A ``currency`` the exchange does not know is retCode 10001 "currency invalid" (no row is invented).
    """
    currency = request.get("currency")
    state = exchange.account.state(request.now_ms)
    if currency is not None:
        currency = currency.upper()
        if currency not in known_coins(state.balances):
            raise ParamError("params error: currency invalid")
    return {"list": collateral_rows(state.balances, request.now_ms, currency)}
