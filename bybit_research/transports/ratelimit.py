"""Client-side rate limiting that models Bybit's windows (reference §3).

Two kinds of rolling windows, both sliding logs (the send times of the last ``limit`` requests):

* the IP limit, shared by every request of the client: Bybit allows 600 per rolling 5 s and bans the IP for at
  least 10 minutes beyond that, so the client keeps a safety margin (550 per 5 s by default);
* per-endpoint budgets of private endpoints, per rolling second (§3.2 table, minus 10 %).

A sliding log, unlike a token bucket, lets a burst that fits the window go out at full speed and only waits
when the window is really full. The limiter also listens to the exchange: ``X-Bapi-Limit-Status`` at zero or a
retCode 10006 pauses that endpoint until ``X-Bapi-Limit-Reset-Timestamp``; an HTTP 403 halves the IP budget
and pauses everything for one window.

Hand-written (about 100 lines) rather than pyrate-limiter: that package is not a dependency of the project,
and the feedback rules above (pause until a server-given timestamp, shrink on 403) are not part of its model.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

import httpx

from ._common import AUTH, buffered, ret_code

__all__ = ["PRIVATE_ENDPOINT_LIMITS", "RateLimitTransport", "RateLimiter", "SlidingWindow"]

#: per-UID requests per second of private GET endpoints (reference §3.2)
PRIVATE_ENDPOINT_LIMITS: dict[str, int] = {
    **dict.fromkeys(
        [
            "/v5/order/realtime",
            "/v5/order/history",
            "/v5/execution/list",
            "/v5/position/list",
            "/v5/position/closed-pnl",
            "/v5/position/get-closed-positions",
            "/v5/account/wallet-balance",
            "/v5/account/borrow-history",
            "/v5/account/collateral-info",
            "/v5/asset/coin-greeks",
            "/v5/account/info",
            "/v5/account/withdrawal",
            "/v5/account/pay-info",
            "/v5/account/trade-info-for-analysis",
            "/v5/account/user-setting-config",
            "/v5/asset/delivery-record",
            "/v5/asset/settlement-record",
            "/v5/asset/portfolio-margin",
            "/v5/asset/asset-overview",
            "/v5/asset/total-members-assets",
        ],
        50,
    ),
    "/v5/position/move-history": 10,
    "/v5/account/instruments-info": 10,
    "/v5/account/transaction-log": 25,
    "/v5/account/fee-rate": 5,
    "/v5/asset/transfer/query-account-coins-balance": 5,
    "/v5/asset/transfer/query-account-coin-balance": 450,
}
#: budget of private endpoints missing from the table
DEFAULT_PRIVATE_LIMIT = 10
BYBIT_IP_LIMIT = 600
BYBIT_IP_WINDOW_S = 5.0
LIMIT_EXCEEDED = 10006
MAX_PAUSE_S = 10.0


class SlidingWindow:
    """At most ``limit`` acquisitions in any rolling ``window_s`` seconds; thread-safe, blocking.

    Parameters
    ----------
    limit
        Requests allowed per window.
    window_s
        Window length in seconds.
    clock, sleep
        Injected for tests; default ``time.monotonic`` and ``time.sleep``.
    """

    def __init__(
        self,
        limit: int,
        window_s: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError(f"a window needs limit >= 1 and window_s > 0, got {limit}, {window_s}")
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Block until a request may go out, record it, and return the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                while self._sent and self._sent[0] <= now - self.window_s:
                    self._sent.popleft()
                wait = self._paused_until - now
                if len(self._sent) >= self.limit:
                    wait = max(wait, self._sent[len(self._sent) - self.limit] + self.window_s - now)
                if wait <= 0:
                    self._sent.append(now)
                    return waited
            self._sleep(wait)
            waited += wait

    def pause(self, seconds: float) -> None:
        """Let nothing through for ``seconds`` from now."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + min(seconds, MAX_PAUSE_S))

    def shrink(self, factor: float = 0.5, floor: int = 10) -> None:
        """Lower the limit (after the exchange said we were too fast)."""
        with self._lock:
            self.limit = max(floor, math.floor(self.limit * factor))

    def in_window(self) -> int:
        """Number of acquisitions in the current window."""
        with self._lock:
            now = self._clock()
            return sum(1 for t in self._sent if t > now - self.window_s)


class RateLimiter:
    """The client's budgets: one IP window plus one window per private endpoint.

    Parameters
    ----------
    ip_limit, ip_window_s
        Client-side IP budget; default 550 per 5 s (Bybit's 600 minus a safety margin).
    endpoint_limits
        Per-second budgets of private endpoints (Bybit's figures; 10 % is kept in reserve).
    clock, sleep
        Injected for tests.
    """

    def __init__(
        self,
        ip_limit: int = 550,
        ip_window_s: float = BYBIT_IP_WINDOW_S,
        endpoint_limits: dict[str, int] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock, self._sleep = clock, sleep
        self.ip = SlidingWindow(ip_limit, ip_window_s, clock, sleep)
        self._endpoint_limits = PRIVATE_ENDPOINT_LIMITS if endpoint_limits is None else endpoint_limits
        self._endpoints: dict[str, SlidingWindow] = {}
        self._lock = threading.Lock()

    def _endpoint(self, path: str) -> SlidingWindow:
        with self._lock:
            window = self._endpoints.get(path)
            if window is None:
                bybit_limit = self._endpoint_limits.get(path, DEFAULT_PRIVATE_LIMIT)
                budget = max(1, bybit_limit - math.ceil(bybit_limit * 0.1))
                window = self._endpoints[path] = SlidingWindow(budget, 1.0, self._clock, self._sleep)
            return window

    def acquire(self, path: str, private: bool) -> float:
        """Wait for the endpoint budget (private calls) and then the IP budget; return seconds waited."""
        waited = self._endpoint(path).acquire() if private else 0.0
        return waited + self.ip.acquire()

    def observe(self, path: str, private: bool, response: httpx.Response) -> None:
        """Slow down according to what the exchange answered (403, 10006, ``X-Bapi-Limit-Status``)."""
        if response.status_code == 403:
            self.ip.shrink()
            self.ip.pause(self.ip.window_s)
            return
        status = _int_header(response, "X-Bapi-Limit-Status")
        if not private and status is None:
            return
        limit = _int_header(response, "X-Bapi-Limit")
        reset_ms = _int_header(response, "X-Bapi-Limit-Reset-Timestamp")
        until_reset = (reset_ms / 1000 - time.time()) if reset_ms else 0.0
        if ret_code(response) == LIMIT_EXCEEDED or status == 0:
            self._endpoint(path).pause(until_reset if until_reset > 0 else 1.0)
        elif status is not None and limit and status <= max(1, limit // 10):
            # running low: space the next call out by one request's share of the second
            self._endpoint(path).pause(max(until_reset, 1.0 / limit))


def _int_header(response: httpx.Response, name: str) -> int | None:
    value = response.headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class RateLimitTransport(httpx.BaseTransport):
    """Wait for the :class:`RateLimiter` before each request and feed it the answer.

    Re-attempts made by the retry layer below take their own tokens (the retry layer calls the same limiter).
    """

    def __init__(self, inner: httpx.BaseTransport, limiter: RateLimiter) -> None:
        self.inner = inner
        self.limiter = limiter

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        private = bool(request.extensions.get(AUTH))
        self.limiter.acquire(request.url.path, private)
        response = buffered(self.inner.handle_request(request))
        self.limiter.observe(request.url.path, private, response)
        return response

    def close(self) -> None:
        self.inner.close()
