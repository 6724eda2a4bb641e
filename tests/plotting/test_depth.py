"""depth(): cumulative sizes from the best price outwards, the mid and spread marked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from bybit_research.plotting import depth
from bybit_research.plotting.depth import cumulative_depth

from .drawn import xs, ys


def small_book() -> pd.DataFrame:
    book = pd.DataFrame(
        {"side": ["bid", "bid", "bid", "ask", "ask"], "price": [99.0, 100.0, 98.5, 101.0, 102.5],
         "size": [2.0, 1.0, 4.0, 3.0, 0.5], "level": [2, 1, 3, 1, 2]}
    )  # fmt: skip
    book.attrs = {
        "category": "linear",
        "symbol": "XUSDT",
        "ts": pd.Timestamp("2024-06-15 12:00:01", tz="UTC"),
    }
    return book


def test_cumulative_depth_runs_from_the_best_price_outwards() -> None:
    sides = cumulative_depth(small_book())
    np.testing.assert_array_equal(sides["bid"][0], [100.0, 99.0, 98.5])
    np.testing.assert_array_equal(sides["bid"][1], [1.0, 3.0, 7.0])
    np.testing.assert_array_equal(sides["ask"][0], [101.0, 102.5])
    np.testing.assert_array_equal(sides["ask"][1], [3.0, 3.5])
    notional = cumulative_depth(small_book(), "notional")
    np.testing.assert_allclose(notional["bid"][1], [100.0, 298.0, 692.0])
    inverse = small_book()
    inverse.attrs["category"] = "inverse"
    np.testing.assert_allclose(
        cumulative_depth(inverse, "notional")["ask"][1], [3 / 101, 3 / 101 + 0.5 / 102.5]
    )


def test_bad_sides_and_values_are_refused() -> None:
    book = small_book()
    book.loc[0, "side"] = "Buy"
    with pytest.raises(
        ValueError, match=r"depth\(\) expects sides \['bid', 'ask'\] in column 'side', got \['buy'\]"
    ):
        cumulative_depth(book)
    with pytest.raises(ValueError, match=r"value must be one of \['size', 'notional'\], got 'qty'"):
        cumulative_depth(small_book(), "qty")


def test_figure_of_the_simulated_book(book: pd.DataFrame) -> None:
    figure = depth(book)
    assert isinstance(figure, Figure)
    pane = figure.axes[0]
    assert pane.get_title(loc="left") == (
        "BTCUSDT (linear) order book depth, 200 levels a side, 2024-06-15 12:34:56 UTC"
    )
    assert pane.get_ylabel() == "cumulative size (BTC)" and pane.get_xlabel() == "price (USDT)"
    lines = {str(line.get_label()): line for line in pane.get_lines()}
    bids = book[book["side"] == "bid"].sort_values("price", ascending=False)
    asks = book[book["side"] == "ask"].sort_values("price")
    np.testing.assert_array_equal(xs(lines["bids"]), bids["price"])
    np.testing.assert_allclose(ys(lines["bids"]), bids["size"].cumsum())
    np.testing.assert_array_equal(xs(lines["asks"]), asks["price"])
    np.testing.assert_allclose(ys(lines["asks"]), asks["size"].cumsum())
    assert lines["bids"].get_drawstyle() == "steps-post"
    best_bid, best_ask = bids["price"].iloc[0], asks["price"].iloc[0]
    (mid_label,) = [k for k in lines if k.startswith("mid ")]
    assert xs(lines[mid_label])[0] == pytest.approx((best_bid + best_ask) / 2)
    spread = best_ask - best_bid
    assert f"spread {spread:.6g}" in mid_label
    assert pane.get_ylim()[0] == 0.0


def test_uneven_sides_are_counted_and_notional_is_labelled() -> None:
    pane = depth(small_book(), "notional").axes[0]
    assert pane.get_title(loc="left") == (
        "XUSDT (linear) order book depth, 3 bid and 2 ask levels, 2024-06-15 12:00:01 UTC"
    )
    assert pane.get_ylabel() == "cumulative value (USDT)"
    assert "mid 100.5, spread 1 (99.50 bp)" in [str(line.get_label()) for line in pane.get_lines()]


def test_an_empty_book_gives_a_titled_figure() -> None:
    empty = small_book().iloc[:0]
    pane = depth(empty).axes[0]
    assert (
        pane.get_title(loc="left")
        == "XUSDT (linear) order book depth, 0 levels a side, 2024-06-15 12:00:01 UTC"
    )
    assert [t.get_text() for t in pane.texts] == ["empty book"]


def test_ax_draws_into_the_given_axes(book: pd.DataFrame) -> None:
    outer = Figure()
    ax = outer.add_subplot()
    assert depth(book, ax=ax) is outer
    assert {"bids", "asks"} <= {str(line.get_label()) for line in ax.get_lines()}
