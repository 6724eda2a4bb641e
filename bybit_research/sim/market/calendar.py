"""UTC calendar helpers: day/week/month boundaries, expiry dates and the date codes used in Bybit symbols."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta

MINUTE_MS = 60_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS
YEAR_MS = 365 * DAY_MS
#: Epoch day 0 was a Thursday; Monday-aligned weeks are offset by 4 days.
WEEK_OFFSET_MS = 4 * DAY_MS
EXPIRY_HOUR_MS = 8 * HOUR_MS
MONTH_CODES = "FGHJKMNQUVXZ"
_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def to_ms(moment: datetime) -> int:
    """Return epoch milliseconds of an aware or naive-UTC datetime."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def from_ms(t_ms: int) -> datetime:
    """Return the aware UTC datetime of epoch milliseconds."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=t_ms)


def date_ms(text: str) -> int:
    """Return epoch milliseconds of ``YYYY-MM-DD`` at 00:00 UTC."""
    return to_ms(datetime.strptime(text, "%Y-%m-%d"))


def month_index(t_ms: int) -> int:
    """Return ``year * 12 + month - 1`` of the UTC month containing ``t_ms``."""
    moment = from_ms(t_ms)
    return moment.year * 12 + moment.month - 1


def month_start_ms(index: int) -> int:
    """Return epoch milliseconds of the first instant of month ``index`` (see :func:`month_index`)."""
    return to_ms(datetime(index // 12, index % 12 + 1, 1))


def last_friday_ms(year: int, month: int) -> int:
    """Return 08:00 UTC of the last Friday of a month (Bybit's monthly/quarterly expiry)."""
    last_day = calendar.monthrange(year, month)[1]
    day = datetime(year, month, last_day)
    while day.weekday() != 4:
        day -= timedelta(days=1)
    return to_ms(day) + EXPIRY_HOUR_MS


def date_code(t_ms: int) -> str:
    """Return the ``26DEC25`` style code of the UTC date of ``t_ms``."""
    moment = from_ms(t_ms)
    return f"{moment.day}{_MONTH_NAMES[moment.month - 1]}{moment.year % 100:02d}"


def parse_date_code(code: str) -> tuple[int, int, int] | None:
    """Return ``(year, month, day)`` of a ``26DEC25`` style code, or None when it is not one."""
    try:
        moment = datetime.strptime(code.upper(), "%d%b%y")
    except ValueError:
        return None
    return moment.year, moment.month, moment.day


def inverse_code(t_ms: int) -> str:
    """Return the month-code suffix of an inverse future (``Z25`` for December 2025)."""
    moment = from_ms(t_ms)
    return f"{MONTH_CODES[moment.month - 1]}{moment.year % 100:02d}"
