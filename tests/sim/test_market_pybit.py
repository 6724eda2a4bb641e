"""pybit's public market methods against the simulator over TCP, and the trade archive over TCP."""

from __future__ import annotations

import gzip
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from market_helpers import NOW_MS

from bybit_research.sim import serve
from bybit_research.sim.market.calendar import DAY_MS

pytestmark = pytest.mark.tcp


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve(now_ms=NOW_MS, ip_limit=0) as url:
        yield url


@pytest.fixture(scope="module")
def session(base_url: str) -> Any:
    from pybit.unified_trading import HTTP

    http = HTTP(testnet=False, max_retries=1)
    http.endpoint = base_url  # pybit builds every URL from this attribute
    return http


def _list(reply: dict[str, Any]) -> list[Any]:
    return reply["result"]["list"]


#: (pybit method, its arguments, a check of its result)
CALLS: list[tuple[str, dict[str, Any], Callable[[dict[str, Any]], bool]]] = [
    ("get_server_time", {}, lambda r: r["result"]["timeSecond"] == str(NOW_MS // 1000)),
    (
        "get_kline",
        {"category": "linear", "symbol": "BTCUSDT", "interval": "60", "limit": 5},
        lambda r: len(_list(r)) == 5,
    ),
    (
        "get_mark_price_kline",
        {"category": "linear", "symbol": "ETHUSDT", "interval": "D"},
        lambda r: len(_list(r)) == 200,
    ),
    (
        "get_index_price_kline",
        {"category": "inverse", "symbol": "BTCUSD", "interval": "1"},
        lambda r: len(_list(r)) == 200,
    ),
    (
        "get_premium_index_price_kline",
        {"category": "linear", "symbol": "SOLUSDT", "interval": "5"},
        lambda r: bool(_list(r)),
    ),
    (
        "get_instruments_info",
        {"category": "spot"},
        lambda r: any(row["symbol"] == "BTCUSDT" for row in _list(r)),
    ),
    (
        "get_orderbook",
        {"category": "linear", "symbol": "BTCUSDT", "limit": 50},
        lambda r: len(r["result"]["b"]) == 50,
    ),
    ("get_tickers", {"category": "option", "baseCoin": "ETH"}, lambda r: len(_list(r)) > 20),
    ("get_tickers", {"category": "inverse"}, lambda r: "fundingCap" in _list(r)[0]),
    (
        "get_funding_rate_history",
        {"category": "linear", "symbol": "BTCUSDT", "limit": 3},
        lambda r: len(_list(r)) == 3,
    ),
    (
        "get_public_trade_history",
        {"category": "linear", "symbol": "BTCUSDT", "limit": 7},
        lambda r: len(_list(r)) == 7,
    ),
    (
        "get_open_interest",
        {"category": "linear", "symbol": "BTCUSDT", "intervalTime": "1h"},
        lambda r: bool(_list(r)),
    ),
    (
        "get_historical_volatility",
        {"category": "option", "baseCoin": "BTC"},
        lambda r: r["result"][0]["period"] == 7,
    ),
    ("get_insurance", {"coin": "USDT"}, lambda r: all(row["coin"] == "USDT" for row in _list(r))),
    ("get_risk_limit", {"category": "linear", "symbol": "BTCUSDT"}, lambda r: _list(r)[0]["id"] > 0),
    ("get_option_delivery_price", {"category": "linear", "settleCoin": "USDT"}, lambda r: bool(_list(r))),
    (
        "get_long_short_ratio",
        {"category": "linear", "symbol": "BTCUSDT", "period": "1h"},
        lambda r: len(_list(r)) == 50,
    ),
    (
        "get_price_limit",
        {"symbol": "BTCUSDT"},
        lambda r: float(r["result"]["buyLmt"]) > float(r["result"]["sellLmt"]),
    ),
    (
        "get_rpi_orderbook",
        {"category": "linear", "symbol": "BTCUSDT", "limit": 10},
        lambda r: len(r["result"]["a"][0]) == 3,
    ),
    ("get_new_delivery_price", {"category": "option", "baseCoin": "BTC"}, lambda r: len(_list(r)) == 50),
    ("get_index_price_components", {"indexName": "BTCUSDT"}, lambda r: len(r["result"]["components"]) >= 3),
    ("get_adl_alert", {"symbol": "BTCUSDT"}, lambda r: _list(r)[0]["symbol"] == "BTCUSDT"),
    (
        "get_fee_group_info",
        {"productType": "contract", "groupId": "1"},
        lambda r: _list(r)[0]["symbolsNumbers"] > 0,
    ),
    ("get_tiered_collateral_ratio", {"currency": "BTC"}, lambda r: _list(r)[0]["currency"] == "BTC"),
]


@pytest.mark.parametrize(
    ("method", "params", "check"), CALLS, ids=[f"{m}-{i}" for i, (m, _, _) in enumerate(CALLS)]
)
def test_pybit_public_methods(
    session: Any, method: str, params: dict[str, Any], check: Callable[..., bool]
) -> None:
    reply = getattr(session, method)(**params)
    assert reply["retCode"] == 0 and check(reply)


def test_pybit_raises_on_a_bad_parameter(session: Any) -> None:
    from pybit.exceptions import InvalidRequestError

    with pytest.raises(InvalidRequestError, match="limit is required"):
        session.get_rpi_orderbook(category="linear", symbol="BTCUSDT")


def test_full_orderbook_and_the_archive_over_tcp(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as http:
        full = http.get("/v5/market/full_orderbook", params={"category": "spot", "symbol": "ETHUSDT"}).json()
        assert full["retCode"] == 0 and len(full["result"]["b"]) == 10_000
        day = NOW_MS // DAY_MS - 1
        name = f"ETHUSDT{datetime.fromtimestamp(day * DAY_MS / 1000, UTC).date().isoformat()}.csv.gz"
        archived = http.get(f"/trading/ETHUSDT/{name}")
        assert archived.status_code == 200 and archived.headers["content-type"] == "application/gzip"
        assert int(archived.headers["content-length"]) == len(archived.content)
        assert gzip.decompress(archived.content).startswith(b"timestamp,symbol,side,size,price,")
        head = http.head(f"/trading/ETHUSDT/{name}")
        assert (
            head.status_code == 200
            and head.content == b""
            and head.headers["etag"] == archived.headers["etag"]
        )
        assert http.get(f"/trading/ETHUSDT/{name[:-7]}x.csv.gz").status_code == 404
