"""The V5 client: one thread-safe ``httpx.Client`` over a stack of transports, and the V5 envelope.

``Client.fetch(path, params)`` sends one GET through cache -> rate limiter -> retry -> signing -> network (or
the in-process simulator) and returns a :class:`Reply`; ``Client.get`` returns just the ``result``. Non-zero
``retCode`` and HTTP errors raise the typed exceptions of :mod:`bybit_research.errors`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import numbers
import os
import re
import threading
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
import orjson
from requests_cache import BaseCache

from . import __version__
from .auth import ServerClock, mask_key, resolve_credentials
from .column_store import SQLiteColumnStore, column_store_for
from .config import (
    ENV_API_KEY,
    ENV_API_SECRET,
    ENV_CACHE,
    ENV_OFFLINE_ONLY,
    ENV_RSA_KEY_PATH,
    default_cache_path,
    env_flag,
    proxy_for,
    resolve_environment,
    validate_positive_int,
    validate_positive_seconds,
    validate_recv_window,
    validate_timeout,
)
from .errors import (
    AuthenticationError,
    CacheMissError,
    NetworkError,
    ServerError,
    error_for_http_status,
    error_for_ret_code,
    scrub_secrets,
)
from .lazyattr import lazy_attribute
from .market import MarketMixin
from .transports import RateLimiter, RetryPolicy, build_stack, shared_ip_budget
from .transports._common import ACCOUNT, AUTH, EXPIRE_AFTER, FROM_CACHE, REFRESH, envelope, ret_code
from .transports.cache import (
    DEFAULT_EXPIRE_AFTER,
    DO_NOT_CACHE,
    CacheTransport,
    open_sqlite_cache,
    validate_expire_after,
)
from .transports.lazy import LazyTransport
from .transports.ratelimit import DEFAULT_IP_BAN_S

__all__ = ["Client", "Reply", "build_query", "get_default_client", "set_default_client"]

#: answers that are stale at once: not cached unless the caller passes ``expire_after``. This only serves
#: the raw ``get()`` / ``fetch()`` hatch: the market functions set their expiry from the endpoint table.
VOLATILE_PATHS = frozenset(
    {"/v5/market/time", "/v5/market/tickers", "/v5/market/orderbook", "/v5/market/recent-trade"}
)
_MISSING_CREDENTIALS = (
    "needs an API key: pass api_key= and api_secret= (or rsa_private_key=) to Client, or set the environment "
    f"variables {ENV_API_KEY} and {ENV_API_SECRET} (or {ENV_RSA_KEY_PATH} for an RSA key)"
)


#: the envelope's closing ``"time":<ms>}``, read without decoding the body
_TRAILING_TIME = re.compile(rb'"time"\s*:\s*(\d+)\s*\}\s*$')


class Reply:
    """One successful V5 answer, its body decoded on first use (kline pages are read from their bytes).

    Attributes
    ----------
    result
        ``envelope["result"]`` (a list for ``/v5/market/historical-volatility``).
    body
        The whole decoded envelope.
    content
        The raw response body.
    from_cache
        Whether the answer was served from the on-disk cache.
    time_ms
        The envelope's ``time`` (server ms), ``None`` when absent.
    headers
        Response headers (``X-Bapi-Limit-*`` among them).
    """

    def __init__(
        self,
        content: bytes,
        from_cache: bool,
        headers: Mapping[str, str],
        body: dict[str, Any] | None = None,
    ) -> None:
        self.content = content
        self.from_cache = from_cache
        self.headers = headers
        if body is not None:
            self.__dict__["body"] = body

    @lazy_attribute
    def body(self) -> dict[str, Any]:
        """The whole decoded envelope."""
        decoded = orjson.loads(self.content)
        return decoded if isinstance(decoded, dict) else {}

    @property
    def result(self) -> Any:
        """``envelope["result"]``."""
        return self.body.get("result")

    @lazy_attribute
    def time_ms(self) -> int | None:
        """The envelope's ``time`` (server ms): read from the end of the body without decoding it."""
        trailing = _TRAILING_TIME.search(self.content, max(0, len(self.content) - 64))
        if trailing is not None:
            return int(trailing.group(1))
        value = self.body.get("time")
        return value if isinstance(value, int) else None

    def __repr__(self) -> str:
        return f"Reply(from_cache={self.from_cache}, time_ms={self.time_ms}, bytes={len(self.content)})"


