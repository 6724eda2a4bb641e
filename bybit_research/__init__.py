"""bybit_research: Bybit V5 market and account data as typed pandas DataFrames.

``import bybit_research as br`` then ``br.klines("BTCUSDT", "60", start="2024-01-01")``. Public names are
resolved lazily, so importing the package stays cheap and plotting or widget libraries load only when used.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: classes, errors and helpers: public name -> module that defines it
_PUBLIC: dict[str, str] = {
    "Client": "bybit_research.client",
    "BybitError": "bybit_research.errors",
    "AuthenticationError": "bybit_research.errors",
    "RateLimitError": "bybit_research.errors",
    "InvalidRequestError": "bybit_research.errors",
    "ServerError": "bybit_research.errors",
    "ResponseFormatError": "bybit_research.errors",
    "CacheMissError": "bybit_research.errors",
    "CacheCorruptError": "bybit_research.errors",
    "CacheUnavailableError": "bybit_research.errors",
    "NetworkError": "bybit_research.errors",
    "DataStartsLaterWarning": "bybit_research.fetch",
    "TooManyPagesError": "bybit_research.fetch",
    "get_default_client": "bybit_research.client",
    "set_default_client": "bybit_research.client",
}

#: the public functions on the default client (``br.klines(...)``): the registry's names
#: (:data:`bybit_research._api.NAMES`; a test keeps the two lists equal, so this import stays cheap)
_FUNCTIONS = (
    "klines",
    "orderbook",
    "rpi_orderbook",
    "full_orderbook",
    "tickers",
    "instruments",
    "trades",
    "funding_rates",
    "open_interest",
    "historical_volatility",
    "long_short_ratio",
    "insurance",
    "adl_alert",
    "risk_limits",
    "delivery_prices",
    "new_delivery_prices",
    "price_limit",
    "index_price_components",
    "fee_groups",
    "collateral_tiers",
    "server_time",
    "option_chain",
    "wallet_balance",
    "account_summary",
    "all_coins_balance",
    "coin_balance",
    "withdrawable",
    "asset_overview",
    "coin_info",
    "pay_info",
    "account_info",
    "user_settings",
    "api_key_info",
    "account_instruments",
    "fee_rates",
    "collateral_info",
    "spot_margin_tiers",
    "coin_greeks",
    "option_asset_info",
    "mmp_state",
    "portfolio_margin",
    "positions",
    "orders",
    "executions",
    "closed_pnl",
    "closed_options_positions",
    "order_history",
    "move_position_history",
    "spot_trade_analysis",
    "transaction_log",
    "borrow_history",
    "delivery_records",
    "settlement_records",
    "pre_upgrade_order_history",
    "pre_upgrade_executions",
    "pre_upgrade_closed_pnl",
    "pre_upgrade_transaction_log",
    "pre_upgrade_delivery_records",
    "pre_upgrade_settlement_records",
)

#: namespaces reachable as attributes (``br.cache.info()``, ``br.sim.serve()``): name -> module
_NAMESPACES = {
    "cache": "bybit_research.cache",
    "sim": "bybit_research.sim",
    "options": "bybit_research.options",
    "margin": "bybit_research.analytics.margin",
    "plot": "bybit_research.plotting",
    "history": "bybit_research.history",
    "widgets": "bybit_research.widgets",
}

__all__ = sorted([*_PUBLIC, *_FUNCTIONS, *_NAMESPACES])


def __getattr__(name: str) -> Any:
    if name in _NAMESPACES:
        value = importlib.import_module(_NAMESPACES[name])
    elif name in _FUNCTIONS:
        value = importlib.import_module("bybit_research.client").DEFAULT_CLIENT_FUNCTIONS[name]
    elif name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
    else:
        raise AttributeError(f"module 'bybit_research' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
