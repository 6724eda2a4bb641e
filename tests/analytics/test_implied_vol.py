"""Implied volatility: vollib as the oracle on random inputs, round trips, the no-IV cases and bad input."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import ndtri
from vollib.black.implied_volatility import implied_volatility as vollib_iv

from bybit_research.analytics.black76 import black76_greeks, black76_price
from bybit_research.analytics.implied_vol import NO_IV_REASONS, implied_vol, solve_implied_vol


def _random_chain(n: int, seed: int, spread: float = 4.0) -> tuple[np.ndarray, ...]:
    """Options from 1 hour to 3 years, vols 5 %-250 %, strikes up to ``spread`` standard deviations away."""
    rng = np.random.default_rng(seed)
    t_years = np.exp(rng.uniform(np.log(1 / 8760), np.log(3.0), n))
    vol = rng.uniform(0.05, 2.5, n)
    forward = rng.uniform(1.0, 150_000.0, n)
    strike = forward * np.exp(rng.uniform(-spread, spread, n) * vol * np.sqrt(t_years))
    calls = rng.random(n) < 0.5
    return forward, strike, t_years, vol, calls


def _pinned(price: Any, forward: Any, strike: Any, t: Any, vol: Any, calls: Any) -> np.ndarray:
    """Where the double-precision price pins the vol to 1e-11 (4 ulp of the price over the vega)."""
    vega = black76_greeks(forward, strike, t, vol, calls)["vega"].to_numpy() * 100.0
    normal = np.asarray(price) > np.finfo(np.float64).tiny
    return normal & (4.0 * np.spacing(price) < 1e-11 * vega)


def test_matches_vollib_and_recovers_the_vol_on_random_inputs() -> None:
    forward, strike, t_years, vol, calls = _random_chain(600, seed=11, spread=5.0)
    price = black76_price(forward, strike, t_years, vol, calls)
    solution = solve_implied_vol(price, forward, strike, t_years, calls)
    oracle = np.array(
        [
            vollib_iv(p, f, k, 0.0, t, "c" if c else "p")
            for p, f, k, t, c in zip(price, forward, strike, t_years, calls, strict=True)
        ]
    )
    assert solution.counts() == {}
    assert solution.iterations <= 5
    np.testing.assert_allclose(solution.vol, oracle, rtol=0, atol=1e-12)
    pinned = _pinned(price, forward, strike, t_years, vol, calls)
    assert pinned.sum() > 500  # the rest are deep in the money with a time value below the price's ulp
    assert np.max(np.abs(solution.vol - vol)[pinned]) <= 1e-10


def test_extreme_wings_and_expiries_round_trip() -> None:
    # 1 hour and 3 years, 1 % to 400 % vol, strikes 12 standard deviations away: prices down to 1e-30 of F
    forward = 60_000.0
    t_years = np.array([1 / 8760, 1 / 8760, 3.0, 3.0, 7 / 365, 7 / 365, 0.5, 0.5])
    vol = np.array([0.01, 4.0, 0.01, 4.0, 0.6, 0.6, 0.8, 0.8])
    z = np.array([-12.0, 12.0, 12.0, -12.0, 9.0, -9.0, 0.0, 1e-9])
    strike = forward * np.exp(z * vol * np.sqrt(t_years))
    calls = np.array([False, True, True, False, True, False, True, False])
    price = black76_price(forward, strike, t_years, vol, calls)
    assert price.min() < 1e-25 * forward
    np.testing.assert_allclose(implied_vol(price, forward, strike, t_years, calls), vol, rtol=1e-10)


@settings(max_examples=150, deadline=None)
@given(
    deviations=st.floats(-8.0, 8.0),
    vol=st.floats(0.02, 3.0),
    hours=st.floats(1.0, 3 * 8760.0),
    call=st.booleans(),
)
def test_round_trip_property(deviations: float, vol: float, hours: float, call: bool) -> None:
    """Strikes up to 8 standard deviations from the forward (``ln(K/F) = deviations * vol * sqrt(t)``)."""
    forward, t_years = 25_000.0, hours / 8760.0
    strike = forward * np.exp(deviations * vol * np.sqrt(t_years))
    price = black76_price(forward, strike, t_years, vol, call)
    solved = implied_vol(price, forward, strike, t_years, call)[()]
    if _pinned(price, forward, strike, t_years, vol, call)[()]:
        assert solved == pytest.approx(vol, abs=1e-10)
    else:  # the price no longer determines the vol; the solver still returns a vol that reprices it
        assert np.isnan(solved) or black76_price(forward, strike, t_years, solved, call) == pytest.approx(
            price, rel=1e-13
        )


def test_prices_without_an_iv_are_nan_with_their_reason() -> None:
    forward, strike, t = 100.0, np.array([90.0, 90.0, 110.0, 110.0, 100.0, 100.0, 100.0, 100.0, 0.0]), 0.25
    calls = np.array([True, True, False, True, True, False, True, True, True])
    price = np.array([9.0, 10.0, 10.0, 100.0, 4.0, 100.0, np.nan, 4.0, 1.0])
    times = np.array([t, t, t, t, t, t, t, 0.0, t])
    solution = solve_implied_vol(price, forward, strike, times, calls)
    assert solution.reason.tolist() == [
        "at_or_below_intrinsic",  # an in-the-money call under its intrinsic value of 10
        "at_or_below_intrinsic",  # exactly the intrinsic value: no time value
        "at_or_below_intrinsic",  # an in-the-money put at 10 = K - F
        "at_or_above_upper_bound",  # a call worth the forward
        "",
        "at_or_above_upper_bound",  # a put worth the strike
        "missing_input",
        "expired",
        "zero_forward_or_strike",
    ]
    assert np.isnan(solution.vol[[0, 1, 2, 3, 5, 6, 7, 8]]).all()
    # at the money p / F = 2 N(s / 2) - 1 inverts in closed form
    assert solution.vol[4] == pytest.approx(2.0 * ndtri((1.0 + 4.0 / 100.0) / 2.0) / np.sqrt(t), abs=1e-13)
    assert solution.counts() == {
        "at_or_below_intrinsic": 3,
        "at_or_above_upper_bound": 2,
        "missing_input": 1,
        "expired": 1,
        "zero_forward_or_strike": 1,
    }
    assert set(solution.counts()) <= set(NO_IV_REASONS)


def test_shapes_series_and_labels() -> None:
    strikes = pd.Series([55_000.0, 60_000.0, 65_000.0], index=pd.Index(["a", "b", "c"], name="symbol"))
    prices = black76_price(60_000.0, strikes, 0.1, 0.5, ["Put", "Call", "Call"])
    vols = implied_vol(prices, 60_000.0, strikes, 0.1, pd.Series(["Put", "Call", "Call"]))
    np.testing.assert_allclose(vols, 0.5, rtol=1e-12)
    strikes_row, times_column = np.array([58_000.0, 60_000.0, 62_000.0]), np.array([[0.1], [0.2]])
    grid = implied_vol(np.full((2, 3), 3_000.0), 60_000.0, strikes_row, times_column, True)
    assert grid.shape == (2, 3) and np.all(grid[1] < grid[0])  # the same price over a longer time: less vol
    np.testing.assert_allclose(
        black76_price(60_000.0, strikes_row, times_column, grid, True), 3_000.0, rtol=1e-12
    )
    assert implied_vol(2_000.0, 60_000.0, 60_000.0, 0.1, True).shape == ()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((-1.0, 100.0, 100.0, 0.5, True), "price must not be negative"),
        ((1.0, -100.0, 100.0, 0.5, True), "forward must not be negative"),
        ((1.0, 100.0, -100.0, 0.5, True), "strike must not be negative"),
        ((1.0, 100.0, 100.0, -0.5, True), "t_years must not be negative"),
        ((1.0, 100.0, 100.0, 0.5, "straddle"), "is_call must be booleans"),
    ],
)
def test_bad_input_is_refused(args: tuple[object, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        implied_vol(*args)
