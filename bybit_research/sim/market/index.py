"""Index price components: the spot prices of other exchanges that the simulator's index price averages.

An index is named like a contract's quote pair: ``{COIN}USDT`` (the index of the USDT contracts),
``{COIN}USDC`` (USDC contracts) and ``{COIN}USD`` (inverse contracts). Its last price is the index price the
simulator's contracts use now (``/v5/market/index-price-kline``, tickers' ``indexPrice``); its components are
the same coin on several exchanges, each off the index by a few basis points, with weights that sum to 1 and
deviations whose weighted mean is zero, so the weighted equivalent prices average to the index (within the
rounding of the printed prices). A component quoted in USD is converted to the index's quote at a slowly
moving exchange rate: its ``price`` differs from its ``equivalentPrice``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .calendar import DAY_MS, MINUTE_MS
from .coins import INVERSE_PERP_COINS, USDC_PERP_COINS
from .paths import keyed_rng, name_key

if TYPE_CHECKING:
    from . import Instrument, Market

_WEIGHTS, _SPREADS, _RATE = 61, 62, 63
#: Weights are integers out of this many parts (printed with 16 decimals, they sum to exactly 1).
WEIGHT_PARTS = 10**16
#: ``(exchange, pair template)``; ``{b}`` is the coin (``{k}`` Kraken's name of it), ``{q}`` the quote.
#: An index uses the first 3 to 8 (every index has a component in another quote currency).
_VENUES = (
    ("Bybit", "{b}{q}"),
    ("Binance", "{b}{q}"),
    ("Coinbase", "{b}-USD"),
    ("OKX", "{b}-{q}"),
    ("Bitget", "{b}{q}"),
    ("Kraken", "{k}/USD"),
    ("GateIO", "{b}_{q}"),
    ("Kucoin", "{b}-{q}"),
)
_KRAKEN = {"BTC": "XBT", "DOGE": "XDG"}


@dataclass(frozen=True)
class Component:
    """One exchange's price in an index (prices as floats already on the index's tick)."""

    exchange: str
    spot_pair: str
    equivalent_price: float
    price: float
    weight_parts: int


def index_instrument(market: Market, name: str, now_ms: int) -> Instrument | None:
    """Return the perpetual whose index an index name stands for (listed at ``now_ms``), or None."""
    universe = market.universe(now_ms)
    for quote, symbol_of, category, coins in (
        ("USDT", "{}USDT", "linear", None),
        ("USDC", "{}PERP", "linear", USDC_PERP_COINS),
        ("USD", "{}USD", "inverse", INVERSE_PERP_COINS),
    ):
        coin = name[: -len(quote)] if name.endswith(quote) else ""
        if not coin or (coins is not None and coin not in coins):
            continue
        found = universe.find(symbol_of.format(coin), category)
        if found is not None and found.funding_interval_min and found.launch_ms <= now_ms:
            return found
    return None


def components(market: Market, perp: Instrument, name: str, now_ms: int) -> tuple[float, list[Component]]:
    """Return the index price of ``perp`` now and its components.

    Parameters
    ----------
    market
        The simulator's market.
    perp
        The perpetual of the index (see :func:`index_instrument`).
    name
        The index name (it keys the draws).
    now_ms
        The instant (components change every minute, weights every day).
    """
    tick = float(perp.tick_size)
    index = market.price_of(perp, "index", now_ms)
    quote = name[len(perp.base_coin) :]
    key = name_key(name)
    day, minute = now_ms // DAY_MS, now_ms // MINUTE_MS
    count = 3 + int(keyed_rng(market.seed, key, _WEIGHTS, 0).integers(0, len(_VENUES) - 2))
    raw = keyed_rng(market.seed, key, _WEIGHTS, day + 1).random(count) + 0.2
    parts = np.floor(raw / raw.sum() * WEIGHT_PARTS).astype(np.int64)
    parts[0] += WEIGHT_PARTS - int(parts.sum())
    weights = parts / WEIGHT_PARTS
    spreads = keyed_rng(market.seed, key, _SPREADS, minute).normal(0.0, 2e-4, count)
    spreads -= float(weights @ spreads)
    # USD per USDT (or USDC): the rate that converts a component quoted in another currency
    usd_rate = 1.0 + 4e-4 * float(np.tanh(keyed_rng(market.seed, key, _RATE, minute).standard_normal()))
    out = []
    for (exchange, template), spread, weight in zip(
        _VENUES[:count], spreads.tolist(), parts.tolist(), strict=True
    ):
        native = "USD" if "{q}" not in template else (quote if quote != "USD" else "USDT")
        equivalent = round(index * (1.0 + spread) / tick) * tick
        if native == quote:
            price = equivalent
        else:
            price = equivalent * usd_rate if native == "USD" else equivalent / usd_rate
            price = round(price / tick) * tick
        pair = template.format(b=perp.base_coin, k=_KRAKEN.get(perp.base_coin, perp.base_coin), q=native)
        out.append(Component(exchange, pair, equivalent, price, weight))
    return index, out
