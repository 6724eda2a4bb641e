"""Whatever a server answers with retCode 0, the caller gets a correct frame or a ``ResponseFormatError``
naming the endpoint and what was wrong: never ``TypeError``, ``KeyError``, ``ValueError``, ``OverflowError``
or a JSON decoder's error from inside a parser, and never rows made up from a dict or a string."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pytest

from bybit_research.client import Client
from bybit_research.endpoints import endpoint
from bybit_research.errors import BybitError, ResponseFormatError, ServerError
from bybit_research.frames import rows_of
from bybit_research.http import Reply
from tests.conftest import NOW_MS
from tests.hardening.conftest import Scripted, envelope

KLINE = "/v5/market/kline"
TICKERS = "/v5/market/tickers"
CANDLE = ["1718409600000", "66000", "66100", "65900", "66050", "12.5", "825000"]


def candles(*rows: list[Any]) -> bytes:
    return envelope({"category": "linear", "symbol": "BTCUSDT", "list": list(rows)})


def ticker(**fields: Any) -> bytes:
    return envelope({"category": "linear", "list": [{"symbol": "BTCUSDT", "lastPrice": "66000", **fields}]})


def klines(c: Client) -> Any:
    return c.klines("BTCUSDT", 60, start="2024-06-15", end="2024-06-15 02:00")


CallCase = tuple[str, str, bytes, Callable[[Client], Any], str]
CASES: list[CallCase] = [
    ("truncated JSON", KLINE, candles(CANDLE)[:-40], klines, r"the body is not valid JSON \(.*; \d+ bytes\)"),
    ("a JSON string", KLINE, b'"OK"', klines, "the answer is not a V5 JSON envelope"),
    ("result a string", KLINE, envelope("list"), klines, "result is str 'list', expected an object"),
    (
        "list an object",
        KLINE,
        envelope({"list": {"a": ["1"]}}),
        klines,
        "result.list is an object, expected a list",
    ),
    ("list a number", KLINE, envelope({"list": 5}), klines, "result.list is int 5, expected a list"),
    (
        "no list",
        KLINE,
        envelope({"category": "linear"}),
        klines,
        r"result has no 'list' \(it has 'category'\)",
    ),
    (
        "short row",
        KLINE,
        candles(CANDLE[:6]),
        klines,
        r"result.list\[0\] has 6 values, expected 7 \(startTime",
    ),
    ("long row", KLINE, candles([*CANDLE, "1"]), klines, r"result.list\[0\] has 8 values, expected 7"),
    (
        "row an object",
        KLINE,
        candles({"t": "1"}),
        klines,
        r"result.list\[0\] is an object, expected an array",
    ),
    (
        "beyond float range",
        KLINE,
        candles([*CANDLE[:4], "1e999", *CANDLE[5:]]),
        klines,
        "field 'close' \\(float\\) holds values that are not a finite number: '1e999'",
    ),
    (
        "text as a price",
        KLINE,
        candles([*CANDLE[:1], "n/a", *CANDLE[2:]]),
        klines,
        "field 'open' \\(float\\) holds values that are not a finite number: 'n/a'",
    ),
    (
        "time not a number",
        KLINE,
        candles(["soon", *CANDLE[1:]]),
        klines,
        "field 'startTime' \\(time_ms\\) holds values that are not a time in epoch ms from 1970 to "
        "9999: 'soon'",
    ),
    (
        "time negative",
        KLINE,
        candles(["-60000", *CANDLE[1:]]),
        klines,
        "'startTime' .* not a time in epoch ms",
    ),
    ("time missing", KLINE, candles(CANDLE, ["", *CANDLE[1:]]), klines, "1 of 2 rows have no startTime"),
    ("time zero", KLINE, candles(CANDLE, ["0", *CANDLE[1:]]), klines, "1 of 2 rows have no startTime"),
    (
        "time beyond int64",
        KLINE,
        candles(["9" * 30, *CANDLE[1:]]),
        klines,
        "'startTime' .* not a time in epoch ms",
    ),
    (
        "envelope time absurd",
        KLINE,
        candles(CANDLE)[: -len(f"{NOW_MS}}}")] + b"99999999999999999999}",
        klines,
        "the envelope's time 99999999999999999999 is not a time in epoch ms before 2100",
    ),
    (
        "ticker rows are strings",
        TICKERS,
        envelope({"list": ["BTCUSDT"]}),
        lambda c: c.tickers("linear"),
        r"result.list\[0\] is str 'BTCUSDT', expected an object",
    ),
    (
        "ticker rows without their symbol",
        TICKERS,
        envelope({"category": "linear", "list": [{"symbol": "BTCUSDT"}, {"lastPrice": "1"}, {"symbol": ""}]}),
        lambda c: c.tickers("linear"),
        "2 of 3 rows have no symbol",
    ),
    (
        "an option instrument without its symbol",
        "/v5/market/instruments-info",
        envelope({"category": "option", "list": [{}]}),
        lambda c: c.option_chain("BTC"),
        "1 of 1 rows have no symbol",
    ),
    (
        "a price as text",
        TICKERS,
        ticker(markPrice="high"),
        lambda c: c.tickers("linear"),
        "field 'markPrice' \\(float\\) holds values that are not a finite number: 'high'",
    ),
    (
        "a price as an object",
        TICKERS,
        ticker(indexPrice={"value": "1"}),
        lambda c: c.tickers("linear"),
        "field 'indexPrice' .* not a finite number: \\{'value': '1'\\}",
    ),
    (
        "a boolean as a price",
        TICKERS,
        ticker(bid1Price=True),
        lambda c: c.tickers("linear"),
        "field 'bid1Price' .* not a finite number: True",
    ),
    (
        "a time beyond 9999",
        TICKERS,
        ticker(nextFundingTime="1" + "0" * 17),
        lambda c: c.tickers("linear"),
        "field 'nextFundingTime' \\(time_ms\\) .* not a time",
    ),
    (
        "no result",
        TICKERS,
        b'{"retCode":0,"retMsg":"OK","retExtInfo":{},"time":1}',
        lambda c: c.tickers("linear"),
        "the envelope has no result \\(keys: 'retCode', 'retMsg', 'retExtInfo', 'time'\\)",
    ),
    (
        "server time without result",
        "/v5/market/time",
        b'{"retCode":0,"retMsg":"OK","time":1}',
        lambda c: c.server_time(),
        "from /v5/market/time: the envelope has no result",
    ),
    (
        "server time empty",
        "/v5/market/time",
        envelope({}),
        lambda c: c.server_time(),
        "result is an object without them, expected an object with timeSecond and timeNano",
    ),
    (
        "server time as text",
        "/v5/market/time",
        envelope({"timeSecond": "noon", "timeNano": ""}),
        lambda c: c.server_time(),
        "field 'timeSecond' \\(int\\) holds values that are not an integer within int64: 'noon'",
    ),
    (
        "server time beyond 2100",
        "/v5/market/time",
        envelope({"timeSecond": 9223372036855, "timeNano": ""}),
        lambda c: c.server_time(),
        r"result.timeSecond 9223372036855 is not a time from 1970 to 2100",
    ),
    (
        "volatility an object",
        "/v5/market/historical-volatility",
        envelope({"period": 7, "value": "0.4", "time": "1718409600000"}),
        lambda c: c.historical_volatility("BTC"),
        "result is an object, expected a list",
    ),
    (
        "book sides as text",
        "/v5/market/orderbook",
        envelope({"s": "BTCUSDT", "b": "66000", "a": []}),
        lambda c: c.orderbook("BTCUSDT"),
        "result.b is str '66000', expected a list",
    ),
    (
        "book level too short",
        "/v5/market/orderbook",
        envelope({"s": "BTCUSDT", "b": [["66000"]], "a": []}),
        lambda c: c.orderbook("BTCUSDT"),
        r"result.b\[0\] has 1 values, expected 2 \(price, size\)",
    ),
    (
        "book time as text",
        "/v5/market/orderbook",
        envelope({"s": "BTCUSDT", "b": [], "a": [], "ts": "now"}),
        lambda c: c.orderbook("BTCUSDT"),
        "the order book's ts is not a time in epoch ms",
    ),
    (
        "book a list",
        "/v5/market/orderbook",
        envelope([["66000", "1"]]),
        lambda c: c.orderbook("BTCUSDT"),
        "result is a list, expected an object",
    ),
    (
        "funding time as text",
        "/v5/market/funding/history",
        envelope({"list": [{"symbol": "BTCUSDT", "fundingRate": "0.0001", "fundingRateTimestamp": "x"}]}),
        lambda c: c.funding_rates("BTCUSDT", start="2024-06-01", end="2024-06-02"),
        "field 'fundingRateTimestamp' holds values that are not a time in epoch ms",
    ),
    (
        "cursor a number",
        "/v5/market/risk-limit",
        envelope({"list": [{"id": 1, "symbol": "BTCUSDT"}], "nextPageCursor": 2}),
        lambda c: c.risk_limits("linear"),
        "nextPageCursor is int 2, not text",
    ),
    (
        "insurance rows are numbers",
        "/v5/market/insurance",
        envelope({"updatedTime": "1718409600000", "list": [1, 2]}),
        lambda c: c.insurance(),
        r"result.list\[0\] is int 1, expected an object",
    ),
    (
        "insurance time as text",
        "/v5/market/insurance",
        envelope({"updatedTime": "today", "list": [{"coin": "USDT", "balance": "1", "value": "1"}]}),
        lambda c: c.insurance(),
        "field 'updatedTime' \\(time_ms\\) holds values that are not a time",
    ),
    (
        "an integer field with a fraction",
        "/v5/market/risk-limit",
        envelope({"list": [{"id": 1.5, "symbol": "BTCUSDT", "riskLimitValue": "1"}], "nextPageCursor": ""}),
        lambda c: c.risk_limits("linear"),
        "field 'id' \\(int\\) holds values that are not an integer within int64: 1.5",
    ),
]


@pytest.mark.parametrize(("name", "path", "body", "call", "message"), CASES, ids=[c[0] for c in CASES])
def test_malformed_answers_raise_response_format_error_naming_the_endpoint(
    scripted: tuple[Client, Scripted],
    name: str,
    path: str,
    body: bytes,
    call: Callable[[Client], Any],
    message: str,
) -> None:
    client, exchange = scripted
    exchange.answers[path] = body
    with pytest.raises(ResponseFormatError, match=message) as info:
        call(client)
    error = info.value
    assert error.endpoint == path and str(error).startswith(f"malformed answer from {path}: ")
    assert isinstance(error, ServerError) and isinstance(error, BybitError)
    assert error.ret_code is None and error.http_status == 200


def test_numbers_sent_as_json_numbers_give_the_same_frame_as_numeric_strings(
    scripted: tuple[Client, Scripted],
) -> None:
    client, exchange = scripted
    exchange.answers[KLINE] = candles(CANDLE)
    as_text = klines(client)
    exchange.answers[KLINE] = candles([int(CANDLE[0]), *(float(v) for v in CANDLE[1:])])
    as_numbers = klines(client)
    pd.testing.assert_frame_equal(as_numbers, as_text)
    assert as_text["close"].tolist() == [66050.0] and as_text.index[0] == pd.Timestamp("2024-06-15", tz="UTC")


def test_blank_values_are_missing_not_malformed(scripted: tuple[Client, Scripted]) -> None:
    client, exchange = scripted
    exchange.answers[TICKERS] = ticker(markPrice="", deliveryTime="0", basis=None)
    frame = client.tickers("linear")
    row = frame.loc["BTCUSDT"]
    assert np.isnan(row["mark_price"]) and pd.isna(row["delivery_time"]) and np.isnan(row["basis"])
    assert row["last_price"] == 66000.0


def test_an_empty_result_shell_is_an_empty_frame(scripted: tuple[Client, Scripted]) -> None:
    client, exchange = scripted
    exchange.answers[TICKERS] = envelope({})
    empty = client.tickers("linear")
    exchange.answers[TICKERS] = envelope(None)
    null = client.tickers("linear")
    assert empty.empty and null.empty and list(empty.columns) == list(null.columns)
    assert "last_price" in empty.columns and empty.dtypes["last_price"] == np.float64


def test_an_unknown_field_whose_later_values_do_not_fit_its_inferred_kind_is_kept_as_text(
    scripted: tuple[Client, Scripted],
) -> None:
    client, exchange = scripted
    rows = [{"symbol": f"S{i}USDT", "lastPrice": "1", "newField": "1.5"} for i in range(60)]
    rows[55]["newField"] = "pending"  # past the 50 values the kind is inferred from
    exchange.answers[TICKERS] = envelope({"category": "linear", "list": rows})
    frame = client.tickers("linear")
    assert frame["new_field"].dtype == "str" and frame["new_field"].iloc[55] == "pending"
    assert frame["new_field"].iloc[0] == "1.5" and len(frame) == 60


def test_the_clock_falls_back_to_the_local_one_when_the_time_answer_is_malformed(
    scripted: tuple[Client, Scripted],
) -> None:
    client, exchange = scripted
    exchange.answers["/v5/market/time"] = b'{"retCode":0,"retMsg":"OK"}'
    before = pd.Timestamp.now(tz="UTC").value // 1_000_000
    assert abs(client.server_now_ms() - before) < 5_000
    exchange.answers["/v5/market/time"] = envelope({"timeSecond": "1718454896", "timeNano": ""})
    assert abs(client.server_now_ms() - NOW_MS) < 5_000  # asked again, learned this time


# -- the Reply itself --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"retCode":0,"retMsg":"OK","result":{"list":[', "the body is not valid JSON"),
        (b'{"retCode":0,"result":{}}\xff', "the body is not valid JSON"),
        (b'{"retCode":0,"result":[1e999]}', "number is infinity"),
        (b"[0]", "the body is a JSON list, not a V5 envelope"),
        (b'{"retCode":0,"retMsg":"OK"}', "the envelope has no result"),
    ],
)
def test_reply_body_problems_are_response_format_errors(content: bytes, message: str) -> None:
    reply = Reply(content, False, {}, path=KLINE)
    with pytest.raises(ResponseFormatError, match=message) as info:
        reply.result  # noqa: B018
    assert info.value.endpoint == KLINE
    assert "time_ms=malformed" in repr(reply) or "time_ms=None" in repr(reply)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"retCode":0,"result":{},"time":1718454896000}', 1718454896000),
        (b'{"retCode":0,"result":{}}', None),
        (b'{"retCode":0,"result":{},"time":null}', None),
    ],
)
def test_reply_times(content: bytes, expected: int | None) -> None:
    assert Reply(content, False, {}, path=KLINE).time_ms == expected


@pytest.mark.parametrize(
    "content",
    [b'{"retCode":0,"result":{},"time":"soon"}', b'{"retCode":0,"result":{},"time":true}',
     b'{"retCode":0,"result":{},"time":4102444800000}', b'{"retCode":0,"result":{},"time":1.5}'],
)  # fmt: skip
def test_reply_times_that_are_no_time_are_malformed(content: bytes) -> None:
    with pytest.raises(ResponseFormatError, match=r"the envelope's time .* is not a time in epoch ms"):
        Reply(content, False, {}, path=KLINE).time_ms  # noqa: B018


def test_rows_are_never_made_from_the_keys_of_an_object_or_the_characters_of_a_string() -> None:
    hv = endpoint("historical-volatility")
    wallet = endpoint("wallet-balance")
    for result in ({"period": 7}, "abc", 5):
        with pytest.raises(ResponseFormatError):
            rows_of(hv, result)
    with pytest.raises(ResponseFormatError, match=r"result.list\[0\].coin is str 'BTC', expected a list"):
        rows_of(wallet, {"list": [{"accountType": "UNIFIED", "coin": "BTC"}]})
    with pytest.raises(ResponseFormatError, match=r"result.list\[0\] has no 'coin' \(it has 'accountType'\)"):
        rows_of(wallet, {"list": [{"accountType": "UNIFIED"}]})
    assert rows_of(hv, []) == [] and rows_of(hv, None) == [] and rows_of(hv, {}) == []


def test_a_truncated_kline_page_is_never_parsed_from_its_bytes(scripted: tuple[Client, Scripted]) -> None:
    # the list is whole but the envelope is cut: the bytes path would read it, the envelope says no
    client, exchange = scripted
    exchange.answers[KLINE] = candles(CANDLE)[:-25]
    with pytest.raises(ResponseFormatError, match="the body is not valid JSON"):
        klines(client)


def test_decoded_bodies_are_checked_once_per_answer(scripted: tuple[Client, Scripted]) -> None:
    client, exchange = scripted
    exchange.answers[TICKERS] = ticker()
    reply = client.fetch(TICKERS, {"category": "linear"})
    assert reply.result == orjson.loads(ticker())["result"] and reply.path == TICKERS
