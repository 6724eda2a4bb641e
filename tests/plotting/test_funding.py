"""funding(): rates per settlement, annualised by each symbol's interval, and cumulative."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bybit_research.client import Client
from bybit_research.plotting import funding
from bybit_research.plotting.funding import annualised, funding_intervals

from .drawn import ys


@pytest.fixture(scope="module")
def two_symbols(client: Client) -> pd.DataFrame:
    """BTCUSDT (8-hour funding) and SUIUSDT (4-hour funding) over four days, concatenated."""
    frames = [client.funding_rates(s, "2024-06-01", "2024-06-05") for s in ("BTCUSDT", "SUIUSDT")]
    both = pd.concat(frames).sort_index(kind="stable")
    both.attrs = {"category": "linear"}
    return both


def lines(ax: Axes) -> dict[str, np.ndarray]:
    return {str(line.get_label()): ys(line) for line in ax.get_lines()[:-1]}


def test_intervals_from_timestamps_equal_the_instruments(client: Client, two_symbols: pd.DataFrame) -> None:
    minutes = funding_intervals(two_symbols)
    held = two_symbols["symbol"].to_numpy()
    assert set(minutes[held == "BTCUSDT"]) == {480.0}
    assert set(minutes[held == "SUIUSDT"]) == {240.0}
    instruments = client.instruments("linear")
    assert instruments.loc[["BTCUSDT", "SUIUSDT"], "funding_interval"].tolist() == [480, 240]
    np.testing.assert_array_equal(funding_intervals(two_symbols, instruments), minutes)
    np.testing.assert_array_equal(funding_intervals(two_symbols, {"BTCUSDT": 480, "SUIUSDT": 240}), minutes)
    np.testing.assert_array_equal(funding_intervals(two_symbols, 60), np.full(len(two_symbols), 60.0))


def test_a_changed_interval_follows_the_timestamps() -> None:
    times = pd.DatetimeIndex(["2024-01-01 00:00", "2024-01-01 08:00", "2024-01-01 12:00", "2024-01-01 13:00"])
    frame = pd.DataFrame({"symbol": "XUSDT", "funding_rate": 0.0001}, index=times.tz_localize("UTC"))
    np.testing.assert_array_equal(funding_intervals(frame), [480.0, 480.0, 240.0, 60.0])


def test_annualised_is_rate_times_periods_per_365_day_year() -> None:
    got = annualised(np.array([0.0001, 0.0001, -0.0002]), np.array([480.0, 240.0, 60.0]))
    np.testing.assert_allclose(got, [0.0001 * 1095, 0.0001 * 2190, -0.0002 * 8760])


def test_unknown_intervals_are_refused(two_symbols: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"no funding interval for SUIUSDT: intervals= gives None"):
        funding_intervals(two_symbols, {"BTCUSDT": 480})
    with pytest.raises(ValueError, match=r"no funding interval for BTCUSDT: intervals= gives 0"):
        funding_intervals(two_symbols, {"BTCUSDT": 0, "SUIUSDT": 240})
    with pytest.raises(ValueError, match="intervals must be a positive number of minutes, got -5"):
        funding_intervals(two_symbols, -5)
    with pytest.raises(ValueError, match=r"instruments frame \(column funding_interval, index symbol\)"):
        funding_intervals(two_symbols, pd.DataFrame({"x": [1]}))
    one = two_symbols.iloc[:1]
    with pytest.raises(
        ValueError, match="one settlement of BTCUSDT gives no funding interval; pass intervals="
    ):
        funding_intervals(one)


def test_panes_hold_rate_annualised_and_cumulative_per_symbol(two_symbols: pd.DataFrame) -> None:
    figure = funding(two_symbols)
    assert isinstance(figure, Figure)
    rate, yearly, cumulative = figure.axes
    assert rate.get_title(loc="left") == (
        "BTCUSDT, SUIUSDT (linear) funding rates, 2024-06-01 00:00 to 2024-06-04 20:00 UTC"
    )
    assert [ax.get_ylabel() for ax in figure.axes] == [
        "rate per interval", "annualised (per year)", "cumulative (long pays)"
    ]  # fmt: skip
    assert cumulative.get_xlabel() == "time (UTC)"
    btc = two_symbols[two_symbols["symbol"] == "BTCUSDT"]["funding_rate"].to_numpy()
    sui = two_symbols[two_symbols["symbol"] == "SUIUSDT"]["funding_rate"].to_numpy()
    assert (len(btc), len(sui)) == (12, 24)
    names = ["BTCUSDT (8h interval)", "SUIUSDT (4h interval)"]
    assert list(lines(rate)) == names
    np.testing.assert_allclose(lines(rate)[names[0]], btc * 100)
    np.testing.assert_allclose(lines(yearly)[names[0]], btc * 100 * 1095)
    np.testing.assert_allclose(lines(yearly)[names[1]], sui * 100 * 2190)
    np.testing.assert_allclose(lines(cumulative)[names[1]], np.cumsum(sui) * 100)
    legend = rate.get_legend()
    assert legend is not None and [t.get_text() for t in legend.get_texts()] == names
    assert rate.yaxis.get_major_formatter()(0.05, 0).endswith("%")


def test_ax_draws_the_annualised_pane(two_symbols: pd.DataFrame) -> None:
    outer = Figure()
    ax = outer.add_subplot()
    assert funding(two_symbols, ax=ax) is outer
    assert ax.get_ylabel() == "annualised (per year)"
    sui = two_symbols[two_symbols["symbol"] == "SUIUSDT"]["funding_rate"].to_numpy()
    np.testing.assert_allclose(lines(ax)["SUIUSDT (4h interval)"], sui * 100 * 2190)


def test_an_empty_frame_gives_a_titled_figure(client: Client) -> None:
    empty = client.funding_rates("BTCUSDT", "2015-01-01", "2015-02-01")
    assert empty.empty
    figure = funding(empty)
    assert figure.axes[0].get_title(loc="left") == (
        "BTCUSDT (linear) funding rates, 2015-01-01 to 2015-02-01 UTC"
    )
    assert [t.get_text() for t in figure.axes[0].texts] == ["no data"]


def test_rows_in_any_order_give_the_same_lines(two_symbols: pd.DataFrame) -> None:
    reversed_rows = two_symbols.iloc[::-1]
    np.testing.assert_array_equal(funding_intervals(reversed_rows), funding_intervals(two_symbols)[::-1])
    got, want = funding(reversed_rows).axes[1], funding(two_symbols).axes[1]
    for name, values in lines(want).items():
        np.testing.assert_array_equal(lines(got)[name], values)
    with pytest.raises(
        ValueError, match="BTCUSDT has two settlements at one time; de-duplicate the frame first"
    ):
        funding_intervals(pd.concat([two_symbols, two_symbols.iloc[:1]]))
