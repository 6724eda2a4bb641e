"""What the history store already holds, and what a download still has to fetch.

Each partition file records the range ``[start, end)`` it holds every final record of, and whether the
partition is complete (:mod:`.parquet_writes`). A month is complete once the whole month was fetched and
all of its records were final at the exchange's clock: every candle starting in it closed, every funding
settlement of it past. Complete months are never fetched again. Any other month (the one that reaches
"now", or one fetched for part of a range) is fetched again, over the union of what it holds and what is
asked, when a run asks for something it does not hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..core.time import month_index, month_start_ms
from ..core.units import DAY_MS

__all__ = [
    "Covered",
    "Month",
    "coverage_after",
    "covered_of",
    "day_label",
    "days_of",
    "fetch_range",
    "months_of",
]


@dataclass(frozen=True)
class Month:
    """A calendar month (UTC) ``[start, end)`` in epoch ms."""

    year: int
    month: int
    start: int
    end: int

    @property
    def label(self) -> str:
        """``"2024-01"``."""
        return f"{self.year:04d}-{self.month:02d}"


def months_of(start: int, end: int) -> list[Month]:
    """The calendar months that overlap ``[start, end)`` (epoch ms), in order."""
    if end <= start:
        return []
    found = []
    for index in range(month_index(start), month_index(end - 1) + 1):
        year, month = divmod(index, 12)
        found.append(Month(1970 + year, month + 1, month_start_ms(index), month_start_ms(index + 1)))
    return found


def days_of(start: int, end: int) -> list[int]:
    """The epoch days (``ms // DAY_MS``) that overlap ``[start, end)``, in order."""
    if end <= start:
        return []
    return list(range(start // DAY_MS, (end - 1) // DAY_MS + 1))


def day_label(day: int) -> str:
    """``"2024-01-31"`` of an epoch day."""
    return pd.Timestamp(day * DAY_MS, unit="ms", tz="UTC").strftime("%Y-%m-%d")


@dataclass(frozen=True)
class Covered:
    """What one stored partition file holds: every final record of ``[start, end)``."""

    start: int
    end: int
    complete: bool
    rows: int
    bytes: int


def covered_of(meta: Mapping[str, Any] | None) -> Covered | None:
    """The :class:`Covered` of a file's footer metadata, ``None`` without (usable) metadata."""
    if meta is None:
        return None
    try:
        return Covered(
            int(meta["start"]),
            int(meta["end"]),
            bool(meta["complete"]),
            int(meta.get("rows", 0)),
            int(meta.get("bytes", 0)),
        )
    except (KeyError, TypeError, ValueError):
        return None


def fetch_range(month: Month, start: int, end: int, covered: Covered | None) -> tuple[int, int] | None:
    """The range of ``month`` a download of ``[start, end)`` must fetch, or ``None`` when the file holds it.

    Parameters
    ----------
    month
        The partition.
    start, end
        The range asked for (epoch ms); only its part inside the month counts.
    covered
        What the month's file holds (``None``: no file).

    Returns
    -------
    tuple of int or None
        ``[from, to)`` to fetch: the part asked for, widened to what the file holds so that the new file
        holds both (a file is always written whole).
    """
    want = (max(start, month.start), min(end, month.end))
    if want[0] >= want[1]:
        return None
    if covered is None:
        return want
    if covered.complete or (covered.start <= want[0] and want[1] <= covered.end):
        return None
    if covered.end <= covered.start:  # holds no final record: nothing to keep
        return want
    return min(want[0], covered.start), max(want[1], covered.end)


def coverage_after(month: Month, fetched: tuple[int, int], final_before: int) -> tuple[int, int, bool]:
    """``(start, end, complete)`` of a month file written from a fetch of ``fetched`` when every record
    before ``final_before`` was final (the start of the candle still open, or the exchange's clock)."""
    start, end = fetched
    held_end = max(start, min(end, final_before))
    complete = start <= month.start and held_end >= month.end
    return start, held_end, complete
