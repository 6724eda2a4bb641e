"""Cache transport: requests-cache storage, key creation and expiry, joined to httpx.

The transport turns the ``httpx.Request`` into a ``requests.PreparedRequest`` for requests-cache's
:func:`~requests_cache.create_key` and stores answers as requests-cache ``CachedResponse`` objects in any
requests-cache backend (SQLite by default). Expiry is chosen per request by the caller through the request
extension ``bybit_research.expire_after`` (seconds, or requests-cache's constants with requests-cache's
meanings: :data:`NEVER_EXPIRE` keeps the answer for good, :data:`EXPIRE_IMMEDIATELY` stores it already
expired, :data:`DO_NOT_CACHE` neither reads nor stores).

What is stored: only HTTP 200 answers whose V5 ``retCode`` is 0. Signed (private) requests only when the
client opted in with ``cache_private=True``; since signing happens in a layer below this one, the stored
request and the key never contain the API key, signature or timestamp. A one-way fingerprint of the API key is
mixed into the key so that two accounts never share answers.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
from datetime import timedelta
from pathlib import Path

import httpx
import requests
from requests_cache import BaseCache, CachedRequest, CachedResponse, SQLiteCache, create_key
from requests_cache.policy import utcnow

from ...core.expiry import DO_NOT_CACHE, EXPIRE_IMMEDIATELY, NEVER_EXPIRE
from ...errors import CacheMissError, cache_error, cache_location, corrupt_cache_error, is_corruption
from .extensions import ACCOUNT, AUTH, EXPIRE_AFTER, FROM_CACHE, REFRESH, buffered, ret_code

__all__ = [
    "DEFAULT_EXPIRE_AFTER",
    "DO_NOT_CACHE",
    "EXPIRE_IMMEDIATELY",
    "NEVER_EXPIRE",
    "CacheTransport",
    "open_sqlite_cache",
    "validate_expire_after",
]

log = logging.getLogger(__name__)

#: expiry (s) when neither the caller nor the endpoint table says otherwise
DEFAULT_EXPIRE_AFTER = 60.0
#: keys remembered per transport (a few years of 1-minute pages)
_MAX_REMEMBERED_KEYS = 10_000


def validate_expire_after(expire_after: object) -> float | None:
    """Return ``expire_after`` as seconds (``None`` and the constants kept) or raise ``ValueError``.

    Allowed: ``None`` (the default), ``NEVER_EXPIRE`` (-1), ``EXPIRE_IMMEDIATELY`` (0), ``DO_NOT_CACHE``
    (requests-cache's sentinel), a positive number of seconds or a ``timedelta``.
    """
    if expire_after is None:
        return None
    if isinstance(expire_after, timedelta):
        expire_after = expire_after.total_seconds()
    allowed = "seconds >= 0, a timedelta, NEVER_EXPIRE, EXPIRE_IMMEDIATELY or DO_NOT_CACHE (requests-cache's)"
    if isinstance(expire_after, bool) or not isinstance(expire_after, int | float):
        raise ValueError(f"expire_after must be {allowed}, got {expire_after!r}")
    if expire_after in (NEVER_EXPIRE, DO_NOT_CACHE):
        return expire_after
    if not 0 <= expire_after <= _LONGEST_EXPIRY_S:
        raise ValueError(f"expire_after must be {allowed}, got {expire_after!r}")
    return float(expire_after)


#: the longest finite expiry accepted (100 years): beyond it ``timedelta`` overflows
_LONGEST_EXPIRY_S = 100 * 365 * 86_400


def to_prepared_request(request: httpx.Request) -> requests.PreparedRequest:
    """Return the ``requests.PreparedRequest`` equivalent of an (unsigned) httpx GET request."""
    prepared = requests.PreparedRequest()
    headers = {k: v for k, v in request.headers.items() if not k.lower().startswith("x-bapi-")}
    prepared.prepare(method=request.method, url=str(request.url), headers=headers)
    return prepared


def to_cached_response(prepared: requests.PreparedRequest, response: httpx.Response) -> CachedResponse:
    """Return the requests-cache representation of a buffered httpx response to ``prepared``."""
    return CachedResponse(
        content=response.content,
        status_code=response.status_code,
        reason=response.reason_phrase,
        url=prepared.url or "",
        headers=requests.structures.CaseInsensitiveDict(response.headers.items()),
        request=CachedRequest.from_request(prepared),
        encoding=response.encoding or "utf-8",
    )


def to_httpx_response(cached: CachedResponse, request: httpx.Request) -> httpx.Response:
    """Return an httpx response replaying a cached answer to ``request``."""
    response = httpx.Response(
        cached.status_code,
        headers=list(cached.headers.items()),
        content=cached.content or b"",
        request=request,
        extensions={FROM_CACHE: True},
    )
    return buffered(response)


class CacheTransport(httpx.BaseTransport):
    """Serve GET answers from a requests-cache backend and store fresh successful ones.

    Parameters
    ----------
    inner
        The next transport down (rate limiter); never called on a cache hit, so hits cost no rate-limit
        tokens.
    backend
        Any requests-cache backend (``SQLiteCache``, ``FileCache``, ``RedisCache``, ``BaseCache`` for
        memory...).
    default_expire_after
        Expiry (s) of requests that do not set one.
    cache_private
        Whether signed requests are cached too (off by default).
    offline_only
        Serve only from the cache (expired entries included); a miss raises :class:`CacheMissError`.
    """

    def __init__(
        self,
        inner: httpx.BaseTransport,
        backend: BaseCache,
        *,
        default_expire_after: float = DEFAULT_EXPIRE_AFTER,
        cache_private: bool = False,
        offline_only: bool = False,
    ) -> None:
        self.inner = inner
        self.backend = backend
        self.default_expire_after = default_expire_after
        self.cache_private = cache_private
        self.offline_only = offline_only
        # requests-cache's key normalises the URL, which costs about as much as a page's SQLite read; a paged
        # call asks for the key of each page twice (looked up first, then stored after fetching)
        self._keys: dict[tuple[str, str | None], str] = {}

    def cache_key(self, request: httpx.Request) -> str:
        """The requests-cache key of ``request`` (plus the account fingerprint for private requests)."""
        account = request.extensions.get(ACCOUNT) if request.extensions.get(AUTH) else None
        url = str(request.url)
        key = self._keys.get((url, account))
        if key is not None:
            return key
        key = create_key(to_prepared_request(request), match_headers=False)
        if account:
            key = hashlib.blake2b(f"{key}:{account}".encode(), digest_size=8).hexdigest()
        if len(self._keys) >= _MAX_REMEMBERED_KEYS:
            self._keys.clear()
        self._keys[(url, account)] = key
        return key

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer, key = self._consult(request)
        if answer is not None:
            return answer
        response = self._forward(request)
        if key is not None and response.status_code == 200 and ret_code(response) == 0:
            self._store(key, request, response, self._expiry(request))
        return response

    def cached_answer(self, request: httpx.Request) -> httpx.Response | None:
        """Return what :meth:`handle_request` would answer from the cache alone, or ``None`` when it would ask
        the network (a miss, an expired entry, ``refresh``, or a request that is not cached).

        Raises
        ------
        CacheMissError
            Offline-only mode and the answer is not cached (as :meth:`handle_request` would).
        """
        return self._consult(request)[0]

    def _expiry(self, request: httpx.Request) -> float:
        expire_after = request.extensions.get(EXPIRE_AFTER)
        return self.default_expire_after if expire_after is None else expire_after

    def _consult(self, request: httpx.Request) -> tuple[httpx.Response | None, str | None]:
        """Return the cached answer to serve (or None), and the key to store a fresh answer under (None when
        the answer must not be stored)."""
        expire_after = self._expiry(request)
        private = bool(request.extensions.get(AUTH))
        cacheable = request.method == "GET" and (self.cache_private or not private)
        if not cacheable or (expire_after == DO_NOT_CACHE and not self.offline_only):
            if self.offline_only:
                raise self._miss(request, "private requests are not cached (cache_private=False)")
            return None, None
        key = self.cache_key(request)
        if self.offline_only or not request.extensions.get(REFRESH):
            cached = self._lookup(key)
            if cached is not None and (self.offline_only or not cached.is_expired):
                return to_httpx_response(cached, request), key
            if self.offline_only:
                raise self._miss(request, "not in the cache")
        return None, (key if expire_after != DO_NOT_CACHE else None)

    def _forward(self, request: httpx.Request) -> httpx.Response:
        response = buffered(self.inner.handle_request(request))
        response.extensions[FROM_CACHE] = False
        return response

    def _lookup(self, key: str) -> CachedResponse | None:
        try:
            return self.backend.get_response(key)
        except sqlite3.Error as exc:
            if is_corruption(exc) or self.offline_only:
                raise cache_error(self.backend, exc) from exc
            # locked or unreadable for now: the network can still answer
            log.warning(
                "request cache %s not readable, asking the network (%s)", cache_location(self.backend), exc
            )
            return None

    def _store(self, key: str, request: httpx.Request, response: httpx.Response, expire_after: float) -> None:
        expires = None if expire_after == NEVER_EXPIRE else utcnow() + timedelta(seconds=expire_after)
        cached = to_cached_response(to_prepared_request(request), response)
        try:
            self.backend.save_response(cached, cache_key=key, expires=expires)
        except sqlite3.Error as exc:
            if is_corruption(exc):
                raise corrupt_cache_error(self.backend, exc) from exc
            # locked, read-only or disk full: the answer is good, only storing it failed
            log.warning(
                "could not store an answer in the request cache %s: %s", cache_location(self.backend), exc
            )

    def _miss(self, request: httpx.Request, why: str) -> CacheMissError:
        message = (
            f"offline-only mode: {why}; the request would need the network ({request.url.query.decode()})"
        )
        return CacheMissError(None, message, request.url.path)

    def close(self) -> None:
        self.inner.close()


def open_sqlite_cache(path: str | os.PathLike[str]) -> SQLiteCache:
    """Open (creating if needed) the SQLite cache file at ``path``, shared safely between processes.

    Raises
    ------
    CacheCorruptError
        When the file exists but is not a readable SQLite database; the message says how to clear it.
    CacheUnavailableError
        When the file is locked, read-only or the disk is full (the file is left untouched).
    """
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # WAL lets readers in other processes go on while one process writes; busy_timeout waits for locks
        backend = SQLiteCache(path, wal=True, busy_timeout=30_000)
        backend.responses.count()
    except sqlite3.Error as exc:
        raise cache_error(_PathOnly(path), exc) from exc
    return backend


class _PathOnly:
    """Stand-in naming a cache file that could not be opened."""

    def __init__(self, path: Path) -> None:
        self.db_path = path
