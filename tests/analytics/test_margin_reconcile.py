"""Reconciliation of the simulator's demo account: our grid beside its report, cell by cell."""

from __future__ import annotations

import numpy as np
import pytest

from bybit_research.analytics import margin

from .conftest_margin import NOW, cell, demo_account

TABLES = [
    "perp_cells",
    "option_cells",
    "expiry_cells",
    "totals",
    "chosen_shocks",
    "contingency",
    "units",
    "account",
]


@pytest.mark.parametrize("mode", ["PORTFOLIO_MARGIN", "REGULAR_MARGIN"])
def test_the_calibrated_replica_reproduces_the_demo_account(mode: str) -> None:
    account = demo_account(mode)
    rec = margin.reconcile(account.report)
    summary = rec.summary
    assert list(summary.index) == TABLES
    expected_cells = {"perp_cells": 6 * 11, "option_cells": 4 * 33, "expiry_cells": 3 * 33, "totals": 9 * 11}
    for table, cells in expected_cells.items():
        assert summary.at[table, "cells"] == cells
    assert (summary["unmatched"] == 0).all()
    # Bybit prints 8 decimals: after calibration every cell agrees to a few 1e-8 USD
    assert summary["max_abs_residual"].max() < 1e-6, summary
    assert rec.notes == ()
    assert rec.account.loc[["account_im_rate", "account_mm_rate"], "residual"].tolist() == [0.0, 0.0]
    units = rec.units["residual"].abs()
    assert units.max() < 1e-6
    # the simulator's parameters, as calibration reads them off the report
    params = rec.params
    assert params.iv_shock_kind == "relative" and params.iv_dte_power == 0.0
    np.testing.assert_allclose(params.iv_shocks, (-0.2, 0.0, 0.2), atol=1e-9)
    for coin in ("BTC", "ETH", "SOL"):
        assert params.value("im_factor", coin) == pytest.approx(1.2, rel=1e-12)
        assert params.value("future_rate", coin) == pytest.approx(0.0002, rel=1e-9)
        assert params.value("price_range", coin) == 0.1 and params.value("price_points", coin) == 11
    assert params.value("option_short_rate", "ETH") == pytest.approx(0.002, rel=1e-9)
    assert params.value("option_vega_rate", "ETH") == pytest.approx(0.5, rel=1e-4)
    # the perpetuals' reference price: their marks (inverse contracts carry none)
    marks = account.report.perp_positions["mark_price"]
    expected = float(np.median([marks["BTCUSDT"], marks["BTCPERP"]]))
    assert cell(rec.calibration.units, "BTC", "perp_reference_price") == pytest.approx(expected, rel=1e-12)
    assert np.isnan(cell(rec.calibration.perps, "BTCUSD", "reference_price"))
    # borrowing margin lies outside the risk units: it is read off the wallet, not modelled
    assert cell(rec.account, "outside_mm", "bybit") > 0


def test_option_ivs_from_the_market_instead_of_the_report() -> None:
    account = demo_account("PORTFOLIO_MARGIN")
    rec = margin.reconcile(account.report, chain=account.chain)
    assert "option forwards and IVs come from the chain" in rec.notes[-1]
    options = rec.option_cells
    # the chain rounds IVs to 4 decimals and forwards to cents: cells agree to a few cents, not to 1e-8
    assert options["residual"].abs().max() < 0.05
    assert options["residual"].abs().max() > 1e-7
    assert cell(rec.summary, "units", "max_abs_residual") < 0.05
    market = rec.replica.book.loc["ETH-25JUN27-4750-C"]
    chain_row = account.chain.loc["ETH-25JUN27-4750-C"]
    assert market["iv"] == chain_row["mark_iv"] and market["price"] == chain_row["underlying_price"]


def test_the_positions_and_chain_of_the_account_give_its_margin() -> None:
    account = demo_account("PORTFOLIO_MARGIN")
    replica = margin.replicate(account.positions, account.chain, now=NOW, equity=account.report.equity)
    reported = account.report.risk_units
    np.testing.assert_allclose(replica.units["asset_mm"], reported["asset_mm"], atol=0.05)
    np.testing.assert_allclose(replica.units["option_contingency"], reported["option_contingency"], atol=1e-8)
    np.testing.assert_allclose(replica.units["future_contingency"], reported["future_contingency"], atol=1e-8)
    assert replica.units["max_loss_price_move"].tolist() == reported["max_loss_price_move"].tolist()
    units = margin.risk_units(account.positions, account.chain, now=NOW)
    assert list(units.loc["BTC", ["perpetuals", "futures", "options", "expiries"]]) == [3, 1, 2, 1]
    assert units.at["ETH", "short_option_contracts"] == 3.7


