"""The market routes through the WSGI app: envelope, the raw historical-volatility body and retCode 10001."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from market_helpers import NOW_MS


@pytest.fixture(scope="module")
def client():
    import httpx

    from bybit_research.sim.app import create_app

    app = create_app(now_ms=NOW_MS, ip_limit=0)
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://sim") as http:
        yield http


def test_kline_envelope(client) -> None:
    body = client.get(
        "/v5/market/kline", params={"category": "linear", "symbol": "BTCUSDT", "interval": "1", "limit": 1000}
    ).json()
    assert body["retCode"] == 0 and body["retExtInfo"] == {} and isinstance(body["time"], int)
    assert body["result"]["symbol"] == "BTCUSDT" and len(body["result"]["list"]) == 1000


def test_historical_volatility_raw_body(client) -> None:
    body = client.get("/v5/market/historical-volatility", params={"category": "option"}).json()
    assert (body["retCode"], body["retMsg"], body["category"]) == (0, "SUCCESS", "option")
    assert isinstance(body["result"], list) and body["result"][0]["period"] == 7


def test_param_error_envelope(client) -> None:
    response = client.get(
        "/v5/market/kline", params={"category": "linear", "symbol": "NOPE", "interval": "1"}
    )
    body = response.json()
    assert response.status_code == 200 and body["retCode"] == 10001 and "symbol invalid" in body["retMsg"]


def test_cursor_round_trip_over_http(client) -> None:
    seen, cursor = [], ""
    while True:
        params = {"category": "linear", "limit": 5, **({"cursor": cursor} if cursor else {})}
        result = client.get("/v5/market/instruments-info", params=params).json()["result"]
        seen += [row["symbol"] for row in result["list"]]
        cursor = result["nextPageCursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) > 25


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v5/market/kline", {"category": "linear", "symbol": "BTCUSDT", "interval": "1", "limit": "1000"}),
        ("/v5/market/kline", {"category": "inverse", "symbol": "BTCUSD", "interval": "60", "limit": "7"}),
        ("/v5/market/kline", {"category": "spot", "symbol": "ETHUSDT", "interval": "D", "limit": "30"}),
        ("/v5/market/mark-price-kline", {"symbol": "ETHUSDT", "interval": "5", "limit": "300"}),
        ("/v5/market/premium-index-price-kline", {"symbol": "BTCUSDT", "interval": "1", "limit": "1000"}),
        ("/v5/market/kline", {"symbol": "BTCUSDT", "interval": "1", "start": "1", "end": "2"}),
    ],
)
def test_kline_bodies_built_as_json_text_match_the_handler(client, path: str, params: dict[str, str]) -> None:
    from market_helpers import call, make_exchange

    body = client.get(path, params=params).json()
    assert body["retCode"] == 0
    direct = call(make_exchange(), path, **params)
    assert body["result"] == direct  # the fast JSON text and the list of lists are the same page
    rows = direct["list"]
    assert all(isinstance(value, str) for row in rows for value in row)


def test_format_table_matches_format_units() -> None:
    import json

    import numpy as np

    from bybit_research.sim.market.klines import format_table, format_table_json, format_units

    table = np.array([[1717200000000, 5, 123456, 0], [1717200060000, 1_000_000, 7, 99]], dtype=np.int64)
    digits = [0, 3, 2, 8]
    expected = [
        list(row) for row in zip(*(format_units(table[:, k], digits[k]) for k in range(4)), strict=True)
    ]
    assert expected[0] == ["1717200000000", "0.005", "1234.56", "0.00000000"]
    assert format_table(table, digits) == expected
    assert json.loads(format_table_json(table, digits)) == expected
    negative = table.copy()
    negative[1, 1] = -1234
    assert format_table(negative, digits)[1][1] == "-1.234"
    assert json.loads(format_table_json(negative, digits)) == format_table(negative, digits)
    empty = np.zeros((0, 4), dtype=np.int64)
    assert format_table(empty, digits) == [] and format_table_json(empty, digits) == "[]"
