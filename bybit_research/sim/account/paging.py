"""Time windows and cursors of the private history endpoints.

Window rule (``W`` the endpoint's maximum span): neither time -> the default window ending now; only
``startTime`` -> ``[start, start + W]``; only ``endTime`` -> ``[end - W, end]``; both -> ``end - start <= W``
else retCode 10001. Nothing older than the lookback (2 years; 6 months for closed option positions) may be
asked for: retCode 10001 with Bybit's wording, "Can't query order earlier than 2 years, please check your
params: startTime or endTime!" (observed on ``/v5/position/closed-pnl``; the same text is used for every
endpoint, with the endpoint's own lookback).

Cursors are opaque URL-encoded strings (``"1234%3A1%2C1234%3A1"``) naming the first row of the next page, so
each row is returned exactly once however the pages are fetched; ``""`` means there is no further page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote, unquote

from ..core import ParamError, Request
from ..market.calendar import DAY_MS

TWO_YEARS_MS = 730 * DAY_MS
SIX_MONTHS_MS = 183 * DAY_MS
#: How each lookback is named in the refusal.
LOOKBACK_NAMES = {TWO_YEARS_MS: "2 years", SIX_MONTHS_MS: "6 months"}
_CURSOR = re.compile(r"^(\d+):(\d+),(\d+):(\d+)$")


def lookback_refusal(lookback_ms: int) -> ParamError:
    """Return the retCode 10001 refusal of a time older than the lookback, in Bybit's wording."""
    name = LOOKBACK_NAMES.get(lookback_ms, f"{lookback_ms // DAY_MS} days")
    return ParamError(
        f"Can't query order earlier than {name}, please check your params: startTime or endTime!"
    )


def resolve_window(
    request: Request, now_ms: int, *, span_days: int, default_ms: int, lookback_ms: int = TWO_YEARS_MS
) -> tuple[int, int]:
    """Return the inclusive ``(start, end)`` window of a history request, or raise ParamError (10001)."""
    span = span_days * DAY_MS
    start = request.integer("startTime", lo=0)
    end = request.integer("endTime", lo=0)
    earliest = now_ms - lookback_ms
    if start is None and end is None:
        return max(now_ms - default_ms, earliest), now_ms
    if start is not None and end is not None:
        if start > end:
            raise ParamError("params error: startTime must not be greater than endTime")
        if end - start > span:
            raise ParamError(
                f"params error: the time range between startTime and endTime cannot exceed {span_days} days"
            )
    if start is not None and start < earliest:
        raise lookback_refusal(lookback_ms)
    if start is None:
        assert end is not None
        if end < earliest:
            raise lookback_refusal(lookback_ms)
        return max(end - span, earliest), end
    return start, start + span if end is None else end


def encode_cursor(key: int) -> str:
    """Return the URL-encoded cursor naming row ``key``."""
    return quote(f"{key}:1,{key}:1", safe="")


def decode_cursor(request: Request) -> int | None:
    """Return the row key named by the request's ``cursor`` (None without one), accepting it encoded or
    not."""
    raw = request.get("cursor")
    if raw is None:
        return None
    text = raw
    for _ in range(3):
        if "%" not in text:
            break
        text = unquote(text)
    match = _CURSOR.match(text)
    if match is None or match.group(1) != match.group(3):
        raise ParamError("params error: cursor invalid")
    return int(match.group(1))


def page_by_key(
    rows: Sequence[dict[str, Any]], request: Request, limit: int, key: Callable[[dict[str, Any]], int]
) -> tuple[list[dict[str, Any]], str]:
    """Return one page of ``rows`` (sorted by ``key`` descending) and the next cursor."""
    after = decode_cursor(request)
    start = 0
    if after is not None:
        start = next((i for i, row in enumerate(rows) if key(row) <= after), len(rows))
    page = list(rows[start : start + limit])
    more = start + limit < len(rows)
    return page, encode_cursor(key(rows[start + limit])) if more else ""


def page_by_offset(rows: Sequence[Any], request: Request, limit: int) -> tuple[list[Any], str]:
    """Return one page of a snapshot list (positions, open orders) and the next cursor (an offset)."""
    start = decode_cursor(request) or 0
    page = list(rows[start : start + limit])
    return page, encode_cursor(start + limit) if start + limit < len(rows) else ""
