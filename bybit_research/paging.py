"""The paging engine: plan the requests a long range needs, fetch them, and say when each page expires.

Time windows are ALIGNED to fixed boundaries so that overlapping queries ask for the very same pages and reuse
them from the cache: window ``k`` of a series with step ``s`` and ``n`` records per page covers
``[anchor + k*n*s, anchor + (k+1)*n*s)``, where ``anchor`` is the epoch (1970-01-01 00:00 UTC), except weekly
candles, which start on Mondays (anchor 1970-01-05). Monthly candles are calendar months: window ``k`` covers
months ``[k*n, (k+1)*n)`` counted from 1970-01. A window wholly in the past never expires; the window reaching
"now" expires within seconds (both from the endpoint's :class:`~bybit_research.endpoints.CachePolicy`).

Windows are fetched concurrently (``Client(concurrency=10)``) through the thread-safe client and its rate
limiter; cursor pages are followed one after the other (passing ``nextPageCursor`` back verbatim); funding
history pages backwards by ``endTime = oldest - 1``."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from .column_store import Columns
from .endpoints import Endpoint
from .errors import BybitError
from .frames import rows_of
from .frames_raw import page_columns
from .lazyattr import lazy_attribute
from .timeutil import month_index, month_start_ms, now_ms
from .transports.cache import DO_NOT_CACHE

__all__ = [
    "MAX_WORKERS",
    "PROGRESS_THRESHOLD",
    "Page",
    "PageRequest",
    "Window",
    "aligned_windows",
    "candle_start",
    "fetch_backwards",
    "fetch_cursor",
    "fetch_windows",
    "find_gaps",
    "next_candle",
    "progress_bar",
    "server_now_ms",
    "step_back",
]

MAX_WORKERS = 10
#: a progress bar appears when a call needs more pages than this (unless ``progress=False``)
PROGRESS_THRESHOLD = 20
#: stop following cursors after this many pages (a server repeating itself must not loop forever)
MAX_CURSOR_PAGES = 10_000
#: Mondays 00:00 UTC, the start of weekly candles: 1970-01-05
WEEK_ANCHOR_MS = 4 * 86_400_000
WEEK_MS = 7 * 86_400_000


class Fetcher(Protocol):
    """What the engine needs from a client (``bybit_research.Client`` is one)."""

    def fetch(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        auth: bool = False,
        expire_after: float | None = None,
        refresh: bool = False,
    ) -> Any: ...


@dataclass(frozen=True)
class Window:
    """The half-open time range ``[start, end)`` in epoch ms."""

    start: int
    end: int


@dataclass(frozen=True)
class PageRequest:
    """The parameters of one request and the cache expiry chosen for its answer."""

    params: Mapping[str, Any]
    expire_after: float | None = None


@dataclass
class Page:
    """One answer: the request, the client's ``Reply`` and (decoded on first use) the rows found in it.

    A page served from the column store has no reply (``None``), only its ``stored`` columns.
    """

    request: PageRequest
    reply: Any
    endpoint: Endpoint
    stored: Columns | None = None

    @lazy_attribute
    def rows(self) -> list[Any]:
        """The rows of the answer's ``result``, by the endpoint's shape."""
        if self.reply is None:
            raise ValueError("a page from the column store has columns, not rows")
        return rows_of(self.endpoint, self.reply.result)

    @lazy_attribute
    def columns(self) -> Columns:
        """The rows as columns (kline-type endpoints only): stored ones, or parsed from the answer."""
        if self.stored is not None:
            return self.stored
        category = self.request.params.get("category")
        return page_columns(self.endpoint, category, self.content, lambda: self.rows)

    @property
    def content(self) -> bytes | None:
        """The raw response body, when the client keeps it (kline pages are parsed from it directly)."""
        content = getattr(self.reply, "content", None)
        return content if isinstance(content, bytes) else None

    @property
    def from_cache(self) -> bool:
        """Whether the answer came from the cache (the request cache or the column store)."""
        return self.stored is not None or bool(getattr(self.reply, "from_cache", False))

    @property
    def time_ms(self) -> int | None:
        """The server time the answer was produced at."""
        return getattr(self.reply, "time_ms", None)


# ---------------------------------------------------------------------------------------------- window math


def _anchor(step_ms: int) -> int:
    return WEEK_ANCHOR_MS if step_ms == WEEK_MS else 0


def candle_start(ms: int, step_ms: int) -> int:
    """Return the start of the candle (or record slot) of length ``step_ms`` containing ``ms`` (0 = month)."""
    if step_ms == 0:
        return month_start_ms(month_index(ms))
    anchor = _anchor(step_ms)
    return anchor + (ms - anchor) // step_ms * step_ms


def next_candle(ms: int, step_ms: int) -> int:
    """Return the start of the candle after the one containing ``ms``."""
    if step_ms == 0:
        return month_start_ms(month_index(ms) + 1)
    return candle_start(ms, step_ms) + step_ms


def step_back(ms: int, step_ms: int, count: int) -> int:
    """Return the start of the candle ``count`` candles before the one containing ``ms``."""
    if step_ms == 0:
        return month_start_ms(month_index(ms) - count)
    return candle_start(ms, step_ms) - count * step_ms


def aligned_windows(start: int, end: int, step_ms: int, count: int) -> list[Window]:
    """Return the aligned windows of ``count`` steps covering ``[start, end)`` (see the module docstring)."""
    if end <= start:
        return []
    if step_ms == 0:
        first, last = month_index(start) // count, month_index(end - 1) // count
        return [
            Window(month_start_ms(k * count), month_start_ms((k + 1) * count)) for k in range(first, last + 1)
        ]
    span = step_ms * count
    anchor = _anchor(step_ms)
    first, last = (start - anchor) // span, (end - 1 - anchor) // span
    return [Window(anchor + k * span, anchor + (k + 1) * span) for k in range(first, last + 1)]


def find_gaps(times_ms: np.ndarray, step_ms: int) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Return the missing stretches between consecutive times of a regular series.

    Each gap is ``(first missing time, next present time)``, a half-open range. Only interior gaps are
    reported: nothing is expected before the first or after the last record (listing, delisting, the future).
    """
    if len(times_ms) < 2:
        return []
    times = np.asarray(times_ms, dtype=np.int64)
    if step_ms == 0:
        months = np.array([month_index(int(t)) for t in times])
        holes = np.flatnonzero(np.diff(months) > 1)
        starts = [month_start_ms(int(months[i]) + 1) for i in holes]
    else:
        holes = np.flatnonzero(np.diff(times) > step_ms)
        starts = [int(times[i]) + step_ms for i in holes]
    return [
        (pd.Timestamp(s, unit="ms", tz="UTC"), pd.Timestamp(int(times[i + 1]), unit="ms", tz="UTC"))
        for s, i in zip(starts, holes, strict=True)
    ]


