"""Retry transport: repeats a request where a repeat can help, within a bounded number of attempts and time.

Retried: retCode 10006 (waits until ``X-Bapi-Limit-Reset-Timestamp``), retCode 10016 / 10000 / 429, HTTP 429
and 5xx, connection errors and timeouts (exponential backoff with jitter). Never retried: everything else,
notably 10001 / 10003 / 10004 / 10005 and HTTP 403 (an IP ban only grows when hammered). All requests are
GETs, so a repeat neither duplicates nor loses data. Built on tenacity.

Time bound: ``max_time_s`` is a deadline counted from the first attempt. No re-attempt starts when its
backoff or its rate-limit wait would end past the deadline, and each attempt's timeouts are cut to the time
left, so a call through this layer ends within about ``max_time_s`` (the clock resync round trip of the
signing layer uses the shortened timeouts too).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    retry_if_result,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)
from tenacity.stop import stop_base

from ...errors import TRANSIENT_CODES
from ..clock import ServerClock
from .extensions import AUTH, SENT_AT, buffered, ret_code
from .ratelimit import LIMIT_EXCEEDED, BudgetWaitExceeded, RateLimiter, seconds_until_reset

__all__ = ["RETRY_HTTP_STATUSES", "RETRY_RET_CODES", "RetryPolicy", "RetryTransport"]

log = logging.getLogger(__name__)

RETRY_RET_CODES = TRANSIENT_CODES
RETRY_HTTP_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_EXCEPTIONS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds and pacing of retries.

    Parameters
    ----------
    max_attempts
        Attempts in total, the first one included (1 disables retrying).
    max_time_s
        Deadline in seconds after the first attempt began: no new attempt starts past it, and every attempt's
        timeouts are cut to the time left before it.
    initial_backoff_s, max_backoff_s, jitter_s
        Exponential backoff ``initial * 2**n`` capped at ``max``, plus up to ``jitter`` random seconds.
    max_limit_wait_s
        Longest wait for ``X-Bapi-Limit-Reset-Timestamp`` after a retCode 10006.
    """

    max_attempts: int = 5
    max_time_s: float = 60.0
    initial_backoff_s: float = 0.2
    max_backoff_s: float = 8.0
    jitter_s: float = 0.2
    max_limit_wait_s: float = 10.0

    def __post_init__(self) -> None:
        attempts_ok = isinstance(self.max_attempts, int) and not isinstance(self.max_attempts, bool)
        time_ok = isinstance(self.max_time_s, int | float) and not isinstance(self.max_time_s, bool)
        if not attempts_ok or not time_ok or self.max_attempts < 1 or not 0 < self.max_time_s < float("inf"):
            raise ValueError(
                "RetryPolicy needs an integer max_attempts >= 1 and a finite max_time_s > 0, got "
                f"max_attempts={self.max_attempts!r}, max_time_s={self.max_time_s!r}"
            )


def is_retryable(response: httpx.Response) -> bool:
    """Whether an answer is a transient failure worth repeating."""
    if response.status_code in RETRY_HTTP_STATUSES:
        return True
    return response.status_code == 200 and ret_code(response) in RETRY_RET_CODES


class _DeadlineStop(stop_base):
    """tenacity stop condition: the next attempt would begin at or after ``deadline``."""

    def __init__(self, deadline: float, clock: Callable[[], float]) -> None:
        self.deadline = deadline
        self.clock = clock

    def __call__(self, state: RetryCallState) -> bool:
        return self.clock() + (state.upcoming_sleep or 0.0) >= self.deadline


