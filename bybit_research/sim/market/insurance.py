"""Insurance pools of the contracts and the ADL (auto-deleveraging) state of each pool's symbols.

Pools are grouped by settle coin; a pool with several symbols is shared. Balances refresh once a day at
00:00 UTC (Bybit refreshes shared pools T+1); ``/v5/market/insurance`` and ``/v5/market/adlAlert`` show the
same balance. A symbol's ADL drawdown ratio (``pnlRatio``) is a slowly varying draw that stays above the
trigger ratio, so no ADL is in progress in the synthetic market.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .calendar import DAY_MS
from .derivatives import wave
from .paths import name_key

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


def drawdown_ratio(seed: int, symbol: str, minute_ms: int) -> float:
    """Return a symbol's 8-hour PnL drawdown ratio at a whole minute: between -0.2 and 0, rounded to 6 dp."""
    level = float(wave(seed, name_key(symbol), _DRAWDOWN, np.array([minute_ms]))[0])
    return max(round(-0.05 * level * level, 6), -0.2) + 0.0  # + 0.0 turns -0.0 into 0.0
