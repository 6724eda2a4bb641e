"""The endpoint table: one entry per V5 endpoint with the documented categories, limits, paging, schemas."""

from __future__ import annotations

import pytest

from bybit_research.endpoints import (
    BOOL,
    ENDPOINTS,
    FLOAT,
    INT,
    STR,
    TIME,
    CachePolicy,
    Endpoint,
    IndexKind,
    LimitRange,
    Paging,
    Shape,
    endpoint,
)
from bybit_research.http.transports.cache import DO_NOT_CACHE, NEVER_EXPIRE

MARKET_PATHS = {
    "/v5/market/kline": (("spot", "linear", "inverse"), Paging.KLINE),
    "/v5/market/mark-price-kline": (("linear", "inverse", "option"), Paging.KLINE),
    "/v5/market/index-price-kline": (("linear", "inverse"), Paging.KLINE),
    "/v5/market/premium-index-price-kline": (("linear",), Paging.KLINE),
    "/v5/market/orderbook": (("spot", "linear", "inverse", "option"), Paging.NONE),
    "/v5/market/tickers": (("spot", "linear", "inverse", "option"), Paging.NONE),
    "/v5/market/instruments-info": (("spot", "linear", "inverse", "option"), Paging.CURSOR),
    "/v5/market/recent-trade": (("spot", "linear", "inverse", "option"), Paging.NONE),
    "/v5/market/funding/history": (("linear", "inverse"), Paging.BACKWARDS),
    "/v5/market/open-interest": (("linear", "inverse"), Paging.INTERVAL_WINDOWS),
    "/v5/market/historical-volatility": (("option",), Paging.SLIDING),
    "/v5/market/insurance": ((), Paging.NONE),
    "/v5/market/risk-limit": (("linear", "inverse"), Paging.CURSOR),
    "/v5/market/delivery-price": (("linear", "inverse", "option"), Paging.CURSOR),
    "/v5/market/account-ratio": (("linear", "inverse"), Paging.INTERVAL_WINDOWS),
    "/v5/market/time": ((), Paging.NONE),
    "/v5/market/price-limit": (("spot", "linear", "inverse"), Paging.NONE),
}
PRIVATE_PATHS = [
    "/v5/account/wallet-balance",
    "/v5/account/info",
    "/v5/account/fee-rate",
    "/v5/account/transaction-log",
    "/v5/account/borrow-history",
    "/v5/account/collateral-info",
    "/v5/asset/coin-greeks",
    "/v5/position/list",
    "/v5/position/closed-pnl",
    "/v5/position/get-closed-positions",
    "/v5/execution/list",
    "/v5/order/realtime",
    "/v5/order/history",
    "/v5/asset/delivery-record",
    "/v5/asset/settlement-record",
]


@pytest.mark.parametrize("path", sorted(MARKET_PATHS))
def test_market_entry_categories_and_paging(path: str) -> None:
    entry = ENDPOINTS[path]
    categories, paging = MARKET_PATHS[path]
    assert entry.path == path
    assert entry.categories == categories
    assert entry.paging is paging
    assert entry.auth is False
    assert entry.schemas, f"{path} has no schema"


@pytest.mark.parametrize("path", PRIVATE_PATHS)
def test_private_entries_are_signed_and_have_schemas(path: str) -> None:
    entry = ENDPOINTS[path]
    assert entry.auth is True
    assert len(entry.schema(None)) >= 4


@pytest.mark.parametrize(
    ("path", "category", "expected"),
    [
        ("/v5/market/kline", "spot", LimitRange(1, 1000, 200)),
        ("/v5/market/mark-price-kline", "option", LimitRange(1, 500, 200)),
        ("/v5/market/mark-price-kline", "linear", LimitRange(1, 1000, 200)),
        ("/v5/market/orderbook", "spot", LimitRange(1, 1000, 1)),
        ("/v5/market/orderbook", "linear", LimitRange(1, 1000, 25)),
        ("/v5/market/orderbook", "option", LimitRange(1, 25, 1)),
        ("/v5/market/recent-trade", "spot", LimitRange(1, 60, 60)),
        ("/v5/market/recent-trade", "option", LimitRange(1, 1000, 500)),
        ("/v5/market/instruments-info", "linear", LimitRange(1, 1000, 500)),
        ("/v5/market/funding/history", "linear", LimitRange(1, 200, 200)),
        ("/v5/market/open-interest", "inverse", LimitRange(1, 200, 50)),
        ("/v5/market/account-ratio", "linear", LimitRange(1, 500, 50)),
        ("/v5/market/delivery-price", "option", LimitRange(1, 200, 50)),
        ("/v5/account/transaction-log", None, LimitRange(1, 50, 20)),
        ("/v5/execution/list", "spot", LimitRange(1, 100, 50)),
    ],
)
def test_limit_ranges_follow_the_reference(path: str, category: str | None, expected: LimitRange) -> None:
    assert ENDPOINTS[path].limit_range(category) == expected


