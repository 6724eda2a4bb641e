"""The market prices the demo account trades and is valued at, read through the market's public API.

Looking an instrument up by symbol on every price is most of the cost of a price that is already computed,
and a bare symbol such as ``BTCUSDT`` resolves to the perpetual, not the spot pair. The account holds its
instruments, so it asks :meth:`Market.price_of` directly (options through their quotes).

Prices on whole hours (funding settlements) are kept process-wide: they are pure functions of the seed, the
instrument and the instant, and accounts replayed for other anchor days (tests at several clocks) settle
funding at the same instants.
"""

from __future__ import annotations

import threading

from ..market import Instrument, Market
from ..market.calendar import HOUR_MS

#: Whole-hour prices by (seed, category, symbol, flavour, time); emptied when it grows past the bound.
_ON_THE_HOUR: dict[tuple[int, str, str, str, int], float] = {}
_ON_THE_HOUR_MAX = 400_000
_LOCK = threading.Lock()


class Prices:
    """Traded, mark and index prices of the account's instruments at any instant (floats, as the market gives
    them)."""

    def __init__(self, market: Market) -> None:
        self.market = market

    def _price(self, inst: Instrument, kind: str, t_ms: int) -> float:
        if t_ms % HOUR_MS:
            return self.market.price_of(inst, kind, t_ms)
        key = (self.market.seed, inst.category, inst.symbol, kind, t_ms)
        found = _ON_THE_HOUR.get(key)
        if found is None:
            found = self.market.price_of(inst, kind, t_ms)
            with _LOCK:
                if len(_ON_THE_HOUR) >= _ON_THE_HOUR_MAX:
                    _ON_THE_HOUR.clear()
                _ON_THE_HOUR[key] = found
        return found

    def last(self, inst: Instrument, t_ms: int) -> float:
        """The traded price of ``inst`` at ``t_ms`` (options: the mark rounded to the tick)."""
        if inst.category == "option":
            return self.market.last_price(inst.symbol, t_ms)
        return self._price(inst, "last", t_ms)

    def mark(self, inst: Instrument, t_ms: int) -> float:
        """The mark price of ``inst`` at ``t_ms`` (spot pairs have none: their traded price)."""
        if inst.category == "option":
            return self.market.mark_price(inst.symbol, t_ms)
        return self._price(inst, "last" if inst.category == "spot" else "mark", t_ms)

    def index(self, coin: str, t_ms: int) -> float:
        """The USD index price of ``coin`` at ``t_ms``."""
        return self.market.index_price(coin, t_ms)
