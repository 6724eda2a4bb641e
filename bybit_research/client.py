"""``Client``: validated settings, an HTTP session and the store of parsed pages, with every public function
bound as a method (by the registry of :mod:`bybit_research._api`; no mixins).

``Client.fetch(path, params)`` sends one GET through cache -> rate limiter -> retry -> signing -> network (or
the in-process simulator) and returns a :class:`~bybit_research.http.Reply`; ``Client.get`` returns just the
``result``. The module also holds the default client of the module-level functions (``br.klines(...)``).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import httpx
from requests_cache import BaseCache

from . import _api
from .config import ENV_CACHE, default_cache_path
from .core.expiry import DO_NOT_CACHE
from .core.time import now_ms
from .errors import BybitError, NetworkError, ServerError
from .http import ClientSettings, Reply, Session
from .http.credentials import Credentials, mask_key
from .http.transports.cache import DEFAULT_EXPIRE_AFTER, open_sqlite_cache
from .http.transports.lazy import LazyTransport
from .http.transports.ratelimit import DEFAULT_IP_BAN_S, RateLimiter
from .http.transports.retry import RetryTransport
from .store.columns import ColumnStore, SQLiteColumnStore, column_store_for

__all__ = ["PUBLIC_ARCHIVE_URL", "Client", "get_default_client", "set_default_client"]

#: Bybit's public file host: daily trade archives (``/trading/``, ``/spot/``)
PUBLIC_ARCHIVE_URL = "https://public.bybit.com"


def _offline_host(sim_app: Any) -> str | None:
    """A host name for the simulator's answers that changes with the settings its data depend on."""
    config = getattr(sim_app, "config", None)
    seed = getattr(config, "seed", None)
    if seed is None:
        return None
    data_settings = repr((seed, getattr(config, "now_ms", None)))
    digest = hashlib.blake2b(data_settings.encode(), digest_size=4).hexdigest()
    return f"http://sim-seed{seed}-{digest}.offline"


def _open_backend(settings: ClientSettings) -> BaseCache | None:
    cache = settings.cache
    if isinstance(cache, BaseCache):
        return cache
    if cache is False:
        return None
    if settings.cache_path is not None:
        return open_sqlite_cache(settings.cache_path)
    if settings.env == "offline" and not os.environ.get(ENV_CACHE):
        # simulated data depends on the simulator's settings: keep it out of the user's cache file unless
        # asked
        return BaseCache()
    return open_sqlite_cache(default_cache_path())


def _demo_credentials(env: str) -> Credentials | None:
    """The simulator's demo key for ``env="offline"`` (no credentials needed there), else none."""
    if env != "offline":
        return None
    from .sim.credentials import DEMO_API_KEY, DEMO_API_SECRET

    return Credentials.hmac(DEMO_API_KEY, DEMO_API_SECRET)


