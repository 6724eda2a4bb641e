"""Time arguments: every accepted form, naive = UTC, refusals, calendar months."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from bybit_research.core.time import check_range, month_index, month_start_ms, to_ms

JAN1 = 1_704_067_200_000  # 2024-01-01 00:00 UTC


@pytest.mark.parametrize(
    "value",
    [
        "2024-01-01",
        "2024-01-01 00:00:00",
        "2024-01-01T01:00:00+01:00",
        "1704067200000",
        dt.datetime(2024, 1, 1),
        dt.datetime(2024, 1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        dt.date(2024, 1, 1),
        pd.Timestamp("2024-01-01"),
        pd.Timestamp("2023-12-31 19:00", tz="America/New_York"),
        np.datetime64("2024-01-01T00:00:00"),
        JAN1,
        np.int64(JAN1),
    ],
)
def test_every_form_means_the_same_instant(value: object) -> None:
    assert to_ms(value) == JAN1


def test_none_stays_none_and_ms_precision_is_kept() -> None:
    assert to_ms(None) is None
    assert to_ms("2024-01-01 00:00:00.123") == JAN1 + 123


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1_704_067_200, r"start=1704067200 looks like epoch seconds; .* \(use 1704067200000\)"),
        ("yesterday-ish", "start='yesterday-ish' is not a time I can read"),
        (True, "start must be a time"),
        (
            1.5,
            "start must be a str, datetime, date, pd.Timestamp, numpy.datetime64 or epoch ms int, got float",
        ),
        (pd.NaT, "start"),
    ],
)
def test_refusals_name_the_argument(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        to_ms(value, "start")


def test_check_range() -> None:
    check_range(None, JAN1)
    check_range(JAN1, JAN1 + 1)
    with pytest.raises(ValueError, match=r"start \(2024-01-01T00:00:00\+00:00\) must be before end"):
        check_range(JAN1, JAN1)
    with pytest.raises(ValueError, match="start is inclusive, end exclusive"):
        check_range(JAN1 + 5, JAN1)


def test_calendar_months() -> None:
    assert month_index(0) == 0
    feb29 = to_ms("2024-02-29 23:59")
    assert feb29 is not None
    assert month_index(JAN1) == 54 * 12
    assert month_index(JAN1 - 1) == 54 * 12 - 1
    assert month_start_ms(54 * 12 + 1) == to_ms("2024-02-01")
    assert month_start_ms(month_index(feb29)) == to_ms("2024-02-01")
    assert month_start_ms(-1) == pd.Timestamp("1969-12-01", tz="UTC").value // 10**6  # before any V5 time
