"""Public account functions: balances and settings, positions and orders, and the account's history over
any range, each a plain function of a fetcher like the market ones (check the arguments, state the
endpoint, call the engine); bound by the registry (:mod:`bybit_research._api`).

Every one is a signed request: a client without an API key raises ``AuthenticationError`` naming the
environment variables before sending anything.
"""

from __future__ import annotations

from .assets import (
    asset_overview,
    coin_balance,
    coin_info,
    option_asset_info,
    pay_info,
    withdrawable,
)
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
from .moves import move_position_history
from .positions import orders, positions
from .pre_upgrade import (
    pre_upgrade_closed_pnl,
    pre_upgrade_delivery_records,
    pre_upgrade_executions,
    pre_upgrade_order_history,
    pre_upgrade_settlement_records,
    pre_upgrade_transaction_log,
)
from .settings import (
    account_instruments,
    api_key_info,
    spot_margin_tiers,
    spot_trade_analysis,
    user_settings,
)
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
    coin_balance,
    withdrawable,
    asset_overview,
    coin_info,
    pay_info,
    account_info,
    user_settings,
    api_key_info,
    account_instruments,
    fee_rates,
    collateral_info,
    spot_margin_tiers,
    coin_greeks,
    option_asset_info,
    mmp_state,
    portfolio_margin,
    positions,
    orders,
    executions,
    closed_pnl,
    closed_options_positions,
    order_history,
    move_position_history,
    spot_trade_analysis,
    transaction_log,
    borrow_history,
    delivery_records,
    settlement_records,
    pre_upgrade_order_history,
    pre_upgrade_executions,
    pre_upgrade_closed_pnl,
    pre_upgrade_transaction_log,
    pre_upgrade_delivery_records,
    pre_upgrade_settlement_records,
)
