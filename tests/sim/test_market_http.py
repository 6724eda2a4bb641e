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
