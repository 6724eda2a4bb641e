"""The account's balances and settings: wallet balance and its account summary, the coins balance of an
account type, account info, fee rates, collateral, option greeks per coin and the MMP state."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..core.fetcher import Fetcher
from ..endpoints.account import (
    ACCOUNT_INFO,
    ACCOUNT_TYPES,
    ALL_COINS_BALANCE,
    COIN_GREEKS,
    COLLATERAL_INFO,
    FEE_RATE,
    MMP_STATE,
    TRANSFER_ACCOUNT_TYPES,
    WALLET_ACCOUNT,
    WALLET_BALANCE,
)
from ..endpoints.checks import check_choice, check_coin, check_symbol
from ..fetch import Query, run
from ..frames.build import summary_frame
from .arguments import coin_list

__all__ = [
    "account_info",
    "account_summary",
    "all_coins_balance",
    "coin_greeks",
    "collateral_info",
    "fee_rates",
    "mmp_state",
    "wallet_balance",
]

#: the most coins one coins-balance request may name for the unified account (reference §5.12)
MAX_UNIFIED_COINS = 10


def _account_type(account_type: object, allowed: Sequence[str]) -> str:
    text = account_type.strip().upper() if isinstance(account_type, str) else account_type
    return str(check_choice(text, allowed, "account_type"))


def wallet_balance(
    client: Fetcher, account_type: str = "UNIFIED", coin: str | Sequence[str] | None = None
) -> pd.DataFrame:
    """Balances of the unified account, one row per coin, with the account-wide totals.

    Calls ``/v5/account/wallet-balance``.

    Parameters
    ----------
    account_type
        ``"UNIFIED"`` (the only wallet of a unified trading account; the Funding wallet is
        :func:`all_coins_balance` with ``"FUND"``).
    coin
        A coin or a list of coins; without it only coins with a balance are listed.

    Returns
    -------
    pandas.DataFrame
        Index ``coin``; float64 columns ``equity, usd_value, wallet_balance, locked, spot_hedging_qty,
        borrow_amount, accrued_interest, total_order_im, total_position_im, total_position_mm,
        unrealised_pnl, cum_realised_pnl, bonus, spot_borrow`` (and the deprecated ``free,
        available_to_withdraw, available_to_borrow``), bool ``margin_collateral, collateral_switch``, str
        ``col_res``. In portfolio-margin mode the position IM/MM columns are NaN (Bybit sends ""): margin
        exists per risk unit (:func:`portfolio_margin`). ``attrs["summary"]``: the account-wide totals in
        USD (``account_type, account_im_rate, account_mm_rate, total_equity, total_wallet_balance,
        total_margin_balance, total_available_balance, total_perp_upl, total_initial_margin,
        total_maintenance_margin``, their ``*_by_mp`` twins, ``account_ltv``), also as a frame from
        :func:`account_summary`; and endpoint, params, fetched_at, server_time, from_cache.
    """
    params = {"accountType": _account_type(account_type, ACCOUNT_TYPES), "coin": coin_list(coin)}
    return run(client, Query(WALLET_BALANCE, {k: v for k, v in params.items() if v is not None}))


def account_summary(
    client: Fetcher, account_type: str = "UNIFIED", wallet: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The account-wide totals of the wallet as one row.

    Calls ``/v5/account/wallet-balance`` (nothing when ``wallet`` is given: its ``attrs["summary"]`` is
    used).

    Parameters
    ----------
    account_type
        ``"UNIFIED"``.
    wallet
        A frame of :func:`wallet_balance` to take the totals from instead of asking again.

    Returns
    -------
    pandas.DataFrame
        One row indexed by ``account_type``; float64 columns ``account_im_rate, account_mm_rate,
        total_equity, total_wallet_balance, total_margin_balance, total_available_balance, total_perp_upl,
        total_initial_margin, total_maintenance_margin, account_im_rate_by_mp, account_mm_rate_by_mp,
        total_initial_margin_by_mp, total_maintenance_margin_by_mp, account_ltv`` (USD; rates are fractions:
        accountMMRate reaching 1 means liquidation). ``attrs``: those of the wallet frame.
    """
    source = wallet if wallet is not None else wallet_balance(client, account_type)
    if "summary" not in source.attrs:
        raise ValueError("account_summary(wallet=...) expects a frame of wallet_balance() (attrs['summary'])")
    summary = summary_frame(WALLET_ACCOUNT, source.attrs["summary"], index="account_type")
    summary.attrs = {k: v for k, v in source.attrs.items() if k != "summary"}
    return summary


def all_coins_balance(
    client: Fetcher, account_type: str = "UNIFIED", coin: str | Sequence[str] | None = None
) -> pd.DataFrame:
    """Balances of every coin of one account type, with what can be transferred out.

    Calls ``/v5/asset/transfer/query-account-coins-balance``.

    Parameters
    ----------
    account_type
        ``"UNIFIED"`` (the trading account; ``coin`` is required, at most 10) or ``"FUND"`` (the Funding
        wallet).
    coin
        A coin or a list of coins.

    Returns
    -------
    pandas.DataFrame
        Index ``coin``; float64 columns ``wallet_balance``, ``transfer_balance``, ``bonus``. ``attrs``:
        ``summary`` (``account_type``, ``member_id``), endpoint, params, fetched_at, server_time,
        from_cache.
    """
    kind = _account_type(account_type, TRANSFER_ACCOUNT_TYPES)
    coins = coin_list(coin)
    if kind == "UNIFIED":
        if coins is None:
            raise ValueError("all_coins_balance('UNIFIED') needs coin= (up to 10 coins); 'FUND' lists all")
        if len(coins.split(",")) > MAX_UNIFIED_COINS:
            raise ValueError(f"all_coins_balance('UNIFIED') takes at most {MAX_UNIFIED_COINS} coins")
    params = {"accountType": kind, "coin": coins}
    return run(client, Query(ALL_COINS_BALANCE, {k: v for k, v in params.items() if v is not None}))


