"""The simulator's WSGI app: routing, envelope, error answers, request parsing, validation order, counting."""

from __future__ import annotations

import json
import logging
import re
import threading
from typing import Any

import httpx
import pytest

from bybit_research.sim import app as app_module
from bybit_research.sim.core import SimConfig

NOW = 1_717_200_000_000
ECHO, PUBLIC, BOOM, PARAMS, RAW = (
    "/v5/test/echo",
    "/v5/test/public",
    "/v5/test/boom",
    "/v5/test/params",
    "/v5/test/raw",
)


def test_success_envelope_headers_and_content_type(sim: httpx.Client) -> None:
    response = sim.get(PUBLIC, params={"a": "1"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["timenow"] == str(NOW)
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["traceid"])
    body = response.json()
    assert list(body) == ["retCode", "retMsg", "result", "retExtInfo", "time"]
    assert (body["retCode"], body["retMsg"], body["retExtInfo"], body["time"]) == (0, "OK", {}, NOW)
    assert body["result"]["query"] == {"a": "1"}
    assert body["result"]["nowMs"] == NOW
    # compact JSON, as Bybit sends it
    assert response.content.startswith(b'{"retCode":0,"retMsg":"OK","result":{')


def test_trace_ids_differ_between_requests(sim: httpx.Client) -> None:
    ids = {sim.get(PUBLIC).headers["traceid"] for _ in range(5)}
    assert len(ids) == 5


def test_unknown_path_is_404(sim: httpx.Client) -> None:
    response = sim.get("/v5/market/no-such-thing")
    assert response.status_code == 404
    assert response.json()["retCode"] == 10017
    assert response.json()["result"] == {}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("PUT", PUBLIC, 400), ("DELETE", ECHO, 400), ("PUT", "/v5/nowhere", 404), ("POST", BOOM, 404)],
)
def test_methods_other_than_registered(sim: httpx.Client, method: str, path: str, status: int) -> None:
    response = sim.request(method, path)
    assert response.status_code == status
    assert response.json()["retCode"] == 10017


def test_get_with_a_json_body_is_403(sim: httpx.Client) -> None:
    response = sim.request("GET", PUBLIC, content=b"{}", headers={"Content-Type": "application/json"})
    assert response.status_code == 403
    # a GET with the JSON content type but no body (as pybit sends) is fine
    assert sim.get(PUBLIC, headers={"Content-Type": "application/json"}).json()["retCode"] == 0


def test_post_body_is_parsed_as_json(sim: httpx.Client) -> None:
    result = sim.post(PUBLIC, content=b'{"category":"linear","limit":5}').json()["result"]
    assert result["json"] == {"category": "linear", "limit": 5}
    assert result["method"] == "POST"


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"\xff\xfe"])
def test_bad_post_body_is_10001(sim: httpx.Client, body: bytes) -> None:
    response = sim.post(PUBLIC, content=body)
    assert response.status_code == 200
    assert response.json()["retCode"] == 10001
    assert response.json()["retMsg"].startswith("params error: the request body")


def test_query_keeps_raw_text_and_first_value(sim: httpx.Client) -> None:
    result = sim.get(PUBLIC + "?b=2&a=x%20y&b=3&empty=").json()["result"]
    assert result["rawQuery"] == "b=2&a=x%20y&b=3&empty="
    assert result["query"] == {"b": "2", "a": "x y", "empty": ""}


def test_param_error_is_http_200_with_10001_and_its_result(sim: httpx.Client, sign: Any) -> None:
    response = sim.get(PARAMS, headers=sign(""))
    assert response.status_code == 200
    body = response.json()
    assert (body["retCode"], body["retMsg"]) == (10001, "params error: symbol is required")
    assert body["result"] == {"category": "", "list": []}
    assert body["time"] == NOW


def test_unexpected_exception_is_10016_and_logged(
    sim: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="bybit_research.sim"):
        response = sim.get(BOOM, headers={"X-BAPI-API-KEY": "visible-key", "X-BAPI-SIGN": "deadbeef"})
    assert response.status_code == 200
    body = response.json()
    assert (body["retCode"], body["retMsg"], body["result"]) == (
        10016,
        "System error. Please try again later.",
        {},
    )
    records = [r for r in caplog.records if r.name == "bybit_research.sim"]
    assert len(records) == 1 and records[0].exc_info is not None
    assert "handler bug for the test" in caplog.text and BOOM in caplog.text
    assert "deadbeef" not in caplog.text


def test_raw_envelope_route_returns_the_handler_body(sim: httpx.Client) -> None:
    body = sim.get(RAW).json()
    assert body == {"retCode": 0, "retMsg": "SUCCESS", "category": "option", "result": [{"value": "1"}]}


def test_requests_counter_counts_every_path_and_resets(make_app: Any, connect: Any) -> None:
    app = make_app()
    client = connect(app)
    for _ in range(3):
        client.get(PUBLIC)
    client.get("/v5/unknown")
    client.put(PUBLIC)
    assert app.requests == {PUBLIC: 4, "/v5/unknown": 1}
    app.reset_counts()
    assert app.requests == {}
    client.get(PUBLIC)
    assert app.requests == {PUBLIC: 1}


