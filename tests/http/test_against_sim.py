"""The client against the real simulator: in-process (offline env), over TCP, faults and the IP limit."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bybit_research.client import Client
from bybit_research.errors import AuthenticationError, RateLimitError
from bybit_research.http.transports.cache import DO_NOT_CACHE, NEVER_EXPIRE
from bybit_research.http.transports.ratelimit import IpBudget

from .conftest import sim_ready

pytestmark = pytest.mark.skipif(not sim_ready(), reason="bybit_research.sim.app is not written yet")

NOW_MS = 1_717_200_000_000  # 2024-06-01 00:00 UTC
KLINE = {"category": "linear", "symbol": "BTCUSDT", "interval": "60", "limit": 5}
PRIVATE = "/v5/test/private"
LIMITED = "/v5/test/limited"
SYMBOLS = ("BTCUSDT", "ETHUSDT") * 15


@pytest.fixture(scope="module", autouse=True)
def private_test_route() -> None:
    from bybit_research.sim.core import route

    @route(PRIVATE, auth=True)
    def private(exchange, request):
        return {"ok": 1, "echo": request.get("tag")}

    @route(LIMITED, auth=True, uid_limit=50)
    def limited(exchange, request):
        return {"ok": 1, "echo": request.get("tag")}


def offline_client(**kwargs) -> Client:
    from bybit_research.sim import create_app

    kwargs.setdefault("sim_app", create_app(now_ms=NOW_MS, **kwargs.pop("sim", {})))
    return Client("offline", **kwargs)


def test_offline_env_mounts_the_simulator_in_process() -> None:
    with offline_client() as client:
        assert client.env == "offline" and client.base_url.startswith("http://sim-seed")
        reply = client.fetch("/v5/market/time", expire_after=DO_NOT_CACHE)
        assert reply.time_ms == NOW_MS
        assert int(reply.result["timeSecond"]) == NOW_MS // 1000


def test_offline_klines_are_cached() -> None:
    with offline_client() as client:
        first = client.fetch("/v5/market/kline", KLINE, expire_after=NEVER_EXPIRE)
        second = client.fetch("/v5/market/kline", KLINE, expire_after=NEVER_EXPIRE)
        assert (first.from_cache, second.from_cache) == (False, True)
        assert first.result == second.result
        assert len(first.result["list"]) == 5
        assert first.result["symbol"] == "BTCUSDT"


def test_signed_requests_pass_the_simulators_verification() -> None:
    from bybit_research.sim import DEMO_RSA_API_KEY, DEMO_RSA_PRIVATE_KEY_PEM

    with offline_client() as client:
        assert client.get(PRIVATE, {"tag": "a%b=c"}, auth=True) == {"ok": 1, "echo": "a%b=c"}
    with offline_client(api_key=DEMO_RSA_API_KEY, rsa_private_key=DEMO_RSA_PRIVATE_KEY_PEM) as client:
        assert client.get(PRIVATE, {"tag": "rsa"}, auth=True) == {"ok": 1, "echo": "rsa"}


def test_simulator_refuses_bad_credentials() -> None:
    from bybit_research.sim import DEMO_API_KEY

    with offline_client(api_key=DEMO_API_KEY, api_secret="wrong-secret") as client:
        with pytest.raises(AuthenticationError) as info:
            client.get(PRIVATE, auth=True)
        assert info.value.ret_code == 10004
        assert "wrong-secret" not in str(info.value)
    with offline_client(api_key="unknown-key-123", api_secret="whatever") as client:
        with pytest.raises(AuthenticationError) as info:
            client.get(PRIVATE, auth=True)
        assert info.value.ret_code == 10003


@pytest.mark.parametrize("mode", ["10016", "502", "503", "mixed"])
def test_fault_injection_is_retried_to_correct_results(mode: str) -> None:
    from bybit_research.sim import create_app

    with offline_client(cache=False) as clean:
        expected = [clean.get("/v5/market/kline", {**KLINE, "symbol": s}) for s in SYMBOLS]
    # "mixed" may stall: in-process there is no socket timeout, so keep stalls short
    faulty_app = create_app(now_ms=NOW_MS, fail_rate=0.1, fail_mode=mode, stall_s=0.01)
    with Client("offline", sim_app=faulty_app, cache=False) as client:
        got = [client.get("/v5/market/kline", {**KLINE, "symbol": s}) for s in SYMBOLS]
    assert got == expected
    reached = sum(faulty_app.requests.values())
    assert len(got) == 30 and got[0]["symbol"] == "BTCUSDT" and got[1]["symbol"] == "ETHUSDT"
    assert 30 < reached <= 30 * 5  # some attempts were repeated, each request at most max_attempts times


@pytest.mark.tcp
def test_stalls_time_out_and_are_retried_over_tcp(caplog: pytest.LogCaptureFixture) -> None:
    from bybit_research.sim import serve

    caplog.set_level(logging.INFO, logger="bybit_research.http.transports.retry")
    with (
        serve(now_ms=NOW_MS, fail_rate=0.2, fail_mode="stall", stall_s=2.0) as base_url,
        Client(base_url=base_url, timeout=0.25, cache=False) as client,
    ):
        started = time.monotonic()
        results = [client.get("/v5/market/kline", KLINE) for _ in range(15)]
        elapsed = time.monotonic() - started
    assert all(r == results[0] for r in results) and len(results[0]["list"]) == 5
    timeouts = [r for r in caplog.records if "after ReadTimeout" in r.getMessage()]
    assert len(timeouts) >= 1  # stalls happened and were cut short by the client timeout, then retried
    assert elapsed < 30  # generous sanity bound: every stall costs one 0.25 s timeout plus a backoff


@pytest.mark.tcp
@pytest.mark.slow
def test_burst_of_2000_from_20_threads_sees_no_403() -> None:
    from bybit_research.sim import serve

    # the simulator's IP limit: 600 per rolling 5 s
    with serve(now_ms=NOW_MS) as base_url, Client(base_url=base_url, cache=False) as client:

        def one(i: int) -> str:
            try:
                client.get("/v5/market/time", {"n": i})
                return "ok"
            except RateLimitError as exc:
                return f"403: {exc}" if exc.http_status == 403 else f"limit: {exc}"

        with ThreadPoolExecutor(20) as pool:
            outcomes = list(pool.map(one, range(2000)))
    failures = [o for o in outcomes if o != "ok"]
    assert failures == []
    assert len(outcomes) == 2000


def test_simulator_ip_limit_is_real_and_maps_to_rate_limit_error() -> None:
    """Control for the burst test: without a matching client budget, the simulator answers 403."""
    from bybit_research.sim import create_app

    app = create_app(now_ms=NOW_MS, ip_limit=20, ip_window_ms=5000)
    # a short breaker keeps the test fast (Bybit's ban, and the default, is 600 s)
    with Client("offline", sim_app=app, cache=False, ip_limit=600, ip_ban_s=0.3) as client:
        for i in range(20):
            client.get("/v5/market/time", {"n": i})
        with pytest.raises(RateLimitError, match="600 requests per 5 seconds") as info:
            client.get("/v5/market/time", {"n": 20})
        assert info.value.http_status == 403
        assert client.limiter.ip.limit == 300  # halved after the 403
        assert sum(app.requests.values()) == 21
        # while the breaker is open nothing reaches the simulator
        with pytest.raises(RateLimitError, match="request not sent") as info:
            client.get("/v5/market/time", {"n": 21})
        assert info.value.http_status is None
        assert sum(app.requests.values()) == 21
        time.sleep(0.35)  # the breaker closes; the simulator's window is still full, so a new 403
        with pytest.raises(RateLimitError, match="600 requests per 5 seconds"):
            client.get("/v5/market/time", {"n": 22})
        assert sum(app.requests.values()) == 22
        assert client.limiter.ip.limit == 150  # a breach after the shrink shrinks again
    app = create_app(now_ms=NOW_MS, ip_limit=20, ip_window_ms=1000)
    with Client("offline", sim_app=app, cache=False) as client:
        client.limiter.ip = IpBudget(20, 1.2)  # the simulator's budget, with a little margin
        started = time.monotonic()
        for i in range(21):
            client.get("/v5/market/time", {"n": i})
        assert time.monotonic() - started >= 1.1  # the 21st waited for the window instead of being refused


def test_offline_default_app_and_demo_credentials() -> None:
    with Client("offline") as client:
        reply = client.fetch("/v5/account/wallet-balance", {"accountType": "UNIFIED"}, auth=True)
    assert reply.result["list"][0]["accountType"] == "UNIFIED"
    assert reply.headers["X-Bapi-Limit"] == "50"
    assert reply.from_cache is False  # private answers are not cached by default


def test_private_budget_avoids_10006_and_10006_is_waited_out(caplog: pytest.LogCaptureFixture) -> None:
    from bybit_research.http.transports.ratelimit import RateLimiter
    from bybit_research.sim import create_app

    caplog.set_level(logging.INFO, logger="bybit_research.http.transports.retry")

    def run(bybit_limit: int, listen: bool = True) -> list:
        with Client("offline", sim_app=create_app(now_ms=NOW_MS), cache=False) as client:
            # the client's table entry for the test route: Bybit's 50/s, or a budget that ignores it
            client.limiter.__dict__.update(RateLimiter(endpoint_limits={LIMITED: bybit_limit}).__dict__)
            if not listen:  # nor slow down when X-Bapi-Limit-Status runs low
                client.limiter.observe = lambda *args: None  # type: ignore[method-assign]
            return [client.get(LIMITED, {"tag": str(i)}, auth=True) for i in range(60)]

    def limited_retries() -> int:
        return sum("retCode 10006" in r.getMessage() for r in caplog.records)

    expected = [{"ok": 1, "echo": str(i)} for i in range(60)]
    assert run(50) == expected
    assert limited_retries() == 0  # the client-side budget (45/s) kept below the simulator's 50/s
    # ignoring the budget meets retCode 10006; the retry waits for the reset and every answer still arrives
    assert run(10_000, listen=False) == expected
    assert limited_retries() >= 1
