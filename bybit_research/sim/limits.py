"""Rate limits of the simulator: the per-IP budget (HTTP 403) and per-UID, per-endpoint budgets (10006).

Both are rolling windows over the requests that were let through; refused requests do not count, so a
client that backs off recovers as soon as the oldest accepted request leaves the window. The windows run
on the wall clock (an injectable ``clock`` returning epoch milliseconds), even when the simulator's
market clock is fixed, so ``X-Bapi-Limit-Reset-Timestamp`` can be compared with the client's own clock
as with the real exchange.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["DEFAULT_UID_LIMIT", "UID_WINDOW_MS", "IpLimiter", "LimitStatus", "RollingWindow", "UidLimiter"]

#: per-UID window of every private endpoint (Bybit: requests per rolling second)
UID_WINDOW_MS = 1000
#: per-second budget of a private route registered without ``uid_limit``
DEFAULT_UID_LIMIT = 50


def wall_clock_ms() -> float:
    """The wall clock in epoch milliseconds."""
    return time.time() * 1000.0


class RollingWindow:
    """At most ``limit`` accepted events in any rolling ``window_ms``; not thread-safe (callers lock)."""

    def __init__(self, limit: int, window_ms: float) -> None:
        self.limit = limit
        self.window_ms = window_ms
        self._accepted: deque[float] = deque()

    def _expire(self, now: float) -> None:
        while self._accepted and self._accepted[0] <= now - self.window_ms:
            self._accepted.popleft()

    def try_acquire(self, now: float) -> bool:
        """Count one event at ``now`` if the window has room; return whether it was accepted."""
        self._expire(now)
        if len(self._accepted) >= self.limit:
            return False
        self._accepted.append(now)
        return True

    def remaining(self, now: float) -> int:
        """How many more events the window accepts at ``now``."""
        self._expire(now)
        return max(self.limit - len(self._accepted), 0)

    def frees_at(self, now: float) -> float:
        """When the next slot frees (``now`` when one is free already)."""
        self._expire(now)
        if len(self._accepted) < self.limit:
            return now
        return self._accepted[0] + self.window_ms


@dataclass(frozen=True)
class LimitStatus:
    """Outcome of one per-UID check, as reported in the ``X-Bapi-Limit*`` headers."""

    limit: int
    remaining: int
    reset_ms: int
    exceeded: bool

    def headers(self) -> dict[str, str]:
        """The ``X-Bapi-Limit``, ``X-Bapi-Limit-Status`` and ``X-Bapi-Limit-Reset-Timestamp`` headers."""
        return {
            "X-Bapi-Limit": str(self.limit),
            "X-Bapi-Limit-Status": str(self.remaining),
            "X-Bapi-Limit-Reset-Timestamp": str(self.reset_ms),
        }


class IpLimiter:
    """The IP limit: ``limit`` requests per rolling ``window_ms`` per client IP, then HTTP 403.

    Parameters
    ----------
    limit
        Requests per window; 0 disables the limit.
    window_ms
        Length of the rolling window.
    ban_ms
        After a breach, refuse the IP for this long (Bybit: 10 minutes); 0 refuses only while the window is
        full.
    clock
        Epoch milliseconds; the wall clock by default.
    """

    def __init__(
        self,
        limit: int,
        window_ms: float,
        ban_ms: float = 0,
        clock: Callable[[], float] = wall_clock_ms,
    ) -> None:
        if limit < 0 or window_ms <= 0 or ban_ms < 0:
            raise ValueError(f"bad IP limit {limit} per {window_ms} ms (ban {ban_ms} ms)")
        self.limit, self.window_ms, self.ban_ms = limit, window_ms, ban_ms
        self._clock = clock
        self._windows: dict[str, RollingWindow] = {}
        self._banned_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def allow(self, ip: str) -> bool:
        """Count a request from ``ip`` and return whether it may go on."""
        if self.limit == 0:
            return True
        now = self._clock()
        with self._lock:
            if self._banned_until.get(ip, 0.0) > now:
                return False
            window = self._windows.get(ip)
            if window is None:
                window = self._windows[ip] = RollingWindow(self.limit, self.window_ms)
            if window.try_acquire(now):
                return True
            if self.ban_ms:
                self._banned_until[ip] = now + self.ban_ms
            return False

    def reset(self) -> None:
        """Forget every window and ban."""
        with self._lock:
            self._windows.clear()
            self._banned_until.clear()


class UidLimiter:
    """Per-UID, per-endpoint limits: ``limit`` requests per rolling second, then retCode 10006.

    Parameters
    ----------
    enforce
        When false, requests are counted and reported in the headers but never refused.
    clock
        Epoch milliseconds; the wall clock by default.
    """

    def __init__(self, enforce: bool = True, clock: Callable[[], float] = wall_clock_ms) -> None:
        self.enforce = enforce
        self._clock = clock
        self._windows: dict[tuple[int, str], RollingWindow] = {}
        self._lock = threading.Lock()

    def check(self, uid: int, endpoint: str, limit: int) -> LimitStatus:
        """Count one request of ``uid`` to ``endpoint`` and return the status for its headers.

        Parameters
        ----------
        uid
            The account.
        endpoint
            Key of the endpoint (method and path).
        limit
            Requests per second allowed on this endpoint.
        """
        now = self._clock()
        with self._lock:
            key = (uid, endpoint)
            window = self._windows.get(key)
            if window is None or window.limit != limit:
                window = self._windows[key] = RollingWindow(limit, UID_WINDOW_MS)
            accepted = window.try_acquire(now) or not self.enforce
            remaining = window.remaining(now)
            reset = now if accepted else window.frees_at(now)
        # not exceeded: now (rounded down); exceeded: when a slot frees (rounded up: waiting that long works)
        reset_ms = int(reset) if accepted else math.ceil(reset)
        return LimitStatus(limit, remaining, reset_ms, exceeded=not accepted)

    def reset(self) -> None:
        """Forget every window."""
        with self._lock:
            self._windows.clear()
