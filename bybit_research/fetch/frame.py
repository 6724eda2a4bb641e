"""From fetched pages to the finished frame: typed rows, the range asked for, one row per id, the ``closed``
flag of candles, a tidy frame for several symbols, and provenance in ``attrs``."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any, cast

import numpy as np
import pandas as pd

from ..core.time import month_index, month_start_ms
from ..endpoints import TIME, Endpoint, IndexKind, Shape
from ..errors import malformed
from ..frames import BadValues, build_frame, convert, is_numeric_rows, orderbook_frame, snake, summary_of
from ..frames.attrs import iso_ms, json_safe, provenance
from ..frames.klines import frame_from_columns
from .pages import Page
from .plan import find_gaps
from .query import Query

__all__ = ["DataStartsLaterWarning", "Fetched", "finish", "frame_of", "trim"]


class DataStartsLaterWarning(UserWarning):
    """The range asked for starts before the first record the exchange has (before a listing)."""


@dataclass
class Fetched:
    """The pages an engine fetched, the range ``[begin, stop)`` they cover (``None``: unbounded) and the
    exchange's clock when they were planned."""

    pages: list[Page]
    begin: int | None = None
    stop: int | None = None
    now: int | None = None


def frame_of(endpoint: Endpoint, pages: Sequence[Page], category: str | None) -> pd.DataFrame:
    """The typed frame of all rows of ``pages``.

    Kline-type pages (rows of a time and numbers) are joined from their columns (read from the column store,
    parsed as they arrived, or parsed here from their bytes); order books become a frame of levels; the rows
    of other endpoints are decoded and converted.
    """
    if pages and is_numeric_rows(endpoint, category):
        names = [snake(f) for f in endpoint.row_fields[1:]]
        return frame_from_columns([page.columns for page in pages], names, endpoint.unique_index)
    if endpoint.shape is Shape.ORDERBOOK:
        result = pages[0].reply.result if pages and pages[0].reply is not None else None
        return orderbook_frame(endpoint, result)
    rows = pages[0].rows if len(pages) == 1 else list(chain.from_iterable(page.rows for page in pages))
    return build_frame(endpoint, rows, category)


def trim(frame: pd.DataFrame, start: int | None, end: int | None) -> pd.DataFrame:
    """Keep the rows of a time-indexed frame in ``[start, end)`` (ms; ``None`` = unbounded)."""
    if start is None and end is None:
        return frame
    ms = cast(pd.DatetimeIndex, frame.index).asi8
    if frame.index.is_monotonic_increasing:  # a slice: no copy of the rows kept
        first = 0 if start is None else int(np.searchsorted(ms, start, side="left"))
        stop = len(ms) if end is None else int(np.searchsorted(ms, end, side="left"))
        return frame if (first, stop) == (0, len(ms)) else frame.iloc[first:stop]
    keep = np.ones(len(ms), dtype=bool)
    if start is not None:
        keep &= ms >= start
    if end is not None:
        keep &= ms < end
    return frame if keep.all() else frame[keep]


def _closed(index: pd.DatetimeIndex, step: int, server_ms: int) -> np.ndarray:
    starts = index.asi8
    if step:
        return starts + step <= server_ms
    return np.array([month_start_ms(month_index(int(s)) + 1) <= server_ms for s in starts], dtype=bool)


def _one_per_id(frame: pd.DataFrame, endpoint: Endpoint) -> pd.DataFrame:
    """Rows repeated across pages or windows (same ``id_fields``) kept once: the last seen."""
    columns = [snake(name) for name in endpoint.id_fields]
    if not columns or frame.empty or not set(columns) <= set(frame.columns):
        return frame
    repeated = frame.duplicated(subset=columns, keep="last").to_numpy()
    return frame[~repeated] if repeated.any() else frame


def _series(query: Query, pages: list[Page], fetched: Fetched) -> pd.DataFrame:
    """The frame of one run (one symbol): typed, trimmed to the range, counted, de-duplicated, flagged."""
    endpoint = query.endpoint
    frame = frame_of(endpoint, pages, query.category)
    if endpoint.index_kind is IndexKind.TIME:
        frame = trim(frame, fetched.begin, fetched.stop)
        if query.count is not None:
            frame = frame.iloc[: query.count] if query.start is not None else frame.iloc[-query.count :]
    frame = _one_per_id(frame, endpoint)
    if endpoint.shape is Shape.ROWS and endpoint.index_kind is IndexKind.TIME:  # candles
        assert query.step_ms is not None
        server_ms = max((p.time_ms for p in pages if p.time_ms), default=fetched.now or 0)
        frame["closed"] = _closed(cast(pd.DatetimeIndex, frame.index), query.step_ms, server_ms)
    return frame


def _gaps(frame: pd.DataFrame, step: int | None) -> list[list[str]]:
    if step is None or not isinstance(frame.index, pd.DatetimeIndex):
        return []
    return [[iso_ms(a), iso_ms(b)] for a, b in find_gaps(frame.index.asi8, step)]


def _checks_late_start(query: Query) -> bool:
    """Whether the query is a time series whose first record can tell a late start (a listing after the
    range's start): a regular series, or one that says how far apart its records may be."""
    if query.endpoint.index_kind is not IndexKind.TIME:
        return False
    return query.step_ms is not None or query.late_after_ms is not None


