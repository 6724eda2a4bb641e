"""``Reply``: one successful V5 answer, decoded only when asked; and turning an HTTP answer into a Reply or
the typed error of its ``retCode`` family.

A body that turns out not to be a V5 envelope when it is decoded (truncated or invalid JSON, no ``result``, a
``time`` that is no time) raises :class:`~bybit_research.errors.ResponseFormatError` naming the endpoint,
never a JSON decoder's own error."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx
import orjson

from ..core.lazy import lazy_attribute
from ..core.time import LATEST_MS
from ..errors import ServerError, error_for_http_status, error_for_ret_code, malformed, scrub_secrets
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
    path
        The endpoint that answered (named by errors about the body).

    Reading ``body``, ``result`` or ``time_ms`` raises :class:`~bybit_research.errors.ResponseFormatError`
    when the body is not a V5 envelope.
    """

    def __init__(
        self,
        content: bytes,
        from_cache: bool,
        headers: Mapping[str, str],
        body: dict[str, Any] | None = None,
        path: str | None = None,
    ) -> None:
        self.content = content
        self.from_cache = from_cache
        self.headers = headers
        self.path = path
        if body is not None:
            self.__dict__["body"] = body

    @lazy_attribute
    def body(self) -> dict[str, Any]:
        """The whole decoded envelope."""
        try:
            decoded = orjson.loads(self.content)
        except orjson.JSONDecodeError as exc:
            raise malformed(
                self.path, f"the body is not valid JSON ({exc}; {len(self.content)} bytes)"
            ) from None
        if not isinstance(decoded, dict):
            raise malformed(self.path, f"the body is a JSON {type(decoded).__name__}, not a V5 envelope")
        return decoded

    @property
    def result(self) -> Any:
        """``envelope["result"]``."""
        body = self.body
        if "result" not in body:
            raise malformed(self.path, f"the envelope has no result (keys: {', '.join(map(repr, body))})")
        return body["result"]

    @lazy_attribute
    def time_ms(self) -> int | None:
        """The envelope's ``time`` (server ms): read from the end of the body without decoding it."""
        trailing = _TRAILING_TIME.search(self.content, max(0, len(self.content) - 64))
        value: Any = int(trailing.group(1)) if trailing is not None else self.body.get("time")
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < LATEST_MS:
            shown = repr(value)[:40]
            raise malformed(self.path, f"the envelope's time {shown} is not a time in epoch ms before 2100")
        return value

    def __repr__(self) -> str:
        try:
            time_ms: Any = self.time_ms
        except ServerError:
            time_ms = "malformed"
        return f"Reply(from_cache={self.from_cache}, time_ms={time_ms}, bytes={len(self.content)})"


def reply_of(path: str, response: httpx.Response, api_key: str | None = None) -> Reply:
    """Return the :class:`Reply` of a successful answer, or raise the error it carries.

    Messages are scrubbed of ``api_key`` and anything that looks like a signature (Bybit echoes the signed
    string in some of them)."""
    from_cache = bool(response.extensions.get(FROM_CACHE, False))
    if response.status_code == 200 and ret_code(response) == 0:
        return Reply(response.content, from_cache, response.headers, path=path)
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
        raise malformed(path, f"the answer is not a V5 JSON envelope: {text!r}")
    if code != 0:
        raise error_for_ret_code(code, message, path, status)
    return Reply(response.content, from_cache, response.headers, body, path)
