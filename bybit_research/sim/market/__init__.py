"""The deterministic synthetic market of the simulator.

:class:`Market` is the facade used by the market routes and the demo account: the instrument universe, prices
of
any flavour at any instant, funding rates and option quotes. Everything is a pure function of the seed and
time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from ..core import SimConfig
from .bars import BarSource
from .calendar import HOUR_MS, YEAR_MS
from .coins import COIN_SPECS, COINS, decimals
from .derivatives import funding_rates
from .klines import KlineEngine
from .options import OPTION_CARRY, black76_greeks, black76_price, smile_iv
from .paths import CoinPath, LruCache
from .universe import CATEGORIES, Instrument, Universe

__all__ = ["CATEGORIES", "Instrument", "Market", "OptionQuote"]

#: A coin's prices at the 24 whole hours of a day, by (seed, coin, day): shared by the markets of a process
#: (tests build many), each day computed once.
_HOURLY: LruCache[tuple[int, str, int], np.ndarray] = LruCache(8192)

_STABLECOINS = ("USDT", "USDC", "USD")


@dataclass(frozen=True)
class OptionQuote:
    """The model quote of an option at one instant (prices in USD, greeks as Bybit quotes them)."""

    mark_price: float
    mark_iv: float
    underlying_price: float
    index_price: float
    delta: float
    gamma: float
    vega: float
    theta: float
    t_years: float


class Market:
    """The synthetic market of one simulated exchange.

    Parameters
    ----------
    config
        Simulator configuration; ``config.seed`` fixes every price and series, ``config.clock()`` is "now"
        for the
        listing.
    """

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.seed = config.seed
        self.paths = {
            spec.coin: CoinPath(config.seed, spec.coin, spec.ref_price, spec.annual_vol) for spec in COINS
        }
        self._universes: LruCache[int, Universe] = LruCache(8)
        self._engines: dict[tuple[str, str, str], KlineEngine] = {}
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- universe
    def universe(self, now_ms: int | None = None) -> Universe:
        """Return the listing at ``now_ms`` (default: the simulator clock).

        Listings change only on whole hours (launches at 00:00, expiries at 08:00 UTC), so one is built per
        hour.
        """
        now = self.config.clock() if now_ms is None else now_ms
        hour = now // HOUR_MS
        return self._universes.get_or_build(
            hour, lambda: Universe(hour * HOUR_MS, self._strike_level, self._hourly_prices)
        )

    def _strike_level(self, coin: str, t_ms: int) -> float:
        return self.paths[coin].day_price(t_ms)

    def _hourly_prices(self, coin: str, first_hour: int, last_hour: int) -> np.ndarray:
        """Return the coin's USD price at each whole hour ``first_hour..last_hour`` (epoch hours)."""
        first_day, last_day = first_hour // 24, last_hour // 24
        path = self.paths[coin]

        def hours_of(day: int) -> np.ndarray:
            return _HOURLY.get_or_build(
                (self.seed, coin, day), lambda: np.exp(path.minute_logs(day)[:1440:60])
            )

        days = [hours_of(day) for day in range(first_day, last_day + 1)]
        prices = np.concatenate(days)
        return prices[first_hour - first_day * 24 : last_hour - first_day * 24 + 1]

    def instruments(self, category: str, now_ms: int | None = None) -> list[Instrument]:
        """Return every instrument of ``category`` listed now (status ``Trading``).

        Expired futures and options are not listed; see :meth:`expired_instruments`.
        """
        return list(self.universe(now_ms).live[category])

    def expired_instruments(self, category: str, now_ms: int | None = None) -> list[Instrument]:
        """Return recently expired (status ``Closed``) instruments of ``category``, newest delivery first."""
        return list(self.universe(now_ms).expired[category])

    def instrument(self, symbol: str, category: str | None = None) -> Instrument | None:
        """Return the instrument named ``symbol`` (listed or recently expired), or None.

        Without ``category`` the categories are searched in the order linear, inverse, option, spot (so
        ``"BTCUSDT"`` is the perpetual, not the spot pair).
        """
        return self.universe().find(symbol, category)

    def _resolve(self, symbol: str, t_ms: int) -> Instrument:
        found = self.instrument(symbol) or self.universe(t_ms).find(symbol)
        if found is None:
            raise KeyError(f"unknown symbol {symbol!r}")
        return found

    # ---------------------------------------------------------------- prices
    def engine(self, inst: Instrument, kind: str) -> KlineEngine:
        """Return the candle engine of ``inst`` for price flavour ``kind`` (last, mark, index, premium)."""
        key = (inst.category, inst.symbol, kind)
        found = self._engines.get(key)
        if found is None:
            with self._lock:
                found = self._engines.get(key)
                if found is None:
                    found = KlineEngine(BarSource(self.seed, inst, kind, self.paths[inst.base_coin]))
                    self._engines[key] = found
        return found

    def price_of(self, inst: Instrument, kind: str, t_ms: int) -> float:
        """Return the price of flavour ``kind`` of ``inst`` at ``t_ms`` (rounded to its tick)."""
        engine = self.engine(inst, kind)
        return engine.price(t_ms) / 10**engine.source.decimals

    def last_price(self, symbol: str, t_ms: int) -> float:
        """Return the traded price of ``symbol`` at ``t_ms`` (options: the mark price rounded to the tick)."""
        inst = self._resolve(symbol, t_ms)
        if inst.category == "option":
            tick = float(inst.tick_size)
            return round(max(round(self.option_quote(symbol, t_ms).mark_price / tick), 1) * tick, 10)
        return self.price_of(inst, "last", t_ms)

    def mark_price(self, symbol: str, t_ms: int) -> float:
        """Return the mark price of ``symbol`` at ``t_ms``."""
        inst = self._resolve(symbol, t_ms)
        if inst.category == "option":
            return self.option_quote(symbol, t_ms).mark_price
        return self.price_of(inst, "mark", t_ms)

    def index_price(self, coin: str, t_ms: int) -> float:
        """Return the USD index price of ``coin`` at ``t_ms`` (1.0 for USDT, USDC and USD)."""
        if coin in _STABLECOINS:
            return 1.0
        spec = COIN_SPECS.get(coin)
        if spec is None:
            raise KeyError(f"unknown coin {coin!r}")
        perp = self.universe().find(f"{coin}USDT", "linear")
        if perp is not None and t_ms >= perp.launch_ms:
            return self.price_of(perp, "index", t_ms)
        return round(self.paths[coin].price_at(t_ms), decimals(spec.tick))

    def funding_rate(self, symbol: str, settle_ms: int) -> float:
        """Return the funding rate of ``symbol`` settled at ``settle_ms`` (0.0 for non-perpetuals)."""
        inst = self._resolve(symbol, settle_ms)
        if not inst.funding_interval_min:
            return 0.0
        return funding_rates(self.seed, inst, [settle_ms])[0]

    def option_quote(self, symbol: str, t_ms: int) -> OptionQuote:
        """Return the model quote of option ``symbol`` at ``t_ms`` (Black-76 on the smile)."""
        inst = self._resolve(symbol, t_ms)
        if inst.strike is None:
            raise KeyError(f"{symbol!r} is not an option")
        index = self.paths[inst.base_coin].price_at(t_ms)
        t_years = max(inst.delivery_ms - t_ms, 0) / YEAR_MS
        forward = index * (1.0 + OPTION_CARRY * t_years)
        sigma = smile_iv(self.paths[inst.base_coin].annual_vol, forward, inst.strike, t_years)
        is_call = inst.option_type == "Call"
        price = black76_price(forward, inst.strike, t_years, sigma, is_call)
        greeks = black76_greeks(forward, inst.strike, t_years, sigma, is_call)
        return OptionQuote(
            mark_price=round(price, 8),
            mark_iv=round(sigma, 4),
            underlying_price=round(forward, 4),
            index_price=round(index, 4),
            delta=greeks["delta"],
            gamma=greeks["gamma"],
            vega=greeks["vega"],
            theta=greeks["theta"],
            t_years=t_years,
        )
