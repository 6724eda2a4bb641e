"""The shared layer: units and titles from symbols, tick formatters, UTC date numbers, figures without pyplot,
and the frame checks."""

from __future__ import annotations

import datetime as dt

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bybit_research.plotting import labels, style
from bybit_research.plotting.checks import FrameKind, check_frame, one_symbol, time_index


@pytest.mark.parametrize(
    ("symbol", "category", "base", "quote"),
    [
        ("BTCUSDT", "linear", "BTC", "USDT"),
        ("BTCPERP", "linear", "BTC", "USDC"),
        ("BTCUSDT-27DEC24", "linear", "BTC", "USDT"),
        ("ETH-28JUN24", "linear", "ETH", "USDC"),
        ("BTCUSD", "inverse", "BTC", "USD"),
        ("BTCUSDH25", "inverse", "BTC", "USD"),
        ("ETHBTC", "spot", "ETH", "BTC"),
        ("BTC-28JUN24-60000-C", "option", "BTC", "USDC"),
        ("BTC-13FEB25-89000-P-USDT", "option", "BTC", "USDT"),
        ("WEIRD", "linear", None, None),
    ],
)
def test_coins_of_bybit_symbols(symbol: str, category: str, base: str | None, quote: str | None) -> None:
    assert labels.base_coin(symbol, category) == base
    assert labels.quote_coin(symbol, category) == quote


def test_units_follow_the_v5_conventions() -> None:
    kinds = ("price", "volume", "turnover", "open_interest")
    assert [labels.unit(k, "BTCUSDT", "linear") for k in kinds] == ["USDT", "BTC", "USDT", "BTC"]
    assert [labels.unit(k, "BTCUSD", "inverse") for k in kinds] == ["USD", "USD", "BTC", "USD"]
    assert labels.unit("volume", "WEIRD", "linear") == "base coin"
    assert labels.unit("price", None, None) == "quote coin"
    with pytest.raises(
        ValueError, match=r"unit kind must be one of \['open_interest', 'price', 'turnover', 'vol"
    ):
        labels.unit("size", "BTCUSDT", "linear")


def test_ranges_intervals_and_titles() -> None:
    assert labels.describe_range("2024-06-01", pd.Timestamp("2024-06-30")) == "2024-06-01 to 2024-06-30 UTC"
    assert labels.describe_range(1717200000000, 1717203600000) == "2024-06-01 00:00 to 2024-06-01 01:00 UTC"
    assert labels.describe_range(None, "2024-01-01") == ""
    assert [labels.interval_label(c) for c in ("1", "15", "60", "240", "720", "D", "W", "M")] == [
        "1m", "15m", "1h", "4h", "12h", "1d", "1w", "1M"
    ]  # fmt: skip
    assert [labels.duration_label(m * 60_000) for m in (5, 120, 1440, 10_080, 20_160)] == [
        "5m", "2h", "1d", "1w", "2w"
    ]  # fmt: skip
    assert labels.title("klines", ["BTCUSDT"], "linear", "2024 UTC") == "BTCUSDT (linear) klines, 2024 UTC"
    assert labels.title("klines", [], "linear", "") == "linear klines"
    assert labels.format_time(pd.Timestamp("2024-06-15 12:34:56.789", tz="UTC")) == "2024-06-15 12:34:56 UTC"
    assert labels.format_time(None) == ""


def test_symbols_of_a_frame() -> None:
    frame = pd.DataFrame({"x": [1.0]})
    frame.attrs = {"params": {"symbol": ["ETHUSDT", "BTCUSDT"]}}
    assert labels.symbols_of(frame) == ["ETHUSDT", "BTCUSDT"]
    frame.attrs = {"symbol": "XRPUSDT"}
    assert labels.symbols_of(frame) == ["XRPUSDT"]
    assert labels.symbols_of(pd.DataFrame({"symbol": ["B", "A", "B"]})) == ["A", "B"]


@pytest.mark.parametrize(
    ("ticks", "value", "text"),
    [
        ([112_900.0, 112_905.0, 112_910.0], 112_905.0, "112,905"),
        ([0.2400, 0.2405, 0.2410], 0.2405, "0.2405"),
        ([60_000.0, 80_000.0], 80_000.0, "80,000"),
        ([1.0, 1.5, 2.0], 1.5, "1.5"),
        ([-45_000.0, -40_000.0], -40_000.0, "-40,000"),
    ],
)
def test_price_formatter(ticks: list[float], value: float, text: str) -> None:
    formatter = style.PriceFormatter()
    formatter.set_locs(ticks)
    assert formatter(value) == text


