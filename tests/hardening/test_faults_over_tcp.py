"""Every fault the simulator injects (retCode 10016, bare 502 and 503 pages, HTTP 429, stalls beyond the
client's timeout, and all of them mixed), at 10 % of requests during long kline and cursor downloads over TCP:
the frames are identical to those of a clean run, nothing lost or repeated."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from bybit_research.client import Client
from bybit_research.endpoints import endpoint
from bybit_research.fetch import Query, run
from bybit_research.sim import SimConfig, create_app, serve
from tests.conftest import NOW_MS

pytestmark = pytest.mark.tcp

INSTRUMENTS = endpoint("/v5/market/instruments-info")
#: stalls sleep this long; the client gives up after TIMEOUT_S and asks again
STALL_S, TIMEOUT_S = 1.0, 0.3


def klines(client: Client) -> pd.DataFrame:
    """A week of minutes: 11 windows fetched concurrently."""
    return client.klines("BTCUSDT", 1, start="2024-06-01", end="2024-06-08", progress=False)


def options(client: Client) -> pd.DataFrame:
    """The BTC options, 30 to a page: a chain of 13 cursor pages."""
    return run(client, Query(INSTRUMENTS, {"category": "option", "baseCoin": "BTC"}, "option", limit=30))


def risk_tiers(client: Client) -> pd.DataFrame:
    """Every linear risk tier: 15 symbols to a cursor page."""
    return client.risk_limits("linear")


DOWNLOADS = {"klines": klines, "option cursor": options, "risk-limit cursor": risk_tiers}


def comparable(frame: pd.DataFrame) -> dict[str, Any]:
    """The frame's attrs without the local time it was fetched at."""
    return {k: v for k, v in frame.attrs.items() if k != "fetched_at"}


@pytest.fixture(scope="module")
def clean() -> Iterator[dict[str, pd.DataFrame]]:
    """The frames of a run without faults, over TCP like the faulty ones."""
    app = create_app(SimConfig(now_ms=NOW_MS, ip_limit=0))
    with serve(app=app) as url, Client(base_url=url, cache=False) as client:
        yield {name: download(client) for name, download in DOWNLOADS.items()}


@pytest.mark.parametrize("mode", ["10016", "502", "503", "429", "stall", "mixed"])
def test_every_fault_mode_gives_the_frames_of_a_clean_run(clean: dict[str, pd.DataFrame], mode: str) -> None:
    app = create_app(SimConfig(now_ms=NOW_MS, ip_limit=0, fail_rate=0.1, fail_mode=mode, stall_s=STALL_S))
    started = time.monotonic()
    with serve(app=app) as url, Client(base_url=url, cache=False, timeout=TIMEOUT_S) as client:
        for name, download in DOWNLOADS.items():
            frame = download(client)
            pd.testing.assert_frame_equal(frame, clean[name], obj=f"{name} under {mode} faults")
            assert comparable(frame) == comparable(clean[name])
    planned = sum(f.attrs["pages"] for f in clean.values()) + 1  # and the exchange's clock
    assert sum(app.requests.values()) > planned  # faults happened, and were asked again
    assert time.monotonic() - started < 30


def test_the_clean_frames_are_whole(clean: dict[str, pd.DataFrame]) -> None:
    assert len(clean["klines"]) == 7 * 1440 and clean["klines"].index.is_unique
    assert clean["option cursor"].attrs["pages"] == 13 and clean["option cursor"].index.is_unique
    assert clean["risk-limit cursor"].attrs["pages"] == 3
