"""Helpers of the market tests: a fixed clock, direct handler calls and an in-process HTTP client."""

from __future__ import annotations

from typing import Any

import bybit_research.sim.routes  # noqa: F401  (registers the routes)
from bybit_research.sim.core import ROUTES, Request, SimConfig, SimError
from bybit_research.sim.exchange import Exchange

NOW_MS = 1_765_000_123_456  # 2025-12-06 05:48:43.456 UTC, a Saturday


def make_exchange(seed: int = 7, now_ms: int = NOW_MS) -> Exchange:
    """Return a fresh simulated exchange with a fixed clock."""
    return Exchange(SimConfig(seed=seed, now_ms=now_ms))


def call(exchange: Exchange, path: str, now_ms: int = NOW_MS, **params: Any) -> Any:
    """Call the handler of ``GET path`` directly and return its result."""
    query = {name: str(value) for name, value in params.items()}
    request = Request("GET", path, "", query, {}, now_ms=now_ms)
    return ROUTES[("GET", path)].handler(exchange, request)


def error_of(exchange: Exchange, path: str, **params: Any) -> SimError:
    """Call a handler that must fail and return the error."""
    try:
        call(exchange, path, **params)
    except SimError as error:
        return error
    raise AssertionError(f"{path} {params} did not fail")