def test_the_wrong_parameters_show_in_the_residuals() -> None:
    account = demo_account("PORTFOLIO_MARGIN")
    rec = margin.reconcile(account.report, params=margin.PRE_2025_PARAMS)
    # BTC and ETH at +-15 % in 3 % steps share only -6 %, 0 and +6 % with the report's 2 % steps (5 perps);
    # SOL keeps +-10 % before 2025 as after (1 perp)
    assert rec.summary.at["perp_cells", "cells"] == 5 * 3 + 1 * 11
    assert rec.summary.at["perp_cells", "unmatched"] == 5 * (11 + 11 - 2 * 3)
    assert cell(rec.units, ("BTC", "asset_mm"), "ours") > cell(rec.units, ("BTC", "asset_mm"), "bybit") * 1.3
    wider = margin.reconcile(
        account.report, params=margin.DEFAULT_PARAMS.override(iv_shocks=(-0.3, 0.0, 0.3))
    )
    assert cell(wider.summary, "option_cells", "max_abs_residual") > 10.0


def test_bad_reconciliation_input() -> None:
    account = demo_account("PORTFOLIO_MARGIN")
    five = margin.DEFAULT_PARAMS.override(iv_shocks=(-0.2, -0.1, 0.0, 0.1, 0.2))
    with pytest.raises(ValueError, match="the report has 3 IV shocks per option, params has 5"):
        margin.reconcile(account.report, params=five)
    with pytest.raises(ValueError, match=r"the chain has no row for the report's option\(s\)"):
        margin.reconcile(account.report, chain=account.chain.drop(index="BTC-26MAR27-100000-P"))
    with pytest.raises(ValueError, match="the option chain needs the columns"):
        margin.reconcile(account.report, chain=account.chain.drop(columns="mark_iv"))


# The official example of /v5/asset/portfolio-margin (V5 reference §5.13), shortened there to 3 price points
# and without its positions: nothing in it can be rebuilt, and reconcile says so instead of inventing any.
DOCS_EXAMPLE = {
    "wallet": {
        "equity": "52197.86892104",
        "cashBalance": "45391.74423708",
        "marginBalance": "52145.70917115",
        "availableBalance": "50893.36062347",
        "accountIM": "1304.50829757",
        "accountMM": "1069.93399838",
        "accountMMRate": "0.0204",
        "accountIMRate": "0.0249",
    },
    "assetPnlRange": [
        {
            "baseCoin": "BTC",
            "totalPnlRanges": {
                "ALL": {
                    "pnlRanges": [
                        {"priceScale": "-0.1", "pnls": ["-1004.74710000"]},
                        {"priceScale": "0.0", "pnls": ["-11.36910000"]},
                        {"priceScale": "0.1", "pnls": ["1016.16720000"]},
                    ]
                }
            },
            "perpPositionPnlRanges": [],
            "optionExpiryDatePnlRanges": [
                {
                    "expiryDateRepresentation": "25SEP26",
                    "pnlRanges": [
                        {"priceScale": "-0.1", "pnls": ["-24.06747339", "-33.15841013", "-39.65273684"]}
                    ],
                    "optionPositionPnlRanges": [],
                }
            ],
            "contingency": {
                "optionContingency": "0.00000000",
                "futureDeltaContingency": "56.89174177",
                "optionVegaContingency": "0.00000000",
                "contingencyComponents": "57.69544638",
                "usdtUsdcContingency": "0.00000000",
                "futureContingency": "0.80370460",
            },
            "asset": {"coin": "BTC", "assetIM": "1274.8190514137673", "assetMM": "1062.3492095114727"},
            "maxLossPriceMove": "-0.1",
            "maxLossIvShock": "-0.2",
            "totalClosePzFee": "-0.2",
            "spotHedgeInfo": {
                "hedgeSpotSize": "-0.00100006",
                "walletBalance": "-0.00000007",
                "usdIndexPrice": "0",
                "pnlRanges": [],
            },
            "maxLossIvShockList": ["-0.2"],
        }
    ],
}


def test_the_documented_example_is_read_but_cannot_be_rebuilt() -> None:
    report = margin.parse_portfolio_margin(DOCS_EXAMPLE, time=1_774_319_290_506)
    unit = report.risk_units.loc["BTC"]
    # the documented identities: IM = 1.2 x MM; MM = |min ALL| + contingency (1062.44 vs 1062.35 reported)
    assert unit["asset_im"] / unit["asset_mm"] == pytest.approx(1.2, rel=1e-12)
    assert unit["contingency_components"] == pytest.approx(56.89174177 + 0.80370460, abs=1e-8)
    assert 1004.7471 + unit["contingency_components"] - unit["asset_mm"] == pytest.approx(0.0934, abs=1e-4)
    assert margin.truncate_rate(1069.93399838 / 52197.86892104) == report.wallet["account_mm_rate"].iloc[0]
    assert margin.truncate_rate(1304.50829757 / 52197.86892104) == report.wallet["account_im_rate"].iloc[0]
    rec = margin.reconcile(report)
    assert any("future_delta_contingency 56.89174177 reported" in note for note in rec.notes)
    assert any("future_contingency 0.8037046 reported" in note for note in rec.notes)
    assert cell(rec.units, ("BTC", "asset_mm"), "residual") == pytest.approx(-1062.3492095114727)
    # the spot hedge (-0.00100006 BTC, index 0, no P&L ranges) is not in Bybit's grid: noted, not valued
    assert "BTC: spot hedge -0.00100006 is not in Bybit's grid (no pnlRanges); left out" in rec.notes
    assert rec.calibration.positions.empty
