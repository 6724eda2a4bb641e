"""``Session``: one thread-safe ``httpx.Client`` over the transport stack, and the V5 envelope.

``Session.fetch(path, params)`` sends one GET through cache -> rate limiter -> retry -> signing -> network (or
the in-process simulator) and returns a :class:`~bybit_research.http.reply.Reply`; non-zero ``retCode`` and
HTTP errors raise the typed exceptions of :mod:`bybit_research.errors`. The client composes one session.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from requests_cache import BaseCache

from .. import __version__
from ..config import ENV_API_KEY, ENV_API_SECRET, ENV_RSA_KEY_PATH
from ..errors import AuthenticationError, CacheMissError, NetworkError
from .clock import ServerClock
from .query import page_url, validate_path
from .reply import Reply, reply_of
from .settings import ClientSettings
from .transports import RateLimiter, build_stack, shared_ip_budget
from .transports.budget_keys import budget_key
from .transports.cache import (
    DEFAULT_EXPIRE_AFTER,
    DO_NOT_CACHE,
    CacheTransport,
    Lookup,
    replayed_headers,
    validate_expire_after,
)
from .transports.extensions import ACCOUNT, AUTH, EXPIRE_AFTER, REFRESH

__all__ = ["VOLATILE_PATHS", "Session"]

#: answers that are stale at once: not cached unless the caller passes ``expire_after``. This only serves
#: the raw ``get()`` / ``fetch()`` hatch: the public functions set their expiry from the endpoint table.
VOLATILE_PATHS = frozenset(
    {"/v5/market/time", "/v5/market/tickers", "/v5/market/orderbook", "/v5/market/recent-trade"}
)
MISSING_CREDENTIALS = (
    "needs an API key: pass api_key= and api_secret= (or rsa_private_key=) to Client, or set the environment "
    f"variables {ENV_API_KEY} and {ENV_API_SECRET} (or {ENV_RSA_KEY_PATH} for an RSA key)"
)


class Session:
    """The HTTP side of a client: the transport stack built from ``settings`` over ``network``.

    Parameters
    ----------
    settings
        The client's validated settings.
    network
        The innermost transport: the network (usually a lazily built ``httpx.HTTPTransport``), the in-process
        simulator or a test's mock.
    cache_backend
        The requests-cache backend, or ``None`` for no cache.
    shared_budget
        Whether the IP budget is the process-wide one of the exchange (clients over the network, whatever
        host name they use), or the client's own (a mock transport or the in-process simulator).
    """

    def __init__(
        self,
        settings: ClientSettings,
        network: httpx.BaseTransport,
        cache_backend: BaseCache | None,
        *,
        shared_budget: bool,
    ) -> None:
        self.settings = settings
        self.base_url = settings.base_url
        self.clock = ServerClock()
        if settings.limiter is not None:
            self.limiter = settings.limiter
        else:
            # the budget of the exchange, whatever host name reaches it (and per proxy: it sends from its IP)
            key = budget_key(settings.base_url, settings.proxy)
            ip = shared_ip_budget(key, settings.ip_limit, ban_s=settings.ip_ban_s) if shared_budget else None
            self.limiter = RateLimiter(
                ip_limit=settings.ip_limit, ip=ip, ip_ban_s=settings.ip_ban_s, server_clock=self.clock
            )
        expiry = validate_expire_after(settings.default_expire_after)
        stack = build_stack(
            network,
            credentials=settings.credentials,
            recv_window=settings.recv_window,
            clock=self.clock,
            limiter=self.limiter,
            retry_policy=settings.retry_policy,
            cache_backend=cache_backend,
            default_expire_after=DEFAULT_EXPIRE_AFTER if expiry is None else expiry,
            cache_private=settings.cache_private,
            offline_only=settings.offline_only,
        )
        self._cache = stack if isinstance(stack, CacheTransport) else None
        self.http = httpx.Client(
            transport=stack,
            timeout=httpx.Timeout(settings.timeout),
            headers={"User-Agent": f"bybit_research/{__version__}"},
        )

    @property
    def _api_key(self) -> str | None:
        credentials = self.settings.credentials
        return credentials.api_key if credentials else None

    def fetch(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        auth: bool = False,
        expire_after: float | None = None,
        refresh: bool = False,
    ) -> Reply:
        """Send one GET and return its :class:`Reply` (see :meth:`bybit_research.Client.fetch`)."""
        path, request = self._request(path, params, auth, expire_after, refresh)
        try:
            response = self.http.send(request)
        except httpx.TransportError as exc:
            raise NetworkError(None, _no_answer(exc, self.settings.env), path) from exc
        return reply_of(path, response, self._api_key)

    def fetch_cached(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        auth: bool = False,
        expire_after: float | None = None,
    ) -> Reply | None:
        """The answer :meth:`fetch` would serve from the cache, or ``None``; nothing is sent (nor built: the
        cache is asked by URL and extensions alone)."""
        path, url, extensions = self._target(path, params, auth, expire_after, False)
        if self._cache is None:
            if self.settings.offline_only:
                raise CacheMissError(None, "offline-only mode without a cache", path)
            return None
        cached = self._cache.cached_answer(Lookup(httpx.URL(url), extensions))
        if cached is None:
            return None
        # only answers of HTTP 200 and retCode 0 are ever stored: what reply_of would make of them
        return Reply(cached.content or b"", True, replayed_headers(cached), path=path)

    def page_url(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        """The URL :meth:`fetch` requests for ``path`` and ``params``."""
        return page_url(self.base_url, path, params)

    def check_auth(self, path: str) -> None:
        """Raise ``AuthenticationError`` naming the environment variables when no key is configured."""
        if self.settings.credentials is None:
            raise AuthenticationError(None, f"the private endpoint {MISSING_CREDENTIALS}", path)

    def _request(
        self,
        path: str,
        params: Mapping[str, Any] | None,
        auth: bool,
        expire_after: float | None,
        refresh: bool,
    ) -> tuple[str, httpx.Request]:
        """Validate the arguments and build the GET request (not signed yet: signing happens per attempt)."""
        path, url, extensions = self._target(path, params, auth, expire_after, refresh)
        return path, self.http.build_request("GET", url, extensions=extensions)

    def _target(
        self,
        path: str,
        params: Mapping[str, Any] | None,
        auth: bool,
        expire_after: float | None,
        refresh: bool,
    ) -> tuple[str, str, dict[str, Any]]:
        """Validate the arguments: the checked path, the URL and the request's extensions."""
        path = validate_path(path)
        url = self.page_url(path, params)
        expiry = validate_expire_after(expire_after)
        if expiry is None and path in VOLATILE_PATHS:
            expiry = DO_NOT_CACHE
        extensions: dict[str, Any] = {AUTH: bool(auth), EXPIRE_AFTER: expiry, REFRESH: bool(refresh)}
        if auth:
            self.check_auth(path)
            assert self.settings.credentials is not None
            extensions[ACCOUNT] = self.settings.credentials.fingerprint
        return path, url, extensions

    def close(self) -> None:
        """Close the connections."""
        self.http.close()


def _no_answer(exc: Exception, env: str) -> str:
    text = f"no answer after retries ({type(exc).__name__}: {exc})"
    if env in ("mainnet", "testnet", "demo"):
        text += (
            f"; {env} could not be reached. Without network access, use the built-in simulator: "
            "Client(env='offline') or BYBIT_RESEARCH_ENV=offline"
        )
    return text
