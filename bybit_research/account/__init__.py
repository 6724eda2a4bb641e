"""Public account functions: balances and settings, positions and orders, and the account's history over
any range, each a plain function of a fetcher like the market ones (check the arguments, state the
endpoint, call the engine); bound by the registry (:mod:`bybit_research._api`).

Every one is a signed request: a client without an API key raises ``AuthenticationError`` naming the
environment variables before sending anything.
"""

from __future__ import annotations

from .history import (
    borrow_history,
    closed_options_positions,
    closed_pnl,
    delivery_records,
    executions,
    order_history,
    settlement_records,
    transaction_log,
)
from .margin import portfolio_margin
from .positions import orders, positions
from .wallet import (
    account_info,
    account_summary,
    all_coins_balance,
    coin_greeks,
    collateral_info,
    fee_rates,
    mmp_state,
    wallet_balance,
)

__all__ = ["FUNCTIONS"]

#: every public account function, in the order the README lists them
FUNCTIONS = (
    wallet_balance,
    account_summary,
    all_coins_balance,
    account_info,
    fee_rates,
    collateral_info,
    coin_greeks,
    mmp_state,
    portfolio_margin,
    positions,
    orders,
    executions,
    closed_pnl,
    closed_options_positions,
    order_history,
    transaction_log,
    borrow_history,
    delivery_records,
    settlement_records,
)
