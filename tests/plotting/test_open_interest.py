"""open_interest(): the open interest line and, when given, the price on a twin axis."""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from bybit_research.client import Client
from bybit_research.plotting import open_interest
from bybit_research.plotting.style import date_numbers

from .drawn import xs, ys


@pytest.fixture(scope="module")
def oi(client: Client) -> pd.DataFrame:
    return client.open_interest("BTCUSDT", "1h", "2024-06-01", "2024-06-03")


def test_open_interest_line_equals_the_frame(oi: pd.DataFrame) -> None:
    figure = open_interest(oi)
    assert len(figure.axes) == 1
    pane = figure.axes[0]
    assert pane.get_title(loc="left") == (
        "BTCUSDT (linear) open interest (1h), 2024-06-01 00:00 to 2024-06-02 23:00 UTC"
    )
    assert pane.get_ylabel() == "open interest (BTC)" and pane.get_xlabel() == "time (UTC)"
    (line,) = pane.get_lines()
    assert len(oi) == 48
    np.testing.assert_array_equal(ys(line), oi["open_interest"].to_numpy())
    np.testing.assert_allclose(xs(line), date_numbers(pd.DatetimeIndex(oi.index)))
    first = mdates.num2date(float(xs(line)[0]))
    assert first == pd.Timestamp("2024-06-01", tz="UTC")


def test_price_goes_on_a_twin_axis(client: Client, oi: pd.DataFrame) -> None:
    price = client.klines("BTCUSDT", "60", start="2024-06-01", end="2024-06-03")
    figure = open_interest(oi, price)
    pane, twin = figure.axes
    assert pane.get_title(loc="left").startswith("BTCUSDT (linear) open interest (1h) and last price, ")
    assert twin.get_ylabel() == "price (USDT)"
    (line,) = twin.get_lines()
    np.testing.assert_array_equal(ys(line), price["close"].to_numpy())
    assert twin.get_shared_x_axes().joined(pane, twin)


def test_inverse_open_interest_is_in_usd(client: Client) -> None:
    frame = client.open_interest("BTCUSD", "1h", "2024-06-01", "2024-06-02", category="inverse")
    pane = open_interest(frame).axes[0]
    assert pane.get_ylabel() == "open interest (USD)"
    assert pane.get_title(loc="left").startswith("BTCUSD (inverse) open interest (1h)")


def test_ax_draws_into_the_given_axes(oi: pd.DataFrame) -> None:
    outer = Figure()
    ax = outer.add_subplot()
    assert open_interest(oi, ax=ax) is outer
    np.testing.assert_array_equal(ys(ax.get_lines()[0]), oi["open_interest"].to_numpy())


def test_price_must_be_a_klines_frame(oi: pd.DataFrame) -> None:
    with pytest.raises(
        ValueError, match=r"open_interest\(\) expects a klines frame \(columns open, high, low, close"
    ):
        open_interest(oi, oi)


def test_price_of_several_symbols_is_refused(client: Client, oi: pd.DataFrame) -> None:
    both = client.klines(["BTCUSDT", "ETHUSDT"], "60", start="2024-06-01", end="2024-06-02")
    with pytest.raises(ValueError, match=r"open_interest\(\) draws one symbol; pass symbol= one of"):
        open_interest(oi, both)
