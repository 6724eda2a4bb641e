"""The rest of the account's read surface against the demo account's raw answers: option assets, withdrawable
amounts, the asset overview, one coin's balance, coin networks, repayment info, settings, the API key, the
account's instruments, spot-margin tiers and spot trade analysis."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest

from bybit_research.account.settings import account_instruments
from bybit_research.client import Client
from bybit_research.sim import DEMO_API_KEY, DEMO_API_SECRET
from tests.conftest import NOW, NOW_MS, FakeClient, MarketClient

UTC_MS = "datetime64[ms, UTC]"


def raw(client: MarketClient, path: str, **params: Any) -> Any:
    return client.get(path, params, auth=True)


def test_option_asset_info_is_the_answer_per_coin(client: MarketClient) -> None:
    info = client.option_asset_info()
    rows = raw(client, "/v5/account/option-asset-info")["result"]
    assert info.index.name == "coin" and info.index.tolist() == [r["coin"] for r in rows] == ["BTC", "ETH"]
    for row in rows:
        for field, column in (
            ("totalDelta", "total_delta"),
            ("totalRPL", "total_rpl"),
            ("assetIM", "asset_im"),
        ):
            assert info.loc[row["coin"], column] == float(row[field])
    assert str(info.dtypes["send_time"]) == UTC_MS and (info["send_time"] == NOW).all()
    assert (info.drop(columns="send_time").dtypes == np.float64).all()
    # the options' delta per coin is what the coin greeks say
    greeks = client.coin_greeks()
    assert info["total_delta"].to_numpy() == pytest.approx(greeks["total_delta"].to_numpy(), abs=1e-4)


def test_withdrawable_is_a_row_per_coin(client: MarketClient, app: Any) -> None:
    amounts = client.withdrawable(["usdt", "BTC", "ETH"])
    answer = raw(client, "/v5/account/withdrawal", coinName="USDT,BTC,ETH")
    assert amounts.index.name == "coin" and amounts.index.tolist() == list(answer["availableWithdrawalMap"])
    assert amounts["available_withdrawal"].to_dict() == {
        coin: float(value) for coin, value in answer["availableWithdrawalMap"].items()
    }
    assert amounts.attrs["summary"] == {"available_withdrawal": float(answer["availableWithdrawal"])}
    assert amounts.attrs["params"] == {"coinName": "USDT,BTC,ETH"}
    # what can leave the account is what the transfer endpoint says can move out of it
    usdt = client.coin_balance("USDT")
    assert amounts.loc["USDT", "available_withdrawal"] == usdt.loc["USDT", "transfer_balance"]
    one = client.withdrawable("SOL")
    assert one.index.tolist() == ["SOL"] and one.dtypes["available_withdrawal"] == np.float64


def test_asset_overview_lists_every_wallets_coins(client: MarketClient) -> None:
    overview = client.asset_overview()
    answer = raw(client, "/v5/asset/asset-overview")
    flat = [(a["accountType"], c) for a in answer["list"] for c in a["coinDetail"]]
    assert len(overview) == len(flat)
    assert list(zip(overview["account_type"], overview["coin"], strict=True)) == [
        (t, c["coin"]) for t, c in flat
    ]
    assert overview["equity"].tolist() == [float(c["equity"]) for _, c in flat]
    assert overview.attrs["summary"] == {"total_equity": float(answer["totalEquity"])}
    wallets = overview.groupby("account_type", sort=False)["total_equity"].first()
    assert wallets.sum() == pytest.approx(overview.attrs["summary"]["total_equity"], abs=0.011)
    # the unified account's coins are the wallet's equities
    unified = overview[overview["account_type"] == "UnifiedTradingAccount"].set_index("coin")["equity"]
    wallet = client.wallet_balance()
    assert unified.to_dict() == pytest.approx(wallet["equity"].to_dict(), rel=1e-12)
    assert overview["category"].isna().all() and overview["category_equity"].isna().all()
    assert str(overview.dtypes["snapshot_time"]) == UTC_MS and (overview["snapshot_time"] == NOW).all()


def test_asset_overview_unfolds_wallet_categories() -> None:
    answer = {
        "totalEquity": "130",
        "list": [
            {
                "accountType": "Earn",
                "totalEquity": "120",
                "valuationCurrency": "USD",
                "snapshotTime": str(NOW_MS),
                "categories": [
                    {"category": "Easy Earn", "equity": "100",
                     "coinDetail": [{"coin": "BTC", "equity": "0.001"}]},
                    {"category": "Launchpool", "equity": "20", "coinDetail": []},
                ],
            },
            {"accountType": "FundingAccount", "totalEquity": "10", "valuationCurrency": "USD",
             "snapshotTime": str(NOW_MS), "coinDetail": [{"coin": "USDT", "equity": "10"}]},
        ],
    }  # fmt: skip
    from bybit_research.account.assets import asset_overview

    frame = asset_overview(FakeClient(lambda path, params: answer))
    assert frame["account_type"].tolist() == ["Earn", "Earn", "FundingAccount"]
    assert frame["category"].tolist()[:2] == ["Easy Earn", "Launchpool"] and pd.isna(
        frame["category"].iloc[2]
    )
    assert frame["category_equity"].tolist()[:2] == [100.0, 20.0] and np.isnan(
        frame["category_equity"].iloc[2]
    )
    assert (
        frame["coin"].tolist()[0] == "BTC"
        and pd.isna(frame["coin"].iloc[1])
        and frame["coin"].iloc[2] == "USDT"
    )
    assert (
        frame["equity"].iloc[0] == 0.001
        and np.isnan(frame["equity"].iloc[1])
        and frame["equity"].iloc[2] == 10.0
    )
    assert frame["total_equity"].tolist() == [120.0, 120.0, 10.0]


def test_coin_balance_is_one_typed_row(client: MarketClient) -> None:
    usdt = client.coin_balance("usdt", to_account_type="FUND", with_transfer_safe_amount=True)
    answer = raw(
        client,
        "/v5/asset/transfer/query-account-coin-balance",
        accountType="UNIFIED",
        coin="USDT",
        toAccountType="FUND",
        withTransferSafeAmount=1,
    )
    assert usdt.index.tolist() == ["USDT"] and usdt.index.name == "coin"
    row = usdt.loc["USDT"]
    assert row["account_type"] == answer["accountType"] and row["member_id"] == answer["memberId"]
    assert row["biz_type"] == answer["bizType"] and row["account_id"] == answer["accountId"]
    balance = answer["balance"]
    assert row["wallet_balance"] == float(balance["walletBalance"])
    assert row["transfer_safe_amount"] == float(balance["transferSafeAmount"])
    assert np.isnan(row["ltv_transfer_safe_amount"])  # not asked for: ""
    assert usdt.dtypes.astype(str).to_dict() == {
        "account_type": "str",
        "biz_type": "Int64",
        "account_id": "str",
        "member_id": "str",
        "wallet_balance": "float64",
        "transfer_balance": "float64",
        "bonus": "float64",
        "transfer_safe_amount": "float64",
        "ltv_transfer_safe_amount": "float64",
    }
    assert usdt.attrs["params"] == {
        "accountType": "UNIFIED",
        "coin": "USDT",
        "toAccountType": "FUND",
        "withTransferSafeAmount": 1,
    }
    fund = client.coin_balance("USDT", "fund")
    assert fund.loc["USDT", "account_type"] == "FUND"
    assert (
        fund.loc["USDT", "wallet_balance"] == client.all_coins_balance("FUND").loc["USDT", "wallet_balance"]
    )


def test_coin_info_is_a_row_per_coin_and_chain(client: MarketClient) -> None:
    info = client.coin_info()
    rows = raw(client, "/v5/asset/coin/query-info")["rows"]
    flat = [(r["coin"], chain) for r in rows for chain in r["chains"]]
    assert info.index.tolist() == [coin for coin, _ in flat] and not info.index.is_unique
    assert info["chain"].tolist() == [chain["chain"] for _, chain in flat]
    assert info["chain_deposit"].tolist() == [chain["chainDeposit"] == "1" for _, chain in flat]
    assert str(info.dtypes["chain_deposit"]) == "boolean" and info.dtypes["confirmation"] == "Int64"
    fees = [float(chain["withdrawFee"]) if chain["withdrawFee"] else np.nan for _, chain in flat]
    np.testing.assert_array_equal(info["withdraw_fee"].to_numpy(), np.array(fees))
    btc = client.coin_info("btc")
    assert set(btc.index) == {"BTC"} and len(btc) == (info.index == "BTC").sum()


def test_pay_info_lists_the_collateral_and_the_liability(client: MarketClient) -> None:
    info = client.pay_info()
    answer = raw(client, "/v5/account/pay-info")
    listed = answer["collateralInfo"]["collateralList"]
    assert info.index.tolist() == [r["coin"] for r in listed]
    for row in listed:
        assert info.loc[row["coin"], "available_value"] == float(row["availableValue"])
        assert info.loc[row["coin"], "coin_scale"] == row["coinScale"]
    borrow = answer["borrowInfo"]
    assert info.attrs["summary"] == {
        "coin": None,
        "borrow_size": float(borrow["borrowSize"]),
        "borrow_value": None,
        "asset_frozen": float(borrow["assetFrozen"]),
        "available_balance": float(borrow["availableBalance"]),
    }
    # the demo account owes USDC: its liability is the wallet's borrowing
    wallet = client.wallet_balance()
    assert info.loc["USDC", "borrow_size"] == pytest.approx(wallet.loc["USDC", "borrow_amount"], abs=1e-6)
    usdc = client.pay_info("usdc")
    assert usdc.attrs["summary"]["coin"] == "USDC" and usdc.attrs["summary"]["borrow_value"] > 0


def test_user_settings_and_api_key(client: MarketClient) -> None:
    settings = client.user_settings()
    answer = raw(client, "/v5/account/user-setting-config")
    assert settings.to_dict("records") == [
        {"lpa_spot": answer["lpaSpot"], "lpa_perp": answer["lpaPerp"], "smsef": answer["smsef"],
         "fmsef": answer["fmsef"], "delta_enable": answer["deltaEnable"] == "1"}
    ]  # fmt: skip
    assert str(settings.dtypes["lpa_spot"]) == "bool" and str(settings.dtypes["delta_enable"]) == "boolean"
    key = client.api_key_info()
    info = raw(client, "/v5/user/query-api")
    row = key.iloc[0]
    assert row["api_key"] == info["apiKey"] == DEMO_API_KEY and row["read_only"] == 0
    assert json.loads(row["permissions"]) == info["permissions"] and json.loads(row["ips"]) == info["ips"]
    assert row["created_at"] == pd.Timestamp(info["createdAt"]) and row["created_at"] < row["expired_at"]
    assert str(key.dtypes["expired_at"]) == UTC_MS and key.dtypes["user_id"] == "Int64"
    assert row["user_id"] == info["userID"] and row["uta"] == 1 and pd.isna(row["secret"])


def test_the_api_key_answer_is_never_cached(app: Any, tmp_path: Path) -> None:
    with Client(
        base_url="http://sim.test",
        transport=httpx.WSGITransport(app=app),
        cache_path=str(tmp_path / "c.sqlite"),
        cache_private=True,
        api_key=DEMO_API_KEY,
        api_secret=DEMO_API_SECRET,
    ) as cached:
        cached.api_key_info()
        cached.user_settings()
        app.reset_counts()  # the first signed call may also have synced the clock
        cached.api_key_info()
        cached.user_settings()
        assert app.requests["/v5/user/query-api"] == 1  # asked again
        assert app.requests["/v5/account/user-setting-config"] == 0  # the other private answers are cached
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert DEMO_API_KEY.encode() not in stored


def test_account_instruments_are_the_markets_with_rpi_flags(client: MarketClient, app: Any) -> None:
    mine = client.account_instruments("linear")
    market = client.instruments("linear")
    assert mine.index.tolist() == market.index.tolist()
    shared = [c for c in market.columns if c in mine.columns]
    assert len(shared) == len(market.columns)  # every column of the market's instruments
    pd.testing.assert_frame_equal(mine[shared], market[shared], check_like=True)
    answer = raw(client, "/v5/account/instruments-info", category="linear", limit=200)
    assert mine["is_public_rpi"].tolist() == [r["isPublicRpi"] for r in answer["list"]]
    assert mine["is_public_rpi"].any() and not mine["is_public_rpi"].all()
    assert (mine["my_rpi_permission"] == mine["is_public_rpi"]).all() and str(
        mine.dtypes["is_public_rpi"]
    ) == "bool"
    spot = client.account_instruments("spot", symbol="btcusdt")
    assert spot.index.tolist() == ["BTCUSDT"] and bool(spot.loc["BTCUSDT", "is_public_rpi"])
    assert "base_precision" in spot.columns


def test_account_instruments_follow_the_cursor_with_the_largest_page() -> None:
    pages = {
        "": {
            "category": "linear",
            "list": [{"symbol": "AUSDT", "isPublicRpi": True}],
            "nextPageCursor": "c2",
        },
        "c2": {
            "category": "linear",
            "list": [{"symbol": "BUSDT", "isPublicRpi": False}],
            "nextPageCursor": "",
        },
    }
    fake = FakeClient(lambda path, params: pages[params.get("cursor", "")])
    frame = account_instruments(fake, "linear")
    assert frame.index.tolist() == ["AUSDT", "BUSDT"] and frame["is_public_rpi"].tolist() == [True, False]
    assert [call[1] for call in fake.calls] == [
        {"category": "linear", "limit": 200},
        {"category": "linear", "limit": 200, "cursor": "c2"},
    ]
    spot = FakeClient(lambda path, params: {"category": "spot", "list": []})
    account_instruments(spot, "spot")
    assert spot.calls[0][1] == {"category": "spot"}  # spot is one page and takes no limit


def test_spot_margin_tiers_are_a_row_per_tier(client: MarketClient) -> None:
    tiers = client.spot_margin_tiers()
    answer = raw(client, "/v5/spot-margin-trade/position-tiers")["list"]
    flat = [(c["currency"], t) for c in answer for t in c["positionTiersRatioList"]]
    assert tiers.index.tolist() == [coin for coin, _ in flat]
    assert tiers["tier"].tolist() == [int(t["tier"]) for _, t in flat]
    assert tiers["position_imr"].tolist() == [float(t["positionIMR"]) for _, t in flat]
    for coin, rows in tiers.groupby(level="currency", sort=False):
        assert rows["tier"].tolist() == list(range(1, len(rows) + 1)), coin
        assert rows["borrow_limit"].is_monotonic_increasing and rows["position_imr"].is_monotonic_increasing
    assert tiers.dtypes.astype(str).to_dict() == {
        "tier": "Int64",
        "borrow_limit": "float64",
        "position_mmr": "float64",
        "position_imr": "float64",
        "max_leverage": "float64",
    }
    assert client.spot_margin_tiers("usdc").index.unique().tolist() == ["USDC"]


def test_spot_trade_analysis_sums_the_spot_fills(client: MarketClient, app: Any) -> None:
    start, end = NOW - pd.Timedelta(days=60), NOW - pd.Timedelta(days=1)
    analysis = client.spot_trade_analysis("btcusdt", start, end)
    s_ms, e_ms = int(start.value // 10**6), int(end.value // 10**6)
    answer = raw(
        client, "/v5/account/trade-info-for-analysis", symbol="BTCUSDT", startTime=s_ms, endTime=e_ms - 1
    )
    assert analysis.attrs["params"] == {"symbol": "BTCUSDT", "startTime": s_ms, "endTime": e_ms - 1}
    assert analysis.index.name == "time" and str(analysis.index.dtype) == UTC_MS
    assert analysis["day"].tolist() == [d["day"] for d in answer["sumPriceList"]] and len(analysis) > 1
    assert analysis.index.tolist() == [pd.Timestamp(d["day"], tz="UTC") for d in answer["sumPriceList"]]
    summary = analysis.attrs["summary"]
    assert summary["sum_exec_value"] == float(answer["sumExecValue"]) and summary["base_coin"] == "BTC"
    assert analysis["sum_exec_value"].sum() == pytest.approx(summary["sum_exec_value"], rel=1e-9)
    # the sums are the account's own spot fills of the symbol in the range
    fills = client.executions("spot", start, end, symbol="BTCUSDT")
    assert float(Decimal(str(fills["exec_value"].sum()))) == pytest.approx(
        summary["sum_exec_value"], rel=1e-9
    )
    bought = fills.loc[fills["side"] == "Buy", "exec_qty"].sum()
    assert summary["sum_buy_exec_qty"] == pytest.approx(bought, rel=1e-9)
