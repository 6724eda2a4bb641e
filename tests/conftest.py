"""Fixtures of the market-data tests: the simulator in-process at a fixed clock, clients, a fake fetcher."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pandas as pd
import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# The editable install may map bybit_research as a namespace package; import the real one from the repository.
_REPO = str(Path(__file__).resolve().parents[1])
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

from bybit_research.client import Client, set_default_client  # noqa: E402
from bybit_research.sim import SimConfig, create_app  # noqa: E402

# property tests: few examples in `make test` ("default"); HYPOTHESIS_PROFILE=thorough for a long search
hypothesis_settings.register_profile(
    "default", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.register_profile("thorough", max_examples=2000, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

#: the simulator's fixed clock: Saturday 2024-06-15 12:34:56 UTC
NOW = pd.Timestamp("2024-06-15 12:34:56", tz="UTC")
NOW_MS = int(NOW.value // 1_000_000)


def times(frame: pd.DataFrame) -> pd.DatetimeIndex:
    """The time index of ``frame`` (typed for mypy)."""
    return cast(pd.DatetimeIndex, frame.index)


#: the client of the market tests (every public function is a method of ``Client``)
MarketClient = Client


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No settings from the developer's shell; the default cache file lives in tmp_path."""
    for name in ("BYBIT_RESEARCH_ENV", "BYBIT_API_KEY", "BYBIT_API_SECRET", "BYBIT_RSA_PRIVATE_KEY_PATH",
                 "BYBIT_RESEARCH_OFFLINE_ONLY"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BYBIT_RESEARCH_CACHE", str(tmp_path / "default-cache.sqlite"))
    yield
    set_default_client(None)


@pytest.fixture(scope="session")
def app() -> Any:
    """One simulator at the fixed clock for the whole session (its market is deterministic)."""
    return create_app(SimConfig(now_ms=NOW_MS, ip_limit=0))


@pytest.fixture(scope="session")
def session_client(app: Any) -> Iterator[MarketClient]:
    client = MarketClient(env="offline", cache=False, sim_app=app)
    yield client
    client.close()


@pytest.fixture
def client(app: Any, session_client: MarketClient) -> MarketClient:
    """An uncached client over the shared simulator; request counts start at zero."""
    app.reset_counts()
    return session_client


@pytest.fixture
def cached_client(app: Any, tmp_path: Path) -> Iterator[MarketClient]:
    """A client with its own SQLite cache file."""
    app.reset_counts()
    client = MarketClient(env="offline", cache_path=str(tmp_path / "cache.sqlite"), sim_app=app)
    yield client
    client.close()


@dataclass
class FakeReply:
    result: Any
    from_cache: bool = False
    time_ms: int | None = NOW_MS
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None


@dataclass(eq=False)
class FakeClient:
    """A fetcher (``bybit_research.core.fetcher.Fetcher``) whose ``fetch`` answers from
    ``handler(path, params) -> result`` and records every call; it has no cache and no column store."""

    handler: Callable[[str, dict[str, Any]], Any]
    calls: list[tuple[str, dict[str, Any], float | None]] = field(default_factory=list)
    concurrency: int = 10
    column_store: Any = None

    def fetch(self, path: str, params: Any = None, *, auth: bool = False, expire_after: float | None = None,
              refresh: bool = False) -> FakeReply:  # fmt: skip
        params = dict(params or {})
        self.calls.append((path, params, expire_after))
        return FakeReply(self.handler(path, params))

    def fetch_cached(self, path: str, params: Any = None, *, auth: bool = False,
                     expire_after: float | None = None) -> FakeReply | None:  # fmt: skip
        return None

    def page_url(self, path: str, params: Any = None) -> str:
        return f"http://fake{path}?" + "&".join(f"{k}={v}" for k, v in sorted(dict(params or {}).items()))

    def server_now_ms(self) -> int:
        return NOW_MS

    def check_auth(self, path: str) -> None:
        return None


@pytest.fixture
def fake() -> Callable[[Callable[[str, dict[str, Any]], Any]], FakeClient]:
    return FakeClient