def account_info(client: Fetcher) -> pd.DataFrame:
    """The account's margin mode and status.

    Calls ``/v5/account/info``.

    Returns
    -------
    pandas.DataFrame
        One row (RangeIndex); columns ``unified_margin_status`` (Int64: 1 classic, 3 UTA 1.0, 4 UTA 1.0
        pro, 5 UTA 2.0, 6 UTA 2.0 pro), ``margin_mode`` (``ISOLATED_MARGIN``, ``REGULAR_MARGIN`` = cross,
        ``PORTFOLIO_MARGIN``), ``is_master_trader`` (bool), ``spot_hedging_status`` (``ON``/``OFF``),
        ``updated_time`` (``datetime64[ms, UTC]``), ``dcp_status``, ``time_window``, ``smp_group``.
        ``attrs``: endpoint, params, fetched_at, server_time, from_cache.
    """
    return run(client, Query(ACCOUNT_INFO, {}))


def fee_rates(
    client: Fetcher, category: str, symbol: str | None = None, base_coin: str | None = None
) -> pd.DataFrame:
    """Trading fee rates of the account: per symbol (spot, linear, inverse) or per base coin (options).

    Calls ``/v5/account/fee-rate``.

    Parameters
    ----------
    category
        ``"spot"``, ``"linear"``, ``"inverse"`` or ``"option"``.
    symbol
        One symbol (not for options); every symbol of the category when omitted.
    base_coin
        Options only: one base coin.

    Returns
    -------
    pandas.DataFrame
        RangeIndex; columns ``symbol`` (str; empty for options), ``base_coin`` (options), ``taker_fee_rate``
        and ``maker_fee_rate`` (float64 fractions: 0.00055 = 0.055 %). ``attrs``: endpoint, category,
        params, fetched_at, server_time, from_cache.
    """
    checked = FEE_RATE.check_category(category)
    params: dict[str, object] = {"category": checked}
    if symbol is not None:
        if checked == "option":
            raise ValueError("option fee rates are per base coin: pass base_coin=, not symbol=")
        params["symbol"] = check_symbol(symbol, checked)
    if base_coin is not None:
        if checked != "option":
            raise ValueError("base_coin is only for category='option'")
        params["baseCoin"] = check_coin(base_coin)
    return run(client, Query(FEE_RATE, params, checked))


def collateral_info(client: Fetcher, currency: str | None = None) -> pd.DataFrame:
    """Borrowing and collateral settings per coin, with the amounts borrowed now.

    Calls ``/v5/account/collateral-info``.

    Parameters
    ----------
    currency
        One coin; every coin when omitted.

    Returns
    -------
    pandas.DataFrame
        Index ``currency``; float64 ``hourly_borrow_rate, max_borrowing_amount, free_borrowing_limit,
        free_borrow_amount, borrow_amount, other_borrow_amount, available_to_borrow, borrow_usage_rate``
        (and the deprecated ``collateral_ratio, free_borrowing_amount``), bool ``borrowable,
        margin_collateral, collateral_switch``. ``attrs``: endpoint, params, fetched_at, server_time,
        from_cache.
    """
    params = {} if currency is None else {"currency": check_coin(currency, "currency")}
    return run(client, Query(COLLATERAL_INFO, params))


def coin_greeks(client: Fetcher, base_coin: str | None = None) -> pd.DataFrame:
    """Total greeks of the account's option positions per base coin.

    Calls ``/v5/asset/coin-greeks``.

    Parameters
    ----------
    base_coin
        One base coin; every coin with option positions when omitted.

    Returns
    -------
    pandas.DataFrame
        Index ``base_coin``; float64 ``total_delta, total_gamma, total_vega, total_theta`` (Bybit's
        conventions: vega per volatility point, theta per day). ``attrs``: endpoint, params, fetched_at,
        server_time, from_cache.
    """
    params = {} if base_coin is None else {"baseCoin": check_coin(base_coin)}
    return run(client, Query(COIN_GREEKS, params))


def mmp_state(client: Fetcher, base_coin: str) -> pd.DataFrame:
    """The market-maker protection settings and state of one option base coin.

    Calls ``/v5/account/mmp-state``.

    Parameters
    ----------
    base_coin
        The base coin, e.g. ``"BTC"`` (required by Bybit).

    Returns
    -------
    pandas.DataFrame
        Index ``base_coin``; bool ``mmp_enabled``, ``mmp_frozen``; float64 ``window``, ``frozen_period``
        (ms), ``qty_limit``, ``delta_limit``, ``vega_limit``; ``mmp_frozen_until`` (``datetime64[ms, UTC]``,
        NaT when not frozen). ``attrs``: endpoint, params, fetched_at, server_time, from_cache.
    """
    return run(client, Query(MMP_STATE, {"baseCoin": check_coin(base_coin)}))
