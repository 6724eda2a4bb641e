"""Derivatives time series: funding rates, open interest, the long/short account ratio and historical
volatility, each for one symbol (or base coin) or a list of them."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..core.fetcher import Fetcher
from ..core.time import TimeLike, checked_range
from ..core.units import HOUR_MS
from ..endpoints import HV_PERIODS, Endpoint
from ..endpoints.checks import check_choice, check_coin, check_count, check_interval, check_symbols
from ..endpoints.series import ACCOUNT_RATIO, FUNDING_HISTORY, HISTORICAL_VOLATILITY, OPEN_INTEREST
from ..fetch import Query, Split, run

__all__ = ["funding_rates", "historical_volatility", "long_short_ratio", "open_interest"]

#: Bybit's longest funding interval: a first settlement up to this long after ``start`` is on time
FUNDING_INTERVAL_MAX_MS = 8 * HOUR_MS


def funding_rates(
    client: Fetcher,
    symbol: str | Sequence[str],
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    category: str = "linear",
    *,
    refresh: bool = False,
    progress: bool | None = None,
    max_pages: int | None = None,
) -> pd.DataFrame:
    """Funding-rate history of one perpetual or a list of them, paged backwards by ``endTime``.

    Calls ``/v5/market/funding/history`` (200 records per page).

    Parameters
    ----------
    symbol
        A perpetual, e.g. ``"BTCUSDT"`` (linear) or ``"BTCUSD"`` (inverse), or a list of them (one tidy
        frame).
    start, end
        Range ``[start, end)``: str, datetime, pd.Timestamp or epoch ms; naive times are UTC. Without
        ``start`` the latest 200 records before ``end`` (default now).
    category
        ``"linear"`` (default) or ``"inverse"``.
    refresh
        Ignore cached pages and fetch again.
    progress
        Show a progress bar (``None``: only when more than 20 pages are needed).
    max_pages
        Refuse (``TooManyPagesError``, a ``ValueError``) a call that needs more requests than this (default
        10 000; a page holds 200 settlements, about 66 days at 8 h), instead of returning part of the range.

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (funding settlement time, ``fundingRateTimestamp``; ``(time, symbol)`` for a list),
        columns ``symbol`` (str) and ``funding_rate`` (float64, a fraction: 0.0001 = 0.01 %). ``attrs``:
        endpoint, category, params, fetched_at, from_cache, pages, and ``starts_later`` (``[start asked,
        first settlement]``, by symbol for a list) when the history starts more than 8 h (the longest
        funding interval) after ``start``, e.g. at the perpetual's launch.

    Warns
    -----
    DataStartsLaterWarning
        When the history starts later than ``start`` (as above), or the range holds no settlement at all.
    """
    checked = FUNDING_HISTORY.check_category(category)
    symbols, many = check_symbols(symbol, checked)
    start_ms, end_ms = checked_range(start, end)
    query = Query(
        FUNDING_HISTORY,
        {"category": checked},
        checked,
        split=Split("symbol", tuple(symbols), tidy=many),
        start=start_ms,
        end=end_ms,
        late_after_ms=FUNDING_INTERVAL_MAX_MS,
        refresh=refresh,
        progress=progress,
        max_pages=max_pages,
    )
    return run(client, query)


def _interval_series(
    client: Fetcher,
    endpoint: Endpoint,
    symbol: str | Sequence[str],
    interval: object,
    start: TimeLike | None,
    end: TimeLike | None,
    category: str,
    limit: int | None,
    refresh: bool,
    progress: bool | None,
    max_pages: int | None,
) -> pd.DataFrame:
    checked = endpoint.check_category(category)
    symbols, many = check_symbols(symbol, checked)
    code, step = check_interval(interval, endpoint)
    start_ms, end_ms = checked_range(start, end)
    assert endpoint.interval_param is not None
    query = Query(
        endpoint,
        {"category": checked, endpoint.interval_param: code},
        checked,
        split=Split("symbol", tuple(symbols), tidy=many),
        start=start_ms,
        end=end_ms,
        step_ms=step,
        count=check_count(limit),
        refresh=refresh,
        progress=progress,
        max_pages=max_pages,
    )
    return run(client, query)


def open_interest(
    client: Fetcher,
    symbol: str | Sequence[str],
    interval_time: str = "1h",
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    category: str = "linear",
    limit: int | None = None,
    *,
    refresh: bool = False,
    progress: bool | None = None,
    max_pages: int | None = None,
) -> pd.DataFrame:
    """Open interest of linear or inverse contracts over time, in aligned windows of 200 records.

    Calls ``/v5/market/open-interest``.

    Parameters
    ----------
    symbol
        E.g. ``"BTCUSDT"`` (linear) or ``"BTCUSD"`` (inverse), or a list of them (one tidy frame).
    interval_time
        ``"5min"``, ``"15min"``, ``"30min"``, ``"1h"`` (default), ``"4h"`` or ``"1d"``; aliases such as
        ``"5m"``, ``60``, ``"60"``, ``"4H"`` or ``"D"`` are accepted.
    start, end
        Range ``[start, end)``: str, datetime, pd.Timestamp or epoch ms; naive times are UTC. ``end``
        defaults to now, ``start`` to ``limit`` records before ``end``.
    category
        ``"linear"`` (default) or ``"inverse"``.
    limit
        Number of records: the last ``limit`` before ``end`` when ``start`` is None (default 50),
        otherwise the first ``limit`` from ``start``.
    refresh
        Ignore cached pages and fetch again.
    progress
        Show a progress bar (``None``: only when more than 20 pages are needed).
    max_pages
        Refuse a call that needs more requests than this (default 10 000), before any is sent.

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (``(time, symbol)`` for a list); columns ``open_interest`` (both sides; linear: base
        coin, inverse: USD) and ``single_open_interest`` (float64). ``attrs``: endpoint, category, params,
        fetched_at, from_cache, pages, gaps.
    """
    return _interval_series(
        client,
        OPEN_INTEREST,
        symbol,
        interval_time,
        start,
        end,
        category,
        limit,
        refresh,
        progress,
        max_pages,
    )


def long_short_ratio(
    client: Fetcher,
    symbol: str | Sequence[str],
    period: str = "1h",
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    category: str = "linear",
    limit: int | None = None,
    *,
    refresh: bool = False,
    progress: bool | None = None,
    max_pages: int | None = None,
) -> pd.DataFrame:
    """Long/short account ratio of contracts over time, in aligned windows of 500 records.

    Calls ``/v5/market/account-ratio``.

    Parameters
    ----------
    symbol
        E.g. ``"BTCUSDT"``, or a list of symbols (one tidy frame).
    period
        ``"5min"``, ``"15min"``, ``"30min"``, ``"1h"`` (default), ``"4h"`` or ``"1d"``; aliases such as
        ``"5m"``, ``60``, ``"4H"`` or ``"D"`` are accepted.
    start, end
        Range ``[start, end)``: str, datetime, pd.Timestamp or epoch ms; naive times are UTC. ``end``
        defaults to now, ``start`` to ``limit`` records before ``end``.
    category
        ``"linear"`` (default) or ``"inverse"``.
    limit
        Number of records: the last ``limit`` before ``end`` when ``start`` is None (default 50),
        otherwise the first ``limit`` from ``start``.
    refresh
        Ignore cached pages and fetch again.
    progress
        Show a progress bar (``None``: only when more than 20 pages are needed).
    max_pages
        Refuse a call that needs more requests than this (default 10 000), before any is sent.

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (``(time, symbol)`` for a list); columns ``symbol`` (str), ``buy_ratio`` (share of
        holders net long) and ``sell_ratio`` (net short), float64. ``attrs``: endpoint, category, params,
        fetched_at, from_cache, pages, gaps.
    """
    return _interval_series(
        client,
        ACCOUNT_RATIO,
        symbol,
        period,
        start,
        end,
        category,
        limit,
        refresh,
        progress,
        max_pages,
    )


def historical_volatility(
    client: Fetcher,
    base_coin: str | Sequence[str] = "BTC",
    period: int = 7,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    quote_coin: str | None = None,
    *,
    refresh: bool = False,
    progress: bool | None = None,
    max_pages: int | None = None,
) -> pd.DataFrame:
    """Hourly historical (realised) volatility of option base coins, in aligned 30-day windows.

    Calls ``/v5/market/historical-volatility`` (``category=option``).

    Parameters
    ----------
    base_coin
        ``"BTC"`` (default), ``"ETH"``, ``"SOL"``, ..., or a list of them (one tidy ``(time, base_coin)``
        frame).
    period
        Look-back in days: 7, 14, 21, 30, 60, 90, 180, 270 (SOL up to 90).
    start, end
        Range ``[start, end)``: str, datetime, pd.Timestamp or epoch ms; naive times are UTC. Neither: the
        latest value; only ``end``: the 30 days before it; only ``start``: up to now. Bybit keeps 2 years
        (an earlier ``start`` is refused with ``ValueError``).
    quote_coin
        ``"USD"`` (Bybit's default) or ``"USDT"``.
    refresh
        Ignore cached pages and fetch again.
    progress
        Show a progress bar (``None``: only when more than 20 pages are needed).
    max_pages
        Refuse a call that needs more requests than this (default 10 000), before any is sent.

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (hourly; ``(time, base_coin)`` for a list); columns ``period`` (Int64, days) and
        ``value`` (float64, annualised volatility as a fraction: 0.45 = 45 %). ``attrs``: endpoint,
        category, params, fetched_at, from_cache, pages, gaps.
    """
    many = not isinstance(base_coin, str)
    coins = [check_coin(coin) for coin in (list(base_coin) if many else [base_coin])]
    if not coins:
        raise ValueError("base_coin must be a coin or a non-empty list of coins")
    if isinstance(period, bool) or not isinstance(period, int):
        raise ValueError(f"period must be an integer number of days, got {period!r}")
    for coin in coins:
        check_choice(period, HV_PERIODS.get(coin, (7, 14, 21, 30, 60, 90, 180, 270)), "period")
    quote = check_choice(quote_coin, ("USD", "USDT"), "quote_coin")
    start_ms, end_ms = checked_range(start, end)
    params = {"category": "option", "period": period, "quoteCoin": quote}
    query = Query(
        HISTORICAL_VOLATILITY,
        {k: v for k, v in params.items() if v is not None},
        "option",
        split=Split("baseCoin", tuple(coins), tidy=many, level="base_coin"),
        start=start_ms,
        end=end_ms,
        step_ms=HOUR_MS,
        refresh=refresh,
        progress=progress,
        max_pages=max_pages,
    )
    return run(client, query)
