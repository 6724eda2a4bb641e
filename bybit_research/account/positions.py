"""What the account holds now: open positions and open (or recently closed) orders, across every cursor page
and, for linear contracts, both settle coins."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..core.fetcher import Fetcher
from ..endpoints.checks import check_choice, check_coin, check_symbol
from ..endpoints.trade import ORDER_REALTIME, POSITION_LIST
from ..fetch import Query, run
from .arguments import (
    ORDER_FILTERS,
    check_identifier,
    refuse_spot_settle_coin,
    settle_coin_param,
    settle_split,
)

__all__ = ["orders", "positions"]


def positions(
    client: Fetcher,
    category: str = "linear",
    symbol: str | None = None,
    settle_coin: str | None = None,
    base_coin: str | None = None,
    *,
    refresh: bool = False,
) -> pd.DataFrame:
    """Every open position of a category, across cursor pages (200 per page) and settle coins.

    Calls ``/v5/position/list`` (linear without ``symbol`` or ``settle_coin``: once for USDT and once for
    USDC, as Bybit needs one of them).

    Parameters
    ----------
    category
        ``"linear"`` (default), ``"inverse"`` or ``"option"``.
    symbol
        One symbol (its row is returned even when flat).
    settle_coin
        ``"USDT"`` or ``"USDC"`` for linear; the settle coin of options.
    base_coin
        Options only: one base coin.
    refresh
        Ignore a cached answer (private answers are cached only with ``cache_private=True``).

    Returns
    -------
    pandas.DataFrame
        Index ``symbol`` (hedge-mode accounts have two rows per symbol); columns ``category``,
        ``position_idx`` (Int64: 0 one-way, 1 buy side, 2 sell side of hedge mode), ``side`` (``Buy``/
        ``Sell``; empty when flat), ``size`` (>= 0), ``avg_price``, ``position_value``, ``mark_price``,
        ``liq_price``, ``break_even_price``, ``leverage``, ``position_im``, ``position_mm`` (NaN in
        portfolio-margin mode), ``unrealised_pnl``, ``cur_realised_pnl``, ``cum_realised_pnl``, ``delta,
        gamma, vega, theta`` (options; per position), ``take_profit``, ``stop_loss``, ``created_time``,
        ``updated_time``, ... (every field Bybit sends). ``attrs``: endpoint, category, params, fetched_at,
        server_time, from_cache, pages.
    """
    checked = POSITION_LIST.check_category(category)
    assert checked is not None
    params: dict[str, Any] = {"category": checked}
    if symbol is not None:
        params["symbol"] = check_symbol(symbol, checked)
    if base_coin is not None:
        if checked != "option":
            # /v5/position/list takes baseCoin for options only; linear lists need symbol or settleCoin
            raise ValueError(
                f"base_coin is for category='option' only; with {checked!r} pass symbol="
                + (" or settle_coin=" if checked == "linear" else " (inverse lists every position)")
            )
        params["baseCoin"] = check_coin(base_coin)
    split = settle_split(checked, params, settle_coin)
    return run(client, Query(POSITION_LIST, params, checked, split=split, refresh=refresh))


def orders(
    client: Fetcher,
    category: str = "linear",
    symbol: str | None = None,
    base_coin: str | None = None,
    settle_coin: str | None = None,
    order_id: str | None = None,
    order_link_id: str | None = None,
    open_only: bool = True,
    order_filter: str | None = None,
    *,
    refresh: bool = False,
) -> pd.DataFrame:
    """Open orders (or the 500 most recent closed ones), across cursor pages and settle coins.

    Calls ``/v5/order/realtime`` (linear without ``symbol``, ``base_coin`` or ``settle_coin``: once for
    USDT and once for USDC).

    Parameters
    ----------
    category
        ``"linear"`` (default), ``"inverse"``, ``"spot"`` or ``"option"``.
    symbol, base_coin, settle_coin
        Narrow the list (linear needs one; both settle coins are asked when none is given).
    order_id, order_link_id
        One order.
    open_only
        ``True`` (default): open orders; ``False``: up to the 500 most recent closed ones too (Bybit's
        ``openOnly=1``; lost when Bybit restarts a service).
    order_filter
        ``"Order"``, ``"StopOrder"``, ``"tpslOrder"``, ``"OcoOrder"`` or ``"BidirectionalTpslOrder"``.
    refresh
        Ignore a cached answer.

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (``createdTime``, ascending); columns ``order_id, order_link_id, symbol, side,
        order_type, order_status, price, qty, leaves_qty, cum_exec_qty, cum_exec_value, avg_price,
        time_in_force, trigger_price, take_profit, stop_loss, reduce_only, updated_time, ...`` (every field
        Bybit sends; ``cum_fee_detail`` kept as an object). ``attrs``: endpoint, category, params,
        fetched_at, server_time, from_cache, pages.
    """
    checked = ORDER_REALTIME.check_category(category)
    assert checked is not None
    refuse_spot_settle_coin(checked, settle_coin)
    params: dict[str, Any] = {"category": checked, "openOnly": 0 if open_only else 1}
    if symbol is not None:
        params["symbol"] = check_symbol(symbol, checked)
    if base_coin is not None:
        params["baseCoin"] = check_coin(base_coin)
    if order_id is not None:
        params["orderId"] = check_identifier(order_id, "order_id")
    if order_link_id is not None:
        params["orderLinkId"] = check_identifier(order_link_id, "order_link_id")
    params["orderFilter"] = check_choice(order_filter, ORDER_FILTERS, "order_filter")
    params = {k: v for k, v in params.items() if v is not None}
    split = (
        None if "orderId" in params or "orderLinkId" in params else settle_split(checked, params, settle_coin)
    )
    if split is None and settle_coin is not None and "settleCoin" not in params:
        params["settleCoin"] = settle_coin_param(checked, settle_coin)
    return run(client, Query(ORDER_REALTIME, params, checked, split=split, refresh=refresh))
