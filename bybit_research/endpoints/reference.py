"""Entries of the public reference data: insurance pools, risk tiers, delivery prices, price limits, index
components and the server time (reference §4.10-4.15)."""

from __future__ import annotations

from .spec import (
    FLOAT,
    HOURLY,
    INT,
    LIVE,
    OBJECT,
    SECONDS,
    STR,
    TIME,
    CachePolicy,
    Endpoint,
    IndexKind,
    LimitRange,
    Paging,
    Shape,
)

INSURANCE = Endpoint(
    name="insurance",
    path="/v5/market/insurance",
    shape=Shape.LIST_WITH_UPDATED,
    schemas={"*": {"coin": STR, "symbols": STR, "balance": FLOAT, "value": FLOAT, "updatedTime": TIME}},
    cache=CachePolicy(live=60.0),
)

RISK_LIMIT = Endpoint(
    name="risk-limit",
    path="/v5/market/risk-limit",
    categories=("linear", "inverse"),
    paging=Paging.CURSOR,
    cursor=True,
    index="symbol",
    index_kind=IndexKind.KEY,
    unique_index=False,
    schemas={
        "*": {
            "id": INT,
            "symbol": STR,
            "riskLimitValue": FLOAT,
            "maintenanceMargin": FLOAT,
            "initialMargin": FLOAT,
            "isLowestRisk": INT,
            "maxLeverage": FLOAT,
            "mmDeduction": FLOAT,
        }
    },
    cache=HOURLY,
)

DELIVERY_PRICE = Endpoint(
    name="delivery-price",
    path="/v5/market/delivery-price",
    categories=("linear", "inverse", "option"),
    paging=Paging.CURSOR,
    cursor=True,
    limits={"*": LimitRange(1, 200, 50)},
    index="symbol",
    index_kind=IndexKind.KEY,
    schemas={"*": {"symbol": STR, "deliveryPrice": FLOAT, "deliveryTime": TIME}},
    cache=CachePolicy(live=300.0),
)

NEW_DELIVERY_PRICE = Endpoint(
    name="new-delivery-price",
    path="/v5/market/new-delivery-price",
    categories=("option",),
    default_category="option",
    index="deliveryTime",
    index_kind=IndexKind.TIME,
    schemas={"*": {"deliveryPrice": FLOAT, "deliveryTime": TIME}},
    cache=CachePolicy(live=300.0),
)

SERVER_TIME = Endpoint(
    name="time",
    path="/v5/market/time",
    shape=Shape.SERVER_TIME,
    schemas={"*": {"timeSecond": INT, "timeNano": INT}},
    cache=LIVE,
)

PRICE_LIMIT = Endpoint(
    name="price-limit",
    path="/v5/market/price-limit",
    categories=("spot", "linear", "inverse"),
    default_category="linear",
    shape=Shape.OBJECT,
    index="symbol",
    index_kind=IndexKind.KEY,
    schemas={"*": {"symbol": STR, "buyLmt": FLOAT, "sellLmt": FLOAT, "ts": TIME}},
    cache=LIVE,
)

INDEX_PRICE_COMPONENTS = Endpoint(
    name="index-price-components",
    path="/v5/market/index-price-components",
    shape=Shape.OBJECT,
    schemas={
        "*": {"indexName": STR, "lastPrice": FLOAT, "updateTime": TIME, "components": OBJECT},
    },
    cache=SECONDS,
)

REFERENCE_ENDPOINTS: tuple[Endpoint, ...] = (
    INSURANCE,
    RISK_LIMIT,
    DELIVERY_PRICE,
    NEW_DELIVERY_PRICE,
    SERVER_TIME,
    PRICE_LIMIT,
    INDEX_PRICE_COMPONENTS,
)
