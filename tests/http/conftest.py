"""Fixtures of the client tests: an isolated environment and clients over mock or simulated exchanges."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

# The editable install's finder was generated while bybit_research had no __init__.py and maps it as a
# namespace package; putting the repository first on sys.path imports the real package (harmless later).
_REPO = str(__import__("pathlib").Path(__file__).resolve().parents[2])
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

from bybit_research.client import Client, set_default_client  # noqa: E402

TEST_KEY = "testkey1234567890"
TEST_SECRET = "test-secret-0123456789"
BASE = "http://bybit.test"


def sim_ready() -> bool:
    """Whether the simulator's WSGI app exists yet (it is written in parallel)."""
    try:
        return importlib.util.find_spec("bybit_research.sim.app") is not None
    except ImportError:  # the package's __init__ imports modules not written yet
        return False


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[None]:
    """No credentials or settings from the developer's shell; the default cache file lives in tmp_path."""
    for name in (
        "BYBIT_RESEARCH_ENV",
        "BYBIT_API_KEY",
        "BYBIT_API_SECRET",
        "BYBIT_RSA_PRIVATE_KEY_PATH",
        "BYBIT_RESEARCH_OFFLINE_ONLY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BYBIT_RESEARCH_CACHE", str(tmp_path / "default-cache.sqlite"))
    yield
    set_default_client(None)


def envelope(
    result: Any = None, ret_code: int = 0, ret_msg: str = "OK", time_ms: int = 1_700_000_000_000
) -> dict:
    """A V5 envelope as Bybit sends it."""
    return {
        "retCode": ret_code,
        "retMsg": ret_msg,
        "result": {} if result is None else result,
        "retExtInfo": {},
        "time": time_ms,
    }


class Recorder:
    """A mock exchange: answers from a script (one answer per call, the last repeated) and records
    requests."""

    def __init__(
        self, *answers: httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]
    ) -> None:
        self.answers = list(answers) or [httpx.Response(200, json=envelope({"list": []}))]
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer) and not isinstance(answer, httpx.Response):
            return answer(request)
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    @property
    def count(self) -> int:
        return len(self.requests)


@pytest.fixture
def make_client() -> Iterator[Callable[..., Client]]:
    """Build clients over a :class:`Recorder`; closed after the test."""
    clients: list[Client] = []

    def build(recorder: Recorder, **kwargs: Any) -> Client:
        kwargs.setdefault("base_url", BASE)
        kwargs.setdefault("cache", False)
        kwargs.setdefault("api_key", TEST_KEY)
        kwargs.setdefault("api_secret", TEST_SECRET)
        client = Client(transport=httpx.MockTransport(recorder), **kwargs)
        # tests of retries should not wait for real backoff
        retry: Any = client._http._transport
        while retry is not None and type(retry).__name__ != "RetryTransport":
            retry = getattr(retry, "inner", None)
        client.slept = []  # type: ignore[attr-defined]
        client.fake_now = [0.0]  # type: ignore[attr-defined]

        def fake_sleep(seconds: float) -> None:
            client.slept.append(seconds)  # type: ignore[attr-defined]
            client.fake_now[0] += seconds  # type: ignore[attr-defined]

        if retry is not None:  # the retry deadline runs on a clock that only moves when the layer sleeps
            retry._sleep = fake_sleep
            retry._clock = lambda: client.fake_now[0]  # type: ignore[attr-defined]
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()
