"""Planning a range: aligned windows, candle arithmetic, the range of a regular series, and gaps.

Time windows are ALIGNED to fixed boundaries so that overlapping queries ask for the very same pages and reuse
them from the cache: window ``k`` of a series with step ``s`` and ``n`` records per page covers
``[anchor + k*n*s, anchor + (k+1)*n*s)``, where ``anchor`` is the epoch (1970-01-01 00:00 UTC), except weekly
candles, which start on Mondays (anchor 1970-01-05). Monthly candles are calendar months: window ``k`` covers
months ``[k*n, (k+1)*n)`` counted from 1970-01. A window wholly in the past never expires; the window reaching
"now" expires within seconds (both from the endpoint's :class:`~bybit_research.endpoints.CachePolicy`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.time import month_index, month_start_ms
from ..core.units import WEEK_ANCHOR_MS, WEEK_MS

__all__ = [
    "Window",
    "aligned_windows",
    "candle_start",
    "find_gaps",
    "next_candle",
    "plan_series",
    "step_back",
]


@dataclass(frozen=True)
class Window:
    """The half-open time range ``[start, end)`` in epoch ms."""

    start: int
    end: int


def _anchor(step_ms: int) -> int:
    return WEEK_ANCHOR_MS if step_ms == WEEK_MS else 0


def candle_start(ms: int, step_ms: int) -> int:
    """Return the start of the candle (or record slot) of length ``step_ms`` containing ``ms`` (0 = month)."""
    if step_ms == 0:
        return month_start_ms(month_index(ms))
    anchor = _anchor(step_ms)
    return anchor + (ms - anchor) // step_ms * step_ms


def next_candle(ms: int, step_ms: int) -> int:
    """Return the start of the candle after the one containing ``ms``."""
    if step_ms == 0:
        return month_start_ms(month_index(ms) + 1)
    return candle_start(ms, step_ms) + step_ms


def step_back(ms: int, step_ms: int, count: int) -> int:
    """Return the start of the candle ``count`` candles before the one containing ``ms``."""
    if step_ms == 0:
        return month_start_ms(month_index(ms) - count)
    return candle_start(ms, step_ms) - count * step_ms


def aligned_windows(start: int, end: int, step_ms: int, count: int) -> list[Window]:
    """Return the aligned windows of ``count`` steps covering ``[start, end)`` (see the module docstring)."""
    if end <= start:
        return []
    if step_ms == 0:
        first, last = month_index(start) // count, month_index(end - 1) // count
        return [
            Window(month_start_ms(k * count), month_start_ms((k + 1) * count)) for k in range(first, last + 1)
        ]
    span = step_ms * count
    anchor = _anchor(step_ms)
    first, last = (start - anchor) // span, (end - 1 - anchor) // span
    return [Window(anchor + k * span, anchor + (k + 1) * span) for k in range(first, last + 1)]


def find_gaps(times_ms: np.ndarray, step_ms: int) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Return the missing stretches between consecutive times of a regular series.

    Each gap is ``(first missing time, next present time)``, a half-open range. Only interior gaps are
    reported: nothing is expected before the first or after the last record (listing, delisting, the future).
    """
    if len(times_ms) < 2:
        return []
    times = np.asarray(times_ms, dtype=np.int64)
    if step_ms == 0:
        months = np.array([month_index(int(t)) for t in times])
        holes = np.flatnonzero(np.diff(months) > 1)
        starts = [month_start_ms(int(months[i]) + 1) for i in holes]
    else:
        holes = np.flatnonzero(np.diff(times) > step_ms)
        starts = [int(times[i]) + step_ms for i in holes]
    return [
        (pd.Timestamp(s, unit="ms", tz="UTC"), pd.Timestamp(int(times[i + 1]), unit="ms", tz="UTC"))
        for s, i in zip(starts, holes, strict=True)
    ]


def plan_series(
    start: int | None, end: int | None, now: int, step: int, count: int | None, default_count: int
) -> tuple[int, int]:
    """Return the ``[begin, stop)`` range of a regular series.

    ``end`` defaults to the end of the slot containing "now" (so the still-open slot is included);
    ``start`` to ``count`` (or ``default_count``) slots before ``stop``.
    """
    stop = next_candle(now, step) if end is None else min(end, next_candle(now, step))
    begin = step_back(stop - 1, step, (count or default_count) - 1) if start is None else start
    return begin, stop
