"""The account's history over any range up to the lookback: executions, closed P&L, closed option positions,
order history, the transaction log, borrowing interest, deliveries and session settlements.

Every one is a sliding-window endpoint of the table (``private_history``): the range is split into the
endpoint's windows (7 days, or 30 for borrowing, deliveries and settlements), fetched concurrently under the
rate limiter with a cursor loop inside each window, rows kept once by their ids, ascending. A range reaching
further back than the endpoint keeps history (two years; six months for closed option positions) is refused
with ``ValueError``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..core.fetcher import Fetcher
from ..core.time import TimeLike
from ..endpoints.account import (
    BORROW_HISTORY,
    CONTRACT_TRANSACTION_LOG,
    DELIVERY_RECORD,
    SETTLEMENT_RECORD,
    TRANSACTION_LOG,
)
from ..endpoints.checks import check_choice, check_coin, check_exp_date, check_symbol
from ..endpoints.trade import CLOSED_PNL, CLOSED_POSITIONS, EXECUTION_LIST, ORDER_HISTORY
from .arguments import (
    EXEC_TYPES,
    ORDER_FILTERS,
    ORDER_STATUSES,
    TRANSACTION_TYPES,
    option_split,
    order_ids,
    settle_coin_param,
)
from .ranges import required_category, run_history

__all__ = [
    "borrow_history",
    "closed_options_positions",
    "closed_pnl",
    "delivery_records",
    "executions",
    "order_history",
    "settlement_records",
    "transaction_log",
]


def executions(
    client: Fetcher,
    category: str,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    symbol: str | None = None,
    base_coin: str | None = None,
    settle_coin: str | None = None,
    order_id: str | None = None,
    order_link_id: str | None = None,
    exec_type: str | None = None,
    *,
    refresh: bool = False,
    progress: bool | None = None,
    max_pages: int | None = None,
) -> pd.DataFrame:
    """The account's fills (trade history) over any range up to two years back, in 7-day windows.

    Calls ``/v5/execution/list`` (100 per page, cursor pages inside each window, windows concurrently).

    Parameters
    ----------
    category
        ``"spot"``, ``"linear"``, ``"inverse"`` or ``"option"``.
    start, end
        Range ``[start, end)``: str, datetime, pd.Timestamp or epoch ms; naive times are UTC. Default: the
        7 days before now. More than two years back is refused with ``ValueError``.
    symbol, base_coin, settle_coin, order_id, order_link_id
        Narrow the fills (Bybit's priority: order id, order link id, symbol, base coin). Options without
        a base coin or symbol: each option base coin in turn (BTC, ETH, SOL; Bybit alone would answer BTC).
    exec_type
        ``"Trade"``, ``"AdlTrade"``, ``"Funding"``, ``"BustTrade"``, ``"Delivery"``, ``"Settle"``,
        ``"BlockTrade"``, ``"MovePosition"``, ``"FutureSpread"`` or ``"CorporateAction"``.
    refresh, progress, max_pages
        Ignore cached windows; show a progress bar; refuse plans of more requests than ``max_pages``.

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (``execTime``, ascending; fills of one millisecond in the order they happened);
        columns ``exec_id`` (unique: fills repeated across pages are kept once), ``symbol``, ``side``,
        ``order_id``, ``order_link_id``, ``exec_price``, ``exec_qty``, ``exec_value``, ``exec_fee`` (>0 paid),
        ``fee_rate``, ``fee_currency``, ``exec_type``, ``is_maker`` (bool), ``order_type``, ``order_price``,
        ``order_qty``, ``leaves_qty``, ``closed_size``, ``mark_price``, ``index_price``, ``underlying_price``,
        ``trade_iv``, ``mark_iv`` (options), ``seq`` (Int64), ... ``attrs``: endpoint, category, params
        (with the range), fetched_at, server_time, from_cache, pages.
    """
    checked = required_category(EXECUTION_LIST, category)
    params = {
        "category": checked,
        "symbol": None if symbol is None else check_symbol(symbol, checked),
        "baseCoin": None if base_coin is None else check_coin(base_coin),
        "settleCoin": settle_coin_param(checked, settle_coin),
        **order_ids(order_id, order_link_id),
        "execType": check_choice(exec_type, EXEC_TYPES, "exec_type"),
    }
    kept = {k: v for k, v in params.items() if v is not None}
    split = option_split(checked, kept)
    return run_history(client, EXECUTION_LIST, kept, checked, start, end, refresh, progress, max_pages, split)


def closed_pnl(
    client: Fetcher,
    category: str = "linear",
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    symbol: str | None = None,
    *,
    refresh: bool = False,
    progress: bool | None = None,
    max_pages: int | None = None,
) -> pd.DataFrame:
    """Realised P&L of each closed (or reduced) position over any range up to two years back.

    Calls ``/v5/position/closed-pnl`` (7-day windows, 100 per page).

    Parameters
    ----------
    category
        ``"linear"`` (default) or ``"inverse"``.
    start, end
        Range ``[start, end)``; default the 7 days before now; more than two years back is refused.
    symbol
        One symbol.
    refresh, progress, max_pages
        As for :func:`executions`.

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (``updatedTime``); columns ``symbol``, ``order_id``, ``side``, ``qty``,
        ``order_price``, ``order_type``, ``exec_type``, ``closed_size``, ``cum_entry_value``,
        ``avg_entry_price``, ``cum_exit_value``, ``avg_exit_price``, ``closed_pnl`` (after fees),
        ``open_fee``, ``close_fee``, ``fill_count`` (Int64), ``leverage``, ``created_time``. ``attrs``: as
        for :func:`executions`.
    """
    checked = required_category(CLOSED_PNL, category)
    params = {"category": checked, "symbol": None if symbol is None else check_symbol(symbol, checked)}
    return run_history(client, CLOSED_PNL, params, checked, start, end, refresh, progress, max_pages)


def closed_options_positions(
    client: Fetcher,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    symbol: str | None = None,
    *,
    refresh: bool = False,
    progress: bool | None = None,
    max_pages: int | None = None,
) -> pd.DataFrame:
    """Closed option positions (closed by trading or delivered) over any range up to six months back.

    Calls ``/v5/position/get-closed-positions`` (``category=option``; 7-day windows, 100 per page).

    Parameters
    ----------
    start, end
        Range ``[start, end)``; default the 7 days before now; more than six months back is refused.
    symbol
        One option symbol.
    refresh, progress, max_pages
        As for :func:`executions`.

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (``closeTime``); columns ``symbol``, ``side``, ``qty``, ``avg_entry_price``,
        ``avg_exit_price``, ``delivery_price``, ``total_open_fee``, ``total_close_fee``, ``delivery_fee``,
        ``total_pnl``, ``open_time``. ``attrs``: as for :func:`executions`.
    """
    params = {"category": "option", "symbol": None if symbol is None else check_symbol(symbol, "option")}
    return run_history(client, CLOSED_POSITIONS, params, "option", start, end, refresh, progress, max_pages)


def order_history(
    client: Fetcher,
    category: str,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    symbol: str | None = None,
    base_coin: str | None = None,
    settle_coin: str | None = None,
    order_id: str | None = None,
    order_link_id: str | None = None,
    order_status: str | None = None,
    order_filter: str | None = None,
    *,
    refresh: bool = False,
    progress: bool | None = None,
    max_pages: int | None = None,
) -> pd.DataFrame:
    """Closed and open orders over any range up to two years back (Bybit keeps cancelled orders without
    fills 24 hours, other closed ones 7 days, and beyond that only orders with fills).

    Calls ``/v5/order/history`` (7-day windows, 50 per page).

    Parameters
    ----------
    category
        ``"spot"``, ``"linear"``, ``"inverse"`` or ``"option"``.
    start, end
        Range ``[start, end)``; default the 7 days before now; more than two years back is refused.
    symbol, base_coin, settle_coin, order_id, order_link_id
        Narrow the orders.
    order_status
        ``"New"``, ``"PartiallyFilled"``, ``"Untriggered"``, ``"Rejected"``, ``"PartiallyFilledCanceled"``,
        ``"Filled"``, ``"Cancelled"``, ``"Triggered"`` or ``"Deactivated"``.
    order_filter
        ``"Order"``, ``"StopOrder"``, ``"tpslOrder"``, ``"OcoOrder"`` or ``"BidirectionalTpslOrder"``.
    refresh, progress, max_pages
        As for :func:`executions`.

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (``createdTime``); columns ``order_id`` (unique), ``order_link_id``, ``symbol``,
        ``side``, ``order_type``, ``order_status``, ``price``, ``qty``, ``avg_price``, ``cum_exec_qty``,
        ``cum_exec_value``, ``cum_exec_fee``, ``cum_fee_detail`` (an object), ``time_in_force``,
        ``reduce_only``, ``cancel_type``, ``reject_reason``, ``updated_time``, ... ``attrs``: as for
        :func:`executions`.
    """
    checked = required_category(ORDER_HISTORY, category)
    params = {
        "category": checked,
        "symbol": None if symbol is None else check_symbol(symbol, checked),
        "baseCoin": None if base_coin is None else check_coin(base_coin),
        "settleCoin": settle_coin_param(checked, settle_coin),
        **order_ids(order_id, order_link_id),
        "orderStatus": check_choice(order_status, ORDER_STATUSES, "order_status"),
        "orderFilter": check_choice(order_filter, ORDER_FILTERS, "order_filter"),
    }
    return run_history(client, ORDER_HISTORY, params, checked, start, end, refresh, progress, max_pages)


def transaction_log(
    client: Fetcher,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    category: str | None = None,
    coin: str | None = None,
    type: str | None = None,
    base_coin: str | None = None,
    *,
    classic: bool = False,
    refresh: bool = False,
    progress: bool | None = None,
    max_pages: int | None = None,
) -> pd.DataFrame:
    """Every cash movement of the account over any range up to two years back, in 7-day windows.

    Calls ``/v5/account/transaction-log`` (the unified account's log; ``classic=True``:
    ``/v5/account/contract-transaction-log``, the contract log of classic accounts, which Bybit refuses for
    unified accounts with retCode 100028).

    Parameters
    ----------
    start, end
        Range ``[start, end)``; default the 7 days before now; more than two years back is refused.
    category
        ``"spot"``, ``"linear"``, ``"inverse"`` or ``"option"`` (unified log only).
    coin
        One currency (``currency``).
    type
        The movement's type, e.g. ``"TRADE"``, ``"SETTLEMENT"`` (funding), ``"DELIVERY"``, ``"INTEREST"``,
        ``"TRANSFER_IN"``; Bybit has about a hundred, all upper case.
    base_coin
        One base coin.
    classic
        Read the classic account's contract log instead.
    refresh, progress, max_pages
        As for :func:`executions`.

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (``transactionTime``; rows of one millisecond in the order they were booked);
        columns ``id`` (unique), ``symbol``, ``category``, ``side``, ``type``, ``trans_sub_type``,
        ``currency``, ``qty``, ``size`` (signed position after the event), ``trade_price``, ``cash_flow``,
        ``funding`` (> 0 received), ``fee`` (> 0 paid), ``change`` (= cash_flow + funding - fee),
        ``cash_balance``, ``fee_rate`` (the funding rate for settlements), ``bonus_change``, ``trade_id``,
        ``order_id``, ``order_link_id``, ``extra_fees``. ``attrs``: as for :func:`executions`.
    """
    endpoint = CONTRACT_TRANSACTION_LOG if classic else TRANSACTION_LOG
    checked = None
    if category is not None:
        if classic:
            raise ValueError("the classic contract log takes no category")
        checked = required_category(TRANSACTION_LOG, category)
    kind = type.strip().upper() if isinstance(type, str) else type
    if kind is not None and (not isinstance(kind, str) or not kind.replace("_", "").isalnum()):
        examples = ", ".join(TRANSACTION_TYPES[:4])
        raise ValueError(f"type must be a transaction type such as {examples}, got {type!r}")
    params = {
        "accountType": None if classic else "UNIFIED",
        "category": checked,
        "currency": None if coin is None else check_coin(coin, "coin"),
        "baseCoin": None if base_coin is None else check_coin(base_coin),
        "type": kind,
    }
    return run_history(client, endpoint, params, checked, start, end, refresh, progress, max_pages)


def borrow_history(
    client: Fetcher,
    currency: str | None = None,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    *,
    refresh: bool = False,
    progress: bool | None = None,
    max_pages: int | None = None,
) -> pd.DataFrame:
    """Hourly interest charged on borrowed coins, over any range up to two years back, in 30-day windows.

    Calls ``/v5/account/borrow-history`` (50 per page).

    Parameters
    ----------
    currency
        One coin; every borrowed coin when omitted.
    start, end
        Range ``[start, end)``; default the 30 days before now; more than two years back is refused.
    refresh, progress, max_pages
        As for :func:`executions`.

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (``createdTime``); columns ``currency``, ``borrow_cost`` (the interest charged),
        ``hourly_borrow_rate``, ``interest_bearing_borrow_size``, ``cost_exemption``, ``borrow_amount``,
        ``unrealised_loss``, ``free_borrowed_amount``. ``attrs``: as for :func:`executions`.
    """
    params = {"currency": None if currency is None else check_coin(currency, "currency")}
    return run_history(client, BORROW_HISTORY, params, None, start, end, refresh, progress, max_pages)


def delivery_records(
    client: Fetcher,
    category: str,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    symbol: str | None = None,
    exp_date: Any = None,
    *,
    refresh: bool = False,
    progress: bool | None = None,
    max_pages: int | None = None,
) -> pd.DataFrame:
    """Deliveries of the account's expired futures and options, over any range up to two years back.

    Calls ``/v5/asset/delivery-record`` (30-day windows, 50 per page).

    Parameters
    ----------
    category
        ``"linear"``, ``"inverse"`` or ``"option"``.
    start, end
        Range ``[start, end)``; default the 30 days before now; more than two years back is refused.
    symbol
        One symbol.
    exp_date
        One expiry: a code like ``"27DEC24"`` or a date.
    refresh, progress, max_pages
        As for :func:`executions`.

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (``deliveryTime``); columns ``symbol``, ``side``, ``position``, ``entry_price``,
        ``delivery_price``, ``strike``, ``fee``, ``delivery_rpl`` (realised P&L of the delivery). ``attrs``:
        as for :func:`executions`.
    """
    checked = required_category(DELIVERY_RECORD, category)
    params = {
        "category": checked,
        "symbol": None if symbol is None else check_symbol(symbol, checked),
        "expDate": None if exp_date is None else check_exp_date(exp_date, "exp_date"),
    }
    return run_history(client, DELIVERY_RECORD, params, checked, start, end, refresh, progress, max_pages)


def settlement_records(
    client: Fetcher,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    symbol: str | None = None,
    *,
    refresh: bool = False,
    progress: bool | None = None,
    max_pages: int | None = None,
) -> pd.DataFrame:
    """The 8-hour session settlements of USDC perpetuals and futures, over any range up to two years back.

    Calls ``/v5/asset/settlement-record`` (``category=linear``; 30-day windows, 50 per page).

    Parameters
    ----------
    start, end
        Range ``[start, end)``; default the 30 days before now; more than two years back is refused.
    symbol
        One USDC contract, e.g. ``"BTCPERP"``.
    refresh, progress, max_pages
        As for :func:`executions`.

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (``createdTime``); columns ``symbol``, ``side``, ``size``, ``session_avg_price``,
        ``mark_price``, ``realised_pnl``. ``attrs``: as for :func:`executions`.
    """
    params = {"category": "linear", "symbol": None if symbol is None else check_symbol(symbol, "linear")}
    return run_history(client, SETTLEMENT_RECORD, params, "linear", start, end, refresh, progress, max_pages)
