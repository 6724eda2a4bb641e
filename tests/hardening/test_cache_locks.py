"""A locked cache file never hangs a call: another connection (or process) holding the write lock of the
request cache or of the column store costs a call a few seconds at most, once, and the answers come from the
network with the refusal logged (the message of ``CacheUnavailableError``); ``Client()`` opens at once."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from bybit_research import cache as br_cache
from bybit_research.client import Client
from bybit_research.core.time import to_ms
from bybit_research.errors import CacheUnavailableError
from bybit_research.http import sqlite_cache
from bybit_research.store.columns import columns_path

KLINE = "/v5/market/kline"
INSTRUMENTS = "/v5/market/instruments-info"
#: the lock wait of these tests (the real one, LOCK_WAIT_S = 3 s, is measured once)
WAIT_S = 0.5


@pytest.fixture(autouse=True)
def short_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_cache, "LOCK_WAIT_S", WAIT_S)


@pytest.fixture
def existing(open_client: Callable[..., Client], app: Any) -> pd.DataFrame:
    """A cache file (and its column store) as a first session leaves them; returns that session's klines."""
    client = open_client()
    frame = client.klines("BTCUSDT", 1, start="2024-06-01", end="2024-06-11", progress=False)
    client.instruments("spot")
    client.close()
    app.reset_counts()
    return frame


@pytest.fixture
def hold_lock() -> Iterator[Callable[..., sqlite3.Connection]]:
    """Take a file's write lock from another connection (released after the test)."""
    held: list[sqlite3.Connection] = []

    def hold(path: Path, how: str = "IMMEDIATE") -> sqlite3.Connection:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute(f"BEGIN {how}")
        held.append(other)
        return other

    yield hold
    for other in held:
        if other.in_transaction:
            other.execute("ROLLBACK")
        other.close()


def windows(start: str, end: str) -> int:
    """Aligned windows of 1000 one-minute candles covering ``[start, end)``."""
    width = 1000 * 60_000
    return -(-to_ms(end) // width) - to_ms(start) // width


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if "cannot be used now (OperationalError: database is locked)" in r.getMessage()
    ]


def test_a_locked_request_cache_costs_one_bounded_wait_and_answers_come_from_the_network(
    app: Any, open_client: Callable[..., Client], existing: pd.DataFrame, cache_file: Path,
    hold_lock: Callable[..., sqlite3.Connection], caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    other = hold_lock(cache_file)
    started = time.monotonic()
    client = open_client()
    assert time.monotonic() - started < WAIT_S  # the tables exist: opening writes nothing
    with caplog.at_level(logging.WARNING):
        started = time.monotonic()
        frames = [client.instruments(category) for category in ("linear", "inverse", "option")]
        elapsed = time.monotonic() - started
    assert WAIT_S * 0.8 < elapsed < WAIT_S + 3.0  # one wait for the lock, not one per answer stored
    assert [len(f) for f in frames] == [
        len(client.instruments(c, refresh=True)) for c in ("linear", "inverse", "option")
    ]
    logged = refusals(caplog)
    assert len(logged) == 1 and "could not store an answer in the request cache" in logged[0]
    assert "CacheUnavailableError: " in logged[0]  # the error the refusal stands for, by name
    assert str(cache_file) in logged[0] and "pass cache=False or another cache_path" in logged[0]
    # reads go on under another's write lock (WAL): what was stored before is still served
    app.reset_counts()
    client.instruments("spot")
    assert app.requests[INSTRUMENTS] == 0
    other.execute("ROLLBACK")
    client.instruments("linear")  # stored now that the lock is gone
    app.reset_counts()
    client.instruments("linear")
    assert app.requests[INSTRUMENTS] == 0


def test_a_locked_column_store_costs_a_long_download_one_bounded_wait(
    app: Any, open_client: Callable[..., Client], existing: pd.DataFrame, cache_file: Path,
    hold_lock: Callable[..., sqlite3.Connection], caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    hold_lock(columns_path(cache_file))
    client = open_client()
    with caplog.at_level(logging.WARNING):
        started = time.monotonic()
        # a month of minutes: 45 pages, the 15 stored ones read, the 30 others fetched and not stored
        frame = client.klines("BTCUSDT", 1, start="2024-05-12", end="2024-06-11", progress=False)
        elapsed = time.monotonic() - started
    assert len(frame) == 30 * 1440 and frame.index.is_unique
    pd.testing.assert_frame_equal(frame.loc["2024-06-01":], existing)
    assert app.requests[KLINE] == windows("2024-05-12", "2024-06-11") - windows("2024-06-01", "2024-06-11")
    assert elapsed < WAIT_S + 5.0  # batches of pages would each have waited 30 s before
    logged = [r.getMessage() for r in caplog.records if "could not store page columns" in r.getMessage()]
    assert len(logged) == 1 and "locked by another process" in logged[0]


def test_client_opens_a_new_cache_file_another_connection_holds_exclusively(
    app: Any, cache_file: Path, hold_lock: Callable[..., sqlite3.Connection], caplog: pytest.LogCaptureFixture
) -> None:
    # a file in rollback-journal mode, locked exclusively before its tables exist: even reading waits
    with sqlite3.connect(cache_file) as first:
        first.execute("CREATE TABLE other (x)")
    hold_lock(cache_file, "EXCLUSIVE")
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        client = Client(env="offline", sim_app=app, cache_path=cache_file)
        opened = time.monotonic() - started
        try:
            frame = client.instruments("linear")
        finally:
            client.close()
    assert opened < 3 * WAIT_S + 1.0 and time.monotonic() - started < 5 * WAIT_S + 3.0
    assert len(frame) > 0 and refusals(caplog)


def test_the_real_wait_for_a_lock_is_a_few_seconds(
    monkeypatch: pytest.MonkeyPatch, open_client: Callable[..., Client], existing: pd.DataFrame,
    cache_file: Path, hold_lock: Callable[..., sqlite3.Connection],
) -> None:  # fmt: skip
    monkeypatch.setattr(sqlite_cache, "LOCK_WAIT_S", 3.0)
    hold_lock(cache_file)
    client = open_client()
    started = time.monotonic()
    client.instruments("linear")
    assert 2.5 < time.monotonic() - started < 6.0


HOLDER = textwrap.dedent(
    """
    import sqlite3, sys, time
    db = sqlite3.connect(sys.argv[1], isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    db.execute("ROLLBACK")
    """
)


@pytest.mark.tcp
def test_a_lock_held_by_another_process(
    app: Any, open_client: Callable[..., Client], existing: pd.DataFrame, cache_file: Path
) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(cache_file), "20"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        client = open_client()
        frame = client.instruments("inverse")
        assert time.monotonic() - started < WAIT_S + 3.0 and len(frame) > 0
    finally:
        holder.kill()
        holder.wait(timeout=10)


def test_clearing_a_locked_cache_refuses_within_the_bound(
    existing: pd.DataFrame, cache_file: Path, hold_lock: Callable[..., sqlite3.Connection]
) -> None:
    hold_lock(cache_file)
    started = time.monotonic()
    with pytest.raises(CacheUnavailableError, match=r"locked by another process.*left untouched"):
        br_cache.clear(path=cache_file)
    assert time.monotonic() - started < 3 * WAIT_S + 2.0
    assert cache_file.exists()
