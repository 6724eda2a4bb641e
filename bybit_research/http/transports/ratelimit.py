"""Client-side rate limiting that models Bybit's windows (reference §3).

Two kinds of rolling windows (see :mod:`bybit_research.transports.windows`):

* the IP limit: Bybit allows 600 requests per rolling 5 s per IP, across every session, and bans the IP for
  at least 10 minutes beyond that. Clients reaching the same exchange over the network therefore share one
  :class:`IpBudget` per process (550 per 5 s by default, a safety margin), whatever host name each uses
  (:func:`~bybit_research.http.transports.budget_keys.budget_key`). An HTTP 403 opens its circuit
  breaker: nothing more is sent until the ban is over, and :class:`RateLimitError` says so;
* per-endpoint budgets of private endpoints, per rolling second (§3.2 table, minus 10 %).

Both windows are stamped together, at the moment the request really goes out. The limiter also listens to the
exchange: ``X-Bapi-Limit-Status`` at zero or a retCode 10006 pauses that endpoint until
``X-Bapi-Limit-Reset-Timestamp`` (a server time, compared with the learned server clock).

Hand-written rather than pyrate-limiter: that package is not a dependency of the project, and the feedback
rules above (pause until a server-given timestamp, circuit breaker on 403) are not part of its model.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime

import httpx

from ...errors import RateLimitError
from ..clock import ServerClock
from .extensions import AUTH, SENT_AT, buffered, ret_code
from .windows import DEFAULT_IP_BAN_S, MAX_PAUSE_S, IpBudget, SlidingWindow

__all__ = [
    "DEFAULT_IP_BAN_S",
    "MAX_PAUSE_S",
    "PRIVATE_ENDPOINT_LIMITS",
    "BudgetWaitExceeded",
    "IpBudget",
    "RateLimitTransport",
    "RateLimiter",
    "SlidingWindow",
    "seconds_until_reset",
    "shared_ip_budget",
]

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
BYBIT_IP_WINDOW_S = 5.0
LIMIT_EXCEEDED = 10006

_shared_budgets: dict[str, IpBudget] = {}
_shared_lock = threading.Lock()


def shared_ip_budget(
    key: str, limit: int, window_s: float = BYBIT_IP_WINDOW_S, ban_s: float = DEFAULT_IP_BAN_S
) -> IpBudget:
    """Return the process-wide IP budget of ``key`` (created on first use).

    Bybit counts requests per IP, not per client, so every client of one exchange shares this budget: the
    session passes :func:`~bybit_research.http.transports.budget_keys.budget_key` of its base URL (the same
    for ``api.bybit.com`` and ``api.bytick.com``, for ``localhost`` and ``127.0.0.1``). A later client with a
    smaller ``limit`` or a longer ``ban_s`` tightens the shared budget (see :meth:`IpBudget.adopt`).
    """
    with _shared_lock:
        budget = _shared_budgets.get(key)
        if budget is None or budget.window_s != window_s:
            budget = _shared_budgets[key] = IpBudget(limit, window_s, ban_s)
        else:
            budget.adopt(limit, ban_s)
        return budget


def seconds_until_reset(reset_ms: int, server_clock: ServerClock, plausible_s: float = MAX_PAUSE_S) -> float:
    """Seconds from now until the server time ``reset_ms`` (``X-Bapi-Limit-Reset-Timestamp``).

    Measured with the learned server clock. Reset times lie within a second or so of the server's now, so
    when that reading is implausible (beyond ``plausible_s`` either way) but the local clock's is plausible,
    the limit clock is evidently not the one ``/v5/market/time`` reports (a simulator with a fixed market
    clock keeps its limits on the wall clock) and the local reading is used.
    """
    by_server = (reset_ms - server_clock.now_ms()) / 1000
    if abs(by_server) <= plausible_s:
        return by_server
    by_local = reset_ms / 1000 - time.time()
    return by_local if abs(by_local) <= plausible_s else by_server


class BudgetWaitExceeded(Exception):
    """The rate-limit wait would last longer than the caller allowed (``max_wait``); nothing was recorded."""


class RateLimiter:
    """The client's budgets: one IP window plus one window per private endpoint.

    Parameters
    ----------
    ip_limit, ip_window_s
        Client-side IP budget; default 550 per 5 s (Bybit's 600 minus a safety margin). Ignored when ``ip``
        is given.
    endpoint_limits
        Per-second budgets of private endpoints (Bybit's figures; 10 % is kept in reserve).
    clock, sleep
        Injected for tests.
    ip
        An existing (e.g. process-wide, see :func:`shared_ip_budget`) IP budget to use.
    ip_ban_s
        How long to send nothing after an HTTP 403 (Bybit bans for at least 600 s).
    server_clock
        The learned server clock; ``X-Bapi-Limit-Reset-Timestamp`` is compared with it.
    """

    def __init__(
        self,
        ip_limit: int = 550,
        ip_window_s: float = BYBIT_IP_WINDOW_S,
        endpoint_limits: dict[str, int] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        *,
        ip: IpBudget | None = None,
        ip_ban_s: float = DEFAULT_IP_BAN_S,
        server_clock: ServerClock | None = None,
    ) -> None:
        self._clock, self._sleep = clock, sleep
        self.ip = ip or IpBudget(ip_limit, ip_window_s, ip_ban_s, clock=clock, sleep=sleep)
        self.server_clock = server_clock or ServerClock()
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

    def reserve(self, path: str, private: bool, max_wait: float | None = None) -> float:
        """Wait until the endpoint budget (private calls) and the IP budget both allow a request, record it
        in both at the same instant, and return that instant (limiter clock).

        Raises
        ------
        RateLimitError
            While the IP ban circuit breaker is open (nothing is recorded or sent).
        BudgetWaitExceeded
            When the wait would exceed ``max_wait`` seconds.
        """
        windows = [self._endpoint(path), self.ip] if private else [self.ip]
        waited = 0.0
        while True:
            with ExitStack() as held:
                for window in windows:  # always endpoint before IP: one lock order for every thread
                    held.enter_context(window.lock)
                now = self._clock()
                if isinstance(self.ip, IpBudget):
                    banned_for = self.ip.ban_remaining_locked(now)
                    if banned_for > 0:
                        raise self._ban_error(path, banned_for)
                wait = max(window.wait_locked(now) for window in windows)
                if wait <= 0:
                    for window in windows:
                        window.record_locked(now)
                    return now
            if max_wait is not None and waited + wait > max_wait:
                raise BudgetWaitExceeded(f"{path} would wait {waited + wait:.2f}s (allowed {max_wait:.2f}s)")
            self._sleep(wait)
            waited += wait

    def acquire(self, path: str, private: bool, max_wait: float | None = None) -> float:
        """Like :meth:`reserve` but return the seconds waited."""
        started = self._clock()
        return self.reserve(path, private, max_wait) - started

    def observe(
        self, path: str, private: bool, response: httpx.Response, sent_at: float | None = None
    ) -> None:
        """Slow down according to what the exchange answered (403, 10006, ``X-Bapi-Limit-Status``).

        ``sent_at`` is the instant returned by :meth:`reserve` for the request that got ``response``.
        """
        if response.status_code == 403:
            if isinstance(self.ip, IpBudget):
                self.ip.on_forbidden(sent_at)
            else:
                self.ip.pause(self.ip.window_s)
            return
        status = _int_header(response, "X-Bapi-Limit-Status")
        if not private and status is None:
            return
        limit = _int_header(response, "X-Bapi-Limit")
        reset_ms = _int_header(response, "X-Bapi-Limit-Reset-Timestamp")
        until_reset = seconds_until_reset(reset_ms, self.server_clock) if reset_ms else 0.0
        if ret_code(response) == LIMIT_EXCEEDED or status == 0:
            self._endpoint(path).pause(until_reset if until_reset > 0 else 1.0)
        elif status is not None and limit and status <= max(1, limit // 10):
            # running low: space the next call out by one request's share of the second
            self._endpoint(path).pause(max(until_reset, 1.0 / limit))

    def _ban_error(self, path: str, remaining_s: float) -> RateLimitError:
        lifts = datetime.fromtimestamp(time.time() + remaining_s, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        return RateLimitError(
            None,
            "request not sent: the exchange answered HTTP 403, which means this IP breached the IP rate "
            "limit (600 requests per 5 s per IP, all sessions together) or is in a blocked region. Bybit "
            "bans such an IP for at least 10 minutes and a request during the ban prolongs it, so this "
            f"process holds every request to this host back until {lifts} ({remaining_s:.0f} s from now; "
            "Client(ip_ban_s=...) sets the wait).",
            path,
        )


def _int_header(response: httpx.Response, name: str) -> int | None:
    value = response.headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class RateLimitTransport(httpx.BaseTransport):
    """Wait for the :class:`RateLimiter` before each request and feed it the answer.

    Re-attempts made by the retry layer below take their own tokens (the retry layer calls the same limiter);
    the instant of the latest reservation travels in the request extension ``SENT_AT``.
    """

    def __init__(self, inner: httpx.BaseTransport, limiter: RateLimiter) -> None:
        self.inner = inner
        self.limiter = limiter

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        private = bool(request.extensions.get(AUTH))
        request.extensions[SENT_AT] = self.limiter.reserve(request.url.path, private)
        response = buffered(self.inner.handle_request(request))
        self.limiter.observe(request.url.path, private, response, request.extensions.get(SENT_AT))
        return response

    def close(self) -> None:
        self.inner.close()
