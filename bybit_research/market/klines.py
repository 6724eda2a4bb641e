"""Candles of every price flavour (last, mark, index, premium index), one symbol or many."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..core.fetcher import Fetcher
from ..core.time import TimeLike, checked_range
from ..endpoints import Endpoint
from ..endpoints.checks import check_count, check_interval, check_symbols
from ..endpoints.series import INDEX_PRICE_KLINE, KLINE, MARK_PRICE_KLINE, PREMIUM_INDEX_PRICE_KLINE
from ..fetch import Query, Split, run

__all__ = ["PRICE_FLAVOURS", "kline_endpoint", "klines"]

#: ``price=`` of :func:`klines` -> endpoint
PRICE_FLAVOURS: dict[str, Endpoint] = {
    "last": KLINE,
    "mark": MARK_PRICE_KLINE,
    "index": INDEX_PRICE_KLINE,
    "premium": PREMIUM_INDEX_PRICE_KLINE,
}


def kline_endpoint(price: object, category: object) -> tuple[Endpoint, str]:
    """Return the kline endpoint of a price flavour and the checked category (``ValueError`` if refused)."""
    endpoint = PRICE_FLAVOURS.get(price.strip().lower()) if isinstance(price, str) else None
    if endpoint is None:
        raise ValueError(f"price {price!r} is not valid; allowed: {', '.join(map(repr, PRICE_FLAVOURS))}")
    if category is not None and not isinstance(category, str):
        raise ValueError(f"category must be a string, got {category!r}")
    checked = category.strip().lower() if isinstance(category, str) else category
    if checked not in endpoint.categories:
        raise ValueError(
            f"price={price!r} klines ({endpoint.path}) are not available for category {category!r}; "
            f"allowed: {', '.join(map(repr, endpoint.categories))}"
        )
    return endpoint, checked


def klines(
    client: Fetcher,
    symbol: str | Sequence[str],
    interval: str | int,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    category: str = "linear",
    price: str = "last",
    limit: int | None = None,
    *,
    refresh: bool = False,
    progress: bool | None = None,
    max_pages: int | None = None,
) -> pd.DataFrame:
    """Candles of one or many symbols over any range, paged and cached in aligned windows.

    Calls ``/v5/market/kline`` (``price="last"``), ``/v5/market/mark-price-kline`` (``"mark"``),
    ``/v5/market/index-price-kline`` (``"index"``) or ``/v5/market/premium-index-price-kline``
    (``"premium"``).

    Parameters
    ----------
    symbol
        A symbol (``"BTCUSDT"``) or a list of symbols (fetched together into one tidy frame).
    interval
        ``1 3 5 15 30 60 120 240 360 720`` (minutes, int or str), ``"D"``, ``"W"`` (weeks start Monday
        00:00 UTC) or ``"M"`` (calendar months); aliases such as ``"1m"``, ``"15min"``, ``"1h"``, ``"4h"``,
        ``"1d"``, ``"1w"`` and ``"1M"`` (a month) are accepted.
    start, end
        Range ``[start, end)``: str, datetime, pd.Timestamp or epoch ms; naive times are UTC. ``end``
        defaults to now (the still-open candle included); ``start`` defaults to ``limit`` candles before
        ``end``.
    category
        ``"linear"`` (default), ``"inverse"``, ``"spot"`` (last only) or ``"option"`` (mark only); any case.
    price
        ``"last"`` (traded), ``"mark"`` (not spot), ``"index"`` (not spot) or ``"premium"`` (linear only).
    limit
        Number of candles: the last ``limit`` before ``end`` when ``start`` is None (default 200),
        otherwise the first ``limit`` from ``start``.
    refresh
        Ignore cached pages and fetch again.
    progress
        Show a progress bar (``None``: only when more than 20 pages are needed).
    max_pages
        Refuse (``ValueError``, before any request) a call that needs more pages than this (default 10 000,
        about 19 years of 1-minute candles of one symbol).

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (candle start, ``datetime64[ms, UTC]``, ascending, unique); for a list of symbols a
        MultiIndex ``(time, symbol)``. Columns ``open, high, low, close`` (float64), ``volume, turnover``
        (float64, last price only; linear/spot volume in base coin, inverse in contracts) and ``closed``
        (bool, False for the still-open candle). ``attrs``: endpoint, category, params (with ``price``),
        fetched_at, server_time, from_cache, pages, gaps (missing candles between the first and last, as
        ``[first missing, next present]`` ISO times; per symbol for a list), and ``starts_later`` when the
        range asked for starts before the exchange's first candle (a warning says so too).
    """
    endpoint, checked = kline_endpoint(price, category)
    code, step = check_interval(interval, endpoint)
    symbols, many = check_symbols(symbol, checked)
    start_ms, end_ms = checked_range(start, end)
    query = Query(
        endpoint,
        {"category": checked, "interval": code},
        checked,
        split=Split("symbol", tuple(symbols), tidy=many),
        start=start_ms,
        end=end_ms,
        step_ms=step,
        count=check_count(limit),
        refresh=refresh,
        progress=progress,
        max_pages=max_pages,
        shown={"price": price.strip().lower()},
    )
    return run(client, query)
