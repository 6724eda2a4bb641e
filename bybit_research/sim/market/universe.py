"""The instrument universe: spot pairs, perpetuals, dated futures and options, listed relative to "now".

Perpetuals and spot pairs have fixed launch dates. Dated contracts follow Bybit's calendar (expiry 08:00 UTC;
options daily, weekly on Fridays, monthly on the last Friday, quarterly on the last Friday of Mar/Jun/Sep/Dec)
and are listed a fixed lead time before expiry, so the listing at any instant is a pure function of that
instant: contracts that expired are gone from the listing but kept (status ``Closed``) for delivery prices and
symbol look-ups.

An expiry's option chain is listed around the forward at its listing; as the price moves, Bybit lists new
strikes. The universe checks every whole hour from an expiry's listing on (:mod:`.strikes`): whenever too few
strikes lie on either side of the forward's nearest strike, the missing ones are listed at that hour (their
``launch_ms``). Strikes are never delisted before expiry, and the chain at an instant depends only on the
seed's price path up to that instant.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from .calendar import (
    DAY_MS,
    EXPIRY_HOUR_MS,
    HOUR_MS,
    date_code,
    date_ms,
    from_ms,
    inverse_code,
    last_friday_ms,
)
from .coins import (
    COINS,
    INVERSE_FUTURE_COINS,
    INVERSE_LAUNCH,
    INVERSE_PERP_COINS,
    INVERSE_TICKS,
    OPTION_COINS,
    OPTION_QTY,
    OPTION_TICKS,
    USDC_FUTURE_COINS,
    USDC_PERP_COINS,
    USDC_PERP_LAUNCH,
    USDC_SPOT_COINS,
    USDT_FUTURE_COINS,
    scale_down,
)
from .instrument import Instrument
from .strikes import Hourly, listed_strikes, strike_text

CATEGORIES = ("spot", "linear", "inverse", "option")

#: Listing lead times (days before expiry) of dated contracts.
OPTION_LEADS = {"daily": 3, "weekly": 28, "monthly": 92, "quarterly": 275}
FUTURE_LEAD_DAYS = 190
#: How far back expired contracts stay known (delivery prices, symbol look-ups).
OPTION_HISTORY_DAYS = 21
FUTURE_HISTORY_DAYS = 730


def option_kinds(expiry_ms: int) -> list[str]:
    """Return which option series (daily, weekly, monthly, quarterly) expire at ``expiry_ms``."""
    moment = from_ms(expiry_ms)
    kinds = ["daily"]
    if moment.weekday() == 4:
        kinds.append("weekly")
        if last_friday_ms(moment.year, moment.month) == expiry_ms:
            kinds.append("monthly")
            if moment.month % 3 == 0:
                kinds.append("quarterly")
    return kinds


def quarterly_expiries(first_ms: int, last_ms: int) -> list[int]:
    """Return quarterly expiries (last Friday of Mar/Jun/Sep/Dec, 08:00 UTC) in a window."""
    start, stop = from_ms(first_ms), from_ms(last_ms)
    out = []
    for year in range(start.year, stop.year + 1):
        for month in (3, 6, 9, 12):
            expiry = last_friday_ms(year, month)
            if first_ms <= expiry <= last_ms:
                out.append(expiry)
    return out


class Universe:
    """Every instrument listed at ``now_ms`` plus the recently expired ones.

    Parameters
    ----------
    now_ms
        The instant of the listing.
    level
        ``level(coin, t_ms) -> float``: an approximate USD price of a coin, used to centre option strikes.
    hourly
        :data:`Hourly` prices of a coin, from which strikes are listed as the price moves; without it the
        chains keep the strikes of their listing.
    """

    def __init__(self, now_ms: int, level: Callable[[str, int], float], hourly: Hourly | None = None) -> None:
        self.now_ms = now_ms
        self._level = level
        self._hourly = hourly
        self._hours: dict[str, tuple[int, np.ndarray]] = {}
        self.live: dict[str, list[Instrument]] = {category: [] for category in CATEGORIES}
        self.expired: dict[str, list[Instrument]] = {category: [] for category in CATEGORIES}
        self._by_key: dict[tuple[str, str], Instrument] = {}
        self._build()

    # ---------------------------------------------------------------- look-ups
    def find(self, symbol: str, category: str | None = None) -> Instrument | None:
        """Return ``symbol`` (live or expired); without a category: linear, inverse, option, spot."""
        for cat in (category,) if category else ("linear", "inverse", "option", "spot"):
            found = self._by_key.get((cat, symbol))
            if found is not None:
                return found
        return None

    # ---------------------------------------------------------------- building
    def _add(self, inst: Instrument) -> None:
        if inst.delivery_ms and inst.delivery_ms <= self.now_ms:
            inst = _with_status(inst, "Closed")
            self.expired[inst.category].append(inst)
        elif inst.launch_ms <= self.now_ms:
            self.live[inst.category].append(inst)
        else:
            return
        self._by_key[(inst.category, inst.symbol)] = inst

    def _build(self) -> None:
        self._build_spot()
        self._build_perpetuals()
        self._build_futures()
        self._build_options()
        for listing in self.expired.values():
            listing.sort(key=lambda inst: (-inst.delivery_ms, inst.symbol))

    def _build_spot(self) -> None:
        for number, spec in enumerate(COINS):
            if not spec.spot:
                continue
            launch = date_ms(spec.launch) - spec.spot_lead_days * DAY_MS
            quotes = ("USDT", "USDC") if spec.coin in USDC_SPOT_COINS else ("USDT",)
            for offset, quote in enumerate(quotes):
                qty = scale_down(spec.qty, 2)
                self._add(
                    Instrument(
                        f"{spec.coin}{quote}",
                        "spot",
                        spec.coin,
                        quote,
                        quote,
                        "Spot",
                        launch + offset * 400 * DAY_MS,
                        0,
                        0,
                        scale_down(spec.tick, 1),
                        qty,
                        qty,
                        None,
                        None,
                        "Trading",
                        symbol_id=1000 + 10 * number + offset,
                        volume_step=spec.qty,
                    )
                )

    def _build_perpetuals(self) -> None:
        for number, spec in enumerate(COINS):
            self._perpetual(
                f"{spec.coin}USDT",
                "linear",
                spec.coin,
                "USDT",
                date_ms(spec.launch),
                spec.funding_interval,
                spec.tick,
                spec.qty,
                symbol_id=1 + number,
                max_leverage=spec.max_leverage,
            )
        specs = {spec.coin: spec for spec in COINS}
        for number, coin in enumerate(USDC_PERP_COINS):
            spec = specs[coin]
            self._perpetual(
                f"{coin}PERP",
                "linear",
                coin,
                "USDC",
                date_ms(USDC_PERP_LAUNCH),
                480,
                spec.tick,
                spec.qty,
                symbol_id=200 + number,
                max_leverage=spec.max_leverage,
            )
        for number, coin in enumerate(INVERSE_PERP_COINS):
            self._perpetual(
                f"{coin}USD",
                "inverse",
                coin,
                "USD",
                date_ms(INVERSE_LAUNCH[coin]),
                480,
                INVERSE_TICKS[coin],
                "1",
                symbol_id=300 + number,
                max_leverage=min(specs[coin].max_leverage, 100),
            )

    def _perpetual(
        self,
        symbol: str,
        category: str,
        coin: str,
        quote: str,
        launch: int,
        funding_interval_min: int,
        tick: str,
        qty: str,
        *,
        symbol_id: int,
        max_leverage: int,
    ) -> None:
        inverse = category == "inverse"
        self._add(
            Instrument(
                symbol,
                category,
                coin,
                quote,
                coin if inverse else quote,
                "InversePerpetual" if inverse else "LinearPerpetual",
                launch,
                0,
                funding_interval_min,
                tick,
                qty,
                qty,
                None,
                None,
                "Trading",
                symbol_id=symbol_id,
                volume_step=qty,
                max_leverage=max_leverage,
            )
        )

    def _build_futures(self) -> None:
        expiries = quarterly_expiries(
            self.now_ms - FUTURE_HISTORY_DAYS * DAY_MS, self.now_ms + (FUTURE_LEAD_DAYS + 1) * DAY_MS
        )
        specs = {spec.coin: spec for spec in COINS}
        for expiry in expiries:
            launch = expiry - EXPIRY_HOUR_MS - FUTURE_LEAD_DAYS * DAY_MS
            code = date_code(expiry)
            for coin in USDT_FUTURE_COINS:
                spec = specs[coin]
                self._dated(
                    f"{coin}USDT-{code}",
                    "linear",
                    coin,
                    "USDT",
                    "LinearFutures",
                    launch,
                    expiry,
                    spec.tick,
                    spec.qty,
                    spec.max_leverage,
                )
            for coin in USDC_FUTURE_COINS:
                spec = specs[coin]
                self._dated(
                    f"{coin}-{code}",
                    "linear",
                    coin,
                    "USDC",
                    "LinearFutures",
                    launch,
                    expiry,
                    spec.tick,
                    spec.qty,
                    spec.max_leverage,
                )
            for coin in INVERSE_FUTURE_COINS:
                self._dated(
                    f"{coin}USD{inverse_code(expiry)}",
                    "inverse",
                    coin,
                    "USD",
                    "InverseFutures",
                    launch,
                    expiry,
                    INVERSE_TICKS[coin],
                    "1",
                    50,
                )

    def _dated(
        self,
        symbol: str,
        category: str,
        coin: str,
        quote: str,
        contract_type: str,
        launch: int,
        expiry: int,
        tick: str,
        qty: str,
        leverage: int,
    ) -> None:
        settle = coin if category == "inverse" else quote
        self._add(
            Instrument(
                symbol,
                category,
                coin,
                quote,
                settle,
                contract_type,
                launch,
                expiry,
                0,
                tick,
                qty,
                qty,
                None,
                None,
                "Trading",
                symbol_id=100_000 + zlib.crc32(symbol.encode()) % 900_000,
                volume_step=qty,
                max_leverage=leverage,
            )
        )

    def _build_options(self) -> None:
        first_day = (self.now_ms - OPTION_HISTORY_DAYS * DAY_MS) // DAY_MS
        last_day = (self.now_ms + OPTION_LEADS["quarterly"] * DAY_MS) // DAY_MS + 1
        for day in range(first_day, last_day + 1):
            expiry = day * DAY_MS + EXPIRY_HOUR_MS
            kinds = option_kinds(expiry)
            lead_days = max(OPTION_LEADS[kind] for kind in kinds)
            launch = expiry - lead_days * DAY_MS
            if launch > self.now_ms or expiry < self.now_ms - OPTION_HISTORY_DAYS * DAY_MS:
                continue
            for coin in OPTION_COINS:
                self._option_chain(coin, expiry, launch, kinds[-1])

    def _hourly_prices(self, coin: str, first_hour: int, last_hour: int) -> np.ndarray:
        """Return a coin's price at the hours ``first_hour..last_hour`` (one fetch per coin and universe)."""
        assert self._hourly is not None
        if coin not in self._hours:
            oldest = OPTION_LEADS["quarterly"] + OPTION_HISTORY_DAYS + 1  # the oldest expired chain's listing
            start = (self.now_ms - oldest * DAY_MS) // HOUR_MS
            self._hours[coin] = (start, self._hourly(coin, start, self.now_ms // HOUR_MS))
        start, prices = self._hours[coin]
        assert first_hour >= start, "a chain listed before the hours fetched"
        return prices[first_hour - start : last_hour - start + 1]

    def _listed_strikes(self, coin: str, expiry: int, launch: int, kind: str) -> list[tuple[int, int, float]]:
        hours = None
        first_hour = -(-launch // HOUR_MS)
        last_hour = min(self.now_ms, expiry - HOUR_MS) // HOUR_MS
        if self._hourly is not None and last_hour >= first_hour:
            hours = (first_hour, self._hourly_prices(coin, first_hour, last_hour))
        return listed_strikes(self._level(coin, launch), kind, launch, expiry, hours)

    def _option_chain(self, coin: str, expiry: int, launch: int, kind: str) -> None:
        code = date_code(expiry)
        for k, listed, step in self._listed_strikes(coin, expiry, launch, kind):
            strike = k * step
            for option_type in ("Call", "Put"):
                symbol = f"{coin}-{code}-{strike_text(strike)}-{option_type[0]}"
                self._add(
                    Instrument(
                        symbol,
                        "option",
                        coin,
                        "USDC",
                        "USDC",
                        "Option",
                        listed,
                        expiry,
                        0,
                        OPTION_TICKS[coin],
                        OPTION_QTY[coin],
                        OPTION_QTY[coin],
                        option_type,
                        float(strike),
                        "Trading",
                        symbol_id=2_000_000 + zlib.crc32(symbol.encode()) % 8_000_000,
                        volume_step=OPTION_QTY[coin],
                    )
                )


def _with_status(inst: Instrument, status: str) -> Instrument:
    return replace(inst, status=status)
