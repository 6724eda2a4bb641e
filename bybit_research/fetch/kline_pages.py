"""Kline-type windows through the column store (see :mod:`bybit_research.store.columns`).

Stored pages are read first, all in one query; the others go through
:func:`~bybit_research.fetch.calls.fetch_windows`, and each page is parsed into columns by one pipeline
thread as it arrives. A stored page that does not fit its window (more rows than its ``limit``, times outside
it) is dropped and fetched again, as the store itself drops pages whose checksum fails. A closed page is kept
in the column store only: the request cache (requests-cache) neither looks it up nor keeps its body, which
would cost a key, a lookup and a ~90 KB write per page for data kept as columns anyway. The page reaching
"now" goes through the request cache as usual (it expires within seconds). A client without a column store
(no cache, or a backend other than SQLite or memory) simply fetches.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from ..core.expiry import DO_NOT_CACHE, NEVER_EXPIRE
from ..core.fetcher import Fetcher, PageStore
from ..core.units import MINUTE_MS
from ..endpoints import Endpoint
from ..frames import Columns
from ..frames.klines import pages_columns
from .calls import fetch_windows
from .pages import Page, PageRequest

__all__ = ["Pipeline", "all_stored", "fetch_column_windows", "misfit", "window_end"]

log = logging.getLogger(__name__)

#: pages parsed and stored together at most (one store transaction each)
_BATCH = 32


class Pipeline:
    """One thread applying ``work`` to batches of the items put in, while the fetching workers go on.

    Parsing and storing in the fetching workers themselves made each worker wait for the GIL and the store's
    lock between two requests (about 17 ms a page on two cores, against 2 ms of work): workers should only
    wait for the network. Use as a context manager; leaving it waits for the last batch and re-raises the
    first error ``work`` raised.
    """

    def __init__(self, work: Callable[[list[Any]], None]) -> None:
        self._work = work
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="bybit_research-pages", daemon=True)

    def put(self, item: Any) -> None:
        """Queue ``item`` (thread-safe)."""
        self._queue.put(item)

    def _run(self) -> None:
        done = False
        while not done:
            batch = [self._queue.get()]
            while len(batch) < _BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            done = batch[-1] is _END
            items = [item for item in batch if item is not _END]
            if items and self._error is None:
                try:
                    self._work(items)
                except BaseException as exc:  # handed to the caller in __exit__
                    self._error = exc

    def __enter__(self) -> Pipeline:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._queue.put(_END)
        self._thread.join()
        if self._error is not None and exc_info[0] is None:
            raise self._error


_END = object()


def _url(client: Fetcher, endpoint: Endpoint, request: PageRequest) -> str:
    return client.page_url(endpoint.path, request.params)


def _rows_of(page: Page) -> Callable[[], list[Any]]:
    return lambda: page.rows


def _closed(request: PageRequest) -> bool:
    return request.expire_after == NEVER_EXPIRE


def window_end(request: PageRequest, endpoint: Endpoint) -> int:
    """The end (exclusive, epoch ms) of the window a kline-type request asks for."""
    assert endpoint.time_params is not None
    return int(request.params[endpoint.time_params[1]]) + 1


def _stored(
    store: PageStore, endpoint: Endpoint, requests: Sequence[PageRequest], urls: Sequence[str]
) -> Mapping[str, Columns]:
    """The stored columns of the closed pages among ``requests`` (whose URLs are ``urls``), in one query;
    a stored page that does not fit its window is left out (fetched again), with a logged warning."""
    closed = {url: request for request, url in zip(requests, urls, strict=True) if _closed(request)}
    if not closed:
        return {}
    found = store.get_many(list(closed), len(endpoint.row_fields) - 1)
    misfits = {url: why for url, page in found.items() if (why := misfit(page, closed[url], endpoint))}
    if misfits:
        url, why = next(iter(misfits.items()))
        log.warning(
            "dropped %d stored page(s) of %s not fitting their windows, fetching them again (e.g. %s: %s)",
            len(misfits),
            endpoint.path,
            url,
            why,
        )
    return {url: page for url, page in found.items() if url not in misfits}


def misfit(page: Columns, request: PageRequest, endpoint: Endpoint) -> str | None:
    """Why a stored page cannot be the answer to ``request`` (``None``: it can): more rows than the window's
    ``limit``, or times outside the window."""
    assert endpoint.time_params is not None
    first, last = (int(request.params[name]) for name in endpoint.time_params)
    limit = int(request.params.get("limit") or 0)
    times = page.times
    if limit and len(times) > limit:
        return f"{len(times)} rows in a window of {limit}"
    if len(times) and (int(times.min()) < first or int(times.max()) > last):
        return f"times from {int(times.min())} to {int(times.max())} outside its window [{first}, {last}]"
    return None


def all_stored(client: Fetcher, endpoint: Endpoint, requests: Sequence[PageRequest]) -> list[Page] | None:
    """Return the pages of ``requests`` when every one is a closed page in the column store, else None."""
    store = client.column_store
    if store is None or not requests:
        return None
    urls = [_url(client, endpoint, request) for request in requests]
    found = _stored(store, endpoint, requests, urls)
    if any(url not in found for url in urls):
        return None
    return [
        Page(request, None, endpoint, stored=found[url]) for request, url in zip(requests, urls, strict=True)
    ]


#: a page is stored once the exchange's clock, when it answered, was this far past the window's end
CLOSED_MARGIN_MS = MINUTE_MS


def _closed_when_answered(page: Page, endpoint: Endpoint) -> bool:
    """Whether the answer itself shows its window had closed: the envelope's ``time`` (the exchange's clock
    when it answered, also for an answer replayed from the request cache) is past the window's end.

    The plan's own "closed" rests on the client's idea of the exchange's time, which falls back to the local
    clock without a server (offline-only mode): never trusted alone for what is kept for good.
    """
    answered = page.time_ms
    return answered is not None and answered >= window_end(page.request, endpoint) + CLOSED_MARGIN_MS


class _Slots:
    """One pair of arrays with room for every fetched page, each parsed page copied into its window's slot.

    When every page but the last is full (a long range of history), the pages are consecutive slices and the
    frame is built from the arrays as they are (:func:`~bybit_research.column_store.joined`), without
    concatenating half a million rows again.
    """

    def __init__(self, requests: Sequence[PageRequest], width: int) -> None:
        self.rows = max((int(request.params.get("limit") or 0) for request in requests), default=0)
        self.position = {id(request): k for k, request in enumerate(requests)}
        self.times = np.empty(len(requests) * self.rows, dtype=np.int64)
        self.values = np.empty((len(requests) * self.rows, width))

    def place(self, page: Page) -> Columns:
        """Copy the page's columns into its slot and make the page use the copy; return the columns."""
        columns = page.columns
        k = self.position.get(id(page.request))
        rows = len(columns.times)
        if k is None or rows > self.rows or columns.width != self.values.shape[1]:
            return columns
        begin = k * self.rows
        self.times[begin : begin + rows] = columns.times
        self.values[begin : begin + rows] = columns.values
        placed = Columns(self.times[begin : begin + rows], self.values[begin : begin + rows])
        page.columns = placed
        return placed