def test_create_app_config_and_overrides(make_app: Any) -> None:
    from bybit_research.sim import create_app
    from bybit_research.sim.exchange import Exchange

    base = SimConfig(seed=3, now_ms=NOW)
    app = create_app(base, latency_ms=0.0, ip_limit=10)
    assert app.config == SimConfig(seed=3, now_ms=NOW, ip_limit=10)
    assert isinstance(app.exchange, Exchange) and app.exchange.config is app.config
    assert create_app(base).config is base
    assert create_app().config == SimConfig()
    with pytest.raises(TypeError):
        create_app(no_such_setting=1)
    with pytest.raises(ValueError, match="fail_mode"):
        create_app(fail_mode="500")
    with pytest.raises(ValueError, match="fail_rate"):
        create_app(fail_rate=1.5)


def test_wall_clock_when_now_is_not_fixed(make_app: Any, connect: Any) -> None:
    import time

    before = int(time.time() * 1000)
    body = connect(make_app(now_ms=None)).get(PUBLIC).json()
    after = int(time.time() * 1000)
    assert before <= body["result"]["nowMs"] <= body["time"] <= after


def test_numpy_values_in_a_result_are_serialised() -> None:
    import numpy as np

    assert json.loads(app_module._dumps({"x": np.float64(1.5), "n": np.int64(3)})) == {"x": 1.5, "n": 3}


def test_validation_order_ip_budget_before_faults_before_auth(make_app: Any, connect: Any) -> None:
    # IP budget first: a refused request is 403 even though it carries no auth headers
    app = make_app(ip_limit=1, ip_window_ms=60_000, fail_rate=1.0)
    client = connect(app)
    assert client.get(ECHO).json()["retCode"] == 10016  # faults come before auth (no 10007)
    assert client.get(ECHO).status_code == 403


def test_validation_order_auth_before_uid_limit_before_params(make_app: Any, connect: Any, sign: Any) -> None:
    client = connect(make_app())
    # a missing parameter on a private route without auth headers -> auth error, not 10001
    assert client.get(PARAMS).json()["retCode"] == 10007
    for _ in range(3):
        assert client.get(ECHO, headers=sign("")).json()["retCode"] == 0
    assert client.get(ECHO, headers=sign("")).json()["retCode"] == 10006


def test_concurrent_in_process_requests_are_all_counted(make_app: Any, connect: Any) -> None:
    app = make_app(ip_limit=0)
    client = connect(app)
    failures: list[Any] = []

    def work() -> None:
        for i in range(50):
            body = client.get(PUBLIC, params={"i": i}).json()
            if body["retCode"] != 0 or body["result"]["query"] != {"i": str(i)}:
                failures.append(body)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert app.requests[PUBLIC] == 400


def test_route_modules_missing_are_skipped_but_errors_inside_raise(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = app_module.importlib.import_module

    def fake_import(name: str) -> Any:
        if name == "bybit_research.sim.routes_missing":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        if name == "bybit_research.sim.routes_broken":
            raise ModuleNotFoundError("No module named 'nonexistent_dep'", name="nonexistent_dep")
        return real_import(name)

    monkeypatch.setattr(app_module.importlib, "import_module", fake_import)
    monkeypatch.setattr(app_module, "_routes_loaded", False)
    monkeypatch.setattr(app_module, "ROUTE_MODULES", ("bybit_research.sim.routes_missing",))
    app_module.load_routes()  # tolerated
    assert app_module._routes_loaded is True
    monkeypatch.setattr(app_module, "_routes_loaded", False)
    monkeypatch.setattr(app_module, "ROUTE_MODULES", ("bybit_research.sim.routes_broken",))
    with pytest.raises(ModuleNotFoundError, match="nonexistent_dep"):
        app_module.load_routes()


def test_market_time_is_served(sim: httpx.Client) -> None:
    result = sim.get("/v5/market/time").json()["result"]
    assert result == {"timeSecond": str(NOW // 1000), "timeNano": str(NOW * 1_000_000)}


@pytest.mark.parametrize("raw", ["1_0", "+1", " 1", "1 ", "１０", "1.0", "0x10", "1e3", "--1", "1\n"])
def test_integer_parameters_accept_only_ascii_digits(raw: str) -> None:
    from bybit_research.sim.core import ParamError, Request

    request = Request("GET", "/v5/x", "", {"limit": raw}, {})
    with pytest.raises(ParamError, match="limit must be an integer") as caught:
        request.integer("limit")
    assert caught.value.ret_code == 10001


def test_integer_parameters_parse_plain_and_negative_values() -> None:
    from bybit_research.sim.core import ParamError, Request

    request = Request("GET", "/v5/x", "", {"limit": "0042", "offset": "-5", "start": "-1"}, {})
    assert request.integer("limit") == 42
    assert request.integer("offset") == -5
    with pytest.raises(ParamError, match="start must be at least 0"):
        request.integer("start", lo=0)


def test_kline_limit_with_underscore_is_10001_over_http(sim: httpx.Client) -> None:
    body = sim.get("/v5/market/kline", params={"symbol": "BTCUSDT", "interval": "1", "limit": "1_0"}).json()
    assert body["retCode"] == 10001 and "limit must be an integer" in body["retMsg"]
