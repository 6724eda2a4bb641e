"""Fault injection: reproducible failure rates, every failure mode, latency and stalls."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import httpx
import pytest

from bybit_research.sim.core import SimConfig
from bybit_research.sim.faults import FaultInjector, validate_faults

PUBLIC = "/v5/test/public"


def outcome(response: httpx.Response) -> str:
    if response.status_code != 200:
        return str(response.status_code)
    return "ok" if response.json()["retCode"] == 0 else str(response.json()["retCode"])


def test_draws_are_reproducible_from_the_seed() -> None:
    first = FaultInjector(SimConfig(fail_rate=0.3)).draw()
    a, b = FaultInjector(SimConfig(fail_rate=0.3)), FaultInjector(SimConfig(fail_rate=0.3))
    c = FaultInjector(SimConfig(fail_rate=0.3, seed=8))
    seq_a, seq_b, seq_c = ([x.draw() for _ in range(200)] for x in (a, b, c))
    assert seq_a == seq_b
    assert seq_a != seq_c
    assert seq_a[0] == first
    assert set(seq_a) == {None, "10016"}


@pytest.mark.parametrize("rate", [0.05, 0.2, 0.5])
def test_failure_rate_within_tolerance(make_app: Any, connect: Any, rate: float) -> None:
    client = connect(make_app(fail_rate=rate, ip_limit=0))
    outcomes = Counter(outcome(client.get(PUBLIC)) for _ in range(400))
    assert set(outcomes) <= {"ok", "10016"}
    assert abs(outcomes["10016"] / 400 - rate) < 0.06


def test_same_seed_same_failures_through_the_app(make_app: Any, connect: Any) -> None:
    runs = []
    for _ in range(2):
        client = connect(make_app(fail_rate=0.25, ip_limit=0))
        runs.append([outcome(client.get(PUBLIC)) for _ in range(60)])
    assert runs[0] == runs[1]
    assert 5 <= runs[0].count("10016") <= 30


def test_10016_answer(make_app: Any, connect: Any) -> None:
    response = connect(make_app(fail_rate=1.0)).get(PUBLIC)
    assert response.status_code == 200
    body = response.json()
    assert (body["retCode"], body["retMsg"], body["result"]) == (
        10016,
        "System error. Please try again later.",
        {},
    )


@pytest.mark.parametrize(("mode", "content_type", "text"), [
    ("502", "text/html", "502 Bad Gateway"),
    ("503", "text/html", "503 Service Temporarily Unavailable"),
    ("429", "text/plain; charset=utf-8", "Too Many Requests"),
])  # fmt: skip
def test_http_fault_answers(make_app: Any, connect: Any, mode: str, content_type: str, text: str) -> None:
    response = connect(make_app(fail_rate=1.0, fail_mode=mode)).get(PUBLIC)
    assert response.status_code == int(mode)
    assert response.headers["content-type"] == content_type
    assert text in response.text


def test_mixed_mode_uses_every_failure(make_app: Any, connect: Any) -> None:
    client = connect(make_app(fail_rate=0.5, fail_mode="mixed", stall_s=0.0, ip_limit=0))
    outcomes = Counter(outcome(client.get(PUBLIC)) for _ in range(500))
    assert set(outcomes) == {"ok", "10016", "502", "503", "429"}
    # stalls answer normally, so "ok" holds the successes (~250) and the stalls (~50)
    assert 240 <= outcomes["ok"] <= 360
    for mode in ("10016", "502", "503", "429"):
        assert 25 <= outcomes[mode] <= 80, outcomes


def test_stall_sleeps_then_answers_normally(make_app: Any, connect: Any) -> None:
    app = make_app(fail_rate=1.0, fail_mode="stall", stall_s=7.5)
    slept: list[float] = []
    app.faults.sleep = slept.append
    body = connect(app).get(PUBLIC).json()
    assert body["retCode"] == 0
    assert slept == [7.5]


def test_latency_is_added_to_every_request(make_app: Any, connect: Any) -> None:
    app = make_app(latency_ms=40.0)
    slept: list[float] = []
    app.faults.sleep = slept.append
    client = connect(app)
    for _ in range(3):
        assert client.get(PUBLIC).json()["retCode"] == 0
    assert slept == [0.04, 0.04, 0.04]
    real = connect(make_app(latency_ms=40.0))
    started = time.monotonic()
    real.get(PUBLIC)
    assert time.monotonic() - started >= 0.04


def test_closing_cuts_sleeps_short() -> None:
    injector = FaultInjector(SimConfig(fail_rate=1.0, fail_mode="stall", stall_s=60.0))
    done = threading.Event()

    def stalled() -> None:
        injector.apply()
        done.set()

    thread = threading.Thread(target=stalled, daemon=True)
    thread.start()
    assert not done.wait(0.1)
    injector.close()
    assert done.wait(5.0)


@pytest.mark.tcp
def test_stall_beyond_a_short_client_timeout(platform_routes: None) -> None:
    from bybit_research.sim import serve

    stalling = serve(now_ms=1_717_200_000_000, fail_rate=1.0, fail_mode="stall", stall_s=3.0)
    with stalling as base_url, pytest.raises(httpx.ReadTimeout):
        httpx.get(base_url + PUBLIC, timeout=0.2)


@pytest.mark.parametrize(
    "changes",
    [{"fail_mode": "500"}, {"fail_rate": -0.1}, {"fail_rate": 1.01}, {"latency_ms": -1.0}, {"stall_s": -1.0}],
)
def test_bad_fault_settings_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        validate_faults(SimConfig(**changes))
