"""A damaged cache never serves a wrong frame: damaged pages of the column store and damaged answers of the
request cache are dropped (with a logged warning) and fetched again, or the call raises
``CacheCorruptError`` naming the file and how to clear it. Damage comes as random bytes written inside the
files, truncated files, pages changed in place and pages stored under another window."""

from __future__ import annotations

import logging
import random
import sqlite3
import struct
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from bybit_research.client import Client
from bybit_research.errors import CacheCorruptError
from bybit_research.store.columns import columns_path
from tests.conftest import NOW_MS

KLINE = "/v5/market/kline"
INSTRUMENTS = "/v5/market/instruments-info"
#: ten days of minutes: 15 closed pages of 1000 candles
START, END = "2024-06-01", "2024-06-11"
ROWS = 14_400


def download(client: Client) -> pd.DataFrame:
    return client.klines("BTCUSDT", 1, start=START, end=END, progress=False)


def same_frame(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, expected)
    assert len(got) == ROWS and got.index.is_unique and got.index.is_monotonic_increasing


@pytest.fixture
def reference(app: Any, open_client: Callable[..., Client]) -> pd.DataFrame:
    """The frame of a clean download; its pages are now in the column store (the client is closed)."""
    client = open_client()
    frame = download(client)
    client.close()
    assert len(frame) == ROWS
    app.reset_counts()
    return frame


def stored_pages(cache_file: Path) -> list[tuple[str, bytes]]:
    with sqlite3.connect(columns_path(cache_file)) as db:
        return db.execute("SELECT url, value FROM page_columns ORDER BY url").fetchall()


def rewrite_page(cache_file: Path, url: str, value: bytes) -> None:
    with sqlite3.connect(columns_path(cache_file)) as db:
        db.execute("UPDATE page_columns SET value = ? WHERE url = ?", (value, url))


def scribble(path: Path, seed: int, runs: int, skip: int = 0) -> None:
    """Overwrite ``runs`` runs of 8 random bytes at random places of ``path`` (after its first ``skip``)."""
    data = bytearray(path.read_bytes())
    rng = random.Random(seed)
    for _ in range(runs):
        at = rng.randrange(skip, len(data) - 8)
        data[at : at + 8] = rng.randbytes(8)
    path.write_bytes(bytes(data))


def right_frame_or_typed_error(
    attempt: Callable[[], pd.DataFrame], expected: pd.DataFrame, file: Path
) -> str:
    """Run ``attempt``: it must give ``expected`` or raise ``CacheCorruptError`` naming ``file`` and how to
    clear it, within a bound. Returns which."""
    started = time.monotonic()
    try:
        got = attempt()
    except CacheCorruptError as error:
        assert str(file) in str(error) and f"bybit-research cache clear --path {file}" in str(error)
        outcome = "typed error"
    else:
        same_frame(got, expected)
        outcome = "right frame"
    assert time.monotonic() - started < 30
    return outcome


# -- the column store ------------------------------------------------------------------------------------


