"""Sending the requests of a plan: single pages, cursor loops, independent windows concurrently, and paging
backwards by ``endTime``.

Windows are fetched concurrently (``Client(concurrency=10)``) through the thread-safe client and its rate
limiter, after looking up every cacheable page in the client's cache first (no request, no thread); cursor
pages are followed one after the other, passing ``nextPageCursor`` back verbatim; funding history pages
backwards by ``endTime = oldest - 1``. Every page after the first of a chain is spent from the call's
:class:`~.budget.PageBudget` (its ``max_pages``): a chain longer than that raises
:class:`~.budget.TooManyPagesError` instead of ending early.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from ..core.expiry import DO_NOT_CACHE
from ..core.fetcher import Fetcher
from ..core.time import format_ms
from ..endpoints import TIME, Endpoint
from ..errors import malformed
from ..frames import BadValues, convert
from .budget import PageBudget
from .pages import Page, PageRequest
from .progress import progress_bar
from .query import MAX_PAGES

__all__ = ["fetch_backwards", "fetch_cursor", "fetch_one", "fetch_windows"]


def fetch_one(client: Fetcher, endpoint: Endpoint, request: PageRequest, refresh: bool = False) -> Page:
    """Send one request and return its page."""
    reply = client.fetch(
        endpoint.path, request.params, auth=endpoint.auth, expire_after=request.expire_after, refresh=refresh
    )
    return Page(request, reply, endpoint)


def _cached(client: Fetcher, endpoint: Endpoint, request: PageRequest) -> Page | None:
    """The page served from the client's cache without any request (None when it is not there)."""
    path, params = endpoint.path, request.params
    reply = client.fetch_cached(path, params, auth=endpoint.auth, expire_after=request.expire_after)
    return None if reply is None else Page(request, reply, endpoint)


def _cursor_of(page: Page) -> str:
    """The page's ``nextPageCursor`` (``""``: the last page); one that is not text would end the download
    early without a word, so it makes the answer malformed."""
    result = page.reply.result if page.reply is not None else None
    cursor = result.get("nextPageCursor") if isinstance(result, dict) else None
    if cursor is None or isinstance(cursor, str):
        return cursor or ""
    raise malformed(page.endpoint.path, f"nextPageCursor is {type(cursor).__name__} {cursor!r:.40}, not text")


def fetch_cursor(
    client: Fetcher,
    endpoint: Endpoint,
    request: PageRequest,
    *,
    refresh: bool = False,
    tick: Callable[[], None] | None = None,
    known: list[Page] | None = None,
    budget: PageBudget | None = None,
) -> list[Page]:
    """Fetch ``request`` and the following cursor pages until ``nextPageCursor`` (or a page) is empty, or
    repeats one seen before (a server repeating itself).

    ``known``: the first pages of the chain, already at hand (from the cache, and spent from ``budget``);
    fetching goes on after them. ``budget``: the call's pages, of which the chain's first is already counted
    (default: a chain of at most :data:`~.query.MAX_PAGES` pages); a chain needing more raises
    :class:`~.budget.TooManyPagesError`."""
    pages = list(known) if known else [fetch_one(client, endpoint, request, refresh)]
    if budget is None:
        budget = PageBudget(endpoint.path, MAX_PAGES, used=len(pages))
    seen: set[str] = {str(page.request.params["cursor"]) for page in pages if "cursor" in page.request.params}
    while True:
        if tick:
            tick()
        following = _following(request, pages[-1], seen)
        if following is None:
            break
        budget.spend(lambda: _chain_detail(request, len(pages)))
        seen.add(following.params["cursor"])
        pages.append(fetch_one(client, endpoint, following, refresh))
    return pages


def _chain_detail(request: PageRequest, pages: int) -> tuple[str, None]:
    shown = {k: v for k, v in request.params.items() if k not in ("cursor", "limit")}
    return f"the cursor chain of {shown} goes on after {pages} pages", None


def _following(request: PageRequest, page: Page, seen: set[str]) -> PageRequest | None:
    """The request of the page after ``page`` in its cursor chain, or ``None`` when the chain ends there (no
    cursor, an empty page, or a cursor seen before: a server repeating itself)."""
    cursor = _cursor_of(page)
    if not cursor or not page.rows or cursor in seen:
        return None
    return PageRequest({**request.params, "cursor": cursor}, request.expire_after)


def _cached_chain(
    client: Fetcher, endpoint: Endpoint, request: PageRequest, budget: PageBudget
) -> tuple[list[Page], bool]:
    """The pages of ``request``'s cursor chain the cache holds, from its first, and whether that is all of it
    (the chain's last page is among them). Each found after the first is spent from ``budget``."""
    pages: list[Page] = []
    seen: set[str] = set()
    following: PageRequest | None = request
    while following is not None:
        page = _cached(client, endpoint, following)
        if page is None:
            return pages, False
        if pages:
            budget.spend(lambda: _chain_detail(request, len(pages)))
        pages.append(page)
        following = _following(request, page, seen)
        if following is not None:
            seen.add(following.params["cursor"])
    return pages, True


