"""The V5 envelope: every error path mapped to its exception, with code, message and endpoint."""

from __future__ import annotations

import pickle

import httpx
import pytest

from bybit_research.errors import (
    AuthenticationError,
    BybitError,
    InvalidRequestError,
    NetworkError,
    RateLimitError,
    ServerError,
)

from .conftest import TEST_KEY, TEST_SECRET, Recorder, envelope

KLINE = "/v5/market/kline"


@pytest.mark.parametrize(
    ("code", "message", "cls"),
    [
        (10003, "API key is invalid.", AuthenticationError),
        (10004, "error sign! origin_string[***]", AuthenticationError),
        (10005, "Permission denied, please check your API key permissions.", AuthenticationError),
        (10007, "User authentication failed.", AuthenticationError),
        (10010, "Unmatched IP, please check your API key's bound IP addresses.", AuthenticationError),
        (10001, "params error: symbol invalid", InvalidRequestError),
        (10017, "route not found", InvalidRequestError),
        (110001, "order does not exist", InvalidRequestError),
        (10018, "exceeded the IP rate limit", RateLimitError),
        (12345, "something new", BybitError),
    ],
)
def test_ret_codes_map_to_exceptions_without_retry(make_client, code, message, cls) -> None:
    recorder = Recorder(httpx.Response(200, json=envelope({"category": "", "list": []}, code, message)))
    client = make_client(recorder)
    with pytest.raises(cls) as info:
        client.get(KLINE, {"category": "linear", "symbol": "NOPE"})
    error = info.value
    assert type(error) is cls
    assert (error.ret_code, error.ret_msg, error.endpoint, error.http_status) == (code, message, KLINE, 200)
    assert f"retCode {code} from {KLINE}: {message}" in str(error)
    assert recorder.count == 1  # never retried


@pytest.mark.parametrize(
    ("code", "cls"),
    [(10016, ServerError), (10000, ServerError), (10006, RateLimitError), (429, RateLimitError)],
)
def test_retryable_codes_raise_after_bounded_attempts(make_client, code, cls) -> None:
    recorder = Recorder(httpx.Response(200, json=envelope(None, code, "busy")))
    client = make_client(recorder, max_attempts=3)
    with pytest.raises(cls) as info:
        client.get("/v5/market/tickers", {"category": "spot"})
    assert info.value.ret_code == code
    assert recorder.count == 3


def test_http_403_explains_ip_limit_and_region_block(make_client) -> None:
    recorder = Recorder(httpx.Response(403, text="access too frequent"))
    client = make_client(recorder)
    with pytest.raises(RateLimitError) as info:
        client.get(KLINE, {"category": "linear"})
    text = str(info.value)
    assert info.value.http_status == 403 and info.value.ret_code is None
    for fragment in (
        "600 requests per 5 seconds",
        "at least 10 minutes",
        "US and mainland-China",
        "access too",
    ):
        assert fragment in text
    assert recorder.count == 1  # a ban only grows when hammered


@pytest.mark.parametrize(
    ("status", "cls", "fragment"),
    [
        (401, AuthenticationError, "authentication failed"),
        (404, InvalidRequestError, "path not found"),
        (400, InvalidRequestError, "bad request"),
        (418, BybitError, "unexpected HTTP status"),
    ],
)
def test_http_statuses(make_client, status, cls, fragment) -> None:
    recorder = Recorder(httpx.Response(status, text="nope"))
    client = make_client(recorder)
    with pytest.raises(cls, match=fragment) as info:
        client.get("/v5/market/unknown")
    assert type(info.value) is cls
    assert info.value.http_status == status
    assert recorder.count == 1


def test_http_status_with_envelope_keeps_ret_code(make_client) -> None:
    recorder = Recorder(httpx.Response(401, json=envelope(None, 10003, "API key is invalid.")))
    client = make_client(recorder)
    with pytest.raises(AuthenticationError) as info:
        client.get("/v5/account/info", auth=True)
    assert (info.value.ret_code, info.value.http_status) == (10003, 401)


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_5xx_and_429_are_retried_then_raised(make_client, status) -> None:
    recorder = Recorder(httpx.Response(status, text="bad gateway"))
    client = make_client(recorder, max_attempts=4)
    expected = RateLimitError if status == 429 else ServerError
    with pytest.raises(expected) as info:
        client.get(KLINE)
    assert info.value.http_status == status
    assert recorder.count == 4
    assert len(client.slept) == 3 and all(0 < s <= 8.2 for s in client.slept)


def test_non_json_answer_is_server_error(make_client) -> None:
    client = make_client(Recorder(httpx.Response(200, text="<html>maintenance</html>")))
    with pytest.raises(ServerError, match="not a V5 JSON envelope"):
        client.get(KLINE)


def test_connection_errors_become_network_error_after_retries(make_client) -> None:
    recorder = Recorder(httpx.ConnectError("connection refused"))
    client = make_client(recorder, max_attempts=3)
    with pytest.raises(NetworkError, match="ConnectError") as info:
        client.get(KLINE)
    assert isinstance(info.value, ServerError)
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert recorder.count == 3


def test_historical_volatility_result_is_a_list(make_client) -> None:
    body = {
        "retCode": 0,
        "retMsg": "SUCCESS",
        "category": "option",
        "result": [{"period": 30, "value": "0.45024716", "time": "1672052400000"}],
    }
    client = make_client(Recorder(httpx.Response(200, json=body)))
    reply = client.fetch("/v5/market/historical-volatility", {"category": "option"})
    assert reply.result == [{"period": 30, "value": "0.45024716", "time": "1672052400000"}]
    assert reply.body["category"] == "option"
    assert reply.time_ms is None
    assert reply.from_cache is False


def test_reply_carries_headers_and_time(make_client) -> None:
    answer = httpx.Response(200, json=envelope({"list": [1]}), headers={"X-Bapi-Limit-Status": "49"})
    reply = make_client(Recorder(answer)).fetch(KLINE, {"symbol": "BTCUSDT"})
    assert reply.result == {"list": [1]}
    assert reply.time_ms == 1_700_000_000_000
    assert reply.headers["x-bapi-limit-status"] == "49"


def test_no_secret_in_errors_even_when_the_server_echoes_the_signed_string(make_client) -> None:
    signatures: list[str] = []

    def echo(request: httpx.Request) -> httpx.Response:
        sign = request.headers["X-BAPI-SIGN"]
        signatures.append(sign)
        signed = f"{request.headers['X-BAPI-TIMESTAMP']}{request.headers['X-BAPI-API-KEY']}5000"
        message = f"error sign! origin_string[{signed}] sign[{sign}]"
        status = 200 if len(signatures) == 1 else 401
        return httpx.Response(status, json=envelope(None, 10004, message))

    client = make_client(Recorder(echo))
    for _ in range(2):  # in a V5 envelope (HTTP 200) and in the body of an HTTP error
        with pytest.raises(AuthenticationError) as info:
            client.get("/v5/account/info", auth=True)
        text = str(info.value) + repr(info.value) + info.value.ret_msg
        assert TEST_SECRET not in text and TEST_KEY not in text
        assert signatures[-1] not in text and len(signatures[-1]) == 64
        assert "origin_string[" in text and "***5000] sign[***]" in text


def test_errors_survive_pickling() -> None:
    error = RateLimitError(None, "slow down", KLINE, http_status=403)
    clone = pickle.loads(pickle.dumps(error))
    assert type(clone) is RateLimitError
    assert (clone.ret_code, clone.ret_msg, clone.endpoint, clone.http_status) == (
        None,
        "slow down",
        KLINE,
        403,
    )
