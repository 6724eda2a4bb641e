"""Demo account endpoints through the WSGI app with signed requests (HMAC-SHA256)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from bybit_research.sim.app import create_app
from bybit_research.sim.credentials import DEMO_API_KEY, DEMO_API_SECRET

NOW = 1_750_000_000_000
DAY = 86_400_000
RECV_WINDOW = "5000"


def signed_headers(payload: str) -> dict[str, str]:
    timestamp = str(NOW)
    text = timestamp + DEMO_API_KEY + RECV_WINDOW + payload
    signature = hmac.new(DEMO_API_SECRET.encode(), text.encode(), hashlib.sha256).hexdigest()
    return {
        "X-BAPI-API-KEY": DEMO_API_KEY,
        "X-BAPI-TIMESTAMP": timestamp,
        "X-BAPI-RECV-WINDOW": RECV_WINDOW,
        "X-BAPI-SIGN": signature,
    }


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    app = create_app(now_ms=NOW)
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://sim") as client:
        yield client


def get(http: httpx.Client, path: str, **params: Any) -> dict[str, Any]:
    query = urlencode(params)
    response = http.get(f"{path}?{query}" if query else path, headers=signed_headers(query))
    assert response.status_code == 200
    return response.json()


def post(http: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    raw = json.dumps(body)
    headers = {**signed_headers(raw), "Content-Type": "application/json"}
    return http.post(path, content=raw.encode(), headers=headers).json()


def test_wallet_balance_envelope(http: httpx.Client) -> None:
    body = get(http, "/v5/account/wallet-balance", accountType="UNIFIED", coin="USDT")
    assert body["retCode"] == 0 and body["time"] == NOW
    assert body["result"]["list"][0]["coin"][0]["coin"] == "USDT"


def test_unsigned_private_request_is_rejected(http: httpx.Client) -> None:
    body = http.get("/v5/account/wallet-balance?accountType=UNIFIED").json()
    assert body["retCode"] != 0


def test_parameter_errors_come_back_as_10001(http: httpx.Client) -> None:
    body = get(http, "/v5/execution/list", category="linear", startTime=NOW - 8 * DAY, endTime=NOW)
    assert body["retCode"] == 10001 and "cannot exceed 7 days" in body["retMsg"]
    body = get(http, "/v5/position/list", category="linear")
    assert body["retCode"] == 10001 and "settleCoin" in body["retMsg"]


def test_cursor_round_trip_over_http(http: httpx.Client) -> None:
    params = {"limit": 50, "startTime": NOW - 7 * DAY, "endTime": NOW}  # 25 pages per second at most
    ids: list[str] = []
    cursor = ""
    while True:
        body = get(http, "/v5/account/transaction-log", **params, **({"cursor": cursor} if cursor else {}))
        assert body["retCode"] == 0, body["retMsg"]
        ids.extend(row["id"] for row in body["result"]["list"])
        cursor = body["result"]["nextPageCursor"]
        if not cursor:
            break
    assert len(ids) == len(set(ids)) > 200


def test_margin_mode_switch_over_http(http: httpx.Client) -> None:
    body = post(http, "/v5/account/set-margin-mode", {"setMarginMode": "PORTFOLIO_MARGIN"})
    assert body["retCode"] == 0, body["retMsg"]
    assert get(http, "/v5/account/info")["result"]["marginMode"] == "PORTFOLIO_MARGIN"
    position = get(http, "/v5/position/list", category="linear", symbol="BTCUSDT")["result"]["list"][0]
    assert position["leverage"] == "" and position["positionIM"] == ""
    body = get(http, "/v5/asset/portfolio-margin", baseCoin="BTC")
    assert body["result"]["assetPnlRange"][0]["baseCoin"] == "BTC"
