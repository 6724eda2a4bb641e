"""Derivatives series: funding rates, open interest, long/short account ratio and historical volatility.

Each series is a pure function of time built from keyed daily draws interpolated in between (a slowly varying
"wave"), so any window is computed directly.
"""

from __future__ import annotations

import numpy as np

from .calendar import DAY_MS, HOUR_MS, MINUTE_MS
from .coins import COIN_SPECS
from .instrument import Instrument
from .paths import CoinPath, keyed_rng

_FUNDING, _OI, _RATIO, _OI_WIGGLE = 21, 22, 23, 24
INTEREST_RATE = 0.0001
CLAMP = 0.0005
#: Open interest relative to daily volume, by contract type.
_OI_SHARE = {"LinearPerpetual": 0.5, "LinearFutures": 0.02, "InversePerpetual": 0.1, "InverseFutures": 0.01}


def wave(seed: int, key: int, stream: int, times: np.ndarray) -> np.ndarray:
    """Return a smooth standard-normal series at ``times``: keyed daily nodes, interpolated."""
    if len(times) == 0:
        return np.empty(0)
    first_day, last_day = int(times.min() // DAY_MS), int(times.max() // DAY_MS) + 1
    nodes = [keyed_rng(seed, key, stream, day).standard_normal() for day in range(first_day, last_day + 1)]
    return np.interp(times / DAY_MS, np.arange(first_day, last_day + 1), nodes)


def funding_cap(interval_min: int) -> float:
    """Return the upper funding-rate cap of a perpetual settling every ``interval_min`` minutes."""
    return {480: 0.00375, 240: 0.01, 60: 0.02}.get(interval_min, 0.00375)


def funding_times(inst: Instrument, first_ms: int, last_ms: int) -> list[int]:
    """Return the settlement times of ``inst`` in ``[first_ms, last_ms]`` after its launch, ascending."""
    step = inst.funding_interval_min * MINUTE_MS
    if step <= 0:
        return []
    first_ms = max(first_ms, inst.launch_ms + 1)
    first = -(-first_ms // step) * step
    return list(range(first, last_ms + 1, step)) if last_ms >= first else []


def funding_rates(seed: int, inst: Instrument, settle_times: list[int]) -> list[float]:
    """Return the funding rates settled at ``settle_times``.

    Bybit's formula ``F = P + clamp(I - P, -0.05 %, +0.05 %)`` with interest ``I`` = 0.01 % per 8 hours and
    the
    premium ``P`` the synthetic premium wave, scaled to the settlement interval and capped.
    """
    if not settle_times:
        return []
    times = np.array(settle_times, dtype=np.int64)
    scale = inst.funding_interval_min / 480.0
    premium = (1.5e-4 + 6e-4 * wave(seed, inst.rng_key(), _FUNDING, times - HOUR_MS)) * scale
    interest = INTEREST_RATE * scale
    rate = premium + np.clip(interest - premium, -CLAMP * scale, CLAMP * scale)
    cap = funding_cap(inst.funding_interval_min)
    return [round(float(v), 8) for v in np.clip(rate, -cap, cap)]


def open_interest(seed: int, inst: Instrument, times: np.ndarray) -> np.ndarray:
    """Return open interest at ``times``: base coin for linear, USD contracts for inverse (both sides)."""
    spec = COIN_SPECS[inst.base_coin]
    share = _OI_SHARE.get(inst.contract_type, 0.05) * (0.1 if inst.quote_coin == "USDC" else 1.0)
    base = spec.usd_volume * share * (1.0 if inst.is_inverse else 1.0 / spec.ref_price)
    key = inst.rng_key()
    level = np.exp(0.35 * wave(seed, key, _OI, times) + 0.05 * np.sin(times / (5.3 * HOUR_MS) + key % 7))
    age = np.clip((times - inst.launch_ms) / (60.0 * DAY_MS), 0.05, 1.0)
    return base * level * np.sqrt(age)


def buy_ratio(seed: int, inst: Instrument, times: np.ndarray) -> np.ndarray:
    """Return the share of accounts net long at ``times`` (rounded to 4 decimals)."""
    key = inst.rng_key()
    value = 0.5 + 0.12 * np.tanh(wave(seed, key, _RATIO, times)) + 0.01 * np.sin(times / (3.1 * HOUR_MS))
    return np.round(value, 4)


def historical_volatility(path: CoinPath, period_days: int, times: np.ndarray) -> np.ndarray:
    """Return annualised realised volatility (fraction) over the ``period_days`` before each of ``times``.

    Computed from the coin's daily closes; between day ends the value is interpolated so the hourly series is
    smooth.
    """
    if len(times) == 0:
        return np.empty(0)
    first_day = int(times.min() // DAY_MS) - period_days - 1
    last_day = int(times.max() // DAY_MS) + 1
    logs = path.day_logs(first_day, last_day)
    returns = np.diff(logs)
    squares = np.concatenate(([0.0], np.cumsum(returns * returns)))
    days = np.arange(first_day + period_days + 1, last_day + 1)
    # day index j (value at the start of day j) uses returns of days j-period .. j-1
    lo = days - period_days - first_day - 1
    hi = days - first_day - 1
    sums = squares[hi] - squares[lo]
    daily = np.sqrt(sums / period_days * 365.0)
    return np.interp(times / DAY_MS, days.astype(float), daily)