def _encode_value(name: str, value: object) -> str:
    if type(value) is str:  # the common cases first: abstract-class checks are slow
        return value
    if type(value) is int:
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"parameter {name!r} must be a finite number, got {value!r}")
        return format(Decimal(repr(value)), "f")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, str):
        return value
    raise ValueError(
        f"parameter {name!r} must be a scalar (str, int, float, bool or Decimal), got {type(value).__name__}"
    )


def build_query(params: Mapping[str, Any] | None) -> str:
    """Return the query string the client sends (and signs) for ``params``.

    Keys are sorted, ``None`` values dropped, booleans written ``true``/``false``, floats without exponent,
    and values percent-encoded except RFC 3986 unreserved characters (so cursors containing ``%`` or ``=``
    survive).

    Raises
    ------
    ValueError
        When ``params`` is not a mapping of string keys to scalars.
    """
    if params is None:
        return ""
    if not isinstance(params, Mapping):
        raise ValueError(f"params must be a mapping of names to scalar values, got {type(params).__name__}")
    parts = []
    for name in sorted(params):
        if not isinstance(name, str) or not name:
            raise ValueError(f"parameter names must be non-empty strings, got {name!r}")
        value = params[name]
        if value is None:
            continue
        parts.append(f"{_quoted(name, '')}={_quoted(_encode_value(name, value), '-_.~')}")
    return "&".join(parts)


#: RFC 3986 unreserved characters, which ``quote`` never encodes: most names and values are only these
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")


def _quoted(text: str, safe: str) -> str:
    return text if _UNRESERVED.fullmatch(text) else quote(text, safe=safe)


def _offline_host(sim_app: Any) -> str | None:
    """A host name for the simulator's answers that changes with the settings its data depend on."""
    config = getattr(sim_app, "config", None)
    seed = getattr(config, "seed", None)
    if seed is None:
        return None
    data_settings = repr((seed, getattr(config, "now_ms", None)))
    digest = hashlib.blake2b(data_settings.encode(), digest_size=4).hexdigest()
    return f"http://sim-seed{seed}-{digest}.offline"


def _check_proxy(url: str) -> None:
    """Raise ``ValueError`` when httpx could not use ``url`` as a proxy (scheme, or socksio missing).

    Messages show the URL without its user and password."""
    shown = _without_credentials(url)
    try:
        scheme = httpx.Proxy(url).url.scheme
    except ValueError:
        raise ValueError(
            f"proxy {shown!r} is not usable: the scheme must be http, https, socks5 or socks5h"
        ) from None
    if scheme.startswith("socks") and importlib.util.find_spec("socksio") is None:
        raise ValueError(
            f"proxy {shown!r} is a SOCKS proxy, which needs the socksio package (pip install 'httpx[socks]')"
        )


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _validate_path(path: object) -> str:
    if not isinstance(path, str) or not path.startswith("/v5/") or "?" in path or "#" in path:
        raise ValueError(f"path must be a V5 path starting with '/v5/' and without a query, got {path!r}")
    return path


def _open_backend(
    cache: bool | BaseCache, cache_path: str | os.PathLike[str] | None, env: str
) -> BaseCache | None:
    if isinstance(cache, BaseCache) or cache is False:
        if cache_path is not None:
            what = "cache=False" if cache is False else "a cache backend object"
            raise ValueError(f"cache_path is only used with cache=True, but {what} was given")
        return None if cache is False else cache
    if cache is not True:
        raise ValueError(f"cache must be True, False or a requests-cache backend, got {type(cache).__name__}")
    if cache_path is not None:
        return open_sqlite_cache(cache_path)
    if env == "offline" and not os.environ.get(ENV_CACHE):
        # simulated data depends on the simulator's settings: keep it out of the user's cache file
        # unless asked
        return BaseCache()
    return open_sqlite_cache(default_cache_path())


