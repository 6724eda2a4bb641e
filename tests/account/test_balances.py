"""Balances and settings of the demo account: values, dtypes and totals against what the exchange answers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest

from bybit_research.sim import DEMO_API_KEY, DEMO_API_SECRET
from tests.conftest import NOW_MS, MarketClient

UTC_MS = "datetime64[ms, UTC]"


def raw(client: MarketClient, path: str, params: dict[str, Any] | None = None) -> Any:
    return client.get(path, params or {}, auth=True)


def test_wallet_balance_is_one_row_per_coin_with_the_account_totals(client: MarketClient, app: Any) -> None:
    wallet = client.wallet_balance()
    account = raw(client, "/v5/account/wallet-balance", {"accountType": "UNIFIED"})["list"][0]
    assert wallet.index.name == "coin" and wallet.index.tolist() == [c["coin"] for c in account["coin"]]
    assert "total_equity" not in wallet.columns and "account_type" not in wallet.columns
    for row in account["coin"]:
        assert wallet.loc[row["coin"], "equity"] == float(Decimal(row["equity"]))
        assert wallet.loc[row["coin"], "wallet_balance"] == float(Decimal(row["walletBalance"]))
    assert wallet.dtypes["equity"] == np.float64 and str(wallet.dtypes["margin_collateral"]) == "bool"
    summary = wallet.attrs["summary"]
    assert summary["account_type"] == "UNIFIED"
    assert summary["total_equity"] == float(account["totalEquity"])
    assert summary["account_mm_rate"] == float(account["accountMMRate"])
    # the account's equity in USD is the sum of the coins' USD values
    assert wallet["usd_value"].sum() == pytest.approx(summary["total_equity"], rel=1e-9)


def test_account_summary_is_a_typed_row_and_reuses_a_wallet_frame(client: MarketClient, app: Any) -> None:
    wallet = client.wallet_balance()
    before = app.requests["/v5/account/wallet-balance"]
    summary = client.account_summary(wallet=wallet)
    assert app.requests["/v5/account/wallet-balance"] == before  # nothing asked again
    assert summary.index.tolist() == ["UNIFIED"] and summary.index.name == "account_type"
    assert summary.loc["UNIFIED", "total_equity"] == wallet.attrs["summary"]["total_equity"]
    assert (summary.dtypes == np.float64).all() and len(summary.columns) == 14
    fresh = client.account_summary()
    pd.testing.assert_frame_equal(fresh, summary)
    with pytest.raises(ValueError, match=r"expects a frame of wallet_balance\(\)"):
        client.account_summary(wallet=pd.DataFrame({"x": [1]}))


def test_coins_balance_of_the_funding_and_unified_accounts(client: MarketClient) -> None:
    fund = client.all_coins_balance("fund")
    answer = raw(client, "/v5/asset/transfer/query-account-coins-balance", {"accountType": "FUND"})
    assert fund.index.tolist() == [row["coin"] for row in answer["balance"]]
    assert fund.attrs["summary"] == {"account_type": "FUND", "member_id": answer["memberId"]}
    assert fund.loc["USDT", "wallet_balance"] == float(answer["balance"][0]["walletBalance"])
    unified = client.all_coins_balance("UNIFIED", ["BTC", "usdt"])
    wallet = client.wallet_balance(coin=["BTC", "USDT"])
    np.testing.assert_allclose(unified["wallet_balance"], wallet.loc[unified.index, "wallet_balance"])


def test_account_info_fee_rates_collateral_greeks_and_mmp(client: MarketClient, app: Any) -> None:
    info = client.account_info()
    assert info["margin_mode"].tolist() == ["REGULAR_MARGIN"] and info["unified_margin_status"].tolist() == [
        5
    ]
    assert str(info.dtypes["updated_time"]) == UTC_MS and info.dtypes["unified_margin_status"] == "Int64"
    fees = client.fee_rates("linear")
    listed = app.exchange.market.instruments("linear", NOW_MS)
    assert sorted(fees["symbol"]) == sorted(inst.symbol for inst in listed)
    assert (fees["taker_fee_rate"] > fees["maker_fee_rate"]).all()
    options = client.fee_rates("option", base_coin="btc")
    assert options["base_coin"].tolist() == ["BTC"] and options["symbol"].isna().all()
    collateral = client.collateral_info()
    assert collateral.index.name == "currency" and str(collateral.dtypes["borrowable"]) == "bool"
    assert client.collateral_info("usdt").index.tolist() == ["USDT"]
    greeks = client.coin_greeks()
    held = client.positions("option")
    for coin, row in greeks.iterrows():
        mine = held[held.index.str.startswith(f"{coin}-")]
        assert row["total_delta"] == pytest.approx(mine["delta"].sum(), abs=1e-7)
        assert row["total_vega"] == pytest.approx(mine["vega"].sum(), abs=1e-6)
    mmp = client.mmp_state("BTC")
    assert mmp.index.tolist() == ["BTC"] and str(mmp.dtypes["mmp_enabled"]) == "bool"
    assert str(mmp.dtypes["mmp_frozen_until"]) == UTC_MS


def test_the_demo_key_is_the_offline_default() -> None:
    assert DEMO_API_KEY and DEMO_API_SECRET  # used by Client(env="offline") without arguments
