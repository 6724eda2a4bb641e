"""Time-series market functions: klines (every price flavour, one or many symbols) and funding rates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from .column_paging import all_stored, fetch_column_windows, window_end
from .endpoints import Endpoint
from .endpoints.market import (
    FUNDING_HISTORY,
    INDEX_PRICE_KLINE,
    KLINE,
    MARK_PRICE_KLINE,
    PREMIUM_INDEX_PRICE_KLINE,
)
from .market_core import FetchingClient, check_count, check_symbol, finish, frame_of, kline_interval, trim
from .paging import (
    Page,
    PageRequest,
    aligned_windows,
    fetch_backwards,
    find_gaps,
    next_candle,
    server_now_ms,
    step_back,
)
from .timeutil import TimeLike, check_range, month_index, month_start_ms, now_ms, to_ms
from .transports.cache import NEVER_EXPIRE

__all__ = ["PRICE_FLAVOURS", "SeriesMixin", "kline_endpoint", "plan_series", "window_requests"]

_DAY_MS = 86_400_000

#: ``price=`` of :func:`klines` -> endpoint
PRICE_FLAVOURS: dict[str, Endpoint] = {
    "last": KLINE,
    "mark": MARK_PRICE_KLINE,
    "index": INDEX_PRICE_KLINE,
    "premium": PREMIUM_INDEX_PRICE_KLINE,
}


def kline_endpoint(price: object, category: object) -> tuple[Endpoint, str]:
    """Return the kline endpoint of a price flavour and the checked category (``ValueError`` if refused)."""
    endpoint = PRICE_FLAVOURS.get(price) if isinstance(price, str) else None
    if endpoint is None:
        raise ValueError(f"price {price!r} is not valid; allowed: {', '.join(map(repr, PRICE_FLAVOURS))}")
    if category is not None and not isinstance(category, str):
        raise ValueError(f"category must be a string, got {category!r}")
    if category not in endpoint.categories:
        raise ValueError(
            f"price={price!r} klines ({endpoint.path}) are not available for category {category!r}; "
            f"allowed: {', '.join(map(repr, endpoint.categories))}"
        )
    return endpoint, category


def plan_series(
    start: int | None, end: int | None, now: int, step: int, count: int | None, default_count: int
) -> tuple[int, int]:
    """Return the ``[begin, stop)`` range of a regular series.

    ``end`` defaults to the end of the slot containing "now" (so the still-open slot is included);
    ``start`` to ``count`` (or ``default_count``) slots before ``stop``.
    """
    stop = next_candle(now, step) if end is None else min(end, next_candle(now, step))
    begin = step_back(stop - 1, step, (count or default_count) - 1) if start is None else start
    return begin, stop


def window_requests(
    endpoint: Endpoint,
    base: dict[str, Any],
    begin: int,
    stop: int,
    step: int,
    page_limit: int,
    now: int | None,
) -> list[PageRequest]:
    """Return one request per aligned window covering ``[begin, stop)`` (each asks its whole window).

    Windows starting after ``now`` are left out; ``now=None`` plans every window as if closed (to look them
    up in the column store before the exchange's time is known).
    """
    assert endpoint.time_params is not None
    first, last = endpoint.time_params
    return [
        PageRequest(
            {**base, first: w.start, last: w.end - 1, "limit": page_limit},
            NEVER_EXPIRE if now is None else endpoint.cache.expire_after(w.end, now),
        )
        for w in aligned_windows(begin, stop, step, page_limit)
        if now is None or w.start <= now
    ]


def _closed(index: pd.DatetimeIndex, step: int, server_ms: int) -> np.ndarray:
    starts = index.asi8
    if step:
        return starts + step <= server_ms
    return np.array([month_start_ms(month_index(int(s)) + 1) <= server_ms for s in starts], dtype=bool)


def _kline_frame(
    endpoint: Endpoint,
    category: str,
    pages: list[Page],
    step: int,
    begin: int,
    stop: int,
    start_ms: int | None,
    count: int | None,
    now: int,
) -> pd.DataFrame:
    frame = trim(
        frame_of(endpoint, pages, category) if pages else frame_of(endpoint, [], category), begin, stop
    )
    if count is not None:
        frame = frame.iloc[:count] if start_ms is not None else frame.iloc[-count:]
    server_ms = max((p.time_ms for p in pages if p.time_ms), default=now)
    frame["closed"] = _closed(frame.index, step, server_ms)  # type: ignore[arg-type]
    return frame


@dataclass(frozen=True)
class _KlineQuery:
    """The checked arguments of one :meth:`SeriesMixin.klines` call."""

    endpoint: Endpoint
    category: str
    code: str
    step: int
    price: str
    symbols: list[str]
    multi: bool
    start_ms: int | None
    count: int | None

    def requests(self, begin: int, stop: int, now: int | None) -> list[PageRequest]:
        """One request per symbol and aligned window of ``[begin, stop)`` (see :func:`window_requests`)."""
        page_limit = self.endpoint.limit_range(self.category).hi  # type: ignore[union-attr]
        return [
            request
            for name in self.symbols
            for request in window_requests(
                self.endpoint,
                {"category": self.category, "symbol": name, "interval": self.code},
                begin,
                stop,
                self.step,
                page_limit,
                now,
            )
        ]

    def frame(self, pages: list[Page], begin: int, stop: int, now: int) -> pd.DataFrame:
        """The finished frame (one symbol) or tidy frame (a list of symbols) of ``pages``."""
        endpoint, category, step = self.endpoint, self.category, self.step
        by_symbol: dict[str, list[Page]] = {name: [] for name in self.symbols}
        for page in pages:
            by_symbol[page.request.params["symbol"]].append(page)
        frames = {
            name: _kline_frame(
                endpoint, category, by_symbol[name], step, begin, stop, self.start_ms, self.count, now
            )
            for name in self.symbols
        }
        params = {"category": category, "interval": self.code, "start": begin, "end": stop}
        params["price"] = self.price
        if not self.multi:
            frame = frames[self.symbols[0]]
            return finish(
                frame, endpoint, category, {**params, "symbol": self.symbols[0]}, pages, gaps_step_ms=step
            )
        tidy = pd.concat(list(frames.values()), keys=self.symbols, names=["symbol", "time"]).swaplevel(0, 1)
        tidy = tidy.sort_index(level=["time", "symbol"], sort_remaining=False)
        gaps = {name: find_gaps(cast(pd.DatetimeIndex, f.index).asi8, step) for name, f in frames.items()}
        return finish(tidy, endpoint, category, {**params, "symbol": self.symbols}, pages, gaps=gaps)


class SeriesMixin(FetchingClient):
    """Kline and funding-rate methods of :class:`bybit_research.Client`."""

    def klines(
        self,
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
            00:00 UTC) or ``"M"`` (calendar months).
        start, end
            Range ``[start, end)``: str, datetime, pd.Timestamp or epoch ms; naive times are UTC. ``end``
            defaults to now (the still-open candle included); ``start`` defaults to ``limit`` candles before
            ``end``.
        category
            ``"linear"`` (default), ``"inverse"``, ``"spot"`` (last only) or ``"option"`` (mark only).
        price
            ``"last"`` (traded), ``"mark"`` (not spot), ``"index"`` (not spot) or ``"premium"`` (linear only).
        limit
            Number of candles: the last ``limit`` before ``end`` when ``start`` is None (default 200),
            otherwise the first ``limit`` from ``start``.
        refresh
            Ignore cached pages and fetch again.
        progress
            Show a progress bar (``None``: only when more than 20 pages are needed).

        Returns
        -------
        pandas.DataFrame
            Index ``time`` (candle start, ``datetime64[ms, UTC]``, ascending, unique); for a list of symbols a
            MultiIndex ``(time, symbol)``. Columns ``open, high, low, close`` (float64), ``volume, turnover``
            (float64, last price only; linear/spot volume in base coin, inverse in contracts) and ``closed``
            (bool, False for the still-open candle). ``attrs``: endpoint, category, params, fetched_at,
            from_cache, pages, gaps (missing candles between the first and last, as ``(first missing, next
            present)``).
        """
        endpoint, category = kline_endpoint(price, category)
        code, step = kline_interval(interval, endpoint)
        multi = not isinstance(symbol, str)
        symbols = [check_symbol(s, category) for s in ([symbol] if isinstance(symbol, str) else list(symbol))]
        if not symbols:
            raise ValueError("symbol must be a symbol or a non-empty list of symbols")
        if len(set(symbols)) != len(symbols):
            raise ValueError(f"symbol list has duplicates: {symbols}")
        start_ms, end_ms = to_ms(start, "start"), to_ms(end, "end")
        check_range(start_ms, end_ms)
        count = check_count(limit)
        query = _KlineQuery(endpoint, category, code, step, price, symbols, multi, start_ms, count)

        if start_ms is not None and end_ms is not None and not refresh and end_ms <= now_ms() + _DAY_MS:
            # a range whose pages are all stored needs neither the exchange's time nor any request (a range
            # ending in the future cannot be: its pages are not closed, so do not plan them all)
            everything = query.requests(start_ms, end_ms, None)
            stored = all_stored(self, endpoint, everything)
            if stored is not None:
                # every stored window had closed: its end is not after the exchange's "now"
                return query.frame(stored, start_ms, end_ms, max(window_end(r, endpoint) for r in everything))
        now = server_now_ms(self)
        default = endpoint.limit_range(category).default  # type: ignore[union-attr]
        begin, stop = plan_series(start_ms, end_ms, now, step, count, default)
        requests = query.requests(begin, stop, now)
        pages = fetch_column_windows(self, endpoint, requests, refresh=refresh, progress=progress)
        return query.frame(pages, begin, stop, now)

    def funding_rates(
        self,
        symbol: str,
        start: TimeLike | None = None,
        end: TimeLike | None = None,
        category: str = "linear",
        *,
        refresh: bool = False,
        progress: bool | None = None,
    ) -> pd.DataFrame:
        """Funding-rate history of a perpetual, paged backwards by ``endTime`` (200 records per page).

        Calls ``/v5/market/funding/history``.

        Parameters
        ----------
        symbol
            A perpetual, e.g. ``"BTCUSDT"`` (linear) or ``"BTCUSD"`` (inverse).
        start, end
            Range ``[start, end)``: str, datetime, pd.Timestamp or epoch ms; naive times are UTC. Without
            ``start`` the latest 200 records before ``end`` (default now).
        category
            ``"linear"`` (default) or ``"inverse"``.
        refresh
            Ignore cached pages and fetch again.
        progress
            Show a progress bar (``None``: only when more than 20 pages are needed).

        Returns
        -------
        pandas.DataFrame
            Index ``time`` (funding settlement time, ``fundingRateTimestamp``), columns ``symbol`` (str) and
            ``funding_rate`` (float64, a fraction: 0.0001 = 0.01 %). ``attrs``: endpoint, category, params,
            fetched_at, from_cache, pages.
        """
        endpoint = FUNDING_HISTORY
        category = endpoint.check_category(category)  # type: ignore[assignment]
        name = check_symbol(symbol, category)
        start_ms, end_ms = to_ms(start, "start"), to_ms(end, "end")
        check_range(start_ms, end_ms)
        page_limit = endpoint.limit_range(category).hi  # type: ignore[union-attr]

        now = server_now_ms(self)
        base = {"category": category, "symbol": name}
        pages = fetch_backwards(
            self,
            endpoint,
            base,
            start=start_ms,
            end=None if end_ms is None or end_ms > now else end_ms,
            limit=page_limit,
            expire=lambda window_end: endpoint.cache.expire_after(window_end, now),
            refresh=refresh,
            progress=progress,
        )
        frame = trim(frame_of(endpoint, pages, category), start_ms, end_ms)
        params = {**base, "start": start_ms, "end": end_ms}
        return finish(frame, endpoint, category, params, pages)
