"""Inspect and clear the on-disk request cache: ``br.cache.info()``, ``br.cache.clear()``, the CLI.

The cache is a requests-cache backend, by default the SQLite file named by ``BYBIT_RESEARCH_CACHE`` or
``http_cache.sqlite`` in the user cache directory. Functions here act on, in order of preference: the
``backend`` argument, the SQLite file at ``path``, the cache of the default client if one has been created,
the default file. Expiry constants for ``Client.fetch(expire_after=...)`` are re-exported:
:data:`NEVER_EXPIRE`, :data:`DO_NOT_CACHE`.
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from requests_cache import BaseCache, CachedResponse
from requests_cache.backends.sqlite import SQLiteDict

from .column_store import ColumnStore, SQLiteColumnStore, column_store_for, columns_path
from .config import default_cache_path
from .errors import CacheCorruptError, CacheUnavailableError
from .transports.cache import DO_NOT_CACHE, NEVER_EXPIRE, cache_error, open_sqlite_cache

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DO_NOT_CACHE", "NEVER_EXPIRE", "CacheInfo", "EndpointUsage", "clear", "info", "main"]

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
    if path is None:
        from . import client

        default = client._default_client
        if default is not None and default.cache_backend is not None:
            yield default.cache_backend
            return
        path = default_cache_path()
    opened = open_sqlite_cache(path)
    try:
        yield opened
    finally:
        opened.close()


@contextmanager
def _columns_of(cache: BaseCache) -> Iterator[ColumnStore | None]:
    """The column store that goes with ``cache`` (the default client's own when it is that client's)."""
    from . import client

    default = client._default_client
    if default is not None and default.cache_backend is cache:
        yield default.column_store
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
    except sqlite3.Error as exc:
        raise cache_error(cache, exc) from exc


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
    except sqlite3.Error as exc:
        raise cache_error(cache, exc) from exc
    return int(entries), int(size), int(expired)


def info(
    *,
    path: str | os.PathLike[str] | None = None,
    backend: BaseCache | None = None,
    per_endpoint: bool = True,
) -> CacheInfo:
    """Describe the cache: entries, bytes, expired entries, and the same per endpoint.

    Parameters
    ----------
    path
        SQLite cache file to inspect.
    backend
        Any requests-cache backend to inspect instead.
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
    with _backend(path, backend) as cache, _columns_of(cache) as columns:
        stored = columns.usage() if columns is not None else {}
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
) -> int:
    """Remove cached answers (and stored kline pages) and return how many were removed.

    Parameters
    ----------
    endpoint
        Only answers of this path (``"/v5/market/kline"``); ``None`` for all.
    older_than
        Only answers stored before this: seconds, a duration string (``"7d"``, ``"12h"``) or ``timedelta``
        ago, or an absolute ``datetime`` (naive = UTC).
    path, backend
        The cache to act on (see the module docstring).

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
        with _backend(path, backend) as cache, _columns_of(cache) as columns:
            removed = 0
            if columns is not None:
                removed = columns.remove(endpoint, None if cutoff is None else cutoff.timestamp())
            if endpoint is None and cutoff is None:
                try:
                    count = len(cache.responses)
                    cache.clear()
                except sqlite3.Error as exc:
                    raise cache_error(cache, exc) from exc
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


def main(argv: list[str] | None = None) -> int:
    """``bybit-research cache info|clear``: print the cache's contents or clear it; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="bybit-research cache", description="inspect or clear the request cache"
    )
    parser.add_argument("--path", help="cache file (default: BYBIT_RESEARCH_CACHE or the user cache dir)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="entries, bytes and endpoints in the cache")
    clear_parser = sub.add_parser("clear", help="remove cached answers")
    clear_parser.add_argument("--endpoint", help="only this V5 path, e.g. /v5/market/kline")
    clear_parser.add_argument(
        "--older-than", metavar="AGE", help="only answers older than this: seconds, or a duration (7d, 12h)"
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    path = args.path or default_cache_path()
    try:
        if args.command == "info":
            print(info(path=path))
        else:
            older_than = args.older_than
            if older_than is not None and older_than.replace(".", "", 1).isdigit():
                older_than = float(older_than)
            removed = clear(args.endpoint, older_than, path=path)
            print(f"removed {removed} cached answers from {path}")
    except (CacheCorruptError, CacheUnavailableError, ValueError) as exc:
        print(f"bybit-research cache: {exc}", file=sys.stderr)
        return 1
    return 0
