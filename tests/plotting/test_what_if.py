"""what_if(): a what-if of the margin analytics drawn as the result's numbers: MM/IM per risk unit before and
after, each leg's marginal margin, and the P&L curves before and after with their worst points."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.container import BarContainer

from bybit_research import plotting
from bybit_research.analytics.margin import Calibration, what_if
from bybit_research.analytics.margin_whatif import WhatIf
from bybit_research.plotting.margin_cells import format_usd
from bybit_research.plotting.style import new_figure
from bybit_research.plotting.what_if import LEG_LABEL, MARGINS, account_line, leg_label

from .drawn import cell, xs, ys


def run(cal: Calibration, add: Any = None, remove: Any = None) -> WhatIf:
    return what_if(
        cal.positions,
        add=add,
        remove=remove,
        market=cal.market,
        params=cal.params,
        now=cal.now,
        equity=cal.equity,
        outside_im=cal.outside_im,
        outside_mm=cal.outside_mm,
    )


@pytest.fixture(scope="module")
def hedge(calibration: Calibration) -> WhatIf:
    """Sell 0.2 BTCUSDT against the BTC unit's worst case (a fall)."""
    return run(calibration, add=[{"symbol": "BTCUSDT", "side": "Sell", "size": 0.2}])


@pytest.fixture(scope="module")
def three_legs(calibration: Calibration) -> WhatIf:
    return run(
        calibration,
        add=[
            {"symbol": "BTCUSDT", "side": "Sell", "size": 0.2},
            {"symbol": "SOLUSDT", "side": "Buy", "size": 20},
        ],
        remove=["ETH-5JUL24-2600-P"],
    )


def heights(pane: Axes) -> list[np.ndarray]:
    bars = [c for c in pane.containers if isinstance(c, BarContainer)]
    return [np.array([p.get_height() for p in c.patches]) for c in bars]


def widths(pane: Axes) -> list[np.ndarray]:
    bars = [c for c in pane.containers if isinstance(c, BarContainer)]
    return [np.array([p.get_width() for p in c.patches]) for c in bars]


def test_margin_bars_are_the_units_before_and_after(hedge: WhatIf) -> None:
    figure = plotting.what_if(hedge)
    pane = figure.axes[0]
    assert [t.get_text() for t in pane.get_xticklabels()] == ["BTC", "ETH", "SOL"]
    drawn = heights(pane)
    assert len(drawn) == 4 and [label for _, label, _, _ in MARGINS] == [
        "MM before", "MM after", "IM before", "IM after",
    ]  # fmt: skip
    for bars, (column, _, _, _) in zip(drawn, MARGINS, strict=True):
        np.testing.assert_array_equal(bars, hedge.units[column].to_numpy())
    # only BTC's margins change: the change is written over its "after" bars, in green (margin falls)
    changes = [t for t in pane.texts]
    assert [t.get_text() for t in changes] == [
        f"{cell(hedge.units, 'BTC', 'mm_change'):+,.0f}",
        f"{cell(hedge.units, 'BTC', 'im_change'):+,.0f}",
    ]
    assert cell(hedge.units, "BTC", "mm_change") < 0 and changes[0].get_color() == "#26a69a"
    assert hedge.units.loc[["ETH", "SOL"], "mm_change"].abs().max() < 0.005
    assert pane.get_ylabel() == "margin (USD)"


def test_the_title_names_the_leg_the_time_and_the_account(hedge: WhatIf) -> None:
    title = plotting.what_if(hedge).axes[0].get_title(loc="left")
    first, second = title.split("\n")
    assert (
        first
        == "what if add BTCUSDT (-0.2): margin per risk unit before and after, at 2024-06-15 12:34:56 UTC"
    )
    account = hedge.account
    assert second == account_line(hedge)
    mm, im = (account.loc[field].to_numpy() for field in ("account_mm", "account_im"))
    rate = account.loc["account_mm_rate"].to_numpy()
    assert second == (
        f"account (USD): MM {format_usd(mm[0])} → {format_usd(mm[1])} ({format_usd(mm[2])}) · "
        f"IM {format_usd(im[0])} → {format_usd(im[1])} ({format_usd(im[2])}) · "
        f"MM rate {rate[0]:.2%} → {rate[1]:.2%}"
    )
    assert mm[2] < 0 and im[2] < 0  # the hedge lowers margin: the changes carry their minus sign


