"""The trading plan of the demo account: which orders it placed, when, in which instrument and how large.

The plan is a pure function of the random generator, the market's instrument listing and the history span, so
the same seed and anchor day always give the same history. The ledger (:mod:`.ledger`) then fills the orders
at the market's prices and books their consequences.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from ..market import Instrument, Market
from ..market.calendar import DAY_MS, HOUR_MS
from .activity import plan_active_weeks
from .numbers import snap

#: Perpetuals the account trades: symbol, category, smallest and largest order size, whether one stays open
#: now, and since how many days before the anchor (the account took up SOL and the USDC perpetuals later).
PERPETUALS: tuple[tuple[str, str, float, float, bool, int], ...] = (
    ("BTCUSDT", "linear", 0.05, 0.5, True, 730),
    ("ETHUSDT", "linear", 1.0, 8.0, True, 730),
    ("SOLUSDT", "linear", 20.0, 200.0, True, 450),
    ("BTCPERP", "linear", 0.02, 0.2, True, 450),
    ("ETHPERP", "linear", 0.3, 3.0, False, 300),
    ("BTCUSD", "inverse", 2000.0, 20000.0, True, 730),
)
#: Option order sizes by base coin.
OPTION_SIZES = {"BTC": (0.1, 0.6), "ETH": (1.0, 6.0)}
#: Opening balances, transferred in the day before the history starts.
DEPOSITS = {"USDT": Decimal("120000"), "USDC": Decimal("10000"), "BTC": Decimal("1.2"), "ETH": Decimal("15")}


@dataclass
class Intent:
    """One order of the plan.

    ``qty`` None closes the whole position; ``status`` is ``Filled`` (the ledger fills it in ``fills`` parts),
    ``New`` (a resting limit order, still open now) or ``Cancelled`` (cancelled without fills);
    ``price_offset`` is the relative distance of a resting or cancelled limit price from the market;
    ``quote_target`` makes a spot buy size itself so that the quote coin's balance ends at that value (how the
    account comes to borrow).
    """

    t_ms: int
    inst: Instrument
    side: str
    qty: Decimal | None
    order_type: str = "Market"
    fills: int = 1
    status: str = "Filled"
    price_offset: float = 0.0
    quote_target: Decimal | None = None
    link_id: str = ""


@dataclass
class Plan:
    """Every order and deposit of the demo account.

    ``funded_spans`` maps each perpetual the account trades to its instrument and the spans in which it can
    hold a position (funding is booked only there).
    """

    intents: list[Intent] = field(default_factory=list)
    deposits: list[tuple[int, str, Decimal]] = field(default_factory=list)
    funded_spans: dict[str, tuple[Instrument, list[tuple[int, int]]]] = field(default_factory=dict)


def away_from_hour_edges(t_ms: int) -> int:
    """Move a time at least 5 minutes away from whole hours (where funding and interest events are booked)."""
    into_hour = t_ms % HOUR_MS
    if into_hour < 5 * 60_000:
        return t_ms + 5 * 60_000
    if into_hour > 55 * 60_000:
        return t_ms - 5 * 60_000
    return t_ms


class PlanBuilder:
    """Draws the demo account's plan.

    Parameters
    ----------
    market
        The synthetic market (instrument listing and prices).
    rng
        Seeded generator; the whole plan is drawn from it.
    start_ms, anchor_ms
        The history spans ``[start_ms, anchor_ms)``; every order is placed in it.
    """

    def __init__(self, market: Market, rng: random.Random, start_ms: int, anchor_ms: int) -> None:
        self.market = market
        self.rng = rng
        self.start = start_ms
        self.anchor = anchor_ms
        self.plan = Plan()
        self._links = 0

    def build(self) -> Plan:
        """Return the plan with intents sorted by time."""
        for coin, amount in DEPOSITS.items():
            self.plan.deposits.append((self.start - DAY_MS, coin, amount))
        for symbol, category, lo, hi, keep_open, days in PERPETUALS:
            inst = self.market.instrument(symbol, category)
            first = max(self.start, self.anchor - days * DAY_MS)
            if inst is not None and inst.launch_ms <= first:
                # funding is settled from the first day the account trades the perpetual
                self.plan.funded_spans[symbol] = (inst, [(first, self.anchor + DAY_MS)])
                self._episodes(inst, lo, hi, keep_open, first)
        self._futures()
        self._options()
        self._spot()
        self._resting_and_cancelled()
        plan_active_weeks(self)
        self.plan.intents.sort(key=lambda intent: intent.t_ms)
        return self.plan

    # ---------------------------------------------------------------- helpers
    def uniform(self, lo: float, hi: float) -> float:
        """Draw a float uniformly from ``[lo, hi)``."""
        return self.rng.uniform(lo, hi)

    def _side(self, p_buy: float = 0.5) -> str:
        return "Buy" if self.rng.random() < p_buy else "Sell"

    def add(self, t_ms: float, inst: Instrument, side: str, qty: Decimal | None, **kwargs: object) -> None:
        """Add an order at ``t_ms`` (moved away from whole hours); ``kwargs`` set other :class:`Intent`
        fields."""
        order_type = "Limit" if self.rng.random() < 0.3 else "Market"
        fills = 1 if order_type == "Limit" else self.rng.randrange(1, 4)
        link = ""
        if self.rng.random() < 0.25:
            self._links += 1
            link = f"demo-{self._links:05d}"
        intent = Intent(away_from_hour_edges(int(t_ms)), inst, side, qty, order_type, fills, link_id=link)
        for name, value in kwargs.items():
            setattr(intent, name, value)
        self.plan.intents.append(intent)

    # ---------------------------------------------------------------- perpetuals and futures
    def _episodes(self, inst: Instrument, lo: float, hi: float, keep_open: bool, first: int) -> None:
        """Open-(add)-(reduce)-close round trips one after another from ``first``; the last one may stay
        open."""
        t = first + self.uniform(0.1, 3.0) * DAY_MS
        last_close = float(first)
        while True:
            hold = self.uniform(1.0, 14.0) * DAY_MS
            side = self._side()
            qty = snap(self.uniform(lo, hi), inst.qty_step, inst.min_qty)
            if t + hold >= self.anchor - 2 * HOUR_MS:
                if keep_open:
                    opened = max(last_close + HOUR_MS, min(t, self.anchor - 6 * HOUR_MS))
                    self.add(opened, inst, side, qty)
                return
            self.add(t, inst, side, qty)
            if self.rng.random() < 0.5:
                self.add(t + hold * 0.3, inst, side, snap(float(qty) * 0.5, inst.qty_step, inst.min_qty))
            if self.rng.random() < 0.4:
                opposite = "Sell" if side == "Buy" else "Buy"
                self.add(t + hold * 0.6, inst, opposite, snap(float(qty) * 0.5, inst.qty_step, inst.min_qty))
            last_close = t + hold
            self.add(last_close, inst, "Sell" if side == "Buy" else "Buy", None)
            t = last_close + self.uniform(0.2, 4.0) * DAY_MS

    def _futures(self) -> None:
        """One USDT future still open now and one inverse future held to its delivery."""
        live = [
            inst
            for inst in self.market.instruments("linear")
            if inst.contract_type == "LinearFutures"
            and inst.base_coin == "BTC"
            and inst.settle_coin == "USDT"
            and inst.delivery_ms >= self.anchor + 14 * DAY_MS
            and inst.launch_ms <= self.anchor - 20 * DAY_MS
        ]
        if live:
            future = min(live, key=lambda inst: inst.delivery_ms)
            opened = max(future.launch_ms, self.anchor - 45 * DAY_MS) + self.uniform(0.5, 10.0) * DAY_MS
            self.add(opened, future, self._side(), snap(self.uniform(0.1, 0.3), future.qty_step))
        dated = self.market.instruments("inverse") + self.market.expired_instruments("inverse")
        delivered = [
            inst
            for inst in dated
            if inst.contract_type == "InverseFutures"
            and inst.base_coin == "BTC"
            and self.start + 15 * DAY_MS <= inst.delivery_ms <= self.anchor - DAY_MS
        ]
        if delivered:
            future = max(delivered, key=lambda inst: inst.delivery_ms)
            opened = max(future.launch_ms + HOUR_MS, future.delivery_ms - self.uniform(8.0, 20.0) * DAY_MS)
            self.add(opened, future, self._side(), snap(self.uniform(3000, 10000), "100"))

    # ---------------------------------------------------------------- options
    def _options(self) -> None:
        """Round trips in BTC and ETH options (some closed, some delivered) and a few still open now."""
        listing = self.market.instruments("option") + self.market.expired_instruments("option")
        for coin, (lo, hi) in OPTION_SIZES.items():
            chain = [inst for inst in listing if inst.base_coin == coin]
            busy: dict[str, int] = {}
            t = self.start + self.uniform(1.0, 5.0) * DAY_MS
            while t < self.anchor - 3 * DAY_MS:
                self._option_trade(chain, busy, int(t), lo, hi)
                t += self.uniform(4.0, 9.0) * DAY_MS
            for _ in range(2):
                opened = int(self.anchor - self.uniform(1.0, 8.0) * DAY_MS)
                self._option_trade(chain, busy, opened, lo, hi, min_expiry=self.anchor + 5 * DAY_MS)

    def _option_trade(
        self, chain: list[Instrument], busy: dict[str, int], t: int, lo: float, hi: float, min_expiry: int = 0
    ) -> None:
        live = [
            inst
            for inst in chain
            if inst.launch_ms <= t - HOUR_MS
            and inst.delivery_ms > max(t + 2 * DAY_MS, min_expiry)
            and busy.get(inst.symbol, 0) < t
        ]
        if not live:
            return
        expiries = sorted({inst.delivery_ms for inst in live})
        expiry = expiries[self.rng.randrange(len(expiries))]
        option_type = "Call" if self.rng.random() < 0.5 else "Put"
        target = self.market.index_price(chain[0].base_coin, t) * (1.0 + self.rng.gauss(0.0, 0.06))
        same = [inst for inst in live if inst.delivery_ms == expiry and inst.option_type == option_type]
        if not same:
            return
        inst = min(same, key=lambda candidate: abs((candidate.strike or 0.0) - target))
        side = self._side(0.6)
        qty = snap(self.uniform(lo, hi), inst.qty_step, inst.min_qty)
        self.add(t, inst, side, qty)
        closing = "Sell" if side == "Buy" else "Buy"
        close_at = t + self.uniform(1.0, 20.0) * DAY_MS
        if min_expiry:
            busy[inst.symbol] = inst.delivery_ms
        elif close_at < min(inst.delivery_ms, self.anchor) - 2 * HOUR_MS:
            self.add(close_at, inst, closing, None)
            busy[inst.symbol] = int(close_at) + HOUR_MS
        elif inst.delivery_ms < self.anchor - HOUR_MS:
            busy[inst.symbol] = inst.delivery_ms  # held to delivery
        else:
            close_at = t + (min(inst.delivery_ms, self.anchor - 2 * HOUR_MS) - t) * self.uniform(0.3, 0.9)
            self.add(close_at, inst, closing, None)
            busy[inst.symbol] = int(close_at) + HOUR_MS

    # ---------------------------------------------------------------- spot
    def _spot(self) -> None:
        """Spot buys and sells, and one SOL purchase with borrowed USDC."""
        pairs = {
            symbol: self.market.instrument(symbol, "spot")
            for symbol in ("BTCUSDT", "ETHUSDT", "SOLUSDT", "SOLUSDC")
        }
        sol = pairs["SOLUSDT"]
        if sol is not None:
            self.add(
                self.start + self.uniform(2.0, 12.0) * DAY_MS,
                sol,
                "Buy",
                snap(self.uniform(50, 150), "0.1"),
            )
        t = self.start + self.uniform(5.0, 20.0) * DAY_MS
        while t < self.anchor - DAY_MS:
            symbol = ("BTCUSDT", "ETHUSDT", "SOLUSDT")[self.rng.randrange(0, 3)]
            inst = pairs[symbol]
            if inst is not None:
                size = {"BTCUSDT": (0.01, 0.1), "ETHUSDT": (0.2, 2.0), "SOLUSDT": (5.0, 30.0)}[symbol]
                self.add(t, inst, self._side(0.6), snap(self.uniform(*size), inst.qty_step, inst.min_qty))
            t += self.uniform(10.0, 30.0) * DAY_MS
        borrow_pair = pairs["SOLUSDC"]
        if borrow_pair is not None:
            target = -Decimal(int(self.uniform(15_000, 30_000)))
            when = self.anchor - self.uniform(40.0, 60.0) * DAY_MS
            self.add(when, borrow_pair, "Buy", None, quote_target=target, order_type="Market", fills=1)

    # ---------------------------------------------------------------- open and cancelled orders
    def _resting_and_cancelled(self) -> None:
        resting = (
            ("BTCUSDT", "linear", "Buy", 0.1, -0.10),
            ("ETHUSDT", "linear", "Sell", 2.0, 0.08),
            ("BTCPERP", "linear", "Buy", 0.05, -0.07),
            ("BTCUSDT", "spot", "Buy", 0.05, -0.15),
        )
        for number, (symbol, category, side, size, offset) in enumerate(resting, start=1):
            inst = self.market.instrument(symbol, category)
            if inst is not None:
                when = self.anchor - self.uniform(2.0, 40.0) * HOUR_MS
                self.add(
                    when,
                    inst,
                    side,
                    snap(size, inst.qty_step),
                    order_type="Limit",
                    status="New",
                    price_offset=offset,
                    link_id=f"resting-{number:02d}",  # resting orders are tracked by the client's own ids
                )
        for _ in range(6):
            symbol, category, smallest, *_ = PERPETUALS[self.rng.randrange(len(PERPETUALS))]
            inst = self.market.instrument(symbol, category)
            if inst is not None:
                when = self.anchor - self.uniform(1.0, 72.0) * HOUR_MS
                qty = snap(smallest * 2, inst.qty_step, inst.min_qty)
                offset = self.uniform(0.02, 0.06) * (-1 if self.rng.random() < 0.5 else 1)
                side = "Buy" if offset < 0 else "Sell"
                self.add(when, inst, side, qty, order_type="Limit", status="Cancelled", price_offset=offset)
