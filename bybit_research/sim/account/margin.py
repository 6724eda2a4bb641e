"""Regular (cross) margin parameters and formulas: leverage, maintenance rates, option margin, liquidation
price."""

from __future__ import annotations

from decimal import Decimal

from ..market import Instrument
from .numbers import ZERO

#: Leverage set on the account's perpetuals and futures, by base coin (others use the default).
LEVERAGE = {"BTC": "10", "ETH": "10"}
DEFAULT_LEVERAGE = "5"
#: Maintenance margin rates of the first risk-limit tier, by base coin.
MM_RATE = {"BTC": Decimal("0.005"), "ETH": Decimal("0.005")}
DEFAULT_MM_RATE = Decimal("0.01")


def leverage_of(inst: Instrument) -> str:
    """Return the leverage setting of a perpetual or future (``""`` for options and spot)."""
    if inst.category in ("option", "spot"):
        return ""
    return LEVERAGE.get(inst.base_coin, DEFAULT_LEVERAGE)


def mm_rate_of(inst: Instrument) -> Decimal:
    """Return the maintenance margin rate of a perpetual or future."""
    return MM_RATE.get(inst.base_coin, DEFAULT_MM_RATE)


def futures_margin(inst: Instrument, value: Decimal) -> tuple[Decimal, Decimal]:
    """Return (initial, maintenance) margin of a perpetual/future position of ``value`` (settle coin)."""
    return value / Decimal(leverage_of(inst)), value * mm_rate_of(inst)


def short_option_margin(
    index: Decimal, mark: Decimal, entry: Decimal, strike: Decimal, is_call: bool, qty: Decimal
) -> tuple[Decimal, Decimal]:
    """Return (initial, maintenance) margin of a short option position in cross margin.

    MM = [max(3 % index, 3 % mark) + mark + 0.2 % index] x qty; IM = max{[max(15 % index - OTM amount, 10 %
    index) + max(entry, mark)] x qty, MM}.
    """
    mm = (max(Decimal("0.03") * index, Decimal("0.03") * mark) + mark + Decimal("0.002") * index) * qty
    otm = max(strike - index, ZERO) if is_call else max(index - strike, ZERO)
    im = (max(Decimal("0.15") * index - otm, Decimal("0.10") * index) + max(entry, mark)) * qty
    return max(im, mm), mm


def cross_liquidation_price(
    inst: Instrument, mark: Decimal, size: Decimal, cushion: Decimal
) -> Decimal | None:
    """Return the mark price at which the account would be liquidated through this position (cross margin).

    ``size`` is the signed position size and ``cushion`` the account's margin balance above its maintenance
    margin, in the position's settle coin. Every other position and balance is held fixed, so the price is
    where this position's further loss eats the whole cushion: a long's liquidation price is below the mark
    and a short's above it. ``None`` when no positive price gets there (Bybit sends ``""``); the mark itself
    when the cushion is already gone.
    """
    if cushion <= 0:
        return mark
    if inst.is_inverse:
        # coin P&L of a move from mark to P is size * (1/mark - 1/P)
        inverse = 1 / mark + cushion / size
        return 1 / inverse if inverse > 0 else None
    price = mark - cushion / size
    return price if price > 0 else None