@_api.bind_methods
class Client:
    """A Bybit V5 REST client: environments, signing, retries, rate limiting and the on-disk cache.

    Every public function of the package is also a method (``Client(env="testnet").klines(...)``).

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
        Client-side IP budget per 5 s (Bybit allows 600 per IP). Clients of the same exchange share one
        budget in the process, whatever host name each uses (api.bybit.com, api.bytick.com and the regional
        hosts are one; other hosts are known by resolved address and port, clients behind a proxy by the
        proxy); the smallest ``ip_limit`` wins. A ``transport=`` or the offline simulator gets its own.
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

    Attributes
    ----------
    settings
        The validated :class:`~bybit_research.http.ClientSettings`.
    column_store
        Parsed columns of closed kline-type pages, next to the request cache (``None`` without one).
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
        settings = ClientSettings.create(
            env,
            base_url=base_url,
            api_key=api_key,
            api_secret=api_secret,
            rsa_private_key=rsa_private_key,
            default_credentials=_demo_credentials,
            offline_only=offline_only,
            proxy=proxy,
            recv_window=recv_window,
            timeout=timeout,
            cache=cache,
            cache_path=cache_path,
            cache_private=cache_private,
            sim_app=sim_app,
            transport=transport,
            max_attempts=max_attempts,
            retry_max_time=retry_max_time,
            ip_limit=ip_limit,
            default_expire_after=default_expire_after,
            ip_ban_s=ip_ban_s,
            limiter=limiter,
            concurrency=concurrency,
        )
        network = settings.transport
        if network is None and settings.env == "offline":
            app = settings.sim_app
            if app is None:
                from .sim import create_app

                app = create_app()
            network = httpx.WSGITransport(app=app)
            # simulated data depend on the simulator's settings: keep cache keys of different settings apart
            settings = _with_base_url(settings, _offline_host(app) or settings.base_url)
        self.settings = settings
        self.cache_backend = _open_backend(settings)
        self._owns_backend = self.cache_backend is not None and not isinstance(settings.cache, BaseCache)
        self.column_store = column_store_for(self.cache_backend) if self.cache_backend is not None else None
        shared = network is None
        if network is None:
            proxy_url = settings.proxy
            network = LazyTransport(
                lambda: httpx.HTTPTransport(
                    retries=0,
                    limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
                    proxy=proxy_url,
                )
            )
        self._session = Session(settings, network, self.cache_backend, shared_budget=shared)
        self._clock_learned = False
        self._clock_lock = threading.Lock()
        self._network = network
        self._archive: httpx.Client | None = None

    # ------------------------------------------------------------------------------------------ settings

    @property
    def env(self) -> str:
        """The environment name (``"mainnet"``, ``"offline"``, ``"custom"`` for a base URL, ...)."""
        return self.settings.env

    @property
    def base_url(self) -> str:
        """The V5 base URL requests go to."""
        return self.settings.base_url

    @property
    def concurrency(self) -> int:
        """Requests in flight at once when a call needs many pages."""
        return self.settings.concurrency

    @property
    def recv_window(self) -> int:
        """``X-BAPI-RECV-WINDOW`` in ms."""
        return self.settings.recv_window

    @property
    def timeout(self) -> float:
        """Seconds allowed for connecting and for each read."""
        return float(self.settings.timeout)

    @property
    def offline_only(self) -> bool:
        """Whether answers come only from the cache."""
        return self.settings.offline_only

    @property
    def proxy(self) -> str | None:
        """The proxy URL of the network (``None``: direct)."""
        return self.settings.proxy

    @property
    def has_credentials(self) -> bool:
        """Whether private endpoints can be called."""
        return self.settings.credentials is not None

    @property
    def clock(self) -> Any:
        """The exchange's clock as learned from ``/v5/market/time`` (a
        :class:`~bybit_research.http.clock.ServerClock`)."""
        return self._session.clock

    @property
    def limiter(self) -> RateLimiter:
        """The rate limiter (the IP budget and the per-endpoint budgets of private calls)."""
        return self._session.limiter

    @property
    def _http(self) -> httpx.Client:
        return self._session.http

    # ---------------------------------------------------------------------------------------- requests

    def get(self, path: str, params: Mapping[str, Any] | None = None, *, auth: bool = False) -> Any:
        """Call any V5 GET endpoint and return its ``result`` (see :meth:`fetch`): the escape hatch for what
        the public functions do not cover yet."""
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
            Cache expiry in seconds for this answer, or requests-cache's constants with their meanings:
            ``NEVER_EXPIRE`` (-1, keep for good), ``EXPIRE_IMMEDIATELY`` (0, stored already expired),
            ``DO_NOT_CACHE`` (neither read nor stored); ``None`` for the client's default (server time,
            tickers, order books and recent trades are then not cached).
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
        return self._session.fetch(path, params, auth=auth, expire_after=expire_after, refresh=refresh)

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
        return self._session.fetch_cached(path, params, auth=auth, expire_after=expire_after)

    def page_url(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        """The URL :meth:`fetch` requests for ``path`` and ``params`` (the column store's key of a page).

        Raises ``ValueError`` for a path or parameters :meth:`fetch` would refuse."""
        return self._session.page_url(path, params)

    def check_auth(self, path: str) -> None:
        """Raise ``AuthenticationError`` naming the environment variables when this client has no API key (a
        private endpoint ``path`` cannot be signed); nothing is sent."""
        self._session.check_auth(path)

    def server_now_ms(self) -> int:
        """The exchange's current time in epoch ms as this client sees it.

        The first call asks ``/v5/market/time`` once (never cached) and teaches the client's clock the offset,
        so that "is this page closed?" is decided by the exchange's clock (the simulator's may be fixed in the
        past). Without a reachable server (offline-only cache, a failed request) the local clock is used and
        the next call asks again.
        """
        clock = self._session.clock
        with self._clock_lock:
            # learned here, or by the signing layer's resync after a 10002
            learned = self._clock_learned or clock.learned_at is not None
        if not learned:
            try:
                sent = now_ms()
                reply = self.fetch("/v5/market/time", expire_after=DO_NOT_CACHE)
                received = now_ms()
                server = reply.time_ms or int(reply.result["timeSecond"]) * 1000
                clock.learn(int(server), sent, received)
                with self._clock_lock:
                    self._clock_learned = True
            except (BybitError, KeyError, TypeError, ValueError):
                pass  # asked again on the next call
        return int(clock.now_ms())

    # ------------------------------------------------------------------------------- public trade archive

    @property
    def archive_url(self) -> str | None:
        """Base URL of Bybit's public file host (the daily trade archive): ``https://public.bybit.com`` for
        mainnet and demo (demo trades on mainnet's market), the base URL itself for a custom URL and the
        simulator (which serve the same paths), ``None`` for testnet (which has no archive)."""
        if self.env in ("mainnet", "demo"):
            return PUBLIC_ARCHIVE_URL
        return None if self.env == "testnet" else self.base_url

    def archive_get(self, path: str) -> bytes | None:
        """GET a file of the public trade archive (``/trading/BTCUSDT/BTCUSDT2024-01-01.csv.gz``, or a
        listing page such as ``/trading/BTCUSDT/``): its bytes, or ``None`` for HTTP 404 (no such file).

        Transient failures (timeouts, HTTP 429 and 5xx) are retried with the client's retry bounds. The file
        host is not a V5 host: these requests use neither the cache nor the V5 rate limiter.

        Raises
        ------
        ValueError
            For testnet (no archive) or a path not starting with ``/``.
        ServerError
            Any other HTTP status after the retries (``NetworkError`` when no answer came).
        """
        base = self.archive_url
        if base is None:
            raise ValueError(f"env={self.env!r} has no public trade archive (it is mainnet data)")
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError(f"archive path must start with '/', got {path!r}")
        with self._clock_lock:
            if self._archive is None:
                self._archive = httpx.Client(
                    base_url=base,
                    transport=RetryTransport(self._network, self.settings.retry_policy),
                    timeout=httpx.Timeout(self.settings.timeout),
                    headers={"User-Agent": "bybit_research"},
                )
            http = self._archive
        try:
            response = http.get(path)
        except httpx.TransportError as exc:
            message = f"no answer from the trade archive ({type(exc).__name__}: {exc})"
            raise NetworkError(None, message, path) from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise ServerError(None, f"the trade archive answered HTTP {response.status_code}", path)
        return response.content

    # --------------------------------------------------------------------------------------- lifecycle

    def close(self) -> None:
        """Close connections, and the cache backend unless it was passed in."""
        self._session.close()
        if self._archive is not None:
            self._archive.close()
        if isinstance(self.column_store, SQLiteColumnStore):
            self.column_store.close()
        if self._owns_backend and self.cache_backend is not None:
            self.cache_backend.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        credentials = self.settings.credentials
        key = mask_key(credentials.api_key) if credentials else None
        return f"Client(env={self.env!r}, base_url={self.base_url!r}, api_key={key!r})"

    if TYPE_CHECKING:
        # the public functions bound by the registry (``_api.bind_methods``), seen by type checkers as methods
        def __getattr__(self, name: str) -> Callable[..., Any]: ...


def _with_base_url(settings: ClientSettings, base_url: str) -> ClientSettings:
    return replace(settings, base_url=base_url)


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


def default_client_cache() -> tuple[BaseCache | None, ColumnStore | None] | None:
    """``(cache backend, column store)`` of the default client if one has been built, else ``None``."""
    client = _default_client
    return None if client is None else (client.cache_backend, client.column_store)


#: every public function on the default client, by name (``br.klines`` is this ``["klines"]``)
DEFAULT_CLIENT_FUNCTIONS: dict[str, Callable[..., Any]] = _api.module_functions(get_default_client)
