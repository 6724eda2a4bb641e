"""One history download after its arguments were checked: the months (days) to fetch, the workers that fetch
and write them, and the report.

Months the store holds are found from the files' footers and reported as kept, without a request; the others
are fetched through the client's public functions, one calendar month per call, and written as one file each
as soon as they arrive (memory holds a month per worker). A failure stops the run once the months in flight
are written (:class:`HistoryDownloadError` carries the report); Ctrl-C stops it the same way.
"""

from __future__ import annotations

import math
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..client import Client
from ..core.time import month_index, month_start_ms, now_ms
from ..core.units import DAY_MS, HOUR_MS
from ..fetch import DataStartsLaterWarning
from ..fetch.plan import aligned_windows, candle_start
from ..frames.attrs import iso_ms
from ..store.history import table_of_frame
from ..store.history_coverage import (
    Month,
    coverage_after,
    covered_of,
    day_label,
    days_of,
    fetch_range,
    months_of,
)
from ..store.history_files import footers, stored_files
from ..store.history_paths import KINDS, Kind, Store, kind_endpoint
from ..store.parquet_writes import remove_stale_temps, write_atomic
from .archive import download_day, listed_days, listing_path
from .progress import DownloadProgress

__all__ = ["REPORT_COLUMNS", "DownloadRun", "HistoryDownloadError", "MonthTask", "Series", "each"]

#: the columns of the report :func:`download` returns
REPORT_COLUMNS = ["kind", "category", "symbol", "interval", "partition", "action", "rows", "pages", "file"]
_TRADES = KINDS["trades"]
#: seconds between two looks at the workers (and at a pending Ctrl-C)
_POLL_S = 0.1
#: failed partitions named in the error message
_SHOWN_FAILURES = 5


class HistoryDownloadError(RuntimeError):
    """A download stopped on a failure; ``report`` says what was written before (a rerun resumes)."""

    def __init__(self, message: str, report: pd.DataFrame) -> None:
        super().__init__(message)
        self.report = report


@dataclass(frozen=True)
class Series:
    """A kind to download per month, with its interval partition and record spacing (``None``: events)."""

    kind: Kind
    code: str | None
    step: int | None


@dataclass(frozen=True)
class MonthTask:
    series: Series
    symbol: str
    month: Month
    fetch: tuple[int, int]

    def pages(self) -> int:
        """An estimate of the requests this month needs (for the progress bar)."""
        endpoint = kind_endpoint(self.series.kind)
        assert endpoint is not None
        limits = endpoint.limit_range(None)
        per_page = limits.hi if limits is not None else 200
        if self.series.step is None:  # funding: at most three settlements a day
            return max(1, math.ceil((self.fetch[1] - self.fetch[0]) / (8 * HOUR_MS * per_page)))
        return max(1, len(aligned_windows(*self.fetch, self.series.step, per_page)))


