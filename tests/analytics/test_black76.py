"""Black-76 prices and greeks against vollib (the test oracle) and by their defining properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import vollib.black as vollib_black
from vollib.black.greeks import analytical as vollib_greeks

from bybit_research.analytics.black76 import black76_greeks, black76_price


def _random_options(n: int, seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    forward = rng.uniform(5.0, 120_000.0, n)
    strike = forward * np.exp(rng.normal(0.0, 0.35, n))
    t_years = rng.uniform(1.0 / 365.0, 2.0, n)
    vol = rng.uniform(0.05, 2.5, n)
    calls = rng.random(n) < 0.5
    return forward, strike, t_years, vol, calls


def test_prices_and_greeks_match_vollib_on_random_inputs() -> None:
    forward, strike, t_years, vol, calls = _random_options(400, seed=3)
    flags = ["c" if c else "p" for c in calls]
    rows = list(zip(flags, forward, strike, t_years, vol, strict=True))
    expected = np.array([vollib_black.black(f, F, K, t, 0.0, v) for f, F, K, t, v in rows])
    prices = black76_price(forward, strike, t_years, vol, calls)
    np.testing.assert_allclose(prices, expected, rtol=1e-10, atol=1e-9 * forward.max())
    greeks = black76_greeks(forward, strike, t_years, vol, calls)
    assert list(greeks.columns) == ["delta", "gamma", "vega", "theta"]
    assert all(greeks.dtypes == np.float64)
    for name in greeks.columns:  # vollib quotes vega per 1 % and theta per day, as Bybit does
        oracle = getattr(vollib_greeks, name)
        reference = np.array([oracle(f, F, K, t, 0.0, v) for f, F, K, t, v in rows])
        np.testing.assert_allclose(greeks[name].to_numpy(), reference, rtol=1e-9, atol=1e-12)


def test_put_call_parity_and_bounds() -> None:
    forward, strike, t_years, vol, _ = _random_options(500, seed=5)
    call = black76_price(forward, strike, t_years, vol, True)
    put = black76_price(forward, strike, t_years, vol, False)
    np.testing.assert_allclose(call - put, forward - strike, rtol=0, atol=1e-8 * forward.max())
    assert np.all(call >= np.maximum(forward - strike, 0) - 1e-9) and np.all(call <= forward)
    delta = (
        black76_greeks(forward, strike, t_years, vol, True)["delta"]
        - black76_greeks(forward, strike, t_years, vol, False)["delta"]
    )
    np.testing.assert_allclose(delta, 1.0, atol=1e-12)


def test_expiry_and_zero_vol_give_intrinsic_values_and_exercise_deltas() -> None:
    prices = black76_price(
        [110.0, 90.0, 110.0], 100.0, [0.0, 0.0, 0.5], [0.5, 0.5, 0.0], [True, False, False]
    )
    np.testing.assert_array_equal(prices, [10.0, 10.0, 0.0])
    greeks = black76_greeks([110.0, 90.0], 100.0, 0.0, 0.5, ["Call", "Put"])
    assert greeks["delta"].tolist() == [1.0, -1.0]
    assert greeks[["gamma", "vega", "theta"]].to_numpy().tolist() == [[0.0] * 3] * 2


def test_bybit_units_vega_per_vol_point_theta_per_day() -> None:
    forward, strike, t_years, vol = 60_000.0, 62_000.0, 30 / 365, 0.55
    greeks = black76_greeks(forward, strike, t_years, vol, True).iloc[0]
    bumped = black76_price(forward, strike, t_years, vol + 0.0001, True) - black76_price(
        forward, strike, t_years, vol - 0.0001, True
    )
    assert greeks["vega"] == pytest.approx(bumped[()] / 0.0002 / 100, rel=1e-6)
    a_day_later = black76_price(forward, strike, t_years - 1e-4 / 365, vol, True)
    decay = (a_day_later - black76_price(forward, strike, t_years, vol, True)) / 1e-4
    assert greeks["theta"] == pytest.approx(decay[()], rel=1e-4)
    up, down = (black76_greeks(forward + h, strike, t_years, vol, True)["delta"][0] for h in (0.5, -0.5))
    assert greeks["gamma"] == pytest.approx(up - down, rel=1e-5)


def test_series_inputs_keep_their_index_and_nan_propagates() -> None:
    forward = pd.Series([100.0, np.nan], index=pd.Index(["A", "B"], name="symbol"))
    greeks = black76_greeks(forward, 100.0, 0.25, 0.5, True)
    assert greeks.index.tolist() == ["A", "B"]
    assert greeks.loc["B"].isna().all() and not greeks.loc["A"].isna().any()
    assert np.isnan(black76_price(np.nan, 100.0, 0.25, 0.5, True))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((-1.0, 100.0, 0.5, 0.5, True), "forward must not be negative"),
        ((100.0, -5.0, 0.5, 0.5, True), "strike must not be negative"),
        ((100.0, 100.0, -0.1, 0.5, True), "t_years must not be negative"),
        ((100.0, 100.0, 0.5, -0.2, True), "vol must not be negative"),
        ((100.0, 100.0, 0.5, 0.2, "maybe"), "is_call must be booleans"),
    ],
)
def test_bad_inputs_are_refused(args: tuple[object, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        black76_price(*args)
