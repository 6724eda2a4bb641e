"""Rolling windows of send times: the building block of the client-side rate limits.

:class:`SlidingWindow` is a sliding log (the send times of the last ``limit`` requests). Unlike a token
bucket it lets a burst that fits the window go out at full speed and only waits when the window is really
full.
:class:`IpBudget` adds what the IP limit needs on top: a circuit breaker for Bybit's IP ban (HTTP 403) and a
budget that shrinks once per breach and grows back step by step.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

__all__ = ["DEFAULT_IP_BAN_S", "MAX_PAUSE_S", "IpBudget", "SlidingWindow"]

#: longest pause a single server hint may impose on an endpoint window
MAX_PAUSE_S = 10.0
#: how long Bybit bans an IP after an IP-limit breach (at least 10 minutes, reference §3.1)
DEFAULT_IP_BAN_S = 600.0


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
        self.lock = threading.Lock()

    def wait_locked(self, now: float) -> float:
        """Seconds until one more request may go out (<= 0: now); the caller holds :attr:`lock`."""
        while self._sent and self._sent[0] <= now - self.window_s:
            self._sent.popleft()
        wait = self._paused_until - now
        if len(self._sent) >= self.limit:
            wait = max(wait, self._sent[len(self._sent) - self.limit] + self.window_s - now)
        return wait

    def record_locked(self, now: float) -> None:
        """Record a request sent at ``now``; the caller holds :attr:`lock`."""
        self._sent.append(now)

    def acquire(self) -> float:
        """Block until a request may go out, record it, and return the seconds waited."""
        waited = 0.0
        while True:
            with self.lock:
                now = self._clock()
                wait = self.wait_locked(now)
                if wait <= 0:
                    self.record_locked(now)
                    return waited
            self._sleep(wait)
            waited += wait

    def pause(self, seconds: float) -> None:
        """Let nothing through for ``seconds`` from now (at most :data:`MAX_PAUSE_S`)."""
        with self.lock:
            self._paused_until = max(self._paused_until, self._clock() + min(seconds, MAX_PAUSE_S))

    def in_window(self) -> int:
        """Number of acquisitions in the current window."""
        with self.lock:
            now = self._clock()
            return sum(1 for t in self._sent if t > now - self.window_s)


class IpBudget(SlidingWindow):
    """The IP window, with a circuit breaker for Bybit's IP ban.

    An HTTP 403 opens the breaker for ``ban_s`` seconds: nothing is sent meanwhile (Bybit keeps banning an IP
    that keeps knocking). It also halves the budget, but only once per breach: 403s of requests that were
    sent before the last halving were already in flight and say nothing new. After the ban, each quiet window
    (no new 403) gives back a quarter of the nominal budget until it is whole again.

    Parameters
    ----------
    limit, window_s
        Nominal budget: requests per rolling window.
    ban_s
        How long the breaker stays open after a 403 (Bybit: at least 600 s).
    floor
        The budget never shrinks below this.
    clock, sleep
        Injected for tests.
    """

    def __init__(
        self,
        limit: int,
        window_s: float,
        ban_s: float = DEFAULT_IP_BAN_S,
        *,
        floor: int = 10,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(limit, window_s, clock, sleep)
        if not ban_s > 0 or not math.isfinite(ban_s):
            raise ValueError(f"ban_s must be a positive number of seconds, got {ban_s!r}")
        self.nominal_limit = limit
        self.ban_s = float(ban_s)
        self.floor = min(floor, limit)
        self.banned_until = -math.inf
        self._last_shrink = -math.inf
        self._calm_since = -math.inf

    def ban_remaining_locked(self, now: float) -> float:
        """Seconds until the breaker closes (<= 0: closed); the caller holds :attr:`lock`."""
        return self.banned_until - now

    def ban_remaining(self) -> float:
        """Seconds until the breaker closes (0 when it is closed)."""
        with self.lock:
            return max(0.0, self.ban_remaining_locked(self._clock()))

    def wait_locked(self, now: float) -> float:
        self._restore_locked(now)
        return super().wait_locked(now)

    def on_forbidden(self, sent_at: float | None) -> None:
        """Open the breaker after an HTTP 403 to a request sent at ``sent_at`` (limiter clock)."""
        with self.lock:
            now = self._clock()
            self.banned_until = max(self.banned_until, now + self.ban_s)
            if sent_at is None or sent_at > self._last_shrink:
                self.limit = max(self.floor, self.limit // 2)
                self._last_shrink = now
            self._calm_since = self.banned_until

    def adopt(self, limit: int, ban_s: float) -> None:
        """Join another client's settings: the smaller budget and the longer ban win."""
        with self.lock:
            if limit < self.nominal_limit:
                self.nominal_limit = limit
                self.limit = min(self.limit, limit)
                self.floor = min(self.floor, limit)
            self.ban_s = max(self.ban_s, float(ban_s))

    def _restore_locked(self, now: float) -> None:
        if self.limit >= self.nominal_limit or not math.isfinite(self._calm_since) or now < self._calm_since:
            return
        quiet_windows = int((now - self._calm_since) // self.window_s)
        if quiet_windows > 0:
            step = max(1, self.nominal_limit // 4)
            self.limit = min(self.nominal_limit, self.limit + quiet_windows * step)
            self._calm_since += quiet_windows * self.window_s