def _late_start(frame: pd.DataFrame, query: Query, name: str | None, now: int | None) -> list[str] | None:
    """``[start asked, first record]`` when a series starts more than a record after the range asked for
    (``[start asked, None]``: no record in a range long enough to hold one, up to ``now``)."""
    if query.start is None or not isinstance(frame.index, pd.DatetimeIndex):
        return None
    slack = query.late_after_ms if query.late_after_ms is not None else max(query.step_ms or 0, 1)
    ms = frame.index.asi8
    first = int(ms[0]) if len(ms) else None
    if first is not None and first - query.start <= slack:
        return None
    if first is None:
        stop = query.end if now is None else (now if query.end is None else min(query.end, now))
        if stop is not None and stop - query.start <= slack:
            return None  # too short (or still to come) to hold a record: empty, not late
    what = query.endpoint.path if name is None else f"{name} ({query.endpoint.path})"
    if first is None:
        message = f"{what} has no records from {iso_ms(query.start)} in the range asked for"
        if query.end is not None:
            message += f" (to {iso_ms(query.end)}): the instrument may not have been listed yet"
        warnings.warn(message, DataStartsLaterWarning, stacklevel=4)
        return [iso_ms(query.start), None]  # type: ignore[list-item]
    warnings.warn(
        f"{what} has no records before {iso_ms(first)} (asked from {iso_ms(query.start)}): the exchange's "
        "history starts there, e.g. at the instrument's launch",
        DataStartsLaterWarning,
        stacklevel=4,
    )
    return [iso_ms(query.start), iso_ms(first)]


def finish(query: Query, fetched: Fetched) -> pd.DataFrame:
    """The finished frame of a query: one series, or a tidy or joined frame over a split, with ``attrs``."""
    endpoint, split = query.endpoint, query.split
    series_like = endpoint.index_kind is IndexKind.TIME and query.step_ms is not None
    late_like = _checks_late_start(query)
    if split is None or (len(split.values) <= 1 and not split.tidy):
        frame = _series(query, fetched.pages, fetched)
        extra: dict[str, Any] = {}
        if series_like:
            extra["gaps"] = _gaps(frame, query.step_ms)
        late = _late_start(frame, query, None, fetched.now) if late_like else None
        if late is not None:
            extra["starts_later"] = late
        return _with_attrs(frame, query, fetched, extra)
    by_value: dict[Any, list[Page]] = {value: [] for value in split.values}
    for page in fetched.pages:
        by_value[page.request.params[split.param]].append(page)
    frames = {value: _series(query, by_value[value], fetched) for value in split.values}
    if not split.tidy:
        frame = pd.concat(list(frames.values())) if frames else _series(query, [], fetched)
        if isinstance(frame.index, pd.DatetimeIndex) and not frame.index.is_monotonic_increasing:
            frame = frame.sort_index(kind="stable")  # one series, ascending, each run's ties kept in order
        return _with_attrs(frame, query, fetched, {})
    # the level replaces a column of the same name (funding and ratio rows carry their symbol)
    parts = [f.drop(columns=split.level) if split.level in f.columns else f for f in frames.values()]
    tidy = pd.concat(parts, keys=list(split.values), names=[split.level, "time"])
    tidy = tidy.swaplevel(0, 1).sort_index(level=["time", split.level], sort_remaining=False)
    extra = {}
    if series_like:
        extra["gaps"] = {str(value): _gaps(f, query.step_ms) for value, f in frames.items()}
    late_by_value = {
        str(v): _late_start(f, query, str(v), fetched.now) if late_like else None for v, f in frames.items()
    }
    if any(value is not None for value in late_by_value.values()):
        extra["starts_later"] = {name: value for name, value in late_by_value.items() if value is not None}
    return _with_attrs(tidy, query, fetched, extra)


def _with_attrs(
    frame: pd.DataFrame, query: Query, fetched: Fetched, extra: Mapping[str, Any]
) -> pd.DataFrame:
    params: dict[str, Any] = {**query.params, **query.shown}
    if query.split is not None:
        values = list(query.split.values)
        params[query.split.param] = values if query.split.tidy or len(values) != 1 else values[0]
    # the range asked for; where the call left a bound open, the one the engine planned
    params.update(
        start=query.start if query.start is not None else fetched.begin,
        end=query.end if query.end is not None else fetched.stop,
    )
    frame.attrs = provenance(  # type: ignore[assignment]
        endpoint=query.endpoint.path,
        category=query.category,
        params=params,
        pages=fetched.pages,
        **{**json_safe(dict(query.attrs)), **extra},
    )
    if query.endpoint.summary and fetched.pages and fetched.pages[0].reply is not None:
        frame.attrs["summary"] = summary_of(query.endpoint, fetched.pages[0].reply.result)
    if query.endpoint.shape is Shape.ORDERBOOK and fetched.pages and fetched.pages[0].reply is not None:
        result = fetched.pages[0].reply.result
        frame.attrs.update(_book_attrs(query.endpoint.path, result if isinstance(result, dict) else {}))
    return frame


def _book_attrs(path: str, result: Mapping[str, Any]) -> dict[str, Any]:
    """The order book's own fields: symbol, update id ``u``, ``seq``, and its times ``ts`` / ``cts``."""
    attrs: dict[str, Any] = {"symbol": result.get("s"), "u": result.get("u"), "seq": result.get("seq")}
    for name in ("ts", "cts"):
        try:
            stamp = convert([result.get(name)], TIME)  # "0" and "" are missing, as for every time
        except BadValues as exc:
            raise malformed(path, f"the order book's {name} is {exc}") from None
        attrs[name] = None if stamp.isna()[0] else iso_ms(int(stamp.asi8[0]))
    others = {k: v for k, v in result.items() if k not in ("s", "b", "a", "u", "seq", "ts", "cts")}
    attrs.update(json_safe(others))
    return attrs
