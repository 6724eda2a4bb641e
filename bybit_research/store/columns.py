"""Parsed columns of closed kline-type pages, kept next to the request cache so a warm range loads at once.

The request cache (requests-cache) keeps every answer as it came, keyed by requests-cache's own key. Reading a
year of 1-minute candles back from it means 526 key computations, 526 reads and parsing 3.7 million numeric
strings again. Closed kline-type pages never change, so their parsed columns (epoch-ms times and a float64
matrix) are also stored here, keyed by the page's canonical URL, and a whole range comes back in one query
without any parsing.

What is stored: only pages whose window is wholly in the past (``NEVER_EXPIRE`` in the endpoint table's cache
policy, and the answer's own ``time`` past the window's end by a minute: the exchange's clock, not ours), of
endpoints whose rows are a time and numbers (:func:`bybit_research.frames.is_numeric_rows`), and
only when the request cache itself is in use: for the SQLite backend, the table ``page_columns`` of a file
next to the cache file (``http_cache.sqlite`` -> ``http_cache.columns.sqlite``, with 64 KB database pages,
which requests-cache's own file does not have); memory for the in-memory backend.
``bybit_research.cache.info()`` and ``clear()`` cover it too.

A stored value carries a checksum (:mod:`.page_format`): a page whose bytes were damaged, or that does not
fit its window (checked by :mod:`bybit_research.fetch.kline_pages`), is dropped with a logged warning and
fetched again, never returned. A file another process holds locked is waited for a few seconds at most, then
the store is skipped (pages come from the network) and the refusal is logged once
(:class:`~bybit_research.http.sqlite_cache.LockWait`).
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import numpy as np

from ..errors import SQLITE_FAILURES, corrupt_cache_error, is_damaged, sqlite_failure
from ..frames.columns import Columns
from ..http.sqlite_cache import LockWait, is_locked
from .damage import DamageLog
from .page_format import decode, encode, read, rows_in, stored_at

__all__ = [
    "ColumnStore",
    "MemoryColumnStore",
    "SQLiteColumnStore",
    "StoreUsage",
    "column_store_for",
    "columns_path",
    "decode",
    "encode",
    "stored_at",
]

log = logging.getLogger(__name__)

#: SQLite's default limit of ``?`` parameters in one statement is 32 766 (999 before 3.32): stay well below
_CHUNK = 900
TABLE = "page_columns"
#: how much of the file SQLite may memory-map for reading
_MMAP_BYTES = 1 << 30
_PAGE_SIZE = 65_536
#: more rows than any page has (V5 pages hold at most 1000)
_MAX_ROWS = 100_000


def columns_path(cache_path: str | Path) -> Path:
    """The column store's file next to a request cache file (``http_cache.sqlite`` ->
    ``http_cache.columns.sqlite``)."""
    path = Path(cache_path)
    return path.with_name(f"{path.stem}.columns{path.suffix}") if path.suffix else Path(f"{path}.columns")


class _Named:
    """Stand-in naming the request cache file in error messages."""

    def __init__(self, path: Path) -> None:
        self.db_path = path


@dataclass(frozen=True)
class StoreUsage:
    """Stored pages of one endpoint path: how many, and their bytes."""

    entries: int
    bytes: int


class ColumnStore(Protocol):
    """Where parsed pages are kept (keyed by their canonical URL)."""

    def get_many(self, urls: Sequence[str], width: int) -> dict[str, Columns]:
        """Return the stored pages among ``urls`` (missing and unreadable ones are left out)."""
        ...

    def put_many(self, pages: Mapping[str, Columns]) -> None:
        """Store pages; failures to write are logged, never raised (the data itself is good)."""
        ...

    def remove(self, path: str | None = None, before: float | None = None) -> int:
        """Remove the pages of endpoint ``path`` (all when None) stored before unix time ``before``."""
        ...

    def usage(self) -> dict[str, StoreUsage]:
        """Stored pages per endpoint path."""
        ...


def _path_of(url: str) -> str:
    return urlsplit(url).path


class MemoryColumnStore:
    """A :class:`ColumnStore` in memory, for the in-memory request cache."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._damage = DamageLog("the column store in memory")

    def get_many(self, urls: Sequence[str], width: int) -> dict[str, Columns]:
        with self._lock:
            blobs = {url: self._blobs[url] for url in urls if url in self._blobs}
        found: dict[str, Columns] = {}
        damaged: dict[str, str] = {}
        for url, blob in blobs.items():
            columns, why = read(blob, width)
            if columns is not None:
                found[url] = columns
            else:
                damaged[url] = str(why)
        self._damage.report(damaged)
        return found

    def put_many(self, pages: Mapping[str, Columns]) -> None:
        encoded = {url: encode(columns) for url, columns in pages.items()}
        with self._lock:
            self._blobs.update(encoded)
        self._damage.forget(pages)

    def remove(self, path: str | None = None, before: float | None = None) -> int:
        with self._lock:
            doomed = [
                url
                for url, blob in self._blobs.items()
                if (path is None or _path_of(url) == path)
                and (before is None or (stored_at(blob) or 0.0) < before)
            ]
            for url in doomed:
                del self._blobs[url]
        return len(doomed)

    def usage(self) -> dict[str, StoreUsage]:
        with self._lock:
            items = list(self._blobs.items())
        counts: dict[str, list[int]] = {}
        for url, blob in items:
            usage = counts.setdefault(_path_of(url), [0, 0])
            usage[0] += 1
            usage[1] += len(blob)
        return {path: StoreUsage(*usage) for path, usage in counts.items()}


