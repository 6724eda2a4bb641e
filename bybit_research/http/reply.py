"""``Reply``: one successful V5 answer, decoded only when asked; and turning an HTTP answer into a Reply or
the typed error of its ``retCode`` family."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx
import orjson

from ..core.lazy import lazy_attribute
from ..errors import ServerError, error_for_http_status, error_for_ret_code, scrub_secrets
from .transports.extensions import FROM_CACHE, envelope, ret_code

__all__ = ["Reply", "reply_of"]

#: the envelope's closing ``"time":<ms>}``, read without decoding the body
_TRAILING_TIME = re.compile(rb'"time"\s*:\s*(\d+)\s*\}\s*$')


class Reply:
    """One successful V5 answer, its body decoded on first use (kline pages are read from their bytes).

    Attributes
    ----------
    result
        ``envelope["result"]`` (a list for ``/v5/market/historical-volatility``).
    body
        The whole decoded envelope.
    content
        The raw response body.
    from_cache
        Whether the answer was served from the on-disk cache.
    time_ms
        The envelope's ``time`` (server ms), ``None`` when absent.
    headers
        Response headers (``X-Bapi-Limit-*`` among them).
    """

    def __init__(
        self,
        content: bytes,
        from_cache: bool,
        headers: Mapping[str, str],
        body: dict[str, Any] | None = None,
    ) -> None:
        self.content = content
        self.from_cache = from_cache
        self.headers = headers
        if body is not None:
            self.__dict__["body"] = body

    @lazy_attribute
    def body(self) -> dict[str, Any]:
        """The whole decoded envelope."""
        decoded = orjson.loads(self.content)
        return decoded if isinstance(decoded, dict) else {}

    @property
    def result(self) -> Any:
        """``envelope["result"]``."""
        return self.body.get("result")

    @lazy_attribute
    def time_ms(self) -> int | None:
        """The envelope's ``time`` (server ms): read from the end of the body without decoding it."""
        trailing = _TRAILING_TIME.search(self.content, max(0, len(self.content) - 64))
        if trailing is not None:
            return int(trailing.group(1))
        value = self.body.get("time")
        return value if isinstance(value, int) else None

    def __repr__(self) -> str:
        return f"Reply(from_cache={self.from_cache}, time_ms={self.time_ms}, bytes={len(self.content)})"


def reply_of(path: str, response: httpx.Response, api_key: str | None = None) -> Reply:
    """Return the :class:`Reply` of a successful answer, or raise the error it carries.

    Messages are scrubbed of ``api_key`` and anything that looks like a signature (Bybit echoes the signed
    string in some of them)."""
    if response.status_code == 200 and ret_code(response) == 0:
        return Reply(response.content, bool(response.extensions.get(FROM_CACHE, False)), response.headers)
    body = envelope(response)
    status = response.status_code
    code = body.get("retCode") if body is not None else None
    # servers echo the signed string (API key included) in some messages: never pass it on
    message = scrub_secrets(str(body.get("retMsg", "")), api_key) if body is not None else ""
    if status != 200:
        if status != 403 and isinstance(code, int) and code != 0:
            raise error_for_ret_code(code, message, path, status)
        raise error_for_http_status(status, path, scrub_secrets(response.text, api_key))
    if body is None or not isinstance(code, int):
        text = scrub_secrets(response.text[:120], api_key)
        raise ServerError(None, f"the answer is not a V5 JSON envelope: {text!r}", path, http_status=200)
    if code != 0:
        raise error_for_ret_code(code, message, path, status)
    return Reply(response.content, bool(response.extensions.get(FROM_CACHE, False)), response.headers, body)
