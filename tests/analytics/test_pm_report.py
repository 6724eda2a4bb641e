"""The parser of /v5/asset/portfolio-margin: every field kept, typed, in frames a researcher can use."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from bybit_research.analytics.pm_report import parse_portfolio_margin, snake_case

from .conftest_margin import NOW, cell, demo_account


@pytest.fixture(scope="module")
def raw() -> dict:
    return demo_account("PORTFOLIO_MARGIN").raw


@pytest.fixture(scope="module")
def report(raw: dict):
    return parse_portfolio_margin(raw, time=NOW.value // 1_000_000)


def _unit(raw: dict, coin: str) -> dict:
    return next(unit for unit in raw["assetPnlRange"] if unit["baseCoin"] == coin)


def test_snake_case_of_bybit_names() -> None:
    names = [
        "assetIM",
        "maxLossPriceMove",
        "usdtUsdcContingency",
        "totalClosePzFee",
        "accountMMRate",
        "equity",
    ]
    assert [snake_case(n) for n in names] == [
        "asset_im",
        "max_loss_price_move",
        "usdt_usdc_contingency",
        "total_close_pz_fee",
        "account_mm_rate",
        "equity",
    ]


def test_wallet_is_one_float_row_with_every_field(report, raw: dict) -> None:
    wallet = report.wallet
    assert list(wallet.columns) == [snake_case(key) for key in raw["wallet"]]
    assert len(wallet) == 1 and all(wallet.dtypes == np.float64)
    for key, value in raw["wallet"].items():
        assert wallet[snake_case(key)].iloc[0] == float(value)
    assert report.equity == float(raw["wallet"]["equity"])
    assert report.time == NOW


def test_risk_units_carry_margin_contingency_and_max_loss_scenario(report, raw: dict) -> None:
    units = report.risk_units
    assert list(units.index) == [unit["baseCoin"] for unit in raw["assetPnlRange"]] == ["BTC", "ETH", "SOL"]
    assert units.index.name == "base_coin"
    expected = ["coin", "asset_im", "asset_mm", "option_contingency", "future_delta_contingency"]
    assert list(units.columns[:5]) == expected
    eth = _unit(raw, "ETH")
    assert units.at["ETH", "asset_mm"] == float(eth["asset"]["assetMM"])
    assert units.at["ETH", "option_contingency"] == float(eth["contingency"]["optionContingency"])
    assert units.at["ETH", "max_loss_iv_shock"] == float(eth["maxLossIvShock"])
    assert units.at["SOL", "max_loss_price_move"] == float(_unit(raw, "SOL")["maxLossPriceMove"])
    assert units.at["BTC", "total_close_pz_fee"] == float(_unit(raw, "BTC")["totalClosePzFee"])
    numeric = units.drop(columns="coin")
    assert all(numeric.dtypes == np.float64)
    assert units["coin"].tolist() == ["BTC", "ETH", "SOL"]


def test_scenario_matrix_rows_are_moves_columns_unit_by_part(report, raw: dict) -> None:
    matrix = report.scenarios
    assert matrix.index.name == "price_move"
    np.testing.assert_allclose(matrix.index, np.linspace(-0.1, 0.1, 11), atol=1e-12)
    assert matrix.columns.names == ["base_coin", "part"]
    assert set(matrix.columns) == {
        (c, p) for c in ("BTC", "ETH", "SOL") for p in ("ALL", "PERPETUAL", "OPTION")
    }
    all_btc = [float(row["pnls"][0]) for row in _unit(raw, "BTC")["totalPnlRanges"]["ALL"]["pnlRanges"]]
    assert matrix[("BTC", "ALL")].tolist() == all_btc
    # Bybit's identity: ALL = PERPETUAL + OPTION (no spot hedge here), to its 8 decimals
    for coin in ("BTC", "ETH", "SOL"):
        total = matrix[(coin, "PERPETUAL")] + matrix[(coin, "OPTION")]
        np.testing.assert_allclose(matrix[(coin, "ALL")], total, atol=2e-8)


def test_perp_positions_and_their_grid(report, raw: dict) -> None:
    perps = report.perp_positions
    raw_perps = [
        (unit["baseCoin"], p) for unit in raw["assetPnlRange"] for p in unit["perpPositionPnlRanges"]
    ]
    assert list(perps.index) == [p["symbolName"] for _, p in raw_perps]
    assert perps["contract_type"].dtype == "Int64" and perps["position"].dtype == np.float64
    for coin, p in raw_perps:
        row = perps.loc[p["symbolName"]]
        assert row["base_coin"] == coin and row["settle_coin"] == p["settleCoin"]
        assert row["position"] == float(p["position"]) and row["mark_price"] == float(p["markPrice"])
        assert row["contract_type"] == p["contractType"] and row["symbol_alias"] == p["symbolAlias"]
    grid = report.perp_pnl
    assert grid.index.names == ["symbol", "price_move"]
    assert len(grid) == sum(len(p["pnlRanges"]) for _, p in raw_perps)
    # an inverse contract (settled in its base coin) is sized in USD: its grid is contracts x move
    inverse = [p for coin, p in raw_perps if p["settleCoin"] == coin]
    assert inverse, "the demo account holds an inverse contract"
    for p in inverse:
        pnl = grid.loc[p["symbolName"], "pnl"]
        np.testing.assert_allclose(pnl.to_numpy(), float(p["position"]) * pnl.index.to_numpy(), atol=1e-8)


def test_option_grids_per_position_and_per_expiry(report, raw: dict) -> None:
    options = report.option_positions
    listed = [
        (unit["baseCoin"], expiry["expiryDateRepresentation"], option)
        for unit in raw["assetPnlRange"]
        for expiry in unit["optionExpiryDatePnlRanges"]
        for option in expiry["optionPositionPnlRanges"]
    ]
    assert list(options.index) == [option["symbolName"] for _, _, option in listed]
    for coin, code, option in listed:
        row = options.loc[option["symbolName"]]
        assert (row["base_coin"], row["expiry"]) == (coin, code)
        assert row["position"] == float(option["position"]) and row["mark_price"] == float(
            option["markPrice"]
        )
    cells = report.option_pnl
    assert cells.index.names == ["symbol", "price_move", "iv_shock_index"]
    shocks = len(listed[0][2]["pnlRanges"][0]["pnls"])
    assert (
        len(cells) == len(listed) * len(report.scenarios.index) * shocks and cells["pnl"].dtype == np.float64
    )
    # the last option's top price point, last IV shock
    _, _, last = listed[-1]
    top = last["pnlRanges"][-1]
    key = (last["symbolName"], float(top["priceScale"]), shocks - 1)
    assert cells.at[key, "pnl"] == float(top["pnls"][-1])
    # per expiry = sum of its options, to Bybit's 8 decimals
    per_expiry = report.expiry_pnl["pnl"]
    summed = cells.reset_index().groupby(["base_coin", "expiry", "price_move", "iv_shock_index"])["pnl"].sum()
    pd.testing.assert_series_equal(per_expiry.sort_index(), summed.sort_index(), atol=2e-8, check_names=False)


def test_spot_hedge_and_chosen_iv_shocks(report, raw: dict) -> None:
    hedge = report.spot_hedge
    assert list(hedge.columns) == ["hedge_spot_size", "wallet_balance", "usd_index_price"]
    chosen = report.max_loss_iv_shocks
    assert chosen.index.names == ["base_coin", "point"]
    for unit in raw["assetPnlRange"]:
        coin = unit["baseCoin"]
        assert hedge.at[coin, "usd_index_price"] == float(unit["spotHedgeInfo"]["usdIndexPrice"])
        assert hedge.at[coin, "hedge_spot_size"] == float(unit["spotHedgeInfo"]["hedgeSpotSize"])
        assert chosen.loc[coin, "iv_shock"].tolist() == [float(s) for s in unit["maxLossIvShockList"]]
        moves = [float(row["priceScale"]) for row in unit["totalPnlRanges"]["ALL"]["pnlRanges"]]
        assert chosen.loc[coin, "price_move"].tolist() == moves
    np.testing.assert_allclose(chosen.loc["BTC", "price_move"], np.linspace(-0.1, 0.1, 11), atol=1e-12)


def test_fields_the_parser_does_not_know_are_kept(raw: dict) -> None:
    changed = copy.deepcopy(raw)
    changed["newTopLevel"] = {"x": 1}
    changed["wallet"]["totalBonus"] = "12.5"
    unit = changed["assetPnlRange"][0]
    unit["riskTier"] = 3
    unit["extraInfo"] = {"haircutLoss": "1.25", "mode": "PM"}
    unit["contingency"]["newContingency"] = "0.5"
    unit["totalPnlRanges"]["FUTURE"] = {"pnlRanges": [{"priceScale": "0.0", "pnls": ["4"]}]}
    unit["perpPositionPnlRanges"][0]["leverageTier"] = "2"
    unit["spotHedgeInfo"]["hedgeRatio"] = "0.75"
    first_expiry = unit["optionExpiryDatePnlRanges"][0]
    first_expiry["daysToExpiry"] = "115"
    parsed = parse_portfolio_margin(changed)
    assert parsed.extra == {"newTopLevel": {"x": 1}}
    assert parsed.wallet["total_bonus"].iloc[0] == 12.5
    units = parsed.risk_units
    assert units.at["BTC", "risk_tier"] == 3 and units["risk_tier"].dtype == "Int64"
    assert units.at["BTC", "haircut_loss"] == 1.25 and units.at["BTC", "mode"] == "PM"
    assert units.at["BTC", "new_contingency"] == 0.5 and np.isnan(cell(units, "ETH", "new_contingency"))
    assert parsed.scenarios.at[0.0, ("BTC", "FUTURE")] == 4.0
    assert parsed.perp_positions.at["BTCUSD", "leverage_tier"] == 2.0
    assert parsed.spot_hedge.at["BTC", "hedge_ratio"] == 0.75
    code = first_expiry["expiryDateRepresentation"]
    assert parsed.expiries.at[(unit["baseCoin"], code), "days_to_expiry"] == 115.0
    assert parsed.time is None


def test_spot_hedge_ranges_become_a_scenario_part(raw: dict) -> None:
    changed = copy.deepcopy(raw)
    hedge = changed["assetPnlRange"][0]["spotHedgeInfo"]
    hedge["hedgeSpotSize"] = "-0.5"
    hedge["pnlRanges"] = [
        {"priceScale": "-0.1", "pnls": ["5629.0"]},
        {"priceScale": "0.1", "pnls": ["-5629.0"]},
    ]
    parsed = parse_portfolio_margin(changed)
    spot = parsed.scenarios[("BTC", "SPOT_HEDGE")]
    assert spot.dropna().to_dict() == {-0.1: 5629.0, 0.1: -5629.0}
    assert ("ETH", "SPOT_HEDGE") not in parsed.scenarios.columns
    assert parsed.spot_hedge.at["BTC", "hedge_spot_size"] == -0.5


def test_an_account_without_risk_units_gives_empty_frames() -> None:
    parsed = parse_portfolio_margin({"wallet": {"equity": "100", "accountIM": "0"}, "assetPnlRange": []})
    assert parsed.wallet[["equity", "account_im"]].iloc[0].tolist() == [100.0, 0.0]
    assert parsed.risk_units.empty and parsed.risk_units.index.name == "base_coin"
    assert parsed.scenarios.empty and parsed.scenarios.columns.names == ["base_coin", "part"]
    assert parsed.option_pnl.empty and list(parsed.option_pnl.columns) == ["base_coin", "expiry", "pnl"]
    assert parsed.perp_positions.empty and "position" in parsed.perp_positions.columns


def test_regular_margin_account_answers_the_same_shape() -> None:
    raw = demo_account("REGULAR_MARGIN").raw
    regular = parse_portfolio_margin(raw)
    assert list(regular.risk_units.index) == [unit["baseCoin"] for unit in raw["assetPnlRange"]]
    cells = sum(
        len(row["pnls"])
        for unit in raw["assetPnlRange"]
        for expiry in unit["optionExpiryDatePnlRanges"]
        for option in expiry["optionPositionPnlRanges"]
        for row in option["pnlRanges"]
    )
    assert len(regular.option_pnl) == cells > 0


@pytest.mark.parametrize(
    ("result", "message"),
    [
        ([], "result must be the dict of /v5/asset/portfolio-margin"),
        ({"assetPnlRange": [{"asset": {}}]}, "needs a baseCoin"),
    ],
)
def test_bad_input(result, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_portfolio_margin(result)
