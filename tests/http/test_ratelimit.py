"""The client-side limiter: sliding windows, private endpoint budgets, and slowing down on the exchange's
word."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from bybit_research.client import Client
from bybit_research.errors import RateLimitError
from bybit_research.http.clock import ServerClock
from bybit_research.http.transports.ratelimit import (
    PRIVATE_ENDPOINT_LIMITS,
    IpBudget,
    RateLimiter,
    SlidingWindow,
)

from .conftest import Recorder, envelope


class FakeTime:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_burst_that_fits_the_window_is_not_slowed() -> None:
    fake = FakeTime()
    window = SlidingWindow(550, 5.0, fake.clock, fake.sleep)
    assert sum(window.acquire() for _ in range(550)) == 0.0
    assert fake.slept == []
    assert window.in_window() == 550


def test_full_window_waits_for_the_oldest_request_to_leave() -> None:
    fake = FakeTime()
    window = SlidingWindow(3, 5.0, fake.clock, fake.sleep)
    window.acquire()  # t=1000
    fake.now += 1.0
    window.acquire()  # t=1001
    window.acquire()  # t=1001
    fake.now += 1.0  # t=1002
    assert window.acquire() == pytest.approx(3.0)  # until t=1005, when the first one leaves
    assert fake.now == pytest.approx(1005.0)
    assert window.acquire() == pytest.approx(1.0)  # until t=1006, when the two at t=1001 leave
    assert window.acquire() == 0.0


def test_private_calls_take_endpoint_budget_with_reserve() -> None:
    fake = FakeTime()
    limiter = RateLimiter(clock=fake.clock, sleep=fake.sleep)
    for _ in range(4):  # fee-rate: Bybit 5/s, client keeps one in reserve
        limiter.acquire("/v5/account/fee-rate", private=True)
    assert fake.slept == []
    limiter.acquire("/v5/account/fee-rate", private=True)
    assert fake.slept == [pytest.approx(1.0)]
    # public calls only count against the IP window
    for _ in range(100):
        limiter.acquire("/v5/market/kline", private=False)
    assert len(fake.slept) == 1
    assert limiter.ip.in_window() == 105
    assert PRIVATE_ENDPOINT_LIMITS["/v5/account/wallet-balance"] == 50
    assert PRIVATE_ENDPOINT_LIMITS["/v5/account/transaction-log"] == 25


def response(status: int = 200, code: int = 0, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=envelope(None, code, "x"), headers=headers or {})


def test_limit_exceeded_pauses_that_endpoint_until_reset() -> None:
    fake = FakeTime()
    limiter = RateLimiter(clock=fake.clock, sleep=fake.sleep)
    reset = str(int(time.time() * 1000) + 800)
    limiter.observe(
        "/v5/position/list", True, response(code=10006, headers={"X-Bapi-Limit-Reset-Timestamp": reset})
    )
    limiter.acquire("/v5/market/kline", private=False)
    assert fake.slept == []  # other endpoints go on
    limiter.acquire("/v5/position/list", private=True)
    assert len(fake.slept) == 1 and 0.6 <= fake.slept[0] <= 0.8


def test_low_limit_status_spaces_calls_out() -> None:
    fake = FakeTime()
    limiter = RateLimiter(clock=fake.clock, sleep=fake.sleep)
    limiter.observe(
        "/v5/order/history", True, response(headers={"X-Bapi-Limit": "50", "X-Bapi-Limit-Status": "3"})
    )
    limiter.acquire("/v5/order/history", private=True)
    assert fake.slept == [pytest.approx(0.02)]
    limiter.observe(
        "/v5/order/history", True, response(headers={"X-Bapi-Limit": "50", "X-Bapi-Limit-Status": "40"})
    )
    limiter.acquire("/v5/order/history", private=True)
    assert len(fake.slept) == 1


def test_http_403_opens_the_breaker_shrinks_once_and_recovers() -> None:
    fake = FakeTime()
    limiter = RateLimiter(clock=fake.clock, sleep=fake.sleep, ip_ban_s=600)
    in_flight = [limiter.reserve("/v5/market/kline", private=False) for _ in range(5)]
    for sent_at in in_flight:  # five answers of requests sent before the first 403 was seen
        limiter.observe("/v5/market/kline", False, response(403), sent_at)
    assert limiter.ip.limit == 275  # halved once, not 550 / 2**5
    fake.now += 599
    with pytest.raises(RateLimitError, match=r"request not sent: .*HTTP 403.*\(1 s from now") as info:
        limiter.acquire("/v5/market/kline", private=False)
    assert info.value.ret_code is None and info.value.endpoint == "/v5/market/kline"
    assert fake.slept == [] and limiter.ip.in_window() == 0  # nothing recorded while the breaker is open
    fake.now += 1  # the ban is over: requests go again, at the reduced budget first
    limiter.acquire("/v5/market/kline", private=False)
    assert limiter.ip.limit == 275
    restored = []
    for _ in range(3):  # each quiet 5 s window gives back a quarter of the nominal 550
        fake.now += 5.0
        limiter.acquire("/v5/market/kline", private=False)
        restored.append(limiter.ip.limit)
    assert restored == [412, 549, 550]
    # a 403 to a request sent after the shrink is a new breach: shrink again
    sent_at = limiter.reserve("/v5/market/kline", private=False)
    limiter.observe("/v5/market/kline", False, response(403), sent_at)
    assert limiter.ip.limit == 275


def test_concurrent_403s_do_not_collapse_the_budget_and_the_breaker_sends_nothing(make_client) -> None:
    recorder = Recorder(httpx.Response(403, text="access too frequent"))
    client = make_client(recorder, ip_ban_s=600)

    def one(i: int) -> str:
        try:
            client.get("/v5/market/time", {"n": i})
        except RateLimitError as exc:
            return "not sent" if "request not sent" in str(exc) else "403"
        return "ok"

    with ThreadPoolExecutor(20) as pool:
        outcomes = list(pool.map(one, range(200)))
    assert outcomes.count("403") == recorder.count  # every request that reached the exchange got its 403
    assert 1 <= recorder.count <= 20  # at most the requests already in flight when the first 403 came back
    assert outcomes.count("not sent") == 200 - recorder.count
    assert client.limiter.ip.limit == 275  # halved once
    assert 599 < client.limiter.ip.ban_remaining() <= 600


def test_reset_timestamps_use_the_learned_server_clock() -> None:
    fake = FakeTime()
    server = ServerClock()
    now = int(time.time() * 1000)
    server.learn(now - 120_000, now, now)  # the server is two minutes behind this machine
    limiter = RateLimiter(clock=fake.clock, sleep=fake.sleep, server_clock=server)
    reset = str(server.now_ms() + 800)
    limiter.observe(
        "/v5/position/list", True, response(code=10006, headers={"X-Bapi-Limit-Reset-Timestamp": reset})
    )
    limiter.acquire("/v5/position/list", private=True)
    # compared with the local clock the reset would be in the past and the pause the 1 s default
    assert len(fake.slept) == 1 and 0.6 <= fake.slept[0] <= 0.8


def test_both_windows_are_stamped_when_the_request_really_goes_out() -> None:
    fake = FakeTime()
    limiter = RateLimiter(ip_limit=1, clock=fake.clock, sleep=fake.sleep)
    assert limiter.reserve("/v5/account/fee-rate", private=True) == 1000.0
    # the IP window is full until t=1005: the endpoint stamp must be 1005 too, not 1000
    assert limiter.reserve("/v5/account/fee-rate", private=True) == 1005.0
    window = limiter._endpoint("/v5/account/fee-rate")
    window.wait_locked(1005.0)  # drop entries older than the 1 s window
    assert list(window._sent) == [1005.0]
    assert fake.slept == [pytest.approx(5.0)]


def test_clients_of_one_host_share_the_ip_budget() -> None:
    first = Client(base_url="http://shared-budget.test", cache=False)
    second = Client(base_url="http://shared-budget.test", cache=False, ip_limit=300)
    other_host = Client(base_url="http://other-budget.test", cache=False)
    mocked = Client(
        base_url="http://shared-budget.test", cache=False, transport=httpx.MockTransport(Recorder())
    )
    own = RateLimiter(ip_limit=10)
    given = Client(base_url="http://shared-budget.test", cache=False, limiter=own)
    try:
        assert first.limiter.ip is second.limiter.ip
        assert isinstance(first.limiter.ip, IpBudget)
        assert first.limiter.ip.nominal_limit == 300  # the smaller budget wins for everyone
        assert other_host.limiter.ip is not first.limiter.ip
        assert mocked.limiter.ip is not first.limiter.ip  # a mock transport is no real IP
        assert given.limiter is own
    finally:
        for client in (first, second, other_host, mocked, given):
            client.close()


def test_offline_simulators_keep_their_own_budgets() -> None:
    from bybit_research.sim import create_app

    with (
        Client("offline", sim_app=create_app(now_ms=1_717_200_000_000)) as one,
        Client("offline", sim_app=create_app(now_ms=1_717_200_000_000)) as two,
    ):
        assert one.limiter.ip is not two.limiter.ip


def test_cache_hits_and_transport_take_tokens(make_client, tmp_path) -> None:
    recorder = Recorder(httpx.Response(200, json=envelope({"list": [1]})))
    client = make_client(recorder, cache=True, cache_path=tmp_path / "c.sqlite")
    for _ in range(5):
        client.get("/v5/market/instruments-info", {"category": "spot"})
    assert recorder.count == 1
    assert client.limiter.ip.in_window() == 1  # hits cost no tokens


def test_retries_take_tokens_too(make_client) -> None:
    recorder = Recorder(httpx.Response(503, text="busy"), httpx.Response(200, json=envelope({})))
    client = make_client(recorder)
    client.get("/v5/market/tickers", {"category": "spot"})
    assert recorder.count == 2
    assert client.limiter.ip.in_window() == 2


def test_window_validation() -> None:
    with pytest.raises(ValueError, match="limit >= 1"):
        SlidingWindow(0, 1.0)
