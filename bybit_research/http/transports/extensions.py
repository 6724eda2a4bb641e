"""What the transports share: the request-extension keys the client sets, and reading V5 envelopes."""

from __future__ import annotations

import re
from typing import Any

import httpx
import orjson

#: request extension: the request must be signed (private endpoint)
AUTH = "bybit_research.auth"
#: request extension: one-way fingerprint of the API key, to keep accounts apart in the cache
ACCOUNT = "bybit_research.account"
#: request extension: expiry in seconds chosen by the caller (see :mod:`bybit_research.transports.cache`)
EXPIRE_AFTER = "bybit_research.expire_after"
#: request extension: bypass cached answers (the fresh answer is stored again)
REFRESH = "bybit_research.refresh"
#: request extension: limiter-clock instant at which the latest attempt was let through the rate limiter
SENT_AT = "bybit_research.sent_at"
#: response extension: whether the answer came from the cache
FROM_CACHE = "bybit_research.from_cache"
#: response extension: the decoded JSON body, memoised so that each layer parses it once
_ENVELOPE = "bybit_research.envelope"

# headers that describe the wire encoding; dropped once the body is buffered and decoded
_WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def buffered(response: httpx.Response) -> httpx.Response:
    """Read and close ``response`` and return an equivalent response whose decoded body is in memory.

    Layers above can then read the body as often as they like; wire-encoding headers are dropped because the
    body is already decoded.
    """
    if getattr(response, "_bybit_buffered", False):
        return response
    try:
        content = response.read()
    finally:
        response.close()
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _WIRE_HEADERS]
    fresh = httpx.Response(
        response.status_code,
        headers=headers,
        content=content,
        request=response._request,
        extensions={k: v for k, v in response.extensions.items() if k != "network_stream"},
    )
    fresh._bybit_buffered = True  # type: ignore[attr-defined]
    return fresh


def envelope(response: httpx.Response) -> dict[str, Any] | None:
    """Return the decoded V5 envelope of a buffered response (``None`` if the body is no JSON object)."""
    if _ENVELOPE in response.extensions:
        return response.extensions[_ENVELOPE]
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        body = None
    response.extensions[_ENVELOPE] = body
    return body


#: V5 envelopes start with ``retCode``: reading it needs no JSON decoding (pages of klines are large)
_LEADING_RET_CODE = re.compile(rb'\{\s*"retCode"\s*:\s*(-?\d+)\s*[,}]')


def ret_code(response: httpx.Response) -> int | None:
    """Return the ``retCode`` of a buffered response, or ``None`` when it has no V5 envelope."""
    leading = _LEADING_RET_CODE.match(response.content)
    if leading is not None:
        return int(leading.group(1))
    body = envelope(response)
    if body is None:
        return None
    code = body.get("retCode")
    return code if isinstance(code, int) else None
