"""``ClientSettings``: every setting of a client in one object, validated once when the client is built.

A bad setting raises ``ValueError`` naming the argument and what is allowed, before anything is opened or
sent. Messages and the repr never show secrets (credentials are masked, proxy passwords hidden).
"""

from __future__ import annotations

import importlib.util
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from requests_cache import BaseCache

from ..config import ENV_OFFLINE_ONLY, env_flag, proxy_for, resolve_environment
from .credentials import Credentials, resolve_credentials
from .transports.cache import DEFAULT_EXPIRE_AFTER, validate_expire_after
from .transports.ratelimit import DEFAULT_IP_BAN_S, RateLimiter
from .transports.retry import RetryPolicy

__all__ = [
    "RECV_WINDOW_RANGE",
    "ClientSettings",
    "validate_positive_int",
    "validate_positive_seconds",
    "validate_recv_window",
    "validate_timeout",
    "without_credentials",
]

#: bounds accepted for ``recv_window`` (ms)
RECV_WINDOW_RANGE = (1, 120_000)
#: the most requests in flight one client may have
MAX_CONCURRENCY = 64
#: Bybit's IP limit per 5 s
BYBIT_IP_LIMIT = 600


@dataclass(frozen=True, repr=False)
class ClientSettings:
    """The validated settings of one :class:`bybit_research.Client` (see its docstring for each).

    Build it with :meth:`create`, which reads the environment variables where an argument is missing and
    resolves the environment's base URL and the credentials.
    """

    env: str
    base_url: str
    credentials: Credentials | None = field(default=None, compare=False)
    recv_window: int = 5000
    timeout: float = 10.0
    cache: bool | BaseCache = True
    cache_path: str | os.PathLike[str] | None = None
    cache_private: bool = False
    offline_only: bool = False
    sim_app: Any = None
    transport: httpx.BaseTransport | None = None
    max_attempts: int = 5
    retry_max_time: float = 60.0
    ip_limit: int = 550
    default_expire_after: float = DEFAULT_EXPIRE_AFTER
    ip_ban_s: float = DEFAULT_IP_BAN_S
    limiter: RateLimiter | None = None
    proxy: str | None = None
    concurrency: int = 10

    def __post_init__(self) -> None:
        validate_recv_window(self.recv_window)
        validate_timeout(self.timeout)
        validate_positive_int("max_attempts", self.max_attempts)
        validate_positive_seconds("retry_max_time", self.retry_max_time)
        validate_positive_seconds("ip_ban_s", self.ip_ban_s)
        if not _int_in(self.concurrency, 1, MAX_CONCURRENCY):
            raise ValueError(
                f"concurrency must be an integer in [1, {MAX_CONCURRENCY}], got {self.concurrency!r}"
            )
        if not _int_in(self.ip_limit, 1, BYBIT_IP_LIMIT):
            raise ValueError(
                f"ip_limit must be an integer in [1, {BYBIT_IP_LIMIT}] (Bybit allows {BYBIT_IP_LIMIT} per "
                f"5 s), got {self.ip_limit!r}"
            )
        if validate_expire_after(self.default_expire_after) is None:
            raise ValueError("default_expire_after must be a number of seconds or a cache constant, not None")
        if self.sim_app is not None and self.env != "offline":
            raise ValueError("sim_app is only used with env='offline'")
        if self.limiter is not None and not isinstance(self.limiter, RateLimiter):
            raise ValueError(f"limiter must be a RateLimiter, got {type(self.limiter).__name__}")
        if self.cache is not True and self.cache is not False and not isinstance(self.cache, BaseCache):
            raise ValueError(
                f"cache must be True, False or a requests-cache backend, got {type(self.cache).__name__}"
            )
        if self.cache_path is not None and self.cache is not True:
            what = "cache=False" if self.cache is False else "a cache backend object"
            raise ValueError(f"cache_path is only used with cache=True, but {what} was given")
        if self.offline_only and self.cache is False:
            raise ValueError("offline_only needs a cache (cache=False was given)")
        if self.proxy is not None:
            check_proxy(self.proxy)

    @classmethod
    def create(
        cls,
        env: str | None = None,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        api_secret: str | None = None,
        rsa_private_key: str | os.PathLike[str] | None = None,
        default_credentials: Callable[[str], Credentials | None] | None = None,
        offline_only: bool | None = None,
        proxy: str | None = None,
        **settings: Any,
    ) -> ClientSettings:
        """Validated settings from a client's arguments.

        Parameters
        ----------
        env, base_url
            The environment and an optional base URL (:func:`bybit_research.config.resolve_environment`).
        api_key, api_secret, rsa_private_key
            Credentials; when none is given, ``default_credentials(env)`` if it returns some (the
            simulator's demo key offline), else the environment variables.
        offline_only
            ``None`` reads ``BYBIT_RESEARCH_OFFLINE_ONLY``.
        proxy
            The proxy for the network; ``None`` reads the environment's proxy settings. Refused together with
            ``transport=`` or ``env="offline"``, which do not use the network.
        **settings
            The other fields of :class:`ClientSettings`.

        Raises
        ------
        ValueError
            Any setting out of range or inconsistent with another, naming the argument.
        """
        unknown = set(settings) - {f.name for f in fields(cls)}
        if unknown:
            raise TypeError(f"unknown client settings: {', '.join(sorted(unknown))}")
        env_name, url = resolve_environment(env, base_url)
        in_process = settings.get("transport") is not None or env_name == "offline"
        if proxy is not None:
            if in_process:
                raise ValueError("proxy is only used for the network (not with transport= or env='offline')")
            if not isinstance(proxy, str) or "://" not in proxy:
                raise ValueError("proxy must be a URL such as 'http://proxy.example:3128'")
        fallback = default_credentials(env_name) if default_credentials is not None else None
        credentials = resolve_credentials(api_key, api_secret, rsa_private_key, fallback=fallback)
        return cls(
            env=env_name,
            base_url=url,
            credentials=credentials,
            offline_only=env_flag(ENV_OFFLINE_ONLY) if offline_only is None else bool(offline_only),
            proxy=None if in_process else proxy_for(url, proxy),
            **settings,
        )

    @property
    def retry_policy(self) -> RetryPolicy:
        """The retry bounds of :mod:`bybit_research.http.transports.retry`."""
        return RetryPolicy(max_attempts=self.max_attempts, max_time_s=float(self.retry_max_time))

    def __repr__(self) -> str:
        shown = {
            "env": self.env,
            "base_url": self.base_url,
            "credentials": self.credentials,
            "cache": self.cache if isinstance(self.cache, bool) else type(self.cache).__name__,
            "proxy": None if self.proxy is None else without_credentials(self.proxy),
            "concurrency": self.concurrency,
        }
        return "ClientSettings(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"


