"""Public market-data functions: module-level on the default client, and the same methods on ``Client``.

``import bybit_research as br`` then ``br.klines("BTCUSDT", 60, "2024-01-01", "2024-02-01")``; or with an
explicit client, ``Client(env="testnet").klines(...)``. ``Client`` gets the methods by inheriting
:class:`MarketMixin`."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from .market_options import OptionChainMixin
from .market_reference import ReferenceMixin
from .market_series import SeriesMixin
from .market_stats import StatsMixin

__all__ = [
    "MarketMixin",
    "delivery_prices",
    "funding_rates",
    "historical_volatility",
    "instruments",
    "insurance",
    "klines",
    "long_short_ratio",
    "open_interest",
    "option_chain",
    "orderbook",
    "price_limit",
    "risk_limits",
    "server_time",
    "tickers",
    "trades",
]

P = ParamSpec("P")
R = TypeVar("R")


class MarketMixin(SeriesMixin, StatsMixin, OptionChainMixin, ReferenceMixin):
    """Every public market-data method; :class:`bybit_research.Client` inherits it.

    The methods need only ``self.fetch(path, params, *, auth, expire_after, refresh) -> Reply`` (and use
    ``self.clock`` when present to learn the exchange's time).
    """


def _on_default_client(method: Callable[Concatenate[Any, P], R]) -> Callable[P, R]:
    """Return a module-level function calling ``method`` on :func:`bybit_research.get_default_client`."""

    @functools.wraps(method)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        from .client import get_default_client

        return method(get_default_client(), *args, **kwargs)

    signature = inspect.signature(method)
    call.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=list(signature.parameters.values())[1:]
    )
    del call.__wrapped__
    call.__qualname__ = method.__name__
    call.__module__ = __name__
    return call


klines = _on_default_client(MarketMixin.klines)
funding_rates = _on_default_client(MarketMixin.funding_rates)
open_interest = _on_default_client(MarketMixin.open_interest)
long_short_ratio = _on_default_client(MarketMixin.long_short_ratio)
historical_volatility = _on_default_client(MarketMixin.historical_volatility)
orderbook = _on_default_client(MarketMixin.orderbook)
tickers = _on_default_client(MarketMixin.tickers)
instruments = _on_default_client(MarketMixin.instruments)
trades = _on_default_client(MarketMixin.trades)
insurance = _on_default_client(MarketMixin.insurance)
risk_limits = _on_default_client(MarketMixin.risk_limits)
delivery_prices = _on_default_client(MarketMixin.delivery_prices)
price_limit = _on_default_client(MarketMixin.price_limit)
server_time = _on_default_client(MarketMixin.server_time)
option_chain = _on_default_client(MarketMixin.option_chain)