# ---------------------------------------------------------------------------------------------------- clock

#: clocks already taught the exchange's time (by identity; weak, so clients can be garbage-collected)
_synced: weakref.WeakSet[Any] = weakref.WeakSet()
_synced_lock = threading.Lock()


def server_now_ms(client: Any) -> int:
    """Return the exchange's current time in epoch ms as the client sees it.

    The first call per client asks ``/v5/market/time`` once (never cached) and teaches the client's clock the
    offset, so that "is this page closed?" is decided by the exchange's clock (the simulator's may be fixed in
    the past). Without a reachable server (offline-only cache, a failed request) the local clock is used and
    the next call asks again."""
    clock = getattr(client, "clock", None)
    if clock is None or not hasattr(clock, "learn"):
        return now_ms()
    with _synced_lock:
        synced = clock in _synced
    if not synced:
        try:
            sent = now_ms()
            reply = client.fetch("/v5/market/time", expire_after=DO_NOT_CACHE)
            received = now_ms()
            server = reply.time_ms or int(reply.result["timeSecond"]) * 1000
            clock.learn(int(server), sent, received)
            with _synced_lock:
                _synced.add(clock)
        except BybitError:
            pass  # asked again on the next call
    return int(clock.now_ms())


# ------------------------------------------------------------------------------------------------- fetching


@contextmanager
def progress_bar(
    total: int | None, progress: bool | None, endpoint: Endpoint
) -> Iterator[Callable[[], None]]:
    """Yield a function to call once per finished page.

    A tqdm bar is shown when ``progress`` is True, or (``progress=None``) once the call needs more than
    :data:`PROGRESS_THRESHOLD` pages: at once when ``total`` is known, else from the page that passes it.
    """
    if progress is False or (progress is None and total is not None and total <= PROGRESS_THRESHOLD):
        yield lambda: None
        return
    lock = threading.Lock()
    state: dict[str, Any] = {"bar": None, "done": 0}

    def open_bar() -> None:
        from tqdm.auto import tqdm

        name = endpoint.path.rsplit("/v5/", 1)[-1]
        state["bar"] = tqdm(total=total, initial=state["done"], desc=name, unit="page", leave=False)

    def tick() -> None:
        with lock:
            state["done"] += 1
            if state["bar"] is None and state["done"] > PROGRESS_THRESHOLD:
                open_bar()
            elif state["bar"] is not None:
                state["bar"].update(1)

    if progress is True or total is not None:
        open_bar()
    try:
        yield tick
    finally:
        if state["bar"] is not None:
            state["bar"].close()


def _get(client: Fetcher, endpoint: Endpoint, request: PageRequest, refresh: bool) -> Page:
    reply = client.fetch(
        endpoint.path, request.params, auth=endpoint.auth, expire_after=request.expire_after, refresh=refresh
    )
    return Page(request, reply, endpoint)


def _cached(client: Fetcher, endpoint: Endpoint, request: PageRequest) -> Page | None:
    """The page served from the client's cache without any request, when the client can tell (else None)."""
    lookup = getattr(client, "fetch_cached", None)
    if lookup is None:
        return None
    reply = lookup(endpoint.path, request.params, auth=endpoint.auth, expire_after=request.expire_after)
    return None if reply is None else Page(request, reply, endpoint)


