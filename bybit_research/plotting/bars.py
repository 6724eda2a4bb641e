"""OHLC bars of a coarser step: what ``candles()`` draws when there are more candles than pixels.

A bar of step ``S`` starting at ``t`` holds every candle whose start lies in ``[t, t + S)``: its open is the
first candle's open, its close the last one's close, its high and low the highest high and lowest low (so
spikes survive), volume and turnover are sums and ``closed`` is True only when every candle in it is closed.
Steps up to a day are aligned to midnight UTC, weeks to Monday 00:00 UTC, like Bybit's own klines.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..core.units import DAY_MS, MINUTE_MS

__all__ = ["STEPS_MS", "aggregate", "candle_step_ms", "coarser_step_ms"]

_WEEK = 7 * DAY_MS
#: Monday 1970-01-05 00:00 UTC: weekly bars start on Mondays
_WEEK_ORIGIN = 4 * DAY_MS
#: the bar steps offered, in ms: Bybit's kline intervals, then multiples of weeks
STEPS_MS = tuple(
    m * MINUTE_MS for m in (1, 3, 5, 15, 30, 60, 120, 240, 360, 720, 1440, 2 * 1440, 10_080, 20_160, 40_320)
) + tuple(w * _WEEK for w in (13, 26, 52, 104, 260))

_INTERVAL_MS = {"D": DAY_MS, "W": _WEEK}
_OHLC = ("open", "high", "low", "close")


def candle_step_ms(interval: object, times: pd.DatetimeIndex) -> int | None:
    """Return the length of one candle in ms: from the V5 interval code when known, else the smallest gap.

    Monthly candles (``"M"``) have no fixed length and give None, as does a single candle of unknown
    interval.
    """
    code = str(interval) if interval is not None else ""
    if code.isdigit():
        return int(code) * MINUTE_MS
    if code in _INTERVAL_MS:
        return _INTERVAL_MS[code]
    if code == "M" or len(times) < 2:
        return None
    gaps = np.diff(times.as_unit("ms").asi8)
    positive = gaps[gaps > 0]
    return int(positive.min()) if len(positive) else None


def coarser_step_ms(first_ms: int, last_ms: int, step_ms: int, max_bars: int) -> int:
    """Return the smallest step of :data:`STEPS_MS` (a multiple of ``step_ms``) giving at most ``max_bars``.

    ``step_ms`` itself when its candles already fit; the largest offered step when none does.
    """
    if max_bars < 1:
        raise ValueError(f"max_bars must be a positive number of bars, got {max_bars}")
    span = last_ms - first_ms + step_ms
    if math.ceil(span / step_ms) <= max_bars:
        return step_ms
    candidates = [s for s in STEPS_MS if s > step_ms and s % step_ms == 0]
    for step in candidates:
        if _bar_count(first_ms, last_ms, step) <= max_bars:
            return step
    return candidates[-1] if candidates else step_ms


def _origin(step_ms: int) -> int:
    return _WEEK_ORIGIN if step_ms % _WEEK == 0 else 0


def _bar_count(first_ms: int, last_ms: int, step_ms: int) -> int:
    origin = _origin(step_ms)
    return (last_ms - origin) // step_ms - (first_ms - origin) // step_ms + 1


def aggregate(frame: pd.DataFrame, step_ms: int) -> pd.DataFrame:
    """Return the candles of ``frame`` merged into bars of ``step_ms`` (see the module's description).

    Parameters
    ----------
    frame
        A klines frame: ascending ``DatetimeIndex`` (candle starts, UTC) and float columns ``open, high, low,
        close`` (``volume``, ``turnover`` and ``closed`` are carried when present; other columns are not).
    step_ms
        The bar length in ms; bars start at multiples of it (weeks: at Mondays).

    Returns
    -------
    pandas.DataFrame
        One row per bar that holds at least one candle, indexed by the bar's start (``time``, UTC), with the
        same OHLC(V) columns and ``closed``; ``attrs`` are copied and ``attrs["bar_ms"]`` is ``step_ms``.
        NaN values are skipped inside a bar.
    """
    carried = [c for c in (*_OHLC, "volume", "turnover", "closed") if c in frame.columns]
    ms = pd.DatetimeIndex(frame.index).as_unit("ms").asi8
    if not len(ms):
        empty = frame[carried].copy()
        empty.attrs = {**frame.attrs, "bar_ms": int(step_ms)}
        return empty
    if not bool(np.all(ms[1:] >= ms[:-1])):
        order = np.argsort(ms, kind="stable")
        frame, ms = frame.iloc[order], ms[order]
    origin = _origin(step_ms)
    bins = (ms - origin) // step_ms
    cuts = np.flatnonzero(bins[1:] != bins[:-1]) + 1
    starts = np.concatenate(([0], cuts))
    ends = np.concatenate((cuts, [len(ms)])) - 1
    columns: dict[str, np.ndarray] = {
        "open": _first_valid(frame["open"].to_numpy(np.float64), starts, ends),
        "high": np.fmax.reduceat(frame["high"].to_numpy(np.float64), starts),
        "low": np.fmin.reduceat(frame["low"].to_numpy(np.float64), starts),
        "close": _last_valid(frame["close"].to_numpy(np.float64), starts, ends),
    }
    for name in ("volume", "turnover"):
        if name in carried:
            values = np.nan_to_num(frame[name].to_numpy(np.float64), nan=0.0)
            columns[name] = np.add.reduceat(values, starts)
    if "closed" in carried:
        closed = frame["closed"].fillna(False).to_numpy(dtype=bool)
        columns["closed"] = np.logical_and.reduceat(closed, starts)
    bar_ms = bins[starts] * step_ms + origin
    index = pd.DatetimeIndex(pd.to_datetime(bar_ms, unit="ms", utc=True), name="time").as_unit("ms")
    bars = pd.DataFrame(columns, index=index)
    bars.attrs = {**frame.attrs, "bar_ms": int(step_ms)}
    return bars


def _first_valid(values: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Each bar's first non-NaN value (NaN when the bar has none)."""
    picked = values[starts]
    if not np.isnan(picked).any():
        return picked
    valid = ~np.isnan(values)
    positions = np.where(valid, np.arange(len(values)), len(values))
    first = np.minimum.reduceat(positions, starts)
    ok = first <= ends
    return np.where(ok, values[np.minimum(first, len(values) - 1)], np.nan)


def _last_valid(values: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Each bar's last non-NaN value (NaN when the bar has none)."""
    picked = values[ends]
    if not np.isnan(picked).any():
        return picked
    valid = ~np.isnan(values)
    positions = np.where(valid, np.arange(len(values)), -1)
    last = np.maximum.reduceat(positions, starts)
    ok = last >= starts
    return np.where(ok, values[np.maximum(last, 0)], np.nan)
