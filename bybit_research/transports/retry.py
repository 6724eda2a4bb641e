"""Retry transport: repeats a request where a repeat can help, with bounded attempts and total time.

Retried: retCode 10006 (waits until ``X-Bapi-Limit-Reset-Timestamp``), retCode 10016 / 10000 / 429, HTTP 429
and 5xx, connection errors and timeouts (exponential backoff with jitter). Never retried: everything else,
notably 10001 / 10003 / 10004 / 10005 and HTTP 403 (an IP ban only grows when hammered). All requests are
GETs, so a repeat neither duplicates nor loses data. Built on tenacity.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    retry_if_result,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential,
    wait_random,
)

from ._common import AUTH, buffered, ret_code
from .ratelimit import LIMIT_EXCEEDED, RateLimiter

__all__ = ["RETRY_HTTP_STATUSES", "RETRY_RET_CODES", "RetryPolicy", "RetryTransport"]

log = logging.getLogger(__name__)

RETRY_RET_CODES = frozenset({LIMIT_EXCEEDED, 10016, 10000, 429})
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
        No new attempt starts if it would begin later than this many seconds after the first.
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
        if self.max_attempts < 1 or self.max_time_s <= 0:
            raise ValueError("RetryPolicy needs max_attempts >= 1 and max_time_s > 0")


def is_retryable(response: httpx.Response) -> bool:
    """Whether an answer is a transient failure worth repeating."""
    if response.status_code in RETRY_HTTP_STATUSES:
        return True
    return response.status_code == 200 and ret_code(response) in RETRY_RET_CODES


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
    sleep
        Injected for tests.
    """

    def __init__(
        self,
        inner: httpx.BaseTransport,
        policy: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.inner = inner
        self.policy = policy or RetryPolicy()
        self.limiter = limiter
        self._sleep = sleep
        self._backoff = wait_exponential(
            multiplier=self.policy.initial_backoff_s, max=self.policy.max_backoff_s
        ) + wait_random(0, self.policy.jitter_s)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        retrying = Retrying(
            stop=stop_after_attempt(self.policy.max_attempts) | stop_before_delay(self.policy.max_time_s),
            wait=self._wait,
            retry=retry_if_exception_type(RETRY_EXCEPTIONS) | retry_if_result(is_retryable),
            before=self._before_attempt,
            before_sleep=self._before_sleep,
            retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
            sleep=self._sleep,
        )
        return retrying(self._attempt, request)

    def close(self) -> None:
        self.inner.close()

    def _attempt(self, request: httpx.Request) -> httpx.Response:
        return buffered(self.inner.handle_request(request))

    def _wait(self, state: RetryCallState) -> float:
        outcome = state.outcome
        if outcome is not None and not outcome.failed:
            response: httpx.Response = outcome.result()
            if ret_code(response) == LIMIT_EXCEEDED:
                reset_ms = response.headers.get("X-Bapi-Limit-Reset-Timestamp", "")
                if reset_ms.isdigit():
                    wait = int(reset_ms) / 1000 - time.time() + 0.02
                    return min(max(wait, 0.02), self.policy.max_limit_wait_s)
            retry_after = response.headers.get("Retry-After", "")
            if retry_after.isdigit():
                return min(float(retry_after), self.policy.max_backoff_s)
        return float(self._backoff(state))

    def _before_attempt(self, state: RetryCallState) -> None:
        if state.attempt_number > 1 and self.limiter is not None:
            request: httpx.Request = state.args[0]
            self.limiter.acquire(request.url.path, bool(request.extensions.get(AUTH)))

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
                self.limiter.observe(request.url.path, bool(request.extensions.get(AUTH)), response)
        wait = state.next_action.sleep if state.next_action else 0.0
        log.info(
            "retrying %s after %s (attempt %d, waiting %.2fs)",
            request.url.path,
            reason,
            state.attempt_number,
            wait,
        )
