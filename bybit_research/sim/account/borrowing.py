"""Borrowing terms of the demo account: hourly interest rates, borrowing limits and collateral settings."""

from __future__ import annotations

import math
import zlib
from decimal import Decimal

from ..market.calendar import DAY_MS, HOUR_MS
from .numbers import ZERO, q8, s, s8

#: Average annual borrowing rate by coin; the hourly rate wanders around it from day to day.
ANNUAL_BORROW_RATE = {"USDT": 0.07, "USDC": 0.065, "BTC": 0.01, "ETH": 0.015, "SOL": 0.04}
#: Largest amount the account may borrow, by coin.
MAX_BORROW = {"USDT": "2000000", "USDC": "2000000", "BTC": "40", "ETH": "600", "SOL": "20000"}
#: Collateral value ratios (the haircut applied to balances counted as margin).
COLLATERAL_RATIO = {"USDT": "1", "USDC": "1", "BTC": "0.95", "ETH": "0.95", "SOL": "0.9"}
#: Margin charged on borrowed amounts (USD value times these rates), in every margin mode.
BORROW_IM_RATE = Decimal("0.05")
BORROW_MM_RATE = Decimal("0.025")
COINS = ("USDT", "USDC", "BTC", "ETH", "SOL")


def hourly_borrow_rate(coin: str, t_ms: int) -> Decimal:
    """Return the hourly borrowing rate of ``coin`` at ``t_ms`` (constant within a UTC day; 12 decimals)."""
    annual = ANNUAL_BORROW_RATE.get(coin, 0.05)
    day = t_ms // DAY_MS
    wobble = 1.0 + 0.25 * math.sin(day * 0.37 + zlib.crc32(coin.encode()) % 100)
    return Decimal(f"{annual * wobble / 8760.0:.12f}")


def accrued_interest(borrowed: Decimal, coin: str, last_charge_ms: int, now_ms: int) -> Decimal:
    """Return the interest accrued on ``borrowed`` since the last hourly charge (not yet deducted)."""
    if borrowed <= 0 or now_ms <= last_charge_ms:
        return ZERO
    elapsed = Decimal(now_ms - last_charge_ms) / Decimal(HOUR_MS)
    return q8(borrowed * hourly_borrow_rate(coin, now_ms) * elapsed)


def collateral_rows(
    balances: dict[str, Decimal], now_ms: int, currency: str | None
) -> list[dict[str, object]]:
    """Return ``/v5/account/collateral-info`` rows for the account's coins (one coin when ``currency`` is
    given)."""
    coins = [currency] if currency else list(COINS)
    rows: list[dict[str, object]] = []
    for coin in coins:
        borrowed = max(ZERO, -balances.get(coin, ZERO))
        limit = Decimal(MAX_BORROW.get(coin, "0"))
        usage = borrowed / limit if limit else ZERO
        rows.append(
            {
                "currency": coin,
                "hourlyBorrowRate": s(hourly_borrow_rate(coin, now_ms)),
                "maxBorrowingAmount": s(limit),
                "freeBorrowingLimit": "0",
                "freeBorrowAmount": "0",
                "borrowAmount": s8(borrowed),
                "otherBorrowAmount": "0",
                "availableToBorrow": s8(max(ZERO, limit - borrowed)),
                "borrowable": coin in MAX_BORROW,
                "borrowUsageRate": s8(usage),
                "marginCollateral": True,
                "collateralSwitch": True,
                "collateralRatio": COLLATERAL_RATIO.get(coin, "0"),
                "freeBorrowingAmount": "",
            }
        )
    return rows