def test_a_page_changed_in_place_is_dropped_logged_and_fetched_again(
    app: Any, open_client: Callable[..., Client], reference: pd.DataFrame, cache_file: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    pages = stored_pages(cache_file)
    assert len(pages) == 15
    url, value = pages[3]
    damaged = bytearray(value)
    damaged[len(value) // 2 : len(value) // 2 + 4] = b"\x7f\x7f\x7f\x7f"  # a value somewhere in the page
    rewrite_page(cache_file, url, bytes(damaged))
    client = open_client()
    with caplog.at_level(logging.WARNING, logger="bybit_research.store.columns"):
        same_frame(download(client), reference)
    assert app.requests[KLINE] == 1  # that page, and only that one, came again
    assert (
        "dropped 1 damaged or outdated page(s)" in caplog.text
        and "its checksum does not match" in caplog.text
    )
    assert url in caplog.text
    app.reset_counts()
    same_frame(download(client), reference)
    assert app.requests[KLINE] == 0  # stored again, intact


def test_the_issue_case_random_bytes_inside_stored_pages_never_lose_candles(
    app: Any, open_client: Callable[..., Client], reference: pd.DataFrame, cache_file: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    # random bytes inside the arrays (not the file's structure): they gave 14 365 rows instead of 14 400
    rng = random.Random(5)
    for url, value in stored_pages(cache_file)[::2]:
        damaged = bytearray(value)
        at = rng.randrange(24, len(value) - 8)
        damaged[at : at + 8] = rng.randbytes(8)
        rewrite_page(cache_file, url, bytes(damaged))
    with caplog.at_level(logging.WARNING, logger="bybit_research.store.columns"):
        same_frame(download(open_client()), reference)
    assert app.requests[KLINE] == 8
    assert "dropped 8 damaged or outdated page(s)" in caplog.text


def test_a_page_stored_under_another_window_is_not_returned(
    app: Any, open_client: Callable[..., Client], reference: pd.DataFrame, cache_file: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    pages = stored_pages(cache_file)
    (first_url, first), (second_url, _) = pages[0], pages[1]
    rewrite_page(cache_file, second_url, first)  # intact bytes, wrong window
    with caplog.at_level(logging.WARNING, logger="bybit_research.fetch.kline_pages"):
        same_frame(download(open_client()), reference)
    assert app.requests[KLINE] == 1
    assert "dropped 1 stored page(s) of /v5/market/kline not fitting their windows" in caplog.text
    assert "outside its window" in caplog.text and first_url != second_url


def test_pages_of_the_earlier_format_without_a_checksum_are_fetched_again(
    app: Any, open_client: Callable[..., Client], reference: pd.DataFrame, cache_file: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    url, value = stored_pages(cache_file)[7]
    rows, width = struct.unpack_from("<IH", value, 4)
    earlier = struct.pack("<4sIH6xd", b"BRC1", rows, width, 1.0) + value[24:]  # the header before checksums
    rewrite_page(cache_file, url, earlier)
    with caplog.at_level(logging.WARNING, logger="bybit_research.store.columns"):
        same_frame(download(open_client()), reference)
    assert app.requests[KLINE] == 1 and "stored by an earlier version without a checksum" in caplog.text


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_bytes_anywhere_in_the_column_file_give_the_right_frame_or_a_typed_error(
    app: Any, open_client: Callable[..., Client], reference: pd.DataFrame, cache_file: Path, seed: int
) -> None:
    scribble(columns_path(cache_file), seed, runs=40)
    outcome = right_frame_or_typed_error(lambda: download(open_client()), reference, cache_file)
    assert outcome in ("right frame", "typed error")


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_a_truncated_column_file_gives_the_right_frame_or_a_typed_error(
    open_client: Callable[..., Client], reference: pd.DataFrame, cache_file: Path, keep: float
) -> None:
    path = columns_path(cache_file)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    right_frame_or_typed_error(lambda: download(open_client()), reference, cache_file)


# -- the request cache -------------------------------------------------------------------------------------


def stored_answer(cache_file: Path) -> tuple[str, bytes]:
    with sqlite3.connect(cache_file) as db:
        rows = db.execute("SELECT key, value FROM responses").fetchall()
    assert len(rows) == 1
    return rows[0]


def rewrite_answer(cache_file: Path, key: str, value: bytes) -> None:
    with sqlite3.connect(cache_file) as db:
        db.execute("UPDATE responses SET value = ? WHERE key = ?", (value, key))


@pytest.fixture
def instruments(app: Any, open_client: Callable[..., Client]) -> pd.DataFrame:
    """The instruments of a clean call, now in the request cache (cached for an hour)."""
    client = open_client()
    frame = client.instruments("linear")
    client.close()
    app.reset_counts()
    return frame


def test_a_damaged_answer_in_the_request_cache_is_dropped_and_fetched_again(
    app: Any, open_client: Callable[..., Client], instruments: pd.DataFrame, cache_file: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    key, value = stored_answer(cache_file)
    at = value.index(b'"tickSize":"0.10"')
    rewrite_answer(cache_file, key, value[:at] + b'"tickSize":"9.10"' + value[at + 17 :])  # still valid JSON
    client = open_client()
    with caplog.at_level(logging.WARNING, logger="bybit_research.http.transports.cache"):
        frame = client.instruments("linear")
    pd.testing.assert_frame_equal(frame.drop(columns=[]), instruments)
    assert app.requests[INSTRUMENTS] == 1
    assert "dropped a damaged answer from the request cache" in caplog.text
    assert "its body does not match its digest" in caplog.text and str(cache_file) in caplog.text
    app.reset_counts()
    pd.testing.assert_frame_equal(client.instruments("linear"), instruments)
    assert app.requests[INSTRUMENTS] == 0  # the fresh answer was stored


def test_offline_only_mode_names_the_damaged_file_and_how_to_clear_it(
    open_client: Callable[..., Client], instruments: pd.DataFrame, cache_file: Path
) -> None:
    key, value = stored_answer(cache_file)
    at = value.index(b'"tickSize":"0.10"')
    rewrite_answer(cache_file, key, value[:at] + b'"tickSize":"0.1X"' + value[at + 17 :])
    client = open_client(offline_only=True)
    with pytest.raises(CacheCorruptError) as info:
        client.instruments("linear")
    message = str(info.value)
    assert "a stored answer is damaged: its body does not match its digest" in message
    assert f"bybit-research cache clear --path {cache_file}" in message and "delete the file" in message


def test_an_answer_requests_cache_cannot_read_back_is_fetched_again(
    app: Any, open_client: Callable[..., Client], instruments: pd.DataFrame, cache_file: Path
) -> None:
    key, value = stored_answer(cache_file)
    rewrite_answer(cache_file, key, value[: len(value) // 3])  # a cut pickle
    pd.testing.assert_frame_equal(open_client().instruments("linear"), instruments)
    assert app.requests[INSTRUMENTS] == 1


def test_an_answer_without_a_digest_is_checked_to_be_a_v5_answer(
    app: Any, open_client: Callable[..., Client], instruments: pd.DataFrame, cache_file: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    key, value = stored_answer(cache_file)
    # as stored before digests (the header renamed), with the envelope no JSON any more
    value = value.replace(b"X-Bybit-Research-Body-Digest", b"X-Bybit-Research-Unknown-Xyz")
    rewrite_answer(cache_file, key, value.replace(b'{"retCode"', b'}"retCode"', 1))
    with caplog.at_level(logging.WARNING, logger="bybit_research.http.transports.cache"):
        pd.testing.assert_frame_equal(open_client().instruments("linear"), instruments)
    assert app.requests[INSTRUMENTS] == 1 and "its body is not valid JSON" in caplog.text


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_random_bytes_anywhere_in_the_request_cache_give_the_right_frame_or_a_typed_error(
    open_client: Callable[..., Client], instruments: pd.DataFrame, cache_file: Path, seed: int
) -> None:
    scribble(cache_file, seed, runs=30)

    def attempt() -> pd.DataFrame:
        return open_client().instruments("linear")

    started = time.monotonic()
    try:
        got = attempt()
    except CacheCorruptError as error:
        assert str(cache_file) in str(error) and "bybit-research cache clear" in str(error)
    else:
        pd.testing.assert_frame_equal(got, instruments)
    assert time.monotonic() - started < 30


@pytest.mark.parametrize("keep", [0.3, 0.8])
def test_a_truncated_request_cache_gives_the_right_frame_or_a_typed_error(
    open_client: Callable[..., Client], instruments: pd.DataFrame, cache_file: Path, keep: float
) -> None:
    data = cache_file.read_bytes()
    cache_file.write_bytes(data[: int(len(data) * keep)])
    try:
        got = open_client().instruments("linear")
    except CacheCorruptError as error:
        assert str(cache_file) in str(error) and "bybit-research cache clear" in str(error)
    else:
        pd.testing.assert_frame_equal(got, instruments)


def test_the_live_kline_page_from_a_damaged_request_cache_is_fetched_again(
    app: Any, open_client: Callable[..., Client], cache_file: Path
) -> None:
    # the page reaching "now" goes through the request cache (cached seconds): damage there is caught too
    client = open_client()
    live = client.klines("BTCUSDT", 60, limit=50)
    with sqlite3.connect(cache_file) as db:
        answers = db.execute("SELECT key, value FROM responses").fetchall()
    (key, value), *_ = [(k, v) for k, v in answers if KLINE.encode() in v]
    opened = str(NOW_MS // 3_600_000 * 3_600_000).encode()  # the open candle's start, in the body
    at = value.index(opened) + len(opened) - 1
    rewrite_answer(cache_file, key, value[:at] + b"7" + value[at + 1 :])  # ...000 -> ...007
    app.reset_counts()
    again = open_client().klines("BTCUSDT", 60, limit=50)
    pd.testing.assert_frame_equal(again, live)
    assert app.requests[KLINE] == 1
