"""Risk-limit tiers of perpetuals and futures, shared by ``/v5/market/risk-limit`` and the demo account.

Tiers step up the maintenance margin rate by 0.5 % each; the initial margin rate is twice the maintenance
rate (at least ``1 / maxLeverage``). Limits are in USD for linear contracts and in the base coin for inverse
contracts (the coin a position's value is in). Tier ids are unique across symbols, as on Bybit: each symbol
owns a block of :data:`TIER_BLOCK` ids derived from a hash of its name (so an id never depends on the clock
or on which other symbols are listed).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from .instrument import Instrument

#: Ids reserved per symbol (more than any symbol's tier count).
TIER_BLOCK = 16
#: Number of id blocks; ``blocks * TIER_BLOCK`` stays below 2**31.
_BLOCKS = 100_000_000
_FIRST_LIMIT_LINEAR = {"BTC": 2_000_000, "ETH": 1_000_000}
_FIRST_LIMIT_INVERSE = {"BTC": 150, "ETH": 3_000}


@dataclass(frozen=True)
class RiskTier:
    """One risk-limit tier: ``limit`` is the largest position value of the tier, ``deduction`` the
    ``mmDeduction`` that keeps the tiered maintenance margin continuous."""

    id: int
    number: int
    symbol: str
    limit: int
    mmr: float
    imr: float
    deduction: float


def first_tier_id(symbol: str) -> int:
    """Return the id of ``symbol``'s first tier (its later tiers follow on)."""
    return zlib.crc32(symbol.encode()) % _BLOCKS * TIER_BLOCK + 1


def risk_tiers(inst: Instrument) -> list[RiskTier]:
    """Return the risk-limit tiers of a perpetual or future, lowest first."""
    major = inst.base_coin in ("BTC", "ETH")
    count = 10 if major else 6
    if inst.is_inverse:
        base = _FIRST_LIMIT_INVERSE.get(inst.base_coin, 100_000)
    else:
        base = _FIRST_LIMIT_LINEAR.get(inst.base_coin, 200_000)
    first_mmr = 0.005 if major else 0.01
    first_id = first_tier_id(inst.symbol)
    tiers, deduction, previous_mmr, previous_limit = [], 0.0, first_mmr, 0
    for number in range(1, count + 1):
        mmr = first_mmr + 0.005 * (number - 1)
        imr = max(2 * mmr, 1.0 / inst.max_leverage if inst.max_leverage else 0.02)
        deduction += previous_limit * (mmr - previous_mmr)
        limit = base * number
        tiers.append(
            RiskTier(first_id + number - 1, number, inst.symbol, limit, mmr, imr, round(deduction, 8))
        )
        previous_mmr, previous_limit = mmr, limit
    return tiers


def tier_of(inst: Instrument, value: float) -> RiskTier:
    """Return the tier a position of ``value`` (USD for linear, coin for inverse) falls in."""
    tiers = risk_tiers(inst)
    return next((tier for tier in tiers if abs(value) <= tier.limit), tiers[-1])
