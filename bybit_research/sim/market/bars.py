"""Minute bars of one instrument's price flavour (last traded, mark, index, premium index).

All prices are integers in units of ``10**-decimals`` so that aggregation (max, min, sums) is exact and
candles of every interval agree. Volumes are integer multiples of the instrument's volume step and turnovers
integers in units of ``10**-turnover_decimals``; sums of integers stay exact. A traded minute's turnover is
the sum of price x volume over the price levels it traded at (:mod:`.levels`), which are also the prices of
its public trades.

A flavour's log price is the coin path plus an offset: a slowly varying basis (a perpetual's premium, a
future's carry that decays to expiry) plus per-minute noise, both drawn from keyed generators so that any day
is computed on its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .calendar import DAY_MS, MINUTE_MS, YEAR_MS
from .coins import COIN_SPECS, decimals
from .instrument import Instrument
from .levels import LEVELS, minute_levels
from .options import OPTION_CARRY, smile_iv_array
from .paths import MINUTES_PER_DAY, CoinPath, LruCache, keyed_rng

KINDS = ("last", "mark", "index", "premium")
_NOISE, _BASIS, _LEVELS = 11, 14, 15
_KIND_KEYS = {"last": 1, "mark": 2, "index": 3, "premium": 4}
PREMIUM_DECIMALS = 6
#: Share of the coin's daily USD volume traded on each kind of market.
_VOLUME_SHARE = {
    "Spot": 0.35,
    "LinearPerpetual": 1.0,
    "LinearFutures": 0.03,
    "InversePerpetual": 0.12,
    "InverseFutures": 0.02,
    "Option": 0.002,
}

_MINUTE_TIMES = np.arange(MINUTES_PER_DAY + 1, dtype=np.int64) * MINUTE_MS
_erfc = np.frompyfunc(math.erfc, 1, 1)


@dataclass(frozen=True)
class DayBars:
    """The 1440 minute bars of one day: integer prices, volumes and turnovers (arrays of int64)."""

    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    turnover: np.ndarray


#: Shared by all sources: the most recently used days of minute bars.
_DAY_CACHE: LruCache[tuple[int, int], DayBars] = LruCache(512)
#: Shared by all sources: the minute points (bar opens and the last close) of days whose bars were not needed,
#: for single-price look-ups. 2048 days of 1440 int64 hold the demo account's whole history (~24 MB at most).
_POINT_CACHE: LruCache[tuple[int, int], np.ndarray] = LruCache(2048)
#: Daily basis nodes of the contracts (one float each).
_BASIS_NODES: LruCache[tuple[int, int, int], float] = LruCache(200_000)
_SOURCE_IDS: dict[tuple[str, str, str, int], int] = {}


class BarSource:
    """Minute bars of one instrument and price flavour.

    Parameters
    ----------
    seed
        Market seed.
    inst
        The instrument.
    kind
        ``"last"``, ``"mark"``, ``"index"`` or ``"premium"``.
    path
        The path of the instrument's base coin.
    """

    def __init__(self, seed: int, inst: Instrument, kind: str, path: CoinPath) -> None:
        self.seed = seed
        self.inst = inst
        self.kind = kind
        self.path = path
        key = (inst.category, inst.symbol, kind, seed)
        self.source_id = _SOURCE_IDS.setdefault(key, len(_SOURCE_IDS) + 1)
        self._key = inst.rng_key()
        self.first_ms = -(-inst.launch_ms // MINUTE_MS) * MINUTE_MS
        self.stop_ms = inst.delivery_ms or 2**62
        self.has_volume = kind == "last"
        self._firsts: dict[int, float] = {}
        if kind == "premium":
            self.decimals, self._unit = PREMIUM_DECIMALS, 10.0**-PREMIUM_DECIMALS
        else:
            self.decimals = decimals(inst.tick_size)
            self._unit = float(inst.tick_size)
        self.scale = round(self._unit * 10**self.decimals)
        step = inst.volume_step
        self.volume_decimals = decimals(step)
        self._volume_step = float(step)
        self.volume_scale = round(self._volume_step * 10**self.volume_decimals)
        self.turnover_decimals = 8 if inst.is_inverse else self.volume_decimals + self.decimals
        spec = COIN_SPECS[inst.base_coin]
        share = _VOLUME_SHARE[inst.contract_type] * (0.1 if inst.quote_coin == "USDC" else 1.0)
        usd_per_minute = spec.usd_volume * share / MINUTES_PER_DAY
        #: the typical USD value traded per minute (sets the number of public trades)
        self.usd_per_minute = usd_per_minute
        per_minute = usd_per_minute if inst.is_inverse else usd_per_minute / spec.ref_price
        self._volume_units = max(per_minute / self._volume_step, 2.0)
        self._noise = (
            {"Spot": 1.2e-4, "LinearPerpetual": 1.5e-4, "InversePerpetual": 1.5e-4}.get(
                inst.contract_type, 2.5e-4
            )
            if kind == "last"
            else 3e-5
        )

    # ---------------------------------------------------------------- flavour offsets
    def _basis_node(self, day: int) -> float:
        # keyed by the instrument, not the flavour: the last and mark sources of a contract share nodes
        return _BASIS_NODES.get_or_build(
            (self.seed, self._key, day),
            lambda: float(keyed_rng(self.seed, self._key, _BASIS, day).standard_normal()),
        )

    def basis(self, times: np.ndarray) -> np.ndarray:
        """Return the relative basis of the flavour at ``times`` (ms): premium of perps, carry of futures."""
        inst = self.inst
        if inst.contract_type in ("Spot", "Option") or self.kind == "index":
            return np.zeros(len(times))
        first_day, last_day = int(times[0] // DAY_MS), int(times[-1] // DAY_MS) + 1
        nodes = [self._basis_node(day) for day in range(first_day, last_day + 1)]
        wave = np.interp(times / DAY_MS, np.arange(first_day, last_day + 1), nodes)
        if inst.delivery_ms:
            tau = np.maximum(inst.delivery_ms - times, 0) / YEAR_MS
            return (0.06 + 0.03 * wave) * tau
        return 2e-4 + 2.5e-4 * wave

    def _draws(self, day: int) -> np.ndarray:
        """Return the day's keyed draws: rows noise, high wick, low wick, volume (noise first)."""
        rng = keyed_rng(self.seed, self._key, _NOISE, _KIND_KEYS[self.kind], day)
        return rng.standard_normal((4, MINUTES_PER_DAY))

    def _first_noise(self, day: int) -> float:
        """Return the first noise draw of ``day`` (remembered: the previous day's last point needs it)."""
        first = self._firsts.get(day)
        if first is None:
            first = float(
                keyed_rng(self.seed, self._key, _NOISE, _KIND_KEYS[self.kind], day).standard_normal()
            )
            self._firsts[day] = first
        return first

    def _values(self, day: int, noise_row: np.ndarray | None, *, with_last: bool = True) -> np.ndarray:
        """Return the unrounded prices at the minute starts of ``day`` given its 1440 noise draws.

        With ``with_last`` there are 1441: the last is the next day's first point, so its noise is the first
        draw of the next day's generator; without it, the 1440 points of the day itself.
        """
        count = MINUTES_PER_DAY + 1 if with_last else MINUTES_PER_DAY
        times = day * DAY_MS + _MINUTE_TIMES[:count]
        coin_logs = self.path.minute_logs(day)[:count]
        if self.inst.contract_type == "Option":
            return self.option_marks(times, coin_logs)
        offsets = self.basis(times)
        if self.kind != "index":
            assert noise_row is not None
            self._firsts[day] = float(noise_row[0])
            noise = np.append(noise_row, self._first_noise(day + 1)) if with_last else noise_row
            offsets = offsets + self._noise * noise
        if self.kind == "premium":
            return offsets
        return np.exp(coin_logs + offsets)

    def _ticks(self, values: np.ndarray) -> np.ndarray:
        ticks = np.maximum(np.rint(values / self._unit), 1 if self.kind != "premium" else -(2**40))
        return ticks.astype(np.int64) * self.scale

    def option_marks(self, times: np.ndarray, coin_logs: np.ndarray) -> np.ndarray:
        """Return option mark prices at ``times`` given the coin's log prices there (vectorised Black-76)."""
        inst = self.inst
        assert inst.strike is not None
        tau = np.maximum(inst.delivery_ms - times, 0) / YEAR_MS
        forward = np.exp(coin_logs) * (1.0 + OPTION_CARRY * tau)
        base_vol = self.path.annual_vol
        sigma = smile_iv_array(base_vol, forward, inst.strike, tau)
        sd = sigma * np.sqrt(np.maximum(tau, 1e-12))
        d1 = (np.log(forward / inst.strike) + 0.5 * sd * sd) / sd
        d2 = d1 - sd
        cdf = lambda x: 0.5 * _erfc(-x / math.sqrt(2.0)).astype(float)  # noqa: E731
        if inst.option_type == "Call":
            value = forward * cdf(d1) - inst.strike * cdf(d2)
            intrinsic = np.maximum(forward - inst.strike, 0.0)
        else:
            value = inst.strike * cdf(-d2) - forward * cdf(-d1)
            intrinsic = np.maximum(inst.strike - forward, 0.0)
        return np.where(tau > 0, np.maximum(value, intrinsic), intrinsic)

    # ---------------------------------------------------------------- minute bars
    def points(self, day: int, draws: np.ndarray | None = None) -> np.ndarray:
        """Return the 1441 integer prices at the minute starts of ``day`` (last = next day's first)."""
        if draws is None:
            draws = self._draws(day)
        return self._ticks(self._values(day, draws[0]))

    def point_pair(self, day: int, minute: int) -> tuple[int, int]:
        """Return the integer prices at the start and end of minute ``minute`` of ``day``.

        Equal to the minute bar's open and close, but read from the day's cached points (see
        :data:`_POINT_CACHE`) unless the day's bars are cached already: single prices on hundreds of days
        (what the demo account asks for) stay cheap and leave the bar cache to the candle pages.
        """
        cached = _DAY_CACHE.get((self.source_id, day))
        if cached is not None:
            return int(cached.open[minute]), int(cached.close[minute])
        points = _POINT_CACHE.get_or_build((self.source_id, day), lambda: self._bare_points(day))
        if minute + 1 < MINUTES_PER_DAY:
            return int(points[minute]), int(points[minute + 1])
        # the day's last point is the next day's first
        return int(points[minute]), self.point_pair(day + 1, 0)[0]

    def _bare_points(self, day: int) -> np.ndarray:
        """The first 1440 of :meth:`points`, drawing only the noise row (the day generator's first 1440
        normals)."""
        noise_row = None
        if self.kind != "index" and self.inst.contract_type != "Option":
            rng = keyed_rng(self.seed, self._key, _NOISE, _KIND_KEYS[self.kind], day)
            noise_row = rng.standard_normal(MINUTES_PER_DAY)
        points = self._ticks(self._values(day, noise_row, with_last=False))
        points.flags.writeable = False
        return points

    def day_bars(self, day: int) -> DayBars:
        """Return the minute bars of ``day`` (cached; computed directly from keyed draws)."""
        return _DAY_CACHE.get_or_build((self.source_id, day), lambda: self._build_day(day))

    def _build_day(self, day: int) -> DayBars:
        draws = self._draws(day)
        points = self.points(day, draws)
        opens, closes = points[:-1], points[1:]
        top, bottom = np.maximum(opens, closes), np.minimum(opens, closes)
        zeros = np.zeros(MINUTES_PER_DAY, dtype=np.int64)
        if not self.has_volume or self.inst.contract_type == "Option":
            return DayBars(opens, top, bottom, closes, zeros, zeros)
        wicks = np.abs(draws[1:3]) * (self.path.sigma_minute * 0.6)
        highs = top + np.rint(wicks[0] * top).astype(np.int64) // self.scale * self.scale
        lows = bottom - np.rint(wicks[1] * bottom).astype(np.int64) // self.scale * self.scale
        lows = np.maximum(lows, self.scale)
        move = np.abs(closes - opens) / np.maximum(opens, 1) / self.path.sigma_minute
        steps = np.floor(self._volume_units * np.exp(0.6 * draws[3] - 0.18) * (0.6 + 0.4 * move)).astype(
            np.int64
        )
        steps = np.maximum(steps, LEVELS)  # every level of a minute trades at least one volume step
        volumes = steps * self.volume_scale
        prices, level_steps = self._levels(day, opens, highs, lows, closes, steps)
        if self.inst.is_inverse:
            coins = level_steps * self._volume_step / (prices / 10**self.decimals)
            turnovers = np.rint(coins.sum(axis=1) * 1e8).astype(np.int64)
        else:
            turnovers = (prices * level_steps).sum(axis=1) * self.volume_scale
        return DayBars(opens, highs, lows, closes, volumes, turnovers)

    def _levels(
        self,
        day: int,
        opens: np.ndarray,
        highs: np.ndarray,
        lows: np.ndarray,
        closes: np.ndarray,
        steps: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        rng = keyed_rng(self.seed, self._key, _LEVELS, day)
        return minute_levels(rng, opens, highs, lows, closes, steps, self.scale)

    def level_book(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the prices and volume steps of the levels each minute of ``day`` trades at.

        Both are ``(1440, LEVELS)`` int64 arrays (see :mod:`.levels`); only the traded price (``kind`` last)
        of a spot pair or a contract has them.
        """
        if not self.has_volume or self.inst.contract_type == "Option":
            raise ValueError(f"{self.inst.symbol} {self.kind} prices have no trades")
        bars = self.day_bars(day)
        return self._levels(day, bars.open, bars.high, bars.low, bars.close, bars.volume // self.volume_scale)
