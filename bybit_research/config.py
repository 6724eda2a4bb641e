"""Environments, environment variables and defaults of the client.

An environment is a name for a V5 host: ``mainnet`` (default), ``testnet``, ``demo`` (demo trading on mainnet)
or ``offline`` (the local simulator mounted in-process, no sockets). Any ``http(s)://`` base URL works too,
as long as it is only a scheme and host (and port): V5 paths start at the host's root.
The environment comes from the ``env`` / ``base_url`` arguments of :class:`bybit_research.Client`, else from
the ``BYBIT_RESEARCH_ENV`` environment variable (a name or a URL), else ``mainnet``.
"""

from __future__ import annotations

import os
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from platformdirs import user_cache_dir

__all__ = [
    "DEFAULT_ENV",
    "ENVIRONMENTS",
    "ENV_API_KEY",
    "ENV_API_SECRET",
    "ENV_CACHE",
    "ENV_ENVIRONMENT",
    "ENV_OFFLINE_ONLY",
    "ENV_RSA_KEY_PATH",
    "default_cache_path",
    "env_flag",
    "proxy_for",
    "resolve_environment",
]

#: environment name -> REST base URL (reference §1.1); ``offline`` is served in-process, never on a network
ENVIRONMENTS: dict[str, str] = {
    "mainnet": "https://api.bybit.com",
    "testnet": "https://api-testnet.bybit.com",
    "demo": "https://api-demo.bybit.com",
    "offline": "http://sim.offline",
}
DEFAULT_ENV = "mainnet"
#: name given to an environment defined by a base URL alone
CUSTOM_ENV = "custom"

ENV_ENVIRONMENT = "BYBIT_RESEARCH_ENV"
ENV_API_KEY = "BYBIT_API_KEY"
ENV_API_SECRET = "BYBIT_API_SECRET"
ENV_RSA_KEY_PATH = "BYBIT_RSA_PRIVATE_KEY_PATH"
ENV_CACHE = "BYBIT_RESEARCH_CACHE"
ENV_OFFLINE_ONLY = "BYBIT_RESEARCH_OFFLINE_ONLY"

CACHE_FILE_NAME = "http_cache.sqlite"


def _validate_url(url: str, source: str) -> str:
    if not isinstance(url, str) or not url.startswith(("http://", "https://")) or len(url) < 9:
        raise ValueError(f"{source} must be an http:// or https:// URL, got {url!r}")
    parts = urlsplit(url)
    if not parts.hostname or parts.username is not None or parts.password is not None:
        # not quoted: the URL may hold a password
        raise ValueError(f"{source} must name a host and carry no user name or password")
    # V5 paths start at the host's root; a prefix would be lost by the clock resync and split the cache
    if parts.path not in ("", "/") or parts.query or parts.fragment or "?" in url or "#" in url:
        raise ValueError(
            f"{source} must be a scheme and host (and port) only, without path, query or fragment; got path "
            f"{parts.path!r} on {parts.scheme}://{parts.netloc} (query and fragment not shown)"
        )
    return url.rstrip("/")


def resolve_environment(env: str | None = None, base_url: str | None = None) -> tuple[str, str]:
    """Return ``(environment name, base URL)`` from the arguments or ``BYBIT_RESEARCH_ENV``.

    Parameters
    ----------
    env
        ``"mainnet"``, ``"testnet"``, ``"demo"`` or ``"offline"``; ``None`` reads ``BYBIT_RESEARCH_ENV``
        (which may also hold a URL) and falls back to ``"mainnet"``.
    base_url
        Explicit base URL such as ``"http://127.0.0.1:8080"``; overrides the host of ``env``. The environment
        name is then ``env`` if given, else ``"custom"``.

    Returns
    -------
    tuple of str
        The environment name and the base URL without trailing slash.

    Raises
    ------
    ValueError
        For an unknown environment name (the message lists the allowed ones), a malformed URL, or a base URL
        combined with ``env="offline"``.
    """
    allowed = ", ".join(ENVIRONMENTS)
    if env is None and base_url is None:
        from_var = os.environ.get(ENV_ENVIRONMENT, "").strip()
        if from_var.startswith(("http://", "https://")):
            return CUSTOM_ENV, _validate_url(from_var, ENV_ENVIRONMENT)
        env = from_var.lower() or DEFAULT_ENV
        if env not in ENVIRONMENTS:
            raise ValueError(
                f"{ENV_ENVIRONMENT}={from_var!r} is not an environment; allowed: {allowed} or a URL"
            )
    if env is not None:
        if not isinstance(env, str) or env.lower() not in ENVIRONMENTS:
            raise ValueError(f"unknown environment {env!r}; allowed: {allowed} (or pass base_url=...)")
        env = env.lower()
    if base_url is not None:
        if env == "offline":
            raise ValueError(
                "env='offline' mounts the simulator in-process; it takes no base_url (use sim_app=)"
            )
        return env or CUSTOM_ENV, _validate_url(base_url, "base_url")
    assert env is not None
    return env, ENVIRONMENTS[env]


def default_cache_path() -> Path:
    """Return ``BYBIT_RESEARCH_CACHE`` if set, else ``http_cache.sqlite`` in the user cache directory."""
    from_var = os.environ.get(ENV_CACHE, "").strip()
    if from_var:
        return Path(from_var).expanduser()
    return Path(user_cache_dir("bybit_research", appauthor=False)) / CACHE_FILE_NAME


def env_flag(name: str) -> bool:
    """Return whether the environment variable ``name`` is ``1``, ``true``, ``yes`` or ``on``."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def proxy_for(base_url: str, proxy: str | None) -> str | None:
    """The proxy for ``base_url``: ``proxy`` if given, else the environment's (``HTTPS_PROXY``...,
    ``NO_PROXY``)."""
    if proxy is not None:
        return proxy
    parts = urlsplit(base_url)
    proxies = urllib.request.getproxies()
    if parts.hostname and urllib.request.proxy_bypass(parts.netloc):  # honours NO_PROXY
        return None
    return proxies.get(parts.scheme) or proxies.get("all")
