"""Cached private answers belong to the credentials as a whole (a right key with a wrong secret is another
account), and the IP budget belongs to the exchange, not the host name: clients reaching one exchange through
different names share one budget per process, and together never draw HTTP 403."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from bybit_research.client import Client
from bybit_research.errors import AuthenticationError, CacheMissError, RateLimitError
from bybit_research.http.credentials import Credentials
from bybit_research.http.transports import RateLimiter
from bybit_research.http.transports.budget_keys import budget_key
from bybit_research.sim import SimConfig, create_app, serve
from bybit_research.sim.credentials import DEMO_API_KEY, DEMO_API_SECRET
from tests.conftest import NOW_MS

WALLET = "/v5/account/wallet-balance"
UNIFIED = {"accountType": "UNIFIED"}

# -- credentials ---------------------------------------------------------------------------------------------


def test_the_fingerprint_is_of_key_and_secret_together() -> None:
    real = Credentials.hmac("key-1234567890", "the-real-secret")
    assert real.fingerprint == Credentials.hmac("key-1234567890", "the-real-secret").fingerprint
    assert real.fingerprint != Credentials.hmac("key-1234567890", "a-wrong-secret").fingerprint
    assert real.fingerprint != Credentials.hmac("key-1234567891", "the-real-secret").fingerprint
    assert len(real.fingerprint) == 32 and int(real.fingerprint, 16) >= 0
    assert "key-1234567890" not in real.fingerprint and "the-real-secret" not in real.fingerprint


def test_an_rsa_key_is_another_account_than_an_hmac_secret_of_the_same_key() -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    by_rsa = Credentials.rsa("key-1234567890", private)
    assert by_rsa.fingerprint == Credentials.rsa("key-1234567890", private).fingerprint
    assert by_rsa.fingerprint != Credentials.rsa("key-1234567890", other).fingerprint
    assert by_rsa.fingerprint != Credentials.hmac("key-1234567890", "secret").fingerprint


@pytest.fixture
def private_cache(app: Any, tmp_path: Path) -> Callable[..., Client]:
    """Clients of the demo account caching private answers in one file (closed after the test)."""
    path = tmp_path / "private.sqlite"
    opened: list[Client] = []

    def build(secret: str = DEMO_API_SECRET, **settings: Any) -> Client:
        client = Client(
            env="offline", sim_app=app, cache_path=path, cache_private=True,
            api_key=DEMO_API_KEY, api_secret=secret, **settings,
        )  # fmt: skip
        opened.append(client)
        return client

    yield build  # type: ignore[misc]
    for client in opened:
        client.close()


def test_a_right_key_with_a_wrong_secret_is_never_served_the_cached_private_answers(
    app: Any, private_cache: Callable[..., Client], tmp_path: Path
) -> None:
    real = private_cache()
    first = real.fetch(WALLET, UNIFIED, auth=True, expire_after=3600)
    assert first.from_cache is False and first.result["list"]
    assert real.fetch(WALLET, UNIFIED, auth=True, expire_after=3600).from_cache is True
    app.reset_counts()
    impostor = private_cache("not-the-demo-secret")
    with pytest.raises(AuthenticationError) as refused:
        impostor.fetch(WALLET, UNIFIED, auth=True, expire_after=3600)
    assert refused.value.ret_code == 10004 and app.requests[WALLET] >= 1  # asked the exchange, which refused
    with pytest.raises(CacheMissError, match="not in the cache"):
        private_cache("not-the-demo-secret", offline_only=True).fetch(
            WALLET, UNIFIED, auth=True, expire_after=3600
        )
    again = private_cache(offline_only=True).fetch(WALLET, UNIFIED, auth=True, expire_after=3600)
    assert again.from_cache is True and again.result == first.result
    stored = (tmp_path / "private.sqlite").read_bytes()
    assert DEMO_API_KEY.encode() not in stored and DEMO_API_SECRET.encode() not in stored


# -- budgets -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("https://api.bybit.com", "https://api.bytick.com"),
        ("https://api.bybit.com", "https://API.Bybit.com/"),
        ("https://api.bybit.com", "https://api.bybit.nl"),
        ("https://api-testnet.bybit.com", "https://api-testnet.bybit.com:443"),
        ("http://localhost:8080", "http://127.0.0.1:8080"),
        ("http://localhost:8080", "http://[::1]:8080"),
        ("http://127.0.0.1:8080", "http://127.0.0.2:8080"),
    ],
)
def test_names_of_one_exchange_share_a_budget_key(one: str, other: str) -> None:
    assert budget_key(one) == budget_key(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("https://api.bybit.com", "https://api-testnet.bybit.com"),
        ("https://api.bybit.com", "https://api-demo.bybit.com"),
        ("https://api-testnet.bybit.com", "https://api-demo-testnet.bybit.com"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8081"),
        ("http://10.0.0.1:80", "http://10.0.0.2:80"),
    ],
)
def test_other_exchanges_have_other_budget_keys(one: str, other: str) -> None:
    assert budget_key(one) != budget_key(other)


def test_a_proxy_sends_from_its_own_ip_and_its_password_stays_out_of_the_key() -> None:
    direct = budget_key("https://api.bybit.com")
    proxied = budget_key("https://api.bybit.com", "http://user:secret@proxy.example:3128")
    assert proxied != direct and proxied == "bybit-mainnet via http://proxy.example:3128"
    assert "secret" not in proxied and "user" not in proxied


def test_clients_of_one_exchange_through_different_names_share_one_budget_object() -> None:
    clients = [
        Client("mainnet", cache=False),
        Client(base_url="https://api.bytick.com", cache=False, ip_limit=400),
        Client(base_url="http://localhost:18080", cache=False),
        Client(base_url="http://127.0.0.1:18080", cache=False),
        Client("testnet", cache=False),
    ]
    try:
        mainnet, bytick, localhost, loopback, testnet = (c.limiter.ip for c in clients)
        assert mainnet is bytick and mainnet.nominal_limit == 400  # the smaller budget wins for both
        assert localhost is loopback and localhost is not mainnet
        assert testnet is not mainnet
    finally:
        for client in clients:
            client.close()


def _storm(clients: list[Client], per_client: int) -> list[str]:
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(client: Client, n: int) -> None:
        for i in range(n):
            try:
                client.get("/v5/market/time", {"n": i})
                result = "ok"
            except RateLimitError as exc:
                result = f"HTTP {exc.http_status}"
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=run, args=(client, per_client)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.tcp
def test_clients_through_localhost_and_127_0_0_1_together_stay_under_the_ip_limit() -> None:
    # the exchange allows 30 per 5 s per IP; each client alone would allow itself 25
    limits = {"now_ms": NOW_MS, "ip_limit": 30, "ip_window_ms": 5000}
    with serve(config=SimConfig(**limits)) as url:
        port = url.rsplit(":", 1)[1]
        clients = [
            Client(base_url=f"http://localhost:{port}", cache=False, ip_limit=25),
            Client(base_url=f"http://127.0.0.1:{port}", cache=False, ip_limit=25),
        ]
        try:
            started = time.monotonic()
            outcomes = _storm(clients, 15)
            elapsed = time.monotonic() - started
        finally:
            for client in clients:
                client.close()
    assert outcomes.count("ok") == 30 and "HTTP 403" not in outcomes
    assert elapsed > 4.0  # the five beyond the shared 25 waited for the window to roll


@pytest.mark.tcp
def test_the_same_storm_on_separate_budgets_draws_403() -> None:
    # what happened before: each name its own budget, together past the exchange's limit
    limits = {"now_ms": NOW_MS, "ip_limit": 30, "ip_window_ms": 5000}
    app = create_app(SimConfig(**limits))
    with serve(app=app) as url:
        port = url.rsplit(":", 1)[1]
        clients = [
            Client(base_url=f"http://localhost:{port}", cache=False, limiter=RateLimiter(ip_limit=25)),
            Client(base_url=f"http://127.0.0.1:{port}", cache=False, limiter=RateLimiter(ip_limit=25)),
        ]
        try:
            outcomes = _storm(clients, 20)
        finally:
            for client in clients:
                client.close()
    assert "HTTP 403" in outcomes