class RetryTransport(httpx.BaseTransport):
    """Retry transient failures of ``inner`` according to ``policy``.

    Parameters
    ----------
    inner
        The next transport down (signing, then network or simulator).
    policy
        Attempt and time bounds.
    limiter
        When given, every re-attempt takes a token from it and it sees every retried answer, so retries count
        against the client-side rate limit like first attempts do.
    sleep, clock
        Injected for tests (``clock`` measures the deadline; default ``time.monotonic``).
    server_clock
        Learned server clock; ``X-Bapi-Limit-Reset-Timestamp`` is compared with it.
    """

    def __init__(
        self,
        inner: httpx.BaseTransport,
        policy: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        *,
        clock: Callable[[], float] = time.monotonic,
        server_clock: ServerClock | None = None,
    ) -> None:
        self.inner = inner
        self.policy = policy or RetryPolicy()
        self.limiter = limiter
        self._sleep = sleep
        self._clock = clock
        self.server_clock = server_clock or ServerClock()
        self._backoff = wait_exponential(
            multiplier=self.policy.initial_backoff_s, max=self.policy.max_backoff_s
        ) + wait_random(0, self.policy.jitter_s)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        deadline = self._clock() + self.policy.max_time_s
        timeouts = request.extensions.get("timeout")
        last: dict[str, Any] = {}

        def attempt(state_request: httpx.Request) -> httpx.Response:
            remaining = max(deadline - self._clock(), 0.001)
            if isinstance(timeouts, dict):
                state_request.extensions["timeout"] = {
                    name: remaining if value is None else min(value, remaining)
                    for name, value in timeouts.items()
                }
            try:
                last["response"] = buffered(self.inner.handle_request(state_request))
            except RETRY_EXCEPTIONS as exc:
                last.pop("response", None)
                last["error"] = exc
                raise
            return last["response"]

        def before(state: RetryCallState) -> None:
            if state.attempt_number > 1 and self.limiter is not None:
                private = bool(request.extensions.get(AUTH))
                remaining = deadline - self._clock()
                request.extensions[SENT_AT] = self.limiter.reserve(
                    request.url.path, private, max_wait=remaining
                )

        retrying = Retrying(
            stop=stop_after_attempt(self.policy.max_attempts) | _DeadlineStop(deadline, self._clock),
            wait=self._wait,
            retry=retry_if_exception_type(RETRY_EXCEPTIONS) | retry_if_result(is_retryable),
            before=before,
            before_sleep=self._before_sleep,
            retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
            sleep=self._sleep,
        )
        try:
            return retrying(attempt, request)
        except BudgetWaitExceeded:
            # the rate-limit wait for another attempt would end past the deadline: give the last outcome
            if "response" in last:
                return last["response"]
            raise last["error"] from None
        finally:
            if isinstance(timeouts, dict):
                request.extensions["timeout"] = timeouts

    def close(self) -> None:
        self.inner.close()

    def _wait(self, state: RetryCallState) -> float:
        outcome = state.outcome
        if outcome is not None and not outcome.failed:
            response: httpx.Response = outcome.result()
            if ret_code(response) == LIMIT_EXCEEDED:
                reset_ms = response.headers.get("X-Bapi-Limit-Reset-Timestamp", "")
                if reset_ms.isdigit():
                    wait = seconds_until_reset(int(reset_ms), self.server_clock) + 0.02
                    return min(max(wait, 0.02), self.policy.max_limit_wait_s)
            retry_after = response.headers.get("Retry-After", "")
            if retry_after.isdigit():
                return min(float(retry_after), self.policy.max_backoff_s)
        return float(self._backoff(state))

    def _before_sleep(self, state: RetryCallState) -> None:
        request: httpx.Request = state.args[0]
        outcome = state.outcome
        if outcome is None:
            return
        if outcome.failed:
            reason = type(outcome.exception()).__name__
        else:
            response: httpx.Response = outcome.result()
            reason = f"HTTP {response.status_code} retCode {ret_code(response)}"
            if self.limiter is not None:
                private = bool(request.extensions.get(AUTH))
                self.limiter.observe(request.url.path, private, response, request.extensions.get(SENT_AT))
        wait = state.next_action.sleep if state.next_action else 0.0
        log.info(
            "retrying %s after %s (attempt %d, waiting %.2fs)",
            request.url.path,
            reason,
            state.attempt_number,
            wait,
        )
