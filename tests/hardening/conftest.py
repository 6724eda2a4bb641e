"""Fixtures of the hardening tests: a client over a scripted exchange whose answers a test sets per path."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from bybit_research.client import Client
from tests.conftest import NOW_MS

Answer = bytes | Callable[[httpx.Request], httpx.Response]


def envelope(result: Any, time_ms: int = NOW_MS) -> bytes:
    """A successful V5 answer carrying ``result``."""
    return orjson.dumps({"retCode": 0, "retMsg": "OK", "result": result, "retExtInfo": {}, "time": time_ms})


SERVER_TIME = envelope({"timeSecond": str(NOW_MS // 1000), "timeNano": str(NOW_MS * 1_000_000)})


class Scripted:
    """A mock exchange: ``answers[path]`` is the body it sends for ``path`` (the server time by default)."""

    def __init__(self) -> None:
        self.answers: dict[str, Answer] = {"/v5/market/time": SERVER_TIME}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.get(request.url.path, envelope({"list": []}))
        if callable(answer):
            return answer(request)
        return httpx.Response(200, content=answer, headers={"Content-Type": "application/json"})


@pytest.fixture
def scripted() -> Iterator[tuple[Client, Scripted]]:
    """An uncached client (one attempt per request) over a :class:`Scripted` exchange."""
    exchange = Scripted()
    client = Client(
        base_url="http://scripted.test",
        transport=httpx.MockTransport(exchange),
        cache=False,
        max_attempts=1,
        api_key="scriptedkey1234",
        api_secret="scripted-secret",
    )
    yield client, exchange
    client.close()


@pytest.fixture
def cache_file(tmp_path: Path) -> Path:
    return tmp_path / "cache.sqlite"


@pytest.fixture
def open_client(app: Any, cache_file: Path) -> Iterator[Callable[..., Client]]:
    """Open clients on the test's cache file, on the simulator of ``app`` (closed after the test)."""
    opened: list[Client] = []

    def build(**settings: Any) -> Client:
        client = Client(env="offline", sim_app=app, cache_path=cache_file, **settings)
        opened.append(client)
        return client

    yield build
    for client in opened:
        client.close()
