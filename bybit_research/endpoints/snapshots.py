"""Entries of the market snapshots: the order books (plain, RPI, full depth), tickers, instruments and recent
trades (reference §4.3-4.6)."""

from __future__ import annotations

from .spec import (
    BOOL,
    FLOAT,
    HOURLY,
    INT,
    LIVE,
    OBJECT,
    SECONDS,
    STR,
    TIME,
    Endpoint,
    IndexKind,
    LimitRange,
    Paging,
    Schema,
    Shape,
)

ORDERBOOK = Endpoint(
    name="orderbook",
    path="/v5/market/orderbook",
    categories=("spot", "linear", "inverse", "option"),
    shape=Shape.ORDERBOOK,
    limits={
        "spot": LimitRange(1, 1000, 1),
        "linear": LimitRange(1, 1000, 25),
        "inverse": LimitRange(1, 1000, 25),
        "option": LimitRange(1, 25, 1),
    },
    # the frame of levels the order book becomes; "b"/"a" rows are [price, size]
    schemas={"*": {"side": STR, "price": FLOAT, "size": FLOAT, "level": INT}},
    row_fields=("price", "size"),
    cache=LIVE,
)

#: the order book with the RPI (retail price improvement) quotes: levels ``[price, nonRpiSize, rpiSize]``, the
#: non-RPI size being the size ``/v5/market/orderbook`` shows
RPI_ORDERBOOK = Endpoint(
    name="rpi_orderbook",
    path="/v5/market/rpi_orderbook",
    categories=("spot", "linear", "inverse"),
    default_category="linear",
    shape=Shape.ORDERBOOK,
    limits={"*": LimitRange(1, 50, 50)},
    schemas={"*": {"side": STR, "price": FLOAT, "size": FLOAT, "level": INT, "rpiSize": FLOAT}},
    row_fields=("price", "size", "rpiSize"),
    cache=LIVE,
)

#: the whole book without RPI quotes (up to 10 000 levels per side), no ``limit``
FULL_ORDERBOOK = Endpoint(
    name="full_orderbook",
    path="/v5/market/full_orderbook",
    categories=("spot", "linear", "inverse"),
    default_category="linear",
    shape=Shape.ORDERBOOK,
    schemas={"*": {"side": STR, "price": FLOAT, "size": FLOAT, "level": INT}},
    row_fields=("price", "size"),
    cache=LIVE,
)

_TICKER_COMMON: Schema = {
    "symbol": STR,
    "lastPrice": FLOAT,
    "indexPrice": FLOAT,
    "markPrice": FLOAT,
    "prevPrice24h": FLOAT,
    "price24hPcnt": FLOAT,
    "highPrice24h": FLOAT,
    "lowPrice24h": FLOAT,
    "prevPrice1h": FLOAT,
    "openInterest": FLOAT,
    "openInterestValue": FLOAT,
    "singleOpenInterest": FLOAT,
    "singleOpenInterestValue": FLOAT,
    "turnover24h": FLOAT,
    "volume24h": FLOAT,
    "fundingRate": FLOAT,
    "nextFundingTime": TIME,
    "predictedDeliveryPrice": FLOAT,
    "basisRate": FLOAT,
    "basis": FLOAT,
    "basisRateYear": FLOAT,
    "deliveryFeeRate": FLOAT,
    "deliveryTime": TIME,
    "ask1Size": FLOAT,
    "bid1Price": FLOAT,
    "ask1Price": FLOAT,
    "bid1Size": FLOAT,
    "preOpenPrice": FLOAT,
    "preQty": FLOAT,
    "curPreListingPhase": STR,
    "fundingIntervalHour": INT,
    "fundingCap": FLOAT,
}
_TICKER_OPTION: Schema = {
    "symbol": STR,
    **{f: FLOAT for f in ("bid1Price", "bid1Size", "bid1Iv", "ask1Price", "ask1Size", "ask1Iv", "lastPrice")},
    **{
        f: FLOAT
        for f in ("highPrice24h", "lowPrice24h", "markPrice", "indexPrice", "markIv", "underlyingPrice")
    },
    **{f: FLOAT for f in ("openInterest", "turnover24h", "volume24h", "totalVolume", "totalTurnover")},
    **{f: FLOAT for f in ("delta", "gamma", "vega", "theta", "predictedDeliveryPrice", "change24h")},
}
_TICKER_SPOT: Schema = {
    "symbol": STR,
    **{f: FLOAT for f in ("bid1Price", "bid1Size", "ask1Price", "ask1Size", "lastPrice", "prevPrice24h")},
    **{f: FLOAT for f in ("price24hPcnt", "highPrice24h", "lowPrice24h", "turnover24h", "volume24h")},
    "usdIndexPrice": FLOAT,
}
TICKERS = Endpoint(
    name="tickers",
    path="/v5/market/tickers",
    categories=("spot", "linear", "inverse", "option"),
    index="symbol",
    index_kind=IndexKind.KEY,
    schemas={
        "linear": _TICKER_COMMON,
        "inverse": _TICKER_COMMON,
        "option": _TICKER_OPTION,
        "spot": _TICKER_SPOT,
    },
    cache=SECONDS,
)

