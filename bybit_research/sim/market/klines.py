"""Candles of any interval built from minute bars, with Bybit's windowing and newest-first order.

A candle is the exact aggregate of the minute bars it spans (open = first open, close = last close, high =
max,
low = min, volume/turnover = sums), clipped to the instrument's life (launch to delivery) and to "now": the
newest
candle is unclosed and closes at the price now. Whole-day aggregates and per-day arrays of intraday candles
are
cached, so pages of any interval are fast after the first touch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from .bars import BarSource, DayBars
from .calendar import DAY_MS, MINUTE_MS, WEEK_MS, WEEK_OFFSET_MS, month_index, month_start_ms
from .paths import MINUTES_PER_DAY, LruCache

INTERVALS = ("1", "3", "5", "15", "30", "60", "120", "240", "360", "720", "D", "W", "M")

#: ``(open, high, low, close, volume, turnover)`` as integers in the source's units.
Bar = tuple[int, int, int, int, int, int]

_INTERVAL_CACHE: LruCache[tuple[int, int, int], np.ndarray] = LruCache(8192)


@dataclass(frozen=True)
class Interval:
    """A kline interval: instants to candle indices and back (Monday weeks, calendar months)."""

    code: str

    @property
    def minutes(self) -> int:
        """Length in minutes of a fixed interval (1440 for ``D``); 0 for ``W`` and ``M``."""
        return {"D": MINUTES_PER_DAY, "W": 0, "M": 0}.get(self.code) or int(self.code)

    @property
    def intraday(self) -> bool:
        """True for intervals shorter than a day."""
        return self.code.isdigit()

    def index(self, t_ms: int) -> int:
        """Return the index of the candle containing ``t_ms``."""
        if self.code == "M":
            return month_index(t_ms)
        if self.code == "W":
            return (t_ms - WEEK_OFFSET_MS) // WEEK_MS
        return t_ms // (self.minutes * MINUTE_MS)

    def start(self, index: int) -> int:
        """Return the start (ms) of candle ``index``."""
        if self.code == "M":
            return month_start_ms(index)
        if self.code == "W":
            return index * WEEK_MS + WEEK_OFFSET_MS
        return index * self.minutes * MINUTE_MS


def _merge(pieces: list[Bar]) -> Bar:
    if len(pieces) == 1:
        return pieces[0]
    return (
        pieces[0][0],
        max(p[1] for p in pieces),
        min(p[2] for p in pieces),
        pieces[-1][3],
        sum(p[4] for p in pieces),
        sum(p[5] for p in pieces),
    )


class KlineEngine:
    """Candles of one :class:`BarSource`."""

    def __init__(self, source: BarSource) -> None:
        self.source = source
        self._day_totals: dict[int, Bar | None] = {}
        self._closed: dict[tuple[str, int], tuple[int, ...]] = {}

    # ---------------------------------------------------------------- building blocks
    def _partial_minute(self, bars: DayBars, i: int, fraction: float) -> Bar:
        scale = self.source.scale
        o, c_full = int(bars.open[i]), int(bars.close[i])
        c = o + round((c_full - o) * fraction / scale) * scale
        top, bottom = max(o, c), min(o, c)
        wick_up = int(bars.high[i]) - max(o, c_full)
        wick_down = min(o, c_full) - int(bars.low[i])
        h = top + round(wick_up * fraction / scale) * scale
        lo = bottom - round(wick_down * fraction / scale) * scale
        full_volume = int(bars.volume[i])
        volume = int(full_volume * fraction) // self.source.volume_scale * self.source.volume_scale
        turnover = int(bars.turnover[i]) * volume // full_volume if full_volume else 0
        return (o, h, lo, c, volume, turnover)

    def _slice(self, day: int, lo: int, hi: int) -> Bar:
        """Aggregate ``[lo, hi)`` inside one day (``lo`` minute-aligned, ``hi`` anywhere)."""
        day_start = day * DAY_MS
        bars = self.source.day_bars(day)
        first, last = (lo - day_start) // MINUTE_MS, (hi - day_start) // MINUTE_MS
        pieces: list[Bar] = []
        if last > first:
            pieces.append(
                (
                    int(bars.open[first]),
                    int(bars.high[first:last].max()),
                    int(bars.low[first:last].min()),
                    int(bars.close[last - 1]),
                    int(bars.volume[first:last].sum()),
                    int(bars.turnover[first:last].sum()),
                )
            )
        fraction = (hi - day_start - last * MINUTE_MS) / MINUTE_MS
        if fraction > 0 or not pieces:
            pieces.append(self._partial_minute(bars, last, fraction))
        return _merge(pieces)

    def day_total(self, day: int) -> Bar | None:
        """Return the whole-day aggregate of ``day`` clipped to the instrument's life (cached), or None."""
        if day in self._day_totals:
            return self._day_totals[day]
        day_start = day * DAY_MS
        lo, hi = max(day_start, self.source.first_ms), min(day_start + DAY_MS, self.source.stop_ms)
        total = self._slice(day, lo, hi) if hi > lo else None
        self._day_totals[day] = total
        return total

    def aggregate(self, lo: int, hi: int) -> Bar:
        """Aggregate the minute bars of ``[lo, hi)`` (inside the instrument's life; ``hi > lo``)."""
        pieces: list[Bar] = []
        t = lo
        while t < hi:
            day = t // DAY_MS
            day_start = day * DAY_MS
            stop = min(hi, day_start + DAY_MS)
            if t == day_start and stop == day_start + DAY_MS:
                total = self.day_total(day)
                assert total is not None
                pieces.append(total)
            else:
                pieces.append(self._slice(day, t, stop))
            t = stop
        return _merge(pieces)

    def price(self, t_ms: int) -> int:
        """Return the integer price at ``t_ms`` (interpolated inside the minute, clamped to the life)."""
        t_ms = min(max(t_ms, self.source.first_ms), self.source.stop_ms)
        day, rest = divmod(t_ms, DAY_MS)
        # the close of the partial minute (as :meth:`_partial_minute`), from the minute's two points alone
        opened, closed = self.source.point_pair(day, rest // MINUTE_MS)
        scale = self.source.scale
        return opened + round((closed - opened) * (rest % MINUTE_MS / MINUTE_MS) / scale) * scale

    def _day_interval(self, day: int, minutes: int) -> np.ndarray:
        """Return the intraday candles of a whole day as an ``(n, 6)`` int64 array (cached)."""

        def build() -> np.ndarray:
            bars = self.source.day_bars(day)
            if minutes == 1:
                return np.column_stack(
                    [bars.open, bars.high, bars.low, bars.close, bars.volume, bars.turnover]
                )
            edges = np.arange(0, MINUTES_PER_DAY, minutes)
            return np.column_stack(
                [
                    bars.open[edges],
                    np.maximum.reduceat(bars.high, edges),
                    np.minimum.reduceat(bars.low, edges),
                    bars.close[edges + minutes - 1],
                    np.add.reduceat(bars.volume, edges),
                    np.add.reduceat(bars.turnover, edges),
                ]
            )

        return _INTERVAL_CACHE.get_or_build((self.source.source_id, day, minutes), build)

    # ---------------------------------------------------------------- pages
    def window(
        self, interval: Interval, now_ms: int, start: int | None, end: int | None, limit: int
    ) -> tuple[int, int]:
        """Return the inclusive candle index range of a page (empty when the first exceeds the last).

        With ``start`` the page holds the oldest ``limit`` candles starting at or after it (and not after
        ``end``);
        otherwise the newest ``limit`` candles starting at or before ``end`` (or now).
        """
        source = self.source
        last_ms = min(now_ms, source.stop_ms - 1, end if end is not None else now_ms)
        first = interval.index(source.first_ms)
        if start is not None:
            from_start = interval.index(start)
            if interval.start(from_start) < start:
                from_start += 1
            first = max(first, from_start)
        if last_ms < source.first_ms:
            return 1, 0
        last = interval.index(last_ms)
        if start is not None:
            return first, min(last, first + limit - 1)
        return max(first, last - limit + 1), last

    def candles(
        self, interval: Interval, now_ms: int, start: int | None, end: int | None, limit: int
    ) -> np.ndarray:
        """Return a page as an ``(n, 7)`` int64 array ``[start, o, h, l, c, v, t]``, newest first."""
        first, last = self.window(interval, now_ms, start, end, limit)
        if first > last:
            return np.empty((0, 7), dtype=np.int64)
        chunks: list[np.ndarray] = []
        if interval.intraday and interval.minutes < 120:
            self._intraday(interval.minutes, first, last, now_ms, chunks)
        else:
            rows = [self._candle(interval, i, now_ms) for i in range(last, first - 1, -1)]
            chunks.append(np.array(rows, dtype=np.int64))
        return np.concatenate(chunks) if len(chunks) > 1 else chunks[0]

    def _candle(self, interval: Interval, index: int, now_ms: int) -> tuple[int, ...]:
        key = (interval.code, index)
        cached = self._closed.get(key)
        if cached is not None:
            return cached
        begin, end = interval.start(index), interval.start(index + 1)
        lo = max(begin, self.source.first_ms)
        hi = min(end, self.source.stop_ms, now_ms)
        if hi <= lo:
            price = self.price(lo)
            return (begin, price, price, price, price, 0, 0)
        row = (begin, *self.aggregate(lo, hi))
        if min(end, self.source.stop_ms) <= now_ms:
            self._closed[key] = row
        return row

    def _intraday(self, minutes: int, first: int, last: int, now_ms: int, chunks: list[np.ndarray]) -> None:
        interval = Interval(str(minutes))
        per_day = MINUTES_PER_DAY // minutes
        step = minutes * MINUTE_MS
        source = self.source
        # candles wholly inside the instrument's life and closed before now come from cached day arrays
        clean_first = -(-source.first_ms // step)
        clean_last = min(source.stop_ms, now_ms) // step - 1
        day = last // per_day
        while day * per_day + per_day - 1 >= first:
            lo_index, hi_index = max(first, day * per_day), min(last, day * per_day + per_day - 1)
            fast_lo, fast_hi = max(lo_index, clean_first), min(hi_index, clean_last)
            for i in range(hi_index, max(fast_hi, lo_index - 1), -1):
                chunks.append(np.array([self._candle(interval, i, now_ms)], dtype=np.int64))
            if fast_lo <= fast_hi:
                offset = day * per_day
                block = self._day_interval(day, minutes)[fast_lo - offset : fast_hi - offset + 1]
                starts = np.arange(fast_lo, fast_hi + 1, dtype=np.int64) * step
                chunks.append(np.column_stack([starts, block])[::-1])
            for i in range(min(fast_lo, hi_index + 1) - 1, lo_index - 1, -1):
                chunks.append(np.array([self._candle(interval, i, now_ms)], dtype=np.int64))
            day -= 1


def format_units(values: list[int] | np.ndarray, digits: int) -> list[str]:
    """Format integers in units of ``10**-digits`` as decimal strings (exact, no float rounding)."""
    array = np.asarray(values, dtype=np.int64)
    if digits == 0 or not len(array):
        return [str(v) for v in array.tolist()]
    if array.min() < 0:
        out = []
        for value in array.tolist():
            text = str(abs(value)).rjust(digits + 1, "0")
            out.append(f"{'-' if value < 0 else ''}{text[:-digits]}.{text[-digits:]}")
        return out
    # one C-level %-format over every value, then a split, is several times faster than a loop of f-strings
    whole, fraction = np.divmod(array, 10**digits)
    pairs = np.column_stack([whole, fraction]).ravel().tolist()
    return (",".join([f"%d.%0{digits}d"] * len(array)) % tuple(pairs)).split(",")


def _table_format(table: np.ndarray, digits: list[int]) -> tuple[list[str], list[int]]:
    """Return the %-format of each column of a non-negative integer table and the flat format arguments."""
    parts, template = [], []
    for k, places in enumerate(digits):
        if places == 0:
            parts.append(table[:, k])
            template.append("%d")
        else:
            whole, fraction = np.divmod(table[:, k], 10**places)
            parts += [whole, fraction]
            template.append(f"%d.%0{places}d")
    return template, np.column_stack(parts).ravel().tolist()


def format_table(table: np.ndarray, digits: list[int]) -> list[list[str]]:
    """Format the integer columns of ``table`` (column ``k`` in units of ``10**-digits[k]``) as rows of
    decimal strings, exactly as :func:`format_units` formats each column.

    A kline page is thousands of numbers: a single C-level %-format over the whole table, split back into
    rows, keeps the page cheap to serve.
    """
    rows, width = len(table), len(digits)
    if not rows:
        return []
    if table.min() < 0:
        columns = [format_units(table[:, k], digits[k]) for k in range(width)]
        return [list(row) for row in zip(*columns, strict=True)]
    template, flat = _table_format(table, digits)
    texts = (",".join([",".join(template)] * rows) % tuple(flat)).split(",")
    return [texts[i : i + width] for i in range(0, rows * width, width)]


def format_table_json(table: np.ndarray, digits: list[int]) -> str:
    """Return the JSON text of :func:`format_table`'s rows (an array of arrays of strings), built directly."""
    if not len(table) or table.min() < 0:
        return json.dumps(format_table(table, digits), separators=(",", ":"))
    template, flat = _table_format(table, digits)
    row = '["' + '","'.join(template) + '"]'
    return "[" + (",".join([row] * len(table)) % tuple(flat)) + "]"