class Client(MarketMixin):
    """A Bybit V5 REST client: environments, signing, retries, rate limiting and the on-disk cache.

    Parameters
    ----------
    env
        ``"mainnet"`` (default), ``"testnet"``, ``"demo"`` or ``"offline"`` (simulator in-process); ``None``
        reads ``BYBIT_RESEARCH_ENV``.
    base_url
        Any V5 base URL (overrides the host of ``env``), e.g. the URL of ``bybit_research.sim.serve()``.
    api_key, api_secret, rsa_private_key
        Credentials; default ``BYBIT_API_KEY`` with ``BYBIT_API_SECRET`` or ``BYBIT_RSA_PRIVATE_KEY_PATH``.
        ``rsa_private_key`` is a PEM file path or PEM text. ``env="offline"`` uses the simulator's demo key.
    recv_window
        ``X-BAPI-RECV-WINDOW`` in ms.
    timeout
        Seconds allowed for connecting and for each read.
    cache
        ``True`` (SQLite file, see ``cache_path``), ``False`` (no cache) or any requests-cache backend.
    cache_path
        SQLite cache file; default ``BYBIT_RESEARCH_CACHE`` or ``http_cache.sqlite`` in the user cache
        directory (offline: in memory unless ``cache_path`` or ``BYBIT_RESEARCH_CACHE`` is given).
    cache_private
        Also cache signed requests (keys, signatures and timestamps are never stored).
    offline_only
        Serve only from the cache and raise ``CacheMissError`` on a miss. ``None`` (default) reads
        ``BYBIT_RESEARCH_OFFLINE_ONLY``; an explicit ``True`` / ``False`` wins over it.
    sim_app
        The WSGI app mounted by ``env="offline"`` (default: ``bybit_research.sim.create_app()``).
    transport
        Innermost transport to use instead of the network (tests: ``httpx.MockTransport``).
    max_attempts, retry_max_time
        Retry bounds: attempts in total, and a deadline in seconds from the first attempt after which no
        attempt starts and to which every attempt's timeout is cut (a call ends within about
        ``retry_max_time``, plus rate-limit waits before its first attempt).
    ip_limit
        Client-side IP budget per 5 s (Bybit allows 600 per IP). Clients of the same host over the network
        share one budget in the process (the smallest ``ip_limit`` wins); a ``transport=`` or the offline
        simulator gets its own.
    ip_ban_s
        After an HTTP 403 (IP limit breached: Bybit bans the IP for at least 10 minutes), send nothing to
        the host for this many seconds; calls meanwhile raise ``RateLimitError`` without sending.
    limiter
        A ``RateLimiter`` to use instead of the shared budget (``ip_limit`` and ``ip_ban_s`` are then unused).
    proxy
        Proxy URL for the network; default from ``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``ALL_PROXY``, honouring
        ``NO_PROXY`` (httpx ignores them once a transport is built, so the client reads them itself).
    default_expire_after
        Cache expiry (s) of calls that do not pass ``expire_after``.
    concurrency
        Requests in flight at once when a call needs many pages (1 to 64; default 10). More hides more
        latency; the rate limiter still keeps the total under Bybit's IP limit.
    """

    def __init__(
        self,
        env: str | None = None,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        api_secret: str | None = None,
        rsa_private_key: str | os.PathLike[str] | None = None,
        recv_window: int = 5000,
        timeout: float = 10.0,
        cache: bool | BaseCache = True,
        cache_path: str | os.PathLike[str] | None = None,
        cache_private: bool = False,
        offline_only: bool | None = None,
        sim_app: Any = None,
        transport: httpx.BaseTransport | None = None,
        max_attempts: int = 5,
        retry_max_time: float = 60.0,
        ip_limit: int = 550,
        default_expire_after: float = DEFAULT_EXPIRE_AFTER,
        ip_ban_s: float = DEFAULT_IP_BAN_S,
        limiter: RateLimiter | None = None,
        proxy: str | None = None,
        concurrency: int = 10,
    ) -> None:
        self.env, self.base_url = resolve_environment(env, base_url)
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not 1 <= concurrency <= 64:
            raise ValueError(f"concurrency must be an integer in [1, 64], got {concurrency!r}")
        self.concurrency = concurrency
        self.recv_window = validate_recv_window(recv_window)
        self.timeout = validate_timeout(timeout)
        if sim_app is not None and self.env != "offline":
            raise ValueError("sim_app is only used with env='offline'")
        if isinstance(ip_limit, bool) or not isinstance(ip_limit, int) or not 1 <= ip_limit <= 600:
            raise ValueError(
                f"ip_limit must be an integer in [1, 600] (Bybit allows 600 per 5 s), got {ip_limit!r}"
            )
        retry_policy = RetryPolicy(
            max_attempts=validate_positive_int("max_attempts", max_attempts),
            max_time_s=validate_positive_seconds("retry_max_time", retry_max_time),
        )
        ip_ban_s = validate_positive_seconds("ip_ban_s", ip_ban_s)
        if limiter is not None and not isinstance(limiter, RateLimiter):
            raise ValueError(f"limiter must be a RateLimiter, got {type(limiter).__name__}")
        if proxy is not None and (transport is not None or self.env == "offline"):
            raise ValueError("proxy is only used for the network (not with transport= or env='offline')")
        if proxy is not None and (not isinstance(proxy, str) or "://" not in proxy):
            raise ValueError("proxy must be a URL such as 'http://proxy.example:3128'")
        expiry = validate_expire_after(default_expire_after)
        self.offline_only = env_flag(ENV_OFFLINE_ONLY) if offline_only is None else bool(offline_only)
        self._credentials = resolve_credentials(self.env, api_key, api_secret, rsa_private_key)
        self.cache_backend = _open_backend(cache, cache_path, self.env)
        self._owns_backend = self.cache_backend is not None and not isinstance(cache, BaseCache)
        #: parsed columns of closed kline-type pages, next to the request cache (None without one)
        self.column_store = column_store_for(self.cache_backend) if self.cache_backend is not None else None
        if self.offline_only and self.cache_backend is None:
            raise ValueError("offline_only needs a cache (cache=False was given)")

        if transport is None and self.env == "offline":
            if sim_app is None:
                from .sim import create_app

                sim_app = create_app()
            transport = httpx.WSGITransport(app=sim_app)
            # simulated data depend on the simulator's settings: keep cache keys of different settings apart
            self.base_url = _offline_host(sim_app) or self.base_url
        self.proxy = None if transport is not None else proxy_for(self.base_url, proxy)
        proxy_url = self.proxy
        if proxy_url is not None:
            _check_proxy(proxy_url)  # now, although the transport is built on the first request
        network = transport or LazyTransport(
            lambda: httpx.HTTPTransport(
                retries=0,
                limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
                proxy=proxy_url,
            )
        )
        self.clock = ServerClock()
        if limiter is not None:
            self.limiter = limiter
        else:
            # Bybit counts per IP: clients of one host over the network share a budget; a mock transport
            # or the in-process simulator (one app per host name) gets its own
            ip = None if transport is not None else shared_ip_budget(self.base_url, ip_limit, ban_s=ip_ban_s)
            self.limiter = RateLimiter(ip_limit=ip_limit, ip=ip, ip_ban_s=ip_ban_s, server_clock=self.clock)
        stack = build_stack(
            network,
            credentials=self._credentials,
            recv_window=self.recv_window,
            clock=self.clock,
            limiter=self.limiter,
            retry_policy=retry_policy,
            cache_backend=self.cache_backend,
            default_expire_after=DEFAULT_EXPIRE_AFTER if expiry is None else expiry,
            cache_private=cache_private,
            offline_only=self.offline_only,
        )
        self._cache = stack if isinstance(stack, CacheTransport) else None
        self._http = httpx.Client(
            transport=stack,
            timeout=httpx.Timeout(self.timeout),
            headers={"User-Agent": f"bybit_research/{__version__}"},
        )

    @property
    def has_credentials(self) -> bool:
        """Whether private endpoints can be called."""
        return self._credentials is not None

    def get(self, path: str, params: Mapping[str, Any] | None = None, *, auth: bool = False) -> Any:
        """Call any V5 GET endpoint and return its ``result`` (see :meth:`fetch`)."""
        return self.fetch(path, params, auth=auth).result

    def fetch(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        auth: bool = False,
        expire_after: float | None = None,
        refresh: bool = False,
    ) -> Reply:
        """Call a V5 GET endpoint through the cache, rate limiter, retries and signing.

        Parameters
        ----------
        path
            V5 path, e.g. ``"/v5/market/kline"``.
        params
            Query parameters with scalar values; ``None`` values are left out.
        auth
            Sign the request (private endpoints).
        expire_after
            Cache expiry in seconds for this answer (default: the client's, or not cached for server time,
            tickers, order books and recent trades): ``NEVER_EXPIRE`` (-1), ``DO_NOT_CACHE`` (0), or ``None``
            for the client's default.
        refresh
            Ignore a cached answer and store the fresh one.

        Returns
        -------
        Reply

        Raises
        ------
        ValueError
            Bad path, parameters or expiry (before any request).
        AuthenticationError
            ``auth=True`` without credentials (before any request), or the exchange refused the key.
        BybitError
            Any other non-zero ``retCode`` or HTTP error, as the subclass of its family.
        CacheMissError
            Offline-only mode and the answer is not cached.
        """
        path, request = self._request(path, params, auth, expire_after, refresh)
        try:
            response = self._http.send(request)
        except httpx.TransportError as exc:
            raise NetworkError(None, f"no answer after retries ({type(exc).__name__}: {exc})", path) from exc
        return _reply(path, response, self._api_key)

    def fetch_cached(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        auth: bool = False,
        expire_after: float | None = None,
    ) -> Reply | None:
        """Return the answer :meth:`fetch` would serve from the cache, or ``None`` if it needs the network.

        Nothing is sent and no rate-limit token is taken: paged calls look up all their pages this way first,
        then fetch only the missing ones concurrently. Arguments and errors as for :meth:`fetch`.
        """
        path, request = self._request(path, params, auth, expire_after, False)
        if self._cache is None:
            if self.offline_only:
                raise CacheMissError(None, "offline-only mode without a cache", path)
            return None
        answer = self._cache.cached_answer(request)
        return None if answer is None else _reply(path, answer, self._api_key)

    def page_url(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        """The URL :meth:`fetch` requests for ``path`` and ``params`` (the column store's key of a page).

        Raises ``ValueError`` for a path or parameters :meth:`fetch` would refuse."""
        path = _validate_path(path)
        query = build_query(params)
        return f"{self.base_url}{path}?{query}" if query else f"{self.base_url}{path}"

    @property
    def _api_key(self) -> str | None:
        return self._credentials.api_key if self._credentials else None

    def _request(
        self,
        path: str,
        params: Mapping[str, Any] | None,
        auth: bool,
        expire_after: float | None,
        refresh: bool,
    ) -> tuple[str, httpx.Request]:
        """Validate the arguments and build the GET request (not signed yet: signing happens per attempt)."""
        path = _validate_path(path)
        url = self.page_url(path, params)
        expiry = validate_expire_after(expire_after)
        if expiry is None and path in VOLATILE_PATHS:
            expiry = DO_NOT_CACHE
        extensions: dict[str, Any] = {AUTH: bool(auth), EXPIRE_AFTER: expiry, REFRESH: bool(refresh)}
        if auth:
            if self._credentials is None:
                raise AuthenticationError(None, f"the private endpoint {_MISSING_CREDENTIALS}", path)
            extensions[ACCOUNT] = self._credentials.fingerprint
        return path, self._http.build_request("GET", url, extensions=extensions)

    def close(self) -> None:
        """Close connections, and the cache backend unless it was passed in."""
        self._http.close()
        if isinstance(self.column_store, SQLiteColumnStore):
            self.column_store.close()
        if self._owns_backend and self.cache_backend is not None:
            self.cache_backend.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        key = mask_key(self._credentials.api_key) if self._credentials else None
        return f"Client(env={self.env!r}, base_url={self.base_url!r}, api_key={key!r})"


def _reply(path: str, response: httpx.Response, api_key: str | None = None) -> Reply:
    if response.status_code == 200 and ret_code(response) == 0:
        return Reply(response.content, bool(response.extensions.get(FROM_CACHE, False)), response.headers)
    body = envelope(response)
    status = response.status_code
    code = body.get("retCode") if body is not None else None
    # servers echo the signed string (API key included) in some messages: never pass it on
    message = scrub_secrets(str(body.get("retMsg", "")), api_key) if body is not None else ""
    if status != 200:
        if status != 403 and isinstance(code, int) and code != 0:
            raise error_for_ret_code(code, message, path, status)
        raise error_for_http_status(status, path, scrub_secrets(response.text, api_key))
    if body is None or not isinstance(code, int):
        text = scrub_secrets(response.text[:120], api_key)
        raise ServerError(None, f"the answer is not a V5 JSON envelope: {text!r}", path, http_status=200)
    if code != 0:
        raise error_for_ret_code(code, message, path, status)
    return Reply(response.content, bool(response.extensions.get(FROM_CACHE, False)), response.headers, body)


_default_client: Client | None = None
_default_lock = threading.Lock()


def get_default_client() -> Client:
    """Return the client used by the module-level functions, built from environment variables on first use."""
    global _default_client
    with _default_lock:
        if _default_client is None:
            _default_client = Client()
        return _default_client


def set_default_client(client: Client | None) -> None:
    """Make ``client`` the default client (``None`` forgets it, so the next use builds a fresh one)."""
    global _default_client
    if client is not None and not isinstance(client, Client):
        raise ValueError(f"set_default_client expects a Client or None, got {type(client).__name__}")
    with _default_lock:
        _default_client = client
