"""Fixtures of the simulator platform tests: test-only routes, in-process clients and request signing.

Helpers are fixtures (not importable functions) because several test folders have a ``conftest.py``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

PLATFORM_NOW_MS = 1_717_200_000_000  # 2024-06-01 00:00 UTC

#: test-only paths registered by the ``platform_routes`` fixture
ECHO = "/v5/test/echo"  # GET and POST, private, 3 requests per second per UID
PUBLIC = "/v5/test/public"
BOOM = "/v5/test/boom"
PARAMS = "/v5/test/params"
RAW = "/v5/test/raw"
WALLET = "/v5/test/wallet"  # private, needs the "Wallet" permission


def _register_platform_routes() -> None:
    from bybit_research.sim.core import Request, require_permission, route

    def echo(exchange: Any, request: Request) -> dict[str, Any]:
        return {
            "method": request.method,
            "uid": request.uid,
            "apiKey": request.api_key,
            "query": request.query,
            "rawQuery": request.raw_query,
            "json": request.json,
            "nowMs": request.now_ms,
            "clientIp": request.client_ip,
        }

    route(ECHO, auth=True, uid_limit=3)(echo)
    route(ECHO, method="POST", auth=True, uid_limit=3)(echo)
    route(PUBLIC)(echo)
    route(PUBLIC, method="POST")(echo)

    @route(BOOM)
    def boom(exchange: Any, request: Request) -> None:
        raise RuntimeError("handler bug for the test")

    @route(PARAMS, auth=True)
    def params(exchange: Any, request: Request) -> dict[str, Any]:
        return {"symbol": request.require("symbol")}

    @route(RAW, raw_envelope=True)
    def raw(exchange: Any, request: Request) -> dict[str, Any]:
        return {"retCode": 0, "retMsg": "SUCCESS", "category": "option", "result": [{"value": "1"}]}

    @route(WALLET, auth=True)
    def wallet(exchange: Any, request: Request) -> dict[str, Any]:
        require_permission(request, "Wallet")
        return {"ok": True}


@pytest.fixture(scope="session")
def platform_routes() -> None:
    """Register the test-only routes once (they stay registered; their paths start with ``/v5/test/``)."""
    _register_platform_routes()


@pytest.fixture
def make_app(platform_routes: None) -> Callable[..., Any]:
    """Build a simulator app with a fixed clock (``PLATFORM_NOW_MS``) unless told otherwise."""
    from bybit_research.sim import create_app

    def build(**overrides: Any) -> Any:
        overrides.setdefault("now_ms", PLATFORM_NOW_MS)
        return create_app(**overrides)

    return build


@pytest.fixture
def connect() -> Iterator[Callable[..., httpx.Client]]:
    """Open in-process httpx clients on apps (closed after the test)."""
    clients: list[httpx.Client] = []

    def open_client(app: Any, remote_addr: str = "127.0.0.1") -> httpx.Client:
        client = httpx.Client(
            transport=httpx.WSGITransport(app=app, remote_addr=remote_addr), base_url="http://sim.test"
        )
        clients.append(client)
        return client

    yield open_client
    for client in clients:
        client.close()


@pytest.fixture
def sim(make_app: Callable[..., Any], connect: Callable[..., httpx.Client]) -> httpx.Client:
    """An in-process client on a default app."""
    return connect(make_app())


def _signature(secret_or_pem: str, message: bytes, rsa: bool) -> str:
    if not rsa:
        return hmac.new(secret_or_pem.encode(), message, hashlib.sha256).hexdigest()
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    key = serialization.load_pem_private_key(secret_or_pem.encode(), password=None)
    assert isinstance(key, RSAPrivateKey)
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


@pytest.fixture
def sign() -> Callable[..., dict[str, str]]:
    """Return ``sign(payload, *, key, secret, ts, recv_window="5000", rsa=False) -> headers`` (V5 rules)."""
    from bybit_research.sim.credentials import DEMO_API_KEY, DEMO_API_SECRET

    def signed_headers(
        payload: str | bytes = "",
        *,
        key: str = DEMO_API_KEY,
        secret: str = DEMO_API_SECRET,
        ts: int = PLATFORM_NOW_MS,
        recv_window: str | None = "5000",
        rsa: bool = False,
    ) -> dict[str, str]:
        raw = payload.encode() if isinstance(payload, str) else payload
        message = f"{ts}{key}{recv_window or ''}".encode() + raw
        headers = {
            "X-BAPI-API-KEY": key,
            "X-BAPI-TIMESTAMP": str(ts),
            "X-BAPI-SIGN": _signature(secret, message, rsa),
            "X-BAPI-SIGN-TYPE": "2",
        }
        if recv_window is not None:
            headers["X-BAPI-RECV-WINDOW"] = recv_window
        return headers

    return signed_headers
