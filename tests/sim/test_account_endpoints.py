"""The demo account's newer private endpoints: shapes, types, validation, and agreement with the account."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from account_helpers import DAY, NOW, all_rows, call, error_of, ledger

from bybit_research.sim.account.borrowing import COLLATERAL_RATIO, MAX_BORROW
from bybit_research.sim.account.funding import FUNDING_BALANCES
from bybit_research.sim.core import ROUTES, SimConfig
from bybit_research.sim.credentials import DEMO_API_KEY, DEMO_UID
from bybit_research.sim.exchange import Exchange


@pytest.fixture(scope="module")
def exchange() -> Exchange:
    return Exchange(SimConfig(now_ms=NOW))


def wallet_coins(exchange: Exchange) -> dict[str, dict[str, Any]]:
    result = call(exchange, "/v5/account/wallet-balance", accountType="UNIFIED")
    return {row["coin"]: row for row in result["list"][0]["coin"]}


def test_new_private_routes_have_their_uid_limits() -> None:
    expected = {
        "/v5/account/withdrawal": 50,
        "/v5/account/pay-info": 50,
        "/v5/account/trade-info-for-analysis": 50,
        "/v5/account/user-setting-config": 50,
        "/v5/account/instruments-info": 10,
        "/v5/position/move-history": 10,
        "/v5/position/get-closed-positions": 50,
        "/v5/asset/transfer/query-account-coins-balance": 5,
        "/v5/asset/transfer/query-account-coin-balance": 450,
        "/v5/asset/asset-overview": 50,
        "/v5/account/mmp-state": None,  # "-" in Bybit's table: the default budget
        "/v5/account/option-asset-info": None,
    }
    for path, limit in expected.items():
        found = ROUTES[("GET", path)]
        assert found.auth is True and found.uid_limit == limit, path
    for path in (
        "/v5/account/contract-transaction-log",
        "/v5/asset/coin/query-info",
        "/v5/user/query-api",
        "/v5/spot-margin-trade/position-tiers",
        *(
            f"/v5/pre-upgrade/{name}"
            for name in (
                "order/history",
                "execution/list",
                "position/closed-pnl",
                "account/transaction-log",
                "asset/delivery-record",
                "asset/settlement-record",
            )
        ),
    ):
        assert ROUTES[("GET", path)].auth is True, path


def test_option_asset_info_and_coin_greeks_agree_with_the_positions(exchange: Exchange) -> None:
    positions = call(exchange, "/v5/position/list", category="option", limit=200)["list"]
    info = call(exchange, "/v5/account/option-asset-info")
    assert list(info) == ["result"]  # nested result.result[]
    rows = info["result"]
    greeks = {row["baseCoin"]: row for row in call(exchange, "/v5/asset/coin-greeks")["list"]}
    assert [row["coin"] for row in rows] == sorted(greeks) == ["BTC", "ETH"]
    for row in rows:
        mine = [p for p in positions if p["symbol"].startswith(row["coin"] + "-")]
        assert mine and row["sendTime"] == NOW and isinstance(row["sendTime"], int)
        four = Decimal("0.0001")
        for field, name in (
            ("totalDelta", "delta"),
            ("totalUPL", "unrealisedPnl"),
            ("totalRPL", "cumRealisedPnl"),
        ):
            total = sum(Decimal(p[name]) for p in mine)
            assert abs(Decimal(row[field]) - total) <= four * len(mine), field
        assert abs(Decimal(row["totalDelta"]) - Decimal(greeks[row["coin"]]["totalDelta"])) <= four
        for field, name in (("assetIM", "positionIM"), ("assetMM", "positionMM")):
            assert Decimal(row[field]) == sum((Decimal(p[name]) for p in mine), Decimal(0)).quantize(four), (
                field
            )
        assert all(len(row[f].split(".")[1]) == 4 for f in ("totalDelta", "totalRPL", "totalUPL", "assetIM"))


def test_coins_balance_agrees_with_wallet_balance(exchange: Exchange) -> None:
    coins = wallet_coins(exchange)
    result = call(
        exchange,
        "/v5/asset/transfer/query-account-coins-balance",
        accountType="UNIFIED",
        coin="USDT,BTC,USDC,XRP",
    )
    assert result["accountType"] == "UNIFIED" and result["memberId"] == str(DEMO_UID)
    rows = {row["coin"]: row for row in result["balance"]}
    assert list(rows) == ["USDT", "BTC", "USDC", "XRP"]
    for coin in ("USDT", "BTC", "USDC"):
        assert rows[coin]["walletBalance"] == coins[coin]["walletBalance"]
        assert Decimal(rows[coin]["transferBalance"]) <= max(
            Decimal(coins[coin]["walletBalance"]), Decimal(0)
        )
        assert rows[coin]["bonus"] == ""
    assert Decimal(coins["USDC"]["walletBalance"]) < 0 and rows["USDC"]["transferBalance"] == "0.00000000"
    assert rows["XRP"] == {
        "coin": "XRP",
        "walletBalance": "0.00000000",
        "transferBalance": "0.00000000",
        "bonus": "",
    }
    # the transferable amount is the withdrawal formula's, as /v5/account/withdrawal reports it
    withdrawal = call(exchange, "/v5/account/withdrawal", coinName="USDT,BTC,USDC")
    assert withdrawal["availableWithdrawal"] == rows["USDT"]["transferBalance"]
    assert withdrawal["availableWithdrawalMap"] == {
        c: rows[c]["transferBalance"] for c in ("USDT", "BTC", "USDC")
    }
    single = call(
        exchange,
        "/v5/asset/transfer/query-account-coin-balance",
        accountType="UNIFIED",
        coin="BTC",
        withBonus=1,
    )
    assert single["balance"] == {
        **rows["BTC"],
        "bonus": "0",
        "transferSafeAmount": "",
        "ltvTransferSafeAmount": "",
    }
    assert single["bizType"] == 1 and single["memberId"] == str(DEMO_UID) and single["accountId"]


def test_withdrawal_follows_the_available_balance_formula(exchange: Exchange) -> None:
    account = call(exchange, "/v5/account/wallet-balance", accountType="UNIFIED")["list"][0]
    coins = {row["coin"]: row for row in account["coin"]}
    available = Decimal(account["totalAvailableBalance"])
    amounts = call(exchange, "/v5/account/withdrawal", coinName="BTC,ETH,SOL,USDT")["availableWithdrawalMap"]
    for coin, amount in amounts.items():
        index = Decimal(repr(exchange.market.index_price(coin, NOW)))
        reverse = available / (index * Decimal(COLLATERAL_RATIO[coin]))
        free = Decimal(coins[coin]["walletBalance"]) - Decimal(coins[coin]["locked"])
        expected = min(reverse, free).quantize(Decimal("1e-8"), rounding="ROUND_DOWN")
        assert abs(Decimal(amount) - expected) <= Decimal("1e-8"), coin


def test_funding_wallet_and_asset_overview(exchange: Exchange) -> None:
    fund = call(exchange, "/v5/asset/transfer/query-account-coins-balance", accountType="FUND")
    assert [row["coin"] for row in fund["balance"]] == list(FUNDING_BALANCES)
    for row in fund["balance"]:
        assert (
            Decimal(row["walletBalance"]) == Decimal(row["transferBalance"]) == FUNDING_BALANCES[row["coin"]]
        )
    wallet = call(exchange, "/v5/account/wallet-balance", accountType="UNIFIED")["list"][0]
    overview = call(exchange, "/v5/asset/asset-overview")
    unified, funding = overview["list"]
    assert unified["accountType"] == "UnifiedTradingAccount" and funding["accountType"] == "FundingAccount"
    assert unified["totalEquity"] == format(Decimal(wallet["totalEquity"]).quantize(Decimal("0.01")), "f")
    assert {d["coin"]: d["equity"] for d in unified["coinDetail"]} == {
        c["coin"]: c["equity"] for c in wallet["coin"]
    }
    funding_usd = sum(
        (a * Decimal(repr(exchange.market.index_price(c, NOW))) for c, a in FUNDING_BALANCES.items()),
        Decimal(0),
    )
    assert funding["totalEquity"] == format(funding_usd.quantize(Decimal("0.01")), "f")
    assert Decimal(overview["totalEquity"]) == pytest.approx(
        Decimal(unified["totalEquity"]) + Decimal(funding["totalEquity"]), abs=Decimal("0.011")
    )
    assert {row["snapshotTime"] for row in overview["list"]} == {str(NOW)}
    assert {row["valuationCurrency"] for row in overview["list"]} == {"USD"}


def test_balance_endpoints_validate_their_parameters(exchange: Exchange) -> None:
    path = "/v5/asset/transfer/query-account-coins-balance"
    cases: list[tuple[str, dict[str, Any], str]] = [
        (path, {}, "accountType is required"),
        (path, {"accountType": "SPOT"}, "accountType invalid, must be one of UNIFIED, FUND"),
        (path, {"accountType": "UNIFIED"}, "coin is required for accountType UNIFIED"),
        (path, {"accountType": "UNIFIED", "coin": ",".join(["BTC"] * 11)}, "at most 10 coins"),
        (path, {"accountType": "FUND", "coin": "NOPE"}, "coin NOPE invalid"),
        (path, {"accountType": "FUND", "memberId": "123"}, "memberId 123 is not a sub account"),
        ("/v5/asset/transfer/query-account-coin-balance", {"accountType": "FUND"}, "coin is required"),
        (
            "/v5/asset/transfer/query-account-coin-balance",
            {"accountType": "FUND", "coin": "USDT", "withLtvTransferSafeAmount": 1},
            "toAccountType is required",
        ),
        ("/v5/account/withdrawal", {}, "coinName is required"),
        ("/v5/account/withdrawal", {"coinName": ",".join(["BTC"] * 21)}, "at most 20 coins"),
        ("/v5/account/withdrawal", {"coinName": "BTC,NOPE"}, "coinName NOPE invalid"),
        ("/v5/account/mmp-state", {}, "baseCoin is required"),
        ("/v5/account/mmp-state", {"baseCoin": "XRP"}, "baseCoin invalid, must be one of BTC, ETH, SOL"),
        ("/v5/account/pay-info", {"coin": "USDT"}, "coin USDT has no liability"),
        ("/v5/account/trade-info-for-analysis", {}, "symbol is required"),
        ("/v5/account/trade-info-for-analysis", {"symbol": "BTCPERP"}, "must be a spot symbol"),
        ("/v5/account/instruments-info", {"category": "option"}, "use one of spot, linear, inverse"),
        (
            "/v5/account/instruments-info",
            {"category": "linear", "limit": 201},
            "limit must be between 1 and 200",
        ),
        ("/v5/spot-margin-trade/position-tiers", {"currency": "NOPE"}, "currency invalid"),
        ("/v5/asset/coin/query-info", {"coin": "NOPE"}, "coin NOPE invalid"),
        ("/v5/position/move-history", {"limit": 201}, "limit must be between 1 and 200"),
        ("/v5/position/move-history", {"status": "Done"}, "status invalid"),
    ]
    for where, params, message in cases:
        error = error_of(exchange, where, **params)
        assert error.ret_code == 10001 and message in error.ret_msg, (where, params, error.ret_msg)


def test_account_instruments_are_the_markets_with_rpi_flags(exchange: Exchange) -> None:
    market = call(exchange, "/v5/market/instruments-info", category="linear", limit=1000)["list"]
    rows = all_rows(exchange, "/v5/account/instruments-info", category="linear", limit=7)
    assert [row["symbol"] for row in rows] == [row["symbol"] for row in market]
    first = call(exchange, "/v5/account/instruments-info", category="linear")
    assert len(first["list"]) == min(200, len(market)) and first["category"] == "linear"
    for mine, theirs in zip(rows, market, strict=True):
        assert {k: v for k, v in mine.items() if k not in ("isPublicRpi", "myRpiPermission")} == theirs
        assert mine["isPublicRpi"] is mine["myRpiPermission"]
        assert mine["isPublicRpi"] is (
            mine["baseCoin"] in ("BTC", "ETH", "SOL") and mine["quoteCoin"] == "USDT"
        )
    spot = call(exchange, "/v5/account/instruments-info", category="spot", symbol="BTCUSDT")
    assert [row["symbol"] for row in spot["list"]] == ["BTCUSDT"] and spot["list"][0]["isPublicRpi"] is True


def test_pay_info_lists_the_collateral_and_the_liability(exchange: Exchange) -> None:
    coins = wallet_coins(exchange)
    result = call(exchange, "/v5/account/pay-info", coin="USDC")
    collateral = {row["coin"]: row for row in result["collateralInfo"]["collateralList"]}
    assert set(collateral) == set(coins)
    usdc = coins["USDC"]
    # a liability at the coin's scale is rounded up, an asset cut down
    borrowed = Decimal(usdc["borrowAmount"])
    assert (
        Decimal(collateral["USDC"]["borrowSize"])
        == borrowed.quantize(Decimal("1e-6"), rounding="ROUND_UP")
        > 0
    )
    assert collateral["USDC"]["availableSize"] == "0.000000" and collateral["USDC"]["coinScale"] == 6
    assert Decimal(collateral["BTC"]["availableSize"]) == Decimal(coins["BTC"]["walletBalance"]).quantize(
        Decimal("1e-9")
    )
    borrow = result["borrowInfo"]
    assert borrow["coin"] == "USDC" and borrow["borrowSize"] == usdc["borrowAmount"]
    index = Decimal(repr(exchange.market.index_price("USDC", NOW)))
    assert Decimal(borrow["borrowValue"]) == (Decimal(usdc["borrowAmount"]) * index).quantize(Decimal("1e-8"))
    total = call(exchange, "/v5/account/pay-info")["borrowInfo"]
    assert set(total) == {"borrowSize", "assetFrozen", "availableBalance"}
    assert total["availableBalance"] == borrow["availableBalance"]


def test_trade_info_for_analysis_sums_the_spot_fills(exchange: Exchange) -> None:
    start = NOW - 729 * DAY
    result = call(exchange, "/v5/account/trade-info-for-analysis", symbol="BTCUSDT", startTime=start)
    fills = [
        r
        for r in ledger(exchange, "executions")
        if r["_cat"] == "spot" and r["symbol"] == "BTCUSDT" and r["_t"] >= start
    ]
    buys = [r for r in fills if r["side"] == "Buy"]
    sells = [r for r in fills if r["side"] == "Sell"]
    assert buys and sells
    assert Decimal(result["sumBuyExecQty"]) == sum(Decimal(r["execQty"]) for r in buys)
    assert Decimal(result["sumSellExecValue"]) == sum(Decimal(r["execValue"]) for r in sells)
    assert Decimal(result["netExecQty"]) == Decimal(result["sumBuyExecQty"]) - Decimal(
        result["sumSellExecQty"]
    )
    assert Decimal(result["sumExecValue"]) == Decimal(result["sumBuyExecValue"]) + Decimal(
        result["sumSellExecValue"]
    )
    assert (result["baseCoin"], result["settleCoin"], result["maxMarginVersion"]) == ("BTC", "USDT", 0)
    days = result["sumPriceList"]
    assert [d["day"] for d in days] == sorted(d["day"] for d in days)
    assert sum(Decimal(d["sumExecValue"]) for d in days) == Decimal(result["sumExecValue"])
    empty = call(exchange, "/v5/account/trade-info-for-analysis", symbol="BTCUSDT", startTime=NOW - DAY)
    assert (
        empty["sumExecQty"] == "0.00000000"
        and empty["avgBuyExecPrice"] == "0"
        and empty["sumPriceList"] == []
    )


def test_fixed_settings_mmp_and_api_key(exchange: Exchange) -> None:
    assert call(exchange, "/v5/account/user-setting-config") == {
        "lpaSpot": False,
        "lpaPerp": False,
        "smsef": False,
        "fmsef": False,
        "deltaEnable": "0",
    }
    mmp = call(exchange, "/v5/account/mmp-state", baseCoin="ETH")
    assert list(mmp) == ["result"] and mmp["result"][0]["baseCoin"] == "ETH"
    assert mmp["result"][0]["mmpEnabled"] is False and mmp["result"][0]["mmpFrozen"] is False
    key = call(exchange, "/v5/user/query-api")
    assert key["apiKey"] == DEMO_API_KEY and key["userID"] == DEMO_UID and key["secret"] == ""
    assert (key["uta"], key["unified"], key["readOnly"]) == (1, 0, 0)
    assert (
        key["permissions"]["Wallet"] == ["AccountTransfer", "SubMemberTransfer"]
        and key["permissions"]["NFT"] == []
    )
    assert key["createdAt"] < key["expiredAt"] and key["deadlineDay"] == 60


def test_position_tiers_agree_with_the_borrowing_limits(exchange: Exchange) -> None:
    rows = call(exchange, "/v5/spot-margin-trade/position-tiers")["list"]
    assert [row["currency"] for row in rows] == list(MAX_BORROW)
    usdc = next(row for row in rows if row["currency"] == "USDC")["positionTiersRatioList"]
    assert [t["tier"] for t in usdc] == ["1", "2", "3", "4"]
    assert usdc[-1]["borrowLimit"] == MAX_BORROW["USDC"]
    info = call(exchange, "/v5/account/collateral-info", currency="USDC")["list"][0]
    assert Decimal(usdc[-1]["borrowLimit"]) == Decimal(info["maxBorrowingAmount"])
    for tier in usdc:
        assert Decimal(tier["maxLeverage"]) == 1 / Decimal(tier["positionIMR"])
        assert Decimal(tier["positionMMR"]) < Decimal(tier["positionIMR"])
    # the account's borrowing sits in tier 1, whose rates the wallet charges
    borrowed = Decimal(info["borrowAmount"])
    assert 0 < borrowed <= Decimal(usdc[0]["borrowLimit"]) and usdc[0]["positionIMR"] == "0.05"


def test_coin_info_lists_every_coin_with_its_networks(exchange: Exchange) -> None:
    rows = call(exchange, "/v5/asset/coin/query-info")["rows"]
    coins = [row["coin"] for row in rows]
    assert coins[:2] == ["USDT", "USDC"] and {"BTC", "ETH", "SOL", "XRP"} <= set(coins)
    usdt = rows[0]
    assert [c["chain"] for c in usdt["chains"]] == ["ETH", "TRX", "SOL"]
    for row in rows:
        assert row["name"] == row["coin"] and row["chains"]
        for chain in row["chains"]:
            assert chain["chainDeposit"] == chain["chainWithdraw"] == "1"
            assert Decimal(chain["withdrawFee"]) >= 0 and chain["minAccuracy"].isdigit()
    only = call(exchange, "/v5/asset/coin/query-info", coin="BTC")["rows"]
    assert [row["coin"] for row in only] == ["BTC"]


def test_contract_transaction_log_is_refused_to_a_unified_account(exchange: Exchange) -> None:
    info = call(exchange, "/v5/account/info")
    assert info["unifiedMarginStatus"] == 5  # UTA 2.0: the classic derivatives log does not apply
    error = error_of(exchange, "/v5/account/contract-transaction-log", limit=10)
    assert (error.ret_code, error.ret_msg) == (100028, "The API cannot be accessed by unified account users.")


@pytest.mark.parametrize(
    ("name", "params", "keys"),
    [
        ("order/history", {"category": "linear"}, ["list", "nextPageCursor", "category"]),
        ("execution/list", {"category": "option"}, ["list", "nextPageCursor", "category"]),
        (
            "position/closed-pnl",
            {"category": "inverse", "symbol": "BTCUSD"},
            ["list", "category", "nextPageCursor"],
        ),
        ("account/transaction-log", {}, ["list", "nextPageCursor"]),
        ("asset/delivery-record", {"category": "option"}, ["nextPageCursor", "category", "list"]),
        ("asset/settlement-record", {"category": "linear"}, ["nextPageCursor", "category", "list"]),
    ],
)
def test_pre_upgrade_history_is_empty_in_its_documented_shape(
    exchange: Exchange, name: str, params: dict[str, str], keys: list[str]
) -> None:
    result = call(exchange, f"/v5/pre-upgrade/{name}", **params)
    assert list(result) == keys and result["list"] == [] and result["nextPageCursor"] == ""
    if "category" in params:
        assert result["category"] == params["category"]


def test_pre_upgrade_endpoints_check_their_parameters(exchange: Exchange) -> None:
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("order/history", {}, "category is required"),
        ("order/history", {"category": "linear", "startTime": NOW - DAY}, "must be passed together"),
        (
            "order/history",
            {"category": "linear", "startTime": NOW - 8 * DAY, "endTime": NOW},
            "cannot exceed 7 days",
        ),
        ("execution/list", {"category": "spot"}, "use one of linear, inverse, option"),
        ("execution/list", {"category": "linear", "limit": 101}, "limit must be between 1 and 100"),
        ("position/closed-pnl", {"category": "linear"}, "symbol is required"),
        ("account/transaction-log", {"category": "inverse"}, "category invalid"),
        ("asset/delivery-record", {"category": "linear"}, "use one of option"),
        ("asset/settlement-record", {"category": "linear", "cursor": "junk"}, "cursor invalid"),
    ]
    for name, params, message in cases:
        error = error_of(exchange, f"/v5/pre-upgrade/{name}", **params)
        assert error.ret_code == 10001 and message in error.ret_msg, (name, params, error.ret_msg)


def test_move_history_lists_the_rejected_block_trades_newest_first(exchange: Exchange) -> None:
    weeks = [
        all_rows(exchange, "/v5/position/move-history", endTime=NOW - w * 7 * DAY, limit=1)
        for w in range(104)
    ]
    rows = [row for week in weeks for row in week]
    assert 60 <= len(rows) <= 200  # every 4 to 14 days over two years, one or two legs each
    keys = ["blockTradeId", "category", "orderId", "userId", "symbol", "side", "price", "qty", "execFee"]
    keys += ["status", "execId", "resultCode", "resultMessage", "createdAt", "updatedAt", "rejectParty"]
    for week in weeks:
        assert [row["createdAt"] for row in week] == sorted((row["createdAt"] for row in week), reverse=True)
    for row in rows:
        assert list(row) == keys and row["status"] == "Rejected" and row["rejectParty"] in ("Taker", "Maker")
        assert isinstance(row["createdAt"], int) and row["createdAt"] < row["updatedAt"]
        assert row["userId"] == DEMO_UID and isinstance(row["resultCode"], int) and row["resultCode"] != 0
        assert row["execId"] == "" and row["execFee"] == "0"  # nothing was executed
    assert len({row["orderId"] for row in rows}) == len(rows)
    # the price of a leg is the mark price when it was asked, on the contract's tick
    row = rows[0]
    mark = exchange.market.mark_price(row["symbol"], row["createdAt"])
    assert abs(float(row["price"]) / mark - 1) < 1e-4
    # filters: status, symbol, block trade id
    window = {"startTime": row["createdAt"] - DAY, "endTime": row["createdAt"] + DAY}
    assert call(exchange, "/v5/position/move-history", status="Filled", **window)["list"] == []
    mine = call(exchange, "/v5/position/move-history", blockTradeId=row["blockTradeId"], **window)["list"]
    assert {r["blockTradeId"] for r in mine} == {row["blockTradeId"]} and row in mine
    other = "ETHUSDT" if row["symbol"] != "ETHUSDT" else "BTCUSDT"
    assert all(
        r["symbol"] == other
        for r in call(exchange, "/v5/position/move-history", symbol=other, **window)["list"]
    )
