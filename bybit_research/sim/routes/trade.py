"""Private position, execution and order endpoints of the demo account."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..account.paging import page_by_key, page_by_offset
from ..account.positions import position_row, value_position
from ..account.rows import Row, public
from ..account.state import PositionState
from ..core import ParamError, Request, route
from ..market.calendar import DAY_MS
from .account_common import history_page, matches, require_category

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
ORDER_FILTERS = ("Order", "StopOrder", "tpslOrder", "OcoOrder", "BidirectionalTpslOrder")
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
ALL_CATEGORIES = ("spot", "linear", "inverse", "option")
#: Orders cancelled without fills stay in the order history for one day only.
UNFILLED_RETENTION_MS = DAY_MS
REALTIME_CLOSED_MAX = 500


@route("/v5/position/list", auth=True, uid_limit=50)
def position_list(exchange: Any, request: Request) -> dict[str, Any]:
    """Open positions valued now (a flat row for a named symbol without a position)."""
    category = require_category(request, ("linear", "inverse", "option"), "/v5/position/list")
    limit = request.limit(20, 1, 200)
    symbol, settle, base = request.get("symbol"), request.get("settleCoin"), request.get("baseCoin")
    if category == "linear" and symbol is None and settle is None:
        raise ParamError("params error: symbol or settleCoin is required for category linear")
    account, now = exchange.account, request.now_ms
    if symbol is not None:
        inst = exchange.market.instrument(symbol, category)
        if inst is None:
            raise ParamError("params error: symbol invalid")
        pos = account.state(now).positions.get(f"{category}:{symbol}") or PositionState(inst)
        views = [value_position(exchange.market, pos, now)]
    else:
        views = [
            view
            for view in account.views(now, category)
            if (settle is None or view.pos.inst.settle_coin == settle)
            and (base is None or view.pos.inst.base_coin == base)
        ]
    cushions = _margin_cushions(exchange, now, {view.pos.inst.settle_coin for view in views})
    rows = [
        position_row(view, account.portfolio_margin, cushions.get(view.pos.inst.settle_coin))
        for view in views
    ]
    page, cursor = page_by_offset(rows, request, limit)
    return {"list": page, "nextPageCursor": cursor, "category": category}


def _margin_cushions(exchange: Any, now_ms: int, coins: set[str]) -> dict[str, Decimal]:
    """The account's margin balance above its maintenance margin (regular margin), in each of ``coins``.

    Liquidation prices are cross-margin prices derived from it (none in portfolio margin).
    """
    account = exchange.account
    if account.portfolio_margin or not coins:
        return {}
    totals = account.figures(now_ms).totals
    cushion_usd = totals["rate_base"] - totals["account_mm"]
    return {coin: cushion_usd / Decimal(repr(exchange.market.index_price(coin, now_ms))) for coin in coins}


#: Identity filters of the history endpoints, highest priority first: (parameter, filter name).
IDENTITY_FILTERS = (("orderId", "order"), ("orderLinkId", "link"), ("symbol", "symbol"), ("baseCoin", "base"))


def _identity_filters(request: Request) -> dict[str, str]:
    """Every identity filter sent, in priority order (orderId > orderLinkId > symbol > baseCoin)."""
    sent = {key: request.get(param) for param, key in IDENTITY_FILTERS}
    return {key: value for key, value in sent.items() if value is not None}


def _identity_filter(request: Request, default_base: str | None = None) -> dict[str, str]:
    """The highest-priority identity filter present: orderId > orderLinkId > symbol > baseCoin."""
    for key, value in _identity_filters(request).items():
        return {key: value}
    return {"base": default_base} if default_base else {}


@route("/v5/execution/list", auth=True, uid_limit=50)
def execution_list(exchange: Any, request: Request) -> dict[str, Any]:
    """The account's fills (7-day windows, default last 7 days, 2-year lookback), newest first."""
    category = require_category(request, ALL_CATEGORIES, "/v5/execution/list")
    exec_type = request.choice("execType", EXEC_TYPES)
    settle = request.get("settleCoin")
    identity = _identity_filter(request, "BTC" if category == "option" else None)

    def keep(row: Row) -> bool:
        if exec_type is not None and row["execType"] != exec_type:
            return False
        return matches(row, cat=category, settle=settle, **identity)

    rows, cursor = history_page(
        exchange, request, "executions", span_days=7, default_ms=7 * DAY_MS, limit=(50, 100), keep=keep
    )
    return {"nextPageCursor": cursor, "category": category, "list": rows}


