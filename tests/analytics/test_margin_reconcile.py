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
