"""Lengths of time in milliseconds, the unit of every V5 timestamp."""

from __future__ import annotations

__all__ = ["DAY_MS", "HOUR_MS", "MINUTE_MS", "NS_PER_MS", "SECOND_MS", "WEEK_ANCHOR_MS", "WEEK_MS", "YEAR_MS"]

#: nanoseconds in a millisecond (``pd.Timestamp.value`` is in ns)
NS_PER_MS = 1_000_000
SECOND_MS = 1_000
MINUTE_MS = 60 * SECOND_MS
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
WEEK_MS = 7 * DAY_MS
#: 365 days (Bybit's year for annualised rates and for the option time to expiry)
YEAR_MS = 365 * DAY_MS
#: Monday 1970-01-05 00:00 UTC: weekly candles start on Mondays
WEEK_ANCHOR_MS = 4 * DAY_MS
