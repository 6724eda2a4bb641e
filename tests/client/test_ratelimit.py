"""The client-side limiter: sliding windows, private endpoint budgets, and slowing down on the exchange's
word."""

from __future__ import annotations

import time

import httpx
import pytest

from bybit_research.transports.ratelimit import PRIVATE_ENDPOINT_LIMITS, RateLimiter, SlidingWindow

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


def test_http_403_halves_ip_budget_and_pauses() -> None:
    fake = FakeTime()
    limiter = RateLimiter(clock=fake.clock, sleep=fake.sleep)
    limiter.observe("/v5/market/kline", False, response(403))
    assert limiter.ip.limit == 275
    limiter.acquire("/v5/market/kline", private=False)
    assert fake.slept == [pytest.approx(5.0)]


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
