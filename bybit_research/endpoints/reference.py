"""Entries of the public reference data: insurance pools and the ADL alert, risk tiers, delivery prices, price
limits, index components, fee groups, spot-margin collateral tiers and the server time (reference
§4.10-4.15)."""

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
    Explode,
    IndexKind,
    LimitRange,
    Paging,
    Shape,
    floats,
)

INSURANCE = Endpoint(
    name="insurance",
    path="/v5/market/insurance",
    row_extras=("updatedTime",),
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

#: the exchanges an index price averages: one row per component, the index's own fields on each
INDEX_PRICE_COMPONENTS = Endpoint(
    name="index-price-components",
    path="/v5/market/index-price-components",
    result_key="components",
    row_extras=("indexName", "lastPrice", "updateTime"),
    index="exchange",
    index_kind=IndexKind.KEY,
    unique_index=False,
    schemas={
        "*": {
            "exchange": STR,
            "spotPair": STR,
            "equivalentPrice": FLOAT,
            "multiplier": FLOAT,
            "price": FLOAT,
            "weight": FLOAT,
            "indexName": STR,
            "lastPrice": FLOAT,
            "updateTime": TIME,
        },
    },
    cache=SECONDS,
)

#: the ADL state of every contract of the insurance pools (updated each minute). The docs' table names the
#: snapshot time ``updateTime``, their example ``updatedTime`` (reference §10.5): both are kept as columns,
#: and the market function joins them
ADL_ALERT = Endpoint(
    name="adlAlert",
    path="/v5/market/adlAlert",
    row_extras=("updateTime", "updatedTime"),
    index="symbol",
    index_kind=IndexKind.KEY,
    schemas={
        "*": {
            "coin": STR,
            "symbol": STR,
            **floats("balance", "maxBalance", "insurancePnlRatio", "pnlRatio"),
            **floats("adlTriggerThreshold", "adlStopRatio"),
            "updateTime": TIME,
            "updatedTime": TIME,
        }
    },
    cache=CachePolicy(live=30.0),
)

#: the documented ``groupId`` values of the fee groups (reference §4.15)
FEE_GROUP_IDS = tuple(range(1, 10))
#: the fee groups of contracts, one row per group and fee level (``feeRates.pro`` and
#: ``feeRates.marketMaker``, named in the ``tier`` column)
FEE_GROUP_INFO = Endpoint(
    name="fee-group-info",
    path="/v5/market/fee-group-info",
    explode=Explode((("feeRates", "pro"), ("feeRates", "marketMaker")), label="tier"),
    schemas={
        "*": {
            "groupName": STR,
            "weightingFactor": INT,
            "symbolsNumbers": INT,
            "symbols": OBJECT,
            "updateTime": TIME,
            "tier": STR,
            "level": STR,
            **floats("takerFeeRate", "makerFeeRate", "makerRebate"),
        }
    },
    cache=HOURLY,
)

#: spot-margin tiered collateral ratios (public, outside ``/v5/market``): one row per coin and tier;
#: ``maxQty`` "" is the open-ended last tier
TIERED_COLLATERAL = Endpoint(
    name="spot-margin-collateral",
    path="/v5/spot-margin-trade/collateral",
    explode=Explode((("collateralRatioList",),)),
    index="currency",
    index_kind=IndexKind.KEY,
    unique_index=False,
    schemas={"*": {"currency": STR, **floats("minQty", "maxQty", "collateralRatio")}},
    cache=HOURLY,
)

REFERENCE_ENDPOINTS: tuple[Endpoint, ...] = (
    INSURANCE,
    RISK_LIMIT,
    DELIVERY_PRICE,
    NEW_DELIVERY_PRICE,
    SERVER_TIME,
    PRICE_LIMIT,
    INDEX_PRICE_COMPONENTS,
    ADL_ALERT,
    FEE_GROUP_INFO,
    TIERED_COLLATERAL,
)
