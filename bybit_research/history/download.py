"""``br.history.download``: candles, funding, open interest and archive trades of many symbols into the
Parquet history store, month by month, resuming where a previous run stopped.

Every argument is checked, and the store's folder prepared, before any request; :mod:`.run` then plans the
months (days for trades) the store does not hold yet from the files' footers (a rerun over closed history
sends nothing) and fetches them, ``workers`` symbols at a time, through the client's public functions: the
same engine, cache and rate limiter as ``klines``, so every symbol shares the client's one IP budget.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

import pandas as pd

from ..client import Client, get_default_client
from ..core.time import TimeLike, checked_range
from ..endpoints.checks import check_interval, check_symbols
from ..endpoints.series import KLINE, OPEN_INTEREST, SERIES_INTERVALS
from ..store.history_paths import (
    KINDS,
    Kind,
    check_category,
    check_kind,
    kind_endpoint,
    kline_kind,
    open_store,
)
from ..store.parquet_writes import prepare_store
from .run import REPORT_COLUMNS, DownloadRun, HistoryDownloadError, Series

__all__ = ["REPORT_COLUMNS", "HistoryDownloadError", "download"]

_TRADES = KINDS["trades"]
#: symbols fetched at once by default
_DEFAULT_WORKERS = 4


def _kinds(kinds: object, price: object) -> list[Kind]:
    names = [kinds] if isinstance(kinds, str) else kinds
    if not isinstance(names, Sequence) or isinstance(names, bytes):
        raise ValueError(f"kinds must be a kind or a list of kinds; allowed: {', '.join(map(repr, KINDS))}")
    parts = [
        part.strip() for name in names for part in (name.split(",") if isinstance(name, str) else [name])
    ]
    found: list[Kind] = []
    for name in parts:
        kind = kline_kind(price) if isinstance(name, str) and name.lower() == "klines" else check_kind(name)
        if kind not in found:
            found.append(kind)
    if not found:
        raise ValueError(f"kinds must name at least one kind; allowed: {', '.join(map(repr, KINDS))}")
    return found


def _open_interest_code(interval_step: int | None, chosen: object) -> str:
    """The open-interest interval: ``chosen``, else the shortest one at least as long as the candles."""
    if chosen is not None:
        return check_interval(chosen, OPEN_INTEREST)[0]
    if interval_step is None:
        return "1h"
    longer = [code for code, ms in SERIES_INTERVALS.items() if interval_step and ms >= interval_step]
    return longer[0] if longer else "1d"


def _series(kinds: list[Kind], interval: object, open_interest_interval: object) -> list[Series]:
    kline_step: int | None = None
    found = []
    for kind in kinds:
        if kind.price is not None:
            if interval is None:
                raise ValueError(f"interval is needed for {kind.name}, e.g. '1' (minutes), '60', 'D'")
            endpoint = kind_endpoint(kind)
            assert endpoint is not None
            code, kline_step = check_interval(interval, endpoint)
            found.append(Series(kind, code, kline_step))
    if interval is not None and kline_step is None:
        kline_step = check_interval(interval, KLINE)[1]
    for kind in kinds:
        if kind.name == "funding":
            found.append(Series(kind, None, None))
        elif kind.name == "open_interest":
            code = _open_interest_code(kline_step, open_interest_interval)
            found.append(Series(kind, code, SERIES_INTERVALS[code]))
    return found


def download(
    symbols: str | Sequence[str],
    interval: str | int | None = None,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    category: str = "linear",
    price: str = "last",
    kinds: str | Sequence[str] = ("klines",),
    path: str | os.PathLike[str] | None = None,
    progress: bool = True,
    *,
    client: Client | None = None,
    workers: int | None = None,
    open_interest_interval: str | None = None,
) -> pd.DataFrame:
    """Download history of many symbols into the Parquet store, fetching only what it does not hold yet.

    Calls ``/v5/market/kline`` (or ``mark-price-kline``, ``index-price-kline``,
    ``premium-index-price-kline``), ``/v5/market/funding/history`` and ``/v5/market/open-interest``
    through the client's public functions, one calendar month per call, and the public trade archive
    (``/trading/...``, ``/spot/...`` on ``public.bybit.com``; see
    :meth:`bybit_research.Client.archive_get`) one file per day.

    Parameters
    ----------
    symbols
        A symbol or a list of symbols of ``category``.
    interval
        Kline interval (``1 3 5 15 30 60 120 240 360 720 D W M`` or an alias such as ``"1h"``); needed for
        kline kinds. Open interest uses the shortest of its intervals at least this long unless
        ``open_interest_interval`` is given.
    start, end
        Range ``[start, end)``: str, datetime, pd.Timestamp or epoch ms; naive times are UTC. ``start`` is
        needed; ``end`` defaults to now (the month reaching now is rewritten by every later run).
    category
        ``"linear"`` (default), ``"inverse"``, ``"spot"`` (klines and trades only) or ``"option"`` (mark
        klines only).
    price
        The flavour of kind ``"klines"``: ``"last"`` (default), ``"mark"``, ``"index"`` or ``"premium"``.
    kinds
        What to download: ``"klines"`` (flavour ``price``), ``"mark_klines"``, ``"index_klines"``,
        ``"premium_klines"``, ``"funding"``, ``"open_interest"``, ``"trades"``; a list or a comma-separated
        string.
    path
        The store: a folder (created if missing; must be empty or a store) or a filesystem URL
        (``s3://bucket/prefix``, any fsspec URL); default ``BYBIT_RESEARCH_HISTORY`` or ``history`` in the
        user data directory.
    progress
        Show the ``symbols`` and ``pages`` progress bars.
    client
        The client to fetch with (default: the default client).
    workers
        Symbols fetched at once (default ``min(len(symbols), 4)``); each month's pages go ``concurrency``
        at a time through the client's rate limiter, which keeps every symbol within the one IP budget.
    open_interest_interval
        ``"5min"``, ``"15min"``, ``"30min"``, ``"1h"``, ``"4h"`` or ``"1d"`` for kind ``open_interest``.

    Returns
    -------
    pandas.DataFrame
        The report, one row per partition (month, or day of trades): columns ``kind``, ``category``,
        ``symbol``, ``interval``, ``partition`` (``"2024-01"`` / ``"2024-01-31"``), ``action`` (``written``;
        ``kept``: already held, nothing sent; ``absent``: the archive has no file for the day), ``rows``,
        ``pages`` (requests of the month) and ``file`` (relative to the store). ``attrs``: ``path`` and the
        count of each action.

    Raises
    ------
    ValueError
        Before any request: bad arguments (naming what is allowed), a kind the category does not have, a
        path that is a file, a non-empty folder that is not a store, or cannot be written.
    HistoryDownloadError
        A fetch failed after the client's retries: the months in flight were written, nothing later was
        started; ``error.report`` is the report so far and a rerun resumes.
    """
    started = time.perf_counter()
    chosen = _kinds(kinds, price)
    checked = ""
    for kind in chosen:  # every kind must exist for the category
        checked = check_category(kind, category)
    names, _ = check_symbols(symbols, checked)
    start_ms, end_ms = checked_range(start, end)
    if start_ms is None:
        raise ValueError("start is needed: the first day to download, e.g. '2024-01-01'")
    series = _series(chosen, interval, open_interest_interval)
    with_trades = _TRADES in chosen
    fetcher = client if client is not None else get_default_client()
    if with_trades and fetcher.archive_url is None:
        raise ValueError(f"env={fetcher.env!r} has no public trade archive; use mainnet (or the simulator)")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers must be an integer >= 1, got {workers!r}")
    store = open_store(path)
    prepare_store(store)
    run = DownloadRun(fetcher, store, checked, start_ms, end_ms, progress)
    return run.execute(names, series, with_trades, workers or min(len(names), _DEFAULT_WORKERS), started)