def _cursor_of(page: Page) -> str:
    result = page.reply.result
    cursor = result.get("nextPageCursor") if isinstance(result, dict) else None
    return cursor if isinstance(cursor, str) else ""


def fetch_cursor(
    client: Fetcher,
    endpoint: Endpoint,
    request: PageRequest,
    *,
    refresh: bool = False,
    tick: Callable[[], None] | None = None,
) -> list[Page]:
    """Fetch ``request`` and the following cursor pages until ``nextPageCursor`` (or a page) is empty."""
    pages = [_get(client, endpoint, request, refresh)]
    seen: set[str] = set()
    while len(pages) < MAX_CURSOR_PAGES:
        if tick:
            tick()
        cursor = _cursor_of(pages[-1])
        if not cursor or not pages[-1].rows or cursor in seen:
            break
        seen.add(cursor)
        following = PageRequest({**request.params, "cursor": cursor}, request.expire_after)
        pages.append(_get(client, endpoint, following, refresh))
    return pages


def fetch_windows(
    client: Fetcher,
    endpoint: Endpoint,
    requests: list[PageRequest],
    *,
    follow_cursor: bool = False,
    refresh: bool = False,
    progress: bool | None = None,
    max_workers: int | None = None,
    prepare: Callable[[Page], object] | None = None,
) -> list[Page]:
    """Fetch independent requests concurrently and return their pages in request order.

    With ``follow_cursor`` each request's cursor pages are followed (one after the other) inside its worker.
    Pages the client's cache holds are looked up first, without requests or threads; only the others are
    fetched, ``max_workers`` (default: the client's ``concurrency``, 10) at a time. ``prepare(page)`` runs on
    every page (on a fetched one in its worker, to parse it while other requests are still in flight).
    """
    # pages looked up in the cache and missed are fetched with ``refresh``: the cache is not asked twice
    looked_up = not follow_cursor and not refresh and hasattr(client, "fetch_cached")
    with progress_bar(len(requests), progress, endpoint) as tick:

        def one(request: PageRequest) -> list[Page]:
            if follow_cursor:
                pages = fetch_cursor(client, endpoint, request, refresh=refresh, tick=tick)
            else:
                pages = [_get(client, endpoint, request, refresh or looked_up)]
                tick()
            if prepare is not None:
                for page in pages:
                    prepare(page)
            return pages

        batches: list[list[Page] | None] = [None] * len(requests)
        if looked_up:
            for position, request in enumerate(requests):
                if request.expire_after == DO_NOT_CACHE:
                    continue  # never in the cache (offline-only mode refuses it when fetched, the same way)
                cached = _cached(client, endpoint, request)
                if cached is not None:
                    if prepare is not None:
                        prepare(cached)
                    batches[position] = [cached]
                    tick()
        missing = [position for position, batch in enumerate(batches) if batch is None]
        if max_workers is None:
            max_workers = getattr(client, "concurrency", MAX_WORKERS)
        if len(missing) <= 1 or max_workers <= 1:
            for position in missing:
                batches[position] = one(requests[position])
        else:
            with ThreadPoolExecutor(max_workers=min(max_workers, len(missing))) as pool:
                fetched = pool.map(one, [requests[position] for position in missing])
                for position, batch in zip(missing, fetched, strict=True):
                    batches[position] = batch
    return [page for batch in batches if batch is not None for page in batch]


def fetch_backwards(
    client: Fetcher,
    endpoint: Endpoint,
    params: Mapping[str, Any],
    *,
    start: int | None,
    end: int | None,
    limit: int,
    expire: Callable[[int | None], float],
    refresh: bool = False,
    progress: bool | None = None,
) -> list[Page]:
    """Page backwards by ``endTime`` from ``end`` (exclusive) until ``start`` is passed or the history ends.

    ``end=None`` asks first for the latest records without ``endTime`` (a cache key that does not move with
    the clock); ``start=None`` stops after that first page. ``expire(window_end_ms)`` gives the cache expiry
    of a page whose records are all before ``window_end_ms`` (``None``: up to now). Records are dated by the
    endpoint's index field (``fundingRateTimestamp``)."""
    assert endpoint.time_params is not None and endpoint.index is not None
    end_name = endpoint.time_params[1]
    key = endpoint.index
    pages: list[Page] = []
    cursor_end = None if end is None else end - 1
    with progress_bar(None, progress, endpoint) as tick:
        while len(pages) < MAX_CURSOR_PAGES:
            bound = {} if cursor_end is None else {end_name: cursor_end}
            window_end = None if cursor_end is None else cursor_end + 1
            page = _get(
                client,
                endpoint,
                PageRequest({**params, **bound, "limit": limit}, expire(window_end)),
                refresh,
            )
            pages.append(page)
            tick()
            stamps = [int(row[key]) for row in page.rows if isinstance(row, dict) and row.get(key)]
            if start is None or not stamps or len(page.rows) < limit:
                break
            oldest = min(stamps)
            if oldest <= start or (
                cursor_end is not None and oldest > cursor_end
            ):  # done, or endTime ignored
                break
            cursor_end = oldest - 1
    return pages
