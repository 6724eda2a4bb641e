"""Signing transport: adds the ``X-BAPI-*`` headers to private requests, freshly on every attempt.

It sits below the retry layer, so each attempt carries a new timestamp. On retCode 10002 (timestamp outside
the server's window) it learns the server clock from ``/v5/market/time``, signs again and resends once. The
resync is single-flight: threads that meet 10002 together wait for one round trip (and skip it when the offset
was learned moments ago), and the round trip takes a rate-limit token like any request.
"""

from __future__ import annotations

import logging
import time

import httpx

from ...core.units import NS_PER_MS
from ...errors import RateLimitError
from ..clock import ServerClock
from ..credentials import Credentials
from ..signing import signed_headers
from .extensions import AUTH, buffered, envelope, ret_code
from .ratelimit import BudgetWaitExceeded, RateLimiter

__all__ = ["SigningTransport"]

log = logging.getLogger(__name__)

TIME_PATH = "/v5/market/time"
TIMESTAMP_REJECTED = 10002
#: an offset learned this recently (s) is trusted without another round trip (short, because a simulator
#: with a fixed clock drifts out of its 1 s future tolerance within a second of a resync)
FRESH_OFFSET_S = 0.5


class SigningTransport(httpx.BaseTransport):
    """Sign requests marked private (request extension ``bybit_research.auth``) before passing them on.

    Parameters
    ----------
    inner
        The transport that sends the request (network or in-process simulator).
    credentials
        Key and secret (or RSA key); ``None`` makes private requests fail before sending (the client checks
        first).
    recv_window
        ``X-BAPI-RECV-WINDOW`` in ms.
    clock
        Server clock estimate shared with the client; updated on retCode 10002.
    limiter
        When given, the resync round trip takes a token from it.
    """

    def __init__(
        self,
        inner: httpx.BaseTransport,
        credentials: Credentials | None,
        recv_window: int = 5000,
        clock: ServerClock | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.inner = inner
        self.credentials = credentials
        self.recv_window = recv_window
        self.clock = clock or ServerClock()
        self.limiter = limiter

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not request.extensions.get(AUTH):
            return self.inner.handle_request(request)
        signed_at = time.monotonic()
        response = buffered(self.inner.handle_request(self._signed(request)))
        if ret_code(response) == TIMESTAMP_REJECTED and self._resync(request, signed_at):
            log.info(
                "retCode 10002 on %s: clock offset now %d ms, signing again",
                request.url.path,
                self.clock.offset_ms,
            )
            response = buffered(self.inner.handle_request(self._signed(request)))
        return response

    def close(self) -> None:
        self.inner.close()

    def _signed(self, request: httpx.Request) -> httpx.Request:
        if self.credentials is None:
            raise RuntimeError("private request without credentials reached the signing layer")
        payload = request.url.query.decode("ascii") if request.method == "GET" else request.content.decode()
        headers = httpx.Headers(request.headers)
        headers.update(signed_headers(self.credentials, self.clock.now_ms(), self.recv_window, payload))
        return httpx.Request(
            request.method,
            request.url,
            headers=headers,
            content=request.content if request.method != "GET" else None,
            extensions=request.extensions,
        )

    def _resync(self, request: httpx.Request, signed_at: float) -> bool:
        """Learn the server clock from ``/v5/market/time`` unless another thread just did; return whether a
        usable offset is now known."""
        with self.clock.resync_lock:
            learned_at = self.clock.learned_at
            if learned_at is not None and (
                learned_at > signed_at or time.monotonic() - learned_at < FRESH_OFFSET_S
            ):
                # another thread resynced: re-sign only if the offset changed after this request was signed
                return learned_at > signed_at
            return self._fetch_server_time(request)

    def _fetch_server_time(self, request: httpx.Request) -> bool:
        if self.limiter is not None:
            try:
                self.limiter.reserve(TIME_PATH, private=False, max_wait=FRESH_OFFSET_S)
            except (RateLimitError, BudgetWaitExceeded):
                return False
        time_request = httpx.Request(
            "GET",
            request.url.copy_with(path=TIME_PATH, query=None),
            extensions={k: v for k, v in request.extensions.items() if k == "timeout"},
        )
        sent = int(time.time() * 1000)
        try:
            answer = buffered(self.inner.handle_request(time_request))
        except httpx.TransportError:
            return False
        received = int(time.time() * 1000)
        body = envelope(answer)
        if answer.status_code != 200 or body is None or body.get("retCode") != 0:
            return False
        server_ms = _server_time_ms(body)
        if server_ms is None:
            return False
        self.clock.learn(server_ms, sent, received)
        return True


def _server_time_ms(body: dict) -> int | None:
    result = body.get("result")
    if isinstance(result, dict) and str(result.get("timeNano", "")).isdigit():
        return int(result["timeNano"]) // NS_PER_MS
    if isinstance(result, dict) and str(result.get("timeSecond", "")).isdigit():
        # prefer the envelope's ms time when the result only has seconds
        time_ms = body.get("time")
        return time_ms if isinstance(time_ms, int) else int(result["timeSecond"]) * 1000
    time_ms = body.get("time")
    return time_ms if isinstance(time_ms, int) else None
