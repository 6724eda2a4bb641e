"""The newer entries of the endpoint table: the documented categories, limits, paging, windows and auth."""

from __future__ import annotations

import pytest

from bybit_research.core.units import DAY_MS
from bybit_research.endpoints import ENDPOINTS, LimitRange, Paging, Shape
from bybit_research.endpoints.assets import MAX_WITHDRAWAL_COINS
from bybit_research.endpoints.reference import FEE_GROUP_IDS
from bybit_research.endpoints.spec import LIVE, TWO_YEARS_MS

PUBLIC = {
    "/v5/market/rpi_orderbook": (("spot", "linear", "inverse"), Shape.ORDERBOOK, LimitRange(1, 50, 50)),
    "/v5/market/full_orderbook": (("spot", "linear", "inverse"), Shape.ORDERBOOK, None),
    "/v5/market/index-price-components": ((), Shape.LIST, None),
    "/v5/market/adlAlert": ((), Shape.LIST, None),
    "/v5/market/fee-group-info": ((), Shape.LIST, None),
    "/v5/spot-margin-trade/collateral": ((), Shape.LIST, None),
    "/v5/market/new-delivery-price": (("option",), Shape.LIST, None),
}
#: (paging, window in days or None, limit range, lookback)
HISTORIES = {
    "/v5/position/move-history": (Paging.SLIDING, 7, LimitRange(1, 200, 20), TWO_YEARS_MS),
    "/v5/pre-upgrade/order/history": (Paging.SLIDING, 7, LimitRange(1, 50, 20), TWO_YEARS_MS),
    "/v5/pre-upgrade/execution/list": (Paging.SLIDING, 7, LimitRange(1, 100, 50), TWO_YEARS_MS),
    "/v5/pre-upgrade/position/closed-pnl": (Paging.SLIDING, 7, LimitRange(1, 100, 50), TWO_YEARS_MS),
    "/v5/pre-upgrade/account/transaction-log": (Paging.CURSOR, None, LimitRange(1, 50, 20), None),
    "/v5/pre-upgrade/asset/delivery-record": (Paging.CURSOR, None, LimitRange(1, 50, 20), None),
    "/v5/pre-upgrade/asset/settlement-record": (Paging.CURSOR, None, LimitRange(1, 50, 20), None),
}
PRIVATE_SNAPSHOTS = [
    "/v5/account/option-asset-info",
    "/v5/account/withdrawal",
    "/v5/asset/asset-overview",
    "/v5/asset/transfer/query-account-coin-balance",
    "/v5/asset/coin/query-info",
    "/v5/account/pay-info",
    "/v5/account/user-setting-config",
    "/v5/user/query-api",
    "/v5/spot-margin-trade/position-tiers",
    "/v5/account/trade-info-for-analysis",
]


@pytest.mark.parametrize("path", sorted(PUBLIC))
def test_public_entries(path: str) -> None:
    entry = ENDPOINTS[path]
    categories, shape, limit = PUBLIC[path]
    assert entry.auth is False and entry.categories == categories and entry.shape is shape
    assert entry.limit_range(categories[0] if categories else None) == limit
    assert entry.paging is Paging.NONE and entry.schema(None)


@pytest.mark.parametrize("path", sorted(HISTORIES))
def test_private_histories_page_as_documented(path: str) -> None:
    entry = ENDPOINTS[path]
    paging, days, limit, lookback = HISTORIES[path]
    assert entry.auth is True and entry.paging is paging and entry.cursor is True
    assert entry.max_span_ms == (None if days is None else days * DAY_MS)
    assert entry.limit_range(entry.categories[0] if entry.categories else None) == limit
    assert entry.lookback_ms == lookback and entry.index_kind.value == "time" and entry.unique_index is False


@pytest.mark.parametrize("path", PRIVATE_SNAPSHOTS)
def test_private_snapshots_are_signed_one_request(path: str) -> None:
    entry = ENDPOINTS[path]
    assert entry.auth is True and entry.paging is Paging.NONE and len(entry.schema(None)) >= 2


def test_account_instruments_page_linear_and_inverse_only() -> None:
    entry = ENDPOINTS["/v5/account/instruments-info"]
    assert (
        entry.auth is True
        and entry.paging is Paging.CURSOR
        and entry.categories == ("spot", "linear", "inverse")
    )
    assert entry.limit_range("linear") == entry.limit_range("inverse") == LimitRange(1, 200, 200)
    assert entry.limit_range("spot") is None  # one page, no limit
    for category in entry.categories:
        assert {"isPublicRpi", "myRpiPermission"} <= set(entry.schema(category))


def test_documented_counts_and_the_uncached_key() -> None:
    assert MAX_WITHDRAWAL_COINS == 20
    assert tuple(range(1, 10)) == FEE_GROUP_IDS
    assert ENDPOINTS["/v5/user/query-api"].cache is LIVE  # the answer names the key: never stored
