"""Demo account: wallet balance, account info, margin-mode switch, fee rates and collateral info."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Any
from urllib.parse import urlencode

import pytest

import bybit_research.sim.routes  # noqa: F401  (registers the routes)
from bybit_research.sim.core import ROUTES, ParamError, Request, SimConfig, SimError
from bybit_research.sim.exchange import Exchange

NOW = 1_750_000_000_000  # 2025-06-15 15:06:40 UTC
COIN_FIELDS = {
    "coin",
    "equity",
    "usdValue",
    "walletBalance",
    "locked",
    "spotHedgingQty",
    "borrowAmount",
    "accruedInterest",
    "totalOrderIM",
    "totalPositionIM",
    "totalPositionMM",
    "unrealisedPnl",
    "cumRealisedPnl",
    "bonus",
    "marginCollateral",
    "collateralSwitch",
    "colRes",
    "spotBorrow",
    "free",
    "availableToWithdraw",
    "availableToBorrow",
}
ACCOUNT_FIELDS = {
    "accountType",
    "accountIMRate",
    "accountMMRate",
    "totalEquity",
    "totalWalletBalance",
    "totalMarginBalance",
    "totalAvailableBalance",
    "totalPerpUPL",
    "totalInitialMargin",
    "totalMaintenanceMargin",
    "accountIMRateByMp",
    "accountMMRateByMp",
    "totalInitialMarginByMp",
    "totalMaintenanceMarginByMp",
    "accountLTV",
    "coin",
}


def call(exchange: Exchange, path: str, method: str = "GET", now: int = NOW, **params: Any) -> Any:
    query = {key: str(value) for key, value in params.items()}
    request = Request(
        method,
        path,
        urlencode(query),
        query if method == "GET" else {},
        {},
        now_ms=now,
        uid=1,
        json=dict(params) if method == "POST" else {},
    )
    return ROUTES[(method, path)].handler(exchange, request)


@pytest.fixture
def exchange() -> Exchange:
    return Exchange(SimConfig(now_ms=NOW))


def wallet(exchange: Exchange, **params: Any) -> dict[str, Any]:
    result = call(exchange, "/v5/account/wallet-balance", accountType="UNIFIED", **params)
    assert len(result["list"]) == 1
    return result["list"][0]


def test_private_routes_are_registered_with_their_uid_limits() -> None:
    expected = {
        "/v5/account/wallet-balance": 50,
        "/v5/account/info": 50,
        "/v5/account/fee-rate": 5,
        "/v5/account/transaction-log": 25,
        "/v5/account/borrow-history": 50,
        "/v5/account/collateral-info": 50,
        "/v5/asset/coin-greeks": 50,
        "/v5/position/list": 50,
        "/v5/execution/list": 50,
        "/v5/position/closed-pnl": 50,
        "/v5/order/realtime": 50,
        "/v5/order/history": 50,
        "/v5/asset/portfolio-margin": 50,
        "/v5/asset/delivery-record": 50,
        "/v5/asset/settlement-record": 50,
    }
    for path, limit in expected.items():
        found = ROUTES[("GET", path)]
        assert found.auth is True and found.uid_limit == limit, path
    assert ROUTES[("POST", "/v5/account/set-margin-mode")].auth is True


def test_wallet_fields_and_types(exchange: Exchange) -> None:
    account = wallet(exchange)
    assert set(account) == ACCOUNT_FIELDS
    assert account["accountType"] == "UNIFIED"
    assert [row["coin"] for row in account["coin"]] == ["BTC", "ETH", "SOL", "USDC", "USDT"]
    for row in account["coin"]:
        assert set(row) == COIN_FIELDS
        assert isinstance(row["marginCollateral"], bool) and isinstance(row["collateralSwitch"], bool)
        for name in COIN_FIELDS - {
            "coin",
            "marginCollateral",
            "collateralSwitch",
            "free",
            "availableToWithdraw",
            "availableToBorrow",
        }:
            assert isinstance(row[name], str)
            Decimal(row[name])
    for name in ACCOUNT_FIELDS - {"accountType", "coin"}:
        assert isinstance(account[name], str)
        Decimal(account[name])
    for plain, twin in (
        ("accountIMRate", "accountIMRateByMp"),
        ("totalInitialMargin", "totalInitialMarginByMp"),
        ("totalMaintenanceMargin", "totalMaintenanceMarginByMp"),
    ):
        assert account[plain] == account[twin]


def test_wallet_totals_are_consistent(exchange: Exchange) -> None:
    account = wallet(exchange)
    d = {name: Decimal(value) for name, value in account.items() if name not in ("accountType", "coin")}
    assert d["totalMarginBalance"] == d["totalWalletBalance"] + d["totalPerpUPL"]
    assert d["totalEquity"] == sum(Decimal(row["usdValue"]) for row in account["coin"])
    assert d["totalAvailableBalance"] == d["totalMarginBalance"] - d["totalInitialMargin"]
    ratio = (d["totalInitialMargin"] / d["totalMarginBalance"]).quantize(
        Decimal("0.0001"), rounding=ROUND_DOWN
    )
    assert d["accountIMRate"] == ratio
    assert 0 < d["totalMaintenanceMargin"] < d["totalInitialMargin"]
    for row in account["coin"]:
        if row["coin"] in ("USDT", "USDC"):
            assert row["usdValue"] == row["equity"]
        if row["coin"] != "USDC":  # USDC also holds the options' value
            assert Decimal(row["equity"]) == Decimal(row["walletBalance"]) + Decimal(row["unrealisedPnl"])


def test_coin_equity_includes_option_value(exchange: Exchange) -> None:
    usdc = next(row for row in wallet(exchange)["coin"] if row["coin"] == "USDC")
    options = call(exchange, "/v5/position/list", category="option", limit=200)["list"]
    assert options
    value = sum(
        Decimal(p["markPrice"]) * Decimal(p["size"]) * (1 if p["side"] == "Buy" else -1) for p in options
    )
    assert Decimal(usdc["equity"]) == Decimal(usdc["walletBalance"]) + Decimal(usdc["unrealisedPnl"]) + value


def test_positions_sum_into_coin_totals(exchange: Exchange) -> None:
    coins = {row["coin"]: row for row in wallet(exchange)["coin"]}
    positions = call(exchange, "/v5/position/list", category="linear", settleCoin="USDT", limit=200)["list"]
    assert Decimal(coins["USDT"]["unrealisedPnl"]) == sum(Decimal(p["unrealisedPnl"]) for p in positions)
    assert Decimal(coins["USDT"]["totalPositionIM"]) == sum(Decimal(p["positionIM"]) for p in positions)
    assert Decimal(coins["USDT"]["totalPositionMM"]) == sum(Decimal(p["positionMM"]) for p in positions)
    inverse = call(exchange, "/v5/position/list", category="inverse")["list"]
    assert [p["symbol"] for p in inverse] == ["BTCUSD"]
    assert Decimal(coins["BTC"]["unrealisedPnl"]) == Decimal(inverse[0]["unrealisedPnl"])


def test_usdc_is_borrowed_and_pays_interest(exchange: Exchange) -> None:
    usdc = next(row for row in wallet(exchange)["coin"] if row["coin"] == "USDC")
    assert Decimal(usdc["walletBalance"]) < 0
    assert Decimal(usdc["borrowAmount"]) == -Decimal(usdc["walletBalance"])
    assert Decimal(usdc["accruedInterest"]) > 0
    usdt = next(row for row in wallet(exchange)["coin"] if row["coin"] == "USDT")
    assert usdt["borrowAmount"] == "0.00000000"
    assert Decimal(usdt["locked"]) > 0  # a resting spot buy order locks USDT


def test_wallet_balances_equal_the_last_cash_balance_of_the_transaction_log(exchange: Exchange) -> None:
    rows = exchange.account.rows_between("transactions", 0, NOW, NOW)
    coins = {row["coin"]: row for row in wallet(exchange)["coin"]}
    for coin, row in coins.items():
        last = next(tx for tx in rows if tx["currency"] == coin)
        assert row["walletBalance"] == last["cashBalance"], coin


def test_coin_filter(exchange: Exchange) -> None:
    account = wallet(exchange, coin="usdt,BTC")
    assert [row["coin"] for row in account["coin"]] == ["USDT", "BTC"]
    assert account["totalEquity"] == wallet(exchange)["totalEquity"]  # totals stay account-wide
    zero = wallet(exchange, coin="XRP")["coin"]
    assert zero[0]["coin"] == "XRP" and zero[0]["walletBalance"] == "0.00000000"


def test_wallet_account_type_is_checked(exchange: Exchange) -> None:
    with pytest.raises(ParamError, match="accountType is required"):
        call(exchange, "/v5/account/wallet-balance")
    with pytest.raises(ParamError, match="only supports UNIFIED") as caught:
        call(exchange, "/v5/account/wallet-balance", accountType="CONTRACT")
    assert caught.value.ret_code == 10001


def test_account_info_and_margin_mode_switch(exchange: Exchange) -> None:
    info = call(exchange, "/v5/account/info")
    assert info["marginMode"] == "REGULAR_MARGIN" and info["unifiedMarginStatus"] == 5
    assert isinstance(info["isMasterTrader"], bool) and info["spotHedgingStatus"] == "OFF"
    assert int(info["updatedTime"]) < NOW
    regular = wallet(exchange)
    assert call(exchange, "/v5/account/set-margin-mode", "POST", setMarginMode="PORTFOLIO_MARGIN") == {
        "reasons": []
    }
    info = call(exchange, "/v5/account/info")
    assert info["marginMode"] == "PORTFOLIO_MARGIN" and info["updatedTime"] == str(NOW)
    pm = wallet(exchange)
    for row in pm["coin"]:
        assert row["totalPositionIM"] == row["totalPositionMM"] == row["totalOrderIM"] == ""
    assert pm["totalEquity"] == regular["totalEquity"]
    assert pm["totalInitialMargin"] != regular["totalInitialMargin"]
    assert Decimal(pm["totalAvailableBalance"]) == Decimal(pm["totalEquity"]) - Decimal(
        pm["totalInitialMargin"]
    )
    for position in call(exchange, "/v5/position/list", category="linear", settleCoin="USDT")["list"]:
        assert (
            position["leverage"]
            == position["liqPrice"]
            == position["positionIM"]
            == position["positionMM"]
            == ""
        )
        assert position["riskId"] == 0
    call(exchange, "/v5/account/set-margin-mode", "POST", setMarginMode="REGULAR_MARGIN")
    assert wallet(exchange) == regular


def test_margin_mode_from_config_and_bad_modes() -> None:
    exchange = Exchange(SimConfig(now_ms=NOW, margin_mode="PORTFOLIO_MARGIN"))
    assert call(exchange, "/v5/account/info")["marginMode"] == "PORTFOLIO_MARGIN"
    with pytest.raises(ParamError, match="setMarginMode invalid"):
        call(exchange, "/v5/account/set-margin-mode", "POST", setMarginMode="CROSS")
    with pytest.raises(ParamError, match="setMarginMode is required"):
        call(exchange, "/v5/account/set-margin-mode", "POST")


def test_portfolio_margin_needs_equity(exchange: Exchange, monkeypatch: pytest.MonkeyPatch) -> None:
    figures = exchange.account.figures(NOW)
    monkeypatch.setitem(figures.totals, "equity", Decimal("999"))
    with pytest.raises(SimError) as caught:
        call(exchange, "/v5/account/set-margin-mode", "POST", setMarginMode="PORTFOLIO_MARGIN")
    assert caught.value.ret_code == 3400045 and caught.value.result["reasons"][0]["reasonMsg"].startswith(
        "Equity"
    )
    assert exchange.account.margin_mode == "REGULAR_MARGIN"


def test_fee_rate(exchange: Exchange) -> None:
    linear = call(exchange, "/v5/account/fee-rate", category="linear", symbol="ETHUSDT")
    assert linear == {"list": [{"symbol": "ETHUSDT", "takerFeeRate": "0.00055", "makerFeeRate": "0.0002"}]}
    option = call(exchange, "/v5/account/fee-rate", category="option")
    assert option["category"] == "option"
    assert [row["baseCoin"] for row in option["list"]] == ["BTC", "ETH", "SOL"]
    assert all(row["symbol"] == "" for row in option["list"])
    spot = call(exchange, "/v5/account/fee-rate", category="spot")
    assert (
        spot["category"] == "spot"
        and {"symbol": "BTCUSDT", "takerFeeRate": "0.001", "makerFeeRate": "0.001"} in spot["list"]
    )
    with pytest.raises(ParamError, match="symbol invalid"):
        call(exchange, "/v5/account/fee-rate", category="linear", symbol="NOPEUSDT")
    with pytest.raises(ParamError, match="category is required"):
        call(exchange, "/v5/account/fee-rate")
    with pytest.raises(ParamError, match="not supported by /v5/account/fee-rate"):
        call(exchange, "/v5/account/fee-rate", category="futures")


def test_collateral_info(exchange: Exchange) -> None:
    rows = call(exchange, "/v5/account/collateral-info")["list"]
    assert [row["currency"] for row in rows] == ["USDT", "USDC", "BTC", "ETH", "SOL"]
    usdc = rows[1]
    balance = next(row for row in wallet(exchange)["coin"] if row["coin"] == "USDC")
    assert usdc["borrowAmount"] == balance["borrowAmount"]
    assert Decimal(usdc["availableToBorrow"]) == Decimal(usdc["maxBorrowingAmount"]) - Decimal(
        usdc["borrowAmount"]
    )
    assert (
        usdc["borrowable"] is True and usdc["marginCollateral"] is True and usdc["freeBorrowingAmount"] == ""
    )
    assert Decimal(usdc["hourlyBorrowRate"]) > 0
    assert [
        row["currency"] for row in call(exchange, "/v5/account/collateral-info", currency="btc")["list"]
    ] == ["BTC"]


def test_unknown_coins_get_no_wallet_row(exchange: Exchange) -> None:
    assert wallet(exchange, coin="FOO")["coin"] == []
    mixed = wallet(exchange, coin="FOO,BTC,xrp")
    assert [row["coin"] for row in mixed["coin"]] == ["BTC", "XRP"]
    assert mixed["totalEquity"] == wallet(exchange)["totalEquity"]


def test_collateral_info_rejects_unknown_currencies(exchange: Exchange) -> None:
    with pytest.raises(ParamError, match="currency invalid") as caught:
        call(exchange, "/v5/account/collateral-info", currency="FOO")
    assert caught.value.ret_code == 10001
    xrp = call(exchange, "/v5/account/collateral-info", currency="XRP")["list"]
    assert [row["currency"] for row in xrp] == ["XRP"] and xrp[0]["borrowAmount"] == "0.00000000"
