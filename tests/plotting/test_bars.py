"""OHLC aggregation: coarser bars keep each bar's true open, high, low and close, aligned as Bybit aligns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bybit_research.plotting import bars

MINUTE = 60_000


def synthetic_klines(rows: int, start: str = "2024-01-01", seed: int = 7, step: str = "1min") -> pd.DataFrame:
    """A klines-shaped frame: a random walk with rare spikes far outside the walk."""
    rng = np.random.default_rng(seed)
    close = 100.0 + np.cumsum(rng.normal(0, 0.1, rows))
    open_ = np.concatenate(([100.0], close[:-1]))
    high = np.maximum(open_, close) + rng.uniform(0, 0.05, rows)
    low = np.minimum(open_, close) - rng.uniform(0, 0.05, rows)
    spikes = rng.choice(rows, size=max(rows // 5000, 2), replace=False)
    high[spikes[0::2]] += 25.0
    low[spikes[1::2]] -= 25.0
    index = pd.date_range(start, periods=rows, freq=step, tz="UTC", name="time").as_unit("ms")
    frame = pd.DataFrame(
        {"open": open_, "high": high, "low": low, "close": close, "volume": rng.uniform(1, 5, rows),
         "turnover": rng.uniform(100, 500, rows), "closed": np.ones(rows, dtype=bool)},
        index=index,
    )  # fmt: skip
    frame.attrs = {"category": "linear", "params": {"symbol": "BTCUSDT", "interval": "1"}}
    return frame


def pandas_bars(frame: pd.DataFrame, rule: str, origin: str = "epoch") -> pd.DataFrame:
    """The reference: pandas' own resampling."""
    agg = {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum", "turnover": "sum"}
    return frame.resample(rule, origin=origin).agg(agg).dropna(subset=["open"])


def test_aggregate_equals_pandas_resampling_and_keeps_spikes() -> None:
    frame = synthetic_klines(20_000)
    got = bars.aggregate(frame, 720 * MINUTE)
    want = pandas_bars(frame, "12h")
    pd.testing.assert_frame_equal(got.drop(columns="closed"), want, check_freq=False, check_index_type=False)
    assert got["high"].max() == frame["high"].max()
    assert got["low"].min() == frame["low"].min()
    assert got.attrs["bar_ms"] == 720 * MINUTE
    assert got.attrs["params"] == {"symbol": "BTCUSDT", "interval": "1"}
    assert str(got.index.dtype) == "datetime64[ms, UTC]"


def test_weekly_bars_start_on_mondays() -> None:
    frame = synthetic_klines(60 * 24 * 30, start="2024-01-03")  # a Wednesday
    got = bars.aggregate(frame, 10_080 * MINUTE)
    assert list(pd.DatetimeIndex(got.index).day_name()) == ["Monday"] * len(got)
    assert got.index[0] == pd.Timestamp("2024-01-01", tz="UTC")
    weekly = frame.resample("W-MON", label="left", closed="left").agg({"high": "max", "low": "min"})
    assert len(weekly) == len(got) == 5
    np.testing.assert_array_equal(got["high"].to_numpy(), weekly["high"].to_numpy())
    np.testing.assert_array_equal(got["low"].to_numpy(), weekly["low"].to_numpy())


def test_nan_values_are_skipped_inside_a_bar_and_gaps_make_no_bar() -> None:
    frame = synthetic_klines(120).iloc[[*range(0, 30), *range(90, 120)]].copy()
    frame.loc[frame.index[0], "open"] = np.nan
    frame.loc[frame.index[29], "close"] = np.nan
    frame.loc[frame.index[5], "high"] = np.nan
    got = bars.aggregate(frame, 30 * MINUTE)
    assert list(pd.DatetimeIndex(got.index).strftime("%H:%M")) == ["00:00", "01:30"]
    assert got["open"].iloc[0] == frame["open"].iloc[1]
    assert got["close"].iloc[0] == frame["close"].iloc[28]
    assert got["high"].iloc[0] == np.nanmax(frame["high"].iloc[:30])


def test_closed_is_true_only_when_every_candle_of_the_bar_is_closed() -> None:
    frame = synthetic_klines(90)
    frame.loc[frame.index[-1], "closed"] = False
    got = bars.aggregate(frame, 30 * MINUTE)
    assert got["closed"].tolist() == [True, True, False]


def test_an_empty_frame_gives_an_empty_frame_of_the_same_columns() -> None:
    frame = synthetic_klines(10).iloc[:0]
    got = bars.aggregate(frame, 5 * MINUTE)
    assert list(got.columns) == ["open", "high", "low", "close", "volume", "turnover", "closed"]
    assert got.empty and got.attrs["bar_ms"] == 5 * MINUTE


def test_unsorted_rows_are_sorted_first() -> None:
    frame = synthetic_klines(60)
    got = bars.aggregate(frame.iloc[::-1], 15 * MINUTE)
    pd.testing.assert_frame_equal(got, bars.aggregate(frame, 15 * MINUTE))


@pytest.mark.parametrize(
    ("minutes", "step", "max_bars", "want"),
    [
        (525_600, 1, 880, 720),  # a year of minutes on ~880 pixel columns -> 12h bars (731 of them)
        (10_080, 1, 880, 15),  # a week -> 15-minute bars (672)
        (180, 1, 880, 1),  # three hours fit: no aggregation
        (10_080, 3, 880, 15),  # 3-minute candles: only multiples of 3 minutes (15 = 5 x 3)
        (525_600, 60, 100, 10_080),  # a year of hours on 100 pixels -> weeks (53)
    ],
)
def test_coarser_step_is_the_smallest_offered_step_that_fits(
    minutes: int, step: int, max_bars: int, want: int
) -> None:
    first = int(pd.Timestamp("2023-06-01", tz="UTC").value // 1_000_000)
    last = first + (minutes - step) * MINUTE
    got = bars.coarser_step_ms(first, last, step * MINUTE, max_bars)
    assert got == want * MINUTE
    finer = [s for s in bars.STEPS_MS if step * MINUTE <= s < got and s % (step * MINUTE) == 0]
    assert all(bars._bar_count(first, last, s) > max_bars for s in finer if s != step * MINUTE)


def test_coarser_step_refuses_non_positive_bar_counts() -> None:
    with pytest.raises(ValueError, match="max_bars must be a positive number of bars, got 0"):
        bars.coarser_step_ms(0, MINUTE * 100, MINUTE, 0)


@pytest.mark.parametrize(
    ("interval", "want"), [("1", MINUTE), ("60", 60 * MINUTE), ("D", 1440 * MINUTE), ("W", 10_080 * MINUTE)]
)
def test_candle_step_from_the_interval_code(interval: str, want: int) -> None:
    assert bars.candle_step_ms(interval, pd.DatetimeIndex([])) == want


def test_candle_step_without_a_code_is_the_smallest_gap_and_months_have_none() -> None:
    times = pd.DatetimeIndex(["2024-01-01 00:00", "2024-01-01 00:05", "2024-01-01 00:30"], tz="UTC")
    assert bars.candle_step_ms(None, times) == 5 * MINUTE
    assert bars.candle_step_ms("M", times) is None
    assert bars.candle_step_ms(None, times[:1]) is None
