"""Property tests of every parser with V5-shaped answers: random and empty strings, nulls, missing and extra
keys, huge numbers, values of the wrong JSON type. Whatever comes, the outcome is a frame that keeps the
DataFrame contract or a ``ResponseFormatError``; the kline bytes path and the decoded path agree; and a public
call over a scripted exchange raises nothing but ``BybitError`` subclasses.

Examples per test: the hypothesis profile loaded in ``tests/conftest.py`` (few in ``make test``;
``HYPOTHESIS_PROFILE=thorough`` for a long search).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bybit_research.client import Client
from bybit_research.endpoints import (
    BOOL,
    ENDPOINTS,
    FLOAT,
    INT,
    JSON,
    OBJECT,
    STR,
    TIME,
    Endpoint,
    IndexKind,
    Shape,
)
from bybit_research.errors import BybitError, ResponseFormatError
from bybit_research.frames import build_frame, orderbook_frame, rows_of
from bybit_research.frames.klines import pages_columns
from tests.conftest import NOW_MS
from tests.hardening.conftest import SERVER_TIME

# -- values -------------------------------------------------------------------------------------------------

HUGE = st.sampled_from(["1e999", "-1e999", "9" * 40, str(2**64), "1e308", "nan", "inf", "-0", "1e-400"])
JUNK_TEXT = st.text(max_size=12) | st.sampled_from(["", " ", "n/a", "null", "true", "0x1F", "1,5", "١٢"])
SCALAR = (
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | JUNK_TEXT | HUGE
)
ANYTHING = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)

NUMERIC_TEXT = st.decimals(
    allow_nan=False, allow_infinity=False, places=4, min_value=-1e9, max_value=1e9
).map(lambda d: format(d, "f"))
TIME_TEXT = st.integers(1_500_000_000_000, 1_800_000_000_000).map(str)
PLAUSIBLE: dict[str, st.SearchStrategy[Any]] = {
    FLOAT: NUMERIC_TEXT | st.just(""),
    INT: st.integers(-1000, 10**6) | st.integers(0, 10**6).map(str),
    TIME: TIME_TEXT | st.sampled_from(["0", ""]),
    BOOL: st.booleans(),
    STR: st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1, max_size=10),
    OBJECT: ANYTHING,
    JSON: st.dictionaries(st.sampled_from(["USDT", "BTC"]), NUMERIC_TEXT, max_size=2) | ANYTHING,
}


def value_of(kind: Any) -> st.SearchStrategy[Any]:
    """A value of a field of ``kind`` (a nested schema for objects): mostly plausible, sometimes anything."""
    if isinstance(kind, Mapping):
        return st.one_of(record_of(kind), st.none(), ANYTHING)
    return st.one_of(PLAUSIBLE[kind], PLAUSIBLE[kind], PLAUSIBLE[kind], SCALAR)


def record_of(schema: Mapping[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """An object with any of the schema's fields (each may be missing) and perhaps a few unknown ones."""
    known = st.fixed_dictionaries({}, optional={name: value_of(kind) for name, kind in schema.items()})
    extra = st.dictionaries(st.sampled_from(["newField", "extraTime", "someId", "flag"]), SCALAR, max_size=2)
    return st.builds(lambda k, e: {**e, **k}, known, extra)


