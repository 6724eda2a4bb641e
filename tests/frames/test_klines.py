"""Kline pages parsed straight from their bytes give exactly the frame of the decoded path, or step aside."""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import orjson
import pandas as pd
import pytest

from bybit_research.endpoints import endpoint
from bybit_research.frames import build_frame, rows_of, snake
from bybit_research.frames.klines import (
    frame_from_columns,
    numeric_rows_block,
    numeric_rows_frame,
    pages_columns,
)
from bybit_research.sim import create_app

NOW_MS = 1_765_000_123_456
REFERENCE_PAGE = (
    b'{"retCode":0,"retMsg":"OK","result":{"symbol":"BTCUSD","category":"inverse","list":['
    b'["1670608800000","17071","17073","17027","17055.5","268611","15.74462667"],'
    b'["1670605200000","17071.5","17071.5","17061","17071","4177","0.24469757"]]},'
    b'"retExtInfo":{},"time":1672025956592}'
)
KLINE_FIELDS = endpoint("/v5/market/kline").row_fields


def test_block_of_the_reference_page_is_csv_lines() -> None:
    block = numeric_rows_block(REFERENCE_PAGE)
    assert block == (
        b',"1670608800000","17071","17073","17027","17055.5","268611","15.74462667"\n'
        b',"1670605200000","17071.5","17071.5","17061","17071","4177","0.24469757"'
    )


def test_reference_page_parses_to_exact_numbers_ascending() -> None:
    spec = endpoint("/v5/market/kline")
    parts = pages_columns(spec, "inverse", [REFERENCE_PAGE], [lambda: []])
    frame = frame_from_columns(parts, ["open", "high", "low", "close", "volume", "turnover"], unique=True)
    assert list(frame.index.asi8) == [1670605200000, 1670608800000]
    assert str(frame.index.dtype) == "datetime64[ms, UTC]" and frame.index.name == "time"
    assert frame["close"].tolist() == [17071.0, 17055.5]
    assert frame["turnover"].tolist() == [0.24469757, 15.74462667]
    assert (frame.dtypes == np.float64).all()


def test_empty_list_is_an_empty_block() -> None:
    assert numeric_rows_block(b'{"retCode":0,"result":{"list":[]},"time":1}') == b""
    times, values = numeric_rows_frame([b""], KLINE_FIELDS)
    assert times.shape == (0,) and values.shape == (0, 6)


@pytest.mark.parametrize(
    "body",
    [
        b'{"result":{"list": [["1","2"]]}}',  # not compact
        b'{"result":{"list":[{"a":"1"}]}}',  # records, not arrays
        b'{"result":{"list":[["1","x"]]}}',  # a non-numeric cell
        b'{"result":{"list":[["1","2"]],"other":{"list":[["3"]]}}}',  # two lists: ambiguous
        b'{"result":{"category":"linear"}}',  # no list at all
        b'{"result":{"list":[[],["1","2"]]}}',  # an empty row first
        b'{"result":{"list":[["1","2"],[],["3","4"]]}}',  # an empty row inside
        b'{"result":{"list":[["1","2"],"3",["4","5"]]}}',  # a loose cell between rows
        b'{"result":{"list":[["1",["2","3"]],["4","5"]]}}',  # a nested row
        b'{"result":{"list":[["1","2"],["3","4"]]},"x":{"list":[]}}',  # a second, empty list after it
        b'{"result":{"list":[["1","2"]],"x":[["3"]]}}',  # other arrays after the list
    ],
)
def test_unexpected_shapes_step_aside(body: bytes) -> None:
    assert numeric_rows_block(body) is None


def test_ragged_rows_step_aside() -> None:
    block = numeric_rows_block(b'{"result":{"list":[["1","2","3"],["4","5"]]}}')
    assert block is not None
    assert numeric_rows_frame([block], ["t", "a", "b"]) is None


@pytest.mark.parametrize(
    ("path", "category", "interval"),
    [
        ("/v5/market/kline", "linear", "1"),
        ("/v5/market/kline", "spot", "60"),
        ("/v5/market/kline", "inverse", "D"),
        ("/v5/market/mark-price-kline", "linear", "5"),
        ("/v5/market/premium-index-price-kline", "linear", "15"),
    ],
)
def test_simulator_pages_give_the_decoded_frame_exactly(path: str, category: str, interval: str) -> None:
    symbol = "BTCUSD" if category == "inverse" else "BTCUSDT"
    app = create_app(now_ms=NOW_MS, ip_limit=0)
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://sim") as http:
        bodies = [
            http.get(
                path,
                params={
                    "category": category,
                    "symbol": symbol,
                    "interval": interval,
                    "limit": 1000,
                    "end": NOW_MS - page * 10**9,
                },
            ).content
            for page in range(3)
        ]
    spec = endpoint(path)
    rows = [row for body in bodies for row in rows_of(spec, orjson.loads(body)["result"])]
    decoded = build_frame(spec, rows, category)
    assert all(numeric_rows_block(body) for body in bodies)  # every page takes the bytes path

    def never() -> list[Any]:
        raise AssertionError("a compact page was decoded")

    parts = pages_columns(spec, category, bodies, [never] * len(bodies))
    raw = frame_from_columns(parts, [snake(f) for f in spec.row_fields[1:]], spec.unique_index)
    assert len(raw) > 1000
    pd.testing.assert_frame_equal(raw, decoded)
    assert raw.index.is_monotonic_increasing and raw.index.is_unique


def test_pages_parsed_together_give_each_page_its_own_ascending_columns() -> None:
    from bybit_research.frames.klines import page_columns

    spec = endpoint("/v5/market/kline")
    spaced = REFERENCE_PAGE.replace(b'"list":[', b'"list": [')  # not compact: decoded path
    empty = b'{"retCode":0,"result":{"list":[]},"time":1}'
    contents = [REFERENCE_PAGE, spaced, empty, REFERENCE_PAGE]
    rows = [lambda body=body: rows_of(spec, orjson.loads(body)["result"]) for body in contents]
    together = pages_columns(spec, "inverse", contents, rows)
    assert [len(c.times) for c in together] == [2, 2, 0, 2]
    for columns, content, page_rows in zip(together, contents, rows, strict=True):
        alone = page_columns(spec, "inverse", content, page_rows)
        np.testing.assert_array_equal(columns.times, alone.times)
        np.testing.assert_array_equal(columns.values, alone.values)
    assert together[0].times.tolist() == [1670605200000, 1670608800000]
    assert together[1].values[:, 3].tolist() == [17071.0, 17055.5]  # close, from the decoded path


def test_a_bad_cell_sends_the_whole_batch_to_the_decoded_path() -> None:
    spec = endpoint("/v5/market/kline")
    # a time written as a decimal: arrow's int64 column refuses the batch, the decoded path reads it
    bad = REFERENCE_PAGE.replace(b'"1670605200000"', b'"1670605200000.0"')
    decoded: list[int] = []

    def rows_for(body: bytes) -> Any:
        def rows() -> list[Any]:
            decoded.append(1)
            return rows_of(spec, orjson.loads(body)["result"])

        return rows

    together = pages_columns(
        spec, "inverse", [REFERENCE_PAGE, bad], [rows_for(REFERENCE_PAGE), rows_for(bad)]
    )
    assert len(decoded) == 2 and together[0].values[:, 3].tolist() == [17071.0, 17055.5]
