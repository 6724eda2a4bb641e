"""Public market-data functions, each a plain function of a fetcher (a :class:`bybit_research.Client`):
check the arguments, state the endpoint and call the engine.

The registry (:mod:`bybit_research._api`) binds every function of :data:`FUNCTIONS` as a ``Client`` method
and as a module-level function on the default client (``br.klines(...)``).
"""

from __future__ import annotations

from .klines import klines
from .options import option_chain
from .reference import delivery_prices, insurance, price_limit, risk_limits, server_time
from .series import funding_rates, historical_volatility, long_short_ratio, open_interest
from .snapshots import instruments, orderbook, tickers, trades

__all__ = ["FUNCTIONS"]

#: every public market function, in the order the README lists them
FUNCTIONS = (
    klines,
    orderbook,
    tickers,
    instruments,
    trades,
    funding_rates,
    open_interest,
    historical_volatility,
    long_short_ratio,
    insurance,
    risk_limits,
    delivery_prices,
    price_limit,
    server_time,
    option_chain,
)