class DownloadRun:
    """One download: the plan, the workers, the report.

    Parameters
    ----------
    client
        The client whose public functions fetch (and whose rate limiter paces every symbol).
    store
        The prepared store.
    category
        The checked category.
    start, end
        The range in epoch ms (``end=None``: up to now).
    progress
        Show the progress bars.
    """

    def __init__(
        self, client: Client, store: Store, category: str, start: int, end: int | None, progress: bool
    ) -> None:
        self.client, self.store, self.category = client, store, category
        self.start, self.end = start, end
        self.show_progress = progress
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.rows: list[dict[str, Any]] = []
        self.errors: list[BaseException] = []
        self._now: int | None = None

    # ------------------------------------------------------------------------------------------ the clock

    def now(self) -> int:
        """The exchange's clock, asked once (the first time something has to be fetched)."""
        with self.lock:
            if self._now is None:
                self._now = int(self.client.server_now_ms())
            return self._now

    def end_of_plan(self) -> int:
        """The end of the range to plan: ``end``, or the end of the month of now."""
        if self.end is not None:
            return self.end
        return month_start_ms(month_index(self.now()) + 1)

    # ---------------------------------------------------------------------------------------- reporting

    def record(
        self, kind: Kind, symbol: str, code: str | None, partition: str, action: str, **more: Any
    ) -> None:
        row = {
            "kind": kind.name,
            "category": self.category,
            "symbol": symbol,
            "interval": code or "",
            "partition": partition,
            "action": action,
            "rows": int(more.get("rows", 0)),
            "pages": int(more.get("pages", 0)),
            "file": more.get("file", ""),
        }
        with self.lock:
            self.rows.append(row)

    def report(self, started: float) -> pd.DataFrame:
        frame = pd.DataFrame.from_records(self.rows, columns=REPORT_COLUMNS)
        frame = frame.sort_values(["symbol", "kind", "interval", "partition"], kind="stable").reset_index(
            drop=True
        )
        frame = frame.astype({"rows": "int64", "pages": "int64"})
        counts = frame["action"].value_counts()
        frame.attrs = {
            "path": self.store.url,
            **{a: int(counts.get(a, 0)) for a in ("written", "kept", "absent", "failed", "not_run")},
            "seconds": round(time.perf_counter() - started, 3),
        }
        return frame

    # ------------------------------------------------------------------------------------------ planning

    def plan_months(self, symbol: str, series: Series) -> list[MonthTask]:
        """The months of ``symbol`` the store does not hold (months held are reported as kept)."""
        end = self.end_of_plan()
        kind = series.kind
        fixed = {"category": self.category, "symbol": symbol}
        if series.code is not None:
            fixed["interval"] = series.code
        held = {f.relative.rsplit("/", 1)[0]: f for f in stored_files(self.store, kind, **fixed)}
        months = months_of(self.start, end)
        dirs = [kind.partition_dir(**fixed, year=m.year, month=m.month) for m in months]
        present = [held[d] for d in dirs if d in held]
        metas = dict(
            zip([f.relative.rsplit("/", 1)[0] for f in present], footers(self.store, present), strict=True)
        )
        tasks = []
        for month, directory in zip(months, dirs, strict=True):
            wanted = fetch_range(month, self.start, end, covered_of(metas.get(directory)))
            if wanted is None:
                file = held[directory].relative if directory in held else ""
                self.record(kind, symbol, series.code, month.label, "kept", file=file)
            else:
                tasks.append(MonthTask(series, symbol, month, wanted))
        if tasks:
            now = self.now()
            tasks = [t for t in tasks if t.fetch[0] <= now]
        return tasks

    # ----------------------------------------------------------------------------------------- fetching

    def fetch_month(self, task: MonthTask) -> pd.DataFrame:
        kind, (first, stop) = task.series.kind, task.fetch
        client, symbol, category = self.client, task.symbol, self.category
        if kind.price is not None:
            return client.klines(symbol, task.series.code, first, stop, category, kind.price, progress=False)
        if kind.name == "funding":
            return client.funding_rates(symbol, first, stop, category, progress=False)
        return client.open_interest(symbol, task.series.code, first, stop, category, progress=False)

    def run_month(self, task: MonthTask, progress: DownloadProgress) -> None:
        series, month = task.series, task.month
        frame = self.fetch_month(task)
        server_text = frame.attrs.get("server_time")
        server = int(pd.Timestamp(server_text).value // 1_000_000) if server_text else self.now()
        final = server if series.step is None else candle_start(server, series.step)
        held_start, held_end, complete = coverage_after(month, task.fetch, final)
        meta = {
            "start": held_start,
            "end": held_end,
            "complete": complete,
            "server_time": server,
            "fetched_at": iso_ms(now_ms()),
            "endpoint": frame.attrs.get("endpoint"),
            "params": frame.attrs.get("params", {}),
        }
        fixed: dict[str, Any] = {"category": self.category, "symbol": task.symbol, "year": month.year}
        if series.code is not None:
            fixed["interval"] = series.code
        directory = series.kind.partition_dir(**fixed, month=month.month)
        table = table_of_frame(series.kind, frame)
        relative = write_atomic(self.store, directory, table, meta)
        pages = int(frame.attrs.get("pages", 0))
        progress.pages(pages)
        self.record(
            series.kind,
            task.symbol,
            series.code,
            month.label,
            "written",
            rows=table.num_rows,
            pages=pages,
            file=relative,
        )

    def run_trades(self, symbol: str, progress: DownloadProgress) -> None:
        end = self.end
        if end is None:
            end = self.now() // DAY_MS * DAY_MS  # the archive has finished days only
        days = days_of(self.start, end)
        held = {
            f.keys["date"]: f.relative
            for f in stored_files(self.store, _TRADES, category=self.category, symbol=symbol)
        }
        missing = []
        for day in days:
            label = day_label(day)
            if label in held:
                self.record(_TRADES, symbol, None, label, "kept", file=held[label])
            else:
                missing.append(day)
        if not missing or self.stop.is_set():
            for day in missing:
                self.record(_TRADES, symbol, None, day_label(day), "not_run")
            return
        page = self.client.archive_get(listing_path(symbol, self.category))
        progress.pages(1)
        available = listed_days(page, symbol, self.category) if page is not None else set()
        to_fetch = [day for day in missing if day in available]
        for day in missing:
            if day not in available:
                self.record(_TRADES, symbol, None, day_label(day), "absent")

        def one(day: int) -> None:
            if self.stop.is_set():
                self.record(_TRADES, symbol, None, day_label(day), "not_run")
                return
            try:
                written = download_day(self.client, self.store, symbol, self.category, day)
            except Exception as exc:
                self.fail(exc, _TRADES, symbol, None, day_label(day))
                return
            progress.pages(1)
            if written is None:
                self.record(_TRADES, symbol, None, day_label(day), "absent")
            else:
                self.record(
                    _TRADES,
                    symbol,
                    None,
                    day_label(day),
                    "written",
                    rows=written[0],
                    pages=1,
                    file=written[1],
                )

        each(one, to_fetch, self.client.concurrency, self.stop)

    def fail(self, exc: BaseException, kind: Kind, symbol: str, code: str | None, partition: str) -> None:
        self.stop.set()
        with self.lock:
            self.errors.append(exc)
        self.record(kind, symbol, code, partition, "failed")

    # ------------------------------------------------------------------------------------------ the run

    def execute(
        self, symbols: list[str], series: list[Series], with_trades: bool, workers: int, started: float
    ) -> pd.DataFrame:
        plans = {s: [task for one in series for task in self.plan_months(s, one)] for s in symbols}
        estimate = sum(task.pages() for tasks in plans.values() for task in tasks)
        progress = DownloadProgress(len(symbols), estimate, self.show_progress)

        def symbol_job(symbol: str) -> None:
            directories = {f"{one.kind.name}/category={self.category}/symbol={symbol}" for one in series}
            if with_trades:
                directories.add(f"{_TRADES.name}/category={self.category}/symbol={symbol}")
            for directory in sorted(directories):
                remove_stale_temps(self.store, directory)
            for task in plans[symbol]:
                if self.stop.is_set():
                    self.record(task.series.kind, symbol, task.series.code, task.month.label, "not_run")
                    continue
                try:
                    self.run_month(task, progress)
                except Exception as exc:
                    self.fail(exc, task.series.kind, symbol, task.series.code, task.month.label)
            if with_trades:
                try:
                    self.run_trades(symbol, progress)
                except Exception as exc:
                    self.fail(exc, _TRADES, symbol, None, "listing")
            progress.symbol_done()

        try:
            with warnings.catch_warnings():
                # months before a listing are empty: stored as such (and reported as 0 rows), not warned about
                warnings.simplefilter("ignore", DataStartsLaterWarning)
                each(symbol_job, symbols, workers, self.stop)
        finally:
            progress.close()
        report = self.report(started)
        if self.errors:
            first = self.errors[0]
            failed = report[report["action"] == "failed"]
            where = ", ".join(
                f"{r.symbol} {r.kind} {r.partition}" for r in failed.head(_SHOWN_FAILURES).itertuples()
            )
            if len(failed) > _SHOWN_FAILURES:
                where += f" and {len(failed) - _SHOWN_FAILURES} more"
            raise HistoryDownloadError(
                f"download stopped: {type(first).__name__}: {first} (failed: {where}); "
                f"{report.attrs['written']} files were written, rerun to resume",
                report,
            ) from first
        return report


def each(job: Callable[[Any], None], items: Sequence[Any], workers: int, stop: threading.Event) -> None:
    """Run ``job`` on every item, ``workers`` at a time (in this thread when one).

    An interruption (Ctrl-C) sets ``stop``: jobs not started are cancelled, the ones running finish the
    partition they are writing."""
    if workers <= 1 or len(items) <= 1:
        for item in items:
            job(item)
        return
    pool = ThreadPoolExecutor(max_workers=min(workers, len(items)))
    try:
        pending = {pool.submit(job, item) for item in items}
        while pending:
            # wake up now and then: a Ctrl-C is handled between two waits, not after a whole job
            done, pending = wait(pending, timeout=_POLL_S, return_when=FIRST_EXCEPTION)
            for future in done:
                future.result()
    except BaseException:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True)
