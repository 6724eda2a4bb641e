"""The Parquet history store, reading side: a ``pyarrow.dataset`` over a kind, frames equal to the public
functions' frames for a range, and what the store holds.

The store's layout is in :mod:`.history_paths`, its writes in :mod:`.parquet_writes`, what each file covers in
:mod:`.history_coverage`, DuckDB views in :mod:`.history_sql`. Nothing here fetches: ``br.history.download``
(:mod:`bybit_research.history`) fills the store.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from ..core.time import TimeLike, checked_range
from ..endpoints.checks import check_interval, check_symbols
from ..frames.attrs import iso_ms, json_safe
from .history_files import StoredFile, footers, info_frame, stored_files, stored_values
from .history_paths import (
    KINDS,
    Kind,
    Store,
    check_category,
    check_kind,
    kind_endpoint,
    kline_kind,
    open_store,
)

__all__ = ["HistoryGapWarning", "dataset", "info", "read", "resolve_kind", "table_of_frame"]

#: kinds whose public function's frame of one symbol has a ``symbol`` column (funding history rows do)
_SYMBOL_COLUMN = frozenset({"funding"})


class HistoryGapWarning(UserWarning):
    """Part of the range read is not in the history store (never downloaded, or not published)."""


def resolve_kind(kind: object = "klines", price: object = None) -> Kind:
    """The kind of ``kind`` and, for ``kind="klines"``, the price flavour ``price`` (default ``"last"``).

    ``ValueError`` for an unknown kind or flavour, or a flavour given with another kind."""
    checked = check_kind(kind)
    if checked.name == "klines":
        return kline_kind("last" if price is None else price)
    if price is not None and price != checked.price:
        raise ValueError(f"price={price!r} applies to kind='klines' only, not {checked.name!r}")
    return checked


def table_of_frame(kind: Kind, frame: pd.DataFrame) -> pa.Table:
    """The rows of one symbol's frame (as the public function returns it) as the table stored for ``kind``.

    The index becomes the ``time`` column; the kind's columns get their types; any other column the frame has
    is kept with the type arrow gives it, except ``symbol`` (the partition key).
    """
    columns = frame.drop(columns=["symbol"], errors="ignore").reset_index()
    if "time" not in columns.columns:
        raise ValueError(f"a {kind.name} frame needs a time index, got index {frame.index.name!r}")
    table = pa.Table.from_pandas(columns, preserve_index=False)
    known = dict(kind.columns)
    arrays, fields = [], []
    for name in [n for n, _ in kind.columns] + [n for n in table.column_names if n not in known]:
        if name not in table.column_names:
            raise ValueError(f"a {kind.name} frame needs column {name!r}, got {list(frame.columns)}")
        target = known.get(name, table.schema.field(name).type)
        arrays.append(table[name].cast(target))
        fields.append(pa.field(name, target))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def dataset(path: str | os.PathLike[str] | None = None, kind: str = "klines") -> ds.Dataset:
    """The ``pyarrow.dataset.Dataset`` of one kind of the store, partition keys as columns.

    Parameters
    ----------
    path
        The store (a folder or a filesystem URL; default :func:`.history_paths.default_root`).
    kind
        ``"klines"``, ``"mark_klines"``, ``"index_klines"``, ``"premium_klines"``, ``"funding"``,
        ``"open_interest"`` or ``"trades"``.

    Returns
    -------
    pyarrow.dataset.Dataset
        Columns: the files' columns (``time`` first), then the partition keys ``category``, ``symbol``,
        ``interval`` (kinds with one), ``year`` and ``month`` (or ``date`` for trades). Filter on the keys
        to read only their files: ``ds.to_table(filter=(pc.field("symbol") == "BTCUSDT"))``.

    Raises
    ------
    ValueError
        For an unknown kind, or a store that holds none of it.
    """
    store = open_store(path)
    checked = check_kind(kind)
    files = stored_files(store, checked)
    if not files:
        held = [k for k in KINDS if stored_files(store, KINDS[k])]
        raise ValueError(
            f"the history store {store.url!r} holds no {checked.name}; it holds: {held or 'nothing yet'}"
        )
    return _files_dataset(store, checked, files)


def _files_dataset(store: Store, kind: Kind, files: Sequence[StoredFile]) -> ds.Dataset:
    paths = [store.path(f.relative) for f in files]
    options = ds.FileSystemFactoryOptions(
        partition_base_dir=store.kind_root(kind), partitioning=kind.partitioning()
    )
    factory = ds.FileSystemDatasetFactory(store.fs, paths, ds.ParquetFileFormat(), options)
    # files may differ (the trade archive gained columns over time; spot and contract files differ)
    schema = factory.inspect(promote_options="permissive", fragments=None)
    return factory.finish(schema)


def read(
    symbols: str | Sequence[str],
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    interval: str | int | None = None,
    columns: Sequence[str] | None = None,
    *,
    kind: str = "klines",
    category: str = "linear",
    price: str | None = None,
    path: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Read a range of one or many symbols from the store: the frame the public function would give.

    ``read("BTCUSDT", "2024-01-01", "2024-02-01", "1")`` equals ``klines("BTCUSDT", "1", "2024-01-01",
    "2024-02-01")`` for a downloaded range (the ``closed`` flag as of the download).

    Parameters
    ----------
    symbols
        A symbol, or a list of symbols (one tidy ``(time, symbol)`` frame, as the public functions give).
    start, end
        Range ``[start, end)``: str, datetime, pd.Timestamp or epoch ms; naive times are UTC. ``None``:
        from the first / to the last record stored.
    interval
        The kline interval (``1 3 5 ... 720 D W M`` or an alias such as ``"1h"``) or the open-interest
        interval (``5min ... 1d``); ``None`` when the store holds a single one. Not used by funding and
        trades.
    columns
        Columns to read (default all).
    kind
        ``"klines"`` (default; the flavour is ``price``), ``"mark_klines"``, ``"index_klines"``,
        ``"premium_klines"``, ``"funding"``, ``"open_interest"`` or ``"trades"``.
    category
        ``"linear"`` (default), ``"inverse"``, ``"spot"`` or ``"option"``, as the kind allows.
    price
        With ``kind="klines"``: ``"last"`` (default), ``"mark"``, ``"index"`` or ``"premium"``.
    path
        The store (default :func:`.history_paths.default_root`).

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (``datetime64[ms, UTC]``; trades ``datetime64[us, UTC]``), ascending; a
        ``(time, symbol)`` MultiIndex for a list of symbols. Columns as the public function's frame:
        klines ``open, high, low, close, volume, turnover, closed``; mark/index/premium klines ``open,
        high, low, close, closed``; funding ``symbol, funding_rate``; open interest ``open_interest,
        single_open_interest``; trades the archive's columns (:mod:`.archive_csv`). ``attrs``: ``source``
        (``"history"``), ``path``, ``kind``, ``category``, ``params``, ``files``, ``server_time`` (the
        exchange's clock of the newest file) and ``missing`` (ranges of ``[start, end)`` the store does not
        hold, per symbol for a list; a :class:`HistoryGapWarning` says so too).

    Raises
    ------
    ValueError
        Bad arguments (naming what is allowed), or a symbol / interval the store holds nothing of (naming
        what it holds).
    """
    store = open_store(path)
    checked = resolve_kind(kind, price)
    cat = check_category(checked, category)
    names, many = check_symbols(symbols, cat)
    start_ms, end_ms = checked_range(start, end)
    code = _interval(store, checked, cat, names, interval)
    frames: dict[str, pd.DataFrame] = {}
    missing: dict[str, list[list[str]]] = {}
    times: list[int] = []
    count = 0
    for name in names:
        fixed = {"category": cat, "symbol": name, **({"interval": code} if code is not None else {})}
        files = [f for f in stored_files(store, checked, **fixed) if _overlaps(f, start_ms, end_ms)]
        metas = footers(store, files)
        times += [int(m["server_time"]) for m in metas if m and m.get("server_time") is not None]
        count += len(files)
        table = _read_table(store, checked, files, start_ms, end_ms, columns)
        frames[name] = _frame(checked, table, name, many)
        gaps = _missing(files, metas, start_ms, end_ms)
        if gaps:
            missing[name] = [[iso_ms(a), iso_ms(b)] for a, b in gaps]
    if missing:
        shown = "; ".join(f"{n}: {', '.join(f'{a}..{b}' for a, b in g[:3])}" for n, g in missing.items())
        warnings.warn(
            f"the history store {store.url!r} does not hold all of the range of {checked.name}: {shown} "
            "(download them with br.history.download)",
            HistoryGapWarning,
            stacklevel=2,
        )
    frame = frames[names[0]] if not many else _tidy(frames, names)
    params = {"symbol": names if many else names[0], "interval": code, "start": start_ms, "end": end_ms}
    frame.attrs = json_safe(
        {
            "source": "history",
            "path": store.url,
            "kind": checked.name,
            "category": cat,
            "params": {k: v for k, v in params.items() if v is not None},
            "files": count,
            "server_time": iso_ms(max(times)) if times else None,
            "missing": missing if many else missing.get(names[0], []),
        }
    )
    return frame


