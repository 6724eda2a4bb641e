"""Helpers of the demo-account tests: a fixed clock, direct handler calls, paging and window sweeps."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import bybit_research.sim.routes  # noqa: F401  (registers the routes)
from bybit_research.sim.core import ROUTES, Request, SimError
from bybit_research.sim.credentials import DEMO_API_KEY, DEMO_UID
from bybit_research.sim.exchange import Exchange

NOW = 1_750_000_000_000  # 2025-06-15 15:06:40 UTC
DAY = 86_400_000
WEEK = 7 * DAY


def call(exchange: Exchange, path: str, **params: Any) -> Any:
    """Call the handler of ``GET path`` as the demo key and return its result (``now=`` sets the clock)."""
    now = int(params.pop("now", NOW))
    query = {key: str(value) for key, value in params.items()}
    request = Request(
        "GET", path, urlencode(query), query, {}, now_ms=now, uid=DEMO_UID, api_key=DEMO_API_KEY
    )
    return ROUTES[("GET", path)].handler(exchange, request)


def error_of(exchange: Exchange, path: str, **params: Any) -> SimError:
    """Call a handler that must fail and return its error."""
    try:
        call(exchange, path, **params)
    except SimError as error:
        return error
    raise AssertionError(f"{path} {params} did not fail")


def pages(exchange: Exchange, path: str, **params: Any) -> Iterator[list[dict[str, Any]]]:
    """Yield every page of a cursor-paged request, following ``nextPageCursor`` to the end."""
    cursor = None
    for _ in range(1000):
        extra: dict[str, str] = {"cursor": cursor} if cursor else {}
        result = call(exchange, path, **params, **extra)
        yield result["list"]
        cursor = result["nextPageCursor"]
        if not cursor:
            return
    raise AssertionError("more than 1000 pages")


def all_rows(exchange: Exchange, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every row of a cursor-paged request."""
    return [row for page in pages(exchange, path, **params) for row in page]


def ledger(exchange: Exchange, table: str, now: int = NOW) -> list[dict[str, Any]]:
    """Every row of one of the account's ledger tables up to ``now``, newest first (with private keys)."""
    return exchange.account.rows_between(table, 0, now, now)
