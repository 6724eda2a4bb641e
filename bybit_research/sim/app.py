"""The simulator's WSGI application: routing, the V5 envelope, the IP limit, faults, auth and per-UID limits.

Every request goes through the same steps, in the order Bybit's gateway applies them:

1. routing: unknown path -> HTTP 404; a method other than GET/POST -> HTTP 400; a GET with a body -> HTTP 403;
2. the IP budget -> HTTP 403 ``access too frequent``;
3. injected faults (latency, 10016 / 502 / 503 / 429 / stall);
4. authentication of private routes -> 10007 (HTTP 401), 10003, 10002, 10004; read-only keys -> 10005 on POST;
5. the per-UID, per-endpoint limit -> 10006 ``Too many visits!`` (``X-Bapi-Limit*`` headers);
6. the handler -> its result in the envelope, or its error (10001 and others).

Paths of the public file host (``/trading/...``, ``/spot/...``: Bybit's trade archive, registered with
:func:`~.core.file_route`) are not V5 calls: they answer GET and HEAD with the handler's
:class:`~.core.RawAnswer` (bytes and a content type), after the injected faults (a ``10016`` fault becomes a
bare HTTP 503) and without the IP limit or authentication.

Business errors are HTTP 200 with a non-zero ``retCode``; an unexpected exception becomes retCode 10016 and is
logged with its traceback (never with request headers, so no key or signature reaches a log).
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from .auth import authenticate
from .core import (
    PERMISSION_DENIED,
    PERMISSION_DENIED_MESSAGE,
    ROUTES,
    EncodedJson,
    Handler,
    ParamError,
    RawAnswer,
    Request,
    Route,
    SimConfig,
    SimError,
    file_handler,
    route,
)
from .credentials import API_KEYS, ApiKey
from .exchange import Exchange
from .faults import SYSTEM_ERROR, SYSTEM_ERROR_MESSAGE, FaultInjector, HttpFault
from .limits import DEFAULT_UID_LIMIT, IpLimiter, UidLimiter

__all__ = ["JSON_CONTENT_TYPE", "SimApp", "create_app"]

log = logging.getLogger("bybit_research.sim")

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"
ROUTE_NOT_FOUND = 10017
TOO_MANY_VISITS = 10006

#: modules whose import registers the routes; each may not exist yet while the simulator is being written
ROUTE_MODULES = ("bybit_research.sim.routes",)

StartResponse = Callable[..., Any]


@dataclass
class Answer:
    """One HTTP answer before it is handed to the WSGI server."""

    status: int
    body: bytes
    content_type: str = JSON_CONTENT_TYPE
    headers: dict[str, str] = field(default_factory=dict)


def _json_default(value: Any) -> Any:
    """Serialise numpy scalars (``.item()``) that a handler may leave in its result."""
    item = getattr(value, "item", None)
    if callable(item):
        return item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _dumps(payload: Any) -> bytes:
    """Encode a response body, splicing in the :class:`EncodedJson` values of its ``result``."""
    spliced: list[tuple[str, str]] = []
    result = payload.get("result") if isinstance(payload, dict) else None
    if isinstance(result, dict) and any(isinstance(value, EncodedJson) for value in result.values()):
        result = dict(result)
        for key, value in result.items():
            if isinstance(value, EncodedJson):
                token = f"\x00encoded-{len(spliced)}\x00"  # a control character never left unescaped
                spliced.append((json.dumps(token), value.text))
                result[key] = token
        payload = {**payload, "result": result}
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=_json_default)
    for quoted, encoded in spliced:
        text = text.replace(quoted, encoded, 1)
    return text.encode()


def _envelope(ret_code: int, ret_msg: str, result: Any, time_ms: int) -> dict[str, Any]:
    return {"retCode": ret_code, "retMsg": ret_msg, "result": result, "retExtInfo": {}, "time": time_ms}


_routes_loaded = False
_routes_lock = threading.Lock()


def _server_time_fallback(exchange: Any, request: Request) -> dict[str, str]:
    """``/v5/market/time`` for a simulator built without the market routes."""
    return {"timeSecond": str(request.now_ms // 1000), "timeNano": str(request.now_ms * 1_000_000)}


def load_routes() -> None:
    """Import the route modules once; a missing module is skipped, an error inside one is raised."""
    global _routes_loaded
    with _routes_lock:
        if _routes_loaded:
            return
        for name in ROUTE_MODULES:
            try:
                importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise
                log.warning("simulator routes %s are not available", name)
        if ("GET", "/v5/market/time") not in ROUTES:
            route("/v5/market/time")(_server_time_fallback)
        _routes_loaded = True


def _request_headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {
        name[5:].lower().replace("_", "-"): str(value)
        for name, value in environ.items()
        if name.startswith("HTTP_")
    }
    for name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(name):
            headers[name.lower().replace("_", "-")] = str(environ[name])
    return headers


def _read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    if length <= 0 or stream is None:
        return b""
    return bytes(stream.read(length))


def _parse_json_body(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ParamError("params error: the request body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise ParamError("params error: the request body must be a JSON object")
    return payload


class SimApp:
    """One simulated Bybit V5 HTTP API as a WSGI application.

    Build it with :func:`create_app`. Thread-safe: a threaded server may call it from many threads at once.

    Attributes
    ----------
    config : SimConfig
        The settings it was built with.
    exchange : Exchange
        The synthetic market and demo account the handlers read.
    requests : collections.Counter
        Paths of every request that reached the routing step (known or not), so tests can count what a client
        really sent.
    keys : dict[str, ApiKey]
        The API keys accepted (the demo keys; tests may add more).
    """

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self._built_at = time.monotonic()
        self.exchange = Exchange(config)
        self.requests: Counter[str] = Counter()
        self.keys: dict[str, ApiKey] = dict(API_KEYS)
        self.ip_limiter = IpLimiter(config.ip_limit, config.ip_window_ms, config.ip_ban_ms)
        self.uid_limiter = UidLimiter(enforce=config.uid_limits)
        self.faults = FaultInjector(config)
        self._count_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SimApp(seed={self.config.seed}, now_ms={self.config.now_ms})"

    def reset_counts(self) -> None:
        """Forget the request counts in :attr:`requests`."""
        with self._count_lock:
            self.requests.clear()

    def reset_limits(self) -> None:
        """Empty the IP and per-UID rate-limit windows (and lift IP bans)."""
        self.ip_limiter.reset()
        self.uid_limiter.reset()

    def close(self) -> None:
        """Cut injected sleeps (latency, stalls) short; used when a server shuts down."""
        self.faults.close()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            answer = self._answer(environ)
        except Exception:
            log.error(
                "simulator error on %s %s",
                environ.get("REQUEST_METHOD"),
                environ.get("PATH_INFO"),
                exc_info=True,
            )
            body = _envelope(SYSTEM_ERROR, SYSTEM_ERROR_MESSAGE, {}, self.config.clock())
            answer = self._with_trace(Answer(200, _dumps(body)))
        status = HTTPStatus(answer.status)
        headers = [("Content-Type", answer.content_type), ("Content-Length", str(len(answer.body)))]
        headers += list(answer.headers.items())
        start_response(f"{status.value} {status.phrase}", headers)
        return [answer.body]

    # -- the steps -------------------------------------------------------------------------------------------

    def _answer(self, environ: dict[str, Any]) -> Answer:
        method = str(environ.get("REQUEST_METHOD", "GET"))
        path = str(environ.get("PATH_INFO") or "/")
        with self._count_lock:
            self.requests[path] += 1
        now_ms = self.config.clock()
        target = ROUTES.get((method, path))
        if target is None and not any(p == path for _, p in list(ROUTES)):
            files = file_handler(path)
            if files is not None:
                return self._file(files, method, path, environ, now_ms)
            return self._error(SimError(ROUTE_NOT_FOUND, "Route not found", http_status=404))
        if method not in ("GET", "POST"):
            return self._error(SimError(ROUTE_NOT_FOUND, f"Method {method} not supported", http_status=400))
        if target is None:
            return self._error(SimError(ROUTE_NOT_FOUND, f"Route not found for {method}", http_status=404))
        body = _read_body(environ)
        if method == "GET" and body:
            return self._text(403, "GET requests must not carry a body")
        if not self.ip_limiter.allow(str(environ.get("REMOTE_ADDR") or "127.0.0.1")):
            return self._text(403, "access too frequent")
        try:
            self.faults.apply()
        except HttpFault as fault:
            return Answer(fault.status, fault.text.encode(), fault.content_type)
        except SimError as error:
            return self._error(error)
        raw_query = str(environ.get("QUERY_STRING") or "")
        request = Request(
            method=method,
            path=path,
            raw_query=raw_query,
            query=dict(reversed(parse_qsl(raw_query, keep_blank_values=True))),
            headers=_request_headers(environ),
            body=body,
            client_ip=str(environ.get("REMOTE_ADDR") or "127.0.0.1"),
            now_ms=now_ms,
            prefer_encoded=True,
        )
        limit_headers: dict[str, str] = {}
        try:
            if target.auth:
                limit_headers = self._admit_private(target, request)
            if method == "POST":
                request.json = _parse_json_body(body)
            result = target.handler(self.exchange, request)
        except SimError as error:
            return self._error(error, limit_headers)
        payload = result if target.raw_envelope else _envelope(0, "OK", result, self.config.clock())
        log.debug("%s %s -> 200 retCode 0", method, path)
        return self._with_trace(Answer(200, _dumps(payload), headers=dict(limit_headers)))

    def _file(self, handler: Handler, method: str, path: str, environ: dict[str, Any], now_ms: int) -> Answer:
        """Serve a path of the public file host (trade archives): GET/HEAD, with faults, without V5 limits."""
        if method not in ("GET", "HEAD"):
            return self._text(405, f"Method {method} not allowed")
        try:
            self.faults.apply()
        except HttpFault as fault:
            return Answer(fault.status, fault.text.encode(), fault.content_type)
        except SimError:  # a file host has no retCode: an injected system error is a bare 503
            return Answer(503, b"Service Unavailable", TEXT_CONTENT_TYPE)
        raw_query = str(environ.get("QUERY_STRING") or "")
        request = Request(
            method=method,
            path=path,
            raw_query=raw_query,
            query=dict(reversed(parse_qsl(raw_query, keep_blank_values=True))),
            headers=_request_headers(environ),
            client_ip=str(environ.get("REMOTE_ADDR") or "127.0.0.1"),
            now_ms=now_ms,
        )
        answer: RawAnswer = handler(self.exchange, request)
        log.debug("%s %s -> %d", method, path, answer.status)
        return Answer(answer.status, answer.body, answer.content_type, dict(answer.headers))

    def _admit_private(self, target: Route, request: Request) -> dict[str, str]:
        """Authenticate ``request``, apply the per-UID limit and return the ``X-Bapi-Limit*`` headers."""
        # GET signs the query string as received; POST signs the body bytes as received
        payload = request.raw_query.encode("latin-1") if request.method == "GET" else request.body
        frozen = self.config.now_ms is not None and self.config.frozen_clock_slack
        frozen_for_ms = int((time.monotonic() - self._built_at) * 1000) if frozen else 0
        key = authenticate(request.headers, payload, request.now_ms, self.keys, frozen_for_ms)
        request.uid, request.api_key, request.permissions = key.uid, key.key, key.permissions
        request.read_only = key.read_only
        if key.read_only and request.method == "POST":
            raise SimError(PERMISSION_DENIED, PERMISSION_DENIED_MESSAGE)
        limit = target.uid_limit if target.uid_limit is not None else DEFAULT_UID_LIMIT
        limit = self.config.uid_limit_overrides.get(target.path, limit)
        status = self.uid_limiter.check(key.uid, f"{target.method} {target.path}", limit)
        headers = status.headers()
        if status.exceeded:
            raise SimError(TOO_MANY_VISITS, "Too many visits!", headers=headers)
        return headers

    # -- answers ---------------------------------------------------------------------------------------------

    def _with_trace(self, answer: Answer) -> Answer:
        answer.headers.setdefault("Timenow", str(self.config.clock()))
        answer.headers.setdefault("Traceid", uuid.uuid4().hex)
        return answer

    def _error(self, error: SimError, extra_headers: dict[str, str] | None = None) -> Answer:
        body = _envelope(error.ret_code, error.ret_msg, error.result, self.config.clock())
        log.debug("-> HTTP %d retCode %d", error.http_status, error.ret_code)
        headers = {**(extra_headers or {}), **error.headers}
        return self._with_trace(Answer(error.http_status, _dumps(body), headers=headers))

    def _text(self, status: int, text: str) -> Answer:
        log.debug("-> HTTP %d %s", status, text)
        return self._with_trace(Answer(status, text.encode(), TEXT_CONTENT_TYPE))


def create_app(config: SimConfig | None = None, **overrides: Any) -> SimApp:
    """Build a simulated Bybit V5 API as a WSGI application.

    Parameters
    ----------
    config
        Settings; :class:`SimConfig` defaults when ``None``.
    **overrides
        Fields of :class:`SimConfig` replacing those of ``config`` (``seed=3``, ``fail_rate=0.1``, ...).

    Returns
    -------
    SimApp
        The WSGI callable, with ``.config``, ``.exchange``, ``.requests`` and ``.reset_counts()``.

    Raises
    ------
    TypeError
        For an override that is not a field of :class:`SimConfig`.
    ValueError
        For fault or limit settings out of range.

    Examples
    --------
    >>> import httpx
    >>> app = create_app(now_ms=1_717_200_000_000)
    >>> with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://sim") as http:
    ...     http.get("/v5/market/time").json()["result"]["timeSecond"]
    '1717200000'
    """
    load_routes()
    base = config or SimConfig()
    return SimApp(dataclasses.replace(base, **overrides) if overrides else base)
