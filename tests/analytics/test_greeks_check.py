"""greeks_check: our greeks from Bybit's mark_iv against the ticker greeks of the simulator's chains."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from vollib.black.implied_volatility import implied_volatility as vollib_iv

from bybit_research.analytics.greeks_check import greeks_check

from .conftest import NOW


@pytest.mark.parametrize("coin", ["BTC", "ETH"])
def test_simulator_greeks_are_reproduced_within_rounding(
    coin: str, btc_chain: pd.DataFrame, eth_chain: pd.DataFrame
) -> None:
    chain = btc_chain if coin == "BTC" else eth_chain
    check = greeks_check(chain, now=NOW)
    assert check.index.equals(chain.index) and check.index.name == "symbol"
    assert len(check) == len(chain) == check.attrs["contracts"]
    assert check.attrs["outliers"] == 0 and not check["outlier"].any()
    assert (check["outliers"] == "").all()
    for name in ("delta", "gamma", "vega", "theta"):
        residual = check[f"b76_{name}"] - check[name]
        np.testing.assert_allclose(check[f"{name}_residual"], residual)
        assert (check[f"{name}_residual"].abs() <= check[f"{name}_tolerance"]).all()
        # the tolerance is rounding, not slack: residuals use a good part of it, and it stays small
        assert 0.2 < check.attrs["max_residual_ratio"][name] <= 1.0
    assert check["delta_tolerance"].max() < 1e-3
    assert (check["vega_tolerance"] / check["vega"].abs()).median() < 1e-3
    np.testing.assert_allclose(check["iv_residual"], check["iv_from_mark"] - check["mark_iv"])
    assert check.attrs["iv_missing"] == {}


def test_contracts_under_one_day_are_flagged(btc_chain: pd.DataFrame) -> None:
    check = greeks_check(btc_chain, now=NOW)
    short = btc_chain["expiry"] - NOW < pd.Timedelta(days=1)
    nearest = btc_chain["expiry_code"] == "16JUN24"  # 19.4 hours away; the next expiry is 43.4 hours away
    assert short.tolist() == nearest.tolist() and short.sum() > 10
    assert check["under_one_day"].tolist() == short.tolist()
    assert check.attrs["under_one_day"] == short.sum()
    np.testing.assert_allclose(check["t_days"], (btc_chain["expiry"] - NOW).dt.total_seconds() / 86_400)


def test_greeks_computed_differently_are_outliers(chain: pd.DataFrame) -> None:
    short = chain.index[chain["expiry_code"] == "16JUN24"][10]
    long = chain.index[chain["expiry_code"] == "27DEC24"][5]
    chain.loc[short, "theta"] *= 1.05  # Bybit's theta near expiry is not Black-76's
    chain.loc[short, "gamma"] *= 0.9
    chain.loc[long, "delta"] += 0.01
    chain.loc[long, "mark_price"] += 50.0  # a mark price off its mark IV
    check = greeks_check(chain, now=NOW)
    assert check.index[check["outlier"]].tolist() == [short, long]
    assert check.loc[short, "outliers"] == "gamma,theta" and bool(check.loc[short, "under_one_day"])
    assert check.loc[long, "outliers"] == "iv,delta" and not bool(check.loc[long, "under_one_day"])
    assert check.attrs["outliers"] == 2 and check.attrs["outliers_under_one_day"] == 1
    assert check.loc[long, "delta_residual"] == pytest.approx(-0.01, abs=2e-4)
    row = chain.loc[long]
    years = (row["expiry"] - NOW).total_seconds() / (365 * 86_400)
    flag = "c" if row["option_type"] == "Call" else "p"
    expected_iv = vollib_iv(row["mark_price"], row["underlying_price"], row["strike"], 0.0, years, flag)
    assert check.loc[long, "iv_residual"] == pytest.approx(expected_iv - row["mark_iv"], abs=1e-10)
    # the ratio over contracts with a day or more sees the changed delta, not the short contract's theta
    assert check.attrs["max_residual_ratio"]["delta"] > 10 and check.attrs["max_residual_ratio"]["theta"] <= 1


def test_tolerance_follows_the_publishing_steps(btc_chain: pd.DataFrame) -> None:
    coarse = greeks_check(btc_chain, now=NOW, iv_step=1e-3, price_step=1.0, greek_step=1e-6)
    fine = greeks_check(btc_chain, now=NOW)
    for name in ("delta", "gamma", "vega", "theta", "iv"):
        assert (coarse[f"{name}_tolerance"] > fine[f"{name}_tolerance"]).all()
    # a mark IV published to 3 decimals moves vega by about ten times as much as one published to 4
    ratio = (coarse["vega_tolerance"] / fine["vega_tolerance"]).median()
    assert 5 < ratio < 20


def test_a_valuation_time_seconds_off_is_allowed_for(btc_chain: pd.DataFrame) -> None:
    # fetched_at comes after the tickers were computed (up to the 3 s a cached answer may be old)
    late = NOW + pd.Timedelta(seconds=3)
    assert greeks_check(btc_chain, now=late).attrs["outliers"] == 0
    strict = greeks_check(btc_chain, now=late, time_step=0.0)
    assert strict.attrs["outliers"] > 0
    # what three seconds move beyond rounding: the vega near the money (flat in IV and forward there)
    assert set(strict.loc[strict["outlier"], "outliers"]) == {"vega"}
    near = (strict["strike"] / btc_chain["underlying_price"] - 1).abs()
    assert near[strict["outlier"]].max() < 0.05
