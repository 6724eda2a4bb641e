"""Closed option positions: one record per option position from its opening fill until it is flat again.

``/v5/position/get-closed-positions`` lists them (sorted by ``closeTime``, the last 6 months). A position
closes when a fill brings it back to zero or when it is delivered at expiry; the record sums what its
executions did: quantity and value opened and closed, open, close and delivery fees, and the P&L they add up
to, so that ``totalPnl`` equals the sum of the cash the position moved (``cashFlow - fee`` in the transaction
log). Fees and prices carry 8 decimals with their trailing zeros, as Bybit sends them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from ..market import Instrument
from .numbers import ZERO, s, s8
from .rows import Row, tags
from .table import Table


@dataclass
class _Lifecycle:
    """An option position between its opening fill and its close (``direction`` +1 long, -1 short)."""

    direction: int
    opened_ms: int
    qty: Decimal = ZERO
    entry_value: Decimal = ZERO
    open_fee: Decimal = ZERO
    exit_qty: Decimal = ZERO
    exit_value: Decimal = ZERO
    close_fee: Decimal = ZERO
    delivery_fee: Decimal = ZERO
    delivery_price: Decimal = ZERO


def closed_option_row(inst: Instrument, life: _Lifecycle, closed_ms: int, rid: int) -> Row:
    """Return one ``/v5/position/get-closed-positions`` row (``closeTime``/``openTime`` integers)."""
    pnl = (life.exit_value - life.entry_value) * life.direction - life.open_fee - life.close_fee
    pnl -= life.delivery_fee
    return {
        "symbol": inst.symbol,
        "side": "Buy" if life.direction > 0 else "Sell",
        "totalOpenFee": s8(life.open_fee),
        "deliveryFee": s8(life.delivery_fee),
        "totalCloseFee": s8(life.close_fee),
        "qty": s(life.qty),
        "closeTime": closed_ms,
        "avgExitPrice": s8(life.exit_value / life.exit_qty),
        "deliveryPrice": s8(life.delivery_price),
        "openTime": life.opened_ms,
        "avgEntryPrice": s8(life.entry_value / life.qty),
        "totalPnl": s8(pnl),
        **tags(inst, closed_ms, rid),
    }


class OptionCloses:
    """Follows every option position of the replay and files a closed-position row when one goes flat.

    Parameters
    ----------
    table
        Where the rows are filed (by close time).
    next_rid
        The ledger's row-id counter.
    """

    def __init__(self, table: Table, next_rid: Callable[[], int]) -> None:
        self.table = table
        self.next_rid = next_rid
        self._open: dict[str, _Lifecycle] = {}

    def fill(
        self,
        inst: Instrument,
        t_ms: int,
        side: int,
        qty: Decimal,
        price: Decimal,
        fee: Decimal,
        held: Decimal,
    ) -> None:
        """Account one option fill of ``qty`` at ``price`` (``side`` +1 buy, -1 sell; ``held`` the signed
        position before it)."""
        life = self._open.get(inst.symbol)
        remaining = qty
        if life is not None and side != life.direction:
            closing = min(qty, abs(held))
            life.exit_qty += closing
            life.exit_value += price * closing
            life.close_fee += fee * closing / qty
            remaining = qty - closing
            if life.exit_qty == life.qty:
                self._close(inst, life, t_ms)
                life = None
        if remaining > 0:
            if life is None:
                life = self._open[inst.symbol] = _Lifecycle(side, t_ms)
            life.qty += remaining
            life.entry_value += price * remaining
            life.open_fee += fee * remaining / qty

    def delivery(self, inst: Instrument, t_ms: int, price: Decimal, payoff: Decimal, fee: Decimal) -> None:
        """Close the position of ``inst`` at its delivery (``payoff`` per contract, ``price`` the settlement
        index)."""
        life = self._open.get(inst.symbol)
        if life is None:
            return
        held = life.qty - life.exit_qty
        life.exit_qty += held
        life.exit_value += payoff * held
        life.delivery_fee += fee
        life.delivery_price = price
        self._close(inst, life, t_ms)

    def _close(self, inst: Instrument, life: _Lifecycle, t_ms: int) -> None:
        del self._open[inst.symbol]
        self.table.add_record(t_ms, (inst, life, t_ms, self.next_rid()))
