"""smile(): one expiry's mark IV with bid-ask IV ranges, against strike or moneyness, the forward marked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from bybit_research.plotting import smile
from bybit_research.plotting.smile import select_expiry, smile_points

from .drawn import xs, ys

EXPIRY = "28JUN24"


def ranges(figure: Figure) -> dict[str, np.ndarray]:
    """Label -> segments (n, 2, 2) of the bid-ask IV ranges drawn."""
    pane = figure.axes[0]
    return {
        str(c.get_label()): np.array(c.get_segments())
        for c in pane.collections
        if isinstance(c, LineCollection)
    }


def test_select_expiry_by_code_date_or_alone(chain: pd.DataFrame) -> None:
    rows = select_expiry(chain, EXPIRY)
    assert set(rows["expiry_code"]) == {EXPIRY} and len(rows) == (chain["expiry_code"] == EXPIRY).sum() > 20
    assert select_expiry(chain, "28jun24").equals(rows)
    assert select_expiry(chain, "2024-06-28").equals(rows)
    assert select_expiry(chain, pd.Timestamp("2024-06-28 08:00", tz="UTC")).equals(rows)
    assert select_expiry(rows).equals(rows)
    with pytest.raises(
        ValueError, match=r"smile\(\) draws one expiry; pass expiry= one of \['16JUN24', '17JUN24'"
    ):
        select_expiry(chain)
    with pytest.raises(ValueError, match=r"expiry='29JUN24' is not in the chain; it holds \['16JUN24'"):
        select_expiry(chain, "29JUN24")


def test_otm_points_are_puts_below_the_forward_and_calls_above(chain: pd.DataFrame) -> None:
    rows = select_expiry(chain, EXPIRY)
    points = smile_points(rows)
    forward = rows["underlying_price"].iloc[0]
    assert (points["forward"] == forward).all()
    puts, calls = points[points["option_type"] == "Put"], points[points["option_type"] == "Call"]
    assert (puts["strike"] < forward).all() and (calls["strike"] >= forward).all()
    assert sorted(points["strike"]) == sorted(rows["strike"].unique())
    np.testing.assert_allclose(points["moneyness"], points["strike"] / forward)
    assert len(smile_points(rows, "both")) == len(rows)
    assert set(smile_points(rows, "put")["option_type"]) == {"Put"}
    with pytest.raises(
        ValueError, match=r"quotes must be one of \['otm', 'call', 'put', 'both'\], got 'itm'"
    ):
        smile_points(rows, "itm")


def test_a_zero_bid_iv_means_no_quote(chain: pd.DataFrame) -> None:
    rows = select_expiry(chain, EXPIRY).copy()
    rows.loc[rows.index[0], "bid1_iv"] = 0.0
    points = smile_points(rows, "both")
    assert np.isnan(points.loc[rows.index[0], "bid1_iv"])
    assert points["bid1_iv"].isna().sum() == 1


def test_figure_draws_mark_iv_ranges_and_the_forward(chain: pd.DataFrame) -> None:
    figure = smile(chain, EXPIRY)
    pane = figure.axes[0]
    assert pane.get_title(loc="left") == (
        "BTC options 28JUN24 (expiry 2024-06-28 08:00 UTC) OTM IV smile, snapshot "
        + "2024-06-15 12:34:56 UTC"  # the simulator's clock (attrs server_time), not the machine's
    )
    assert pane.get_ylabel() == "implied volatility (per year)" and pane.get_xlabel() == "strike (USDC)"
    points = smile_points(select_expiry(chain, EXPIRY)).sort_values("strike")
    lines = {str(line.get_label()): line for line in pane.get_lines()}
    np.testing.assert_array_equal(xs(lines["mark IV"]), points["strike"])
    np.testing.assert_allclose(ys(lines["mark IV"]), points["mark_iv"] * 100)
    (forward,) = [k for k in lines if k.startswith("forward ")]
    assert xs(lines[forward])[0] == points["forward"].iloc[0]
    drawn = ranges(figure)
    puts = points[points["option_type"] == "Put"]
    np.testing.assert_array_equal(drawn["put bid-ask IV"][:, 0, 0], puts["strike"])
    np.testing.assert_allclose(drawn["put bid-ask IV"][:, 0, 1], puts["bid1_iv"] * 100)
    np.testing.assert_allclose(drawn["put bid-ask IV"][:, 1, 1], puts["ask1_iv"] * 100)


def test_moneyness_and_both_types(chain: pd.DataFrame) -> None:
    figure = smile(chain, EXPIRY, x="moneyness", quotes="both")
    pane = figure.axes[0]
    assert pane.get_xlabel() == "moneyness (strike / forward)"
    assert "calls' and puts' IV smile" in pane.get_title(loc="left")
    lines = {str(line.get_label()): line for line in pane.get_lines()}
    (forward,) = [k for k in lines if k.startswith("forward ")]
    assert xs(lines[forward])[0] == 1.0
    rows = select_expiry(chain, EXPIRY)
    # the simulator marks calls and puts of a strike on one smile, so one mark line is drawn
    assert "mark IV" in lines and "call mark IV" not in lines
    np.testing.assert_allclose(
        xs(lines["mark IV"]), np.unique(rows["strike"]) / rows["underlying_price"].iloc[0]
    )
    drawn = ranges(figure)
    quoted = rows[(rows["bid1_iv"] > 0) & (rows["ask1_iv"] > 0)]
    calls, puts = (quoted["option_type"] == kind for kind in ("Call", "Put"))
    assert (
        len(drawn["call bid-ask IV"]) == calls.sum() > 10 and len(drawn["put bid-ask IV"]) == puts.sum() > 10
    )
    calls_x, puts_x = drawn["call bid-ask IV"][:, 0, 0], drawn["put bid-ask IV"][:, 0, 0]
    assert (calls_x < puts_x).all()  # side by side around each strike


def test_calls_and_puts_of_different_marks_get_a_line_each(chain: pd.DataFrame) -> None:
    rows = select_expiry(chain, EXPIRY).copy()
    puts = rows["option_type"] == "Put"
    rows.loc[puts, "mark_iv"] = rows.loc[puts, "mark_iv"] + 0.01
    lines = {str(line.get_label()) for line in smile(rows, quotes="both").axes[0].get_lines()}
    assert {"call mark IV", "put mark IV"} <= lines and "mark IV" not in lines


def test_bad_x_and_an_empty_chain(chain: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"x must be one of \['strike', 'moneyness'\], got 'delta'"):
        smile(chain, EXPIRY, x="delta")
    pane = smile(chain.iloc[:0]).axes[0]
    assert pane.get_title(loc="left").startswith("BTC options OTM IV smile")
    assert [t.get_text() for t in pane.texts] == ["no data"]
