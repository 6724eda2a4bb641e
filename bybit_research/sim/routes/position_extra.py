"""Private position endpoints beyond the position list: closed option positions and position moves."""

from __future__ import annotations

from typing import Any

from ..account.paging import SIX_MONTHS_MS, page_by_key, resolve_window
from ..account.rows import public
from ..core import Request, route
from ..market.calendar import DAY_MS
from .account_common import history_page, matches, require_category

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
    """Positions the account asked to move to another UID (block trades, every one rejected by the
    counterparty: :mod:`..account.moves`), newest first: 7-day windows (default the last 7 days, 2-year
    lookback), ``category``, ``symbol``, ``status``, ``blockTradeId`` filters, limit [1, 200] (default 20),
    cursor."""
    category = request.choice("category", MOVE_CATEGORIES)
    status = request.choice("status", MOVE_STATUSES)
    size = request.limit(20, 1, 200)
    now = request.now_ms
    start, end = resolve_window(request, now, span_days=7, default_ms=7 * DAY_MS)
    symbol, block = request.get("symbol"), request.get("blockTradeId")
    rows = [
        row
        for row in exchange.account.moves(start, end, now)
        if matches(row, cat=category, symbol=symbol)
        and (status is None or row["status"] == status)
        and (block is None or row["blockTradeId"] == block)
    ]
    page, cursor = page_by_key(rows, request, size, key=lambda row: row["_rid"])
    return {"list": [public(row) for row in page], "nextPageCursor": cursor}
