"""Which months and days a download plans, and what a written month file then holds."""

from __future__ import annotations

import pandas as pd
import pytest

from bybit_research.store.history_coverage import (
    Covered,
    Month,
    coverage_after,
    covered_of,
    day_label,
    days_of,
    fetch_range,
    months_of,
)


def ms(text: str) -> int:
    return int(pd.Timestamp(text, tz="UTC").value // 1_000_000)


JAN = Month(2024, 1, ms("2024-01-01"), ms("2024-02-01"))


def test_months_of_a_range() -> None:
    months = months_of(ms("2023-12-31 23:00"), ms("2024-03-01"))
    assert [m.label for m in months] == ["2023-12", "2024-01", "2024-02"]
    assert months[1] == JAN
    assert months[2].end - months[2].start == 29 * 86_400_000  # a leap February
    assert [m.label for m in months_of(ms("2024-01-01"), ms("2024-01-01 00:01"))] == ["2024-01"]
    assert months_of(ms("2024-01-02"), ms("2024-01-01")) == []


def test_days_of_a_range() -> None:
    days = days_of(ms("2024-02-28 12:00"), ms("2024-03-01"))
    assert [day_label(d) for d in days] == ["2024-02-28", "2024-02-29"]
    assert days_of(ms("2024-03-01"), ms("2024-03-01")) == []


def test_a_month_without_file_fetches_the_part_asked_for() -> None:
    assert fetch_range(JAN, ms("2023-06-01"), ms("2025-01-01"), None) == (JAN.start, JAN.end)
    assert fetch_range(JAN, ms("2024-01-15"), ms("2024-01-20"), None) == (ms("2024-01-15"), ms("2024-01-20"))
    assert fetch_range(JAN, ms("2024-02-01"), ms("2024-03-01"), None) is None


def test_held_months_are_not_fetched_and_partial_ones_are_widened() -> None:
    complete = Covered(JAN.start, JAN.end, True, 44_640, 1)
    assert fetch_range(JAN, JAN.start, JAN.end, complete) is None
    second_half = Covered(ms("2024-01-15"), JAN.end, False, 1, 1)
    assert fetch_range(JAN, ms("2024-01-20"), ms("2024-03-01"), second_half) is None  # held
    assert fetch_range(JAN, JAN.start, JAN.end, second_half) == (JAN.start, JAN.end)
    reaching_now = Covered(JAN.start, ms("2024-01-10 12:00"), False, 1, 1)
    assert fetch_range(JAN, ms("2024-01-05"), ms("2024-01-10"), reaching_now) is None
    assert fetch_range(JAN, ms("2024-01-05"), JAN.end, reaching_now) == (JAN.start, JAN.end)
    nothing_final = Covered(ms("2024-01-31"), ms("2024-01-31"), False, 1, 1)
    assert fetch_range(JAN, ms("2024-01-02"), ms("2024-01-03"), nothing_final) == (
        ms("2024-01-02"),
        ms("2024-01-03"),
    )


def test_what_a_written_file_holds() -> None:
    assert coverage_after(JAN, (JAN.start, JAN.end), ms("2024-06-15")) == (JAN.start, JAN.end, True)
    # the month reaching now: final up to the candle still open
    assert coverage_after(JAN, (JAN.start, JAN.end), ms("2024-01-10 12:00")) == (
        JAN.start,
        ms("2024-01-10 12:00"),
        False,
    )
    assert coverage_after(JAN, (ms("2024-01-02"), JAN.end), ms("2024-06-15")) == (
        ms("2024-01-02"),
        JAN.end,
        False,
    )
    assert coverage_after(JAN, (ms("2024-01-02"), JAN.end), ms("2024-01-01")) == (
        ms("2024-01-02"),
        ms("2024-01-02"),
        False,
    )


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        (None, None),
        ({"start": 1, "end": 2, "complete": True, "rows": 3, "bytes": 4}, Covered(1, 2, True, 3, 4)),
        ({"start": 1, "end": 2, "complete": False}, Covered(1, 2, False, 0, 0)),
        ({"start": 1, "complete": False}, None),
        ({"start": "x", "end": 2, "complete": False}, None),
    ],
)
def test_coverage_from_footer_metadata(meta: dict[str, object] | None, expected: Covered | None) -> None:
    assert covered_of(meta) == expected
