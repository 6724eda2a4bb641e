"""Entries of the private (signed) account, position, execution, order and asset endpoints (reference §5).

Only the table is here; the account layer's functions are built on these entries.
"""

from __future__ import annotations

from .spec import (
    BOOL,
    FLOAT,
    INT,
    SECONDS,
    STR,
    TIME,
    Endpoint,
    IndexKind,
    LimitRange,
    Schema,
    Shape,
    floats,
    private_history,
)
from .trade import (
    CLOSED_PNL,
    CLOSED_POSITIONS,
    EXECUTION_LIST,
    ORDER_HISTORY,
    ORDER_REALTIME,
    POSITION_LIST,
)

_ALL = ("spot", "linear", "inverse", "option")
_DERIVATIVES = ("linear", "inverse", "option")


_WALLET: Schema = {
    "coin": STR,
    **floats(
        "equity", "usdValue", "walletBalance", "locked", "spotHedgingQty", "borrowAmount", "accruedInterest"
    ),
    **floats(
        "totalOrderIM", "totalPositionIM", "totalPositionMM", "unrealisedPnl", "cumRealisedPnl", "bonus"
    ),
    "marginCollateral": BOOL,
    "collateralSwitch": BOOL,
    "colRes": STR,
    **floats("spotBorrow", "free", "availableToWithdraw", "availableToBorrow"),
    # account-wide fields of list[0], repeated on every coin row
    "accountType": STR,
    **floats("accountIMRate", "accountMMRate", "totalEquity", "totalWalletBalance", "totalMarginBalance"),
    **floats("totalAvailableBalance", "totalPerpUPL", "totalInitialMargin", "totalMaintenanceMargin"),
    **floats(
        "accountIMRateByMp", "accountMMRateByMp", "totalInitialMarginByMp", "totalMaintenanceMarginByMp"
    ),
    "accountLTV": FLOAT,
}
WALLET_BALANCE = Endpoint(
    name="wallet-balance",
    path="/v5/account/wallet-balance",
    auth=True,
    shape=Shape.WALLET,
    result_key="coin",
    index="coin",
    index_kind=IndexKind.KEY,
    schemas={"*": _WALLET},
    cache=SECONDS,
)

ACCOUNT_INFO = Endpoint(
    name="account-info",
    path="/v5/account/info",
    auth=True,
    shape=Shape.OBJECT,
    schemas={
        "*": {
            "unifiedMarginStatus": INT,
            "marginMode": STR,
            "isMasterTrader": BOOL,
            "spotHedgingStatus": STR,
            "updatedTime": TIME,
            "dcpStatus": STR,
            "timeWindow": INT,
            "smpGroup": INT,
        }
    },
    cache=SECONDS,
)

FEE_RATE = Endpoint(
    name="fee-rate",
    path="/v5/account/fee-rate",
    categories=_ALL,
    auth=True,
    schemas={"*": {"symbol": STR, "baseCoin": STR, "takerFeeRate": FLOAT, "makerFeeRate": FLOAT}},
    cache=SECONDS,
)

TRANSACTION_LOG = private_history(
    id_fields=("id",),
    name="transaction-log",
    path="/v5/account/transaction-log",
    categories=_ALL,
    limits={"*": LimitRange(1, 50, 20)},
    index="transactionTime",
    schemas={
        "*": {
            "id": STR,
            "symbol": STR,
            "category": STR,
            "side": STR,
            "transactionTime": TIME,
            "type": STR,
            "transSubType": STR,
            **floats("qty", "size"),
            "currency": STR,
            **floats(
                "tradePrice", "funding", "fee", "cashFlow", "change", "cashBalance", "feeRate", "bonusChange"
            ),
            "tradeId": STR,
            "orderId": STR,
            "orderLinkId": STR,
            "extraFees": STR,
        }
    },
    window_days=7,
)

BORROW_HISTORY = private_history(
    id_fields=("currency", "createdTime"),
    name="borrow-history",
    path="/v5/account/borrow-history",
    limits={"*": LimitRange(1, 50, 20)},
    index="createdTime",
    schemas={
        "*": {
            "currency": STR,
            "createdTime": TIME,
            **floats("borrowCost", "hourlyBorrowRate", "InterestBearingBorrowSize", "costExemption"),
            **floats("borrowAmount", "unrealisedLoss", "freeBorrowedAmount"),
        }
    },
    window_days=30,
)

COLLATERAL_INFO = Endpoint(
    name="collateral-info",
    path="/v5/account/collateral-info",
    auth=True,
    index="currency",
    index_kind=IndexKind.KEY,
    schemas={
        "*": {
            "currency": STR,
            **floats("hourlyBorrowRate", "maxBorrowingAmount", "freeBorrowingLimit", "freeBorrowAmount"),
            **floats("borrowAmount", "otherBorrowAmount", "availableToBorrow"),
            "borrowable": BOOL,
            "borrowUsageRate": FLOAT,
            "marginCollateral": BOOL,
            "collateralSwitch": BOOL,
            **floats("collateralRatio", "freeBorrowingAmount"),
        }
    },
    cache=SECONDS,
)

COIN_GREEKS = Endpoint(
    name="coin-greeks",
    path="/v5/asset/coin-greeks",
    auth=True,
    index="baseCoin",
    index_kind=IndexKind.KEY,
    schemas={"*": {"baseCoin": STR, **floats("totalDelta", "totalGamma", "totalVega", "totalTheta")}},
    cache=SECONDS,
)

DELIVERY_RECORD = private_history(
    id_fields=("symbol", "deliveryTime", "side"),
    name="delivery-record",
    path="/v5/asset/delivery-record",
    categories=_DERIVATIVES,
    limits={"*": LimitRange(1, 50, 20)},
    index="deliveryTime",
    schemas={
        "*": {
            "deliveryTime": TIME,
            "symbol": STR,
            "side": STR,
            **floats("position", "entryPrice", "deliveryPrice", "strike", "fee", "deliveryRpl"),
        }
    },
    window_days=30,
)

SETTLEMENT_RECORD = private_history(
    id_fields=("symbol", "createdTime", "side"),
    name="settlement-record",
    path="/v5/asset/settlement-record",
    categories=("linear",),
    default_category="linear",
    limits={"*": LimitRange(1, 50, 20)},
    index="createdTime",
    schemas={
        "*": {
            "symbol": STR,
            "side": STR,
            **floats("size", "sessionAvgPrice", "markPrice", "realisedPnl"),
            "createdTime": TIME,
        }
    },
    window_days=30,
)

ACCOUNT_ENDPOINTS: tuple[Endpoint, ...] = (
    WALLET_BALANCE,
    ACCOUNT_INFO,
    FEE_RATE,
    TRANSACTION_LOG,
    BORROW_HISTORY,
    COLLATERAL_INFO,
    COIN_GREEKS,
    POSITION_LIST,
    CLOSED_PNL,
    CLOSED_POSITIONS,
    EXECUTION_LIST,
    ORDER_REALTIME,
    ORDER_HISTORY,
    DELIVERY_RECORD,
    SETTLEMENT_RECORD,
)