@pytest.mark.parametrize(
    ("ticks", "value", "text"),
    [
        ([0.0, 0.5, 1.0, 1.5], 0.5, "0.5"),
        ([0.0, 200.0, 400.0], 400.0, "400"),
        ([0.0, 20_000.0, 40_000.0], 20_000.0, "20k"),
        ([0.0, 1.5e6, 3.0e6], 1.5e6, "1.5M"),
        ([0.0, 2.5e9, 5e9], 5e9, "5.0B"),
        ([0.0, 2.5e9, 5e9], 0.0, "0"),
    ],
)
def test_compact_formatter_never_uses_milli(ticks: list[float], value: float, text: str) -> None:
    formatter = style.CompactFormatter()
    formatter.set_locs(ticks)
    assert formatter(value) == text


def test_date_numbers_are_matplotlibs_for_utc_times() -> None:
    times = pd.DatetimeIndex(["2024-06-01 00:00", "2024-06-01 12:30:15.5"], tz="UTC").as_unit("ms")
    want = mdates.date2num(
        [dt.datetime(2024, 6, 1, tzinfo=dt.UTC), dt.datetime(2024, 6, 1, 12, 30, 15, 500_000)]
    )
    np.testing.assert_allclose(style.date_numbers(times), want, rtol=0, atol=1e-9)
    naive = pd.DatetimeIndex(["2024-06-01 00:00"])  # naive times are UTC
    assert style.date_numbers(naive)[0] == pytest.approx(want[0])
    berlin = pd.DatetimeIndex(["2024-06-01 02:00"]).tz_localize("Europe/Berlin")
    assert style.date_numbers(berlin)[0] == pytest.approx(want[0])


def test_new_figures_are_agg_figures_of_notebook_width() -> None:
    figure, axes = style.new_figure(5.0, (3.0, 1.0))
    assert isinstance(figure, Figure) and isinstance(figure.canvas, FigureCanvasAgg)
    assert tuple(figure.get_size_inches()) == (10.0, 5.0) and figure.dpi == 100
    assert len(axes) == 2 and axes[0].get_shared_x_axes().joined(axes[0], axes[1])
    assert not axes[0].spines["top"].get_visible()


def test_series_colours_cycle() -> None:
    assert style.series_colour(0) == style.SERIES[0]
    assert style.series_colour(len(style.SERIES)) == style.SERIES[0]
    assert style.UP != style.DOWN and style.BID == style.UP and style.ASK == style.DOWN


KIND = FrameKind("a test frame", ("a", "b"), numeric=("a",))


def test_check_frame_messages() -> None:
    index = pd.DatetimeIndex(["2024-01-01"], tz="UTC", name="time")
    good = pd.DataFrame({"a": [1.0], "b": ["x"]}, index=index)
    assert check_frame(good, "helper", KIND) is good
    expects = r"^helper\(\) expects a test frame \(columns a, b; DatetimeIndex 'time'\); "
    with pytest.raises(
        ValueError, match=expects + r"got columns \[a\] \(index 'time', DatetimeIndex\), missing b$"
    ):
        check_frame(good[["a"]], "helper", KIND)
    wide = pd.DataFrame({f"c{i}": [0] for i in range(20)})
    with pytest.raises(ValueError, match=r"got columns \[c0, c1, .*, c11, \.\.\. \(20 columns\)\]"):
        check_frame(wide, "helper", KIND)
    with pytest.raises(ValueError, match=r"column 'a' holds bool values, not numbers"):
        check_frame(good.assign(a=True), "helper", KIND)


def test_time_index_reads_the_time_level_and_takes_naive_times_as_utc() -> None:
    multi = pd.MultiIndex.from_arrays(
        [pd.DatetimeIndex(["2024-01-01", "2024-01-01"], tz="UTC"), ["A", "B"]], names=["time", "symbol"]
    )
    frame = pd.DataFrame({"a": [1.0, 2.0]}, index=multi)
    times = time_index(frame)
    assert times is not None and str(times.tz) == "UTC" and len(times) == 2
    naive = pd.DataFrame({"a": [1.0]}, index=pd.DatetimeIndex(["2024-01-01"]))
    stamps = time_index(naive)
    assert stamps is not None and stamps[0] == pd.Timestamp("2024-01-01", tz="UTC")
    rows, picked = one_symbol(frame, "B", "helper")
    assert picked == "B" and rows["a"].tolist() == [2.0] and rows.index.names == ["time"]
