"""Which process-wide IP budget a client draws from: one per exchange, whatever host name reaches it.

Bybit counts requests per IP (600 per 5 s, reference section 3.1), so clients reaching the same exchange
through different names share one budget: ``api.bybit.com`` and ``api.bytick.com`` (the same backend) and the
regional mainnet hosts are one exchange, testnet and demo trading are others (reference section 1.1). Any
other host is known by the addresses its name resolves to (``localhost`` and ``127.0.0.1`` are the same
simulator) and its port. A proxy sends from its own IP: clients through it get a budget of their own.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from urllib.parse import urlsplit

__all__ = ["BYBIT_EXCHANGES", "RESOLVE_TIMEOUT_S", "budget_key", "resolved"]

_MAINNET_HOSTS = (
    "api.bybit.com",
    "api.bytick.com",
    "api.bybit.nl",
    "api.bybit.tr",
    "api.bybit-tr.com",
    "api.bybit.kz",
    "api.bybitgeorgia.ge",
    "api.bybit.ae",
    "api.bybit.eu",
    "api.bybit.id",
    "api.manepa.jp",
    "api.byhkbit.com",
    "api.bybit.com.hk",
)
#: host name -> the exchange it reaches (its IP budget)
BYBIT_EXCHANGES: dict[str, str] = {
    **dict.fromkeys(_MAINNET_HOSTS, "bybit-mainnet"),
    **dict.fromkeys(("api-testnet.bybit.com", "api-testnet.manepa.jp"), "bybit-testnet"),
    "api-demo.bybit.com": "bybit-demo",
    "api-demo-testnet.bybit.com": "bybit-demo-testnet",
}
#: the longest a client waits for its host name to resolve (the name itself is the key after that)
RESOLVE_TIMEOUT_S = 1.0
_DEFAULT_PORTS = {"http": 80, "https": 443}

_resolved: dict[str, tuple[str, ...] | None] = {}
_resolved_lock = threading.Lock()


def budget_key(base_url: str, proxy: str | None = None) -> str:
    """The key of the IP budget that requests to ``base_url`` (through ``proxy``) draw from.

    Parameters
    ----------
    base_url
        The client's V5 base URL.
    proxy
        The proxy URL requests go through, if any (its user and password are left out of the key).

    Returns
    -------
    str
        ``"bybit-mainnet"`` (``"bybit-testnet"``, ...) for Bybit's hosts; ``"<addresses>:<port>"`` for other
        hosts (``"loopback:8080"`` for this machine), the host name when it does not resolve; followed by
        ``" via <proxy>"`` for a proxy.
    """
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower().rstrip(".")
    exchange = BYBIT_EXCHANGES.get(host)
    if exchange is None:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower(), 0)
        addresses = resolved(host)
        exchange = f"{','.join(addresses) if addresses else host}:{port}"
    if proxy is None:
        return exchange
    shown = urlsplit(proxy)
    proxy_port = f":{shown.port}" if shown.port else ""
    return f"{exchange} via {shown.scheme}://{shown.hostname}{proxy_port}"


def resolved(host: str) -> tuple[str, ...] | None:
    """The addresses ``host`` stands for (``("loopback",)`` for this machine), sorted; ``None`` when it does
    not resolve within :data:`RESOLVE_TIMEOUT_S`. Remembered for the process."""
    literal = _literal(host)
    if literal is not None:
        return (literal,)
    if host == "localhost" or host.endswith(".localhost"):
        return ("loopback",)
    with _resolved_lock:
        if host in _resolved:
            return _resolved[host]
    found = _lookup(host)
    with _resolved_lock:
        _resolved[host] = found
    return found


def _literal(host: str) -> str | None:
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return "loopback" if address.is_loopback else address.compressed


def _lookup(host: str) -> tuple[str, ...] | None:
    """Resolve ``host`` in a daemon thread, so that a resolver that never answers holds nothing up."""
    answer: list[tuple[str, ...]] = []

    def resolve() -> None:
        try:
            infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return
        addresses = {_literal(str(info[4][0])) for info in infos}
        answer.append(tuple(sorted(a for a in addresses if a is not None)))

    worker = threading.Thread(target=resolve, name="bybit_research-resolve", daemon=True)
    worker.start()
    worker.join(RESOLVE_TIMEOUT_S)
    return answer[0] if answer and answer[0] else None
