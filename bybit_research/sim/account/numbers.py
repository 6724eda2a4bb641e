"""Decimal helpers: every amount of the demo account is a :class:`~decimal.Decimal` so that identities such as
``change = cashFlow + funding - fee`` hold exactly in the decimal strings Bybit sends."""

from __future__ import annotations

import random
import uuid
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

ZERO = Decimal(0)
Q8 = Decimal("0.00000001")
Q4 = Decimal("0.0001")


def q8(value: Decimal) -> Decimal:
    """Return ``value`` rounded half-even to 8 decimals (the precision of every cash amount)."""
    return value.quantize(Q8, rounding=ROUND_HALF_EVEN)


def dec(value: float, places: int = 8) -> Decimal:
    """Return a float as a Decimal with ``places`` decimals."""
    return Decimal(f"{value:.{places}f}")


def decimals_of(step: str) -> int:
    """Return the number of decimals of a step such as ``"0.010"`` (3)."""
    return len(step.split(".")[1]) if "." in step else 0


def price_dec(value: float, tick: str) -> Decimal:
    """Return a price as a Decimal rounded to the number of decimals of ``tick``."""
    return dec(value, decimals_of(tick))


def snap(value: float, step: str, minimum: str | None = None) -> Decimal:
    """Return a quantity rounded down to a multiple of ``step`` (at least ``minimum`` or one step)."""
    step_d = Decimal(step)
    snapped = (Decimal(f"{value:.12f}") / step_d).to_integral_value(rounding=ROUND_DOWN) * step_d
    floor = Decimal(minimum) if minimum else step_d
    return max(snapped, floor).quantize(step_d)


def s(value: Decimal | None) -> str:
    """Return a Decimal as Bybit sends numbers: a plain (non-scientific) string; None gives ``""``."""
    if value is None:
        return ""
    return format(abs(value) if value == 0 else value, "f")


def s8(value: Decimal | float) -> str:
    """Return a number rounded to 8 decimals as a plain string."""
    if isinstance(value, float):
        value = dec(value)
    rounded = q8(value)
    return format(abs(rounded) if rounded == 0 else rounded, "f")


def truncate4(value: Decimal) -> str:
    """Return a rate truncated (not rounded) to 4 decimals, as Bybit reports account margin rates."""
    return format(value.quantize(Q4, rounding=ROUND_DOWN), "f")


def make_uuid(rng: random.Random) -> str:
    """Return a version-4 UUID string drawn from ``rng`` (deterministic for a seeded generator)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))
