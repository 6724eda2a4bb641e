"""Calibration recovers known parameters from reports our own replica wrote with them."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from bybit_research.analytics import margin
from bybit_research.analytics.margin_fit import shock_weights

NOW = pd.Timestamp("2026-12-01 08:00", tz="UTC")

OPTIONS = {
    # symbol: (side, size, forward, iv)
    "BTC-11DEC26-95000-P": ("Sell", 0.7, 100_100.0, 0.58),
    "BTC-25DEC26-100000-C": ("Sell", 1.0, 100_300.0, 0.55),
    "BTC-25DEC26-110000-C": ("Buy", 0.5, 100_300.0, 0.52),
    "BTC-26MAR27-100000-P": ("Buy", 0.4, 101_200.0, 0.60),
    "ETH-25DEC26-4000-C": ("Sell", 2.0, 4_010.0, 0.70),
    "ETH-25DEC26-3800-P": ("Sell", 4.0, 4_010.0, 0.75),
}
LINEAR = [
    ("BTCUSDT", "linear", "Buy", 0.5, 100_000.0),
    ("BTCPERP", "linear", "Sell", 0.2, 100_010.0),
    ("BTCUSDT-25DEC26", "linear", "Sell", 0.3, 100_500.0),
    ("BTCUSD", "inverse", "Buy", 10_000.0, 100_020.0),
    ("ETHUSDT", "linear", "Sell", 3.0, 4_000.0),
]


def _book() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = LINEAR + [(s, "option", side, size, 0.0) for s, (side, size, _, _) in OPTIONS.items()]
    positions = pd.DataFrame(rows, columns=["symbol", "category", "side", "size", "mark_price"]).set_index(
        "symbol"
    )
    chain = pd.DataFrame(
        [(s, f, iv, 100_000.0 if s.startswith("BTC") else 4_000.0) for s, (_, _, f, iv) in OPTIONS.items()],
        columns=["symbol", "underlying_price", "mark_iv", "index_price"],
    ).set_index("symbol")
    return positions, chain


KNOWN = {
    "absolute shocks scaled by DTE": margin.DEFAULT_PARAMS.override(
        iv_shocks=(-0.15, 0.0, 0.25),
        iv_shock_kind="absolute",
        iv_dte_power=0.3,
        im_factor={"BTC": 1.35},
        future_rate=0.0003,
        option_short_rate={"BTC": 0.0025},
        option_vega_rate=0.4,
        usdt_usdc_rate=0.0015,
        future_delta_rate=0.004,
        price_range={"ETH": 0.15},
        price_points={"ETH": 13},
    ),
    "relative shocks, pre-2025 range": margin.PRE_2025_PARAMS.override(
        iv_shocks=(-0.3, 0.0, 0.4), iv_dte_power=0.2, im_factor=1.25, option_short_rate=0.003
    ),
}


@pytest.mark.parametrize("label", list(KNOWN))
def test_calibration_recovers_the_parameters_of_a_rendered_report(label: str) -> None:
    known = KNOWN[label]
    positions, chain = _book()
    replica = margin.replicate(
        positions, chain, known, now=NOW, equity=500_000.0, outside_im=100.0, outside_mm=50.0
    )
    report = margin.parse_portfolio_margin(replica.to_report(), time=NOW)
    cal = margin.calibrate(report)
    assert cal.notes == ()
    got = cal.params
    assert got.iv_shock_kind == known.iv_shock_kind
    np.testing.assert_allclose(got.iv_shocks, known.iv_shocks, atol=1e-9)
    assert got.iv_dte_power == pytest.approx(known.iv_dte_power, abs=1e-8)
    for coin in ("BTC", "ETH"):
        for name in ("price_range", "price_points", "im_factor", "future_rate", "option_short_rate"):
            assert got.value(name, coin) == pytest.approx(known.value(name, coin), rel=1e-8), (name, coin)
    for name in ("option_vega_rate", "usdt_usdc_rate", "future_delta_rate"):  # only BTC holds these spreads
        assert got.value(name, "BTC") == pytest.approx(known.value(name, "BTC"), rel=1e-7), name
    # per option the forward and IV behind the grid
    fitted = cal.options.loc[list(OPTIONS)]
    np.testing.assert_allclose(fitted["forward"], [v[2] for v in OPTIONS.values()], rtol=1e-8)
    np.testing.assert_allclose(fitted["iv"], [v[3] for v in OPTIONS.values()], atol=1e-8)
    assert (fitted["fit_rmse"] < 1e-6).all() and (fitted["shock_rmse"] < 1e-6).all()
    assert cal.outside_im == pytest.approx(100.0) and cal.outside_mm == pytest.approx(50.0)
    # and the calibrated replica gives the report back
    again = margin.replicate(cal.positions, cal.market, cal.params, now=cal.now, equity=cal.equity)
    np.testing.assert_allclose(again.units["asset_mm"], replica.units["asset_mm"], rtol=1e-9)


def test_report_positions_follow_the_position_list_contract() -> None:
    positions, chain = _book()
    report = margin.parse_portfolio_margin(margin.replicate(positions, chain, now=NOW).to_report(), time=NOW)
    rebuilt = margin.report_positions(report)
    assert list(rebuilt.columns) == [
        "category",
        "side",
        "size",
        "mark_price",
        "base_coin",
        "settle_coin",
        "session_avg_price",
    ]
    assert list(rebuilt.loc["BTCUSD", ["category", "side", "size", "settle_coin"]]) == [
        "inverse",
        "Buy",
        10_000.0,
        "BTC",
    ]
    assert list(rebuilt.loc["ETH-25DEC26-3800-P", ["category", "side", "size"]]) == ["option", "Sell", 4.0]
    assert rebuilt.at["BTCPERP", "settle_coin"] == "USDC"
    assert set(rebuilt.index) == set(positions.index)


def test_calibration_needs_the_report_time() -> None:
    positions, chain = _book()
    result = margin.replicate(positions, chain, now=NOW).to_report()
    with pytest.raises(ValueError, match="the report carries no time; pass now="):
        margin.calibrate(result)
    cal = margin.calibrate(result, now=NOW)  # the raw dict is parsed on the way
    assert cal.now == NOW


def test_what_the_book_cannot_explain_is_noted() -> None:
    positions, chain = _book()
    result = margin.replicate(positions, chain, now=NOW).to_report()
    changed = copy.deepcopy(result)
    eth = next(unit for unit in changed["assetPnlRange"] if unit["baseCoin"] == "ETH")
    eth["contingency"]["futureDeltaContingency"] = "5.00000000"  # ETH holds one perpetual: nothing to hedge
    cal = margin.calibrate(changed, now=NOW)
    assert any("ETH: future_delta_contingency 5.0 reported" in note for note in cal.notes)


def test_a_small_far_option_does_not_spoil_the_shock() -> None:
    # Bybit prints 8 decimals: 0.01 of a far call moves by cents under a shock, so its shocked IV is noisy
    # (some 1e-10); weighted by how much each option's value moves, the shock comes from the big positions
    rows = [
        ("BTC-4DEC26-100000-P", "Buy", 2.0, 0.50),
        ("BTC-4DEC26-70000-P", "Buy", 0.01, 0.90),
        ("BTC-25DEC26-100000-C", "Buy", 5.0, 0.55),
        ("BTC-25DEC26-150000-C", "Sell", 0.01, 0.70),
    ]
    positions = pd.DataFrame(
        [(symbol, "option", side, size, 0.0) for symbol, side, size, _ in rows],
        columns=["symbol", "category", "side", "size", "mark_price"],
    ).set_index("symbol")
    chain = pd.DataFrame(
        {"underlying_price": 100_000.0, "mark_iv": [iv for *_, iv in rows], "index_price": 100_000.0},
        index=positions.index,
    )
    report = margin.parse_portfolio_margin(margin.replicate(positions, chain, now=NOW).to_report(), time=NOW)
    cal = margin.calibrate(report)
    noisy = cal.options.at["BTC-25DEC26-150000-C", "shocked_iv_0"] / 0.70 - 1.0
    assert abs(noisy + 0.2) > 1e-11  # the far call alone would be off by this much
    np.testing.assert_allclose(cal.params.iv_shocks, (-0.2, 0.0, 0.2), rtol=0, atol=1e-11)
    weights = shock_weights(cal.options, "relative")
    assert weights.idxmax() == "BTC-25DEC26-100000-C" and weights.idxmin() in {s for s, *_ in rows[1::2]}
    # a relative shock moves the value by vega x IV per unit, an absolute one by vega: weights differ by IV^2
    absolute = shock_weights(cal.options, "absolute")
    np.testing.assert_allclose(weights / absolute, cal.options["iv"] ** 2, rtol=1e-12)
