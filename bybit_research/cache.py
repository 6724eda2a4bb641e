"""``br.cache``: what the request cache holds, and clearing it.

The functions act on, in order of preference: the ``backend`` argument, the SQLite file at ``path``, the cache
of the default client if one has been created, the default file (``BYBIT_RESEARCH_CACHE`` or
``http_cache.sqlite`` in the user cache directory). The column store of parsed kline pages is covered too.
Expiry constants for ``Client.fetch(expire_after=...)`` are re-exported with requests-cache's meanings:
:data:`NEVER_EXPIRE`, :data:`EXPIRE_IMMEDIATELY`, :data:`DO_NOT_CACHE`.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from requests_cache import BaseCache

from .client import default_client_cache
from .core.expiry import DO_NOT_CACHE, EXPIRE_IMMEDIATELY, NEVER_EXPIRE
from .store import cache_admin
from .store.cache_admin import CacheInfo, EndpointUsage
from .store.columns import ColumnStore

__all__ = [
    "DO_NOT_CACHE",
    "EXPIRE_IMMEDIATELY",
    "NEVER_EXPIRE",
    "CacheInfo",
    "EndpointUsage",
    "clear",
    "info",
]


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
    backend, columns = _default(path, backend)
    return cache_admin.info(path=path, backend=backend, columns=columns, per_endpoint=per_endpoint)


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
    backend, columns = _default(path, backend)
    return cache_admin.clear(endpoint, older_than, path=path, backend=backend, columns=columns)


def _default(path: object, backend: BaseCache | None) -> tuple[BaseCache | None, ColumnStore | None]:
    """The default client's cache and column store when neither ``path`` nor ``backend`` names one."""
    if path is not None or backend is not None:
        return backend, None
    default = default_client_cache()
    if default is None or default[0] is None:
        return None, None
    return default
