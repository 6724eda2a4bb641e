"""The simulator's shared vocabulary: configuration, the parsed request, errors and the route registry.

Every other module of the simulator builds on these names. The simulator is written from the V5 reference on
its own and imports nothing from the client side of the package.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SimConfig:
    """Settings of one simulated exchange.

    Parameters
    ----------
    seed
        Seed of the synthetic market and demo account; the same seed gives the same data on every run.
    now_ms
        Fixed clock in epoch milliseconds for reproducible tests; ``None`` follows the wall clock.
    ip_limit, ip_window_ms
        The IP limit: at most ``ip_limit`` requests per rolling ``ip_window_ms`` (Bybit: 600 per 5 s);
        0 disables.
    ip_ban_ms
        How long an IP that breached the IP limit keeps getting HTTP 403. Bybit bans for 10 minutes
        (600_000); the default 0 only refuses requests while the rolling window is full, so tests recover
        fast.
    uid_limits
        Whether per-UID, per-endpoint limits (retCode 10006) are enforced on private endpoints (when not,
        they are still counted and reported in the ``X-Bapi-Limit*`` headers).
    uid_limit_overrides
        Per-UID limits (requests per second) to use instead of Bybit's, by path (e.g.
        ``{"/v5/execution/list": 100_000}``): enforced and reported like Bybit's own, to see what a client
        does when only latency binds.
    latency_ms
        Latency added to every request.
    fail_rate
        Fraction of requests (after the IP limit) that fail with ``fail_mode``.
    fail_mode
        ``"10016"`` (HTTP 200, retCode 10016), ``"502"``, ``"503"``, ``"429"``, ``"stall"`` (sleep
        ``stall_s``), or ``"mixed"`` (each failure picks one of those at random).
    stall_s
        How long a stalled response sleeps before answering.
    margin_mode
        Initial margin mode of the demo account: ``"REGULAR_MARGIN"`` or ``"PORTFOLIO_MARGIN"``.
    frozen_clock_slack
        With a fixed clock (``now_ms``), let the future edge of the signed-timestamp window move on with the
        wall time since the app was built: a client that synced its clock once then signs timestamps
        running ahead of the frozen clock, as Bybit's own clock would move. ``False`` keeps Bybit's exact
        window ``[now - recv_window, now + 1000)`` (tests of that rule).
    """

    seed: int = 7
    now_ms: int | None = None
    ip_limit: int = 600
    ip_window_ms: int = 5000
    ip_ban_ms: int = 0
    uid_limits: bool = True
    uid_limit_overrides: Mapping[str, int] = field(default_factory=dict)
    latency_ms: float = 0.0
    fail_rate: float = 0.0
    fail_mode: str = "10016"
    stall_s: float = 30.0
    margin_mode: str = "REGULAR_MARGIN"
    frozen_clock_slack: bool = True

    def clock(self) -> int:
        """Return the simulator's current time in epoch milliseconds."""
        return self.now_ms if self.now_ms is not None else int(time.time() * 1000)


