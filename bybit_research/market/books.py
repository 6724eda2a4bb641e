"""The order book's other views: with the RPI (retail price improvement) quotes, and at full depth."""

from __future__ import annotations

import pandas as pd

from ..core.fetcher import Fetcher
from ..endpoints.checks import check_symbol
from ..endpoints.snapshots import FULL_ORDERBOOK, RPI_ORDERBOOK
from ..fetch import Query, run

__all__ = ["full_orderbook", "rpi_orderbook"]


def rpi_orderbook(
    client: Fetcher, symbol: str, category: str = "linear", limit: int = 50, *, refresh: bool = False
) -> pd.DataFrame:
    """An order-book snapshot with the RPI quotes, as a frame of price levels.

    Calls ``/v5/market/rpi_orderbook`` (levels ``[price, nonRpiSize, rpiSize]``).

    Parameters
    ----------
    symbol
        E.g. ``"BTCUSDT"``.
    category
        ``"linear"`` (default), ``"inverse"`` or ``"spot"``.
    limit
        Levels per side, 1-50 (Bybit requires it; default 50, the most).
    refresh
        Accepted for symmetry; order books are never cached.

    Returns
    -------
    pandas.DataFrame
        The shape of :func:`~bybit_research.market.snapshots.orderbook`: RangeIndex; ``side`` (``"bid"``
        then ``"ask"``), ``price``, ``size`` (the non-RPI size: what ``orderbook`` shows at that price),
        ``level`` (Int64, 1 = best) and ``rpi_size`` (float64, the RPI quotes' size; 0 where none). Bids
        descend from the best bid, asks ascend from the best ask. ``attrs``: endpoint, category, params,
        fetched_at, from_cache, symbol, ``ts``, ``u``, ``seq``, ``cts`` (times as ISO 8601 UTC text).
    """
    checked = RPI_ORDERBOOK.check_category(category)
    params = {"category": checked, "symbol": check_symbol(symbol, checked)}
    allowed = RPI_ORDERBOOK.limit_range(checked)
    if limit is None and allowed is not None:  # Bybit requires it
        raise ValueError(
            f"limit must be an integer in [{allowed.lo}, {allowed.hi}] (required by {RPI_ORDERBOOK.path})"
        )
    checked_limit = RPI_ORDERBOOK.check_limit(limit, checked)
    return run(client, Query(RPI_ORDERBOOK, params, checked, limit=checked_limit, refresh=refresh))


def full_orderbook(
    client: Fetcher, symbol: str, category: str = "linear", *, refresh: bool = False
) -> pd.DataFrame:
    """The whole order book (up to 10,000 levels per side, RPI quotes excluded) as a frame of price levels.

    Calls ``/v5/market/full_orderbook`` (Bybit serves spot on mainnet; futures from testnet first).

    Parameters
    ----------
    symbol
        E.g. ``"BTCUSDT"``.
    category
        ``"linear"`` (default), ``"inverse"`` or ``"spot"``.
    refresh
        Accepted for symmetry; order books are never cached.

    Returns
    -------
    pandas.DataFrame
        The shape of :func:`~bybit_research.market.snapshots.orderbook`: RangeIndex; ``side``, ``price``,
        ``size`` (float64), ``level`` (Int64, 1 = best); bids descending, then asks ascending. ``attrs``:
        endpoint, category, params, fetched_at, from_cache, symbol, ``ts``, ``u``, ``seq``, ``cts``.
    """
    checked = FULL_ORDERBOOK.check_category(category)
    params = {"category": checked, "symbol": check_symbol(symbol, checked)}
    return run(client, Query(FULL_ORDERBOOK, params, checked, refresh=refresh))
