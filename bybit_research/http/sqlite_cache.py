"""The SQLite request cache, with every wait for another process's lock bounded.

requests-cache's SQLite backend waits for a write lock forever (it repeats ``BEGIN IMMEDIATE`` until it gets
one), and opening it writes to the file (``CREATE TABLE IF NOT EXISTS`` inside a write transaction) even when
the tables exist. A process holding the file's write lock therefore stalled every call that stores an answer,
and ``Client()`` itself, for as long as it held the lock.

Here a connection waits at most :data:`LOCK_WAIT_S` for a lock, and once it has been refused one it does not
wait at all (:class:`LockWait`) until the file is usable again, so a call of many pages waits for a lock once,
not once per page; opening an existing cache does not write. Refusals are logged (the message of
:class:`~bybit_research.errors.CacheUnavailableError`) and the caller goes on without the cache: answers come
from the network. The column store (:mod:`bybit_research.store.columns`) uses the same :class:`LockWait`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from requests_cache import BaseCache, SQLiteCache
from requests_cache.backends.sqlite import SQLiteDict

from ..errors import SQLITE_FAILURES, cache_error, sqlite_failure

__all__ = ["LOCK_WAIT_S", "BoundedSQLiteCache", "LockWait", "is_locked", "open_sqlite_cache"]

log = logging.getLogger(__name__)

#: the longest a connection waits for another connection's lock on a cache file
LOCK_WAIT_S = 3.0


def is_locked(exc: BaseException) -> bool:
    """Whether an SQLite error means another connection holds a lock the operation needed."""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


class LockWait:
    """How long the connections to one cache file wait for a lock, and the log of refusals.

    :data:`LOCK_WAIT_S` normally; nothing while the file is known to be locked (from a refusal to the next
    operation that succeeds), so that a download of many pages is held up by a lock once.

    Parameters
    ----------
    describe
        The text logged for a refusal (the message of the error the failure stands for).
    wait_s
        The normal wait (``None``: :data:`LOCK_WAIT_S`).
    logger
        Where refusals are logged (the owner's logger).
    """

    def __init__(
        self,
        describe: Callable[[BaseException], str],
        wait_s: float | None = None,
        logger: logging.Logger = log,
    ) -> None:
        self._describe = describe
        self._log = logger
        self.wait_ms = int((LOCK_WAIT_S if wait_s is None else wait_s) * 1000)
        self._refused = False
        self._writes_refused = False
        self._lock = threading.Lock()

    @property
    def timeout_ms(self) -> int:
        """The ``busy_timeout`` connections should have now."""
        return 0 if self._refused else self.wait_ms

    @property
    def refused(self) -> bool:
        """Whether the latest operation on the file was refused a lock."""
        return self._refused

    def failed(self, exc: BaseException, doing: str, *, write: bool) -> bool:
        """Note that a read or a ``write`` failed with ``exc``; log ``doing`` (what could not be done, and
        what happens instead) with the error's description when this starts an outage. Returns whether the
        wait changed (the caller then sets the new ``busy_timeout`` on its connections)."""
        with self._lock:
            started = not self._refused
            self._refused = True
            self._writes_refused = self._writes_refused or write
        if started:
            self._log.warning("%s: %s", doing, self._describe(exc))
        return started

    def succeeded(self, *, write: bool) -> bool:
        """Note that a read or a ``write`` succeeded. A write ends an outage; a read only one in which nothing
        but reads failed (under another's write lock, reads of a WAL file go on while writes cannot). Returns
        whether the wait changed."""
        if not self._refused:
            return False
        with self._lock:
            ended = self._refused and (write or not self._writes_refused)
            if ended:
                self._refused = self._writes_refused = False
        if ended:
            self._log.info("the cache file is usable again")
        return ended


class BoundedSQLiteDict(SQLiteDict):
    """requests-cache's ``SQLiteDict`` whose lock waits are bounded by a :class:`LockWait`, and whose tables
    are created only when missing (a locked file then gets them on its first successful write)."""

    def __init__(self, db_path: Any, *, lock_wait: LockWait, **kwargs: Any) -> None:
        self.lock_wait = lock_wait
        self._tables_missing = False
        super().__init__(db_path, busy_timeout=lock_wait.timeout_ms, **kwargs)

    def init_db(self) -> None:
        """Create the table unless it is there already; a lock leaves that to the first write."""
        try:
            if not self._has_schema():
                super().init_db()
        except sqlite3.OperationalError as exc:
            if not is_locked(exc):
                raise
            self._tables_missing = True
            doing = f"could not prepare the table {self.table_name} (the first write that gets the lock will)"
            if self.lock_wait.failed(exc, doing, write=True):
                self.apply_wait()

    def _has_schema(self) -> bool:
        with self.connection() as con:
            columns = {row[1] for row in con.execute(f"PRAGMA table_info({self.table_name})")}
            index = con.execute("SELECT 1 FROM sqlite_master WHERE type='index' AND name='expires_idx'")
            return "expires" in columns and index.fetchone() is not None

    @contextmanager
    def connection(self, commit: bool = False) -> Iterator[sqlite3.Connection]:
        if commit and self._tables_missing and not self._active_transaction:
            self._tables_missing = False
            try:
                super().init_db()
            except sqlite3.OperationalError:
                self._tables_missing = True
                raise
        with super().connection(commit) as con:
            yield con

    @contextmanager
    def _acquire_sqlite_lock(self) -> Iterator[None]:
        # one attempt, waiting at most busy_timeout (requests-cache's own loop would wait forever); a failure
        # of the body is rolled back and raised, never swallowed
        with self._lock:
            assert self._connection is not None
            self._connection.execute("BEGIN IMMEDIATE")
            self._active_transaction = True
            try:
                yield
                self._connection.commit()
            except BaseException:
                if self._connection.in_transaction:
                    self._connection.rollback()
                raise
            finally:
                self._active_transaction = False

    def apply_wait(self) -> None:
        """Give the connection (and those opened later) the ``busy_timeout`` of :attr:`lock_wait`."""
        self.busy_timeout = self.lock_wait.timeout_ms
        with self._lock, contextlib.suppress(sqlite3.Error):
            if self._connection is not None:
                self._connection.execute(f"PRAGMA busy_timeout={self.busy_timeout}")


class BoundedSQLiteCache(SQLiteCache):
    """requests-cache's ``SQLiteCache`` over :class:`BoundedSQLiteDict` tables sharing one :class:`LockWait`.

    Parameters
    ----------
    db_path
        The cache file.
    lock_wait_s
        The longest wait for another connection's lock (``None``: :data:`LOCK_WAIT_S`).
    **kwargs
        As for ``SQLiteCache`` (``wal=True`` is what :func:`open_sqlite_cache` passes).
    """

    def __init__(self, db_path: str | os.PathLike[str], *, lock_wait_s: float | None = None, **kwargs: Any):
        # SQLiteCache.__init__ would build plain SQLiteDicts (which wait forever): only its base is run
        BaseCache.__init__(self, cache_name=str(db_path), **kwargs)
        self.lock_wait = LockWait(lambda exc: _named(cache_error(self, exc)), lock_wait_s)
        self.responses = BoundedSQLiteDict(
            db_path, table_name="responses", lock_wait=self.lock_wait, **kwargs
        )
        self.redirects = BoundedSQLiteDict(
            db_path,
            table_name="redirects",
            lock=self.responses._lock,
            serializer=None,
            lock_wait=self.lock_wait,
            **kwargs,
        )

    def clear(self) -> None:
        """Delete every stored answer. Failures are raised: unlike requests-cache's ``clear``, which deletes
        the file when clearing fails (a file another process holds locked included), this never deletes it
        (:func:`bybit_research.store.cache_admin.clear` deletes only a corrupt file)."""
        BaseCache.clear(self)

    def refused(self, exc: BaseException, doing: str, *, write: bool) -> None:
        """Note a lock refusal of ``doing`` (logged once per outage); later waits are skipped."""
        if self.lock_wait.failed(exc, doing, write=write):
            self._apply_wait()

    def served(self, *, write: bool) -> None:
        """Note a successful read or write (a write ends an outage, a read one of reads only)."""
        if self.lock_wait.succeeded(write=write):
            self._apply_wait()

    def _apply_wait(self) -> None:
        for table in (self.responses, self.redirects):
            if isinstance(table, BoundedSQLiteDict):
                table.apply_wait()


def open_sqlite_cache(path: str | os.PathLike[str], *, strict: bool = False) -> BoundedSQLiteCache:
    """Open (creating if needed) the SQLite cache file at ``path``, shared safely between processes.

    Parameters
    ----------
    path
        The cache file (``~`` is expanded; missing folders are created).
    strict
        Raise :class:`~bybit_research.errors.CacheUnavailableError` for a file locked by another process
        (the cache administration does); otherwise (a client) the refusal is logged and the cache is used as
        far as the lock allows: reads go on in WAL mode, answers are served from the network.

    Raises
    ------
    CacheCorruptError
        When the file exists but is not a readable SQLite database; the message says how to clear it.
    CacheUnavailableError
        When the file is read-only, the disk is full, or (``strict``) it is locked; the file is left
        untouched.
    """
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # WAL lets readers in other processes go on while one process writes
        backend = BoundedSQLiteCache(path, wal=True)
    except SQLITE_FAILURES as exc:
        raise sqlite_failure(_PathOnly(path), exc) from exc
    try:
        backend.responses.count()  # reads a page of the file: "not a database" shows here
    except SQLITE_FAILURES as exc:
        if not is_locked(exc) or strict:
            backend.close()
            raise sqlite_failure(_PathOnly(path), exc) from exc
        backend.refused(
            exc, "the request cache is locked; answers come from the network until it is free", write=False
        )
    if strict and backend.lock_wait.refused:
        backend.close()
        raise cache_error(_PathOnly(path), sqlite3.OperationalError("database is locked"))
    return backend


class _PathOnly:
    """Stand-in naming a cache file that could not be opened."""

    def __init__(self, path: Path) -> None:
        self.db_path = path


def _named(error: BaseException) -> str:
    """An error as the log shows it: its class name, then its message (``CacheUnavailableError: ...``)."""
    return f"{type(error).__name__}: {error}"
