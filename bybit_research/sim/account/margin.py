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
#: Risk limit of the first tier (USD), reported as riskLimitValue.
RISK_LIMIT_VALUE = {"BTC": "2000000", "ETH": "1000000"}
DEFAULT_RISK_LIMIT = "200000"


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


def liquidation_price(inst: Instrument, avg: Decimal, direction: int) -> Decimal:
    """Return an estimate of the liquidation price as if the position were isolated at its leverage."""
    cushion = 1 / Decimal(leverage_of(inst)) - mm_rate_of(inst)
    return avg * (1 - cushion) if direction > 0 else avg * (1 + cushion)