def _interval(store: Store, kind: Kind, category: str, symbols: list[str], interval: object) -> str | None:
    """The interval partition to read: checked, and held by the store for every symbol."""
    if not kind.has_interval:
        if interval is not None:
            raise ValueError(f"{kind.name} have no interval; leave interval=None")
        for symbol in symbols:
            if not stored_files(store, kind, category=category, symbol=symbol):
                raise ValueError(_nothing_of(store, kind, category, symbol))
        return None
    held = {s: stored_values(store, kind, "interval", category=category, symbol=s) for s in symbols}
    for symbol, values in held.items():
        if not values:
            raise ValueError(_nothing_of(store, kind, category, symbol))
    if interval is None:
        every = sorted({v for values in held.values() for v in values})
        if len(every) != 1:
            raise ValueError(f"interval is needed: the store holds {kind.name} at intervals {every}")
        interval = every[0]
    endpoint = kind_endpoint(kind)
    assert endpoint is not None
    code, _ = check_interval(interval, endpoint)
    for symbol, values in held.items():
        if code not in values:
            raise ValueError(
                f"the history store {store.url!r} holds no {kind.name} of {symbol} ({category}) at interval "
                f"{code!r}; it holds intervals {values}"
            )
    return code


def _nothing_of(store: Store, kind: Kind, category: str, symbol: str) -> str:
    held = stored_values(store, kind, "symbol", category=category)
    return (
        f"the history store {store.url!r} holds no {kind.name} of {symbol} ({category}); it holds "
        f"{held or 'none'} (download with br.history.download)"
    )