class SQLiteColumnStore:
    """A :class:`ColumnStore` in the table ``page_columns`` of an SQLite file (see :func:`columns_path`).

    One connection per store, used under a lock (reads are one query per call, writes one transaction per
    call), in WAL mode so that other processes reading or writing the same file can go on. Another process's
    lock is waited for ``busy_timeout_ms`` at most (``None``: :data:`~bybit_research.http.sqlite_cache.
    LOCK_WAIT_S`), and not at all while the file stays locked; a file locked when the store is built is
    opened on first use.
    """

    def __init__(
        self,
        db_path: str | Path,
        busy_timeout_ms: int | None = None,
        cache_path: str | Path | None = None,
    ) -> None:
        self.db_path = Path(db_path)
        #: the request cache this store belongs to: errors name it (clearing it clears this file too)
        self.cache_path = Path(cache_path) if cache_path is not None else self.db_path
        wait_s = None if busy_timeout_ms is None else busy_timeout_ms / 1000
        self._wait = LockWait(self._unusable, wait_s, log)
        self._damage = DamageLog(str(self.db_path))
        self._lock = threading.Lock()
        self._open: sqlite3.Connection | None = None
        try:
            self._open = self._connect()
        except SQLITE_FAILURES as exc:
            if not is_locked(exc):
                raise
            # locked by another process: opened again by the first use (which skips the store if still locked)
            self._refused(exc, f"could not open the page columns in {self.db_path}", write=True)

    def _unusable(self, exc: BaseException) -> str:
        return (
            f"the column store {self.db_path} (of the request cache {self.cache_path}) cannot be used now "
            f"({type(exc).__name__}: {exc}): it is locked by another process, read-only, or the disk is "
            "full; pages come from the network meanwhile"
        )

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.db_path, isolation_level=None, check_same_thread=False)
        try:
            connection.execute(f"PRAGMA busy_timeout={self._wait.timeout_ms}")
            # pages of 64 KB: a stored page (~56 KB) is one or two database pages instead of fourteen, which
            # makes reading a year back three times faster (only a new file takes the setting)
            connection.execute(f"PRAGMA page_size={_PAGE_SIZE}")
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            # fold the WAL into the file every 4 MB while pages are written (in the pipeline thread), rather
            # than a whole year's 30 MB when the client closes
            connection.execute(f"PRAGMA wal_autocheckpoint={(4 << 20) // _PAGE_SIZE}")
            # pages are read straight from the mapped file instead of being copied through SQLite's cache
            connection.execute(f"PRAGMA mmap_size={_MMAP_BYTES}")
            connection.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} (url TEXT PRIMARY KEY, path TEXT NOT NULL, "
                "stored_at REAL NOT NULL, value BLOB NOT NULL)"
            )
        except SQLITE_FAILURES:
            connection.close()
            raise
        return connection

    @property
    def _connection(self) -> sqlite3.Connection:
        """The connection, opened again after :meth:`close` (as requests-cache does); hold the lock."""
        if self._open is None:
            self._open = self._connect()
        return self._open

    def _refused(self, exc: Exception, doing: str, *, write: bool) -> None:
        """Log a refusal (once per outage) and stop waiting for locks until the file works again; hold the
        lock (or be in ``__init__``)."""
        if is_damaged(exc):
            raise corrupt_cache_error(_Named(self.cache_path), exc) from exc
        if self._wait.failed(exc, doing, write=write):
            self._apply_wait()

    def _served(self, *, write: bool) -> None:
        if self._wait.succeeded(write=write):
            self._apply_wait()

    def _apply_wait(self) -> None:
        if self._open is not None:
            with contextlib.suppress(sqlite3.Error):
                self._open.execute(f"PRAGMA busy_timeout={self._wait.timeout_ms}")

    def get_many(self, urls: Sequence[str], width: int) -> dict[str, Columns]:
        """Return the stored pages among ``urls`` (see :class:`ColumnStore`); damaged ones are left out and
        logged.

        The pages are copied, as they are read, into one pair of arrays laid out in the order of ``urls``: the
        columns returned are consecutive slices of them, so a whole range is joined without another copy (see
        :func:`joined`), and no bytes object per page outlives its row.
        """
        if not urls:
            return {}
        with self._lock:
            try:
                found, damaged = self._read(urls, width)
            except SQLITE_FAILURES as exc:
                # locked or unreadable for now: the request cache and the network can still answer
                doing = f"page columns in {self.db_path} not readable, using the request cache"
                self._refused(exc, doing, write=False)
                return {}
            self._served(write=False)
        self._damage.report(damaged)
        return found

    def _read(self, urls: Sequence[str], width: int) -> tuple[dict[str, Columns], dict[str, str]]:
        damaged: dict[str, str] = {}
        rows_of = {}
        for url, size in self._select(urls, "LENGTH(value)"):
            rows = rows_in(int(size), width)
            if rows is None or rows > _MAX_ROWS:  # a damaged size must not size the arrays
                damaged[url] = f"{size} bytes, not a page of {width} value columns"
            else:
                rows_of[url] = rows
        order = [url for url in dict.fromkeys(urls) if url in rows_of]
        starts = np.cumsum([0] + [rows_of[url] for url in order])
        times = np.empty(int(starts[-1]), dtype=np.int64)
        values = np.empty((int(starts[-1]), width))
        slot = {url: (int(starts[i]), rows_of[url]) for i, url in enumerate(order)}
        found: dict[str, Columns] = {}
        for url, blob in self._select(order, "value"):
            begin, rows = slot[url]
            page, why = read(blob, width)
            if page is None or len(page.times) != rows:
                damaged[url] = why or "its size changed while it was read"
                continue
            times[begin : begin + rows] = page.times
            values[begin : begin + rows] = page.values
            found[url] = Columns(times[begin : begin + rows], values[begin : begin + rows])
        return found, damaged

    def _select(self, urls: Sequence[str], what: str) -> Iterable[tuple[str, Any]]:
        for chunk in _chunks(urls):
            marks = ",".join("?" * len(chunk))
            yield from self._connection.execute(
                f"SELECT url, {what} FROM {TABLE} WHERE url IN ({marks})", chunk
            )

    def put_many(self, pages: Mapping[str, Columns]) -> None:
        if not pages:
            return
        now = time.time()
        rows = [(url, _path_of(url), now, encode(columns, now)) for url, columns in pages.items()]
        with self._lock:
            try:
                connection = self._connection
                connection.execute("BEGIN IMMEDIATE")
                try:
                    connection.executemany(
                        f"INSERT OR REPLACE INTO {TABLE} (url, path, stored_at, value) VALUES (?, ?, ?, ?)",
                        rows,
                    )
                    connection.execute("COMMIT")
                except BaseException:
                    if connection.in_transaction:
                        with contextlib.suppress(sqlite3.Error):
                            connection.execute("ROLLBACK")
                    raise
            except SQLITE_FAILURES as exc:
                self._refused(exc, f"could not store page columns in {self.db_path}", write=True)
                return
            self._served(write=True)
        self._damage.forget(pages)

    def remove(self, path: str | None = None, before: float | None = None) -> int:
        clauses, args = _where(path, before)
        try:
            with self._lock:
                cursor = self._connection.execute(f"DELETE FROM {TABLE}{clauses}", args)
                if not clauses:
                    # everything went: give the space back (partial removals leave pages for reuse)
                    self._connection.execute("VACUUM")
        except SQLITE_FAILURES as exc:
            raise sqlite_failure(_Named(self.cache_path), exc) from exc
        return int(cursor.rowcount)

    def usage(self) -> dict[str, StoreUsage]:
        query = f"SELECT path, COUNT(*), SUM(LENGTH(value)) FROM {TABLE} GROUP BY path"
        try:
            with self._lock:
                rows = self._connection.execute(query).fetchall()
        except SQLITE_FAILURES as exc:
            raise sqlite_failure(_Named(self.cache_path), exc) from exc
        return {path: StoreUsage(int(entries), int(size)) for path, entries, size in rows}

    def close(self) -> None:
        """Close the connection (the next use opens it again)."""
        with self._lock:
            if self._open is not None:
                self._open.close()
                self._open = None


