"""Order books: the same levels at every depth, the RPI book next to the normal one, the full book."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from market_helpers import NOW_MS, call, error_of, make_exchange

from bybit_research.sim.market.calendar import date_ms


@pytest.fixture(scope="module")
def exchange() -> Any:
    return make_exchange()


@pytest.mark.parametrize(
    ("category", "symbol"), [("linear", "BTCUSDT"), ("spot", "ETHUSDT"), ("inverse", "BTCUSD")]
)
def test_every_depth_shows_the_same_levels(exchange: Any, category: str, symbol: str) -> None:
    deep = call(exchange, "/v5/market/orderbook", category=category, symbol=symbol, limit=200)
    for limit in (1, 25, 50):
        shallow = call(exchange, "/v5/market/orderbook", category=category, symbol=symbol, limit=limit)
        assert shallow["b"] == deep["b"][:limit] and shallow["a"] == deep["a"][:limit]
    ticker = call(exchange, "/v5/market/tickers", category=category, symbol=symbol)["list"][0]
    assert [ticker["bid1Price"], ticker["bid1Size"]] == deep["b"][0]
    assert [ticker["ask1Price"], ticker["ask1Size"]] == deep["a"][0]
    tick = Decimal(deep["a"][1][0]) - Decimal(deep["a"][0][0])
    assert Decimal(deep["a"][0][0]) - Decimal(deep["b"][0][0]) == tick  # a one-tick spread


def test_sizes_change_every_second_and_stay_within_one(exchange: Any) -> None:
    first = call(exchange, "/v5/market/orderbook", category="linear", symbol="ETHUSDT", limit=50)
    same_second = call(
        exchange,
        "/v5/market/orderbook",
        now_ms=NOW_MS // 1000 * 1000 + 999,
        category="linear",
        symbol="ETHUSDT",
    )
    next_second = call(
        exchange, "/v5/market/orderbook", now_ms=NOW_MS + 1000, category="linear", symbol="ETHUSDT"
    )
    assert [s for _, s in same_second["b"]] == [s for _, s in first["b"][:25]]
    assert [s for _, s in next_second["b"]] != [s for _, s in first["b"][:25]]


def test_rpi_book_adds_rpi_sizes_to_the_normal_levels(exchange: Any) -> None:
    book = call(exchange, "/v5/market/orderbook", category="linear", symbol="BTCUSDT", limit=50)
    rpi = call(exchange, "/v5/market/rpi_orderbook", category="linear", symbol="BTCUSDT", limit=50)
    assert set(rpi) == {"s", "b", "a", "ts", "u", "seq", "cts"} and rpi["s"] == "BTCUSDT"
    assert all(isinstance(rpi[key], int) for key in ("ts", "u", "seq", "cts")) and rpi["ts"] == NOW_MS
    for side in ("b", "a"):
        assert len(rpi[side]) == 50 and all(len(level) == 3 for level in rpi[side])
        assert [[price, size] for price, size, _ in rpi[side]] == book[side]  # orderbook's sizes exclude RPI
        rpi_sizes = [Decimal(level[2]) for level in rpi[side]]
        assert any(size > 0 for size in rpi_sizes) and any(size == 0 for size in rpi_sizes)
    prices = [Decimal(level[0]) for level in rpi["b"]]
    assert prices == sorted(prices, reverse=True)
    narrow = call(exchange, "/v5/market/rpi_orderbook", symbol="BTCUSDT", limit=5)  # category is optional
    assert narrow["b"] == rpi["b"][:5] and narrow["a"] == rpi["a"][:5]
    spot = call(exchange, "/v5/market/rpi_orderbook", category="spot", symbol="BTCUSDT", limit=3)
    assert (
        spot["b"][0][:2] == call(exchange, "/v5/market/orderbook", category="spot", symbol="BTCUSDT")["b"][0]
    )


def test_no_rpi_quotes_before_rpi_orders_existed() -> None:
    early = date_ms("2025-03-01") + 12_345
    exchange = make_exchange(now_ms=early)
    rpi = call(
        exchange, "/v5/market/rpi_orderbook", now_ms=early, category="linear", symbol="BTCUSDT", limit=50
    )
    assert {level[2] for side in ("b", "a") for level in rpi[side]} == {"0.000"}


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"category": "linear", "symbol": "BTCUSDT"}, "limit is required"),
        ({"category": "linear", "symbol": "BTCUSDT", "limit": "51"}, "limit must be between 1 and 50"),
        ({"category": "linear", "symbol": "BTCUSDT", "limit": "0"}, "limit must be between 1 and 50"),
        ({"category": "option", "symbol": "BTCUSDT", "limit": "5"}, "must be one of spot, linear, inverse"),
        ({"limit": "5"}, "symbol is required"),
        ({"symbol": "NOPEUSDT", "limit": "5"}, "symbol invalid"),
    ],
)
def test_rpi_book_parameter_errors(exchange: Any, params: dict[str, str], fragment: str) -> None:
    error = error_of(exchange, "/v5/market/rpi_orderbook", **params)
    assert error.ret_code == 10001 and fragment in error.ret_msg


def test_full_book(exchange: Any) -> None:
    full = call(exchange, "/v5/market/full_orderbook", category="linear", symbol="BTCUSDT")
    assert set(full) == {"s", "b", "a", "ts", "u", "seq", "cts"}
    assert len(full["b"]) == len(full["a"]) == 10_000
    assert (
        full["b"][:1000]
        == call(exchange, "/v5/market/orderbook", category="linear", symbol="BTCUSDT", limit=1000)["b"]
    )
    asks = [Decimal(price) for price, _ in full["a"]]
    assert asks == sorted(asks) and len(set(asks)) == 10_000
    # ARBUSDT trades fewer than 10 000 ticks (0.0001) above zero: its bids stop at one tick
    thin = call(exchange, "/v5/market/full_orderbook", category="linear", symbol="ARBUSDT")
    bids = [Decimal(price) for price, _ in thin["b"]]
    assert (
        min(bids) == Decimal("0.0001") and len(bids) == Decimal(thin["b"][0][0]) / Decimal("0.0001") < 10_000
    )
    assert len(thin["a"]) == 10_000
    assert (
        error_of(exchange, "/v5/market/full_orderbook", symbol="BTCUSDT").ret_code == 10001
    )  # category required
    assert (
        "category option"
        in error_of(
            exchange, "/v5/market/full_orderbook", category="option", symbol="BTC-26DEC25-100000-C"
        ).ret_msg
    )
