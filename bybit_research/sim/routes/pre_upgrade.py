"""``/v5/pre-upgrade/*``: history from before an account was upgraded to the unified account.

The demo account was opened as a unified account and never upgraded, so every list is empty; each endpoint
still checks its parameters as documented (categories, required symbol, time windows, limits, cursor) and
answers in its documented shape.
"""

from __future__ import annotations

from typing import Any

from ..account.paging import decode_cursor, resolve_window
from ..core import ParamError, Request, route
from ..market.calendar import DAY_MS
from .account_common import require_category
from .trade import EXEC_TYPES, ORDER_STATUSES

PREFIX = "/v5/pre-upgrade"


def _checked(request: Request, limit: tuple[int, int], *, window_days: int | None = 7) -> None:
    """Check ``limit``, the time window (``window_days`` None: no window rule) and the cursor."""
    request.limit(limit[0], 1, limit[1])
    if window_days is not None:
        resolve_window(request, request.now_ms, span_days=window_days, default_ms=window_days * DAY_MS)
    else:
        request.integer("startTime", lo=0)
        request.integer("endTime", lo=0)
    if request.get("cursor") is not None:
        decode_cursor(request)


@route(f"{PREFIX}/order/history", auth=True)
def order_history(exchange: Any, request: Request) -> dict[str, Any]:
    """Orders of the classic account (``startTime`` and ``endTime`` together or neither; 7 days)."""
    category = require_category(request, ("linear", "inverse", "option", "spot"), f"{PREFIX}/order/history")
    request.choice("orderFilter", ("Order", "StopOrder"))
    request.choice("orderStatus", ORDER_STATUSES)
    if (request.get("startTime") is None) != (request.get("endTime") is None):
        raise ParamError("params error: startTime and endTime must be passed together")
    _checked(request, (20, 50))
    return {"list": [], "nextPageCursor": "", "category": category}


@route(f"{PREFIX}/execution/list", auth=True)
def execution_list(exchange: Any, request: Request) -> dict[str, Any]:
    """Executions of the classic account (7-day windows)."""
    category = require_category(request, ("linear", "inverse", "option"), f"{PREFIX}/execution/list")
    request.choice("execType", EXEC_TYPES)
    _checked(request, (50, 100))
    return {"list": [], "nextPageCursor": "", "category": category}


@route(f"{PREFIX}/position/closed-pnl", auth=True)
def closed_pnl(exchange: Any, request: Request) -> dict[str, Any]:
    """Closed P&L of the classic account (``symbol`` required; 7-day windows)."""
    category = require_category(request, ("linear", "inverse"), f"{PREFIX}/position/closed-pnl")
    request.require("symbol")
    _checked(request, (50, 100))
    return {"list": [], "category": category, "nextPageCursor": ""}


@route(f"{PREFIX}/account/transaction-log", auth=True)
def transaction_log(exchange: Any, request: Request) -> dict[str, Any]:
    """Transaction log of the USDC derivatives wallet before the upgrade."""
    request.choice("category", ("linear", "option"))
    _checked(request, (20, 50), window_days=None)
    return {"list": [], "nextPageCursor": ""}


@route(f"{PREFIX}/asset/delivery-record", auth=True)
def delivery_record(exchange: Any, request: Request) -> dict[str, Any]:
    """Option deliveries before the upgrade."""
    category = require_category(request, ("option",), f"{PREFIX}/asset/delivery-record")
    _checked(request, (20, 50), window_days=None)
    return {"nextPageCursor": "", "category": category, "list": []}


@route(f"{PREFIX}/asset/settlement-record", auth=True)
def settlement_record(exchange: Any, request: Request) -> dict[str, Any]:
    """USDC perpetual session settlements before the upgrade."""
    category = require_category(request, ("linear",), f"{PREFIX}/asset/settlement-record")
    _checked(request, (20, 50), window_days=None)
    return {"nextPageCursor": "", "category": category, "list": []}
