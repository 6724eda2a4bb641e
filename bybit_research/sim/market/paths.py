"""Random-access price paths of the base coins.

The log price of a coin is a Brownian bridge between "anchor" levels placed every :data:`SEGMENT_DAYS` days
(each
anchor an independent draw around the coin's reference level, which keeps prices plausible over any span),
sampled
at day starts; within a day, minute levels are a second Brownian bridge between the two day-start levels.
Every
random draw comes from a generator keyed by ``(seed, coin, stream, index)``, so any day is computed directly,
never
by replaying the path from its beginning, and the same seed gives the same path on every run.
"""

from __future__ import annotations

import math
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

import numpy as np

from .calendar import DAY_MS, MINUTE_MS

MINUTES_PER_DAY = 1440
SEGMENT_DAYS = 256
ANCHOR_SPREAD = 0.30

_ANCHOR, _SEGMENT, _MINUTES = 1, 2, 3

K = TypeVar("K")
V = TypeVar("V")


def keyed_rng(*key: int) -> np.random.Generator:
    """Return a generator determined entirely by ``key`` (non-negative integers)."""
    return np.random.default_rng([k & 0xFFFF_FFFF_FFFF for k in key])


def name_key(name: str) -> int:
    """Return a stable integer for a name, for use in generator keys."""
    return zlib.crc32(name.encode())


class LruCache(Generic[K, V]):
    """A small thread-safe least-recently-used cache."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """Return the cached value of ``key`` (marking it recently used), or None."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def get_or_build(self, key: K, build: Callable[[], V]) -> V:
        """Return the cached value of ``key``, building (outside the lock) and storing it when missing."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = build()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


class CoinPath:
    """The USD log-price path of one coin.

    Parameters
    ----------
    seed
        Market seed.
    coin
        Coin name, part of every generator key.
    ref_price
        Level the anchors scatter around.
    annual_vol
        Volatility of the walk (fraction per square-root year).
    """

    def __init__(self, seed: int, coin: str, ref_price: float, annual_vol: float) -> None:
        self.coin = coin
        self.annual_vol = annual_vol
        self._seed = seed
        self._key = name_key(coin)
        self._log_ref = math.log(ref_price)
        self.sigma_day = annual_vol / math.sqrt(365.0)
        self.sigma_minute = self.sigma_day / math.sqrt(MINUTES_PER_DAY)
        self._segments: LruCache[int, np.ndarray] = LruCache(64)
        self._minutes: LruCache[int, np.ndarray] = LruCache(400)  # > the demo account's 200-day history

    def _anchor(self, index: int) -> float:
        draw = keyed_rng(self._seed, self._key, _ANCHOR, index).standard_normal()
        return self._log_ref + ANCHOR_SPREAD * float(draw)

    def _segment(self, index: int) -> np.ndarray:
        def build() -> np.ndarray:
            steps = keyed_rng(self._seed, self._key, _SEGMENT, index).standard_normal(SEGMENT_DAYS)
            walk = np.concatenate(([0.0], np.cumsum(steps * self.sigma_day)))
            ramp = np.linspace(0.0, 1.0, SEGMENT_DAYS + 1)
            start, stop = self._anchor(index), self._anchor(index + 1)
            return start + (stop - start) * ramp + walk - ramp * walk[-1]

        return self._segments.get_or_build(index, build)

    def day_log(self, day: int) -> float:
        """Return the log price at 00:00 UTC of epoch day ``day``."""
        return float(self._segment(day // SEGMENT_DAYS)[day % SEGMENT_DAYS])

    def day_logs(self, first_day: int, last_day: int) -> np.ndarray:
        """Return log prices at the starts of days ``first_day..last_day`` (inclusive)."""
        parts = []
        day = first_day
        while day <= last_day:
            segment, offset = divmod(day, SEGMENT_DAYS)
            stop = min(SEGMENT_DAYS, offset + last_day - day + 1)
            parts.append(self._segment(segment)[offset:stop])
            day += stop - offset
        return np.concatenate(parts) if parts else np.empty(0)

    def minute_logs(self, day: int) -> np.ndarray:
        """Return the 1441 log prices at the minute starts of ``day`` (last = next day's start)."""

        def build() -> np.ndarray:
            steps = keyed_rng(self._seed, self._key, _MINUTES, day).standard_normal(MINUTES_PER_DAY)
            walk = np.concatenate(([0.0], np.cumsum(steps * self.sigma_minute)))
            ramp = np.linspace(0.0, 1.0, MINUTES_PER_DAY + 1)
            start, stop = self.day_log(day), self.day_log(day + 1)
            levels = start + (stop - start) * ramp + walk - ramp * walk[-1]
            levels[0], levels[-1] = start, stop
            levels.flags.writeable = False
            return levels

        return self._minutes.get_or_build(day, build)

    def log_at(self, t_ms: int) -> float:
        """Return the log price at ``t_ms``, linear between minute points."""
        day, rest = divmod(t_ms, DAY_MS)
        minute, frac_ms = divmod(rest, MINUTE_MS)
        levels = self.minute_logs(day)
        lo, hi = levels[minute], levels[minute + 1]
        return float(lo + (hi - lo) * frac_ms / MINUTE_MS)

    def price_at(self, t_ms: int) -> float:
        """Return the USD price at ``t_ms``."""
        return math.exp(self.log_at(t_ms))

    def day_price(self, t_ms: int) -> float:
        """Return the price at the start of the day containing ``t_ms`` (cheap; no minute path needed)."""
        return math.exp(self.day_log(t_ms // DAY_MS))
