"""An upgraded account's history from before its upgrade to the unified account: orders, executions, closed
P&L, the USDC derivatives log, option deliveries and USDC session settlements.

Orders, executions and closed P&L are read in 7-day windows over any range up to two years back, like their
unified twins; the log, deliveries and settlements page by cursor (Bybit documents no window for them). An
account opened as a unified account has none of this history: every frame is empty, with its columns.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..core.fetcher import Fetcher
from ..core.time import TimeLike, checked_range
from ..endpoints.checks import check_choice, check_coin, check_exp_date, check_symbol
from ..endpoints.pre_upgrade import (
    PRE_UPGRADE_CLOSED_PNL,
    PRE_UPGRADE_DELIVERY_RECORD,
    PRE_UPGRADE_EXECUTIONS,
    PRE_UPGRADE_ORDER_HISTORY,
    PRE_UPGRADE_SETTLEMENT_RECORD,
    PRE_UPGRADE_TRANSACTION_LOG,
)
from ..fetch import Query, run
from .arguments import EXEC_TYPES, ORDER_STATUSES, TRANSACTION_TYPES, order_ids
from .ranges import required_category, run_history

__all__ = [
    "PRE_UPGRADE_ORDER_FILTERS",
    "pre_upgrade_closed_pnl",
    "pre_upgrade_delivery_records",
    "pre_upgrade_executions",
    "pre_upgrade_order_history",
    "pre_upgrade_settlement_records",
    "pre_upgrade_transaction_log",
]

#: ``orderFilter`` values of the pre-upgrade order history (active and conditional orders)
PRE_UPGRADE_ORDER_FILTERS = ("Order", "StopOrder")


def pre_upgrade_order_history(
    client: Fetcher,
    category: str,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    symbol: str | None = None,
    base_coin: str | None = None,
    order_id: str | None = None,
    order_link_id: str | None = None,
    order_status: str | None = None,
    order_filter: str | None = None,
    *,
    refresh: bool = False,
    progress: bool | None = None,
    max_pages: int | None = None,
) -> pd.DataFrame:
    """Orders from before the account's upgrade, over any range up to two years back, in 7-day windows.

    Calls ``/v5/pre-upgrade/order/history`` (50 per page).

    Parameters
    ----------
    category
        ``"linear"``, ``"inverse"``, ``"option"`` or ``"spot"``.
    start, end
        Range ``[start, end)``: str, datetime, pd.Timestamp or epoch ms; naive times are UTC. Default: the
        7 days before now.
    symbol, base_coin, order_id, order_link_id
        Narrow the orders (Bybit lists USDT contracts without a symbol; USDC perpetuals need one).
    order_status
        As for :func:`~bybit_research.account.history.order_history` (not for spot).
    order_filter
        ``"Order"`` (active orders) or ``"StopOrder"`` (conditional ones).
    refresh, progress, max_pages
        Ignore cached windows; show a progress bar; refuse plans of more requests than ``max_pages``.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`~bybit_research.account.history.order_history`: index ``time``
        (``createdTime``), ``order_id`` (unique), ``symbol``, ``side``, ``price``, ``qty``, ``order_status``,
        ... ``attrs``: endpoint, category, params (with the range), fetched_at, server_time, from_cache,
        pages.
    """
    checked = required_category(PRE_UPGRADE_ORDER_HISTORY, category)
    if order_status is not None and checked == "spot":
        raise ValueError(
            "order_status is not for category='spot'; allowed with 'linear', 'inverse', 'option'"
        )
    params = {
        "category": checked,
        "symbol": None if symbol is None else check_symbol(symbol, checked),
        "baseCoin": None if base_coin is None else check_coin(base_coin),
        **order_ids(order_id, order_link_id),
        "orderStatus": check_choice(order_status, ORDER_STATUSES, "order_status"),
        "orderFilter": check_choice(order_filter, PRE_UPGRADE_ORDER_FILTERS, "order_filter"),
    }
    endpoint = PRE_UPGRADE_ORDER_HISTORY
    return run_history(client, endpoint, params, checked, start, end, refresh, progress, max_pages)


def pre_upgrade_executions(
    client: Fetcher,
    category: str,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    symbol: str | None = None,
    base_coin: str | None = None,
    order_id: str | None = None,
    order_link_id: str | None = None,
    exec_type: str | None = None,
    *,
    refresh: bool = False,
    progress: bool | None = None,
    max_pages: int | None = None,
) -> pd.DataFrame:
    """Fills from before the account's upgrade, over any range up to two years back, in 7-day windows.

    Calls ``/v5/pre-upgrade/execution/list`` (100 per page).

    Parameters
    ----------
    category
        ``"linear"``, ``"inverse"`` or ``"option"``.
    start, end
        Range ``[start, end)``; default the 7 days before now.
    symbol, base_coin, order_id, order_link_id
        Narrow the fills (Bybit's priority: order id, order link id, symbol, base coin).
    exec_type
        As for :func:`~bybit_research.account.history.executions`.
    refresh, progress, max_pages
        As for :func:`pre_upgrade_order_history`.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`~bybit_research.account.history.executions`: index ``time`` (``execTime``),
        ``exec_id`` (unique), ``symbol``, ``side``, ``exec_price``, ``exec_qty``, ``exec_fee``, ... ``attrs``:
        as for :func:`pre_upgrade_order_history`.
    """
    checked = required_category(PRE_UPGRADE_EXECUTIONS, category)
    params = {
        "category": checked,
        "symbol": None if symbol is None else check_symbol(symbol, checked),
        "baseCoin": None if base_coin is None else check_coin(base_coin),
        **order_ids(order_id, order_link_id),
        "execType": check_choice(exec_type, EXEC_TYPES, "exec_type"),
    }
    endpoint = PRE_UPGRADE_EXECUTIONS
    return run_history(client, endpoint, params, checked, start, end, refresh, progress, max_pages)


def pre_upgrade_closed_pnl(
    client: Fetcher,
    symbol: str,
    category: str = "linear",
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    *,
    refresh: bool = False,
    progress: bool | None = None,
    max_pages: int | None = None,
) -> pd.DataFrame:
    """Closed P&L of one contract from before the account's upgrade, over any range up to two years back.

    Calls ``/v5/pre-upgrade/position/closed-pnl`` (7-day windows, 100 per page; Bybit requires the symbol).

    Parameters
    ----------
    symbol
        E.g. ``"BTCUSDT"``.
    category
        ``"linear"`` (default) or ``"inverse"``.
    start, end
        Range ``[start, end)``; default the 7 days before now.
    refresh, progress, max_pages
        As for :func:`pre_upgrade_order_history`.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`~bybit_research.account.history.closed_pnl`: index ``time`` (``updatedTime``),
        ``symbol``, ``order_id``, ``side``, ``closed_size``, ``avg_entry_price``, ``avg_exit_price``,
        ``closed_pnl``, ... ``attrs``: as for :func:`pre_upgrade_order_history`.
    """
    checked = required_category(PRE_UPGRADE_CLOSED_PNL, category)
    params = {"category": checked, "symbol": check_symbol(symbol, checked)}
    endpoint = PRE_UPGRADE_CLOSED_PNL
    return run_history(client, endpoint, params, checked, start, end, refresh, progress, max_pages)


def pre_upgrade_transaction_log(
    client: Fetcher,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    category: str | None = None,
    base_coin: str | None = None,
    type: str | None = None,
    *,
    refresh: bool = False,
    progress: bool | None = None,
) -> pd.DataFrame:
    """The USDC derivatives wallet's log (USDC perpetuals and options) from before the account's upgrade.

    Calls ``/v5/pre-upgrade/account/transaction-log`` (cursor pages of 50; the range is sent as it is,
    Bybit documents no window for it).

    Parameters
    ----------
    start, end
        Range ``[start, end)`` of the records; Bybit's default when omitted.
    category
        ``"linear"`` or ``"option"``.
    base_coin
        E.g. ``"BTC"`` (of ``BTCPERP``).
    type
        The movement's type, e.g. ``"TRADE"``, ``"SETTLEMENT"``, ``"DELIVERY"`` (upper case).
    refresh, progress
        Ignore cached pages; show a progress bar.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`~bybit_research.account.history.transaction_log`: index ``time``
        (``transactionTime``, ascending), ``symbol``, ``category``, ``side``, ``type``, ``currency``,
        ``qty``, ``size``, ``trade_price``, ``cash_flow``, ``funding``, ``fee``, ``change``,
        ``cash_balance``, ``fee_rate``, ... ``attrs``: endpoint, category, params, fetched_at, server_time,
        from_cache, pages.
    """
    checked = None if category is None else PRE_UPGRADE_TRANSACTION_LOG.check_category(category)
    kind = type.strip().upper() if isinstance(type, str) else type
    if kind is not None and (not isinstance(kind, str) or not kind.replace("_", "").isalnum()):
        examples = ", ".join(TRANSACTION_TYPES[:4])
        raise ValueError(f"type must be a transaction type such as {examples}, got {type!r}")
    start_ms, end_ms = checked_range(start, end)
    params = {
        "category": checked,
        "baseCoin": None if base_coin is None else check_coin(base_coin),
        "type": kind,
        "startTime": start_ms,
        "endTime": None if end_ms is None else end_ms - 1,  # V5's end is inclusive
    }
    kept = {k: v for k, v in params.items() if v is not None}
    query = Query(PRE_UPGRADE_TRANSACTION_LOG, kept, checked, refresh=refresh, progress=progress)
    return run(client, query)


def pre_upgrade_delivery_records(
    client: Fetcher,
    symbol: str | None = None,
    exp_date: Any = None,
    *,
    refresh: bool = False,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Option deliveries from before the account's upgrade (every cursor page).

    Calls ``/v5/pre-upgrade/asset/delivery-record`` (``category=option``; 50 per page, no time range).

    Parameters
    ----------
    symbol
        One option symbol.
    exp_date
        One expiry: a code like ``"25MAR22"`` or a date.
    refresh, progress
        Ignore cached pages; show a progress bar.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`~bybit_research.account.history.delivery_records`: index ``time``
        (``deliveryTime``, ascending), ``symbol``, ``side``, ``position``, ``delivery_price``, ``strike``,
        ``fee``, ``delivery_rpl``. ``attrs``: endpoint, category, params, fetched_at, server_time,
        from_cache, pages.
    """
    params = {
        "category": "option",
        "symbol": None if symbol is None else check_symbol(symbol, "option"),
        "expDate": None if exp_date is None else check_exp_date(exp_date, "exp_date"),
    }
    kept = {k: v for k, v in params.items() if v is not None}
    query = Query(PRE_UPGRADE_DELIVERY_RECORD, kept, "option", refresh=refresh, progress=progress)
    return run(client, query)


def pre_upgrade_settlement_records(
    client: Fetcher, symbol: str | None = None, *, refresh: bool = False, progress: bool | None = None
) -> pd.DataFrame:
    """USDC perpetual session settlements from before the account's upgrade (every cursor page).

    Calls ``/v5/pre-upgrade/asset/settlement-record`` (``category=linear``; 50 per page, no time range).

    Parameters
    ----------
    symbol
        One USDC contract, e.g. ``"BTCPERP"``.
    refresh, progress
        Ignore cached pages; show a progress bar.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`~bybit_research.account.history.settlement_records`: index ``time``
        (``createdTime``, ascending), ``symbol``, ``side``, ``size``, ``session_avg_price``, ``mark_price``,
        ``realised_pnl``. ``attrs``: endpoint, category, params, fetched_at, server_time, from_cache, pages.
    """
    params: dict[str, Any] = {"category": "linear"}
    if symbol is not None:
        params["symbol"] = check_symbol(symbol, "linear")
    query = Query(PRE_UPGRADE_SETTLEMENT_RECORD, params, "linear", refresh=refresh, progress=progress)
    return run(client, query)
