"""Every ``/v5/market/*`` handler: documented shapes and types per category, parameter errors, cursor
paging."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import itertools

from market_helpers import NOW_MS, call, error_of, make_exchange

from bybit_research.sim.core import ROUTES
from bybit_research.sim.market.calendar import DAY_MS, HOUR_MS
from bybit_research.sim.market.risk import first_tier_id

LINEAR_TICKER = set(
    [
        "symbol",
        "lastPrice",
        "indexPrice",
        "markPrice",
        "prevPrice24h",
        "price24hPcnt",
        "highPrice24h",
        "lowPrice24h",
        "prevPrice1h",
        "openInterest",
        "openInterestValue",
        "singleOpenInterest",
        "singleOpenInterestValue",
        "turnover24h",
        "volume24h",
        "fundingRate",
        "nextFundingTime",
        "predictedDeliveryPrice",
        "basisRate",
        "basis",
        "basisRateYear",
        "deliveryFeeRate",
        "deliveryTime",
        "ask1Size",
        "bid1Price",
        "ask1Price",
        "bid1Size",
        "preOpenPrice",
        "preQty",
        "curPreListingPhase",
        "fundingIntervalHour",
        "fundingCap",
    ]
)
OPTION_TICKER = set(
    [
        "symbol",
        "bid1Price",
        "bid1Size",
        "bid1Iv",
        "ask1Price",
        "ask1Size",
        "ask1Iv",
        "lastPrice",
        "highPrice24h",
        "lowPrice24h",
        "markPrice",
        "indexPrice",
        "markIv",
        "underlyingPrice",
        "openInterest",
        "turnover24h",
        "volume24h",
        "totalVolume",
        "totalTurnover",
        "delta",
        "gamma",
        "vega",
        "theta",
        "predictedDeliveryPrice",
        "change24h",
    ]
)
SPOT_TICKER = set(
    [
        "symbol",
        "bid1Price",
        "bid1Size",
        "ask1Price",
        "ask1Size",
        "lastPrice",
        "prevPrice24h",
        "price24hPcnt",
        "highPrice24h",
        "lowPrice24h",
        "turnover24h",
        "volume24h",
        "usdIndexPrice",
    ]
)
CONTRACT_INFO = set(
    [
        "symbol",
        "symbolId",
        "contractType",
        "status",
        "baseCoin",
        "quoteCoin",
        "symbolType",
        "launchTime",
        "deliveryTime",
        "deliveryFeeRate",
        "priceScale",
        "leverageFilter",
        "priceFilter",
        "lotSizeFilter",
        "unifiedMarginTrade",
        "fundingInterval",
        "settleCoin",
        "copyTrading",
        "upperFundingRate",
        "lowerFundingRate",
        "displayName",
        "forbidUplWithdrawal",
        "riskParameters",
        "isPreListing",
        "preListingInfo",
    ]
)
OPTION_INFO = set(
    [
        "symbol",
        "symbolId",
        "optionsType",
        "status",
        "baseCoin",
        "quoteCoin",
        "settleCoin",
        "launchTime",
        "deliveryTime",
        "deliveryFeeRate",
        "priceFilter",
        "lotSizeFilter",
        "displayName",
    ]
)
SPOT_INFO = set(
    [
        "symbolId",
        "symbol",
        "baseCoin",
        "quoteCoin",
        "innovation",
        "symbolType",
        "xstockMultiplier",
        "status",
        "marginTrading",
        "stTag",
        "lotSizeFilter",
        "priceFilter",
        "riskParameters",
    ]
)


@pytest.fixture(scope="module")
def exchange() -> Any:
    return make_exchange()


def option_symbol(exchange: Any) -> str:
    return "BTC-26DEC25-100000-C"


def assert_decimal_strings(row: dict[str, Any], keys: set[str]) -> None:
    for key in keys:
        value = row[key]
        assert isinstance(value, str), (key, value)
        if value != "":
            float(value)


def test_every_market_route_is_registered() -> None:
    paths = {path for method, path in ROUTES if path.startswith("/v5/market/")}
    expected = {
        "kline",
        "mark-price-kline",
        "index-price-kline",
        "premium-index-price-kline",
        "orderbook",
        "tickers",
        "instruments-info",
        "recent-trade",
        "funding/history",
        "open-interest",
        "historical-volatility",
        "insurance",
        "risk-limit",
        "delivery-price",
        "new-delivery-price",
        "account-ratio",
        "time",
        "price-limit",
        "rpi_orderbook",
        "full_orderbook",
        "index-price-components",
        "adlAlert",
        "fee-group-info",
    }
    assert {f"/v5/market/{name}" for name in expected} <= paths
    assert ("GET", "/v5/spot-margin-trade/collateral") in ROUTES
    assert ROUTES[("GET", "/v5/market/historical-volatility")].raw_envelope


# ---------------------------------------------------------------- klines
@pytest.mark.parametrize(
    ("path", "category", "symbol", "width"),
    [
        ("/v5/market/kline", "spot", "BTCUSDT", 7),
        ("/v5/market/kline", "linear", "ETHPERP", 7),
        ("/v5/market/kline", "linear", "BTCUSDT-26DEC25", 7),
        ("/v5/market/kline", "inverse", "BTCUSD", 7),
        ("/v5/market/mark-price-kline", "linear", "BTCUSDT", 5),
        ("/v5/market/mark-price-kline", "inverse", "BTCUSDH26", 5),
        ("/v5/market/mark-price-kline", "option", "BTC-26DEC25-100000-C", 5),
        ("/v5/market/index-price-kline", "linear", "SOLUSDT", 5),
        ("/v5/market/index-price-kline", "inverse", "ETHUSD", 5),
        ("/v5/market/premium-index-price-kline", "linear", "BTCUSDT", 5),
    ],
)
def test_kline_shapes(exchange: Any, path: str, category: str, symbol: str, width: int) -> None:
    result = call(exchange, path, category=category, symbol=symbol, interval="60")
    assert set(result) == {"category", "symbol", "list"}
    assert (result["category"], result["symbol"]) == (category, symbol)
    rows = result["list"]
    assert len(rows) == 200  # the default limit
    assert all(len(row) == width and all(isinstance(v, str) for v in row) for row in rows)
    starts = [int(row[0]) for row in rows]
    assert starts == sorted(starts, reverse=True) and starts[0] == NOW_MS // HOUR_MS * HOUR_MS
    assert all(a - b == HOUR_MS for a, b in itertools.pairwise(starts))
    for row in rows:
        o, h, low, c = (float(v) for v in row[1:5])
        assert low <= min(o, c) <= max(o, c) <= h


def test_kline_default_category_is_linear(exchange: Any) -> None:
    assert call(exchange, "/v5/market/kline", symbol="BTCUSDT", interval="D", limit=1)["category"] == "linear"


def test_kline_start_anchors_the_page(exchange: Any) -> None:
    start = NOW_MS - 30 * DAY_MS
    rows = call(
        exchange, "/v5/market/kline", category="linear", symbol="BTCUSDT", interval="1", start=start, limit=3
    )["list"]
    assert [int(r[0]) for r in rows] == [start // 60_000 * 60_000 + k * 60_000 for k in (3, 2, 1)]


def test_option_mark_kline_limit(exchange: Any) -> None:
    assert (
        error_of(
            exchange,
            "/v5/market/mark-price-kline",
            category="option",
            symbol=option_symbol(exchange),
            interval="60",
            limit=501,
        ).ret_code
        == 10001
    )
    rows = call(
        exchange, "/v5/market/mark-price-kline", category="linear", symbol="BTCUSDT", interval="1", limit=1000
    )
    assert len(rows["list"]) == 1000


@pytest.mark.parametrize(
    ("path", "params", "fragment"),
    [
        ("/v5/market/kline", {"category": "option", "symbol": "BTCUSDT", "interval": "1"}, "category option"),
        ("/v5/market/kline", {"category": "linear", "symbol": "NOPEUSDT", "interval": "1"}, "symbol invalid"),
        ("/v5/market/kline", {"category": "linear", "symbol": "btcusdt", "interval": "1"}, "symbol invalid"),
        ("/v5/market/kline", {"category": "linear", "interval": "1"}, "symbol is required"),
        ("/v5/market/kline", {"category": "linear", "symbol": "BTCUSDT"}, "interval is required"),
        (
            "/v5/market/kline",
            {"category": "linear", "symbol": "BTCUSDT", "interval": "2"},
            "interval invalid",
        ),
        ("/v5/market/kline", {"symbol": "BTCUSDT", "interval": "1", "limit": "0"}, "limit must be between 1"),
        (
            "/v5/market/kline",
            {"symbol": "BTCUSDT", "interval": "1", "limit": "1001"},
            "limit must be between",
        ),
        (
            "/v5/market/kline",
            {"symbol": "BTCUSDT", "interval": "1", "start": "abc"},
            "start must be an integer",
        ),
        (
            "/v5/market/index-price-kline",
            {"category": "option", "symbol": "X", "interval": "1"},
            "category option",
        ),
        (
            "/v5/market/premium-index-price-kline",
            {"category": "inverse", "symbol": "BTCUSD", "interval": "1"},
            "category inverse",
        ),
        ("/v5/market/premium-index-price-kline", {"symbol": "BTCUSDT-26DEC25", "interval": "1"}, "premium"),
        (
            "/v5/market/mark-price-kline",
            {"category": "spot", "symbol": "BTCUSDT", "interval": "1"},
            "category spot",
        ),
        ("/v5/market/orderbook", {"symbol": "BTCUSDT"}, "category is required"),
        ("/v5/market/orderbook", {"category": "spot", "symbol": "BTCUSDT", "limit": "1001"}, "limit"),
        (
            "/v5/market/orderbook",
            {"category": "option", "symbol": "BTC-26DEC25-100000-C", "limit": "26"},
            "limit",
        ),
        ("/v5/market/tickers", {"category": "option"}, "symbol or baseCoin is required"),
        ("/v5/market/tickers", {"category": "option", "baseCoin": "DOGE"}, "baseCoin invalid"),
        ("/v5/market/tickers", {"category": "option", "baseCoin": "BTC", "expDate": "XX"}, "expDate invalid"),
        ("/v5/market/tickers", {"category": "futures"}, "category futures"),
        ("/v5/market/instruments-info", {"category": "linear", "limit": "1001"}, "limit"),
        ("/v5/market/instruments-info", {"category": "linear", "status": "Live"}, "status invalid"),
        ("/v5/market/instruments-info", {"category": "linear", "cursor": "garbage"}, "cursor invalid"),
        ("/v5/market/recent-trade", {"category": "spot", "symbol": "BTCUSDT", "limit": "61"}, "limit"),
        ("/v5/market/recent-trade", {"category": "linear"}, "symbol is required"),
        ("/v5/market/recent-trade", {"category": "option", "optionType": "Both"}, "optionType invalid"),
        ("/v5/market/funding/history", {"category": "spot", "symbol": "BTCUSDT"}, "category spot"),
        (
            "/v5/market/funding/history",
            {"category": "linear", "symbol": "BTCUSDT", "startTime": "1"},
            "endTime is required",
        ),
        ("/v5/market/funding/history", {"category": "linear", "symbol": "BTCUSDT", "limit": "201"}, "limit"),
        ("/v5/market/open-interest", {"category": "linear", "symbol": "BTCUSDT"}, "intervalTime is required"),
        (
            "/v5/market/open-interest",
            {"category": "linear", "symbol": "BTCUSDT", "intervalTime": "2h"},
            "intervalTime invalid",
        ),
        (
            "/v5/market/open-interest",
            {"category": "option", "symbol": "BTCUSDT", "intervalTime": "1h"},
            "category option",
        ),
        ("/v5/market/historical-volatility", {"category": "linear"}, "category linear"),
        ("/v5/market/historical-volatility", {"category": "option", "period": "8"}, "period invalid"),
        (
            "/v5/market/historical-volatility",
            {"category": "option", "baseCoin": "SOL", "period": "180"},
            "period invalid",
        ),
        (
            "/v5/market/historical-volatility",
            {"category": "option", "startTime": str(NOW_MS - DAY_MS)},
            "must be given together",
        ),
        (
            "/v5/market/historical-volatility",
            {"category": "option", "startTime": str(NOW_MS - 31 * DAY_MS), "endTime": str(NOW_MS)},
            "30 days",
        ),
        ("/v5/market/historical-volatility", {"category": "option", "baseCoin": "XRP"}, "baseCoin invalid"),
        ("/v5/market/insurance", {"coin": "DOGE"}, "coin invalid"),
        ("/v5/market/risk-limit", {"category": "spot"}, "category spot"),
        ("/v5/market/delivery-price", {"category": "spot"}, "category spot"),
        ("/v5/market/delivery-price", {"category": "linear", "limit": "201"}, "limit"),
        ("/v5/market/account-ratio", {"category": "linear", "symbol": "BTCUSDT"}, "period is required"),
        (
            "/v5/market/account-ratio",
            {"category": "linear", "symbol": "BTCUSDT", "period": "2d"},
            "period invalid",
        ),
        (
            "/v5/market/account-ratio",
            {"category": "linear", "symbol": "BTCUSDT", "period": "1h", "limit": "501"},
            "limit",
        ),
        ("/v5/market/price-limit", {"category": "option", "symbol": "BTCUSDT"}, "category option"),
        ("/v5/market/price-limit", {}, "symbol is required"),
    ],
)
def test_parameter_errors(exchange: Any, path: str, params: dict[str, str], fragment: str) -> None:
    error = error_of(exchange, path, **params)
    assert error.ret_code == 10001
    assert fragment in error.ret_msg
    assert error.ret_msg.startswith("params error")


# ---------------------------------------------------------------- book, tickers, trades
@pytest.mark.parametrize(
    ("category", "symbol", "default"),
    [
        ("spot", "BTCUSDT", 1),
        ("linear", "BTCUSDT", 25),
        ("inverse", "ETHUSD", 25),
        ("option", "BTC-26DEC25-100000-C", 1),
    ],
)
def test_orderbook(exchange: Any, category: str, symbol: str, default: int) -> None:
    book = call(exchange, "/v5/market/orderbook", category=category, symbol=symbol)
    assert set(book) == {"s", "b", "a", "ts", "u", "seq", "cts"}
    assert book["s"] == symbol and book["ts"] == NOW_MS
    assert all(isinstance(book[k], int) for k in ("ts", "u", "seq", "cts"))
    assert len(book["b"]) == len(book["a"]) == default
    deep = call(
        exchange,
        "/v5/market/orderbook",
        category=category,
        symbol=symbol,
        limit=5 if category == "option" else 50,
    )
    bids = [float(p) for p, _ in deep["b"]]
    asks = [float(p) for p, _ in deep["a"]]
    assert bids == sorted(bids, reverse=True) and asks == sorted(asks) and bids[0] < asks[0]
    assert all(float(size) > 0 for _, size in deep["b"] + deep["a"])


def test_tickers_linear_and_inverse(exchange: Any) -> None:
    linear = call(exchange, "/v5/market/tickers", category="linear")
    assert linear["category"] == "linear"
    symbols = [row["symbol"] for row in linear["list"]]
    assert "BTCUSDT" in symbols and "BTCPERP" in symbols and "BTCUSDT-26DEC25" in symbols
    for row in linear["list"]:
        assert set(row) == LINEAR_TICKER
        assert_decimal_strings(row, LINEAR_TICKER - {"symbol", "curPreListingPhase"})
    perp = next(row for row in linear["list"] if row["symbol"] == "BTCUSDT")
    assert perp["deliveryTime"] == "0" and perp["basis"] == "" and perp["fundingIntervalHour"] == "8"
    assert int(perp["nextFundingTime"]) == (NOW_MS // (8 * HOUR_MS) + 1) * 8 * HOUR_MS
    assert float(perp["lowPrice24h"]) <= float(perp["lastPrice"]) <= float(perp["highPrice24h"])
    future = next(row for row in linear["list"] if row["symbol"] == "BTCUSDT-26DEC25")
    assert future["fundingRate"] == "" and int(future["deliveryTime"]) > NOW_MS and future["basis"] != ""
    hourly = next(row for row in linear["list"] if row["symbol"] == "HYPEUSDT")
    assert hourly["fundingIntervalHour"] == "1"
    inverse = call(exchange, "/v5/market/tickers", category="inverse", symbol="BTCUSD")["list"]
    assert len(inverse) == 1 and set(inverse[0]) == LINEAR_TICKER
    assert float(inverse[0]["openInterest"]) == int(inverse[0]["openInterest"])  # USD contracts


def test_tickers_spot_and_option(exchange: Any) -> None:
    spot = call(exchange, "/v5/market/tickers", category="spot", symbol="ETHUSDC")["list"]
    assert len(spot) == 1 and set(spot[0]) == SPOT_TICKER
    assert_decimal_strings(spot[0], SPOT_TICKER - {"symbol"})
    options = call(exchange, "/v5/market/tickers", category="option", baseCoin="ETH", expDate="26DEC25")[
        "list"
    ]
    assert options and all(row["symbol"].startswith("ETH-26DEC25-") for row in options)
    for row in options:
        assert set(row) == OPTION_TICKER
        assert_decimal_strings(row, OPTION_TICKER - {"symbol"})
        assert float(row["bid1Price"]) < float(row["ask1Price"])
        assert float(row["bid1Iv"]) <= float(row["markIv"]) <= float(row["ask1Iv"])
    one = call(exchange, "/v5/market/tickers", category="option", symbol="BTC-26DEC25-100000-P")["list"][0]
    assert -1 <= float(one["delta"]) <= 0 and float(one["gamma"]) > 0 and float(one["theta"]) < 0


def test_recent_trades(exchange: Any) -> None:
    spot = call(exchange, "/v5/market/recent-trade", category="spot", symbol="BTCUSDT")["list"]
    assert len(spot) == 60
    keys = {"execId", "symbol", "price", "size", "side", "time", "isBlockTrade", "isRPITrade", "seq"}
    for row in spot:
        assert set(row) == keys and row["side"] in ("Buy", "Sell") and isinstance(row["isBlockTrade"], bool)
        assert int(row["time"]) <= NOW_MS
    times = [int(row["time"]) for row in spot]
    assert times == sorted(times, reverse=True)
    linear = call(exchange, "/v5/market/recent-trade", category="inverse", symbol="BTCUSD", limit=1000)[
        "list"
    ]
    assert len(linear) == 1000 and len({row["execId"] for row in linear}) == 1000
    options = call(
        exchange, "/v5/market/recent-trade", category="option", baseCoin="ETH", optionType="Put", limit=20
    )["list"]
    assert len(options) == 20
    assert all(
        set(row) == keys | {"mP", "iP", "mIv", "iv"} and row["symbol"].endswith("-P") for row in options
    )
    assert all(row["symbol"].startswith("ETH-") for row in options)
    # trades are fixed in time: a later snapshot shares the older trades
    later = call(
        exchange, "/v5/market/recent-trade", now_ms=NOW_MS + 30_000, category="spot", symbol="BTCUSDT"
    )
    assert {row["execId"] for row in later["list"]} & {row["execId"] for row in spot}


# ---------------------------------------------------------------- instruments and paging
@pytest.mark.parametrize(
    ("category", "keys"),
    [("linear", CONTRACT_INFO), ("inverse", CONTRACT_INFO), ("option", OPTION_INFO), ("spot", SPOT_INFO)],
)
def test_instruments_info_shapes(exchange: Any, category: str, keys: set[str]) -> None:
    result = call(exchange, "/v5/market/instruments-info", category=category)
    assert result["category"] == category
    assert ("nextPageCursor" in result) == (category != "spot")
    assert result["list"]
    for row in result["list"]:
        assert set(row) == keys and isinstance(row["symbolId"], int) and row["status"] == "Trading"
    if category == "option":
        assert {row["baseCoin"] for row in result["list"]} == {"BTC"}  # option defaults to BTC
    if category == "linear":
        btc = next(row for row in result["list"] if row["symbol"] == "BTCUSDT")
        assert btc["fundingInterval"] == 480 and isinstance(btc["unifiedMarginTrade"], bool)
        assert btc["priceFilter"]["tickSize"] == "0.10" and btc["lotSizeFilter"]["qtyStep"] == "0.001"
        assert btc["deliveryTime"] == "0" and int(btc["launchTime"]) < NOW_MS - 4 * 365 * DAY_MS


def collect_pages(exchange: Any, path: str, key: str = "list", **params: Any) -> tuple[list[Any], int]:
    rows: list[Any] = []
    pages = 0
    cursor = ""
    while True:
        extra: dict[str, Any] = {"cursor": cursor} if cursor else {}
        result = call(exchange, path, **params, **extra)
        pages += 1
        rows.extend(result[key])
        cursor = result["nextPageCursor"]
        if not cursor or not result[key]:
            return rows, pages


def test_instruments_info_cursor_visits_every_row_once(exchange: Any) -> None:
    whole = call(exchange, "/v5/market/instruments-info", category="linear")["list"]
    rows, pages = collect_pages(exchange, "/v5/market/instruments-info", category="linear", limit=4)
    assert pages == -(-len(whole) // 4) and pages >= 5
    assert [row["symbol"] for row in rows] == [row["symbol"] for row in whole]
    options, _ = collect_pages(
        exchange, "/v5/market/instruments-info", category="option", baseCoin="SOL", limit=50
    )
    assert len({row["symbol"] for row in options}) == len(options) > 50


def test_instruments_filters(exchange: Any) -> None:
    eth = call(exchange, "/v5/market/instruments-info", category="linear", baseCoin="ETH")["list"]
    assert {row["symbol"] for row in eth} >= {"ETHUSDT", "ETHPERP", "ETH-26DEC25", "ETHUSDT-26DEC25"}
    closed = call(exchange, "/v5/market/instruments-info", category="inverse", status="Closed")["list"]
    assert closed and all(row["status"] == "Closed" and int(row["deliveryTime"]) <= NOW_MS for row in closed)
    symbol = next(
        i.symbol for i in exchange.market.instruments("option") if i.symbol.startswith("ETH-26DEC25-")
    )
    one = call(exchange, "/v5/market/instruments-info", category="option", symbol=symbol)["list"]
    assert [row["symbol"] for row in one] == [symbol]


def test_risk_limit_paging(exchange: Any) -> None:
    rows, pages = collect_pages(exchange, "/v5/market/risk-limit", category="linear")
    symbols = list(dict.fromkeys(row["symbol"] for row in rows))
    listed = [
        row["symbol"] for row in call(exchange, "/v5/market/instruments-info", category="linear")["list"]
    ]
    assert symbols == listed and pages == -(-len(listed) // 15)
    assert len({row["id"] for row in rows}) == len(rows)  # tier ids are unique across symbols
    btc = [row for row in rows if row["symbol"] == "BTCUSDT"]
    assert [row["id"] for row in btc] == list(range(btc[0]["id"], btc[0]["id"] + 10))
    assert btc[0] == {
        "id": first_tier_id("BTCUSDT"),
        "symbol": "BTCUSDT",
        "riskLimitValue": "2000000",
        "maintenanceMargin": "0.005",
        "initialMargin": "0.01",
        "isLowestRisk": 1,
        "maxLeverage": "100.00",
        "mmDeduction": "",
    }
    # the deduction keeps the tiered maintenance margin continuous at each tier boundary
    for lower, upper in itertools.pairwise(btc):
        value = float(lower["riskLimitValue"])
        mm_lower = value * float(lower["maintenanceMargin"]) - float(lower["mmDeduction"] or 0)
        mm_upper = value * float(upper["maintenanceMargin"]) - float(upper["mmDeduction"])
        assert mm_lower == pytest.approx(mm_upper)


def test_delivery_price_paging(exchange: Any) -> None:
    rows, pages = collect_pages(
        exchange, "/v5/market/delivery-price", category="linear", settleCoin="USDT", limit=3
    )
    assert pages >= 3 and all(row["symbol"].startswith(("BTCUSDT-", "ETHUSDT-", "SOLUSDT-")) for row in rows)
    assert len({row["symbol"] for row in rows}) == len(rows)
    times = [int(row["deliveryTime"]) for row in rows]
    assert times == sorted(times, reverse=True) and max(times) <= NOW_MS
    assert all(set(row) == {"symbol", "deliveryPrice", "deliveryTime"} for row in rows)
    usdc = call(exchange, "/v5/market/delivery-price", category="linear")[
        "list"
    ]  # settleCoin defaults to USDC
    assert usdc and all("USDT" not in row["symbol"] for row in usdc)
    inverse = call(exchange, "/v5/market/delivery-price", category="inverse")["list"]
    assert {row["symbol"][:6] for row in inverse} == {"BTCUSD", "ETHUSD"}
    yesterday = next(
        i.symbol for i in exchange.market.expired_instruments("option") if "-5DEC25-" in i.symbol
    )
    expired = call(exchange, "/v5/market/delivery-price", category="option", symbol=yesterday)["list"]
    assert [row["deliveryTime"] for row in expired] == [str(NOW_MS // DAY_MS * DAY_MS - DAY_MS + 8 * HOUR_MS)]


def test_delivery_price_options_in_delivery_window() -> None:
    at_nine = NOW_MS // DAY_MS * DAY_MS + 9 * HOUR_MS
    exchange = make_exchange(now_ms=at_nine)
    rows = call(exchange, "/v5/market/delivery-price", now_ms=at_nine, category="option", baseCoin="ETH")[
        "list"
    ]
    assert rows and all(row["symbol"].startswith("ETH-6DEC25-") for row in rows)
    assert call(exchange, "/v5/market/delivery-price", category="option")["list"] == []  # outside 08:00-12:00


# ---------------------------------------------------------------- series
def test_funding_history(exchange: Any) -> None:
    rows = call(exchange, "/v5/market/funding/history", category="linear", symbol="BTCUSDT")["list"]
    assert len(rows) == 200 and set(rows[0]) == {"symbol", "fundingRate", "fundingRateTimestamp"}
    stamps = [int(row["fundingRateTimestamp"]) for row in rows]
    assert stamps[0] == NOW_MS // (8 * HOUR_MS) * 8 * HOUR_MS
    assert all(a - b == 8 * HOUR_MS for a, b in itertools.pairwise(stamps))
    end = stamps[-1] - 1
    older = call(
        exchange, "/v5/market/funding/history", category="linear", symbol="BTCUSDT", endTime=end, limit=5
    )
    assert int(older["list"][0]["fundingRateTimestamp"]) == stamps[-1] - 8 * HOUR_MS
    window = call(
        exchange,
        "/v5/market/funding/history",
        category="inverse",
        symbol="BTCUSD",
        startTime=NOW_MS - 2 * DAY_MS,
        endTime=NOW_MS,
    )["list"]
    assert len(window) == 6
    hourly = call(exchange, "/v5/market/funding/history", category="linear", symbol="HYPEUSDT", limit=3)[
        "list"
    ]
    assert int(hourly[0]["fundingRateTimestamp"]) - int(hourly[1]["fundingRateTimestamp"]) == HOUR_MS
    assert (
        call(exchange, "/v5/market/funding/history", category="linear", symbol="BTCUSDT-26DEC25")["list"]
        == []
    )


def test_funding_history_starts_at_launch(exchange: Any) -> None:
    market = exchange.market
    hype = market.instrument("HYPEUSDT")
    rows = call(
        exchange,
        "/v5/market/funding/history",
        category="linear",
        symbol="HYPEUSDT",
        startTime=0,
        endTime=hype.launch_ms + 5 * HOUR_MS,
    )["list"]
    assert [int(r["fundingRateTimestamp"]) for r in rows] == [
        hype.launch_ms + k * HOUR_MS for k in (5, 4, 3, 2, 1)
    ]


def test_open_interest_paging(exchange: Any) -> None:
    start = NOW_MS - 3 * DAY_MS
    rows, pages = collect_pages(
        exchange,
        "/v5/market/open-interest",
        category="linear",
        symbol="BTCUSDT",
        intervalTime="1h",
        startTime=start,
        endTime=NOW_MS,
        limit=20,
    )
    stamps = [int(row["timestamp"]) for row in rows]
    expected = list(range(NOW_MS // HOUR_MS * HOUR_MS, start - 1, -HOUR_MS))
    expected = [t for t in expected if t >= start]
    assert stamps == expected and pages == -(-len(expected) // 20)
    assert set(rows[0]) == {"openInterest", "singleOpenInterest", "timestamp"}
    assert float(rows[0]["openInterest"]) == pytest.approx(2 * float(rows[0]["singleOpenInterest"]), rel=1e-3)
    inverse = call(
        exchange, "/v5/market/open-interest", category="inverse", symbol="BTCUSD", intervalTime="1d"
    )
    assert set(inverse) == {"category", "symbol", "list", "nextPageCursor"} and len(inverse["list"]) == 50
    hype = exchange.market.instrument("HYPEUSDT")
    early = call(
        exchange,
        "/v5/market/open-interest",
        category="linear",
        symbol="HYPEUSDT",
        intervalTime="1d",
        startTime=0,
        endTime=hype.launch_ms + 2 * DAY_MS,
    )
    assert [int(r["timestamp"]) for r in early["list"]] == [
        hype.launch_ms + 2 * DAY_MS,
        hype.launch_ms + DAY_MS,
        hype.launch_ms,
    ]
    assert early["nextPageCursor"] == ""


def test_account_ratio_paging(exchange: Any) -> None:
    rows, pages = collect_pages(
        exchange,
        "/v5/market/account-ratio",
        category="linear",
        symbol="ETHUSDT",
        period="4h",
        startTime=NOW_MS - 5 * DAY_MS,
        endTime=NOW_MS,
        limit=7,
    )
    stamps = [int(row["timestamp"]) for row in rows]
    assert len(stamps) == len(set(stamps)) == 30 and stamps == sorted(stamps, reverse=True) and pages == 5
    result = call(exchange, "/v5/market/account-ratio", category="inverse", symbol="BTCUSD", period="1d")
    assert set(result) == {"list", "nextPageCursor"}  # no category key
    for row in result["list"]:
        assert set(row) == {"symbol", "buyRatio", "sellRatio", "timestamp"}
        assert float(row["buyRatio"]) + float(row["sellRatio"]) == pytest.approx(1.0)


def test_historical_volatility(exchange: Any) -> None:
    body = call(exchange, "/v5/market/historical-volatility", category="option")
    assert body["retCode"] == 0 and body["category"] == "option" and isinstance(body["result"], list)
    assert body["result"] == [
        {"period": 7, "value": body["result"][0]["value"], "time": str(NOW_MS // HOUR_MS * HOUR_MS)}
    ]
    span = call(
        exchange,
        "/v5/market/historical-volatility",
        category="option",
        baseCoin="ETH",
        period=30,
        startTime=NOW_MS - 2 * DAY_MS,
        endTime=NOW_MS,
    )["result"]
    assert len(span) == 48 and all(isinstance(row["period"], int) and row["period"] == 30 for row in span)
    values = [float(row["value"]) for row in span]
    assert all(0.1 < v < 3.0 for v in values)


def test_insurance_time_and_price_limit(exchange: Any) -> None:
    pools = call(exchange, "/v5/market/insurance")
    assert pools["updatedTime"] == str(NOW_MS // DAY_MS * DAY_MS)
    assert {row["coin"] for row in pools["list"]} == {"USDT", "USDC", "BTC", "ETH"}
    assert any("," in row["symbols"] for row in pools["list"])  # a shared pool
    btc = call(exchange, "/v5/market/insurance", coin="BTC")["list"]
    assert len(btc) == 1 and float(btc[0]["value"]) > float(btc[0]["balance"])  # valued in USD
    assert call(exchange, "/v5/market/time") == {
        "timeSecond": str(NOW_MS // 1000),
        "timeNano": str(NOW_MS * 10**6),
    }
    limit = call(exchange, "/v5/market/price-limit", symbol="BTCUSDT")
    last = exchange.market.last_price("BTCUSDT", NOW_MS)
    assert set(limit) == {"symbol", "buyLmt", "sellLmt", "ts"} and limit["ts"] == str(NOW_MS)
    assert float(limit["sellLmt"]) < last < float(limit["buyLmt"])
    spot = call(exchange, "/v5/market/price-limit", category="spot", symbol="SOLUSDT")
    assert spot["symbol"] == "SOLUSDT"


def test_new_delivery_price(exchange: Any) -> None:
    rows = call(exchange, "/v5/market/new-delivery-price", category="option", baseCoin="BTC")["list"]
    assert len(rows) == 50 and set(rows[0]) == {"deliveryPrice", "deliveryTime"}
    assert int(rows[0]["deliveryTime"]) == NOW_MS // DAY_MS * DAY_MS - DAY_MS + 8 * HOUR_MS


def test_risk_limit_ids_are_unique_across_symbols_and_categories(exchange: Any) -> None:
    ids: list[int] = []
    for category in ("linear", "inverse"):
        rows, _pages = collect_pages(exchange, "/v5/market/risk-limit", category=category)
        ids.extend(row["id"] for row in rows)
    assert len(ids) > 100 and len(set(ids)) == len(ids)
    inverse = call(exchange, "/v5/market/risk-limit", category="inverse", symbol="BTCUSD")["list"]
    assert inverse[0]["riskLimitValue"] == "150" and inverse[0]["id"] == first_tier_id("BTCUSD")


def test_instruments_by_base_coin_list_linear_and_inverse_together(exchange: Any) -> None:
    for cat in ("linear", "inverse"):
        rows = call(exchange, "/v5/market/instruments-info", category=cat, baseCoin="BTC")["list"]
        symbols = {row["symbol"] for row in rows}
        assert {"BTCUSDT", "BTCPERP", "BTCUSD"} <= symbols
        assert {row["settleCoin"] for row in rows} == {"USDT", "USDC", "BTC"}
        assert {row["contractType"] for row in rows} >= {
            "LinearPerpetual",
            "InversePerpetual",
            "InverseFutures",
        }
        assert all(row["baseCoin"] == "BTC" for row in rows)
    plain = call(exchange, "/v5/market/instruments-info", category="inverse")["list"]
    assert {row["settleCoin"] for row in plain} != {"USDT"} and all(
        row["contractType"].startswith("Inverse") for row in plain
    )


def test_option_instrument_statuses_and_spot_paging_parameters(exchange: Any) -> None:
    default = call(exchange, "/v5/market/instruments-info", category="option")["list"]
    assert default and {row["status"] for row in default} == {"Trading"}
    for status in ("PreLaunch", "Delivering"):
        assert call(exchange, "/v5/market/instruments-info", category="option", status=status)["list"] == []
    trading = call(exchange, "/v5/market/instruments-info", category="option", status="Trading")["list"]
    assert [row["symbol"] for row in trading] == [row["symbol"] for row in default]
    spot = call(exchange, "/v5/market/instruments-info", category="spot")
    odd = call(exchange, "/v5/market/instruments-info", category="spot", limit="99999", cursor="garbage")
    assert odd == spot and "nextPageCursor" not in spot
    assert (
        error_of(exchange, "/v5/market/instruments-info", category="linear", limit="99999").ret_code == 10001
    )


@pytest.mark.parametrize(
    "now", [1_690_000_000_000, 1_717_228_740_000, 1_735_000_000_000, 1_752_000_000_000, NOW_MS]
)
def test_option_tickers_have_plausible_iv_and_a_24h_range_around_the_last_price(now: int) -> None:
    exchange = make_exchange(now_ms=now)
    rows = [
        row
        for coin in ("BTC", "ETH")
        for row in call(exchange, "/v5/market/tickers", now_ms=now, category="option", baseCoin=coin)["list"]
    ]
    assert len(rows) > 100
    for row in rows:
        assert 0.05 <= float(row["markIv"]) <= 3.0, row
        low, last, high = (float(row[name]) for name in ("lowPrice24h", "lastPrice", "highPrice24h"))
        assert low <= last <= high, row