def _stamps(endpoint: Endpoint, rows: list[Any], key: str) -> list[int]:
    """The epoch-ms times ``key`` of the rows that have one (``ResponseFormatError`` for one that is no
    time)."""
    values = [row.get(key) for row in rows if isinstance(row, dict) and row.get(key) not in (None, "")]
    try:
        stamps = convert(values, TIME)
    except BadValues as exc:
        raise malformed(endpoint.path, f"field {key!r} holds values that are {exc}") from None
    return [int(ms) for ms, missing in zip(stamps.asi8, stamps.isna(), strict=True) if not missing]


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
    budget: PageBudget | None = None,
) -> list[Page]:
    """Fetch independent requests concurrently and return their pages in request order.

    With ``follow_cursor`` each request's cursor pages are followed (one after the other) inside its worker,
    each page after a chain's first spent from ``budget`` (default: :data:`~.query.MAX_PAGES` pages in all,
    the requests counted).
    Pages the client's cache holds are looked up first, without requests or threads; only the others are
    fetched, ``max_workers`` (default: the client's ``concurrency``, 10) at a time. ``prepare(page)`` runs on
    every page (on a fetched one in its worker, to parse it while other requests are still in flight).
    """
    # pages looked up in the cache and missed are fetched with ``refresh``: the cache is not asked twice
    looked_up = not refresh
    if budget is None:
        budget = PageBudget(endpoint.path, max(MAX_PAGES, len(requests)), used=len(requests))
    # cursor loops have no known number of pages: the bar appears once there are many
    with progress_bar(None if follow_cursor else len(requests), progress, endpoint) as tick:
        # the first pages of cursor chains the cache holds only in part: fetching goes on from the next one
        partial: dict[int, list[Page]] = {}

        def one(position: int) -> list[Page]:
            request = requests[position]
            if follow_cursor:
                known = partial.get(position)
                pages = fetch_cursor(
                    client, endpoint, request, refresh=refresh, tick=tick, known=known, budget=budget
                )
                pages = pages[len(known or ()) :]  # the known ones were prepared when found
            else:
                pages = [fetch_one(client, endpoint, request, refresh or looked_up)]
                tick()
            if prepare is not None:
                for page in pages:
                    prepare(page)
            return [*partial.get(position, ()), *pages]

        batches: list[list[Page] | None] = [None] * len(requests)
        if looked_up:
            for position, request in enumerate(requests):
                if request.expire_after == DO_NOT_CACHE:
                    continue  # never in the cache (offline-only mode refuses it when fetched, the same way)
                if follow_cursor:
                    found, whole = _cached_chain(client, endpoint, request, budget)
                else:
                    page = _cached(client, endpoint, request)
                    found, whole = ([], False) if page is None else ([page], True)
                if prepare is not None:
                    for page in found:
                        prepare(page)
                if whole:
                    batches[position] = found
                    tick()
                elif found:
                    partial[position] = found
        missing = [position for position, batch in enumerate(batches) if batch is None]
        if max_workers is None:
            max_workers = client.concurrency
        if len(missing) <= 1 or max_workers <= 1:
            for position in missing:
                batches[position] = one(position)
        else:
            with ThreadPoolExecutor(max_workers=min(max_workers, len(missing))) as pool:
                fetched = pool.map(one, missing)
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
    budget: PageBudget | None = None,
) -> list[Page]:
    """Page backwards by ``endTime`` from ``end`` (exclusive) until ``start`` is passed or the history ends.

    ``end=None`` asks first for the latest records without ``endTime`` (a cache key that does not move with
    the clock); ``start=None`` stops after that first page. ``expire(window_end_ms)`` gives the cache expiry
    of a page whose records are all before ``window_end_ms`` (``None``: up to now). Records are dated by the
    endpoint's index field (``fundingRateTimestamp``). Each page after the first is spent from ``budget``
    (the call's, of which the first page is already counted; default: :data:`~.query.MAX_PAGES` pages): a
    range needing more raises :class:`~.budget.TooManyPagesError`."""
    assert endpoint.time_params is not None and endpoint.index is not None
    end_name = endpoint.time_params[1]
    key = endpoint.index
    if budget is None:
        budget = PageBudget(endpoint.path, MAX_PAGES, used=1)
    pages: list[Page] = []
    newest: int | None = None
    cursor_end = None if end is None else end - 1
    with progress_bar(None, progress, endpoint) as tick:
        while True:
            if pages:  # a page after the first: a start was given, and the first page had records
                assert start is not None and newest is not None and cursor_end is not None
                budget.spend(partial(_backwards_detail, params, start, newest, cursor_end + 1, len(pages)))
            bound = {} if cursor_end is None else {end_name: cursor_end}
            window_end = None if cursor_end is None else cursor_end + 1
            page = fetch_one(
                client,
                endpoint,
                PageRequest({**params, **bound, "limit": limit}, expire(window_end)),
                refresh,
            )
            pages.append(page)
            tick()
            stamps = _stamps(endpoint, page.rows, key)
            if start is None or not stamps or len(page.rows) < limit:
                break
            oldest = min(stamps)
            newest = max(stamps) if newest is None else newest
            if oldest <= start or (
                cursor_end is not None and oldest > cursor_end
            ):  # done, or endTime ignored
                break
            cursor_end = oldest - 1
    return pages


def _backwards_detail(
    params: Mapping[str, Any], start: int, newest: int, oldest: int, pages: int
) -> tuple[str, int]:
    """Where a backwards chain stopped, and about how many more pages it needs to reach ``start`` (at the
    pace of the pages so far)."""
    shown = {k: v for k, v in params.items() if k != "limit"}
    per_page = max((newest - oldest) / pages, 1.0)
    more = math.ceil((oldest - start) / per_page)
    text = (
        f"{shown} reached {format_ms(oldest)} going back to {format_ms(start)}: about {pages + more} pages "
        "for the whole range"
    )
    return text, more
