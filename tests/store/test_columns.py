"""The column store of closed kline pages (encoding, SQLite and memory stores) and ``lazy_attribute``."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests_cache
from requests_cache.backends.filesystem import FileCache

from bybit_research.core.lazy import lazy_attribute
from bybit_research.errors import CacheCorruptError, CacheUnavailableError
from bybit_research.frames import Columns, joined
from bybit_research.store import columns as cs
from bybit_research.store.columns import (
    MemoryColumnStore,
    SQLiteColumnStore,
    StoreUsage,
    column_store_for,
    columns_path,
    decode,
    encode,
    stored_at,
)

HEADER_BYTES = 24
KLINE = "http://h/v5/market/kline"
MARK = "http://h/v5/market/mark-price-kline"


def page(rows: int = 3, width: int = 2, first: int = 0) -> Columns:
    """A page of ``rows`` minute candles starting at ``first`` ms, values counting up from ``first``."""
    times = first + np.arange(rows, dtype=np.int64) * 60_000
    values = first + np.arange(rows * width, dtype=np.float64).reshape(rows, width)
    return Columns(times, values)


def assert_same(actual: Columns, expected: Columns) -> None:
    assert actual.times.dtype == np.int64 and actual.values.dtype == np.float64
    np.testing.assert_array_equal(actual.times, expected.times)
    np.testing.assert_array_equal(actual.values, expected.values)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Control ``time.time()`` as seen by the column store: set ``clock[0]``."""
    now = [1_000.0]
    monkeypatch.setattr(cs.time, "time", lambda: now[0])
    return now


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SQLiteColumnStore]:
    store = SQLiteColumnStore(tmp_path / "c.sqlite")
    yield store
    store.close()


