"""Bad input to the chain functions: a ValueError saying what is wrong; no-IV prices are NaN, counted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from bybit_research.analytics import options

from .conftest import NOW

#: every chain function, called on a chain at the fixed clock
CHAIN_FUNCTIONS: dict[str, Callable[[pd.DataFrame], Any]] = {
    "chain_analytics": lambda chain: options.chain_analytics(chain, now=NOW),
    "greeks_check": lambda chain: options.greeks_check(chain, now=NOW),
    "smile": lambda chain: options.smile(chain, "21JUN24", now=NOW),
    "term_structure": lambda chain: options.term_structure(chain, now=NOW),
    "risk_reversal_butterfly": lambda chain: options.risk_reversal_butterfly(chain, now=NOW),
    "surface": lambda chain: options.surface(chain, now=NOW),
    "parity_forward": lambda chain: options.parity_forward(chain),
}


def _negative(column: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(chain: pd.DataFrame) -> pd.DataFrame:
        values = chain[column].to_numpy(copy=True)
        values[3] = -values[3]
        return chain.assign(**{column: values})

    return change


BAD_CHAINS: dict[str, tuple[Callable[[pd.DataFrame], pd.DataFrame], str]] = {
    "missing column": (lambda c: c.drop(columns="mark_iv"), r"chain lacks the columns \['mark_iv'\]"),
    "negative mark price": (_negative("mark_price"), r"'mark_price' must not be negative; negative in rows"),
    "negative strike": (_negative("strike"), "'strike' must not be negative"),
    "negative forward": (_negative("underlying_price"), "'underlying_price' must not be negative"),
    "unknown option type": (
        lambda c: c.assign(option_type=c["option_type"].replace({"Put": "P"})),
        r"option_type must be 'Call' or 'Put', got \['P'\]",
    ),
}


@pytest.mark.parametrize("function", list(CHAIN_FUNCTIONS))
@pytest.mark.parametrize("case", list(BAD_CHAINS))
def test_bad_chains_are_refused(btc_chain: pd.DataFrame, function: str, case: str) -> None:
    change, message = BAD_CHAINS[case]
    with pytest.raises(ValueError, match=message):
        CHAIN_FUNCTIONS[function](change(btc_chain))


@pytest.mark.parametrize("function", list(CHAIN_FUNCTIONS))
def test_mixed_base_coins_are_refused(
    btc_chain: pd.DataFrame, eth_chain: pd.DataFrame, function: str
) -> None:
    with pytest.raises(
        ValueError, match=r"the chain mixes base coins \['BTC', 'ETH'\]; pass one coin's chain"
    ):
        CHAIN_FUNCTIONS[function](pd.concat([btc_chain, eth_chain]))


@pytest.mark.parametrize(
    ("expiry", "message"),
    [
        ("1JAN99", r"the chain has no expiry '1JAN99'; it holds \['16JUN24', '17JUN24'"),
        ("2024-06-22", "the chain has no expiry '2024-06-22'"),
        ([2024, 6, 21], "expiry must be one of the chain's expiry codes"),
        (
            "16JUN24",
            r"expiry 16JUN24 .* has expired at now=2024-06-16T09:00:00\+00:00; live expiries: \['17JUN24'",
        ),
    ],
)
def test_unknown_and_expired_expiries_are_refused(
    btc_chain: pd.DataFrame, expiry: object, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        options.smile(btc_chain, expiry, now="2024-06-16 09:00")


@pytest.mark.parametrize("delta", [0.0, 0.5, -0.25, 1.0, True, "25d"])
def test_deltas_outside_the_wings_are_refused(btc_chain: pd.DataFrame, delta: object) -> None:
    with pytest.raises(ValueError, match=r"delta must be a number strictly between 0 and 0\.5"):
        options.risk_reversal_butterfly(btc_chain, delta=delta, now=NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize("now", ["not a time", True, [2024]])
def test_bad_valuation_times_are_refused(btc_chain: pd.DataFrame, now: object) -> None:
    with pytest.raises(ValueError, match=r"now must be a time \(str, datetime, pd.Timestamp or epoch ms\)"):
        options.term_structure(btc_chain, now=now)


def test_bad_parity_arguments_are_refused(btc_chain: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"price must be one of \['mark', 'mid'\], got 'last'"):
        options.parity_forward(btc_chain, price="last")
    with pytest.raises(ValueError, match="strikes must be an integer >= 1, got 0"):
        options.parity_forward(btc_chain, strikes=0)
    with pytest.raises(ValueError, match=r"chain lacks the columns \['bid1_price'\]"):
        options.parity_forward(btc_chain.drop(columns="bid1_price"), price="mid")


def test_prices_with_no_iv_give_nan_and_are_counted(chain: pd.DataFrame) -> None:
    calls = chain.index[(chain["option_type"] == "Call") & (chain["strike"] < chain["underlying_price"])]
    below, empty = calls[0], calls[1]
    intrinsic = chain.loc[below, "underlying_price"] - chain.loc[below, "strike"]
    chain.loc[below, "mark_price"] = intrinsic - 1.0  # under the exercise value
    chain.loc[empty, "mark_price"] = np.nan  # no mark
    frame = options.chain_analytics(chain, now=NOW)
    assert np.isnan(frame.loc[[below, empty], "iv_from_mark"]).all()
    assert frame["iv_from_mark"].notna().sum() == len(chain) - 2
    assert frame.attrs["iv_missing"] == {"at_or_below_intrinsic": 1, "missing_input": 1}
    check = options.greeks_check(chain, now=NOW)
    assert check.attrs["iv_missing"] == {"at_or_below_intrinsic": 1, "missing_input": 1}
    assert check["iv_residual"].isna().sum() == 2 and not check.loc[[below, empty], "outlier"].any()
