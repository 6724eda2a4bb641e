"""Entries of the private position, execution and order endpoints, and the position moves (reference
§5.8-5.11; move history: the per-UID limit table of §3.2)."""

from __future__ import annotations

from ..core.units import DAY_MS
from .spec import (
    BOOL,
    FLOAT,
    INT,
    JSON,
    SECONDS,
    STR,
    TIME,
    Endpoint,
    IndexKind,
    LimitRange,
    Paging,
    Schema,
    floats,
    private_history,
)

#: the closed options positions go back six months (reference §5.9)
SIX_MONTHS_MS = 183 * DAY_MS

_ALL = ("spot", "linear", "inverse", "option")
_DERIVATIVES = ("linear", "inverse", "option")

POSITION_LIST = Endpoint(
    name="position/list",
    path="/v5/position/list",
    categories=_DERIVATIVES,
    auth=True,
    row_extras=("category",),
    paging=Paging.CURSOR,
    cursor=True,
    limits={"*": LimitRange(1, 200, 20)},
    index="symbol",
    index_kind=IndexKind.KEY,
    unique_index=False,
    schemas={
        "*": {
            "symbol": STR,
            "positionIdx": INT,
            "riskId": INT,
            "riskLimitValue": FLOAT,
            "side": STR,
            **floats("size", "avgPrice", "positionValue"),
            "autoAddMargin": INT,
            "positionStatus": STR,
            **floats("leverage", "breakEvenPrice", "markPrice", "liqPrice", "positionIM", "positionIMByMp"),
            **floats(
                "positionMM", "positionMMByMp", "takeProfit", "stopLoss", "trailingStop", "sessionAvgPrice"
            ),
            **floats("delta", "gamma", "vega", "theta", "unrealisedPnl", "curRealisedPnl", "cumRealisedPnl"),
            "adlRankIndicator": INT,
            "createdTime": TIME,
            "updatedTime": TIME,
            "openTime": TIME,
            "seq": INT,
            "isReduceOnly": BOOL,
            "mmrSysUpdatedTime": TIME,
            "leverageSysUpdatedTime": TIME,
            "tpslMode": STR,
            **floats("bustPrice", "positionBalance"),
            "tradeMode": INT,
        }
    },
    cache=SECONDS,
)

CLOSED_PNL = private_history(
    id_fields=("orderId", "createdTime", "execType"),
    name="closed-pnl",
    path="/v5/position/closed-pnl",
    categories=("linear", "inverse"),
    limits={"*": LimitRange(1, 100, 50)},
    index="updatedTime",
    schemas={
        "*": {
            "symbol": STR,
            "orderId": STR,
            "side": STR,
            **floats("qty", "orderPrice"),
            "orderType": STR,
            "execType": STR,
            **floats(
                "closedSize", "cumEntryValue", "avgEntryPrice", "cumExitValue", "avgExitPrice", "closedPnl"
            ),
            "fillCount": INT,
            **floats("leverage", "openFee", "closeFee"),
            "createdTime": TIME,
            "updatedTime": TIME,
        }
    },
    window_days=7,
)

CLOSED_POSITIONS = private_history(
    id_fields=("symbol", "side", "openTime", "closeTime"),
    lookback_ms=SIX_MONTHS_MS,
    name="get-closed-positions",
    path="/v5/position/get-closed-positions",
    categories=("option",),
    default_category="option",
    limits={"*": LimitRange(1, 100, 50)},
    index="closeTime",
    schemas={
        "*": {
            "symbol": STR,
            "side": STR,
            **floats("totalOpenFee", "deliveryFee", "totalCloseFee", "qty"),
            "closeTime": TIME,
            **floats("avgExitPrice", "deliveryPrice"),
            "openTime": TIME,
            **floats("avgEntryPrice", "totalPnl"),
        }
    },
    window_days=7,
)