def fetch_column_windows(
    client: Fetcher,
    endpoint: Endpoint,
    requests: Sequence[PageRequest],
    *,
    refresh: bool = False,
    progress: bool | None = None,
) -> list[Page]:
    """Return the pages of ``requests`` in order, each with its ``columns``.

    Parameters
    ----------
    client
        The fetcher; its ``column_store`` (if any) and ``page_url(path, params)`` are used.
    endpoint
        A kline-type endpoint (rows of a time and numbers).
    requests
        One request per aligned window; ``expire_after == NEVER_EXPIRE`` marks a closed window.
    refresh
        Fetch every page again (and store the closed ones anew).
    progress
        As for :func:`~bybit_research.fetch.calls.fetch_windows`.
    """
    store = client.column_store
    urls = [_url(client, endpoint, request) for request in requests] if store is not None else []
    found = _stored(store, endpoint, requests, urls) if store is not None and not refresh else {}
    pages: list[Page | None] = [
        Page(request, None, endpoint, stored=found[url]) if url in found else None
        for request, url in zip(requests, urls or [""] * len(requests), strict=True)
    ]
    missing = [position for position, page in enumerate(pages) if page is None]
    # closed pages are kept as columns only: the request cache neither looks them up nor stores them
    keep = {position for position in missing if store is not None and _closed(requests[position])}
    to_fetch = [
        replace(requests[position], expire_after=DO_NOT_CACHE) if position in keep else requests[position]
        for position in missing
    ]
    # the URL each closed page fetched here is stored under, by its request
    store_as = {id(to_fetch[k]): urls[position] for k, position in enumerate(missing) if position in keep}

    slots = _Slots(to_fetch, len(endpoint.row_fields) - 1)

    category = requests[0].params.get("category") if requests else None

    def parse_and_store(batch: list[Page]) -> None:
        # the pages that arrived together are parsed together (one arrow call)
        parsed = pages_columns(
            endpoint,
            category,
            [page.content for page in batch],
            [_rows_of(page) for page in batch],
        )
        for page, columns in zip(batch, parsed, strict=True):
            page.columns = columns
        closed = {}
        for page in batch:
            columns = slots.place(page)
            url = store_as.get(id(page.request))
            if url is not None and _closed_when_answered(page, endpoint):
                closed[url] = columns
        if store is not None and closed:
            store.put_many(closed)

    with Pipeline(parse_and_store) as pipeline:
        fetched = fetch_windows(
            client, endpoint, to_fetch, refresh=refresh, progress=progress, prepare=pipeline.put
        )
    for position, page in zip(missing, fetched, strict=True):
        pages[position] = page
    return [page for page in pages if page is not None]