@pytest.fixture(params=["sqlite", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """Each kind of column store, empty."""
    if request.param == "memory":
        yield MemoryColumnStore()
        return
    sqlite = SQLiteColumnStore(tmp_path / "c.sqlite")
    yield sqlite
    sqlite.close()


# -- encode / decode -----------------------------------------------------------------------------------------


def test_round_trip_keeps_times_values_dtypes_and_shape() -> None:
    columns = Columns(
        np.array([1_700_000_000_000, 1_700_000_060_000, -5], dtype=np.int64),
        np.array([[1.5, np.nan, -0.0], [np.inf, -np.inf, 2.25], [1e300, -1e-300, 0.1]]),
    )
    decoded = decode(encode(columns), 3)
    assert decoded is not None
    assert decoded.times.shape == (3,) and decoded.values.shape == (3, 3)
    assert_same(decoded, columns)
    assert np.isnan(decoded.values[0, 1])
    assert np.signbit(decoded.values[0, 2])  # -0.0 stays negative


def test_encode_converts_other_dtypes_to_int64_and_float64() -> None:
    columns = Columns(np.array([1, 2], dtype=np.int32), np.array([[3, 4], [5, 6]], dtype=np.int16))
    decoded = decode(encode(columns), 2)
    assert decoded is not None
    assert decoded.times.dtype == np.int64 and decoded.values.dtype == np.float64
    assert decoded.times.tolist() == [1, 2]
    assert decoded.values.tolist() == [[3.0, 4.0], [5.0, 6.0]]


def test_encode_of_a_fortran_ordered_matrix_keeps_rows() -> None:
    values = np.asfortranarray(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    decoded = decode(encode(Columns(np.arange(3), values)), 2)
    assert decoded is not None
    assert decoded.values.tolist() == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]


def test_encoded_size_is_header_plus_eight_bytes_per_number() -> None:
    assert len(encode(page(rows=5, width=3))) == HEADER_BYTES + 5 * 8 * (1 + 3)


def test_encoded_header_starts_with_magic() -> None:
    assert encode(page())[:4] == b"BRC2"


def test_round_trip_of_an_empty_page() -> None:
    empty = Columns(np.empty(0, dtype=np.int64), np.empty((0, 4)))
    blob = encode(empty, stored_at=5.0)
    assert len(blob) == HEADER_BYTES
    decoded = decode(blob, 4)
    assert decoded is not None
    assert decoded.times.shape == (0,) and decoded.values.shape == (0, 4)
    assert decoded.times.dtype == np.int64 and decoded.values.dtype == np.float64
    assert decoded.width == 4


@pytest.mark.parametrize("width", [1, 3, 0])
def test_decode_with_wrong_width_is_none(width: int) -> None:
    assert decode(encode(page(width=2)), width) is None


@pytest.mark.parametrize("cut", [1, 8, 100])
def test_decode_of_a_truncated_blob_is_none(cut: int) -> None:
    blob = encode(page(rows=4, width=2))
    assert decode(blob[: len(blob) - cut], 2) is None


@pytest.mark.parametrize("size", [0, 4, 23])
def test_decode_of_less_than_a_header_is_none(size: int) -> None:
    assert decode(encode(page())[:size], 2) is None


def test_decode_of_a_blob_with_extra_bytes_is_none() -> None:
    assert decode(encode(page()) + b"\0" * 8, 2) is None


def test_decode_with_wrong_magic_is_none() -> None:
    blob = encode(page())
    assert decode(b"XRC2" + blob[4:], 2) is None


def test_stored_at_reads_the_given_time() -> None:
    assert stored_at(encode(page(), stored_at=1_718_000_000.25)) == 1_718_000_000.25


def test_encode_without_a_time_stamps_the_current_time(clock: list[float]) -> None:
    clock[0] = 4_242.5
    assert stored_at(encode(page())) == 4_242.5


@pytest.mark.parametrize("blob", [b"", b"BRC2", b"XXXX" + b"\0" * 20])
def test_stored_at_of_something_else_is_none(blob: bytes) -> None:
    assert stored_at(blob) is None


def test_stored_at_does_not_change_the_decoded_page() -> None:
    first, second = encode(page(), stored_at=1.0), encode(page(), stored_at=2.0)
    assert first != second
    decoded_first, decoded_second = decode(first, 2), decode(second, 2)
    assert decoded_first is not None and decoded_second is not None
    assert_same(decoded_first, decoded_second)


# -- Columns -------------------------------------------------------------------------------------------------


def test_columns_width_is_the_number_of_value_columns() -> None:
    assert page(width=6).width == 6


def test_columns_rejects_different_row_counts() -> None:
    with pytest.raises(ValueError, match=r"times \(3,\) and values \(2, 1\) do not match"):
        Columns(np.arange(3), np.zeros((2, 1)))


def test_columns_rejects_one_dimensional_values() -> None:
    with pytest.raises(ValueError, match=r"times \(3,\) and values \(3,\) do not match"):
        Columns(np.arange(3), np.zeros(3))


def test_columns_rejects_three_dimensional_values() -> None:
    with pytest.raises(ValueError, match="do not match"):
        Columns(np.arange(2), np.zeros((2, 1, 1)))


# -- both stores ---------------------------------------------------------------------------------------------


def test_get_many_returns_only_the_stored_urls_asked_for(store: Any) -> None:
    a, b, c = page(first=1), page(first=2), page(first=3)
    store.put_many({f"{KLINE}?p=a": a, f"{KLINE}?p=b": b, f"{KLINE}?p=c": c})
    found = store.get_many([f"{KLINE}?p=a", f"{KLINE}?p=c", f"{KLINE}?p=unknown"], 2)
    assert sorted(found) == [f"{KLINE}?p=a", f"{KLINE}?p=c"]
    assert_same(found[f"{KLINE}?p=a"], a)
    assert_same(found[f"{KLINE}?p=c"], c)


def test_get_many_of_unknown_urls_is_empty(store: Any) -> None:
    store.put_many({f"{KLINE}?p=a": page()})
    assert store.get_many([f"{KLINE}?p=b", MARK], 2) == {}


def test_get_many_of_no_urls_is_empty(store: Any) -> None:
    store.put_many({f"{KLINE}?p=a": page()})
    assert store.get_many([], 2) == {}


def test_get_many_leaves_out_pages_of_another_width(store: Any) -> None:
    store.put_many({f"{KLINE}?w=2": page(width=2), f"{KLINE}?w=5": page(width=5)})
    assert list(store.get_many([f"{KLINE}?w=2", f"{KLINE}?w=5"], 5)) == [f"{KLINE}?w=5"]


def test_get_many_of_more_urls_than_one_query_takes(store: Any) -> None:
    pages = {f"{KLINE}?i={i}": page(rows=1, width=1, first=i) for i in range(1000)}
    store.put_many(pages)
    asked = [*pages, f"{KLINE}?i=missing"]
    found = store.get_many(asked, 1)
    assert len(found) == 1000
    assert set(found) == set(pages)
    assert found[f"{KLINE}?i=0"].times.tolist() == [0]
    assert found[f"{KLINE}?i=950"].times.tolist() == [950]
    assert found[f"{KLINE}?i=999"].values.tolist() == [[999.0]]


def test_get_many_past_the_first_chunk_only(store: Any) -> None:
    pages = {f"{KLINE}?i={i}": page(rows=1, width=1, first=i) for i in range(1000)}
    store.put_many(pages)
    unknown = [f"{KLINE}?unknown={i}" for i in range(950)]
    found = store.get_many([*unknown, f"{KLINE}?i=7"], 1)
    assert list(found) == [f"{KLINE}?i=7"]


def test_put_many_replaces_a_stored_page(store: Any) -> None:
    url = f"{KLINE}?p=a"
    store.put_many({url: page(rows=2, first=0)})
    store.put_many({url: page(rows=5, first=100)})
    found = store.get_many([url], 2)
    assert_same(found[url], page(rows=5, first=100))
    assert store.usage()["/v5/market/kline"].entries == 1


def test_put_many_of_nothing_stores_nothing(store: Any) -> None:
    store.put_many({})
    assert store.usage() == {}


def test_usage_of_an_empty_store_is_empty(store: Any) -> None:
    assert store.usage() == {}


def test_usage_counts_entries_and_bytes_per_path(store: Any, clock: list[float]) -> None:
    a, b, c = page(rows=3, width=2), page(rows=10, width=2), page(rows=1, width=4)
    store.put_many({f"{KLINE}?x=1": a, f"{KLINE}?x=2": b, f"{MARK}?x=1": c})
    usage = store.usage()
    assert usage == {
        "/v5/market/kline": StoreUsage(2, len(encode(a)) + len(encode(b))),
        "/v5/market/mark-price-kline": StoreUsage(1, len(encode(c))),
    }
    assert usage["/v5/market/kline"].bytes == 2 * HEADER_BYTES + (3 + 10) * 8 * 3


def test_usage_path_ignores_host_and_query(store: Any) -> None:
    store.put_many({"http://h/v5/market/kline?x=1": page(), "https://other:8080/v5/market/kline": page()})
    assert store.usage()["/v5/market/kline"].entries == 2
    assert list(store.usage()) == ["/v5/market/kline"]


def test_remove_by_path_keeps_other_paths(store: Any) -> None:
    store.put_many({f"{KLINE}?x=1": page(), f"{KLINE}?x=2": page(), f"{MARK}?x=1": page()})
    assert store.remove(path="/v5/market/kline") == 2
    assert list(store.usage()) == ["/v5/market/mark-price-kline"]
    assert list(store.get_many([f"{KLINE}?x=1", f"{MARK}?x=1"], 2)) == [f"{MARK}?x=1"]


def test_remove_of_an_unknown_path_removes_nothing(store: Any) -> None:
    store.put_many({f"{KLINE}?x=1": page()})
    assert store.remove(path="/v5/market/nothing") == 0
    assert store.usage()["/v5/market/kline"].entries == 1


def test_remove_before_a_time_keeps_newer_pages(store: Any, clock: list[float]) -> None:
    clock[0] = 100.0
    store.put_many({f"{KLINE}?old=1": page(), f"{MARK}?old=1": page()})
    clock[0] = 200.0
    store.put_many({f"{KLINE}?new=1": page()})
    assert store.remove(before=200.0) == 2  # strictly before: the page stored at 200 stays
    assert list(store.get_many([f"{KLINE}?old=1", f"{MARK}?old=1", f"{KLINE}?new=1"], 2)) == [
        f"{KLINE}?new=1"
    ]


def test_remove_before_a_time_after_everything_removes_all(store: Any, clock: list[float]) -> None:
    clock[0] = 100.0
    store.put_many({f"{KLINE}?a=1": page(), f"{KLINE}?a=2": page()})
    assert store.remove(before=100.5) == 2
    assert store.usage() == {}


def test_remove_by_path_and_time_needs_both(store: Any, clock: list[float]) -> None:
    clock[0] = 100.0
    store.put_many({f"{KLINE}?old=1": page(), f"{MARK}?old=1": page()})
    clock[0] = 300.0
    store.put_many({f"{KLINE}?new=1": page()})
    assert store.remove(path="/v5/market/kline", before=200.0) == 1
    assert sorted(store.get_many([f"{KLINE}?old=1", f"{MARK}?old=1", f"{KLINE}?new=1"], 2)) == [
        f"{KLINE}?new=1",
        f"{MARK}?old=1",
    ]


def test_remove_without_arguments_removes_everything(store: Any) -> None:
    store.put_many({f"{KLINE}?i={i}": page(rows=1) for i in range(7)})
    store.put_many({f"{MARK}?i={i}": page(rows=1) for i in range(4)})
    assert store.remove() == 11
    assert store.usage() == {}
    assert store.get_many([f"{KLINE}?i=0", f"{MARK}?i=0"], 2) == {}


def test_remove_of_an_empty_store_is_zero(store: Any) -> None:
    assert store.remove() == 0


def test_stored_page_is_stamped_with_the_time_of_put_many(store: Any, clock: list[float]) -> None:
    clock[0] = 123.0
    store.put_many({f"{KLINE}?x=1": page()})
    clock[0] = 999.0
    assert store.remove(before=123.0) == 0
    assert store.remove(before=123.0001) == 1


# -- SQLite store --------------------------------------------------------------------------------------------


def test_sqlite_store_writes_the_table_rows(tmp_path: Path, clock: list[float]) -> None:
    path = tmp_path / "c.sqlite"
    store = SQLiteColumnStore(path)
    clock[0] = 1_718_000_000.5
    store.put_many({f"{KLINE}?x=1": page()})
    store.close()
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT url, path, stored_at, value FROM page_columns").fetchall()
    assert len(rows) == 1
    url, path_column, stamp, blob = rows[0]
    assert (url, path_column, stamp) == (f"{KLINE}?x=1", "/v5/market/kline", 1_718_000_000.5)
    assert blob == encode(page(), 1_718_000_000.5)


def test_sqlite_store_keeps_pages_after_reopening(tmp_path: Path) -> None:
    first = SQLiteColumnStore(tmp_path / "c.sqlite")
    first.put_many({f"{KLINE}?x=1": page(rows=4)})
    first.close()
    second = SQLiteColumnStore(tmp_path / "c.sqlite")
    try:
        assert_same(second.get_many([f"{KLINE}?x=1"], 2)[f"{KLINE}?x=1"], page(rows=4))
    finally:
        second.close()


def test_sqlite_store_sees_pages_written_by_another_store(tmp_path: Path) -> None:
    writer, reader = SQLiteColumnStore(tmp_path / "c.sqlite"), SQLiteColumnStore(tmp_path / "c.sqlite")
    try:
        writer.put_many({f"{KLINE}?x=1": page()})
        assert list(reader.get_many([f"{KLINE}?x=1"], 2)) == [f"{KLINE}?x=1"]
    finally:
        writer.close()
        reader.close()


def test_sqlite_store_uses_write_ahead_logging(sqlite_store: SQLiteColumnStore) -> None:
    with sqlite3.connect(sqlite_store.db_path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_sqlite_store_db_path_is_a_path(tmp_path: Path) -> None:
    store = SQLiteColumnStore(str(tmp_path / "c.sqlite"))
    try:
        assert store.db_path == tmp_path / "c.sqlite"
    finally:
        store.close()


def test_sqlite_store_shares_the_file_with_requests_cache(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    backend = requests_cache.SQLiteCache(path)
    backend.responses["some-key"] = "a stored response"
    store = SQLiteColumnStore(path)
    try:
        store.put_many({f"{KLINE}?x=1": page()})
        backend.responses["other-key"] = "another response"
        assert list(store.get_many([f"{KLINE}?x=1"], 2)) == [f"{KLINE}?x=1"]
        assert backend.responses["some-key"] == "a stored response"
        assert sorted(backend.responses.keys()) == ["other-key", "some-key"]
        assert store.remove() == 1
        assert len(backend.responses) == 2  # clearing the columns leaves the request cache alone
    finally:
        store.close()
    with sqlite3.connect(path) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"responses", "redirects", "page_columns"} <= tables
        assert db.execute("SELECT COUNT(*) FROM responses").fetchone() == (2,)


def test_sqlite_store_leaves_out_undecodable_blobs(sqlite_store: SQLiteColumnStore) -> None:
    sqlite_store.put_many({f"{KLINE}?good=1": page()})
    truncated = encode(page())[:-3]
    with sqlite3.connect(sqlite_store.db_path) as db:
        db.executemany(
            "INSERT INTO page_columns (url, path, stored_at, value) VALUES (?, ?, ?, ?)",
            [
                (f"{KLINE}?bad=1", "/v5/market/kline", 1.0, b"not a page at all"),
                (f"{KLINE}?bad=2", "/v5/market/kline", 1.0, truncated),
                (f"{KLINE}?bad=3", "/v5/market/kline", 1.0, b""),
            ],
        )
    found = sqlite_store.get_many(
        [f"{KLINE}?good=1", f"{KLINE}?bad=1", f"{KLINE}?bad=2", f"{KLINE}?bad=3"], 2
    )
    assert list(found) == [f"{KLINE}?good=1"]
    assert_same(found[f"{KLINE}?good=1"], page())


def test_sqlite_store_on_a_garbage_file_raises_database_error(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"this is not an SQLite file " * 200)
    with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
        SQLiteColumnStore(path)


def test_sqlite_store_put_many_on_a_locked_file_logs_and_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "c.sqlite"
    store = SQLiteColumnStore(path, busy_timeout_ms=0)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with caplog.at_level(logging.WARNING, logger="bybit_research.store.columns"):
            store.put_many({f"{KLINE}?x=1": page()})
        assert "could not store page columns" in caplog.text and "locked" in caplog.text
        other.execute("ROLLBACK")
        assert store.get_many([f"{KLINE}?x=1"], 2) == {}
        store.put_many({f"{KLINE}?x=1": page()})  # the lock is gone: the store works again
        assert list(store.get_many([f"{KLINE}?x=1"], 2)) == [f"{KLINE}?x=1"]
    finally:
        other.close()
        store.close()


def test_sqlite_store_remove_on_a_locked_file_raises_cache_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    store = SQLiteColumnStore(path, busy_timeout_ms=0)
    store.put_many({f"{KLINE}?x=1": page()})
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(
            CacheUnavailableError, match=r"cannot be used now \(OperationalError: database is"
        ):
            store.remove()
        other.execute("ROLLBACK")
        assert store.remove() == 1
    finally:
        other.close()
        store.close()


def test_sqlite_store_from_eight_threads_at_once(sqlite_store: SQLiteColumnStore) -> None:
    start = threading.Barrier(8, timeout=10)
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            start.wait()
            for batch in range(5):
                sqlite_store.put_many(
                    {f"{KLINE}?w={worker}&b={batch}&i={i}": page(rows=2, first=worker) for i in range(20)}
                )
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    urls = [f"{KLINE}?w={w}&b={b}&i={i}" for w in range(8) for b in range(5) for i in range(20)]
    found = sqlite_store.get_many(urls, 2)
    assert len(found) == 800
    assert found[f"{KLINE}?w=6&b=4&i=19"].times.tolist() == [6, 60_006]
    assert sqlite_store.usage()["/v5/market/kline"].entries == 800


# -- column_store_for ----------------------------------------------------------------------------------------


def test_column_store_for_a_sqlite_file_uses_the_file_next_to_it(tmp_path: Path) -> None:
    backend = requests_cache.SQLiteCache(tmp_path / "c.sqlite")
    store = column_store_for(backend)
    assert isinstance(store, SQLiteColumnStore)
    try:
        assert store.db_path == tmp_path / "c.columns.sqlite" == columns_path(backend.db_path)
        assert store.cache_path == tmp_path / "c.sqlite"
        store.put_many({f"{KLINE}?x=1": page()})
        with sqlite3.connect(tmp_path / "c.columns.sqlite") as db:
            assert db.execute("SELECT COUNT(*) FROM page_columns").fetchone() == (1,)
            assert db.execute("PRAGMA page_size").fetchone() == (65_536,)
    finally:
        store.close()


def test_columns_path_names_the_file_next_to_the_cache() -> None:
    assert columns_path("/c/http_cache.sqlite") == Path("/c/http_cache.columns.sqlite")
    assert columns_path("/c/cache") == Path("/c/cache.columns")
    assert columns_path(Path("x.db")) == Path("x.columns.db")


def test_column_store_for_the_memory_cache_is_in_memory() -> None:
    assert isinstance(column_store_for(requests_cache.BaseCache()), MemoryColumnStore)


def test_column_store_for_the_same_memory_cache_is_the_same_store() -> None:
    backend = requests_cache.BaseCache()
    first = column_store_for(backend)
    assert first is not None
    first.put_many({f"{KLINE}?x=1": page()})
    second = column_store_for(backend)
    assert second is first
    assert list(second.get_many([f"{KLINE}?x=1"], 2)) == [f"{KLINE}?x=1"]


def test_column_store_for_two_memory_caches_are_two_stores() -> None:
    one, two = requests_cache.BaseCache(), requests_cache.BaseCache()
    first, second = column_store_for(one), column_store_for(two)
    assert first is not None and second is not None and first is not second
    first.put_many({f"{KLINE}?x=1": page()})
    assert second.get_many([f"{KLINE}?x=1"], 2) == {}


def test_column_store_for_the_same_sqlite_memory_cache_is_the_same_store() -> None:
    backend = requests_cache.SQLiteCache("mem", use_memory=True)
    first, second = column_store_for(backend), column_store_for(backend)
    assert isinstance(first, MemoryColumnStore) and second is first


@pytest.mark.parametrize("options", [{"db_path": ":memory:"}, {"db_path": "mem", "use_memory": True}])
def test_column_store_for_a_sqlite_cache_in_memory_is_in_memory(options: dict[str, Any]) -> None:
    assert isinstance(column_store_for(requests_cache.SQLiteCache(**options)), MemoryColumnStore)


def test_column_store_for_a_file_cache_is_none(tmp_path: Path) -> None:
    assert column_store_for(FileCache(tmp_path / "fc")) is None


def test_column_store_for_another_object_is_none() -> None:
    assert column_store_for(object()) is None


def test_column_store_for_a_corrupt_file_raises_cache_corrupt_error(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    backend = requests_cache.SQLiteCache(path)
    (tmp_path / "c.columns.sqlite").write_bytes(b"garbage " * 1000)
    with pytest.raises(CacheCorruptError, match="It is probably corrupt") as caught:
        column_store_for(backend)
    assert str(path) in str(caught.value)
    assert f"bybit-research cache clear --path {path}" in str(caught.value)
    assert isinstance(caught.value.__cause__, sqlite3.DatabaseError)


def test_column_store_for_an_unopenable_file_raises_cache_unavailable_error(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    backend = requests_cache.SQLiteCache(path)
    (tmp_path / "c.columns.sqlite").mkdir()  # a directory where the file goes: SQLite cannot open it
    with pytest.raises(CacheUnavailableError, match="unable to open database file") as caught:
        column_store_for(backend)
    assert str(path) in str(caught.value)
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)


# -- lazy_attribute ------------------------------------------------------------------------------------------


class Counted:
    def __init__(self, base: int) -> None:
        self.base = base
        self.calls = 0

    @lazy_attribute
    def doubled(self) -> int:
        """Twice the base."""
        self.calls += 1
        return self.base * 2


def test_lazy_attribute_is_computed_once_per_instance() -> None:
    item = Counted(21)
    assert (item.doubled, item.doubled, item.doubled) == (42, 42, 42)
    assert item.calls == 1


def test_lazy_attribute_is_stored_in_the_instance_dict() -> None:
    item = Counted(5)
    assert "doubled" not in vars(item)
    _ = item.doubled
    assert vars(item)["doubled"] == 10


def test_lazy_attribute_values_of_two_instances_are_independent() -> None:
    one, two = Counted(1), Counted(100)
    assert (one.doubled, two.doubled) == (2, 200)
    assert (one.calls, two.calls) == (1, 1)
    one.base = 7
    assert one.doubled == 2  # kept, not recomputed


def test_lazy_attribute_on_the_class_is_the_descriptor() -> None:
    descriptor = Counted.doubled
    assert isinstance(descriptor, lazy_attribute)
    assert descriptor.name == "doubled"
    assert descriptor.__doc__ == "Twice the base."


def test_lazy_attribute_takes_the_name_it_is_assigned_to() -> None:
    def compute(self: Any) -> str:
        return "value"

    class Renamed:
        alias = lazy_attribute(compute)

    item = Renamed()
    assert item.alias == "value"
    assert vars(item) == {"alias": "value"}


def test_lazy_attribute_can_be_assigned_and_deleted() -> None:
    item = Counted(3)
    item.doubled = -1
    assert item.doubled == -1 and item.calls == 0
    del item.doubled
    assert item.doubled == 6 and item.calls == 1


def test_lazy_attribute_error_is_raised_each_time_and_nothing_kept() -> None:
    class Failing:
        calls = 0

        @lazy_attribute
        def value(self) -> int:
            type(self).calls += 1
            raise KeyError("no value")

    item = Failing()
    for _ in range(2):
        with pytest.raises(KeyError, match="no value"):
            _ = item.value
    assert Failing.calls == 2 and "value" not in vars(item)


def test_lazy_attribute_of_different_instances_computed_in_parallel() -> None:
    a_started, b_done = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    class Waiting:
        def __init__(self, name: str) -> None:
            self.name = name

        @lazy_attribute
        def value(self) -> str:
            if self.name == "a":
                a_started.set()
                # only instance b's computation, in another thread, sets this
                outcome["a saw b"] = b_done.wait(timeout=5)
            else:
                b_done.set()
            return self.name.upper()

    a, b = Waiting("a"), Waiting("b")
    first = threading.Thread(target=lambda: outcome.setdefault("a", a.value), daemon=True)
    second = threading.Thread(target=lambda: outcome.setdefault("b", b.value), daemon=True)
    first.start()
    assert a_started.wait(timeout=5)
    second.start()
    second.join(timeout=5)
    first.join(timeout=10)
    assert not first.is_alive() and not second.is_alive()
    assert outcome == {"a saw b": True, "a": "A", "b": "B"}


# -- pages read together are joined without a copy ----------------------------------------------------------


def test_pages_read_together_are_consecutive_slices_joined_without_a_copy(
    sqlite_store: SQLiteColumnStore,
) -> None:
    urls = [f"{KLINE}?w={i}" for i in range(5)]
    sqlite_store.put_many({url: page(rows=4, first=i * 240_000) for i, url in enumerate(urls)})
    found = sqlite_store.get_many(list(reversed(urls)), 2)
    parts = [found[url] for url in reversed(urls)]  # in the order asked for
    together = joined(parts)
    assert together is not None
    # pages w4, w3, ... w0, each ascending inside
    assert together.times.tolist() == [(4 - k // 4) * 240_000 + k % 4 * 60_000 for k in range(20)]
    assert together.values.tolist() == [row for part in parts for row in part.values.tolist()]
    assert np.shares_memory(together.values, parts[0].values) and together.values.flags.writeable
    assert joined([found[url] for url in urls]) is None  # not in the order they were read in


def test_joined_refuses_pages_that_are_not_one_run_of_the_same_arrays(
    sqlite_store: SQLiteColumnStore,
) -> None:
    sqlite_store.put_many({f"{KLINE}?w={i}": page(first=i) for i in range(3)})
    found = sqlite_store.get_many([f"{KLINE}?w={i}" for i in range(3)], 2)
    assert joined([found[f"{KLINE}?w=0"], found[f"{KLINE}?w=2"]]) is None  # a page missing between
    assert joined([page(), page(first=180_000)]) is None  # separate arrays
    assert joined([decode(encode(page()), 2)]) is None  # a view of stored bytes (the memory store)
    assert joined([]) is None
