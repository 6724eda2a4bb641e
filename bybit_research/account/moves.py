"""Positions moved between accounts by block trades, over any range up to two years back."""

from __future__ import annotations

import pandas as pd

from ..core.fetcher import Fetcher
from ..core.time import TimeLike
from ..endpoints.checks import check_choice, check_symbol
from ..endpoints.trade import MOVE_POSITION_HISTORY
from .arguments import check_identifier
from .ranges import run_history

__all__ = ["MOVE_STATUSES", "move_position_history"]

#: the ``status`` values of a position move
MOVE_STATUSES = ("Processing", "Filled", "Rejected")


def move_position_history(
    client: Fetcher,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    category: str | None = None,
    symbol: str | None = None,
    status: str | None = None,
    block_trade_id: str | None = None,
    *,
    refresh: bool = False,
    progress: bool | None = None,
    max_pages: int | None = None,
) -> pd.DataFrame:
    """The account's position moves (block trades moving positions between UIDs) over any range up to two
    years back, in 7-day windows.

    Calls ``/v5/position/move-history`` (200 per page, cursor pages inside each window; Bybit answers a
    master account's key).

    Parameters
    ----------
    start, end
        Range ``[start, end)`` of the moves' creation: str, datetime, pd.Timestamp or epoch ms; naive times
        are UTC. Default: the 7 days before now. More than two years back is refused with ``ValueError``.
    category
        ``"linear"``, ``"inverse"``, ``"spot"`` or ``"option"``; every category when omitted.
    symbol
        One symbol.
    status
        ``"Processing"``, ``"Filled"`` or ``"Rejected"``.
    block_trade_id
        One block trade.
    refresh, progress, max_pages
        Ignore cached windows; show a progress bar; refuse plans of more requests than ``max_pages``.

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (``createdAt``, ascending); columns ``block_trade_id``, ``category``, ``order_id``,
        ``user_id``, ``symbol``, ``side`` (the taker's), ``price``, ``qty``, ``exec_fee`` (float64),
        ``status``, ``exec_id``, ``result_code`` (Int64, 0 = success), ``result_message``, ``updated_at``
        (``datetime64[ms, UTC]``), ``reject_party`` (``Taker``, ``Maker``, ``bybit``; empty when filled).
        ``attrs``: endpoint, category, params (with the range), fetched_at, server_time, from_cache, pages.
    """
    checked = None if category is None else MOVE_POSITION_HISTORY.check_category(category)
    params = {
        "category": checked,
        "symbol": None if symbol is None else check_symbol(symbol, checked),
        "status": check_choice(status, MOVE_STATUSES, "status"),
        "blockTradeId": None
        if block_trade_id is None
        else check_identifier(block_trade_id, "block_trade_id"),
    }
    return run_history(
        client, MOVE_POSITION_HISTORY, params, checked, start, end, refresh, progress, max_pages
    )
