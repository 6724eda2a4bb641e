"""Helpers shared by the private endpoint handlers: category checks, windowed and cursored history pages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..account.paging import TWO_YEARS_MS, page_by_key, resolve_window
from ..account.rows import Row, public
from ..core import ParamError, Request


def require_category(request: Request, allowed: Sequence[str], path: str) -> str:
    """Return the required ``category`` parameter, checked against the endpoint's categories."""
    value = request.get("category")
    if value is None:
        raise ParamError("params error: category is required")
    if value not in allowed:
        raise ParamError(
            f"params error: category {value!r} is not supported by {path}; use one of {', '.join(allowed)}"
        )
    return value


def coin_list(request: Request, name: str) -> list[str] | None:
    """Return a comma-separated coin list parameter in upper case (None when absent)."""
    raw = request.get(name)
    if raw is None:
        return None
    coins = [part.strip().upper() for part in raw.split(",") if part.strip()]
    return coins or None


def history_page(
    exchange: Any,
    request: Request,
    table: str,
    *,
    span_days: int,
    default_ms: int,
    limit: tuple[int, int],
    keep: Callable[[Row], bool],
    lookback_ms: int = TWO_YEARS_MS,
) -> tuple[list[Row], str]:
    """Return one page (newest first) of a ledger table's rows inside the request's time window.

    ``limit`` is ``(default, maximum)`` of the ``limit`` parameter; ``keep`` filters rows by the other
    parameters; ``lookback_ms`` is how far back the endpoint may be asked.
    """
    size = request.limit(limit[0], 1, limit[1])
    now = request.now_ms
    start, end = resolve_window(
        request, now, span_days=span_days, default_ms=default_ms, lookback_ms=lookback_ms
    )
    rows = [row for row in exchange.account.rows_between(table, start, end, now) if keep(row)]
    page, cursor = page_by_key(rows, request, size, key=lambda row: row["_rid"])
    return [public(row) for row in page], cursor


#: Filters read from a public field of the row rather than from a private ``_`` key.
PUBLIC_FILTER_FIELDS = {"order": "orderId", "link": "orderLinkId"}


def matches(row: Row, **wanted: str | None) -> bool:
    """True when every given (non-None) filter of ``row`` equals the wanted value.

    ``order`` and ``link`` compare the row's public ``orderId`` / ``orderLinkId``; every other name
    compares the private key ``_<name>`` (see :mod:`.account.rows`).
    """
    return all(
        value is None or row.get(PUBLIC_FILTER_FIELDS.get(name, f"_{name}")) == value
        for name, value in wanted.items()
    )