def _where(path: str | None, before: float | None) -> tuple[str, list[Any]]:
    conditions: list[str] = []
    args: list[Any] = []
    if path is not None:
        conditions.append("path = ?")
        args.append(path)
    if before is not None:
        conditions.append("stored_at < ?")
        args.append(before)
    return (" WHERE " + " AND ".join(conditions) if conditions else ""), args


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for at in range(0, len(items), _CHUNK):
        yield items[at : at + _CHUNK]


def column_store_for(backend: Any) -> ColumnStore | None:
    """Return the column store that goes with a requests-cache backend, or ``None`` for other backends.

    SQLite backends (a file) get the table ``page_columns`` in the file next to it named by
    :func:`columns_path` (a new connection per call: close it); the in-memory ``BaseCache`` (and an
    in-memory SQLite one) gets a :class:`MemoryColumnStore`, the same one for the same backend object; file,
    Redis, MongoDB and other backends get none (pages are then fetched and parsed each time).

    Raises
    ------
    CacheCorruptError, CacheUnavailableError
        When the SQLite file cannot be opened for the table.
    """
    from requests_cache import BaseCache, SQLiteCache

    if isinstance(backend, SQLiteCache):
        db_path = str(backend.db_path)
        if ":memory:" not in db_path and not db_path.startswith("file:"):
            try:
                return SQLiteColumnStore(columns_path(db_path), cache_path=db_path)
            except SQLITE_FAILURES as exc:
                raise sqlite_failure(backend, exc) from exc
    elif type(backend) is not BaseCache:
        return None
    # an in-memory request cache: one memory store per backend object, found again by cache.info()/clear()
    with _memory_lock:
        store = _memory_stores.get(backend)
        if store is None:
            store = _memory_stores[backend] = MemoryColumnStore()
    return store


_memory_stores: weakref.WeakKeyDictionary[Any, MemoryColumnStore] = weakref.WeakKeyDictionary()
_memory_lock = threading.Lock()
