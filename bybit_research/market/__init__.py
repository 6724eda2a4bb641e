"""Public market-data functions, each a plain function of a fetcher (a :class:`bybit_research.Client`):
check the arguments, state the endpoint and call the engine.

The registry (:mod:`bybit_research._api`) binds every function of :data:`FUNCTIONS` as a ``Client`` method
and as a module-level function on the default client (``br.klines(...)``).
"""

from __future__ import annotations

from .adl import adl_alert
from .books import full_orderbook, rpi_orderbook
from .collateral import collateral_tiers
from .fees import fee_groups
from .index import index_price_components
from .klines import klines
from .options import option_chain
from .reference import (
    delivery_prices,
    insurance,
    new_delivery_prices,
    price_limit,
    risk_limits,
    server_time,
)
from .series import funding_rates, historical_volatility, long_short_ratio, open_interest
from .snapshots import instruments, orderbook, tickers, trades

__all__ = ["FUNCTIONS"]

#: every public market function, in the order the README lists them
FUNCTIONS = (
    klines,
    orderbook,
    rpi_orderbook,
    full_orderbook,
    tickers,
    instruments,
    trades,
    funding_rates,
    open_interest,
    historical_volatility,
    long_short_ratio,
    insurance,
    adl_alert,
    risk_limits,
    delivery_prices,
    new_delivery_prices,
    price_limit,
    index_price_components,
    fee_groups,
    collateral_tiers,
    server_time,
    option_chain,
)
