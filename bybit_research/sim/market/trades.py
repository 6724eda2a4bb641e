"""Public trades of spot pairs and contracts: every trade of a UTC day, drawn at once with numpy.

A minute's trades are its price levels (:mod:`.levels`) cut into pieces: each level's volume is split into
one or more trades at the level's price, and the minute's trades get sorted random instants inside the
minute, in level order. The trades of a day therefore resample exactly to the day's minute bars, and
``/v5/market/recent-trade`` and the daily trade archive (:mod:`.archive`) are two views of the same trades.
Trade sizes are multiples of the instrument's quantity step (finer than the volume step of spot pairs).

Instants are integers of 100 microseconds (the archive's timestamps have four decimals of a second).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .bars import BarSource
from .calendar import DAY_MS, MINUTE_MS, date_ms
from .coins import decimals
from .instrument import Instrument
from .levels import LEVELS
from .paths import LruCache, keyed_rng

__all__ = [
    "RPI_SINCE",
    "TICKS_PER_MS",
    "DayTrades",
    "day_trades",
    "latest_trades",
    "trade_rate",
]

#: Instants per millisecond (trade instants are in units of 100 microseconds).
TICKS_PER_MS = 10
_TICKS_PER_MINUTE = MINUTE_MS * TICKS_PER_MS
_TRADES = 33
#: The USD value of a typical trade, and the most trades per minute the simulator draws: real majors trade
#: far more often, but a day of trades must stay cheap to draw, format and compress.
_TRADE_USD = 100_000.0
_MAX_RATE = 15.0
#: Share of trades that are Retail Price Improvement fills, from the day RPI orders existed in the market
#: (spot first, then contracts: the days the archives gained their ``rpi``/``RPI`` column).
RPI_SHARE = 0.03
RPI_SINCE = {"spot": date_ms("2025-05-01"), "contract": date_ms("2025-07-01")}

_CACHE: LruCache[tuple[int, int], DayTrades] = LruCache(24)


@dataclass(frozen=True)
class DayTrades:
    """The trades of one instrument on one UTC day, in time order (all arrays have one row per trade).

    ``time`` is in units of 100 µs since the epoch, ``price`` in units of ``10**-price_decimals``, ``size`` in
    units of ``10**-size_decimals``; ``buy`` is the taker side; ``rpi`` marks RPI fills; ``words`` holds four
    random 32-bit words per trade (the source of its id).
    """

    inst: Instrument
    day: int
    time: np.ndarray
    price: np.ndarray
    size: np.ndarray
    buy: np.ndarray
    rpi: np.ndarray
    words: np.ndarray
    price_decimals: int
    size_decimals: int

    def __len__(self) -> int:
        return len(self.time)

    @property
    def time_ms(self) -> np.ndarray:
        """Trade instants in epoch milliseconds (int64)."""
        return self.time // TICKS_PER_MS

    @property
    def has_rpi(self) -> bool:
        """Whether RPI orders existed on this day (the archive then has an RPI column)."""
        group = "spot" if self.inst.category == "spot" else "contract"
        return self.day * DAY_MS >= RPI_SINCE[group]


def trade_rate(source: BarSource) -> float:
    """Return the mean number of trades per minute of the traded price ``source``."""
    return float(np.clip(source.usd_per_minute / _TRADE_USD, LEVELS, _MAX_RATE))


def day_trades(source: BarSource, day: int) -> DayTrades:
    """Return every trade of epoch day ``day`` of ``source`` (the traded price of a spot pair or contract).

    Minutes outside the instrument's life (before launch, from delivery on) have no trades; minutes after
    "now" are drawn too, so callers cut the trades at their clock. Cached per (source, day).
    """
    return _CACHE.get_or_build((source.source_id, day), lambda: _draw(source, day))


def _draw(source: BarSource, day: int) -> DayTrades:
    inst = source.inst
    day_start = day * DAY_MS
    first = max(0, (source.first_ms - day_start) // MINUTE_MS)
    last = min(DAY_MS, max(source.stop_ms - day_start, 0)) // MINUTE_MS
    size_decimals = decimals(inst.qty_step)
    qty_units = round(float(inst.qty_step) * 10**size_decimals)
    if last <= first:
        empty = np.empty(0, dtype=np.int64)
        return DayTrades(
            inst,
            day,
            empty,
            empty,
            empty,
            np.empty(0, bool),
            np.empty(0, bool),
            np.empty((0, 4), np.uint32),
            source.decimals,
            size_decimals,
        )
    prices, steps = source.level_book(day)
    prices, steps = prices[first:last], steps[first:last]
    # a level's volume in quantity steps (spot volumes count coarser steps than spot order sizes)
    per_step = round(float(inst.volume_step) / float(inst.qty_step))
    quantities = (steps * per_step).ravel()
    rng = keyed_rng(source.seed, inst.rng_key(), _TRADES, day)
    rate = trade_rate(source)
    counts = np.minimum(1 + rng.poisson(rate / LEVELS - 1.0, size=quantities.shape), quantities)
    total = int(counts.sum())
    starts = np.cumsum(counts) - counts
    # split each level's quantity into its trades: cumulative random weights cut the spare steps
    weights = rng.random(total) ** 2 + 0.02
    running = np.concatenate(([0.0], np.cumsum(weights)))
    level_of = np.repeat(np.arange(len(counts)), counts)
    within = running[1:] - running[starts][level_of]
    share = within / (running[starts + counts] - running[starts])[level_of]
    spare = (quantities - counts)[level_of]
    bounds = np.floor(share * spare).astype(np.int64)
    bounds[starts + counts - 1] = quantities - counts
    previous = np.concatenate(([0], bounds[:-1]))
    previous[starts] = 0
    sizes = (bounds - previous + 1) * qty_units
    # sorted instants inside each minute, handed out in level order
    per_minute = counts.reshape(-1, LEVELS).sum(axis=1)
    minute_of = np.repeat(np.arange(first, last, dtype=np.int64), per_minute)
    offsets = rng.integers(0, _TICKS_PER_MINUTE, size=total)
    times = np.sort(minute_of * _TICKS_PER_MINUTE + offsets) + day_start * TICKS_PER_MS
    trade_prices = np.repeat(prices.ravel(), counts)
    change = np.diff(trade_prices, prepend=trade_prices[0])
    coin = rng.random((2, total))
    buy = np.where(change > 0, True, np.where(change < 0, False, coin[0] < 0.5))
    group = "spot" if inst.category == "spot" else "contract"
    rpi = coin[1] < RPI_SHARE if day_start >= RPI_SINCE[group] else np.zeros(total, bool)
    words = rng.integers(0, 2**32, size=(total, 4), dtype=np.uint32)
    return DayTrades(inst, day, times, trade_prices, sizes, buy, rpi, words, source.decimals, size_decimals)


def latest_trades(source: BarSource, now_ms: int, limit: int) -> list[tuple[DayTrades, np.ndarray]]:
    """Return the newest ``limit`` trades at or before ``now_ms``, newest first.

    Returns
    -------
    list of (DayTrades, numpy.ndarray)
        Each day's trades with the row numbers taken from it (descending), today first.
    """
    taken: list[tuple[DayTrades, np.ndarray]] = []
    wanted = limit
    day = min(now_ms, source.stop_ms - 1) // DAY_MS
    first_day = source.first_ms // DAY_MS
    while wanted > 0 and day >= first_day:
        trades = day_trades(source, day)
        stop = int(np.searchsorted(trades.time, (now_ms + 1) * TICKS_PER_MS, side="left"))
        rows = np.arange(stop - 1, max(stop - wanted, 0) - 1, -1)
        if len(rows):
            taken.append((trades, rows))
            wanted -= len(rows)
        day -= 1
    return taken
