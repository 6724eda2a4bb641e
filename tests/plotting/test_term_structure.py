"""term_structure(): ATM IV per live expiry (and the wings at a delta) against days to expiry or the expiry
date, the figures equal to the options analytics'."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from bybit_research.analytics import options
from bybit_research.plotting import term_structure
from bybit_research.plotting.style import date_numbers

from .drawn import xs, ys


def lines(figure: Figure) -> dict[str, Line2D]:
    return {str(line.get_label()): line for line in figure.axes[0].get_lines()}


def test_atm_and_wing_lines_are_the_analytics_figures(chain: pd.DataFrame) -> None:
    figure = term_structure(chain)
    pane = figure.axes[0]
    terms = options.term_structure(chain)
    wings = options.risk_reversal_butterfly(chain, 0.25)
    drawn = lines(figure)
    assert list(drawn) == ["25Δ call IV", "25Δ put IV", "ATM IV"]
    np.testing.assert_allclose(xs(drawn["ATM IV"]), terms["t_days"])
    np.testing.assert_allclose(ys(drawn["ATM IV"]), terms["atm_iv"] * 100)
    np.testing.assert_allclose(ys(drawn["25Δ call IV"]), wings["call_iv"] * 100)
    np.testing.assert_allclose(ys(drawn["25Δ put IV"]), wings["put_iv"] * 100)
    # the simulator's puts are dearer than its calls at the same delta (a negative risk reversal)
    assert (wings["risk_reversal"].dropna() < 0).all()
    labelled = [t.get_text() for t in pane.texts]
    assert labelled == terms.loc[terms["atm_iv"].notna(), "expiry_code"].tolist()
    assert len(labelled) == chain["expiry_code"].nunique() == 11
    assert pane.get_xscale() == "log" and pane.get_xlabel() == "days to expiry (log scale)"
    assert [t.get_text() for t in pane.get_xticklabels()] == [
        "1d",
        "2d",
        "1w",
        "2w",
        "30d",
        "60d",
        "90d",
        "180d",
    ]
    assert pane.get_ylabel() == "implied volatility (per year)"
    assert pane.get_title(loc="left") == (
        "BTC options ATM IV term structure and 25Δ wings, at 2024-06-15 12:34:56 UTC"
    )


def test_expiry_axis_marked_expiry_and_no_wings(chain: pd.DataFrame) -> None:
    figure = term_structure(chain, x="expiry", delta=None, expiry="28jun24")
    pane = figure.axes[0]
    drawn = lines(figure)
    assert list(drawn) == ["ATM IV", "expiry 28JUN24"]
    terms = options.term_structure(chain)
    np.testing.assert_allclose(xs(drawn["ATM IV"]), date_numbers(pd.DatetimeIndex(terms.index)))
    assert (
        xs(drawn["expiry 28JUN24"])[0]
        == date_numbers(pd.DatetimeIndex([pd.Timestamp("2024-06-28 08:00Z")]))[0]
    )
    assert pane.get_xlabel() == "expiry (UTC)" and pane.get_xscale() == "linear"
    assert pane.get_title(loc="left").startswith("BTC options ATM IV term structure, at ")


def test_an_expiry_without_atm_iv_is_named_not_drawn(chain: pd.DataFrame) -> None:
    # keep only the 28JUN24 strikes above its forward: its forward is then outside the strikes
    code = "28JUN24"
    rows = chain["expiry_code"] == code
    forward = chain.loc[rows, "underlying_price"].median()
    trimmed = chain[~rows | (chain["strike"] > forward)]
    trimmed.attrs = dict(chain.attrs)
    figure = term_structure(trimmed, delta=None)
    pane = figure.axes[0]
    atm = ys(lines(figure)["ATM IV"])
    codes = options.term_structure(trimmed)["expiry_code"].tolist()
    assert np.isnan(atm[codes.index(code)]) and np.isfinite(np.delete(atm, codes.index(code))).all()
    assert code not in [t.get_text() for t in pane.texts]
    assert f"no ATM IV (forward outside the strikes): {code}" in [t.get_text() for t in pane.texts]


def test_bad_arguments(chain: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"x must be one of \['days', 'expiry'\], got 'strike'"):
        term_structure(chain, x="strike")
    with pytest.raises(ValueError, match=r"delta must be a number strictly between 0 and 0.5 .* got 0.5"):
        term_structure(chain, delta=0.5)
    with pytest.raises(
        ValueError, match=r"expiry='29JUN24' is not a live expiry of the chain; live expiries: \['16JUN24'"
    ):
        term_structure(chain, expiry="29JUN24")
    with pytest.raises(ValueError, match=r"every expiry of the chain is at or before now=2025-01-01"):
        term_structure(chain, now="2025-01-01")
