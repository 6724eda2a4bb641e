"""surface and iv_vs_realised on the simulator's BTC chain and historical volatility at the fixed clock."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from bybit_research.analytics.smile import smile, term_structure
from bybit_research.analytics.surface import DEFAULT_MONEYNESS, iv_vs_realised, surface

from .conftest import NOW


def test_surface_shape_axes_and_values(btc_chain: pd.DataFrame) -> None:
    grid = surface(btc_chain, now=NOW)
    live = pd.DatetimeIndex(pd.unique(btc_chain["expiry"])).sort_values()
    assert grid.shape == (len(live), len(DEFAULT_MONEYNESS)) == (11, 17)
    assert grid.index.equals(pd.DatetimeIndex(live, name="expiry").as_unit("ms"))
    assert grid.index.is_monotonic_increasing and grid.columns.is_monotonic_increasing
    assert grid.columns.name == "moneyness" and grid.columns.tolist() == list(DEFAULT_MONEYNESS)
    assert DEFAULT_MONEYNESS[0] == 0.6 and DEFAULT_MONEYNESS[-1] == 1.4
    assert (grid.dtypes == np.float64).all()
    assert grid.attrs["expiry_codes"][0] == "16JUN24" and len(grid.attrs["t_years"]) == 11
    for expiry, row in grid.iterrows():
        table = smile(btc_chain, expiry, now=NOW)
        low, high = table["moneyness"].min(), table["moneyness"].max()
        inside = (grid.columns >= low - 1e-12) & (grid.columns <= high + 1e-12)
        assert row[~inside].isna().all() and row[inside].notna().all()  # never extrapolated
        for m in grid.columns[inside]:
            assert min(table["iv"]) <= row[m] <= max(table["iv"])
    # at the money, 21JUN24 interpolates between its strikes 170000 and 175000 either side of the forward
    table = smile(btc_chain, "21JUN24", now=NOW)
    at_the_money = grid[1.0].to_numpy()[grid.index == pd.Timestamp("2024-06-21 08:00", tz="UTC")][0]
    lower, upper = table.loc[[170000.0, 175000.0], "iv"].to_numpy()
    assert lower >= at_the_money >= upper


def test_surface_on_a_custom_grid_matches_the_term_structure_at_the_money(btc_chain: pd.DataFrame) -> None:
    grid = surface(btc_chain, now=NOW, moneyness=[0.9, 1.0, 1.1])
    terms = term_structure(btc_chain, now=NOW)
    np.testing.assert_allclose(grid[1.0], terms["atm_iv"], rtol=1e-12)  # NaN where the ATM IV is NaN
    assert grid.columns.tolist() == [0.9, 1.0, 1.1]


@pytest.mark.parametrize(
    ("moneyness", "message"),
    [
        ([1.0, 0.9], "strictly increasing"),
        ([0.0, 1.0], "positive numbers"),
        ([], "positive numbers"),
        ([0.9, np.nan], "positive numbers"),
    ],
)
def test_bad_grids_are_refused(btc_chain: pd.DataFrame, moneyness: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        surface(btc_chain, now=NOW, moneyness=moneyness)


def test_iv_vs_realised_pairs_each_expiry_with_the_nearest_period(
    btc_chain: pd.DataFrame, hv: pd.DataFrame
) -> None:
    result = iv_vs_realised(btc_chain, hv, now=NOW)
    terms = term_structure(btc_chain, now=NOW)
    pd.testing.assert_frame_equal(result[terms.columns], terms, check_like=False)
    assert list(result.columns[-4:]) == ["hv_period", "realised_vol", "hv_time", "iv_minus_rv"]
    assert result["hv_period"].dtype == "Int64" and str(result["hv_time"].dtype) == "datetime64[ms, UTC]"
    expected_periods = [min((7, 30, 90, 180), key=lambda p: (abs(p - days), p)) for days in terms["t_days"]]
    assert result["hv_period"].tolist() == expected_periods
    last = hv[hv.index <= NOW].groupby("period")["value"].last()
    np.testing.assert_allclose(result["realised_vol"], last.loc[expected_periods].to_numpy())
    assert (result["hv_time"] == hv.index[hv.index <= NOW].max()).all()
    np.testing.assert_allclose(result["iv_minus_rv"], result["atm_iv"] - result["realised_vol"])
    assert result.attrs["realised"] == {str(p): float(v) for p, v in last.items()}
    assert result.attrs["no_atm"] == terms.attrs["no_atm"]


def test_iv_vs_realised_ignores_values_after_now(btc_chain: pd.DataFrame, hv: pd.DataFrame) -> None:
    earlier = NOW - pd.Timedelta(hours=5)
    result = iv_vs_realised(btc_chain, hv, now=earlier)
    thirty = hv[(hv["period"] == 30) & (hv.index <= earlier)]["value"].iloc[-1]
    assert result.attrs["realised"]["30"] == thirty
    assert (result["hv_time"] <= earlier).all()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda hv: hv.drop(columns="period"), r"hv .* lacks the columns \['period'\]"),
        (lambda hv: hv.reset_index(drop=True), "hv must be indexed by time"),
        (lambda hv: hv[hv.index > NOW], "hv has no value at or before now"),
    ],
)
def test_iv_vs_realised_refuses_bad_hv(
    btc_chain: pd.DataFrame, hv: pd.DataFrame, change: Callable[[pd.DataFrame], pd.DataFrame], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        iv_vs_realised(btc_chain, change(hv), now=NOW)
