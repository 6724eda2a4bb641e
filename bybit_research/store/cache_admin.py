"""What the request cache holds and clearing it, the column store of parsed kline pages included.

Functions here act on, in order of preference: the ``backend`` argument (with its ``columns`` store when the
caller owns one), the SQLite file at ``path``, the default file (``BYBIT_RESEARCH_CACHE`` or
``http_cache.sqlite`` in the user cache directory). ``br.cache`` (:mod:`bybit_research.cache`) adds the
default client's own cache to that order.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from requests_cache import BaseCache, CachedResponse
from requests_cache.backends.sqlite import SQLiteDict

from ..config import default_cache_path
from ..errors import SQLITE_FAILURES, CacheCorruptError, sqlite_failure
from ..http.transports.cache import open_sqlite_cache
from .columns import ColumnStore, SQLiteColumnStore, column_store_for, columns_path

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CacheInfo", "EndpointUsage", "clear", "info"]

_SIDE_FILES = ("", "-wal", "-shm", "-journal")


@dataclass(frozen=True)
class EndpointUsage:
    """Cached answers of one endpoint: how many, their body bytes, how many have expired."""

    entries: int
    bytes: int
    expired: int


@dataclass(frozen=True)
class CacheInfo:
    """What the cache holds.

    Attributes
    ----------
    location
        The cache file (or the backend's description).
    entries
        Number of cached answers.
    bytes
        Size on disk (database and journal files, the column store's file included) for file backends, else
        the total size of cached bodies.
    expired
        Number of answers past their expiry (kept; offline-only mode still serves them).
    endpoints
        Per endpoint path (``"/v5/market/kline"``): :class:`EndpointUsage` (answers and stored pages).
    stored_pages
        How many of ``entries`` are closed kline-type pages kept as parsed columns (the column store,
        :mod:`bybit_research.column_store`), which never expire.
    """

    location: str
    entries: int
    bytes: int
    expired: int
    endpoints: dict[str, EndpointUsage] = field(default_factory=dict)
    stored_pages: int = 0

    def to_frame(self) -> pd.DataFrame:
        """One row per endpoint (index ``endpoint``); int64 columns ``entries``, ``bytes``, ``expired``."""
        import pandas as pd

        frame = pd.DataFrame(
            [(path, u.entries, u.bytes, u.expired) for path, u in sorted(self.endpoints.items())],
            columns=["endpoint", "entries", "bytes", "expired"],
        ).astype({"entries": "int64", "bytes": "int64", "expired": "int64"})
        return frame.set_index("endpoint")

    def __str__(self) -> str:
        lines = [
            f"cache: {self.location}",
            f"{self.entries} entries ({self.stored_pages} of them parsed kline pages), {self.bytes} bytes, "
            f"{self.expired} expired",
        ]
        lines += [
            f"  {p:<48} {u.entries:>7} entries {u.bytes:>12} bytes" for p, u in sorted(self.endpoints.items())
        ]
        return "\n".join(lines)


def _file_of(backend: BaseCache) -> Path | None:
    try:
        db_path = backend.db_path
    except (AttributeError, NotImplementedError):
        return None
    return Path(db_path) if db_path and ":memory:" not in str(db_path) else None


@contextmanager
def _backend(path: str | os.PathLike[str] | None, backend: BaseCache | None) -> Iterator[BaseCache]:
    if backend is not None:
        yield backend
        return
    opened = open_sqlite_cache(default_cache_path() if path is None else path, strict=True)
    try:
        yield opened
    finally:
        opened.close()


@contextmanager
def _columns_of(cache: BaseCache, given: ColumnStore | None) -> Iterator[ColumnStore | None]:
    """The column store that goes with ``cache``: ``given`` (the caller's own), else one opened here."""
    if given is not None:
        yield given
        return
    columns = column_store_for(cache)
    try:
        yield columns
    finally:
        if isinstance(columns, SQLiteColumnStore):
            columns.close()


def _responses(cache: BaseCache) -> Iterator[CachedResponse]:
    try:
        yield from cache.filter(valid=True, expired=True)
    except SQLITE_FAILURES as exc:
        raise sqlite_failure(cache, exc) from exc


def _sqlite_summary(cache: BaseCache) -> tuple[int, int, int] | None:
    """``(entries, body bytes, expired)`` read by SQL alone, without unpickling; ``None`` if not SQLite."""
    responses = getattr(cache, "responses", None)
    if not isinstance(responses, SQLiteDict):
        return None
    now = datetime.now(UTC).timestamp()
    query = (
        f"SELECT COUNT(*), COALESCE(SUM(LENGTH(value)), 0), "
        f"COALESCE(SUM(expires IS NOT NULL AND expires <= ?), 0) FROM {responses.table_name}"
    )
    try:
        with responses.connection() as con:
            entries, size, expired = con.execute(query, (now,)).fetchone()
    except SQLITE_FAILURES as exc:
        raise sqlite_failure(cache, exc) from exc
    return int(entries), int(size), int(expired)


def info(
    *,
    path: str | os.PathLike[str] | None = None,
    backend: BaseCache | None = None,
    columns: ColumnStore | None = None,
    per_endpoint: bool = True,
) -> CacheInfo:
    """Describe the cache: entries, bytes, expired entries, and the same per endpoint.

    Parameters
    ----------
    path
        SQLite cache file to inspect.
    backend
        Any requests-cache backend to inspect instead.
    columns
        The column store that goes with ``backend`` when the caller holds one open (else it is opened here).
    per_endpoint
        Break the figures down per endpoint. This reads (unpickles) every stored answer to learn its URL,
        which takes a while for a large cache; ``False`` counts with SQL alone for the SQLite backend
        (``endpoints`` is then empty).

    Raises
    ------
    CacheCorruptError
        When the file cannot be read (the message says how to clear it).
    CacheUnavailableError
        When the file is locked or otherwise unusable for now.
    """
    with _backend(path, backend) as cache, _columns_of(cache, columns) as store:
        stored = store.usage() if store is not None else {}
        stored_pages = sum(u.entries for u in stored.values())
        file = _file_of(cache)
        summary = None if per_endpoint else _sqlite_summary(cache)
        if summary is not None:
            entries, body_bytes, expired = summary
            size = _file_size(file) if file is not None else body_bytes
            location = str(file) if file is not None else repr(cache)
            return CacheInfo(
                location=location,
                entries=entries + stored_pages,
                bytes=size,
                expired=expired,
                stored_pages=stored_pages,
            )
        usage_of: dict[str, list[int]] = {p: [u.entries, u.bytes, 0] for p, u in stored.items()}
        for response in _responses(cache):
            usage = usage_of.setdefault(urlsplit(response.url or "").path, [0, 0, 0])
            usage[0] += 1
            usage[1] += response.size
            usage[2] += int(response.is_expired)
        endpoints = {p: EndpointUsage(*u) for p, u in usage_of.items()}
        size = _file_size(file) if file is not None else sum(u.bytes for u in endpoints.values())
        return CacheInfo(
            location=str(file) if file is not None else repr(cache),
            entries=sum(u.entries for u in endpoints.values()),
            bytes=size,
            expired=sum(u.expired for u in endpoints.values()),
            endpoints=endpoints,
            stored_pages=stored_pages,
        )


def _files_of(file: Path) -> list[str]:
    """The request cache file, the column store's file next to it, and their journals."""
    return [f"{base}{suffix}" for base in (file, columns_path(file)) for suffix in _SIDE_FILES]


def _file_size(file: Path) -> int:
    return sum(os.path.getsize(name) for name in _files_of(file) if os.path.exists(name))


#: ``older_than`` as text: a number and a unit (``"7d"``, ``"12h"``, ``"30min"``, ``"90s"``, ``"2w"``)
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(s|min|h|d|w)")
_UNIT_SECONDS = {"s": 1, "min": 60, "h": 3600, "d": 86_400, "w": 604_800}


def _cutoff(older_than: Any) -> datetime:
    if isinstance(older_than, str):
        duration = _DURATION.fullmatch(older_than.strip().lower())
        if duration is None:
            raise ValueError(f"older_than must be a duration such as '7d', '12h' or '30min': {older_than!r}")
        return datetime.now(UTC) - timedelta(seconds=float(duration[1]) * _UNIT_SECONDS[duration[2]])
    if isinstance(older_than, datetime):
        return older_than if older_than.tzinfo else older_than.replace(tzinfo=UTC)
    if isinstance(older_than, timedelta):
        return datetime.now(UTC) - older_than
    if isinstance(older_than, int | float) and not isinstance(older_than, bool) and older_than >= 0:
        return datetime.now(UTC) - timedelta(seconds=older_than)
    raise ValueError(
        f"older_than must be seconds, a duration string ('7d'), a timedelta or a datetime, got {older_than!r}"
    )


def _delete_files(file: Path) -> None:
    for name in _files_of(file):
        if os.path.exists(name):
            os.unlink(name)


def clear(
    endpoint: str | None = None,
    older_than: float | str | timedelta | datetime | None = None,
    *,
    path: str | os.PathLike[str] | None = None,
    backend: BaseCache | None = None,
    columns: ColumnStore | None = None,
) -> int:
    """Remove cached answers (and stored kline pages) and return how many were removed.

    Parameters
    ----------
    endpoint
        Only answers of this path (``"/v5/market/kline"``); ``None`` for all.
    older_than
        Only answers stored before this: seconds, a duration string (``"7d"``, ``"12h"``) or ``timedelta``
        ago, or an absolute ``datetime`` (naive = UTC).
    path, backend, columns
        The cache to act on (see the module docstring and :func:`info`).

    Notes
    -----
    A corrupt cache file ("file is not a database", "malformed") is deleted and recreated when clearing
    everything (no ``endpoint`` / ``older_than``). A locked, read-only or full one raises
    :class:`~bybit_research.errors.CacheUnavailableError` and is never deleted.
    """
    if endpoint is not None and (not isinstance(endpoint, str) or not endpoint.startswith("/v5/")):
        raise ValueError(f"endpoint must be a V5 path such as '/v5/market/kline', got {endpoint!r}")
    cutoff = _cutoff(older_than) if older_than is not None else None
    try:
        with _backend(path, backend) as cache, _columns_of(cache, columns) as store:
            removed = 0
            if store is not None:
                removed = store.remove(endpoint, None if cutoff is None else cutoff.timestamp())
            if endpoint is None and cutoff is None:
                try:
                    count = len(cache.responses)
                    cache.clear()
                except SQLITE_FAILURES as exc:
                    raise sqlite_failure(cache, exc) from exc
                return count + removed
            # filtering needs each answer's URL and age, so only here is every entry read
            keys = [
                response.cache_key
                for response in _responses(cache)
                if (endpoint is None or urlsplit(response.url or "").path == endpoint)
                and (cutoff is None or response.created_at < cutoff)
            ]
            cache.delete(*keys)
            return len(keys) + removed
    except CacheCorruptError:
        if endpoint is not None or cutoff is not None or backend is not None:
            raise
        file = Path(path) if path is not None else default_cache_path()
        _delete_files(file)
        open_sqlite_cache(file).close()
        return 0
