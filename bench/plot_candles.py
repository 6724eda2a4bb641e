"""Candlestick speed: ``br.plot.candles`` on a year and a week of 1-minute candles; mplfinance on the week.

Run from the repository root::

    PYTHONPATH=. .venv/bin/python bench/plot_candles.py            # ours x3, mplfinance x1 (~10 s)
    PYTHONPATH=. .venv/bin/python bench/plot_candles.py --repeat 5 --skip-mplfinance

Each timing builds the figure from the frame and renders it to PNG in memory at 100 dpi, 10 inches wide (the
notebook width), price and volume panes (ours also draws turnover). Frames are synthetic, with the klines
frame's shape: UTC ``DatetimeIndex`` ``time``, float ``open, high, low, close, volume, turnover``, bool
``closed``. Both libraries draw a small frame once before the clock starts, so imports and font caches are
not timed. mplfinance (a bench-only dependency) is called through its own ``plot(..., returnfig=True)``.
Goals: a year (525 600 rows) <= 1 s; a week (10 080 rows) >= 10x faster than mplfinance.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bybit_research.plotting import candles  # noqa: E402

YEAR, WEEK = 525_600, 10_080


def klines_frame(rows: int, seed: int = 1) -> pd.DataFrame:
    """A random walk of 1-minute candles shaped like ``br.klines("BTCUSDT", "1", ...)``."""
    rng = np.random.default_rng(seed)
    close = 60_000.0 * np.exp(np.cumsum(rng.normal(0.0, 0.0006, rows)))
    open_ = np.concatenate(([60_000.0], close[:-1]))
    spread = np.abs(rng.normal(0.0, 0.0004, (2, rows))) * close
    volume = rng.gamma(2.0, 5.0, rows)
    index = pd.date_range("2023-06-01", periods=rows, freq="1min", tz="UTC", name="time").as_unit("ms")
    frame = pd.DataFrame(
        {
            "open": open_,
            "high": np.maximum(open_, close) + spread[0],
            "low": np.minimum(open_, close) - spread[1],
            "close": close,
            "volume": volume,
            "turnover": volume * close,
            "closed": np.ones(rows, dtype=bool),
        },
        index=index,
    )
    frame.attrs = {"category": "linear", "params": {"symbol": "BTCUSDT", "interval": "1", "price": "last"}}
    return frame


def ours(frame: pd.DataFrame) -> float:
    """Seconds to build ``candles(frame)`` and render it to PNG."""
    started = time.perf_counter()
    figure = candles(frame)
    figure.savefig(io.BytesIO(), format="png", dpi=100)
    return time.perf_counter() - started


def mplfinance(frame: pd.DataFrame) -> float:
    """Seconds for mplfinance to draw the same candles with volume and render them to PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mplfinance as mpf

    data = frame.rename(columns=str.capitalize)[["Open", "High", "Low", "Close", "Volume"]]
    data.index = pd.DatetimeIndex(data.index).tz_localize(None)  # mplfinance wants naive times
    started = time.perf_counter()
    figure, _ = mpf.plot(
        data, type="candle", volume=True, returnfig=True, figsize=(10, 6), warn_too_much_data=len(data) + 1
    )
    figure.savefig(io.BytesIO(), format="png", dpi=100)
    took = time.perf_counter() - started
    plt.close(figure)
    return took


def timings(run: Callable[[pd.DataFrame], float], frame: pd.DataFrame, repeat: int) -> list[float]:
    return [run(frame) for _ in range(repeat)]


def summary(label: str, seconds: list[float]) -> str:
    best, median = min(seconds), statistics.median(seconds)
    return f"{label}: best {best:.3f} s, median {median:.3f} s over {len(seconds)} runs"


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Candlestick speed: ours on a year and a week, mplfinance")
    parser.add_argument("--repeat", type=int, default=3, help="runs of ours per frame (default 3)")
    parser.add_argument("--skip-mplfinance", action="store_true", help="time ours only")
    args = parser.parse_args(argv)

    year, week, small = klines_frame(YEAR), klines_frame(WEEK), klines_frame(500)
    ours(small)  # imports, fonts, first-draw caches
    year_times = timings(ours, year, args.repeat)
    week_times = timings(ours, week, args.repeat)
    print(
        summary(f"ours, a year ({YEAR:,} rows)", year_times),
        f"(goal <= 1 s: {verdict(min(year_times) <= 1)})",
    )
    print(summary(f"ours, a week ({WEEK:,} rows)", week_times))
    if args.skip_mplfinance:
        return 0
    mplfinance(small)
    theirs = mplfinance(week)
    ratio = theirs / min(week_times)
    print(f"mplfinance, a week ({WEEK:,} rows): {theirs:.2f} s ({theirs / WEEK * 1000:.2f} ms per candle)")
    print(f"week: ours {ratio:.1f}x faster than mplfinance (goal >= 10x: {verdict(ratio >= 10)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
