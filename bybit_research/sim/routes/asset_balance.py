"""Private asset endpoints about balances across wallets: coins balance, single-coin balance, asset overview,
and the coin (network) information ccxt loads with its markets."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..account.coin_info import coin_row, known_coins
from ..account.funding import (
    ACCOUNT_ID,
    ACCOUNT_TYPES,
    FUNDING_BALANCES,
    balance_row,
    transferable,
    truncate8,
)
from ..core import ParamError, Request, route
from .account_common import coin_list

#: At most this many coins per coins-balance request with accountType UNIFIED.
UNIFIED_COINS_MAX = 10


def _account_type(request: Request) -> str:
    value = request.choice("accountType", ACCOUNT_TYPES)
    if value is None:
        raise ParamError("params error: accountType is required")
    return value


def _member(exchange: Any, request: Request) -> str:
    """The UID asked about: the account's own (the demo account has no sub-accounts)."""
    uid = str(exchange.account.uid)
    member = request.get("memberId")
    if member is not None and member != uid:
        raise ParamError(f"params error: memberId {member} is not a sub account of {uid}")
    return uid


def _coins(request: Request, name: str) -> list[str] | None:
    coins = coin_list(request, name)
    if coins is not None:
        unknown = [coin for coin in coins if coin not in known_coins()]
        if unknown:
            raise ParamError(f"params error: {name} {','.join(unknown)} invalid")
    return coins


def _index(exchange: Any, coin: str, now_ms: int) -> Decimal:
    return Decimal(repr(exchange.market.index_price(coin, now_ms)))


@route("/v5/asset/transfer/query-account-coins-balance", auth=True, uid_limit=5)
def coins_balance(exchange: Any, request: Request) -> dict[str, Any]:
    """Wallet and transferable balances of several coins of one wallet.

    ``coin`` (comma list) is required for ``UNIFIED`` (at most 10); without it ``FUND`` lists every coin it
    holds.
    """
    account_type = _account_type(request)
    member = _member(exchange, request)
    coins = _coins(request, "coin")
    with_bonus = request.integer("withBonus", 0, 0, 1) == 1
    if account_type == "UNIFIED":
        if coins is None:
            raise ParamError("params error: coin is required for accountType UNIFIED")
        if len(coins) > UNIFIED_COINS_MAX:
            raise ParamError(f"params error: at most {UNIFIED_COINS_MAX} coins per request for UNIFIED")
    elif coins is None:
        coins = list(FUNDING_BALANCES)
    now = request.now_ms
    figures = exchange.account.figures(now)
    rows = [
        balance_row(figures, account_type, coin, _index(exchange, coin, now), with_bonus) for coin in coins
    ]
    return {"accountType": account_type, "memberId": member, "balance": rows}


@route("/v5/asset/transfer/query-account-coin-balance", auth=True, uid_limit=450)
def coin_balance(exchange: Any, request: Request) -> dict[str, Any]:
    """One coin of one wallet; ``toAccountType`` asks for what can move to the other wallet."""
    account_type = _account_type(request)
    member = _member(exchange, request)
    coin = request.require("coin")
    if coin not in known_coins():
        raise ParamError(f"params error: coin {coin} invalid")
    to_type = request.choice("toAccountType", ACCOUNT_TYPES)
    if to_type is not None and to_type == account_type:
        raise ParamError("params error: toAccountType must differ from accountType")
    with_bonus = request.integer("withBonus", 0, 0, 1) == 1
    safe = request.integer("withTransferSafeAmount", 0, 0, 1) == 1
    ltv = request.integer("withLtvTransferSafeAmount", 0, 0, 1) == 1
    if ltv and to_type is None:
        raise ParamError("params error: toAccountType is required with withLtvTransferSafeAmount=1")
    now = request.now_ms
    figures = exchange.account.figures(now)
    index = _index(exchange, coin, now)
    balance: dict[str, str] = balance_row(figures, account_type, coin, index, with_bonus)
    movable = truncate8(transferable(figures, account_type, coin, index))
    balance["transferSafeAmount"] = movable if safe else ""
    balance["ltvTransferSafeAmount"] = movable if ltv else ""
    return {
        "accountType": account_type,
        "bizType": 1,
        "accountId": ACCOUNT_ID,
        "memberId": member,
        "balance": balance,
    }


def _usd2(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f")


@route("/v5/asset/asset-overview", auth=True, uid_limit=50)
def asset_overview(exchange: Any, request: Request) -> dict[str, Any]:
    """Equity of every wallet of the account in USD: the unified account (coin equities as in
    wallet-balance) and the Funding wallet."""
    _member(exchange, request)
    now = request.now_ms
    figures = exchange.account.figures(now)
    unified_equity = figures.totals["equity"]
    unified = [
        {"coin": row["coin"], "equity": row["equity"]} for row in figures.coins.values() if row["_nonzero"]
    ]
    funding = [{"coin": coin, "equity": format(amount, "f")} for coin, amount in FUNDING_BALANCES.items()]
    funding_equity = sum(
        (amount * _index(exchange, coin, now) for coin, amount in FUNDING_BALANCES.items()), Decimal(0)
    )
    snapshot = str(now)
    return {
        "totalEquity": _usd2(unified_equity + funding_equity),
        "list": [
            {
                "accountType": "UnifiedTradingAccount",
                "totalEquity": _usd2(unified_equity),
                "valuationCurrency": "USD",
                "snapshotTime": snapshot,
                "coinDetail": unified,
            },
            {
                "accountType": "FundingAccount",
                "totalEquity": _usd2(funding_equity),
                "valuationCurrency": "USD",
                "snapshotTime": snapshot,
                "coinDetail": funding,
            },
        ],
    }


@route("/v5/asset/coin/query-info", auth=True)
def coin_info(exchange: Any, request: Request) -> dict[str, Any]:
    """Deposit and withdrawal networks of every coin (or of ``coin``)."""
    coin = request.get("coin")
    if coin is not None and coin not in known_coins():
        raise ParamError(f"params error: coin {coin} invalid")
    return {"rows": [coin_row(name) for name in ([coin] if coin else known_coins())]}
