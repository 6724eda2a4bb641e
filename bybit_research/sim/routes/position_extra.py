"""Private position endpoints beyond the position list: closed option positions and moved positions."""

from __future__ import annotations

from typing import Any

from ..account.paging import SIX_MONTHS_MS, decode_cursor, resolve_window
from ..core import Request, route
from .account_common import DAY_MS, history_page, matches, require_category

MOVE_CATEGORIES = ("linear", "inverse", "spot", "option")
MOVE_STATUSES = ("Processing", "Filled", "Rejected")


@route("/v5/position/get-closed-positions", auth=True, uid_limit=50)
def closed_positions(exchange: Any, request: Request) -> dict[str, Any]:
    """Closed option positions, newest close first (7-day windows, default the last day, 6-month lookback)."""
    category = require_category(request, ("option",), "/v5/position/get-closed-positions")
    symbol = request.get("symbol")
    rows, cursor = history_page(
        exchange,
        request,
        "closed_options",
        span_days=7,
        default_ms=DAY_MS,
        limit=(50, 100),
        keep=lambda row: matches(row, symbol=symbol),
        lookback_ms=SIX_MONTHS_MS,
    )
    return {"nextPageCursor": cursor, "category": category, "list": rows}


@route("/v5/position/move-history", auth=True, uid_limit=10)
def move_history(exchange: Any, request: Request) -> dict[str, Any]:
    """Positions moved between UIDs (block trades). The demo account has never moved one: an empty page,
    after the checks of a real query (categories, statuses, 7-day windows, limit [1, 200], cursor)."""
    request.choice("category", MOVE_CATEGORIES)
    request.choice("status", MOVE_STATUSES)
    request.limit(20, 1, 200)
    resolve_window(request, request.now_ms, span_days=7, default_ms=7 * DAY_MS)
    if request.get("cursor") is not None:
        decode_cursor(request)
    return {"list": [], "nextPageCursor": ""}
