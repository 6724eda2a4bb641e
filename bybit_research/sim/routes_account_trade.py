"""Private position, execution and order endpoints of the demo account."""

from __future__ import annotations

from typing import Any

from .account.paging import page_by_key, page_by_offset
from .account.positions import position_row, value_position
from .account.rows import Row, public
from .account.state import PositionState
from .core import ParamError, Request, route
from .routes_account_common import DAY_MS, history_page, matches, require_category

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
    rows = [position_row(view, account.portfolio_margin) for view in views]
    page, cursor = page_by_offset(rows, request, limit)
    return {"list": page, "nextPageCursor": cursor, "category": category}


def _identity_filter(request: Request, default_base: str | None = None) -> dict[str, str | None]:
    """The highest-priority identity filter present: orderId > orderLinkId > symbol > baseCoin."""
    for param, key in (
        ("orderId", "order"),
        ("orderLinkId", "link"),
        ("symbol", "symbol"),
        ("baseCoin", "base"),
    ):
        value = request.get(param)
        if value is not None:
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


def _order_filter(request: Request) -> dict[str, str | None]:
    filters: dict[str, str | None] = dict(_identity_filter(request))
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
    filters = _order_filter(request)
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
    filters = _order_filter(request)
    if category == "linear" and not ({"symbol", "base", "settle"} & filters.keys()):
        raise ParamError("params error: symbol, baseCoin or settleCoin is required for category linear")
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
