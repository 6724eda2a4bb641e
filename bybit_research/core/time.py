"""Time arguments: parse what users type into epoch milliseconds (UTC), and calendar-month arithmetic.

Accepted everywhere a time is taken: ``str`` (anything ``pd.Timestamp`` parses, e.g. ``"2024-01-01"``,
``"2024-01-01 12:00"``, ISO 8601 with an offset; or a string of 11-13 digits = epoch ms),
``datetime.datetime``, ``datetime.date``, ``pd.Timestamp``, ``numpy.datetime64`` and integers (epoch
**milliseconds**). Naive times are UTC."""

from __future__ import annotations

import datetime as dt
import numbers
import time
from typing import Any

import numpy as np
import pandas as pd

from .units import NS_PER_MS

__all__ = [
    "EARLIEST_MS",
    "LATEST_MS",
    "TimeLike",
    "check_range",
    "checked_range",
    "format_ms",
    "month_index",
    "month_start_ms",
    "now_ms",
    "to_ms",
]

#: what the public functions accept as a time
TimeLike = str | dt.datetime | dt.date | pd.Timestamp | np.datetime64 | int

# integers in [1e9, 1e11) are plausible epoch *seconds* (2001..5138): refuse them rather than read 1970 dates
_SECONDS_LO, _SECONDS_HI = 10**9, 10**11
#: the first instant any Bybit history can have (2018-01-01 UTC; Bybit opened in March 2018): ranges that
#: start earlier are planned from here, not from 1970
EARLIEST_MS = 1_514_764_800_000
#: times after 2100-01-01 UTC are refused (they are typos, and would plan millions of pages)
LATEST_MS = 4_102_444_800_000


def now_ms() -> int:
    """Return the local wall clock in epoch milliseconds."""
    return int(time.time() * 1000)


def to_ms(value: Any, name: str = "time") -> int | None:
    """Return ``value`` as epoch milliseconds (UTC), ``None`` for ``None``.

    Parameters
    ----------
    value
        ``str``, ``datetime``, ``date``, ``pd.Timestamp``, ``numpy.datetime64`` or ``int`` epoch milliseconds.
        Naive times are taken as UTC.
    name
        Argument name used in error messages.

    Raises
    ------
    ValueError
        When the value cannot be read as a time, or an integer looks like epoch seconds.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a time (str, datetime, pd.Timestamp or epoch ms), got {value!r}")
    if isinstance(value, numbers.Integral):
        ms = int(value)
        if _SECONDS_LO <= abs(ms) < _SECONDS_HI:
            raise ValueError(
                f"{name}={ms} looks like epoch seconds; integers are epoch milliseconds (use {ms * 1000})"
            )
        return _bounded(ms, name)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit() and 11 <= len(text) <= 13:
            return _bounded(int(text), name)
        try:
            stamp = pd.Timestamp(text)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{name}={value!r} is not a time I can read ({exc})") from None
    elif isinstance(value, dt.datetime | dt.date | pd.Timestamp | np.datetime64):
        stamp = pd.Timestamp(value)
    else:
        raise ValueError(
            f"{name} must be a str, datetime, date, pd.Timestamp, numpy.datetime64 or epoch ms int, "
            f"got {type(value).__name__}"
        )
    if stamp is pd.NaT:
        raise ValueError(f"{name} is NaT")
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return _bounded(int(stamp.value // NS_PER_MS), name)


def _bounded(ms: int, name: str) -> int:
    if not 0 <= ms < LATEST_MS:
        raise ValueError(
            f"{name}={ms} ms is outside 1970-01-01 .. 2100-01-01 UTC; times are epoch milliseconds or dates "
            "such as '2024-01-01'"
        )
    return ms


def check_range(start: int | None, end: int | None) -> None:
    """Raise ``ValueError`` unless ``start < end`` (when both are given)."""
    if start is not None and end is not None and start >= end:
        raise ValueError(
            f"start ({format_ms(start)}) must be before end ({format_ms(end)}); "
            "start is inclusive, end exclusive"
        )


def checked_range(start: Any, end: Any) -> tuple[int | None, int | None]:
    """``(start, end)`` in epoch ms from the public functions' time arguments, or ``ValueError``.

    Both are read by :func:`to_ms`; ``start`` must be before ``end`` when both are given."""
    start_ms, end_ms = to_ms(start, "start"), to_ms(end, "end")
    check_range(start_ms, end_ms)
    return start_ms, end_ms


def format_ms(ms: int) -> str:
    """Return epoch ms as readable UTC text for messages."""
    return pd.Timestamp(ms, unit="ms", tz="UTC").isoformat()


def month_index(ms: int) -> int:
    """Return the number of whole calendar months (UTC) from 1970-01 to the month containing ``ms``."""
    stamp = pd.Timestamp(ms, unit="ms", tz="UTC")
    return (stamp.year - 1970) * 12 + stamp.month - 1


def month_start_ms(index: int) -> int:
    """Return the epoch ms of the first instant of calendar month ``index`` (see :func:`month_index`)."""
    year, month = divmod(index, 12)
    return int(pd.Timestamp(year=1970 + year, month=month + 1, day=1, tz="UTC").value // NS_PER_MS)