EXECUTION_LIST = private_history(
    id_fields=("execId",),
    name="execution/list",
    path="/v5/execution/list",
    categories=_ALL,
    limits={"*": LimitRange(1, 100, 50)},
    index="execTime",
    schemas={
        "*": {
            "symbol": STR,
            "orderId": STR,
            "orderLinkId": STR,
            "side": STR,
            **floats("orderPrice", "orderQty", "leavesQty"),
            "createType": STR,
            "orderType": STR,
            "stopOrderType": STR,
            **floats("execFee", "execFeeV2"),
            "execId": STR,
            **floats("execPrice", "execQty"),
            "execType": STR,
            "execValue": FLOAT,
            "execTime": TIME,
            "feeCurrency": STR,
            "isMaker": BOOL,
            **floats("feeRate", "tradeIv", "markIv", "markPrice", "indexPrice", "underlyingPrice"),
            "blockTradeId": STR,
            "closedSize": FLOAT,
            "seq": INT,
            "extraFees": STR,
        }
    },
    window_days=7,
)

_ORDER: Schema = {
    "orderId": STR,
    "orderLinkId": STR,
    "parentOrderLinkId": STR,
    "blockTradeId": STR,
    "symbol": STR,
    **floats("price", "qty"),
    "side": STR,
    "isLeverage": STR,
    "positionIdx": INT,
    "orderStatus": STR,
    "createType": STR,
    "cancelType": STR,
    "rejectReason": STR,
    **floats("avgPrice", "leavesQty", "leavesValue", "cumExecQty", "cumExecValue", "cumExecFee"),
    "cumFeeDetail": JSON,
    "timeInForce": STR,
    "orderType": STR,
    "stopOrderType": STR,
    "orderIv": FLOAT,
    "marketUnit": STR,
    **floats("triggerPrice", "takeProfit", "stopLoss"),
    "tpslMode": STR,
    "ocoTriggerBy": STR,
    **floats("tpLimitPrice", "slLimitPrice"),
    "tpTriggerBy": STR,
    "slTriggerBy": STR,
    "triggerDirection": INT,
    "triggerBy": STR,
    **floats("lastPriceOnCreated", "basePrice"),
    "reduceOnly": BOOL,
    "closeOnTrigger": BOOL,
    "placeType": STR,
    "smpType": STR,
    "smpGroup": INT,
    "smpOrderId": STR,
    "createdTime": TIME,
    "updatedTime": TIME,
}
ORDER_REALTIME = Endpoint(
    name="order/realtime",
    path="/v5/order/realtime",
    categories=_ALL,
    auth=True,
    paging=Paging.CURSOR,
    cursor=True,
    limits={"*": LimitRange(1, 50, 20)},
    index="createdTime",
    index_kind=IndexKind.TIME,
    unique_index=False,
    schemas={"*": _ORDER},
    cache=SECONDS,
)
ORDER_HISTORY = private_history(
    id_fields=("orderId",),
    name="order/history",
    path="/v5/order/history",
    categories=_ALL,
    limits={"*": LimitRange(1, 50, 20)},
    index="createdTime",
    schemas={"*": _ORDER},
    window_days=7,
)

#: positions moved between UIDs by block trades (queried with the master account's key)
MOVE_POSITION_HISTORY = private_history(
    id_fields=("blockTradeId", "orderId"),
    name="move-history",
    path="/v5/position/move-history",
    categories=_ALL,
    limits={"*": LimitRange(1, 200, 20)},
    index="createdAt",
    schemas={
        "*": {
            "blockTradeId": STR,
            "category": STR,
            "orderId": STR,
            "userId": STR,
            "symbol": STR,
            "side": STR,
            **floats("price", "qty", "execFee"),
            "status": STR,
            "execId": STR,
            "resultCode": INT,
            "resultMessage": STR,
            "createdAt": TIME,
            "updatedAt": TIME,
            "rejectParty": STR,
        }
    },
    window_days=7,
)
