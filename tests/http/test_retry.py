"""Retries where they help, fresh signatures per attempt, and the one clock resync on retCode 10002."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from bybit_research.client import Client
from bybit_research.errors import AuthenticationError, NetworkError, ServerError
from bybit_research.http.signing import hmac_signature, sign_string
from bybit_research.http.transports.retry import RetryPolicy

from .conftest import TEST_KEY, TEST_SECRET, Recorder, envelope

WALLET = "/v5/account/wallet-balance"


def ok(result: dict | None = None) -> httpx.Response:
    return httpx.Response(200, json=envelope(result or {"list": ["ok"]}))


def test_transient_failures_then_success(make_client) -> None:
    recorder = Recorder(
        httpx.Response(200, json=envelope(None, 10016, "System error. Please try again later.")),
        httpx.Response(502, text="bad gateway"),
        httpx.ReadTimeout("stalled"),
        httpx.Response(200, json=envelope(None, 10000, "server timeout")),
        ok(),
    )
    client = make_client(recorder)
    assert client.get("/v5/market/tickers", {"category": "spot"}) == {"list": ["ok"]}
    assert recorder.count == 5
    # exponential backoff: 0.2, 0.4, 0.8, 1.6 s plus up to 0.2 s jitter each
    assert len(client.slept) == 4
    for attempt, waited in enumerate(client.slept):
        assert 0.2 * 2**attempt <= waited <= 0.2 * 2**attempt + 0.2
    assert all(r.url == recorder.requests[0].url for r in recorder.requests)


def test_limit_exceeded_waits_until_reset_timestamp(make_client) -> None:
    reset_ms = int(time.time() * 1000) + 700
    limited = httpx.Response(
        200,
        json=envelope(None, 10006, "Too many visits!"),
        headers={
            "X-Bapi-Limit": "50",
            "X-Bapi-Limit-Status": "0",
            "X-Bapi-Limit-Reset-Timestamp": str(reset_ms),
        },
    )
    recorder = Recorder(limited, ok())
    client = make_client(recorder)
    assert client.get(WALLET, {"accountType": "UNIFIED"}, auth=True) == {"list": ["ok"]}
    assert recorder.count == 2
    assert len(client.slept) == 1 and 0.5 <= client.slept[0] <= 0.75


def test_each_attempt_is_signed_afresh(make_client) -> None:
    recorder = Recorder(httpx.Response(503, text="busy"), ok())
    client = make_client(recorder)
    client.get(WALLET, {"accountType": "UNIFIED"}, auth=True)
    first, second = recorder.requests
    for request in (first, second):
        expected = hmac_signature(
            TEST_SECRET,
            sign_string(request.headers["X-BAPI-TIMESTAMP"], TEST_KEY, 5000, "accountType=UNIFIED"),
        )
        assert request.headers["X-BAPI-SIGN"] == expected
        assert request.url.query == b"accountType=UNIFIED"
    assert first.headers["X-BAPI-SIGN-TYPE"] == "2"
    assert first.headers["X-BAPI-RECV-WINDOW"] == "5000"


@pytest.mark.parametrize("code", [10001, 10003, 10004, 10005])
def test_never_retried(make_client, code) -> None:
    recorder = Recorder(httpx.Response(200, json=envelope(None, code, "no")), ok())
    client = make_client(recorder)
    with pytest.raises(Exception) as info:
        client.get(WALLET, auth=True)
    assert info.value.ret_code == code  # type: ignore[attr-defined]
    assert recorder.count == 1 and client.slept == []


class SkewedExchange:
    """Accepts a signed request only if its timestamp is within the window of a clock 30 s ahead."""

    def __init__(self, skew_ms: int = 30_000) -> None:
        self.skew_ms = skew_ms
        self.paths: list[str] = []
        self.timestamps: list[int] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        now = int(time.time() * 1000) + self.skew_ms
        if request.url.path == "/v5/market/time":
            result = {"timeSecond": str(now // 1000), "timeNano": str(now * 1_000_000)}
            return httpx.Response(200, json=envelope(result, time_ms=now))
        stamp = int(request.headers["X-BAPI-TIMESTAMP"])
        self.timestamps.append(stamp)
        if not now - 5000 <= stamp < now + 1000:
            message = f"invalid request, please check your server timestamp. req_timestamp[{stamp}]"
            return httpx.Response(200, json=envelope(None, 10002, message, time_ms=now))
        return ok({"accepted": stamp})


def test_timestamp_rejection_resyncs_clock_once_then_retries(make_client) -> None:
    exchange = SkewedExchange()
    client = make_client(Recorder(exchange))
    result = client.get(WALLET, {"accountType": "UNIFIED"}, auth=True)
    assert exchange.paths == [WALLET, "/v5/market/time", WALLET]
    assert 29_000 <= client.clock.offset_ms <= 31_000
    assert result == {"accepted": exchange.timestamps[1]}
    assert exchange.timestamps[1] - exchange.timestamps[0] >= 29_000
    # the learned offset is kept: the next call succeeds at once
    client.get(WALLET, {"accountType": "UNIFIED"}, auth=True)
    assert exchange.paths[3:] == [WALLET]


def test_timestamp_rejection_is_not_retried_forever(make_client) -> None:
    always = httpx.Response(
        200, json=envelope(None, 10002, "invalid request, please check your server timestamp")
    )
    recorder = Recorder(always)
    client = make_client(recorder)
    with pytest.raises(AuthenticationError, match="10002"):
        client.get(WALLET, auth=True)
    # first attempt, /v5/market/time (answered 10002 too, so no resync), nothing more
    assert [r.url.path for r in recorder.requests] == [WALLET, "/v5/market/time"]


def test_total_time_bound_stops_retrying(make_client) -> None:
    recorder = Recorder(httpx.Response(200, json=envelope(None, 10016, "System error")))
    client = make_client(recorder, max_attempts=50, retry_max_time=1.0)
    with pytest.raises(ServerError):
        client.get("/v5/market/tickers")
    # the fake clock moves by the backoffs only: 0.2-0.4 s, then 0.4-0.6 s (total <= 1.0), then a 0.8-1.0 s
    # backoff would end past the 1.0 s deadline, so the third attempt is the last
    assert recorder.count == 3
    assert len(client.slept) == 2
    assert client.fake_now[0] == pytest.approx(sum(client.slept))
    assert 0.6 <= client.fake_now[0] <= 1.0


def test_retry_policy_validation() -> None:
    with pytest.raises(ValueError, match="max_attempts >= 1"):
        RetryPolicy(max_attempts=0)


def test_deadline_cuts_timeouts_of_a_stalled_exchange() -> None:
    """A stalled exchange: each attempt waits for its read timeout. The call must end within
    retry_max_time (+ one timeout), and later attempts get only the time left as timeout."""
    seen: list[float] = []

    def stalled(request: httpx.Request) -> httpx.Response:
        read = request.extensions["timeout"]["read"]
        seen.append(read)
        time.sleep(min(read, 2.0))
        raise httpx.ReadTimeout("stalled", request=request)

    client = Client(
        base_url="http://stall.test",
        cache=False,
        transport=httpx.MockTransport(stalled),
        timeout=0.3,
        retry_max_time=0.8,
        max_attempts=10,
    )
    started = time.monotonic()
    with pytest.raises(NetworkError, match="ReadTimeout"):
        client.get("/v5/market/kline")
    elapsed = time.monotonic() - started
    client.close()
    assert seen[0] == pytest.approx(0.3)
    assert 2 <= len(seen) < 10
    assert all(read <= 0.3 for read in seen)
    assert seen[-1] < 0.3  # the last attempt only got what was left before the deadline
    # bounded by the deadline, not by the attempts (10 x 0.3 s timeouts + backoffs > 3 s);
    # the rest is slack for a busy machine
    assert elapsed < 2.5


def test_limit_reset_is_compared_with_the_server_clock(make_client) -> None:
    client = make_client(Recorder())
    now = int(time.time() * 1000)
    client.clock.learn(now + 60_000, now, now)  # the server runs a minute ahead of this machine
    reset_ms = client.clock.now_ms() + 700
    limited = httpx.Response(
        200,
        json=envelope(None, 10006, "Too many visits!"),
        headers={"X-Bapi-Limit-Status": "0", "X-Bapi-Limit-Reset-Timestamp": str(reset_ms)},
    )
    recorder = Recorder(limited, ok())
    client = make_client(recorder)
    client.clock.learn(now + 60_000, now, now)
    assert client.get(WALLET, {"accountType": "UNIFIED"}, auth=True) == {"list": ["ok"]}
    # the local clock would say 60.7 s (capped at 10 s); the server clock says 0.7 s
    assert len(client.slept) == 1 and 0.5 <= client.slept[0] <= 0.75


def test_concurrent_timestamp_rejections_resync_once(make_client) -> None:
    exchange = SkewedExchange()
    barrier = threading.Barrier(8)

    def slow_exchange(request: httpx.Request) -> httpx.Response:
        answer = exchange(request)
        if request.url.path == WALLET and len(exchange.timestamps) <= 8:
            time.sleep(0.05)  # let every thread's first answer be in flight together
        return answer

    client = make_client(Recorder(slow_exchange))

    def call(i: int) -> dict:
        barrier.wait()
        return client.get(WALLET, {"accountType": "UNIFIED", "n": i}, auth=True)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(call, range(8)))
    assert all(r["accepted"] > 0 for r in results)
    assert exchange.paths.count("/v5/market/time") == 1
    assert exchange.paths.count(WALLET) == 16  # each thread: one rejected attempt, one re-signed
    assert client.limiter.ip.in_window() == 8 + 1  # the resync took a token; re-signing is the same attempt
