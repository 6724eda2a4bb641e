"""Rate limits: rolling windows, the IP limit (HTTP 403), per-UID endpoint limits (10006 + X-Bapi-Limit*)."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from bybit_research.sim.limits import DEFAULT_UID_LIMIT, IpLimiter, LimitStatus, RollingWindow, UidLimiter

ECHO, PUBLIC, PARAMS = "/v5/test/echo", "/v5/test/public", "/v5/test/params"


class FakeClock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_rolling_window_frees_slots_as_events_leave() -> None:
    window = RollingWindow(limit=2, window_ms=1000)
    assert window.try_acquire(0) and window.try_acquire(400)
    assert not window.try_acquire(999)
    assert window.remaining(999) == 0 and window.frees_at(999) == 1000
    assert window.try_acquire(1000)  # the event at 0 left the window
    assert not window.try_acquire(1399)
    assert window.try_acquire(1400)
    assert window.frees_at(5000) == 5000 and window.remaining(5000) == 2


def test_ip_limiter_refuses_over_the_budget_and_recovers() -> None:
    clock = FakeClock()
    limiter = IpLimiter(limit=3, window_ms=5000, clock=clock)
    assert [limiter.allow("1.1.1.1") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("2.2.2.2") is True  # budgets are per IP
    clock.now += 4999
    assert limiter.allow("1.1.1.1") is False
    clock.now += 1
    assert limiter.allow("1.1.1.1") is True


def test_ip_ban_outlasts_the_window() -> None:
    clock = FakeClock()
    limiter = IpLimiter(limit=2, window_ms=1000, ban_ms=600_000, clock=clock)
    assert [limiter.allow("ip") for _ in range(3)] == [True, True, False]
    clock.now += 5_000
    assert limiter.allow("ip") is False
    clock.now += 600_000
    assert limiter.allow("ip") is True
    limiter.allow("ip"), limiter.allow("ip")
    limiter.reset()
    assert limiter.allow("ip") is True


def test_ip_limit_zero_disables() -> None:
    limiter = IpLimiter(limit=0, window_ms=5000)
    assert all(limiter.allow("ip") for _ in range(2000))
    with pytest.raises(ValueError):
        IpLimiter(limit=-1, window_ms=5000)


def test_uid_limiter_status_and_reset_timestamp() -> None:
    clock = FakeClock(1_700_000_000_000.0)
    limiter = UidLimiter(clock=clock)
    statuses = []
    for _ in range(3):
        statuses.append(limiter.check(42, "GET /a", 3))
        clock.now += 100
    assert statuses == [
        LimitStatus(3, 2, 1_700_000_000_000, False),
        LimitStatus(3, 1, 1_700_000_000_100, False),
        LimitStatus(3, 0, 1_700_000_000_200, False),
    ]
    refused = limiter.check(42, "GET /a", 3)
    assert refused == LimitStatus(3, 0, 1_700_000_001_000, True)  # when the first request leaves the window
    assert limiter.check(42, "GET /b", 3).remaining == 2  # per endpoint
    assert limiter.check(7, "GET /a", 3).remaining == 2  # per UID
    clock.now = 1_700_000_001_000
    assert limiter.check(42, "GET /a", 3) == LimitStatus(3, 0, 1_700_000_001_000, False)
    assert refused.headers() == {
        "X-Bapi-Limit": "3",
        "X-Bapi-Limit-Status": "0",
        "X-Bapi-Limit-Reset-Timestamp": "1700000001000",
    }


def test_uid_limiter_not_enforced_still_reports() -> None:
    limiter = UidLimiter(enforce=False, clock=FakeClock())
    statuses = [limiter.check(1, "GET /a", 2) for _ in range(4)]
    assert [s.exceeded for s in statuses] == [False] * 4
    assert [s.remaining for s in statuses] == [1, 0, 0, 0]


# -- through the app -----------------------------------------------------------------------------------------


def test_ip_limit_answers_403_and_recovers_after_the_window(make_app: Any, connect: Any) -> None:
    app = make_app(ip_limit=5, ip_window_ms=300)
    client = connect(app)
    assert [client.get(PUBLIC).status_code for _ in range(5)] == [200] * 5
    refused = client.get(PUBLIC)
    assert refused.status_code == 403
    assert refused.text == "access too frequent"
    assert (
        connect(app, remote_addr="10.0.0.9").get(PUBLIC).status_code == 200
    )  # another IP has its own budget
    time.sleep(0.35)
    assert client.get(PUBLIC).json()["retCode"] == 0
    assert app.requests[PUBLIC] == 8  # refused requests reached routing and are counted


def test_ip_limit_counts_every_path_including_private(make_app: Any, connect: Any, sign: Any) -> None:
    client = connect(make_app(ip_limit=2, ip_window_ms=60_000))
    assert client.get(PUBLIC).status_code == 200
    assert client.get(ECHO, headers=sign("")).status_code == 200
    assert client.get(ECHO, headers=sign("")).status_code == 403


def test_ip_ban_in_the_app(make_app: Any, connect: Any) -> None:
    app = make_app(ip_limit=1, ip_window_ms=50, ip_ban_ms=60_000)
    client = connect(app)
    assert [client.get(PUBLIC).status_code for _ in range(2)] == [200, 403]
    time.sleep(0.1)
    assert client.get(PUBLIC).status_code == 403  # the window is free, the ban is not over
    app.reset_limits()
    assert client.get(PUBLIC).status_code == 200


def test_default_ip_limit_allows_600_in_a_burst(make_app: Any, connect: Any) -> None:
    client = connect(make_app())
    codes = [client.get("/v5/market/time").status_code for _ in range(601)]
    assert codes[:600] == [200] * 600 and codes[600] == 403


def test_uid_limit_10006_with_headers(make_app: Any, connect: Any, sign: Any) -> None:
    client = connect(make_app())
    before = int(time.time() * 1000)
    answers = [client.get(ECHO, headers=sign("")) for _ in range(4)]
    after = int(time.time() * 1000)
    assert [a.status_code for a in answers] == [200] * 4
    assert [a.json()["retCode"] for a in answers] == [0, 0, 0, 10006]
    assert answers[3].json()["retMsg"] == "Too many visits!"
    assert [a.headers["X-Bapi-Limit"] for a in answers] == ["3"] * 4
    assert [a.headers["X-Bapi-Limit-Status"] for a in answers] == ["2", "1", "0", "0"]
    resets = [int(a.headers["X-Bapi-Limit-Reset-Timestamp"]) for a in answers]
    assert all(before <= r <= after for r in resets[:3])  # not exceeded: now (wall clock)
    assert before + 1000 <= resets[3] <= after + 1001  # exceeded: when the first call leaves the 1 s window
    assert resets[3] == resets[0] + 1000 or resets[3] == resets[0] + 1001


def test_uid_limit_is_per_method_and_recovers(make_app: Any, connect: Any, sign: Any) -> None:
    client = connect(make_app())
    for _ in range(3):
        client.get(ECHO, headers=sign(""))
    assert client.post(ECHO, content=b"{}", headers=sign("{}")).json()["retCode"] == 0
    refused = client.get(ECHO, headers=sign(""))
    wait = int(refused.headers["X-Bapi-Limit-Reset-Timestamp"]) / 1000 - time.time()
    time.sleep(max(wait, 0) + 0.02)
    assert client.get(ECHO, headers=sign("")).json()["retCode"] == 0


def test_limit_headers_on_every_private_answer_only(make_app: Any, connect: Any, sign: Any) -> None:
    client = connect(make_app())
    param_error = client.get(PARAMS, headers=sign(""))
    assert param_error.json()["retCode"] == 10001
    assert param_error.headers["X-Bapi-Limit"] == str(DEFAULT_UID_LIMIT)  # route registered without uid_limit
    assert param_error.headers["X-Bapi-Limit-Status"] == str(DEFAULT_UID_LIMIT - 1)
    assert "X-Bapi-Limit" not in client.get(PUBLIC).headers
    assert "X-Bapi-Limit" not in client.get(ECHO).headers  # auth failed: no UID to report on


def test_uid_limits_can_be_switched_off(make_app: Any, connect: Any, sign: Any) -> None:
    client = connect(make_app(uid_limits=False))
    answers = [client.get(ECHO, headers=sign("")) for _ in range(6)]
    assert [a.json()["retCode"] for a in answers] == [0] * 6
    assert answers[-1].headers["X-Bapi-Limit-Status"] == "0"


def test_a_uid_limit_can_be_overridden_and_is_reported_as_such(
    make_app: Any, connect: Any, sign: Any
) -> None:
    raised = connect(make_app(uid_limit_overrides={ECHO: 5}))
    answers = [raised.get(ECHO, headers=sign("")) for _ in range(6)]  # Bybit's (the route's) limit is 3
    assert [a.json()["retCode"] for a in answers] == [0] * 5 + [10006]
    assert [a.headers["X-Bapi-Limit"] for a in answers] == ["5"] * 6
    assert [a.headers["X-Bapi-Limit-Status"] for a in answers[:5]] == ["4", "3", "2", "1", "0"]


def test_limits_hold_under_concurrency(make_app: Any, connect: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    client: httpx.Client = connect(make_app(ip_limit=50, ip_window_ms=60_000))
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: client.get(PUBLIC).status_code, range(80)))
    assert codes.count(200) == 50 and codes.count(403) == 30
