"""Entries of the private endpoints about the account's trading setup: the instruments it may trade (with its
RPI permissions), its trade-behaviour settings, the API key it signs with, the spot-margin borrowing tiers and
the analysis of its spot fills (reference §5, "Other research-relevant GETs")."""

from __future__ import annotations

from .snapshots import INSTRUMENTS_INFO
from .spec import (
    BOOL,
    HOURLY,
    INT,
    JSON,
    LIVE,
    SECONDS,
    STR,
    Endpoint,
    Explode,
    IndexKind,
    LimitRange,
    Paging,
    Shape,
    floats,
)

_RPI = {"isPublicRpi": BOOL, "myRpiPermission": BOOL}
_TRADFI = {"fullName": STR, "marketRegion": STR, "underlyingTicker": STR}
#: the market's instruments of a category as the account sees them: spot, linear and inverse (spot is one
#: page), with whether RPI quoting is enabled for each symbol
ACCOUNT_INSTRUMENTS = Endpoint(
    name="account/instruments-info",
    path="/v5/account/instruments-info",
    categories=("spot", "linear", "inverse"),
    auth=True,
    paging=Paging.CURSOR,
    cursor=True,
    # spot is one page and takes no limit
    limits={"linear": LimitRange(1, 200, 200), "inverse": LimitRange(1, 200, 200)},
    index="symbol",
    index_kind=IndexKind.KEY,
    schemas={
        "linear": {**INSTRUMENTS_INFO.schema("linear"), **_TRADFI, **_RPI},
        "inverse": {**INSTRUMENTS_INFO.schema("inverse"), **_TRADFI, **_RPI},
        "spot": {**INSTRUMENTS_INFO.schema("spot"), **_RPI},
    },
    cache=HOURLY,
)

#: how orders priced beyond the price limits are treated, and the delta-neutral mode
USER_SETTING_CONFIG = Endpoint(
    name="user-setting-config",
    path="/v5/account/user-setting-config",
    auth=True,
    shape=Shape.OBJECT,
    schemas={"*": {"lpaSpot": BOOL, "lpaPerp": BOOL, "smsef": BOOL, "fmsef": BOOL, "deltaEnable": BOOL}},
    cache=SECONDS,
)

#: the API key that signs the request; never cached (the answer names the key)
API_KEY_INFO = Endpoint(
    name="query-api",
    path="/v5/user/query-api",
    auth=True,
    shape=Shape.OBJECT,
    schemas={
        "*": {
            "id": STR,
            "note": STR,
            "apiKey": STR,
            "readOnly": INT,
            "secret": STR,
            "permissions": JSON,
            "ips": JSON,
            "type": INT,
            "deadlineDay": INT,
            "expiredAt": STR,
            "createdAt": STR,
            "unified": INT,
            "uta": INT,
            "userID": INT,
            "inviterID": INT,
            "vipLevel": STR,
            "mktMakerLevel": STR,
            "affiliateID": INT,
        }
    },
    cache=LIVE,
)

#: the spot-margin borrowing tiers of each coin: one row per coin and tier
SPOT_MARGIN_TIERS = Endpoint(
    name="spot-margin-position-tiers",
    path="/v5/spot-margin-trade/position-tiers",
    auth=True,
    explode=Explode((("positionTiersRatioList",),)),
    index="currency",
    index_kind=IndexKind.KEY,
    unique_index=False,
    schemas={
        "*": {
            "currency": STR,
            "tier": INT,
            **floats("borrowLimit", "positionMMR", "positionIMR", "maxLeverage"),
        }
    },
    cache=HOURLY,
)

#: the aggregates of one spot symbol's fills in a range: a row per day (``sumPriceList``), the totals in
#: ``attrs["summary"]``
SPOT_TRADE_ANALYSIS = Endpoint(
    name="trade-info-for-analysis",
    path="/v5/account/trade-info-for-analysis",
    auth=True,
    result_key="sumPriceList",
    schemas={"*": {"day": STR, **floats("sumBuyExecValue", "sumSellExecValue", "sumExecValue")}},
    summary={
        **floats("symbolRnl", "netExecQty", "sumExecValue", "sumExecQty"),
        **floats("avgBuyExecPrice", "sumBuyExecValue", "sumBuyExecQty", "sumBuyExecFee", "sumBuyOrderQty"),
        **floats(
            "avgSellExecPrice", "sumSellExecValue", "sumSellExecQty", "sumSellExecFee", "sumSellOrderQty"
        ),
        "maxMarginVersion": INT,
        "baseCoin": STR,
        "settleCoin": STR,
    },
    cache=SECONDS,
)

SETTINGS_ENDPOINTS: tuple[Endpoint, ...] = (
    ACCOUNT_INSTRUMENTS,
    USER_SETTING_CONFIG,
    API_KEY_INFO,
    SPOT_MARGIN_TIERS,
    SPOT_TRADE_ANALYSIS,
)
