"""The ADL (auto-deleveraging) alert: each contract's insurance-pool state and whether ADL's trigger holds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.fetcher import Fetcher
from ..endpoints.checks import category_of_symbol, check_symbol
from ..endpoints.reference import ADL_ALERT
from ..fetch import Query, run

__all__ = ["adl_alert"]


def adl_alert(client: Fetcher, symbol: str | None = None, *, refresh: bool = False) -> pd.DataFrame:
    """The ADL state of every contract of the insurance pools, with whether ADL's trigger condition holds.

    Calls ``/v5/market/adlAlert`` (Bybit updates it every minute).

    Parameters
    ----------
    symbol
        One linear or inverse contract (``"BTCUSDT"``); every contract of the pools when omitted.
    refresh
        Ignore a cached answer (cached for 30 s).

    Returns
    -------
    pandas.DataFrame
        Index ``symbol``; columns ``coin`` (the pool's coin), float64 ``balance`` (the pool's balance; a
        shared pool's refreshes daily at 00:00 UTC), ``max_balance`` (deprecated: NaN),
        ``insurance_pnl_ratio`` (the drawdown ratio that triggers ADL, e.g. -0.3), ``pnl_ratio`` (the
        contract's drawdown ratio over the last 8 hours), ``adl_trigger_threshold`` (the pool balance
        above which the drawdown trigger applies), ``adl_stop_ratio`` (ADL stops above it, e.g. -0.25),
        ``update_time`` (``datetime64[ms, UTC]``: Bybit's ``updateTime``, or ``updatedTime`` as its
        example names it) and ``adl_triggered`` (bool): the documented trigger, ``balance >
        adl_trigger_threshold and pnl_ratio < insurance_pnl_ratio``, or the pool's balance at or below 0
        (a snapshot cannot tell whether an ADL that started is still running until ``pnl_ratio >
        adl_stop_ratio``). ``attrs``: endpoint, params, fetched_at, server_time, from_cache.
    """
    params = {}
    if symbol is not None:
        checked = check_symbol(symbol, None)
        if category_of_symbol(checked) == "option":
            raise ValueError(
                f"symbol {symbol!r} is an option; the ADL alert covers linear and inverse contracts "
                "(e.g. 'BTCUSDT', 'BTCUSD')"
            )
        params["symbol"] = checked
    frame = run(client, Query(ADL_ALERT, params, refresh=refresh))
    # the docs' table says updateTime, their example updatedTime: one column, whichever was sent
    frame["update_time"] = frame["update_time"].fillna(frame.pop("updated_time"))
    balance = frame["balance"].to_numpy()
    drawdown = (balance > frame["adl_trigger_threshold"].to_numpy()) & (
        frame["pnl_ratio"].to_numpy() < frame["insurance_pnl_ratio"].to_numpy()
    )
    frame["adl_triggered"] = np.asarray(drawdown | (balance <= 0), dtype=bool)
    return frame
