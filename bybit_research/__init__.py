"""bybit_research: Bybit V5 market and account data as typed pandas DataFrames.

``import bybit_research as br`` then ``br.klines("BTCUSDT", "60", start="2024-01-01")``. Public names are
resolved lazily, so importing the package stays cheap and plotting or widget libraries load only when used.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> module that defines it
_PUBLIC: dict[str, str] = {
    # client side
    "Client": "bybit_research.client",
    "BybitError": "bybit_research.errors",
    "AuthenticationError": "bybit_research.errors",
    "RateLimitError": "bybit_research.errors",
    "InvalidRequestError": "bybit_research.errors",
    "ServerError": "bybit_research.errors",
    "CacheMissError": "bybit_research.errors",
    "CacheCorruptError": "bybit_research.errors",
    "NetworkError": "bybit_research.errors",
    "get_default_client": "bybit_research.client",
    "set_default_client": "bybit_research.client",
    # market data
    "klines": "bybit_research.market",
    "orderbook": "bybit_research.market",
    "tickers": "bybit_research.market",
    "instruments": "bybit_research.market",
    "trades": "bybit_research.market",
    "funding_rates": "bybit_research.market",
    "open_interest": "bybit_research.market",
    "historical_volatility": "bybit_research.market",
    "long_short_ratio": "bybit_research.market",
    "insurance": "bybit_research.market",
    "risk_limits": "bybit_research.market",
    "delivery_prices": "bybit_research.market",
    "price_limit": "bybit_research.market",
    "server_time": "bybit_research.market",
    "option_chain": "bybit_research.market",
}

#: public submodules reachable as attributes (``br.cache.info()``, ``br.sim.serve()``)
_SUBMODULES = {"cache", "sim"}

__all__ = sorted([*_PUBLIC, *_SUBMODULES])


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"bybit_research.{name}")
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'bybit_research' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
