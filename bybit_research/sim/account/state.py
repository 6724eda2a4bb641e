"""The mutable state of the demo account while its history is replayed: balances and positions, and the
bookkeeping of one fill (average entry price, realised P&L, open fees)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from decimal import Decimal

from ..market import Instrument
from .numbers import ZERO, q8

#: Taker and maker fee rates by category (decimal strings, as the fee-rate endpoint reports them).
FEE_RATES = {
    "linear": ("0.00055", "0.0002"),
    "inverse": ("0.00055", "0.0002"),
    "spot": ("0.001", "0.001"),
    "option": ("0.0003", "0.0003"),
}
#: Option trading fees are capped at this fraction of the premium; delivery fees likewise.
OPTION_FEE_CAP = Decimal("0.07")
OPTION_DELIVERY_RATE = Decimal("0.00015")
OPTION_DELIVERY_CAP = Decimal("0.125")
FUTURE_DELIVERY_RATE = Decimal("0.0005")


def is_session_settled(inst: Instrument) -> bool:
    """True for USDC perpetuals, whose P&L is settled into the wallet every 8 hours (session settlement)."""
    return (
        inst.category == "linear" and inst.settle_coin == "USDC" and inst.contract_type == "LinearPerpetual"
    )


def contract_value(inst: Instrument, price: Decimal, qty: Decimal) -> Decimal:
    """Return the value of ``qty`` at ``price`` in the settle coin (``qty / price`` for inverse contracts)."""
    if inst.category == "inverse":
        return qty / price
    return price * qty


def price_pnl(inst: Instrument, entry: Decimal, exit_price: Decimal, qty: Decimal, direction: int) -> Decimal:
    """Return the P&L in the settle coin of ``qty`` (unsigned) held in ``direction`` from entry to exit."""
    if inst.category == "inverse":
        return qty * (1 / entry - 1 / exit_price) * direction
    return (exit_price - entry) * qty * direction


@dataclass
class PositionState:
    """One position while the history is replayed.

    ``size`` is signed (negative = short); ``avg`` the average entry price; ``session_avg`` the price up to
    which P&L has been settled into the wallet (the last 8-hour session mark of USDC perpetuals, else
    ``avg``); ``open_fee`` the opening fees not yet attributed to a closed-P&L record.
    """

    inst: Instrument
    size: Decimal = ZERO
    avg: Decimal = ZERO
    session_avg: Decimal = ZERO
    open_fee: Decimal = ZERO
    cum_realised: Decimal = ZERO
    cur_realised: Decimal = ZERO
    created_ms: int = 0
    updated_ms: int = 0
    seq: int = 0

    @property
    def direction(self) -> int:
        """+1 long, -1 short, 0 flat."""
        return (self.size > 0) - (self.size < 0)


@dataclass
class FillResult:
    """What one fill did to a position: the quantity it closed, the P&L against the entry price, the cash it
    moved into the wallet and the share of opening fees attributed to the closed quantity."""

    closed: Decimal = ZERO
    gross: Decimal = ZERO
    cash: Decimal = ZERO
    open_fee_part: Decimal = ZERO


def apply_fill(
    pos: PositionState, side: int, qty: Decimal, price: Decimal, fee: Decimal, t_ms: int
) -> FillResult:
    """Book one derivatives fill (``side`` +1 buy, -1 sell) on ``pos`` and return its effect.

    Options move the premium in cash; perpetuals and futures move only the realised P&L of the closed quantity
    (against ``session_avg``, which equals ``avg`` except for USDC perpetuals).
    """
    inst = pos.inst
    result = FillResult()
    remaining = qty
    if pos.size != 0 and pos.direction != side:
        held = abs(pos.size)
        closed = min(qty, held)
        result.closed = closed
        result.gross = q8(price_pnl(inst, pos.avg, price, closed, pos.direction))
        if inst.category != "option":
            result.cash = q8(price_pnl(inst, pos.session_avg, price, closed, pos.direction))
        result.open_fee_part = q8(pos.open_fee * closed / held)
        pos.open_fee -= result.open_fee_part
        pos.size += side * closed
        remaining = qty - closed
        if pos.size == 0:
            pos.avg = pos.session_avg = pos.open_fee = ZERO
    if remaining > 0:
        if pos.size == 0:
            pos.created_ms = t_ms
            pos.cur_realised = ZERO
            pos.avg = pos.session_avg = price
        else:
            pos.avg = _blend(inst, pos.avg, abs(pos.size), price, remaining)
            pos.session_avg = _blend(inst, pos.session_avg, abs(pos.size), price, remaining)
        pos.size += side * remaining
        pos.open_fee += fee * remaining / qty
    if inst.category == "option":
        result.cash = q8(-side * price * qty)
    realised = result.gross - fee
    pos.cum_realised += realised
    pos.cur_realised += realised
    pos.updated_ms = t_ms
    return result


def _blend(inst: Instrument, avg: Decimal, held: Decimal, price: Decimal, added: Decimal) -> Decimal:
    if inst.category == "inverse":
        return (held + added) / (held / avg + added / price)
    return (avg * held + price * added) / (held + added)


@dataclass
class AccountState:
    """Balances, positions and running totals of the account at one instant."""

    balances: dict[str, Decimal] = field(default_factory=dict)
    positions: dict[str, PositionState] = field(default_factory=dict)
    cum_realised: dict[str, Decimal] = field(default_factory=dict)
    hourly_rates: dict[str, Decimal] = field(default_factory=dict)
    last_interest_ms: int = 0

    def position(self, inst: Instrument) -> PositionState:
        """Return the position of ``inst``, creating a flat one on first use."""
        key = f"{inst.category}:{inst.symbol}"
        found = self.positions.get(key)
        if found is None:
            found = self.positions[key] = PositionState(inst)
        return found

    def snapshot(self) -> AccountState:
        """Return an independent copy (positions are copied one level deep; instruments are shared)."""
        return AccountState(
            dict(self.balances),
            {key: copy.copy(pos) for key, pos in self.positions.items()},
            dict(self.cum_realised),
            dict(self.hourly_rates),
            self.last_interest_ms,
        )
