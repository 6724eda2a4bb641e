"""Filling the plan's orders: executions, order records, transaction-log rows and closed-P&L records."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import TYPE_CHECKING

from ..market import Instrument
from . import rows
from .margin import leverage_of
from .numbers import ZERO, make_uuid, price_dec, q8, s, s8, snap
from .option_closes import OptionCloses
from .plan import Intent
from .prices import Prices
from .state import (
    FEE_RATES,
    FUTURE_DELIVERY_RATE,
    OPTION_DELIVERY_RATE,
    OPTION_FEE_CAP,
    PositionState,
    apply_fill,
    contract_value,
    price_pnl,
)

if TYPE_CHECKING:
    from .ledger import Ledger

#: First execution sequence number (Bybit's ``seq`` is a large increasing integer).
FIRST_SEQ = 7_000_000_000


class TradeBooker:
    """Books orders and deliveries into a :class:`~.ledger.Ledger`."""

    def __init__(self, ledger: Ledger, rng: random.Random) -> None:
        self.ledger = ledger
        self.market = ledger.market
        self.prices = Prices(ledger.market)
        self.option_closes = OptionCloses(ledger.closed_options, ledger.next_rid)
        self.rng = rng
        self.seq = FIRST_SEQ

    # ---------------------------------------------------------------- orders
    def order(self, t: int, intent: Intent) -> bool:
        """Book one intent of the plan; return whether the account state changed."""
        if intent.status != "Filled":
            self._unfilled(t, intent)
            return intent.status == "New"
        if intent.inst.category == "spot":
            return self._spot(t, intent)
        return self._derivative(t, intent)

    def _new_order(
        self,
        inst: Instrument,
        intent: Intent,
        t: int,
        qty: Decimal,
        price: Decimal,
        last: Decimal,
        order_type: str,
        reduce_only: bool,
    ) -> rows.Row:
        iv = ""
        if inst.category == "option":
            iv = f"{self.market.option_quote(inst.symbol, t).mark_iv:.4f}"
        return rows.order_row(
            inst,
            order_id=make_uuid(self.rng),
            link_id=intent.link_id,
            side=intent.side,
            order_type=order_type,
            price=price,
            qty=qty,
            created_ms=t,
            last_price=last,
            reduce_only=reduce_only,
            order_iv=iv,
        )

    def _unfilled(self, t: int, intent: Intent) -> None:
        inst = intent.inst
        t = self.ledger.tick(t)
        last = price_dec(self.prices.last(inst, t), inst.tick_size)
        price = price_dec(float(last) * (1.0 + intent.price_offset), inst.tick_size)
        assert intent.qty is not None
        order = self._new_order(inst, intent, t, intent.qty, price, last, "Limit", False)
        order["_rid"] = self.ledger.next_rid()
        if intent.status == "New":
            self.ledger.open_orders.append(order)
            if inst.category == "spot" and intent.side == "Buy":
                locked = self.ledger.locked
                locked[inst.quote_coin] = locked.get(inst.quote_coin, ZERO) + q8(price * intent.qty)
        else:
            rows.finish_order(order, inst, [], ZERO, "", t + self.rng.randrange(30_000, 3_600_000))
            self.ledger.orders.add_row(order)

    def _split(self, qty: Decimal, parts: int, step: str) -> list[Decimal]:
        pieces: list[Decimal] = []
        left = qty
        for _ in range(parts - 1):
            piece = snap(float(left) * self.rng.uniform(0.2, 0.6), step)
            if piece >= left:
                break
            pieces.append(piece)
            left -= piece
        return [*pieces, left]

    def _fee(self, inst: Instrument, rate: str, price: Decimal, qty: Decimal, t: int) -> Decimal:
        if inst.category == "option":
            index = Decimal(repr(self.market.index_price(inst.base_coin, t)))
            return q8(min(Decimal(rate) * index * qty, OPTION_FEE_CAP * price * qty))
        return q8(contract_value(inst, price, qty) * Decimal(rate))

    def _execution(
        self,
        inst: Instrument,
        order: rows.Row,
        t: int,
        price: Decimal,
        qty: Decimal,
        leaves: Decimal,
        fee: Decimal,
        rate: str,
        fee_coin: str,
        is_maker: bool,
        closed: Decimal | None,
        exec_type: str = "Trade",
    ) -> str:
        """File one fill of ``order`` in the executions table and return its execution id.

        The mark and index prices a row shows change no balance, so they are looked up when the row is
        built (see :meth:`.ledger.Ledger.execution_row`); options keep their quote's mark and IV now.
        """
        option, mark = None, None
        if inst.category == "option":
            quote = self.market.option_quote(inst.symbol, t)
            option = (quote.mark_iv, quote.underlying_price)
            mark = quote.mark_price
        elif exec_type == "Delivery":
            mark = float(price)
        self.seq += self.rng.randrange(1, 50)
        exec_id = make_uuid(self.rng)
        record = (inst, order, exec_id, t, price, qty, leaves, fee, rate, fee_coin, is_maker, closed)
        self.ledger.executions.add_record(
            t, (*record, mark, None, option, self.seq, exec_type, self.ledger.next_rid())
        )
        return exec_id

    def _derivative(self, t: int, intent: Intent) -> bool:
        inst, ledger = intent.inst, self.ledger
        pos = ledger.state.position(inst)
        side = 1 if intent.side == "Buy" else -1
        closing_only = intent.qty is None
        if closing_only and (pos.size == 0 or pos.direction == side):
            return False
        qty = abs(pos.size) if intent.qty is None else intent.qty
        order_type = "Limit" if inst.category == "option" else intent.order_type
        parts = self._split(qty, 1 if order_type == "Limit" else intent.fills, inst.qty_step)
        t = ledger.tick(t)
        first = price_dec(self.prices.last(inst, t), inst.tick_size)
        protect = Decimal("1.01") if side > 0 else Decimal("0.99")
        order_price = first if order_type == "Limit" else price_dec(float(first * protect), inst.tick_size)
        order = self._new_order(inst, intent, t, qty, order_price, first, order_type, closing_only)
        rate = FEE_RATES[inst.category][1 if order_type == "Limit" else 0]
        entry, held_before, open_fee_part = pos.avg, abs(pos.size), ZERO
        fills: list[tuple[Decimal, Decimal]] = []
        closes: list[tuple[Decimal, Decimal, Decimal]] = []  # price, closed qty, close fee
        total_fee, gross, done = ZERO, ZERO, ZERO
        for number, part in enumerate(parts):
            when = t if number == 0 else ledger.tick(t + number * self.rng.randrange(50, 1200))
            price = (
                first if order_type == "Limit" else price_dec(self.prices.last(inst, when), inst.tick_size)
            )
            fee = self._fee(inst, rate, price, part, when)
            if inst.category == "option":
                self.option_closes.fill(inst, when, side, part, price, fee, pos.size)
            result = apply_fill(pos, side, part, price, fee, when)
            done += part
            exec_id = self._execution(
                inst,
                order,
                when,
                price,
                part,
                qty - done,
                fee,
                rate,
                inst.settle_coin,
                order_type == "Limit",
                result.closed,
            )
            ledger.book(
                inst,
                when,
                "TRADE",
                inst.settle_coin,
                cash_flow=result.cash,
                fee=fee,
                side=intent.side,
                qty=part,
                size=pos.size,
                price=price,
                fee_rate=rate,
                trade_id=exec_id,
                order_id=order["orderId"],
                link_id=intent.link_id,
            )
            ledger.realise(inst.settle_coin, result.gross - fee)
            fills.append((price, part))
            total_fee += fee
            gross += result.gross
            open_fee_part += result.open_fee_part
            if result.closed:
                closes.append((price, result.closed, q8(fee * result.closed / part)))
            pos.seq = self.seq
        rows.finish_order(order, inst, fills, total_fee, inst.settle_coin, ledger._last_t)
        order["_rid"] = ledger.next_rid()
        ledger.orders.add_row(order)
        if closes and inst.category != "option":
            self._closed_pnl(inst, order, entry, closes, gross, open_fee_part, held_before)
        return True

    def _closed_pnl(
        self,
        inst: Instrument,
        order: rows.Row,
        entry: Decimal,
        closes: list[tuple[Decimal, Decimal, Decimal]],
        gross: Decimal,
        open_fee: Decimal,
        held_before: Decimal,
        exec_type: str = "Trade",
    ) -> None:
        closed = sum((q for _, q, _ in closes), ZERO)
        exit_value = sum((contract_value(inst, p, q) for p, q, _ in closes), ZERO)
        close_fee = sum((f for _, _, f in closes), ZERO)
        avg_exit = closed / exit_value if inst.category == "inverse" else exit_value / closed
        self.ledger.closed_pnl.add_row(
            {
                "symbol": inst.symbol,
                "orderId": order["orderId"],
                "side": order["side"],
                "qty": order["qty"],
                "orderPrice": order["price"],
                "orderType": order["orderType"],
                "execType": exec_type,
                "closedSize": s(closed),
                "cumEntryValue": s8(contract_value(inst, entry, closed)),
                "avgEntryPrice": s8(entry),
                "cumExitValue": s8(exit_value),
                "avgExitPrice": s8(avg_exit),
                "closedPnl": s8(gross - open_fee - close_fee),
                "fillCount": str(len(closes)),
                "leverage": leverage_of(inst),
                "openFee": s8(open_fee),
                "closeFee": s8(close_fee),
                "createdTime": order["createdTime"],
                "updatedTime": order["updatedTime"],
                **rows.tags(inst, int(order["updatedTime"]), self.ledger.next_rid()),
            }
        )

    # ---------------------------------------------------------------- spot
    def _spot(self, t: int, intent: Intent) -> bool:
        inst, ledger = intent.inst, self.ledger
        base, quote = inst.base_coin, inst.quote_coin
        t = ledger.tick(t)
        price = price_dec(self.prices.last(inst, t), inst.tick_size)
        balances = ledger.state.balances
        if intent.quote_target is not None:
            qty = snap(float((balances.get(quote, ZERO) - intent.quote_target) / price), inst.qty_step)
        else:
            assert intent.qty is not None
            qty = intent.qty
        if intent.side == "Sell":
            qty = min(qty, snap(float(balances.get(base, ZERO)), inst.qty_step, "0"))
        if qty <= 0:
            return False
        order = self._new_order(inst, intent, t, qty, price, price, "Market", False)
        order["isLeverage"] = "1" if intent.quote_target is not None else "0"
        rate = FEE_RATES["spot"][0]
        value = q8(price * qty)
        buying = intent.side == "Buy"
        fee = q8((qty if buying else value) * Decimal(rate))
        fee_coin = base if buying else quote
        exec_id = self._execution(inst, order, t, price, qty, ZERO, fee, rate, fee_coin, False, None)
        ids = {"trade_id": exec_id, "order_id": order["orderId"], "link_id": intent.link_id}
        common = {"side": intent.side, "qty": qty, "price": price, "fee_rate": rate, **ids}
        sign = 1 if buying else -1
        ledger.book(inst, t, "TRADE", base, cash_flow=sign * qty, fee=fee if buying else ZERO, **common)
        ledger.book(inst, t, "TRADE", quote, cash_flow=-sign * value, fee=ZERO if buying else fee, **common)
        rows.finish_order(order, inst, [(price, qty)], fee, fee_coin, t)
        order["_rid"] = ledger.next_rid()
        ledger.orders.add_row(order)
        return True

    # ---------------------------------------------------------------- deliveries
    def delivery_fill(
        self,
        pos: PositionState,
        t: int,
        price: Decimal,
        held: Decimal,
        direction: int,
        fee: Decimal,
        cash: Decimal,
        realised: Decimal,
    ) -> None:
        """Book the delivery of an expired option or future: execution, transaction log, closed P&L."""
        inst, ledger = pos.inst, self.ledger
        side = "Sell" if direction > 0 else "Buy"
        rate = s(OPTION_DELIVERY_RATE if inst.category == "option" else FUTURE_DELIVERY_RATE)
        order = {
            "orderId": make_uuid(self.rng),
            "orderLinkId": "",
            "side": side,
            "price": "0",
            "qty": s(held),
            "orderType": "UNKNOWN",
            "createdTime": str(t),
            "updatedTime": str(t),
        }
        exec_id = self._execution(
            inst, order, t, price, held, ZERO, fee, rate, inst.settle_coin, False, held, exec_type="Delivery"
        )
        ledger.book(
            inst,
            t,
            "DELIVERY",
            inst.settle_coin,
            cash_flow=cash,
            fee=fee,
            side=side,
            qty=held,
            size=ZERO,
            price=price,
            fee_rate=rate,
            trade_id=exec_id,
            order_id=order["orderId"],
        )
        ledger.realise(inst.settle_coin, realised)
        if inst.category != "option":
            gross = q8(price_pnl(inst, pos.avg, price, held, direction))
            self._closed_pnl(inst, order, pos.avg, [(price, held, fee)], gross, pos.open_fee, held, "Settle")
        pos.cum_realised += realised
        pos.cur_realised += realised
        pos.size = pos.avg = pos.session_avg = pos.open_fee = ZERO
        pos.updated_ms = t
        pos.seq = self.seq