def _overlaps(stored: StoredFile, start: int | None, end: int | None) -> bool:
    lo, hi = stored.span()
    return (start is None or hi > start) and (end is None or lo < end)


def _read_table(
    store: Store,
    kind: Kind,
    files: list[StoredFile],
    start: int | None,
    end: int | None,
    columns: Sequence[str] | None,
) -> pa.Table:
    if not files:
        return kind.schema.empty_table()
    data = _files_dataset(store, kind, files)
    names = [n for n in data.schema.names if n not in dict(kind.partitions)]
    if columns is not None:
        wanted = [columns] if isinstance(columns, str) else list(columns)
        unknown = [c for c in wanted if c not in names or c == "time"]
        if unknown:
            allowed = [n for n in names if n != "time"]
            raise ValueError(f"columns {unknown} are not stored for {kind.name}; allowed: {allowed}")
        names = ["time", *wanted]
    unit = data.schema.field("time").type
    condition = None
    if start is not None:
        condition = pc.field("time") >= pa.scalar(_in_unit(start, unit), unit)
    if end is not None:
        before = pc.field("time") < pa.scalar(_in_unit(end, unit), unit)
        condition = before if condition is None else condition & before
    return data.to_table(columns=names, filter=condition)


def _in_unit(ms: int, unit: pa.DataType) -> int:
    return ms * 1000 if getattr(unit, "unit", "ms") == "us" else ms


def _frame(kind: Kind, table: pa.Table, symbol: str, many: bool) -> pd.DataFrame:
    frame = table.to_pandas().set_index("time")
    if kind.name in _SYMBOL_COLUMN and not many:
        frame.insert(0, "symbol", pd.Series(symbol, index=frame.index, dtype="str"))
    return frame


def _tidy(frames: dict[str, pd.DataFrame], names: list[str]) -> pd.DataFrame:
    """One ``(time, symbol)`` frame, ordered as the public functions order theirs."""
    tidy = pd.concat([frames[n] for n in names], keys=names, names=["symbol", "time"])
    return tidy.swaplevel(0, 1).sort_index(level=["time", "symbol"], sort_remaining=False)


def _missing(
    files: list[StoredFile], metas: list[dict[str, Any] | None], start: int | None, end: int | None
) -> list[tuple[int, int]]:
    """The parts of ``[start, end)`` (open bounds: the stored extent) no file holds."""
    held = sorted(
        (int(m["start"]), int(m["end"]))
        for m in metas
        if m and "start" in m and "end" in m and m["end"] > m["start"]
    )
    if not held:
        spans = [f.span() for f in files]
        lo = start if start is not None else min((s for s, _ in spans), default=None)
        hi = end if end is not None else max((e for _, e in spans), default=None)
        return [(lo, hi)] if lo is not None and hi is not None and lo < hi else []
    lo = start if start is not None else held[0][0]
    hi = end if end is not None else max(e for _, e in held)
    gaps, cursor = [], lo
    for a, b in held:
        if a > cursor and cursor < hi:
            gaps.append((cursor, min(a, hi)))
        cursor = max(cursor, b)
    if cursor < hi:
        gaps.append((cursor, hi))
    return gaps


def info(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """What the store holds: one row per series (kind, category, symbol, interval).

    Parameters
    ----------
    path
        The store (default :func:`.history_paths.default_root`).

    Returns
    -------
    pandas.DataFrame
        Columns ``kind``, ``category``, ``symbol``, ``interval`` (``""`` for funding and trades), ``first``
        and ``last`` (times of the first and last record, ``datetime64[ms, UTC]``), ``files``, ``complete``
        (files that are final), ``rows`` and ``bytes`` (size on disk); sorted by the first four.
        ``attrs["path"]`` is the store.
    """
    store = open_store(path)
    frame = info_frame(store)
    frame.attrs = {"path": store.url, "bytes": int(np.asarray(frame["bytes"]).sum()) if len(frame) else 0}
    return frame
