"""The client's behaviour as a stack of httpx transports, each one concern.

From the top: :class:`CacheTransport` (requests-cache storage; hits cost nothing below),
:class:`RateLimitTransport` (client-side model of Bybit's windows), :class:`RetryTransport` (tenacity;
transient failures only), :class:`SigningTransport` (fresh signature per attempt, clock resync on 10002), then
the network (``httpx.HTTPTransport``) or the in-process simulator (``httpx.WSGITransport``).
"""

from __future__ import annotations

import httpx
from requests_cache import BaseCache

from ..clock import ServerClock
from ..credentials import Credentials
from .cache import DO_NOT_CACHE, NEVER_EXPIRE, CacheTransport
from .ratelimit import IpBudget, RateLimiter, RateLimitTransport, shared_ip_budget
from .retry import RetryPolicy, RetryTransport
from .signing import SigningTransport

__all__ = [
    "DO_NOT_CACHE",
    "NEVER_EXPIRE",
    "CacheTransport",
    "IpBudget",
    "RateLimitTransport",
    "RateLimiter",
    "RetryPolicy",
    "RetryTransport",
    "SigningTransport",
    "build_stack",
    "shared_ip_budget",
]


def build_stack(
    network: httpx.BaseTransport,
    *,
    credentials: Credentials | None,
    recv_window: int,
    clock: ServerClock,
    limiter: RateLimiter,
    retry_policy: RetryPolicy,
    cache_backend: BaseCache | None,
    default_expire_after: float,
    cache_private: bool,
    offline_only: bool,
) -> httpx.BaseTransport:
    """Stack the transports over ``network`` and return the top one."""
    stack: httpx.BaseTransport = SigningTransport(network, credentials, recv_window, clock, limiter)
    stack = RetryTransport(stack, retry_policy, limiter, server_clock=clock)
    stack = RateLimitTransport(stack, limiter)
    if cache_backend is not None:
        stack = CacheTransport(
            stack,
            cache_backend,
            default_expire_after=default_expire_after,
            cache_private=cache_private,
            offline_only=offline_only,
        )
    return stack