def _int_in(value: object, lo: int, hi: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi


def validate_recv_window(recv_window: object) -> int:
    """Return ``recv_window`` (ms) or raise ``ValueError`` unless it is an integer in the accepted range."""
    lo, hi = RECV_WINDOW_RANGE
    if not _int_in(recv_window, lo, hi):
        raise ValueError(
            f"recv_window must be an integer number of milliseconds in [{lo}, {hi}], got {recv_window!r}"
        )
    return recv_window  # type: ignore[return-value]


def validate_timeout(timeout: object) -> float:
    """Return ``timeout`` (seconds) or raise ``ValueError`` unless it is a positive finite number."""
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not math.isfinite(timeout)
        or timeout <= 0
    ):
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    return float(timeout)


def validate_positive_int(name: str, value: object) -> int:
    """Return ``value`` or raise ``ValueError`` (naming ``name``) unless it is an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return value


def validate_positive_seconds(name: str, value: object) -> float:
    """Return ``value`` as float or raise ``ValueError`` unless it is a positive finite number."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(f"{name} must be a positive finite number of seconds, got {value!r}")
    return float(value)


def check_proxy(url: str) -> None:
    """Raise ``ValueError`` when httpx could not use ``url`` as a proxy (scheme, or socksio missing).

    Messages show the URL without its user and password."""
    shown = without_credentials(url)
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


def without_credentials(url: str) -> str:
    """``url`` with its user and password replaced by ``***``."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))