def test_each_legs_marginal_margin(three_legs: WhatIf) -> None:
    figure = plotting.what_if(three_legs)
    pane = figure.axes[1]
    legs = three_legs.legs
    assert [t.get_text() for t in pane.texts if t.get_gid() == LEG_LABEL] == [
        "add BTCUSDT (-0.2)", "add SOLUSDT (+20)", "remove ETH-5JUL24-2600-P (-4.2)",
    ]  # fmt: skip
    assert pane.get_yticks().tolist() == []
    mm, im = widths(pane)
    np.testing.assert_array_equal(mm, legs["marginal_mm"].to_numpy())
    np.testing.assert_array_equal(im, legs["marginal_im"].to_numpy())
    assert [t.get_text().strip() for t in pane.texts if t.get_gid() != LEG_LABEL] == [
        *(f"{v:+,.2f}" for v in legs["marginal_mm"]),
        *(f"{v:+,.2f}" for v in legs["marginal_im"]),
    ]
    assert figure.axes[0].get_title(loc="left").startswith("what if (3 legs): margin per risk unit")
    assert leg_label(legs.iloc[2]) == "remove ETH-5JUL24-2600-P (-4.2)"


def test_the_pnl_curves_before_and_after_with_their_worst_points(three_legs: WhatIf) -> None:
    pane = plotting.what_if(three_legs).axes[2]
    curves = [line for line in pane.get_lines() if not str(line.get_label()).startswith("_")]
    labels = [str(line.get_label()) for line in curves]
    assert [label.split(" (")[0] for label in labels] == [
        "BTC before",
        "BTC after",
        "SOL before",
        "SOL after",
        "ETH before",
        "ETH after",
    ]  # fmt: skip  (the legs' units, in the legs' order)
    for line, label in zip(curves, labels, strict=True):
        coin, stage = label.split(" (")[0].split(" ")
        expected = three_legs.grid[(stage, coin, "ALL")]
        np.testing.assert_array_equal(xs(line), expected.index.to_numpy())
        np.testing.assert_array_equal(ys(line), expected.to_numpy())
        assert label.endswith(f"(worst {format_usd(expected.min())})")
    markers = [line for line in pane.get_lines() if line.get_marker() == "v"]
    assert len(markers) == 6
    for marker, line in zip(markers, curves, strict=True):
        assert ys(marker)[0] == ys(line).min() and xs(marker)[0] == xs(line)[np.argmin(ys(line))]
    legend = pane.get_legend()
    assert legend is not None
    assert [t.get_text().split(" (")[0] for t in legend.get_texts()] == [
        "BTC before", "SOL before", "ETH before", "BTC after", "SOL after", "ETH after",
    ]  # fmt: skip


def test_units_picks_the_curves_and_ax_draws_the_margin_bars(hedge: WhatIf) -> None:
    pane = plotting.what_if(hedge, units=["SOL", "ETH"]).axes[2]
    labels = [str(line.get_label()) for line in pane.get_lines()]
    assert [label.split(" (")[0] for label in labels if not label.startswith("_")] == [
        "SOL before", "SOL after", "ETH before", "ETH after",
    ]  # fmt: skip
    figure, (ax,) = new_figure(3.0)
    assert plotting.what_if(hedge, ax=ax) is figure
    assert len(figure.axes) == 1 and len(heights(ax)) == 4


def test_an_empty_result_is_a_titled_figure() -> None:
    empty = pd.DataFrame(
        {"category": pd.Series(dtype=object), "side": pd.Series(dtype=object), "size": pd.Series(dtype=float),
         "mark_price": pd.Series(dtype=float)},
        index=pd.Index([], name="symbol"),
    )  # fmt: skip
    figure = plotting.what_if(what_if(empty, now="2024-06-15"))
    margin, legs, curves = figure.axes
    assert margin.get_title(loc="left").startswith(
        "what if (no legs): margin per risk unit before and after, at 2024-06-15 00:00:00 UTC"
    )
    assert [t.get_text() for t in margin.texts] == ["no risk units"]
    assert [t.get_text() for t in legs.texts] == ["no legs"]
    assert [t.get_text() for t in curves.texts] == ["no legs"]


def test_bad_input(hedge: WhatIf) -> None:
    with pytest.raises(
        ValueError, match=r"what_if\(\) expects a what-if result \(br.margin.what_if\(.*; got DataFrame"
    ):
        plotting.what_if(hedge.units)  # type: ignore[arg-type]
    with pytest.raises(
        ValueError,
        match=r"units=\['XRP'\] are not risk units of the result; it holds \['BTC', 'ETH', 'SOL'\]",
    ):
        plotting.what_if(hedge, units=["XRP"])