@route("/v5/position/closed-pnl", auth=True, uid_limit=50)
def closed_pnl(exchange: Any, request: Request) -> dict[str, Any]:
    """Closed-position P&L records (7-day windows, default last 7 days, 2-year lookback), newest first."""
    category = require_category(request, ("linear", "inverse"), "/v5/position/closed-pnl")
    symbol = request.get("symbol")
    rows, cursor = history_page(
        exchange,
        request,
        "closed_pnl",
        span_days=7,
        default_ms=7 * DAY_MS,
        limit=(50, 100),
        keep=lambda row: matches(row, cat=category, symbol=symbol),
    )
    return {"nextPageCursor": cursor, "category": category, "list": rows}


def _order_filter(request: Request, *, every_identity: bool) -> dict[str, str | None]:
    """Filters of an order endpoint: the identity filter(s) plus ``settleCoin``.

    ``every_identity`` applies every identity parameter sent (a row must match all of them); otherwise
    only the highest-priority one applies, as for the execution list.
    """
    identity = _identity_filters(request) if every_identity else _identity_filter(request)
    filters: dict[str, str | None] = dict(identity)
    settle = request.get("settleCoin")
    if settle is not None:
        filters["settle"] = settle
    return filters


def _is_retained(row: Row, now_ms: int) -> bool:
    """Order-history retention: unfilled cancelled/rejected/deactivated orders only for one day."""
    if row["orderStatus"] in ("Cancelled", "Rejected", "Deactivated") and row["cumExecQty"] == "0":
        return int(row["updatedTime"]) >= now_ms - UNFILLED_RETENTION_MS
    return True


@route("/v5/order/history", auth=True, uid_limit=50)
def order_history(exchange: Any, request: Request) -> dict[str, Any]:
    """Closed orders (7-day windows on creation time, default last 7 days, 2-year lookback), newest first."""
    category = require_category(request, ALL_CATEGORIES, "/v5/order/history")
    order_filter = request.choice("orderFilter", ORDER_FILTERS)
    status = request.choice("orderStatus", ORDER_STATUSES)
    filters = _order_filter(request, every_identity=True)
    now = request.now_ms

    def keep(row: Row) -> bool:
        if order_filter not in (None, "Order") or (status is not None and row["orderStatus"] != status):
            return False
        return matches(row, cat=category, **filters) and _is_retained(row, now)

    rows, cursor = history_page(
        exchange, request, "orders", span_days=7, default_ms=7 * DAY_MS, limit=(20, 50), keep=keep
    )
    return {"nextPageCursor": cursor, "category": category, "list": rows}


@route("/v5/order/realtime", auth=True, uid_limit=50)
def order_realtime(exchange: Any, request: Request) -> dict[str, Any]:
    """Open orders (``openOnly=0``, default) or up to 500 recent closed orders (``openOnly=1``), newest
    first."""
    category = require_category(request, ALL_CATEGORIES, "/v5/order/realtime")
    limit = request.limit(20, 1, 50)
    open_only = request.integer("openOnly", 0, 0, 1)
    order_filter = request.choice("orderFilter", ORDER_FILTERS)
    if category == "linear" and all(
        request.get(name) is None for name in ("symbol", "baseCoin", "settleCoin")
    ):
        raise ParamError("params error: symbol, baseCoin or settleCoin is required for category linear")
    filters = _order_filter(request, every_identity=False)
    account, now = exchange.account, request.now_ms
    wanted = order_filter in (None, "Order")
    if open_only == 0:
        rows = [row for row in account.open_orders(now) if wanted and matches(row, cat=category, **filters)]
        page, cursor = page_by_offset(rows, request, limit)
    else:
        closed = account.rows_between("orders", 0, now, now)[:REALTIME_CLOSED_MAX]
        rows = [row for row in closed if wanted and matches(row, cat=category, **filters)]
        page, cursor = page_by_key(rows, request, limit, key=lambda row: row["_rid"])
    return {"nextPageCursor": cursor, "category": category, "list": [public(row) for row in page]}