def row_of(endpoint: Endpoint, schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    """One row of an endpoint: an array of its row fields (sometimes of the wrong length) or an object."""
    if endpoint.shape is Shape.ROWS:
        cells = [value_of(schema.get(name, FLOAT)) for name in endpoint.row_fields]
        exact = st.tuples(*cells).map(list)
        ragged = st.lists(value_of(FLOAT), max_size=len(cells) + 2)
        return st.one_of(exact, exact, exact, ragged, ANYTHING)
    return st.one_of(record_of(schema), record_of(schema), record_of(schema), ANYTHING)


def result_of(endpoint: Endpoint, category: str | None) -> st.SearchStrategy[Any]:
    """A ``result`` of the endpoint's shape, mostly; sometimes of another JSON type altogether."""
    schema = endpoint.schema(category)
    rows = st.lists(row_of(endpoint, schema), max_size=6)
    shape = endpoint.shape
    if shape is Shape.ARRAY:
        shaped: st.SearchStrategy[Any] = rows
    elif shape in (Shape.OBJECT, Shape.SERVER_TIME):
        shaped = record_of(schema)
    elif shape is Shape.ORDERBOOK:
        levels = st.lists(
            st.one_of(st.tuples(value_of(FLOAT), value_of(FLOAT)).map(list), ANYTHING), max_size=4
        )
        shaped = st.fixed_dictionaries(
            {"s": st.just("BTCUSDT"), "b": levels | ANYTHING, "a": levels},
            optional={"ts": value_of(TIME), "cts": value_of(TIME), "u": SCALAR, "seq": SCALAR},
        )
    elif shape is Shape.WALLET:
        account = st.fixed_dictionaries({"accountType": st.just("UNIFIED"), "coin": rows | ANYTHING})
        shaped = st.fixed_dictionaries({"list": st.lists(account | ANYTHING, max_size=2)})
    else:
        listed = rows | ANYTHING
        shaped = st.fixed_dictionaries(
            {endpoint.result_key: listed},
            optional={
                "category": st.just(category or ""),
                "nextPageCursor": st.just(""),
                "updatedTime": SCALAR,
            },
        )
    return st.one_of(shaped, shaped, shaped, shaped, ANYTHING)


# -- the contract -------------------------------------------------------------------------------------------

DTYPES = {FLOAT: {"float64"}, INT: {"Int64"}, TIME: {"datetime64[ms, UTC]"}, BOOL: {"bool", "boolean"}}


def check_contract(endpoint: Endpoint, frame: pd.DataFrame, category: str | None, rows: int) -> None:
    """The DataFrame contract a frame of ``rows`` input rows must keep."""
    empty = build_frame(endpoint, [], category) if endpoint.shape is not Shape.ORDERBOOK else None
    if empty is not None:
        assert set(empty.columns) <= set(frame.columns), "a schema column went missing"
        for name in empty.columns:
            if empty[name].dtype == frame[name].dtype:
                continue
            allowed = {"bool", "boolean"} if str(empty[name].dtype) in ("bool", "boolean") else set()
            assert str(frame[name].dtype) in allowed, f"{name}: {frame[name].dtype} vs {empty[name].dtype}"
    for name in frame.columns:
        column = frame[name]
        if column.dtype == np.float64:
            assert not np.isinf(column.to_numpy()).any(), f"{name} holds an infinity"
    if endpoint.index_kind is IndexKind.TIME:
        index = frame.index
        assert isinstance(index, pd.DatetimeIndex) and index.name == "time"
        assert str(index.dtype) == "datetime64[ms, UTC]" and not index.hasnans
        assert index.is_monotonic_increasing
        if endpoint.unique_index:
            assert index.is_unique and len(frame) <= rows
        else:
            assert len(frame) == rows
    elif endpoint.index_kind is IndexKind.RANGE and endpoint.shape is not Shape.ORDERBOOK:
        assert len(frame) == rows


def parse(endpoint: Endpoint, result: Any, category: str | None) -> tuple[pd.DataFrame, int] | None:
    """The frame of one page's result and its number of rows, or ``None`` for a ``ResponseFormatError``."""
    try:
        if endpoint.shape is Shape.ORDERBOOK:
            frame = orderbook_frame(endpoint, result)
            book = result if isinstance(result, dict) else {}
            return frame, len(book.get("b") or []) + len(book.get("a") or [])
        rows = rows_of(endpoint, result)
        return build_frame(endpoint, rows, category), len(rows)
    except ResponseFormatError as error:
        assert error.endpoint == endpoint.path and str(error).startswith(
            f"malformed answer from {endpoint.path}"
        )
        return None


#: examples per endpoint or call: a third of the profile's (every endpoint of the table is a test of its own)
PER_ENDPOINT = max(5, settings.default.max_examples // 3)
SPECS = sorted(ENDPOINTS.values(), key=lambda spec: spec.path)


@pytest.mark.parametrize("spec", SPECS, ids=[spec.name for spec in SPECS])
@settings(max_examples=PER_ENDPOINT)
@given(data=st.data())
def test_every_parser_gives_a_contract_frame_or_a_response_format_error(
    spec: Endpoint, data: st.DataObject
) -> None:
    category = data.draw(st.sampled_from(spec.categories or (None,)), label="category")
    result = data.draw(result_of(spec, category), label="result")
    parsed = parse(spec, result, category)
    if parsed is not None:
        frame, rows = parsed
        check_contract(spec, frame, category, rows)


KLINE_TYPES = [spec for spec in ENDPOINTS.values() if spec.shape is Shape.ROWS]


def compact(result: Any) -> bytes:
    """A V5 envelope as Bybit writes it (compact JSON; integers of any size, no NaN)."""
    body = {"retCode": 0, "retMsg": "OK", "result": result, "retExtInfo": {}, "time": NOW_MS}
    return json.dumps(body, separators=(",", ":"), allow_nan=False).encode()


@pytest.mark.parametrize("spec", KLINE_TYPES, ids=[s.name for s in KLINE_TYPES])
@settings(max_examples=2 * PER_ENDPOINT)
@given(data=st.data())
def test_kline_bytes_and_decoded_rows_give_the_same_columns_or_the_same_error(
    spec: Endpoint, data: st.DataObject
) -> None:
    category = spec.categories[0] if spec.categories else None
    result = data.draw(result_of(spec, category), label="result")
    try:
        content = compact(result)
    except ValueError:  # a float the JSON writer refuses (never sent by a server)
        return
    decoded = parse(spec, json.loads(content)["result"], category)
    try:
        (columns,) = pages_columns(
            spec, category, [content], [lambda: rows_of(spec, json.loads(content)["result"])]
        )
    except ResponseFormatError:
        assert decoded is None, "the bytes path refused what the decoded path read"
        return
    assert decoded is not None, "the bytes path read what the decoded path refused"
    frame = decoded[0]
    ordered = np.argsort(columns.times, kind="stable")
    times, values = columns.times[ordered], columns.values[ordered]
    if spec.unique_index and len(times):
        keep = np.append(times[1:] != times[:-1], True)
        times, values = times[keep], values[keep]
    np.testing.assert_array_equal(times, frame.index.asi8)
    np.testing.assert_array_equal(values, frame.to_numpy(dtype=np.float64))


# -- public calls over a scripted exchange ----------------------------------------------------------------

PUBLIC_CALLS: dict[str, tuple[str, Callable[[Client], Any]]] = {
    "klines": (
        "/v5/market/kline",
        lambda c: c.klines("BTCUSDT", 60, start="2024-06-15", end="2024-06-15 06:00"),
    ),
    "mark klines": ("/v5/market/mark-price-kline", lambda c: c.klines("BTCUSDT", "D", price="mark", limit=3)),
    "tickers": ("/v5/market/tickers", lambda c: c.tickers("linear")),
    "option tickers": ("/v5/market/tickers", lambda c: c.tickers("option", base_coin="BTC")),
    "instruments": ("/v5/market/instruments-info", lambda c: c.instruments("linear")),
    "orderbook": ("/v5/market/orderbook", lambda c: c.orderbook("BTCUSDT")),
    "trades": ("/v5/market/recent-trade", lambda c: c.trades("BTCUSDT", "linear")),
    "funding": (
        "/v5/market/funding/history",
        lambda c: c.funding_rates("BTCUSDT", "2024-06-01", "2024-06-03"),
    ),
    "open interest": ("/v5/market/open-interest", lambda c: c.open_interest("BTCUSDT", "1h", limit=5)),
    "long/short": ("/v5/market/account-ratio", lambda c: c.long_short_ratio("BTCUSDT", "1h", limit=5)),
    "volatility": ("/v5/market/historical-volatility", lambda c: c.historical_volatility("BTC")),
    "insurance": ("/v5/market/insurance", lambda c: c.insurance()),
    "risk limits": ("/v5/market/risk-limit", lambda c: c.risk_limits("linear")),
    "delivery": ("/v5/market/delivery-price", lambda c: c.delivery_prices("linear")),
    "price limit": ("/v5/market/price-limit", lambda c: c.price_limit("BTCUSDT")),
    "server time": ("/v5/market/time", lambda c: c.server_time()),
}

BODIES = st.one_of(
    st.binary(max_size=40),
    st.sampled_from(
        [b"", b"{}", b"[]", b"null", b'{"retCode":0}', b'{"retCode":0,"result":', b"<html>502</html>"]
    ),
)


@pytest.fixture(scope="module")
def exchange() -> Iterator[tuple[Client, dict[str, bytes]]]:
    """One client over a mock exchange answering ``answers[path]`` (and the server time)."""
    answers: dict[str, bytes] = {}

    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/v5/market/time" and path not in answers:
            return httpx.Response(200, content=SERVER_TIME)
        return httpx.Response(200, content=answers.get(path, b"{}"))

    client = Client(
        base_url="http://properties.test", transport=httpx.MockTransport(answer), cache=False, max_attempts=1
    )
    yield client, answers
    client.close()


@pytest.mark.parametrize("call", list(PUBLIC_CALLS), ids=list(PUBLIC_CALLS))
@settings(max_examples=PER_ENDPOINT)
@given(data=st.data())
def test_public_calls_raise_only_bybit_errors_whatever_the_server_sends(
    exchange: tuple[Client, dict[str, bytes]], call: str, data: st.DataObject
) -> None:
    client, answers = exchange
    path, function = PUBLIC_CALLS[call]
    spec = ENDPOINTS[path]
    category = (
        "option" if call == "option tickers" else (spec.categories[1] if len(spec.categories) > 1 else None)
    )
    result = data.draw(result_of(spec, category), label="result")
    try:
        body = compact(result)
    except ValueError:
        body = b'{"retCode":0,"result":{}}'
    if data.draw(st.booleans(), label="damage the body"):
        cut = data.draw(st.integers(0, len(body)), label="cut")
        body = body[:cut] + data.draw(BODIES, label="tail")
    answers.clear()
    answers[path] = body
    try:
        outcome = function(client)
    except BybitError as error:
        assert error.endpoint is not None
        return
    assert isinstance(outcome, pd.DataFrame | pd.Timestamp)
    if isinstance(outcome, pd.Timestamp):
        assert not pd.isna(outcome) and math.isfinite(outcome.value)
