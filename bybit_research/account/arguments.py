"""Argument checks of the account functions: coin lists, order and execution ids, the settle coins linear
lists need, and the enums of order filters and execution types."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..endpoints.checks import check_choice, check_coin
from ..fetch import Split

__all__ = [
    "EXEC_TYPES",
    "LINEAR_SETTLE_COINS",
    "OPTION_BASE_COINS",
    "ORDER_FILTERS",
    "ORDER_STATUSES",
    "TRANSACTION_TYPES",
    "check_identifier",
    "coin_list",
    "option_split",
    "order_ids",
    "refuse_spot_settle_coin",
    "settle_coin_param",
    "settle_split",
]

#: the settle coins of linear contracts: a linear position or order list needs one of them (or a symbol)
LINEAR_SETTLE_COINS = ("USDT", "USDC")
#: ``orderFilter`` values of ``/v5/order/realtime`` and ``/v5/order/history``
ORDER_FILTERS = ("Order", "StopOrder", "tpslOrder", "OcoOrder", "BidirectionalTpslOrder")


def refuse_spot_settle_coin(category: str, settle_coin: str | None) -> None:
    """Spot has no settle coin: ``ValueError`` before any request when one is given with ``"spot"``."""
    if settle_coin is not None and category == "spot":
        raise ValueError("settle_coin is not for category='spot'; allowed with 'linear', 'inverse', 'option'")


def settle_coin_param(category: str, settle_coin: str | None) -> str | None:
    """``settle_coin`` checked for ``category`` (linear: USDT or USDC; none with spot), as V5's
    ``settleCoin``."""
    if settle_coin is None:
        return None
    refuse_spot_settle_coin(category, settle_coin)
    coin = check_coin(settle_coin, "settle_coin")
    if category == "linear":
        check_choice(coin, LINEAR_SETTLE_COINS, "settle_coin")
    return coin


def settle_split(category: str, params: dict[str, Any], settle_coin: str | None) -> Split | None:
    """Linear lists need ``settleCoin`` (or a symbol, or a base coin): without any, one run per settle
    coin. A given ``settle_coin`` is checked and put in ``params``."""
    if settle_coin is not None:
        params["settleCoin"] = settle_coin_param(category, settle_coin)
        return None
    if category == "linear" and "symbol" not in params and "baseCoin" not in params:
        return Split("settleCoin", LINEAR_SETTLE_COINS, tidy=False)
    return None


#: the base coins of Bybit's options: a list of options without one defaults to BTC (reference §5.10), so
#: the account functions ask each of them in turn
OPTION_BASE_COINS = ("BTC", "ETH", "SOL")


def option_split(category: str, params: dict[str, Any]) -> Split | None:
    """Option lists without a base coin or symbol: one run per option base coin (Bybit defaults to BTC)."""
    if (
        category == "option"
        and "baseCoin" not in params
        and "symbol" not in params
        and "orderId" not in params
    ):
        return Split("baseCoin", OPTION_BASE_COINS, tidy=False)
    return None


#: ``execType`` values of ``/v5/execution/list`` (reference §5.10)
EXEC_TYPES = (
    "Trade",
    "AdlTrade",
    "Funding",
    "BustTrade",
    "Delivery",
    "Settle",
    "BlockTrade",
    "MovePosition",
    "FutureSpread",
    "CorporateAction",
)
#: ``orderStatus`` values of ``/v5/order/history`` (reference §5.11)
ORDER_STATUSES = (
    "New",
    "PartiallyFilled",
    "Untriggered",
    "Rejected",
    "PartiallyFilledCanceled",
    "Filled",
    "Cancelled",
    "Triggered",
    "Deactivated",
)


def coin_list(coin: str | Sequence[str] | None, name: str = "coin") -> str | None:
    """A coin or a list of coins as V5's comma-separated parameter (``None`` passes), each checked."""
    if coin is None:
        return None
    coins = [coin] if isinstance(coin, str) else list(coin)
    if not coins:
        raise ValueError(f"{name} must be a coin such as 'USDT' or a non-empty list of coins")
    return ",".join(check_coin(value, name) for value in coins)


def order_ids(order_id: str | None, order_link_id: str | None) -> dict[str, Any]:
    """``orderId`` and ``orderLinkId`` as V5 takes them, each checked (``None`` when not given)."""
    return {
        "orderId": None if order_id is None else check_identifier(order_id, "order_id"),
        "orderLinkId": None if order_link_id is None else check_identifier(order_link_id, "order_link_id"),
    }


def check_identifier(value: object, name: str) -> str:
    """An order id as V5 takes it: printable ASCII without separators, at most 64 characters."""
    if not isinstance(value, str) or not value or len(value) > 64 or not value.isascii():
        raise ValueError(f"{name} must be an id of up to 64 ASCII characters, got {value!r}")
    if not value.isprintable() or any(ch in value for ch in "&?#/ =%"):
        raise ValueError(f"{name} {value!r} holds characters no Bybit id has")
    return value


#: common ``type`` values of the transaction log (reference §5.4; Bybit has about a hundred, and any
#: upper-case name passes as given)
TRANSACTION_TYPES = (
    "TRANSFER_IN",
    "TRANSFER_OUT",
    "TRADE",
    "SETTLEMENT",
    "DELIVERY",
    "LIQUIDATION",
    "ADL",
    "AIRDROP",
    "BONUS",
    "BONUS_RECOLLECT",
    "FEE_REFUND",
    "INTEREST",
    "CURRENCY_BUY",
    "CURRENCY_SELL",
    "BORROW",
    "REPAY",
    "CONVERT",
)
