"""The one engine: a public function states its endpoint and checked arguments as a :class:`Query`, and
:func:`run` plans the pages from ``Endpoint.paging``, fetches them and returns the finished frame.

The paging styles (:class:`~bybit_research.endpoints.Paging`), each one function of :data:`ENGINES`:

* ``NONE``: one request;
* ``CURSOR``: follow ``nextPageCursor`` until it is empty;
* ``KLINE``: aligned windows of ``limit`` candles, fetched concurrently, closed ones through the column store;
* ``INTERVAL_WINDOWS``: aligned windows of ``limit`` records of the series' interval, cursor inside each;
* ``BACKWARDS``: backwards by ``endTime = oldest - 1`` (funding history);
* ``SLIDING``: windows of at most ``max_span_ms`` within the endpoint's lookback, a cursor inside each when
  the endpoint has one (historical volatility; the 7- and 30-day private histories).

Every call sends at most ``Query.max_pages`` requests: windowed plans are refused before anything is
sent, cursor and ``endTime`` chains (of unknown length) raise ``TooManyPagesError`` once they need more.

A query may be split over the values of one parameter (several symbols, or the settle coins of linear
positions): each value gets its own requests, and the frames are joined as a tidy ``(time, symbol)`` frame
or one after the other (:class:`Split`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd

from ..core.expiry import NEVER_EXPIRE
from ..core.fetcher import Fetcher
from ..core.time import EARLIEST_MS, format_ms, now_ms
from ..core.units import DAY_MS
from ..endpoints import Endpoint, Paging
from .calls import fetch_backwards, fetch_windows
from .frame import Fetched, finish
from .kline_pages import all_stored, fetch_column_windows, window_end
from .pages import Page, PageRequest
from .plan import aligned_windows, plan_series
from .query import Query

__all__ = ["ENGINES", "run", "window_requests"]


def run(client: Fetcher, query: Query) -> pd.DataFrame:
    """Fetch every page ``query`` needs (by its endpoint's paging) and return the finished frame.

    Parameters
    ----------
    client
        The fetcher (a :class:`bybit_research.Client`).
    query
        The endpoint and checked arguments.

    Returns
    -------
    pandas.DataFrame
        Typed per the DataFrame contract, ascending, de-duplicated, provenance in ``attrs``.
    """
    if query.endpoint.auth:
        client.check_auth(query.endpoint.path)
    return finish(query, ENGINES[query.endpoint.paging](client, query))


def _live(query: Query, params: Mapping[str, Any], limit: int | None) -> PageRequest:
    return PageRequest({**params, **({"limit": limit} if limit else {})}, query.endpoint.cache.live)


def _single(client: Fetcher, query: Query) -> Fetched:
    # one request: a limit only when the caller chose one (the endpoint's default otherwise)
    requests = [_live(query, params, query.limit) for params in query.variants()]
    pages = fetch_windows(client, query.endpoint, requests, refresh=query.refresh, progress=query.progress)
    return Fetched(pages)


def _cursor(client: Fetcher, query: Query) -> Fetched:
    requests = [_live(query, params, query.page_limit()) for params in query.variants()]
    pages = fetch_windows(
        client,
        query.endpoint,
        requests,
        follow_cursor=True,
        refresh=query.refresh,
        progress=query.progress,
        budget=query.budget(len(requests)),
    )
    return Fetched(pages)


def window_requests(query: Query, begin: int, stop: int, step: int, now: int | None) -> list[PageRequest]:
    """One request per variant and aligned window of ``[begin, stop)``, each asking its whole window.

    Windows starting after ``now`` are left out; ``now=None`` plans every window as if closed (to look them
    up in the column store before the exchange's time is known)."""
    endpoint = query.endpoint
    assert endpoint.time_params is not None
    first, last = endpoint.time_params
    page_limit = query.page_limit()
    assert page_limit is not None
    return [
        PageRequest(
            {**params, first: w.start, last: w.end - 1, "limit": page_limit},
            NEVER_EXPIRE if now is None else endpoint.cache.expire_after(w.end, now),
        )
        for params in query.variants()
        for w in aligned_windows(begin, stop, step, page_limit)
        if now is None or w.start <= now
    ]


def _series_range(query: Query, now: int) -> tuple[int, int]:
    """``[begin, stop)`` of a regular series: from :func:`plan_series`, never before :data:`EARLIEST_MS`."""
    assert query.step_ms is not None
    begin, stop = plan_series(query.start, query.end, now, query.step_ms, query.count, _default_count(query))
    begin = max(begin, EARLIEST_MS)
    return begin, max(stop, begin)  # a range wholly after now is empty, not reversed


def _default_count(query: Query) -> int:
    allowed = query.endpoint.limit_range(query.category)
    assert allowed is not None
    return allowed.default


def _klines(client: Fetcher, query: Query) -> Fetched:
    assert query.step_ms is not None
    step, endpoint = query.step_ms, query.endpoint
    start, end = query.start, query.end
    # a range whose pages are all stored needs neither the exchange's time nor any request (a range ending
    # in the future cannot be: its pages are not closed, so they are not all planned)
    if start is not None and end is not None and not query.refresh and end <= now_ms() + DAY_MS:
        everything = window_requests(query, max(start, EARLIEST_MS), end, step, None)
        query.check_pages(len(everything))
        stored = all_stored(client, endpoint, everything)
        if stored is not None:
            # every stored window had closed: its end is not after the exchange's "now"
            return Fetched(stored, start, end, max(window_end(r, endpoint) for r in everything))
    now = client.server_now_ms()
    begin, stop = _series_range(query, now)
    requests = window_requests(query, begin, stop, step, now)
    query.check_pages(len(requests))
    pages = fetch_column_windows(client, endpoint, requests, refresh=query.refresh, progress=query.progress)
    return Fetched(pages, begin, stop, now)


def _interval_windows(client: Fetcher, query: Query) -> Fetched:
    assert query.step_ms is not None
    now = client.server_now_ms()
    begin, stop = _series_range(query, now)
    requests = window_requests(query, begin, stop, query.step_ms, now)
    pages = fetch_windows(
        client,
        query.endpoint,
        requests,
        follow_cursor=True,
        refresh=query.refresh,
        progress=query.progress,
        budget=query.budget(len(requests)),
    )
    return Fetched(pages, begin, stop, now)


def _backwards(client: Fetcher, query: Query) -> Fetched:
    endpoint = query.endpoint
    now = client.server_now_ms()
    limit = query.page_limit()
    assert limit is not None
    end = None if query.end is None or query.end > now else query.end
    variants = query.variants()
    budget = query.budget(len(variants))  # each variant's first page; the pages further back spend from it

    def one(params: dict[str, Any]) -> list[Page]:
        return fetch_backwards(
            client,
            endpoint,
            params,
            start=None if query.start is None else max(query.start, EARLIEST_MS),
            end=end,
            limit=limit,
            expire=lambda window_end_ms: endpoint.cache.expire_after(window_end_ms, now),
            refresh=query.refresh,
            progress=query.progress,
            budget=budget,
        )

    if len(variants) == 1 or client.concurrency <= 1:
        batches = [one(params) for params in variants]
    else:
        with ThreadPoolExecutor(max_workers=min(client.concurrency, len(variants))) as pool:
            batches = list(pool.map(one, variants))
    return Fetched([page for batch in batches for page in batch], query.start, query.end, now)


def _sliding(client: Fetcher, query: Query) -> Fetched:
    endpoint = query.endpoint
    assert endpoint.max_span_ms is not None and endpoint.time_params is not None
    span = endpoint.max_span_ms
    now = client.server_now_ms()
    if query.start is None and query.end is None and not endpoint.auth:
        # no range: the latest value, one live request (historical volatility's default)
        requests = [_live(query, params, None) for params in query.variants()]
        return Fetched(fetch_windows(client, endpoint, requests, refresh=query.refresh), None, None, now)
    stop = now + 1 if query.end is None else min(query.end, now + 1)
    asked = query.start if query.start is not None else stop - span
    _check_lookback(endpoint, asked, now)  # the start asked for, not the one clamped to 2018, is shown
    begin = max(asked, EARLIEST_MS)
    first, last = endpoint.time_params
    page_limit = query.page_limit()
    requests = [
        PageRequest(
            {
                **params,
                first: max(w.start, begin),
                last: min(w.end, stop) - 1,
                **({"limit": page_limit} if page_limit else {}),
            },
            endpoint.cache.expire_after(min(w.end, stop), now),
        )
        for params in query.variants()
        for w in aligned_windows(begin, stop, span, 1)
        if w.start <= now
    ]
    pages = fetch_windows(
        client,
        endpoint,
        requests,
        follow_cursor=endpoint.cursor,
        refresh=query.refresh,
        progress=query.progress,
        budget=query.budget(len(requests)),
    )
    return Fetched(pages, begin, stop, now)


def _check_lookback(endpoint: Endpoint, start: int, now: int) -> None:
    if endpoint.lookback_ms is not None and start < now - endpoint.lookback_ms:
        days = endpoint.lookback_ms // DAY_MS
        raise ValueError(
            f"{endpoint.path} keeps {days} days of history: start {format_ms(start)} is before "
            f"{format_ms(now - endpoint.lookback_ms)}; ask for a later start"
        )


#: the engine of each paging style
ENGINES: dict[Paging, Callable[[Fetcher, Query], Fetched]] = {
    Paging.NONE: _single,
    Paging.CURSOR: _cursor,
    Paging.KLINE: _klines,
    Paging.INTERVAL_WINDOWS: _interval_windows,
    Paging.BACKWARDS: _backwards,
    Paging.SLIDING: _sliding,
}
