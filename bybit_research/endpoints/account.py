"""Entries of the private (signed) account, position, execution, order and asset endpoints (reference §5).

Only the table is here; the account layer's functions are built on these entries.
"""

from __future__ import annotations

from .spec import (
    BOOL,
    FLOAT,
    INT,
    OBJECT,
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
    MOVE_POSITION_HISTORY,
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
}
#: the account-wide fields of ``result.list[0]`` (USD; meaningless in isolated margin mode)
WALLET_ACCOUNT: Schema = {
    "accountType": STR,
    **floats("accountIMRate", "accountMMRate", "totalEquity", "totalWalletBalance", "totalMarginBalance"),
    **floats("totalAvailableBalance", "totalPerpUPL", "totalInitialMargin", "totalMaintenanceMargin"),
    **floats(
        "accountIMRateByMp", "accountMMRateByMp", "totalInitialMarginByMp", "totalMaintenanceMarginByMp"
    ),
    "accountLTV": FLOAT,
}
#: the account types of the wallet (UTA 2.0 has only UNIFIED; the Funding wallet is FUND, asset endpoints)
ACCOUNT_TYPES = ("UNIFIED",)
WALLET_BALANCE = Endpoint(
    name="wallet-balance",
    path="/v5/account/wallet-balance",
    auth=True,
    shape=Shape.WALLET,
    result_key="coin",
    index="coin",
    index_kind=IndexKind.KEY,
    schemas={"*": _WALLET},
    summary=WALLET_ACCOUNT,
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

_TRANSACTION: Schema = {
    "id": STR,
    "symbol": STR,
    "category": STR,
    "side": STR,
    "transactionTime": TIME,
    "type": STR,
    "transSubType": STR,
    **floats("qty", "size"),
    "currency": STR,
    **floats("tradePrice", "funding", "fee", "cashFlow", "change", "cashBalance", "feeRate", "bonusChange"),
    "tradeId": STR,
    "orderId": STR,
    "orderLinkId": STR,
    "extraFees": STR,
}
TRANSACTION_LOG = private_history(
    id_fields=("id",),
    name="transaction-log",
    path="/v5/account/transaction-log",
    categories=_ALL,
    limits={"*": LimitRange(1, 50, 20)},
    index="transactionTime",
    schemas={"*": _TRANSACTION},
    window_days=7,
)
#: the contract log of classic accounts (unified accounts get retCode 100028 there)
CONTRACT_TRANSACTION_LOG = private_history(
    id_fields=("id",),
    name="contract-transaction-log",
    path="/v5/account/contract-transaction-log",
    limits={"*": LimitRange(1, 50, 20)},
    index="transactionTime",
    schemas={"*": _TRANSACTION},
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

#: the account types of the coins balance (``/v5/asset/transfer/query-account-coins-balance``)
TRANSFER_ACCOUNT_TYPES = ("UNIFIED", "FUND")
ALL_COINS_BALANCE = Endpoint(
    name="query-account-coins-balance",
    path="/v5/asset/transfer/query-account-coins-balance",
    auth=True,
    result_key="balance",
    index="coin",
    index_kind=IndexKind.KEY,
    schemas={"*": {"coin": STR, **floats("walletBalance", "transferBalance", "bonus")}},
    summary={"accountType": STR, "memberId": STR},
    cache=SECONDS,
)

MMP_STATE = Endpoint(
    name="mmp-state",
    path="/v5/account/mmp-state",
    auth=True,
    result_key="result",
    index="baseCoin",
    index_kind=IndexKind.KEY,
    schemas={
        "*": {
            "baseCoin": STR,
            "mmpEnabled": BOOL,
            **floats("window", "frozenPeriod", "qtyLimit", "deltaLimit", "vegaLimit"),
            "mmpFrozenUntil": TIME,
            "mmpFrozen": BOOL,
        }
    },
    cache=SECONDS,
)

#: the portfolio-margin stress test: one object (wallet and per-coin risk units), parsed by
#: :func:`bybit_research.analytics.pm_report.parse_portfolio_margin`
PORTFOLIO_MARGIN = Endpoint(
    name="portfolio-margin",
    path="/v5/asset/portfolio-margin",
    auth=True,
    shape=Shape.OBJECT,
    # kept whole: the report's nesting is the analytics parser's to unfold (its fields are §5.13's)
    schemas={"*": {"wallet": OBJECT, "assetPnlRange": OBJECT}},
    cache=SECONDS,
)

ACCOUNT_ENDPOINTS: tuple[Endpoint, ...] = (
    WALLET_BALANCE,
    ACCOUNT_INFO,
    FEE_RATE,
    TRANSACTION_LOG,
    CONTRACT_TRANSACTION_LOG,
    ALL_COINS_BALANCE,
    MMP_STATE,
    PORTFOLIO_MARGIN,
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
    MOVE_POSITION_HISTORY,
)
