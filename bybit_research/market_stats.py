"""Derivatives statistics over time: open interest, long/short account ratio, historical volatility."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .endpoints import HV_PERIODS, Endpoint
from .endpoints.market import ACCOUNT_RATIO, HISTORICAL_VOLATILITY, HOUR_MS, OPEN_INTEREST
from .market_core import (
    FetchingClient,
    check_choice,
    check_coin,
    check_count,
    check_symbol,
    finish,
    frame_of,
    trim,
)
from .market_series import plan_series, window_requests
from .paging import PageRequest, aligned_windows, fetch_windows, server_now_ms
from .timeutil import TimeLike, check_range, to_ms

__all__ = ["StatsMixin"]


def _interval_series(
    client: Any,
    endpoint: Endpoint,
    symbol: str,
    interval: str,
    start: TimeLike | None,
    end: TimeLike | None,
    category: str,
    limit: int | None,
    refresh: bool,
    progress: bool | None,
) -> pd.DataFrame:
    checked = endpoint.check_category(category)
    name = check_symbol(symbol, checked)
    step = (
        endpoint.check_interval(interval)
        if isinstance(interval, str)
        else endpoint.check_interval(repr(interval))
    )
    start_ms, end_ms = to_ms(start, "start"), to_ms(end, "end")
    check_range(start_ms, end_ms)
    count = check_count(limit)
    allowed = endpoint.limit_range(checked)
    assert allowed is not None and endpoint.interval_param is not None

    now = server_now_ms(client)
    begin, stop = plan_series(start_ms, end_ms, now, step, count, allowed.default)
    base = {"category": checked, "symbol": name, endpoint.interval_param: interval}
    requests = window_requests(endpoint, base, begin, stop, step, allowed.hi, now)
    pages = fetch_windows(client, endpoint, requests, follow_cursor=True, refresh=refresh, progress=progress)
    frame = trim(frame_of(endpoint, pages, checked), begin, stop)
    if count is not None:
        frame = frame.iloc[:count] if start_ms is not None else frame.iloc[-count:]
    params = {**base, "start": begin, "end": stop}
    return finish(frame, endpoint, checked, params, pages, gaps_step_ms=step)


class StatsMixin(FetchingClient):
    """Open-interest, long/short-ratio and historical-volatility methods of :class:`bybit_research.Client`."""

    def open_interest(
        self,
        symbol: str,
        interval_time: str = "1h",
        start: TimeLike | None = None,
        end: TimeLike | None = None,
        category: str = "linear",
        limit: int | None = None,
        *,
        refresh: bool = False,
        progress: bool | None = None,
    ) -> pd.DataFrame:
        """Open interest of a linear or inverse contract over time, in aligned windows of 200 records.

        Calls ``/v5/market/open-interest``.

        Parameters
        ----------
        symbol
            E.g. ``"BTCUSDT"`` (linear) or ``"BTCUSD"`` (inverse).
        interval_time
            ``"5min"``, ``"15min"``, ``"30min"``, ``"1h"`` (default), ``"4h"`` or ``"1d"``.
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

        Returns
        -------
        pandas.DataFrame
            Index ``time``; columns ``open_interest`` (both sides; linear: base coin, inverse: USD) and
            ``single_open_interest`` (float64). ``attrs``: endpoint, category, params, fetched_at, from_cache,
            pages, gaps.
        """
        return _interval_series(
            self, OPEN_INTEREST, symbol, interval_time, start, end, category, limit, refresh, progress
        )

    def long_short_ratio(
        self,
        symbol: str,
        period: str = "1h",
        start: TimeLike | None = None,
        end: TimeLike | None = None,
        category: str = "linear",
        limit: int | None = None,
        *,
        refresh: bool = False,
        progress: bool | None = None,
    ) -> pd.DataFrame:
        """Long/short account ratio of a contract over time, in aligned windows of 500 records.

        Calls ``/v5/market/account-ratio``.

        Parameters
        ----------
        symbol
            E.g. ``"BTCUSDT"``.
        period
            ``"5min"``, ``"15min"``, ``"30min"``, ``"1h"`` (default), ``"4h"`` or ``"1d"``.
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

        Returns
        -------
        pandas.DataFrame
            Index ``time``; columns ``symbol`` (str), ``buy_ratio`` (share of holders net long) and
            ``sell_ratio`` (net short), float64. ``attrs``: endpoint, category, params, fetched_at,
            from_cache, pages, gaps.
        """
        return _interval_series(
            self, ACCOUNT_RATIO, symbol, period, start, end, category, limit, refresh, progress
        )

    def historical_volatility(
        self,
        base_coin: str = "BTC",
        period: int = 7,
        start: TimeLike | None = None,
        end: TimeLike | None = None,
        quote_coin: str | None = None,
        *,
        refresh: bool = False,
        progress: bool | None = None,
    ) -> pd.DataFrame:
        """Hourly historical (realised) volatility of an option base coin, in aligned 30-day windows.

        Calls ``/v5/market/historical-volatility`` (``category=option``).

        Parameters
        ----------
        base_coin
            ``"BTC"`` (default), ``"ETH"``, ``"SOL"``, ...
        period
            Look-back in days: 7, 14, 21, 30, 60, 90, 180, 270 (SOL up to 90).
        start, end
            Range ``[start, end)``: str, datetime, pd.Timestamp or epoch ms; naive times are UTC. Neither: the
            latest value; only ``end``: the 30 days before it; only ``start``: up to now. Bybit keeps 2 years.
        quote_coin
            ``"USD"`` (Bybit's default) or ``"USDT"``.
        refresh
            Ignore cached pages and fetch again.
        progress
            Show a progress bar (``None``: only when more than 20 pages are needed).

        Returns
        -------
        pandas.DataFrame
            Index ``time`` (hourly); columns ``period`` (Int64, days) and ``value`` (float64, annualised
            volatility as a fraction: 0.45 = 45 %). ``attrs``: endpoint, category, params, fetched_at,
            from_cache, pages, gaps.
        """
        endpoint = HISTORICAL_VOLATILITY
        coin = check_coin(base_coin)
        if isinstance(period, bool) or not isinstance(period, int):
            raise ValueError(f"period must be an integer number of days, got {period!r}")
        check_choice(period, HV_PERIODS.get(coin, (7, 14, 21, 30, 60, 90, 180, 270)), "period")
        quote = check_choice(quote_coin, ("USD", "USDT"), "quote_coin")
        start_ms, end_ms = to_ms(start, "start"), to_ms(end, "end")
        check_range(start_ms, end_ms)
        assert endpoint.max_span_ms is not None and endpoint.time_params is not None

        base = {"category": "option", "baseCoin": coin, "period": period, "quoteCoin": quote}
        base = {k: v for k, v in base.items() if v is not None}
        now = server_now_ms(self)
        if start_ms is None and end_ms is None:
            requests = [PageRequest(base, endpoint.cache.live)]
            begin = stop = None
        else:
            stop = now + 1 if end_ms is None else min(end_ms, now + 1)
            begin = start_ms if start_ms is not None else stop - endpoint.max_span_ms
            first, last = endpoint.time_params
            requests = [
                PageRequest(
                    {**base, first: w.start, last: w.end - 1}, endpoint.cache.expire_after(w.end, now)
                )
                for w in aligned_windows(begin, stop, endpoint.max_span_ms, 1)
                if w.start <= now
            ]
        pages = fetch_windows(self, endpoint, requests, refresh=refresh, progress=progress)
        frame = trim(frame_of(endpoint, pages, "option"), begin, stop)
        params = {**base, "start": begin, "end": stop}
        return finish(frame, endpoint, "option", params, pages, gaps_step_ms=HOUR_MS)
