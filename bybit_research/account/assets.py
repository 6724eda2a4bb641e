"""The account's balances beyond the wallet: option P&L per coin, what can be withdrawn, the equity of every
wallet, one coin's balance, the coins' networks and the collateral that could repay its liabilities."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..core.fetcher import Fetcher
from ..endpoints import FLOAT
from ..endpoints.account import TRANSFER_ACCOUNT_TYPES
from ..endpoints.assets import (
    ASSET_OVERVIEW,
    COIN_INFO,
    MAX_WITHDRAWAL_COINS,
    OPTION_ASSET_INFO,
    PAY_INFO,
    SINGLE_COIN_BALANCE,
    WITHDRAWAL,
)
from ..endpoints.checks import check_choice, check_coin
from ..errors import malformed
from ..fetch import Query, run
from ..frames.convert import BadValues, convert
from ..frames.shapes import describe
from .arguments import coin_list

__all__ = ["asset_overview", "coin_balance", "coin_info", "option_asset_info", "pay_info", "withdrawable"]


def option_asset_info(client: Fetcher) -> pd.DataFrame:
    """The P&L, delta and margin of the account's options, per coin.

    Calls ``/v5/account/option-asset-info``.

    Returns
    -------
    pandas.DataFrame
        Index ``coin``; float64 ``total_delta`` (of the option positions), ``total_rpl`` (realised P&L),
        ``total_upl`` (unrealised P&L), ``asset_im``, ``asset_mm`` (margin, open option orders included) and
        ``send_time`` (``datetime64[ms, UTC]``). ``attrs``: endpoint, params, fetched_at, server_time,
        from_cache.
    """
    return run(client, Query(OPTION_ASSET_INFO, {}))


def withdrawable(client: Fetcher, coins: str | Sequence[str]) -> pd.DataFrame:
    """How much of each coin can leave the unified account now.

    Calls ``/v5/account/withdrawal`` (``coinName``, at most 20 coins a request).

    Parameters
    ----------
    coins
        A coin or a list of up to 20 coins (``["USDT", "BTC"]``).

    Returns
    -------
    pandas.DataFrame
        Index ``coin`` (in the order Bybit lists them); column ``available_withdrawal`` (float64, in the
        coin). ``attrs``: ``summary`` (``available_withdrawal``: Bybit's figure of the first coin), endpoint,
        params, fetched_at, server_time, from_cache.

    Raises
    ------
    ResponseFormatError
        ``availableWithdrawalMap`` is not an object of coin -> amount, or holds an amount that is no finite
        number.
    """
    names = coin_list(coins, "coins")
    if names is None:
        raise ValueError("coins must be a coin such as 'USDT' or a non-empty list of coins")
    if len(names.split(",")) > MAX_WITHDRAWAL_COINS:
        raise ValueError(
            f"withdrawable() takes at most {MAX_WITHDRAWAL_COINS} coins, got {len(names.split(','))}"
        )
    answer = run(client, Query(WITHDRAWAL, {"coinName": names}))
    amounts: dict[str, Any] = {}
    first = np.nan
    if len(answer):
        row = answer.iloc[0]
        mapped = row.get("available_withdrawal_map")
        if isinstance(mapped, dict):
            amounts = dict(mapped)
        elif not (mapped is None or (isinstance(mapped, float) and np.isnan(mapped))):
            raise malformed(
                WITHDRAWAL.path,
                f"availableWithdrawalMap is {describe(mapped)}, expected an object coin -> amount",
            )
        first = float(row.get("available_withdrawal", np.nan))
    try:
        available = convert(list(amounts.values()), FLOAT)
    except BadValues as exc:
        raise malformed(WITHDRAWAL.path, f"availableWithdrawalMap holds amounts that are {exc}") from None
    frame = pd.DataFrame(
        {"available_withdrawal": available}, index=pd.Index(list(amounts), dtype="str", name="coin")
    )
    frame.attrs = {**answer.attrs, "summary": {"available_withdrawal": None if np.isnan(first) else first}}
    return frame


def asset_overview(client: Fetcher) -> pd.DataFrame:
    """The equity of every wallet of the account (unified trading, funding, earn, bots, ...), coin by coin.

    Calls ``/v5/asset/asset-overview``.

    Returns
    -------
    pandas.DataFrame
        RangeIndex, one row per wallet and coin (wallets with sub-categories, such as Earn or trading bots,
        one per category and coin; a wallet or category without coins one row); columns ``account_type``
        (``UnifiedTradingAccount``, ``FundingAccount``, ...), ``total_equity`` (the wallet's, float64),
        ``valuation_currency``, ``snapshot_time`` (``datetime64[ms, UTC]``), ``category`` and
        ``category_equity`` (sub-categories only), ``coin`` and ``equity`` (the coin's, in the coin).
        ``attrs``: ``summary`` (``total_equity``: every wallet together, in the valuation currency),
        endpoint, params, fetched_at, server_time, from_cache.
    """
    return run(client, Query(ASSET_OVERVIEW, {}))


def _account_type(value: object, name: str = "account_type") -> str:
    text = value.strip().upper() if isinstance(value, str) else value
    return str(check_choice(text, TRANSFER_ACCOUNT_TYPES, name))


def coin_balance(
    client: Fetcher,
    coin: str,
    account_type: str = "UNIFIED",
    to_account_type: str | None = None,
    *,
    with_bonus: bool = False,
    with_transfer_safe_amount: bool = False,
    with_ltv_transfer_safe_amount: bool = False,
) -> pd.DataFrame:
    """One coin of one wallet, with how much of it can be transferred.

    Calls ``/v5/asset/transfer/query-account-coin-balance``.

    Parameters
    ----------
    coin
        E.g. ``"USDT"``.
    account_type
        ``"UNIFIED"`` (default) or ``"FUND"``.
    to_account_type
        The other wallet, to ask what can move there (required with ``with_ltv_transfer_safe_amount``).
    with_bonus, with_transfer_safe_amount, with_ltv_transfer_safe_amount
        Ask for the bonus, the amount safe to transfer (delayed withdrawals withheld), and the amount an
        institutional-loan account may transfer.

    Returns
    -------
    pandas.DataFrame
        One row indexed by ``coin``; columns ``account_type``, ``biz_type`` (Int64), ``account_id``,
        ``member_id`` (str), float64 ``wallet_balance``, ``transfer_balance``, ``bonus``,
        ``transfer_safe_amount``, ``ltv_transfer_safe_amount`` (NaN unless asked for). ``attrs``: endpoint,
        params, fetched_at, server_time, from_cache.
    """
    params: dict[str, Any] = {"accountType": _account_type(account_type), "coin": check_coin(coin, "coin")}
    if to_account_type is not None:
        params["toAccountType"] = _account_type(to_account_type, "to_account_type")
        if params["toAccountType"] == params["accountType"]:
            raise ValueError("to_account_type must differ from account_type")
    if with_ltv_transfer_safe_amount and to_account_type is None:
        raise ValueError("with_ltv_transfer_safe_amount=True needs to_account_type ('UNIFIED' or 'FUND')")
    for name, flag in (
        ("withBonus", with_bonus),
        ("withTransferSafeAmount", with_transfer_safe_amount),
        ("withLtvTransferSafeAmount", with_ltv_transfer_safe_amount),
    ):
        if flag:
            params[name] = 1
    return run(client, Query(SINGLE_COIN_BALANCE, params))


def coin_info(client: Fetcher, coin: str | None = None) -> pd.DataFrame:
    """The deposit and withdrawal networks of every coin (or one), with their fees and limits.

    Calls ``/v5/asset/coin/query-info``.

    Parameters
    ----------
    coin
        One coin; every coin when omitted.

    Returns
    -------
    pandas.DataFrame
        Index ``coin`` (one row per coin and chain, so not unique); columns ``name``, ``remain_amount`` (the
        most one withdrawal may take), ``chain``, ``chain_type``, ``confirmation``, ``min_accuracy`` (Int64),
        ``withdraw_fee`` (NaN: no withdrawals on that chain), ``deposit_min``, ``withdraw_min``,
        ``withdraw_percentage_fee`` (float64), ``chain_deposit``, ``chain_withdraw`` (boolean: open or
        suspended), ``contract_address``. ``attrs``: endpoint, params, fetched_at, server_time, from_cache.
    """
    params = {} if coin is None else {"coin": check_coin(coin, "coin")}
    return run(client, Query(COIN_INFO, params))


def pay_info(client: Fetcher, coin: str | None = None) -> pd.DataFrame:
    """The collateral that could repay the account's liabilities, coin by coin, and the liability itself.

    Calls ``/v5/account/pay-info``.

    Parameters
    ----------
    coin
        A coin the account owes (Bybit refuses a coin without a liability); the total of every liability
        when omitted.

    Returns
    -------
    pandas.DataFrame
        Index ``coin``; float64 ``available_size``, ``available_value`` (USD), ``borrow_size``,
        ``spot_hedge_amount``, ``asset_frozen`` and Int64 ``coin_scale`` (the coin's decimals).
        ``attrs["summary"]``: the liability (``coin`` when asked for one, ``borrow_size``, ``borrow_value``
        (USD), ``asset_frozen``, ``available_balance``); endpoint, params, fetched_at, server_time,
        from_cache.
    """
    params = {} if coin is None else {"coin": check_coin(coin, "coin")}
    return run(client, Query(PAY_INFO, params))
