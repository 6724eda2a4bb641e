"""The grouped fee structure of contracts for Pro and market-maker clients (``/v5/market/fee-group-info``).

Contracts are grouped by base coin; a group's symbols are its coins' contracts listed now (perpetuals and
dated futures, linear and inverse). Pro levels pay taker and maker fees (``makerRebate`` empty); market-maker
levels earn a maker rebate (negative) and leave the fee fields empty. Nine groups: the reference's ``groupId``
range 1-9 (an older docs page lists 1-8).
"""

from __future__ import annotations

from dataclasses import dataclass

from .calendar import date_ms

#: ``(name, weighting factor, base coins)`` of groups 1 to 9.
GROUPS: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("G1(Major Coins)", 1, ("BTC", "ETH")),
    ("G2(Large Caps)", 2, ("SOL", "XRP", "DOGE")),
    ("G3(Mid Caps)", 3, ("ADA", "AVAX", "LINK")),
    ("G4(Mid Caps)", 3, ("DOT", "LTC", "BNB")),
    ("G5(Layer 1)", 4, ("TRX", "NEAR", "TON")),
    ("G6(Layer 2)", 5, ("OP", "ARB")),
    ("G7(New Chains)", 6, ("APT", "SUI")),
    ("G8(Meme)", 8, ("WIF",)),
    ("G9(New Listings)", 10, ("HYPE",)),
)
#: When the fee table last changed (the ``updateTime`` of every group).
UPDATED_MS = date_ms("2025-10-01")
_PRO_TAKER = ("0.0003", "0.00028", "0.00025", "0.00022", "0.0002", "0.00018")
_PRO_MAKER = ("0.0001", "0.00008", "0.00006", "0.00004", "0.00002", "0")
_MM_REBATE = (-0.000005, -0.0000075, -0.00001)


@dataclass(frozen=True)
class FeeLevel:
    """One level's rates as Bybit prints them (``""`` where the level has no such rate)."""

    level: str
    taker_fee_rate: str
    maker_fee_rate: str
    maker_rebate: str


def pro_levels(group: int) -> list[FeeLevel]:
    """Return the Pro 1-6 levels of group ``group`` (1-based): the same table for every group."""
    return [FeeLevel(f"Pro {n}", _PRO_TAKER[n - 1], _PRO_MAKER[n - 1], "") for n in range(1, 7)]


def market_maker_levels(group: int) -> list[FeeLevel]:
    """Return the MM 1-3 levels of group ``group``: rebates grow with the group's weighting factor."""
    factor = GROUPS[group - 1][1]
    out = []
    for n in range(1, 4):
        rebate = _MM_REBATE[n - 1] * (1.0 + 0.05 * (factor - 1))
        out.append(FeeLevel(f"MM {n}", "", "", f"{rebate:.9f}".rstrip("0")))
    return out
