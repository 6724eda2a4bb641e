"""Entries of the private balance endpoints beyond the wallet: option assets, withdrawable amounts, the asset
overview of every wallet, one coin's balance, the coins' networks and the repayment info (reference §5.7,
§5.12 and the per-UID limit table of §3.2)."""

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
    Explode,
    IndexKind,
    Shape,
    floats,
)

#: option P&L and margin per coin: ``result.result[]`` (nested)
OPTION_ASSET_INFO = Endpoint(
    name="option-asset-info",
    path="/v5/account/option-asset-info",
    auth=True,
    result_key="result",
    index="coin",
    index_kind=IndexKind.KEY,
    schemas={
        "*": {
            "coin": STR,
            **floats("totalDelta", "totalRPL", "totalUPL", "assetIM", "assetMM"),
            "sendTime": TIME,
        }
    },
    cache=SECONDS,
)

#: the most coins one ``/v5/account/withdrawal`` request may name (reference §5.12)
MAX_WITHDRAWAL_COINS = 20
#: how much of each coin can leave the unified account: one object ``{availableWithdrawal (the first coin's),
#: availableWithdrawalMap {coin: amount}}``, which the account function makes a row per coin
WITHDRAWAL = Endpoint(
    name="withdrawal",
    path="/v5/account/withdrawal",
    auth=True,
    shape=Shape.OBJECT,
    schemas={"*": {"availableWithdrawal": FLOAT, "availableWithdrawalMap": OBJECT}},
    cache=SECONDS,
)

#: the equity of every wallet of the account, coin by coin (wallets with sub-categories, such as Earn, list
#: their coins per category); the grand total goes to ``attrs["summary"]``
ASSET_OVERVIEW = Endpoint(
    name="asset-overview",
    path="/v5/asset/asset-overview",
    auth=True,
    explode=Explode(
        (("coinDetail",), ("categories", "coinDetail")), rename={"categories.equity": "categoryEquity"}
    ),
    schemas={
        "*": {
            "accountType": STR,
            "totalEquity": FLOAT,
            "valuationCurrency": STR,
            "snapshotTime": TIME,
            "category": STR,
            "categoryEquity": FLOAT,
            "coin": STR,
            "equity": FLOAT,
        }
    },
    summary={"totalEquity": FLOAT},
    cache=SECONDS,
)

#: one coin of one wallet, with what can be transferred (``result.balance`` is one object)
SINGLE_COIN_BALANCE = Endpoint(
    name="query-account-coin-balance",
    path="/v5/asset/transfer/query-account-coin-balance",
    auth=True,
    shape=Shape.OBJECT,
    index="coin",
    index_kind=IndexKind.KEY,
    schemas={
        "*": {
            "accountType": STR,
            "bizType": INT,
            "accountId": STR,
            "memberId": STR,
            "balance": {
                "coin": STR,
                **floats("walletBalance", "transferBalance", "bonus"),
                **floats("transferSafeAmount", "ltvTransferSafeAmount"),
            },
        }
    },
    cache=SECONDS,
)

#: every coin's deposit and withdrawal networks: one row per coin and chain
COIN_INFO = Endpoint(
    name="coin/query-info",
    path="/v5/asset/coin/query-info",
    auth=True,
    result_key="rows",
    explode=Explode((("chains",),)),
    index="coin",
    index_kind=IndexKind.KEY,
    unique_index=False,
    schemas={
        "*": {
            "name": STR,
            "coin": STR,
            "remainAmount": FLOAT,
            "chain": STR,
            "chainType": STR,
            "confirmation": INT,
            **floats("withdrawFee", "depositMin", "withdrawMin"),
            "minAccuracy": INT,
            "chainDeposit": BOOL,
            "chainWithdraw": BOOL,
            "withdrawPercentageFee": FLOAT,
            "contractAddress": STR,
        }
    },
    cache=SECONDS,
)

#: the collateral that could repay the account's liabilities (``result.collateralInfo.collateralList``),
#: with the liability asked about (``borrowInfo``) in ``attrs["summary"]``
PAY_INFO = Endpoint(
    name="pay-info",
    path="/v5/account/pay-info",
    auth=True,
    result_key="collateralInfo.collateralList",
    index="coin",
    index_kind=IndexKind.KEY,
    schemas={
        "*": {
            "coin": STR,
            **floats("availableSize", "availableValue"),
            "coinScale": INT,
            **floats("borrowSize", "spotHedgeAmount", "assetFrozen"),
        }
    },
    summary={
        "borrowInfo": {
            "coin": STR,
            **floats("borrowSize", "borrowValue", "assetFrozen", "availableBalance"),
        }
    },
    cache=SECONDS,
)

ASSET_ENDPOINTS: tuple[Endpoint, ...] = (
    OPTION_ASSET_INFO,
    WITHDRAWAL,
    ASSET_OVERVIEW,
    SINGLE_COIN_BALANCE,
    COIN_INFO,
    PAY_INFO,
)
