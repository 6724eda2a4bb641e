"""Insurance pools of the contracts and the ADL (auto-deleveraging) state of each pool's symbols.

Pools are grouped by settle coin; a pool with several symbols is shared. Balances refresh once a day at
00:00 UTC (Bybit refreshes shared pools T+1); ``/v5/market/insurance`` and ``/v5/market/adlAlert`` show the
same balance.

A symbol's ADL drawdown ratio follows the documented formula, ``pnlRatio = (current PnL - 8 h max PnL) /
pool's 8 h max balance``: each symbol has a P&L path against its pool (in the pool's coin, sampled each
minute), an hourly wave of a few percent of the pool plus, on some days, a stress episode (a loss of 30 to
60 % of the pool building over an hour, then recovered over six hours). During an episode the drawdown falls
below the trigger ratio (``insurancePnlRatio``, -0.3) and ADL's documented trigger holds for that symbol.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .calendar import DAY_MS, HOUR_MS, MINUTE_MS
from .derivatives import wave
from .paths import keyed_rng, name_key

_INSURANCE, _DRAWDOWN = 51, 52

#: ``(coin, symbols, typical balance in the coin)`` of each pool.
POOLS: tuple[tuple[str, tuple[str, ...], float], ...] = (
    ("USDT", ("BTCUSDT",), 60_000_000.0),
    ("USDT", ("ETHUSDT",), 30_000_000.0),
    ("USDT", ("SOLUSDT", "XRPUSDT", "DOGEUSDT"), 12_000_000.0),
    ("USDT", ("ADAUSDT", "AVAXUSDT", "LINKUSDT", "DOTUSDT", "LTCUSDT", "BNBUSDT", "TRXUSDT"), 6_000_000.0),
    (
        "USDT",
        ("NEARUSDT", "OPUSDT", "APTUSDT", "ARBUSDT", "SUIUSDT", "TONUSDT", "WIFUSDT", "HYPEUSDT"),
        2_500_000.0,
    ),
    ("USDC", ("BTCPERP", "ETHPERP", "SOLPERP"), 4_000_000.0),
    ("BTC", ("BTCUSD",), 1_200.0),
    ("ETH", ("ETHUSD",), 9_000.0),
)
#: Bybit's ADL constants (the docs' examples): trigger below this drawdown ratio, stop above the stop ratio,
#: and only while the pool holds more than the trigger threshold.
INSURANCE_PNL_RATIO = "-0.3"
ADL_STOP_RATIO = "-0.25"
ADL_TRIGGER_THRESHOLD = "10000"


@dataclass(frozen=True)
class Pool:
    """One insurance pool at its last daily refresh."""

    number: int
    coin: str
    symbols: tuple[str, ...]
    balance: float
    updated_ms: int


def pools(seed: int, now_ms: int) -> list[Pool]:
    """Return every pool as refreshed at the last 00:00 UTC before ``now_ms``."""
    updated = now_ms // DAY_MS * DAY_MS
    rows = []
    for number, (coin, symbols, size) in enumerate(POOLS):
        drift = float(wave(seed, _INSURANCE, number, np.array([updated]))[0])
        rows.append(Pool(number, coin, symbols, size * (1.0 + 0.1 * drift), updated))
    return rows


#: Streams of the P&L paths: the hourly wave, and the daily stress episodes.
_PNL_WAVE, _STRESS = 53, 54
#: The window of the drawdown (and of the pool's max balance).
DRAWDOWN_WINDOW_MS = 8 * HOUR_MS
#: Chance that a symbol has a stress episode on a given day, its loss (a fraction of the pool) and timing.
STRESS_CHANCE = 0.25
STRESS_DEPTH = (0.3, 0.6)
STRESS_BUILD_MS = HOUR_MS
STRESS_RECOVERY_MS = 6 * HOUR_MS


def pool_of(symbol: str) -> int | None:
    """Return the number of the pool ``symbol`` belongs to (None outside the pools)."""
    return next((number for number, (_, symbols, _) in enumerate(POOLS) if symbol in symbols), None)


def _hourly_wave(seed: int, key: int, times: np.ndarray) -> np.ndarray:
    first, last = int(times.min() // HOUR_MS), int(times.max() // HOUR_MS) + 1
    nodes = [keyed_rng(seed, key, _PNL_WAVE, hour).standard_normal() for hour in range(first, last + 1)]
    return np.interp(times / HOUR_MS, np.arange(first, last + 1), nodes)


def _stress(seed: int, key: int, times: np.ndarray) -> np.ndarray:
    """The loss of the symbol's stress episodes at ``times`` (a negative fraction of the pool)."""
    loss = np.zeros(len(times))
    first, last = int(times.min() // DAY_MS) - 1, int(times.max() // DAY_MS)
    for day in range(first, last + 1):
        rng = keyed_rng(seed, key, _STRESS, day)
        if rng.random() >= STRESS_CHANCE:
            continue
        start = day * DAY_MS + int(rng.integers(0, DAY_MS // MINUTE_MS)) * MINUTE_MS
        depth = STRESS_DEPTH[0] + (STRESS_DEPTH[1] - STRESS_DEPTH[0]) * rng.random()
        since = (times - start).astype(float)
        building = np.clip(since / STRESS_BUILD_MS, 0.0, 1.0)
        recovering = np.clip((since - STRESS_BUILD_MS) / STRESS_RECOVERY_MS, 0.0, 1.0)
        loss -= depth * building * (1.0 - recovering)
    return loss


def symbol_pnl(seed: int, symbol: str, times: np.ndarray) -> np.ndarray:
    """Return the symbol's P&L against its pool at ``times``, as a fraction of the pool's typical balance."""
    key = name_key(symbol)
    return 0.02 * _hourly_wave(seed, key, times) + _stress(seed, key, times)


def max_balance(seed: int, number: int, now_ms: int) -> float:
    """Return the highest balance of pool ``number`` in the 8 hours to ``now_ms`` (its daily refreshes)."""
    refreshes = {now_ms // DAY_MS * DAY_MS, (now_ms - DRAWDOWN_WINDOW_MS) // DAY_MS * DAY_MS}
    return max(pools(seed, t)[number].balance for t in refreshes)


def drawdown_ratio(seed: int, symbol: str, minute_ms: int) -> float:
    """Return a pool symbol's 8-hour PnL drawdown ratio at a whole minute, rounded to 6 dp (<= 0).

    ``(PnL now - the highest PnL of the last 8 hours) / the pool's highest balance of the last 8 hours``,
    the P&L in the pool's coin (:func:`symbol_pnl` times the pool's typical balance).
    """
    number = pool_of(symbol)
    if number is None:
        raise KeyError(f"{symbol} is in no insurance pool")
    times = np.arange(minute_ms - DRAWDOWN_WINDOW_MS, minute_ms + 1, MINUTE_MS, dtype=np.int64)
    pnl = symbol_pnl(seed, symbol, times) * POOLS[number][2]
    ratio = (pnl[-1] - pnl.max()) / max_balance(seed, number, minute_ms)
    return round(float(ratio), 6) + 0.0  # + 0.0 turns -0.0 into 0.0
