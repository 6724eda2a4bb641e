"""basis(): the futures term structure against the index (Bybit's figures) or the perpetual (last prices)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from bybit_research.plotting import basis
from bybit_research.plotting.basis import basis_table
from bybit_research.plotting.style import date_numbers

from .conftest import NOW
from .drawn import xs, ys

FUTURES = [
    "BTC-28JUN24", "BTC-27SEP24", "BTCUSDT-28JUN24", "BTCUSDT-27SEP24", "ETH-28JUN24", "ETH-27SEP24",
    "ETHUSDT-28JUN24", "ETHUSDT-27SEP24", "SOLUSDT-28JUN24", "SOLUSDT-27SEP24",
]  # fmt: skip


def test_against_the_index_are_bybits_own_figures(linear_tickers: pd.DataFrame) -> None:
    table = basis_table(linear_tickers, now=NOW)
    assert list(table.index) == FUTURES
    assert table.loc["BTC-28JUN24", "family"] == "BTC (USDC)"
    assert table.loc["ETHUSDT-27SEP24", "family"] == "ETHUSDT"
    assert set(table["reference"]) == {"index"}
    for column in ("basis", "basis_rate", "basis_rate_year"):
        np.testing.assert_array_equal(table[column], linear_tickers.loc[FUTURES, column])
    # Bybit's basis is last price minus index price, and its yearly rate is the rate x 365 / days to delivery
    sample = linear_tickers.loc["BTCUSDT-28JUN24"]
    assert sample["basis"] == pytest.approx(sample["last_price"] - sample["index_price"], abs=0.01)
    days = (pd.Timestamp("2024-06-28 08:00", tz="UTC") - NOW) / pd.Timedelta(days=1)
    assert table.loc["BTCUSDT-28JUN24", "days"] == pytest.approx(days)
    assert sample["basis_rate_year"] == pytest.approx(sample["basis_rate"] * 365 / days, rel=2e-3)


def test_against_the_perp_is_computed_from_last_prices(linear_tickers: pd.DataFrame) -> None:
    table = basis_table(linear_tickers, "perp", now=NOW)
    assert table.loc["BTC-27SEP24", "reference"] == "BTCPERP"
    assert table.loc["SOLUSDT-28JUN24", "reference"] == "SOLUSDT"
    last = linear_tickers["last_price"]
    want = last["ETH-27SEP24"] - last["ETHPERP"]
    assert table.loc["ETH-27SEP24", "basis"] == pytest.approx(want)
    assert table.loc["ETH-27SEP24", "basis_rate"] == pytest.approx(want / last["ETHPERP"])
    days = (pd.Timestamp("2024-09-27 08:00", tz="UTC") - NOW) / pd.Timedelta(days=1)
    assert table.loc["ETH-27SEP24", "basis_rate_year"] == pytest.approx(want / last["ETHPERP"] * 365 / days)


def test_missing_perpetuals_and_bad_arguments_are_refused(linear_tickers: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"not in the frame: \['BTCPERP'\]"):
        basis_table(linear_tickers.drop(index="BTCPERP"), "perp", now=NOW)
    odd = linear_tickers.rename(index={"BTC-28JUN24": "BTC_28JUN24"})
    with pytest.raises(ValueError, match=r"no perpetual is known for \['BTC_28JUN24'\]"):
        basis_table(odd, "perp", now=NOW)
    with pytest.raises(ValueError, match=r"against must be one of \['index', 'perp'\], got 'spot'"):
        basis_table(linear_tickers, "spot")
    bare = linear_tickers.copy()
    bare.attrs = {}
    with pytest.raises(ValueError, match="counts days to delivery from now="):
        basis_table(bare, "perp")


def test_figure_draws_one_line_per_family_over_delivery_dates(linear_tickers: pd.DataFrame) -> None:
    figure = basis(linear_tickers, now=NOW)
    assert isinstance(figure, Figure)
    pane = figure.axes[0]
    assert pane.get_title(loc="left") == (
        "linear futures basis against the index price, annualised, snapshot 2024-06-15 12:34:56 UTC"
    )
    assert pane.get_ylabel() == "basis vs index, annualised (per year)"
    assert pane.get_xlabel() == "delivery (UTC)"
    lines = {str(line.get_label()): line for line in pane.get_lines()}
    assert sorted(k for k in lines if not k.startswith("_")) == [
        "BTC (USDC)", "BTCUSDT", "ETH (USDC)", "ETHUSDT", "SOLUSDT", "snapshot"
    ]  # fmt: skip
    btc = lines["BTCUSDT"]
    np.testing.assert_allclose(ys(btc), linear_tickers.loc[FUTURES[2:4], "basis_rate_year"] * 100)
    np.testing.assert_allclose(xs(btc), date_numbers(linear_tickers.loc[FUTURES[2:4], "delivery_time"]))
    assert btc.get_linestyle() == "-" and lines["BTC (USDC)"].get_linestyle() == "--"
    assert btc.get_color() == lines["BTC (USDC)"].get_color() != lines["ETHUSDT"].get_color()
    labels = sorted(t.get_text() for t in pane.texts)
    value = linear_tickers["basis"].to_dict()["BTCUSDT-27SEP24"]
    assert f"{value:+.4g}" in labels and len(labels) == 10


def test_against_the_perp_each_line_starts_at_zero_now(linear_tickers: pd.DataFrame) -> None:
    pane = basis(linear_tickers, "perp", base_coin="eth", now=NOW).axes[0]
    assert pane.get_title(loc="left").startswith("ETH linear futures basis against the perpetual")
    lines = {
        str(line.get_label()): line for line in pane.get_lines() if not str(line.get_label()).startswith("_")
    }
    assert sorted(lines) == ["ETH (USDC)", "ETHUSDT", "snapshot"]
    y = ys(lines["ETHUSDT"])
    assert y[0] == 0.0 and len(y) == 3
    want = basis_table(linear_tickers, "perp", now=NOW).loc[["ETHUSDT-28JUN24", "ETHUSDT-27SEP24"]]
    np.testing.assert_allclose(y[1:], want["basis_rate_year"] * 100)
    assert xs(lines["ETHUSDT"])[0] == pytest.approx(date_numbers(pd.DatetimeIndex([NOW]))[0])


def test_tickers_of_perpetuals_only_give_a_titled_empty_figure(linear_tickers: pd.DataFrame) -> None:
    perps = linear_tickers[linear_tickers["delivery_time"].isna()]
    pane = basis(perps, now=NOW).axes[0]
    assert pane.get_title(loc="left").startswith("linear futures basis against the index price")
    assert [t.get_text() for t in pane.texts] == ["no dated futures"]


def test_days_count_from_the_exchange_clock_of_the_snapshot(linear_tickers: pd.DataFrame) -> None:
    # the simulator's clock is fixed at NOW; this machine's (fetched_at) is today
    assert pd.Timestamp(linear_tickers.attrs["server_time"]) == NOW.floor("ms")
    assert pd.Timestamp(linear_tickers.attrs["fetched_at"]) > NOW + pd.Timedelta(days=365)
    pd.testing.assert_frame_equal(
        basis_table(linear_tickers, "perp"), basis_table(linear_tickers, "perp", now=NOW.floor("ms"))
    )
    machine = basis_table(linear_tickers, "perp", now=linear_tickers.attrs["fetched_at"])
    assert not machine["basis_rate_year"].equals(basis_table(linear_tickers, "perp")["basis_rate_year"])
