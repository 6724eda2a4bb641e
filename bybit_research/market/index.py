"""The components of an index price: the spot prices of the exchanges it averages, with their weights."""

from __future__ import annotations

import pandas as pd

from ..core.fetcher import Fetcher
from ..endpoints.checks import check_index_name
from ..endpoints.reference import INDEX_PRICE_COMPONENTS
from ..fetch import Query, run

__all__ = ["index_price_components"]


def index_price_components(client: Fetcher, index_name: str, *, refresh: bool = False) -> pd.DataFrame:
    """The exchanges an index price is computed from: one row per component, with its weight and prices.

    Calls ``/v5/market/index-price-components``.

    Parameters
    ----------
    index_name
        A coin followed by the quote of the contracts using the index: ``"BTCUSDT"`` (USDT contracts),
        ``"BTCUSDC"`` (USDC contracts), ``"BTCUSD"`` (inverse contracts); any case.
    refresh
        Ignore a cached answer (cached for 3 s).

    Returns
    -------
    pandas.DataFrame
        Index ``exchange``; columns ``spot_pair`` (str, the pair on that exchange), ``equivalent_price``
        (in the index's quote), ``multiplier``, ``price`` (as quoted there), ``weight`` (float64; the
        weights sum to 1, and ``(weight * equivalent_price).sum()`` is the index price), and the index's own
        ``index_name``, ``last_price`` (the index price, float64) and ``update_time`` (``datetime64[ms,
        UTC]``) on every row. ``attrs``: endpoint, params, fetched_at, server_time, from_cache.
    """
    params = {"indexName": check_index_name(index_name)}
    return run(client, Query(INDEX_PRICE_COMPONENTS, params, refresh=refresh))