def test_time_param_names() -> None:
    assert endpoint("kline").time_params == ("start", "end")
    assert endpoint("funding/history").time_params == ("startTime", "endTime")
    assert endpoint("open-interest").time_params == ("startTime", "endTime")
    assert endpoint("historical-volatility").max_span_ms == 30 * 86_400_000
    assert endpoint("/v5/execution/list").max_span_ms == 7 * 86_400_000
    assert endpoint("/v5/account/borrow-history").max_span_ms == 30 * 86_400_000


def test_special_result_shapes() -> None:
    assert endpoint("orderbook").shape is Shape.ORDERBOOK
    assert endpoint("historical-volatility").shape is Shape.ARRAY
    assert endpoint("time").shape is Shape.SERVER_TIME
    assert endpoint("price-limit").shape is Shape.OBJECT
    assert endpoint("insurance").shape is Shape.LIST_WITH_UPDATED
    assert endpoint("wallet-balance").shape is Shape.WALLET
    assert endpoint("kline").shape is Shape.ROWS
    assert endpoint("kline").row_fields == ("startTime", "open", "high", "low", "close", "volume", "turnover")
    assert endpoint("mark-price-kline").row_fields == ("startTime", "open", "high", "low", "close")


def test_index_fields() -> None:
    assert (endpoint("kline").index, endpoint("kline").index_kind) == ("startTime", IndexKind.TIME)
    assert (endpoint("tickers").index, endpoint("tickers").index_kind) == ("symbol", IndexKind.KEY)
    assert endpoint("funding/history").index == "fundingRateTimestamp"
    assert endpoint("recent-trade").unique_index is False
    assert endpoint("risk-limit").unique_index is False
    assert endpoint("insurance").index_kind is IndexKind.RANGE


def test_column_kinds() -> None:
    linear = endpoint("instruments-info").schema("linear")
    assert linear["symbolId"] == INT and linear["launchTime"] == TIME and linear["unifiedMarginTrade"] == BOOL
    assert linear["priceFilter"] == {"minPrice": FLOAT, "maxPrice": FLOAT, "tickSize": FLOAT}
    assert endpoint("tickers").schema("option")["bid1Iv"] == FLOAT
    assert endpoint("tickers").schema("spot")["symbol"] == STR
    assert "fundingRate" not in endpoint("tickers").schema("spot")


def test_cache_policy_per_endpoint() -> None:
    assert endpoint("kline").cache.closed == NEVER_EXPIRE
    assert 0 < endpoint("kline").cache.live <= 10
    assert endpoint("instruments-info").cache.live == 3600
    assert endpoint("risk-limit").cache.live == 3600
    assert endpoint("orderbook").cache.live == DO_NOT_CACHE
    assert endpoint("tickers").cache.live <= 5
    policy = CachePolicy(live=5.0, closed=NEVER_EXPIRE)
    now = 10_000_000
    assert policy.expire_after(now - 120_000, now) == NEVER_EXPIRE
    assert policy.expire_after(now + 1, now) == 5.0
    assert policy.expire_after(now - 1_000, now) == 5.0  # within the settling margin
    assert CachePolicy(live=3600.0).expire_after(0, now) == 3600.0


def test_lookup_by_name_or_path() -> None:
    assert endpoint("kline") is endpoint("/v5/market/kline")
    with pytest.raises(KeyError, match="no endpoint 'nope'"):
        endpoint("nope")


def test_category_validation_names_the_allowed_values() -> None:
    kline = endpoint("kline")
    assert kline.check_category(None) == "linear"
    assert kline.check_category("spot") == "spot"
    with pytest.raises(
        ValueError, match="'option' is not supported by /v5/market/kline; allowed: 'spot', 'linear'"
    ):
        kline.check_category("option")
    with pytest.raises(ValueError, match="needs a category, one of 'spot', 'linear', 'inverse', 'option'"):
        endpoint("tickers").check_category(None)
    with pytest.raises(ValueError, match="takes no category"):
        endpoint("insurance").check_category("linear")


def test_limit_validation() -> None:
    book = endpoint("orderbook")
    assert book.check_limit(25, "option") == 25
    with pytest.raises(ValueError, match=r"limit must be an integer in \[1, 25\] for category 'option'"):
        book.check_limit(26, "option")
    with pytest.raises(ValueError, match=r"\[1, 1000\]"):
        book.check_limit(0, "linear")
    with pytest.raises(ValueError, match="takes no limit"):
        endpoint("insurance").check_limit(5, None)


def test_interval_validation() -> None:
    assert endpoint("kline").check_interval("W") == 7 * 86_400_000
    assert endpoint("kline").check_interval("M") == 0
    with pytest.raises(ValueError, match=r"interval '2' is not valid .* allowed: '1', '3', '5'"):
        endpoint("kline").check_interval("2")
    with pytest.raises(ValueError, match="intervalTime '2h' is not valid"):
        endpoint("open-interest").check_interval("2h")


def test_bad_schema_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown kind 'decimal'"):
        Endpoint(name="x", path="/v5/x", schemas={"*": {"a": "decimal"}})