_PRICE_FILTER: Schema = {"minPrice": FLOAT, "maxPrice": FLOAT, "tickSize": FLOAT}
_RISK_PARAMETERS: Schema = {"priceLimitRatioX": FLOAT, "priceLimitRatioY": FLOAT}
_INSTRUMENT_FUTURES: Schema = {
    "symbol": STR,
    "symbolId": INT,
    "contractType": STR,
    "status": STR,
    "baseCoin": STR,
    "quoteCoin": STR,
    "symbolType": STR,
    "launchTime": TIME,
    "deliveryTime": TIME,
    "deliveryFeeRate": FLOAT,
    "priceScale": INT,
    "leverageFilter": {"minLeverage": FLOAT, "maxLeverage": FLOAT, "leverageStep": FLOAT},
    "priceFilter": _PRICE_FILTER,
    "lotSizeFilter": {
        f: FLOAT
        for f in (
            "minNotionalValue",
            "maxOrderQty",
            "maxMktOrderQty",
            "minOrderQty",
            "qtyStep",
            "postOnlyMaxOrderQty",
        )
    },
    "unifiedMarginTrade": BOOL,
    "fundingInterval": INT,
    "settleCoin": STR,
    "copyTrading": STR,
    "upperFundingRate": FLOAT,
    "lowerFundingRate": FLOAT,
    "displayName": STR,
    "forbidUplWithdrawal": BOOL,
    "riskParameters": _RISK_PARAMETERS,
    "isPreListing": BOOL,
    "preListingInfo": {
        "curAuctionPhase": STR,
        "phases": OBJECT,
        "auctionFeeInfo": {"auctionFeeRate": FLOAT, "takerFeeRate": FLOAT, "makerFeeRate": FLOAT},
        "skipCallAuction": BOOL,
    },
}
_INSTRUMENT_OPTION: Schema = {
    "symbol": STR,
    "symbolId": INT,
    "optionsType": STR,
    "status": STR,
    "baseCoin": STR,
    "quoteCoin": STR,
    "settleCoin": STR,
    "launchTime": TIME,
    "deliveryTime": TIME,
    "deliveryFeeRate": FLOAT,
    "priceFilter": _PRICE_FILTER,
    "lotSizeFilter": {"maxOrderQty": FLOAT, "minOrderQty": FLOAT, "qtyStep": FLOAT},
    "displayName": STR,
}
_INSTRUMENT_SPOT: Schema = {
    "symbol": STR,
    "symbolId": INT,
    "baseCoin": STR,
    "quoteCoin": STR,
    "innovation": STR,
    "symbolType": STR,
    "xstockMultiplier": FLOAT,
    "status": STR,
    "marginTrading": STR,
    "stTag": STR,
    "lotSizeFilter": {
        f: FLOAT
        for f in (
            "basePrecision",
            "quotePrecision",
            "minOrderQty",
            "maxOrderQty",
            "minOrderAmt",
            "maxOrderAmt",
            "maxLimitOrderQty",
            "maxMarketOrderQty",
            "postOnlyMaxLimitOrderSize",
        )
    },
    "priceFilter": {"tickSize": FLOAT},
    "riskParameters": _RISK_PARAMETERS,
}
INSTRUMENTS_INFO = Endpoint(
    name="instruments-info",
    path="/v5/market/instruments-info",
    categories=("spot", "linear", "inverse", "option"),
    paging=Paging.CURSOR,
    cursor=True,
    limits={"*": LimitRange(1, 1000, 500)},
    index="symbol",
    index_kind=IndexKind.KEY,
    schemas={
        "linear": _INSTRUMENT_FUTURES,
        "inverse": _INSTRUMENT_FUTURES,
        "option": _INSTRUMENT_OPTION,
        "spot": _INSTRUMENT_SPOT,
    },
    cache=HOURLY,
)

_TRADE: Schema = {
    "execId": STR,
    "symbol": STR,
    "price": FLOAT,
    "size": FLOAT,
    "side": STR,
    "time": TIME,
    "isBlockTrade": BOOL,
    "isRPITrade": BOOL,
    "seq": INT,
}
RECENT_TRADE = Endpoint(
    name="recent-trade",
    path="/v5/market/recent-trade",
    categories=("spot", "linear", "inverse", "option"),
    limits={"*": LimitRange(1, 1000, 500), "spot": LimitRange(1, 60, 60)},
    index="time",
    index_kind=IndexKind.TIME,
    unique_index=False,
    schemas={"*": _TRADE, "option": {**_TRADE, "mP": FLOAT, "iP": FLOAT, "mIv": FLOAT, "iv": FLOAT}},
    cache=SECONDS,
)


SNAPSHOT_ENDPOINTS: tuple[Endpoint, ...] = (
    ORDERBOOK,
    RPI_ORDERBOOK,
    FULL_ORDERBOOK,
    TICKERS,
    INSTRUMENTS_INFO,
    RECENT_TRADE,
)
