"""The ledger: the demo account's history replayed event by event.

Orders of the plan are filled at the market's prices; perpetual positions pay or receive funding at every
funding time; USDC perpetuals settle their session P&L every 8 hours; options and futures held to expiry are
delivered; negative balances pay interest every hour. Each event books its rows (executions, orders,
transaction log, closed P&L, delivery, settlement, borrow and closed-option records) in time order, so a row's
``_rid`` grows with its time. The tables (:class:`~.table.Table`) keep most rows as records and build them
when a request first reads them.

Trades happen only before the anchor (00:00 UTC of "today"); funding, settlement and interest events continue
to the end of the anchor day, and :meth:`Ledger.state_at` returns the account state at any instant of that
day.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ..market import Instrument, Market
from ..market.derivatives import funding_rates
from . import rows
from .borrowing import hourly_borrow_rate
from .numbers import ZERO, dec, price_dec, q8, s, s8
from .option_closes import closed_option_row
from .plan import DAY_MS, HOUR_MS, Plan
from .prices import Prices
from .state import (
    FUTURE_DELIVERY_RATE,
    OPTION_DELIVERY_CAP,
    OPTION_DELIVERY_RATE,
    AccountState,
    contract_value,
    is_session_settled,
    price_pnl,
)
from .table import Table
from .trades import TradeBooker

_DEPOSIT, _FUNDING, _DELIVERY, _ORDER = range(4)


class Ledger:
    """The replayed history of the demo account for one anchor day.

    Parameters
    ----------
    market
        The synthetic market.
    plan
        The orders and deposits to replay.
    rng
        Generator for identifiers and small random details.
    uid
        The account's user id (part of transaction ids).
    start_ms, anchor_ms
        History start and the anchor (00:00 UTC of the current day); events run to ``anchor_ms + 1 day``.
    """

    def __init__(
        self, market: Market, plan: Plan, rng: random.Random, uid: int, start_ms: int, anchor_ms: int
    ) -> None:
        self.market = market
        self.uid = uid
        self.start_ms = start_ms
        self.anchor_ms = anchor_ms
        self.end_ms = anchor_ms + DAY_MS
        self.state = AccountState()
        self.executions = Table(self.execution_row)
        self.orders = Table()
        self.open_orders: list[rows.Row] = []
        self.transactions = Table(rows.transaction_row)
        self.closed_pnl = Table()
        self.deliveries = Table()
        self.settlements = Table(rows.settlement_row)
        self.borrows = Table(rows.borrow_row)
        self.closed_options = Table(closed_option_row)
        self.locked: dict[str, Decimal] = {}
        self._anchor_state: AccountState | None = None
        self._tail: list[tuple[int, AccountState]] = []
        self._rid = 0
        self._last_t = 0
        self._funding_rates: dict[str, dict[int, float]] = {}
        self._position_keys: dict[str, str] = {}
        self.prices = Prices(market)
        self._negative: set[str] = set()  # currencies with a negative balance (they pay interest hourly)
        self._next_interest_ms = 0
        self.booker = TradeBooker(self, rng)
        self._run(plan)

    # ---------------------------------------------------------------- queries
    def state_at(self, now_ms: int) -> AccountState:
        """Return the account state at ``now_ms`` (any instant from the anchor to the end of the anchor
        day)."""
        assert self._anchor_state is not None
        index = bisect.bisect_right([t for t, _ in self._tail], now_ms)
        return self._tail[index - 1][1] if index else self._anchor_state

    def table(self, name: str) -> Table:
        """Return the history table ``name`` (``executions``, ``orders``, ``transactions``, ...)."""
        found = getattr(self, name)
        assert isinstance(found, Table)
        return found

    def execution_row(self, *record: Any) -> rows.Row:
        """Build an execution row from its record, looking up the mark and index prices it shows when the
        record leaves them out (``None``)."""
        inst, t_ms = record[0], record[3]
        mark, index = record[12], record[13]
        if mark is None:
            mark = self.prices.mark(inst, t_ms)
        if index is None:
            index = self.prices.index(inst.base_coin, t_ms)
        full: tuple[Any, ...] = (*record[:12], mark, index, *record[14:])
        return rows.execution_row(*full)

    # ---------------------------------------------------------------- bookkeeping used by the trade booker
    def next_rid(self) -> int:
        """Return the next row id (ids grow with time)."""
        self._rid += 1
        return self._rid

    def tick(self, t_ms: int) -> int:
        """Return ``t_ms`` moved forward, if needed, so that booked times never decrease."""
        self._last_t = max(int(t_ms), self._last_t)
        return self._last_t

    def book(self, inst: Instrument | None, t_ms: int, kind: str, currency: str, **amounts: Any) -> None:
        """Apply a cash movement to the wallet and file its transaction-log row.

        ``amounts`` may hold ``cash_flow``, ``funding``, ``fee`` (Decimals), ``side``, ``qty``, ``size``,
        ``price``, ``fee_rate``, ``trade_id``, ``order_id`` and ``link_id``.
        """
        get = amounts.get
        cash_flow, funding, fee = get("cash_flow", ZERO), get("funding", ZERO), get("fee", ZERO)
        balance = self.state.balances.get(currency, ZERO) + cash_flow + funding - fee
        self.state.balances[currency] = balance
        if balance < 0:
            if not self._negative:  # interest accrues from the next whole hour on
                self._next_interest_ms = max(self._next_interest_ms, -(-t_ms // HOUR_MS) * HOUR_MS)
            self._negative.add(currency)
        else:
            self._negative.discard(currency)
        record = (
            self.next_rid(),
            self.uid,
            inst,
            t_ms,
            kind,
            currency,
            cash_flow,
            funding,
            fee,
            balance,
            get("side", "None"),
            get("qty", ZERO),
            get("size", ZERO),
            get("price", ZERO),
            get("fee_rate", "0"),
            get("trade_id", ""),
            get("order_id", ""),
            get("link_id", ""),
        )
        self.transactions.add_record(t_ms, record)

    def realise(self, coin: str, amount: Decimal) -> None:
        """Add to the coin's cumulative realised P&L."""
        self.state.cum_realised[coin] = self.state.cum_realised.get(coin, ZERO) + amount

    # ---------------------------------------------------------------- event loop
    def _events(self, plan: Plan) -> list[tuple[int, int, int, Any]]:
        events: list[tuple[int, int, int, Any]] = []
        for t, coin, amount in plan.deposits:
            events.append((t, _DEPOSIT, len(events), (coin, amount)))
        for intent in plan.intents:
            events.append((intent.t_ms, _ORDER, len(events), intent))
        for inst, spans in plan.funded_spans.values():
            interval = inst.funding_interval_min * 60_000
            times = [
                k * interval
                for lo, hi in spans
                for k in range(-(-lo // interval), -(-min(hi, self.end_ms) // interval))
            ]
            # one batch per symbol: the same rates Market.funding_rate returns one at a time
            rates = funding_rates(self.market.seed, inst, times)
            self._funding_rates[inst.symbol] = dict(zip(times, rates, strict=True))
            self._position_keys[inst.symbol] = f"{inst.category}:{inst.symbol}"
            for t in times:
                events.append((t, _FUNDING, len(events), inst))
        dated = {intent.inst.symbol: intent.inst for intent in plan.intents if intent.inst.delivery_ms}
        for inst in dated.values():
            if inst.delivery_ms < self.end_ms:
                events.append((inst.delivery_ms, _DELIVERY, len(events), inst))
        events.sort()  # the sequence number is unique: payloads are never compared
        return events

    def _run(self, plan: Plan) -> None:
        handlers: dict[int, Callable[[int, Any], bool]] = {
            _DEPOSIT: self._deposit,
            _FUNDING: self._funding,
            _DELIVERY: self._delivery,
            _ORDER: self.booker.order,
        }
        for t, kind, _, payload in self._events(plan):
            self._charge_interest_before(t)
            if t >= self.anchor_ms and self._anchor_state is None:
                self._anchor_state = self.state.snapshot()
            changed = handlers[kind](t, payload)
            if changed and t >= self.anchor_ms:
                self._tail.append((t, self.state.snapshot()))
        self._charge_interest_before(self.end_ms)
        if self._anchor_state is None:
            self._anchor_state = self.state.snapshot()

    def _charge_interest_before(self, t_ms: int) -> None:
        """Charge the hourly interest of every whole hour before ``t_ms`` while a balance is negative.

        An hour's interest is booked after the other events of that instant (funding, deliveries), so an
        event at ``t_ms`` first settles the hours strictly before it.
        """
        while self._negative and self._next_interest_ms < t_ms:
            hour = self._next_interest_ms
            if hour >= self.anchor_ms and self._anchor_state is None:
                self._anchor_state = self.state.snapshot()
            self._interest(hour)
            if hour >= self.anchor_ms:
                self._tail.append((hour, self.state.snapshot()))
            self._next_interest_ms = hour + HOUR_MS

    def _deposit(self, t: int, payload: tuple[str, Decimal]) -> bool:
        coin, amount = payload
        self.book(None, self.tick(t), "TRANSFER_IN", coin, cash_flow=amount)
        return True

    def _funding(self, t: int, inst: Instrument) -> bool:
        pos = self.state.positions.get(self._position_keys[inst.symbol])
        if pos is None or pos.size == 0:
            return False
        rate = dec(self._funding_rates[inst.symbol][t], 8)
        mark = price_dec(self.prices.mark(inst, t), inst.tick_size)
        notional = pos.size / mark if inst.category == "inverse" else pos.size * mark
        funding = -q8(notional * rate)
        cash = ZERO
        t = self.tick(t)
        if is_session_settled(inst):
            cash = q8(price_pnl(inst, pos.session_avg, mark, abs(pos.size), pos.direction))
            self.settlements.add_record(t, (inst, t, self.next_rid(), pos.size, pos.session_avg, mark, cash))
            pos.session_avg = mark
        self.book(
            inst,
            t,
            "SETTLEMENT",
            inst.settle_coin,
            cash_flow=cash,
            funding=funding,
            side="Buy" if pos.size > 0 else "Sell",
            qty=abs(pos.size),
            size=pos.size,
            price=mark,
            fee_rate=s(rate * pos.direction),
        )
        pos.cum_realised += funding
        pos.cur_realised += funding
        pos.updated_ms = t
        self.realise(inst.settle_coin, funding)
        return True

    def _delivery(self, t: int, inst: Instrument) -> bool:
        pos = self.state.positions.get(f"{inst.category}:{inst.symbol}")
        if pos is None or pos.size == 0:
            return False
        t = self.tick(t)
        held, direction = abs(pos.size), pos.direction
        index = self.market.index_price(inst.base_coin, inst.delivery_ms)
        if inst.category == "option":
            price = dec(index, 2)
            strike = Decimal(repr(inst.strike))
            payoff = max(price - strike, ZERO) if inst.option_type == "Call" else max(strike - price, ZERO)
            cash = q8(payoff * held * direction)
            fee = q8(min(OPTION_DELIVERY_RATE * price * held, OPTION_DELIVERY_CAP * payoff * held))
            realised = q8((payoff - pos.avg) * held * direction) - fee
            strike_text = s(strike.normalize()) if strike == strike.to_integral() else s(strike)
            self.booker.option_closes.delivery(inst, t, price, payoff, fee)
        else:
            price = price_dec(index, inst.tick_size)
            cash = q8(price_pnl(inst, pos.session_avg, price, held, direction))
            fee = q8(contract_value(inst, price, held) * FUTURE_DELIVERY_RATE)
            realised = q8(price_pnl(inst, pos.avg, price, held, direction)) - fee
            strike_text = ""
        entry = pos.avg
        self.booker.delivery_fill(pos, t, price, held, direction, fee, cash, realised)
        self.deliveries.add_row(
            {
                "deliveryTime": t,
                "symbol": inst.symbol,
                "side": "Buy" if direction > 0 else "Sell",
                "position": s(held),
                "entryPrice": s8(entry),
                "deliveryPrice": s(price),
                "strike": strike_text,
                "fee": s8(fee),
                "deliveryRpl": s8(realised),
                **rows.tags(inst, t, self.next_rid()),
            }
        )
        return True

    def _interest(self, t: int) -> None:
        for coin in sorted(self.state.balances):
            balance = self.state.balances[coin]
            if balance >= 0:
                continue
            borrowed = -balance
            rate = hourly_borrow_rate(coin, t)
            cost = q8(borrowed * rate)
            tt = self.tick(t)
            self.borrows.add_record(tt, (coin, tt, self.next_rid(), borrowed, rate, cost))
            self.book(None, tt, "INTEREST", coin, cash_flow=-cost)
            self.state.hourly_rates[coin] = rate
            self.state.last_interest_ms = t
