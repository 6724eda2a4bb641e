"""Cache transport: requests-cache storage, key creation and expiry, joined to httpx.

The transport keys each GET by its origin, path and sorted query parameters (:func:`request_key`) and stores
answers as requests-cache ``CachedResponse`` objects in any requests-cache backend (SQLite by default). Expiry
is chosen per request by the caller through the request extension ``bybit_research.expire_after`` (seconds,
or requests-cache's constants with requests-cache's meanings: :data:`NEVER_EXPIRE` keeps the answer for good,
:data:`EXPIRE_IMMEDIATELY` stores it already expired, :data:`DO_NOT_CACHE` neither reads nor stores).

What is stored: only HTTP 200 answers whose V5 ``retCode`` is 0. Signed (private) requests only when the
client opted in with ``cache_private=True``; since signing happens in a layer below this one, the stored
request and the key never contain the API key, signature or timestamp. A one-way fingerprint of the
credentials (key and secret) is mixed into the key so that two accounts never share answers.

A damaged cache never serves a wrong answer: each stored answer carries a digest of its body
(:data:`CHECKSUM_HEADER`); one whose body no longer matches it, or that requests-cache cannot rebuild, is
dropped with a logged warning and fetched again (offline-only mode, which may not ask the network, raises
:class:`~bybit_research.errors.CacheCorruptError` naming the file and how to clear it). A file another
process holds locked is waited for a few seconds at most (:mod:`bybit_research.http.sqlite_cache`), then the
network answers and the refusal is logged.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import orjson
import requests
from requests_cache import BaseCache, CachedRequest, CachedResponse
from requests_cache.policy import utcnow

from ...core.expiry import DO_NOT_CACHE, EXPIRE_IMMEDIATELY, NEVER_EXPIRE
from ...errors import (
    SQLITE_FAILURES,
    CacheMissError,
    cache_location,
    corrupt_cache_error,
    is_damaged,
    sqlite_failure,
)
from ..sqlite_cache import BoundedSQLiteCache, is_locked, open_sqlite_cache
from .extensions import ACCOUNT, AUTH, EXPIRE_AFTER, FROM_CACHE, REFRESH, buffered, ret_code

__all__ = [
    "CHECKSUM_HEADER",
    "DEFAULT_EXPIRE_AFTER",
    "DO_NOT_CACHE",
    "EXPIRE_IMMEDIATELY",
    "NEVER_EXPIRE",
    "CacheTransport",
    "Lookup",
    "body_digest",
    "damage_of",
    "keeps_bodies",
    "open_sqlite_cache",
    "replayed_headers",
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


@dataclass(frozen=True)
class Lookup:
    """What a cache lookup reads of a GET request (its method, URL and extensions), without the request."""

    url: httpx.URL
    extensions: Mapping[str, Any]
    method: str = "GET"


def replayed_headers(cached: CachedResponse) -> dict[str, str]:
    """The headers of a stored answer as they are replayed: without :data:`CHECKSUM_HEADER`."""
    return {k: v for k, v in cached.headers.items() if k.lower() != _CHECKSUM_LOWER}


def request_key(request: Lookup | httpx.Request, account: str | None = None) -> str:
    """The cache key of a GET request: a digest of its method, origin, path and query parameters in sorted
    order (the order they were given in does not matter; the signature's headers are never part of it), and
    of ``account``, the fingerprint of the credentials of a private request (two accounts never share an
    answer)."""
    url = request.url
    query = sorted(url.params.multi_items())
    parts = [request.method, url.scheme, url.host, url.port, url.path, query, account]
    return hashlib.blake2b(orjson.dumps(parts), digest_size=8).hexdigest()


def to_prepared_request(request: httpx.Request) -> requests.PreparedRequest:
    """Return the ``requests.PreparedRequest`` equivalent of an (unsigned) httpx GET request."""
    prepared = requests.PreparedRequest()
    headers = {k: v for k, v in request.headers.items() if not k.lower().startswith("x-bapi-")}
    prepared.prepare(method=request.method, url=str(request.url), headers=headers)
    return prepared


#: the stored header holding :func:`body_digest` of the answer's body (never replayed to the caller)
CHECKSUM_HEADER = "X-Bybit-Research-Body-Digest"
_CHECKSUM_LOWER = CHECKSUM_HEADER.lower()


def body_digest(content: bytes) -> str:
    """The digest of a body kept with its stored answer (BLAKE2b, 128 bits, hex)."""
    return hashlib.blake2b(content, digest_size=16).hexdigest()


def to_cached_response(prepared: requests.PreparedRequest, response: httpx.Response) -> CachedResponse:
    """Return the requests-cache representation of a buffered httpx response to ``prepared``, with the digest
    of its body in :data:`CHECKSUM_HEADER`."""
    headers = requests.structures.CaseInsensitiveDict(response.headers.items())
    headers[CHECKSUM_HEADER] = body_digest(response.content)
    return CachedResponse(
        content=response.content,
        status_code=response.status_code,
        reason=response.reason_phrase,
        url=prepared.url or "",
        headers=headers,
        request=CachedRequest.from_request(prepared),
        encoding=response.encoding or "utf-8",
    )


def to_httpx_response(cached: CachedResponse, request: httpx.Request) -> httpx.Response:
    """Return an httpx response replaying a cached answer to ``request``."""
    response = httpx.Response(
        cached.status_code,
        headers=list(replayed_headers(cached).items()),
        content=cached.content or b"",
        request=request,
        extensions={FROM_CACHE: True},
    )
    return buffered(response)


def keeps_bodies(backend: BaseCache) -> bool:
    """Whether ``backend`` gives bodies back byte for byte. Serializers that store a JSON body decoded (file,
    DynamoDB and other backends with ``decode_content``) write it out again differently: there a body can
    only be checked to be a successful V5 answer, not against its digest."""
    serializer = getattr(getattr(backend, "responses", None), "serializer", None)
    stages = getattr(serializer, "stages", ())
    return not any(getattr(stage, "decode_content", False) for stage in stages)


def damage_of(cached: CachedResponse, exact: bool = True) -> str | None:
    """What is wrong with a stored answer (``None``: it is intact).

    With ``exact`` bodies (:func:`keeps_bodies`), answers stored with a digest must match it; others (older
    answers without one, backends that rewrite bodies) must at least be a V5 envelope with retCode 0 (the only
    answers ever stored)."""
    content = cached.content if isinstance(cached.content, bytes) else b""
    expected = cached.headers.get(CHECKSUM_HEADER) if cached.headers is not None else None
    if exact and expected is not None:
        return None if expected == body_digest(content) else "its body does not match its digest"
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        return "its body is not valid JSON"
    if not isinstance(body, dict) or body.get("retCode") != 0:
        return "its body is not a successful V5 answer"
    return None


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
        self._exact_bodies = keeps_bodies(backend)
        # a paged call asks for the key of each page twice (looked up first, then stored after fetching)
        self._keys: dict[tuple[str, str | None], str] = {}

    def cache_key(self, request: Lookup | httpx.Request) -> str:
        """The key of ``request`` (:func:`request_key`, with the account fingerprint of a private one)."""
        account = request.extensions.get(ACCOUNT) if request.extensions.get(AUTH) else None
        url = str(request.url)
        key = self._keys.get((url, account))
        if key is not None:
            return key
        key = request_key(request, account)
        if len(self._keys) >= _MAX_REMEMBERED_KEYS:
            self._keys.clear()
        self._keys[(url, account)] = key
        return key

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        cached, key = self._consult(request)
        if cached is not None:
            return to_httpx_response(cached, request)
        response = self._forward(request)
        if key is not None and response.status_code == 200 and ret_code(response) == 0:
            self._store(key, request, response, self._expiry(request))
        return response

    def cached_answer(self, request: Lookup | httpx.Request) -> CachedResponse | None:
        """Return the stored answer :meth:`handle_request` would serve from the cache alone, or ``None`` when
        it would ask the network (a miss, an expired entry, ``refresh``, or a request that is not cached).

        ``request`` may be a :class:`Lookup`: what a lookup reads of a request, without building one (a warm
        history looks up each of its pages).

        Raises
        ------
        CacheMissError
            Offline-only mode and the answer is not cached (as :meth:`handle_request` would).
        """
        return self._consult(request)[0]

    def _expiry(self, request: Lookup | httpx.Request) -> float:
        expire_after = request.extensions.get(EXPIRE_AFTER)
        return self.default_expire_after if expire_after is None else expire_after

    def _consult(self, request: Lookup | httpx.Request) -> tuple[CachedResponse | None, str | None]:
        """Return the stored answer to serve (or None), and the key to store a fresh answer under (None when
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
                return cached, key
            if self.offline_only:
                raise self._miss(request, "not in the cache")
        return None, (key if expire_after != DO_NOT_CACHE else None)

    def _forward(self, request: httpx.Request) -> httpx.Response:
        response = buffered(self.inner.handle_request(request))
        response.extensions[FROM_CACHE] = False
        return response

    def _lookup(self, key: str) -> CachedResponse | None:
        try:
            cached = self.backend.get_response(key)
        except SQLITE_FAILURES as exc:
            if is_damaged(exc) or self.offline_only:
                raise sqlite_failure(self.backend, exc) from exc
            # locked or unreadable for now: the network can still answer
            doing = "could not read the request cache, asking the network"
            self._unavailable(exc, doing, "not readable", write=False)
            return None
        except Exception as exc:  # requests-cache could not rebuild the stored answer from its bytes
            self._drop_damaged(key, f"it cannot be read back ({type(exc).__name__}: {exc})")
            return None
        self._available(write=False)
        damage = damage_of(cached, self._exact_bodies) if cached is not None else None
        if damage is None:
            return cached
        self._drop_damaged(key, damage)
        return None

    def _drop_damaged(self, key: str, why: str) -> None:
        """Drop a damaged stored answer (it is fetched again), or raise in offline-only mode."""
        where = cache_location(self.backend)
        if self.offline_only:
            raise corrupt_cache_error(self.backend, ValueError(f"a stored answer is damaged: {why}"))
        log.warning("dropped a damaged answer from the request cache %s (%s); fetching it again", where, why)
        try:
            self.backend.delete(key)
        except (sqlite3.Error, UnicodeDecodeError, KeyError) as exc:  # the fresh answer replaces it anyway
            log.debug("could not delete the damaged answer %s: %s", key, exc)

    def _unavailable(self, exc: Exception, doing: str, other: str, *, write: bool) -> None:
        """Log that the cache could not be used now: ``doing`` once per outage for a lock on the SQLite cache,
        ``other`` (what failed) with the error for anything else."""
        if isinstance(self.backend, BoundedSQLiteCache) and is_locked(exc):
            self.backend.refused(exc, doing, write=write)
        else:
            log.warning("request cache %s: %s (%s)", cache_location(self.backend), other, exc)

    def _available(self, *, write: bool) -> None:
        if isinstance(self.backend, BoundedSQLiteCache):
            self.backend.served(write=write)

    def _store(self, key: str, request: httpx.Request, response: httpx.Response, expire_after: float) -> None:
        expires = None if expire_after == NEVER_EXPIRE else utcnow() + timedelta(seconds=expire_after)
        cached = to_cached_response(to_prepared_request(request), response)
        try:
            self.backend.save_response(cached, cache_key=key, expires=expires)
        except SQLITE_FAILURES as exc:
            if is_damaged(exc):
                raise corrupt_cache_error(self.backend, exc) from exc
            # locked, read-only or disk full: the answer is good, only storing it failed
            doing = "could not store an answer in the request cache"
            self._unavailable(exc, doing, "could not store an answer", write=True)
        else:
            self._available(write=True)

    def _miss(self, request: Lookup | httpx.Request, why: str) -> CacheMissError:
        message = (
            f"offline-only mode: {why}; the request would need the network ({request.url.query.decode()})"
        )
        return CacheMissError(None, message, request.url.path)

    def close(self) -> None:
        self.inner.close()