class SimError(Exception):
    """A V5 error answer: HTTP 200 with a non-zero retCode unless ``http_status`` says otherwise."""

    def __init__(
        self,
        ret_code: int,
        ret_msg: str,
        *,
        http_status: int = 200,
        result: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{ret_code}: {ret_msg}")
        self.ret_code = ret_code
        self.ret_msg = ret_msg
        self.http_status = http_status
        self.result = {} if result is None else result
        self.headers = headers or {}


class ParamError(SimError):
    """retCode 10001: a request parameter is missing or invalid."""

    def __init__(self, message: str) -> None:
        super().__init__(10001, message, result={"category": "", "list": []})


@dataclass(frozen=True)
class EncodedJson:
    """A value of a handler's result already encoded as JSON text; the app writes ``text`` in its place.

    Handlers return one only when :attr:`Request.prefer_encoded` is set (requests served by the app), so a
    handler called directly still returns plain values.
    """

    text: str


#: The text of an integer parameter: ASCII digits with an optional minus sign.
_INTEGER = re.compile(r"-?[0-9]+")


@dataclass
class Request:
    """One parsed HTTP request as the handlers see it.

    ``raw_query`` is the query string exactly as received (signatures are verified against it);
    ``query`` maps each name to its first decoded value; ``headers`` has lower-case names. For an
    authenticated request ``uid``, ``api_key`` and ``permissions`` (the key's permission groups) are set
    by the app before the handler runs (and ``read_only`` for a read-only key); ``permissions`` stays
    ``None`` (unrestricted) for a handler called directly. ``prefer_encoded`` (set by the app) lets a
    handler return large values as :class:`EncodedJson`.
    """

    method: str
    path: str
    raw_query: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""
    client_ip: str = "127.0.0.1"
    now_ms: int = 0
    uid: int | None = None
    json: dict[str, Any] = field(default_factory=dict)
    api_key: str | None = None
    permissions: frozenset[str] | None = None
    read_only: bool = False
    prefer_encoded: bool = False

    @property
    def params(self) -> dict[str, Any]:
        """Parameters of the request: the query for GET, the JSON body for POST."""
        return self.json if self.method == "POST" else self.query

    def get(self, name: str, default: str | None = None) -> str | None:
        """Return a parameter as sent, treating an empty value as absent."""
        value = self.params.get(name)
        if value is None or value == "":
            return default
        return str(value)

    def require(self, name: str) -> str:
        """Return a required parameter or raise retCode 10001 naming it."""
        value = self.get(name)
        if value is None:
            raise ParamError(f"params error: {name} is required")
        return value

    def choice(self, name: str, allowed: Iterable[str], default: str | None = None) -> str | None:
        """Return a parameter that must be one of ``allowed`` (or ``default`` when absent)."""
        allowed = list(allowed)
        value = self.get(name, default)
        if value is not None and value not in allowed:
            raise ParamError(f"params error: {name} invalid, must be one of {', '.join(allowed)}")
        return value

    def integer(
        self, name: str, default: int | None = None, lo: int | None = None, hi: int | None = None
    ) -> int | None:
        """Return an integer parameter checked against ``[lo, hi]``.

        Only ASCII digits with an optional leading ``-`` are accepted (no ``+``, spaces, ``_`` separators or
        non-ASCII digits, which Python's ``int()`` would take); negative values then fail a ``lo >= 0``
        range check.
        """
        raw = self.get(name)
        if raw is None:
            return default
        if _INTEGER.fullmatch(raw) is None:
            raise ParamError(f"params error: {name} must be an integer")
        value = int(raw)
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            if hi is None:
                raise ParamError(f"params error: {name} must be at least {lo}")
            if lo is None:
                raise ParamError(f"params error: {name} must be at most {hi}")
            raise ParamError(f"params error: {name} must be between {lo} and {hi}")
        return value

    def limit(self, default: int, lo: int, hi: int) -> int:
        """Return the ``limit`` parameter checked against its documented range."""
        value = self.integer("limit", default, lo, hi)
        assert value is not None
        return value


#: A handler receives the exchange state and the request and returns the ``result`` payload.
Handler = Callable[[Any, Request], Any]


@dataclass(frozen=True)
class Route:
    """One V5 path served by the simulator.

    ``auth`` marks private endpoints (signed requests); ``uid_limit`` is the per-UID requests-per-second
    budget of a private endpoint; ``raw_envelope`` means the handler returns the whole response body
    (historical volatility).
    """

    method: str
    path: str
    handler: Handler
    auth: bool = False
    uid_limit: int | None = None
    raw_envelope: bool = False


ROUTES: dict[tuple[str, str], Route] = {}


@dataclass(frozen=True)
class RawAnswer:
    """An answer that is not a V5 envelope (a file or a listing page): sent exactly as given."""

    body: bytes
    content_type: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


#: Handlers of every GET/HEAD path under a prefix (Bybit's public file host), by prefix. A handler returns a
#: :class:`RawAnswer`; these paths pass neither the V5 IP limit nor authentication.
FILE_ROUTES: dict[str, Handler] = {}


def file_route(prefix: str) -> Callable[[Handler], Handler]:
    """Register ``handler`` as the answer to every ``GET``/``HEAD`` path that starts with ``prefix``.

    Exact V5 routes take precedence; the longest matching prefix wins.
    """

    def register(handler: Handler) -> Handler:
        FILE_ROUTES[prefix] = handler
        return handler

    return register


def file_handler(path: str) -> Handler | None:
    """Return the handler of the longest registered prefix of ``path``, or None."""
    matches = [prefix for prefix in FILE_ROUTES if path.startswith(prefix)]
    return FILE_ROUTES[max(matches, key=len)] if matches else None


def route(
    path: str,
    *,
    method: str = "GET",
    auth: bool = False,
    uid_limit: int | None = None,
    raw_envelope: bool = False,
) -> Callable[[Handler], Handler]:
    """Register ``handler`` as the simulator's answer to ``method path``."""

    def register(handler: Handler) -> Handler:
        ROUTES[(method, path)] = Route(method, path, handler, auth, uid_limit, raw_envelope)
        return handler

    return register


#: the ``fail_mode`` values of :class:`SimConfig`
FAIL_MODES = ("10016", "502", "503", "429", "stall", "mixed")

PERMISSION_DENIED = 10005
PERMISSION_DENIED_MESSAGE = "Permission denied, please check your API key permissions."


def require_permission(request: Request, group: str) -> None:
    """Raise retCode 10005 unless the API key of ``request`` has the permission group ``group``.

    Parameters
    ----------
    request
        An authenticated request (its ``permissions`` are set by the app; ``None`` passes every check).
    group
        A Bybit permission group: ``"ContractTrade"``, ``"Spot"``, ``"Wallet"``, ``"Options"``,
        ``"Derivatives"`` or ``"Exchange"``.
    """
    if request.permissions is not None and group not in request.permissions:
        raise SimError(PERMISSION_DENIED, PERMISSION_DENIED_MESSAGE)
