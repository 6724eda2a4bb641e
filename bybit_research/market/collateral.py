"""Spot-margin tiered collateral ratios: how much of each coin's value counts as collateral, tier by tier."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.fetcher import Fetcher
from ..endpoints.checks import check_coin
from ..endpoints.reference import TIERED_COLLATERAL
from ..fetch import Query, run

__all__ = ["collateral_tiers"]


def collateral_tiers(client: Fetcher, currency: str | None = None, *, refresh: bool = False) -> pd.DataFrame:
    """The tiered collateral value ratios of each coin (margin balance and portfolio-margin equity use them).

    Calls ``/v5/spot-margin-trade/collateral`` (public: no key needed).

    Parameters
    ----------
    currency
        One coin (``"BTC"``); every coin when omitted.
    refresh
        Ignore a cached answer (cached for an hour).

    Returns
    -------
    pandas.DataFrame
        Index ``currency`` (one row per tier, smallest first, so not unique); float64 columns ``min_qty``,
        ``max_qty`` (the open-ended last tier, which Bybit sends as "", is ``inf``) and
        ``collateral_ratio`` (the fraction of the value in ``[min_qty, max_qty)`` that counts).
        ``attrs``: endpoint, params, fetched_at, server_time, from_cache.
    """
    params = {} if currency is None else {"currency": check_coin(currency, "currency")}
    frame = run(client, Query(TIERED_COLLATERAL, params, refresh=refresh))
    # "" is the documented "no upper bound" of the last tier (a coin listed without tiers keeps NaN)
    open_ended = frame["max_qty"].isna() & frame["min_qty"].notna()
    frame["max_qty"] = np.where(open_ended, np.inf, frame["max_qty"].to_numpy())
    return frame
