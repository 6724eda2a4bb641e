"""The files of a history store: listing partitions, their footers, and a summary of what the store holds."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.fs as pafs

from ..core.time import month_start_ms
from ..core.units import DAY_MS
from .history_paths import DATA_FILE, KINDS, Kind, Store
from .parquet_writes import file_meta

__all__ = ["StoredFile", "footers", "info_frame", "stored_files", "stored_values"]

#: footers read at once (object stores answer slowly, one request per footer)
_FOOTER_THREADS = 8


@dataclass(frozen=True)
class StoredFile:
    """One data file: its path relative to the root and its partition values (as text)."""

    relative: str
    keys: dict[str, str]

    def span(self) -> tuple[int, int]:
        """The partition's time range ``[start, end)`` in epoch ms (its month, or its day)."""
        if "date" in self.keys:
            day = int(np.datetime64(self.keys["date"], "D").astype(np.int64))
            return day * DAY_MS, (day + 1) * DAY_MS
        index = (int(self.keys["year"]) - 1970) * 12 + int(self.keys["month"]) - 1
        return month_start_ms(index), month_start_ms(index + 1)


def _keys_of(kind: Kind, relative: str) -> dict[str, str] | None:
    parts = relative.split("/")
    if len(parts) != len(kind.partitions) + 2 or parts[0] != kind.name or parts[-1] != DATA_FILE:
        return None
    keys = {}
    for (name, _), part in zip(kind.partitions, parts[1:-1], strict=True):
        key, sep, value = part.partition("=")
        if not sep or key != name:
            return None
        keys[name] = value
    return keys


def _prefix(kind: Kind, fixed: dict[str, str]) -> str:
    """The deepest folder fixed by the leading partition values given."""
    parts = [kind.name]
    for name, _ in kind.partitions:
        if name not in fixed:
            break
        parts.append(f"{name}={fixed[name]}")
    return "/".join(parts)


def stored_files(store: Store, kind: Kind, **fixed: str) -> list[StoredFile]:
    """The data files of ``kind`` whose partition values match ``fixed`` (e.g. ``category``, ``symbol``),
    sorted by path (so by time within a series)."""
    base = store.path(_prefix(kind, fixed))
    if store.fs.get_file_info(base).type != pafs.FileType.Directory:
        return []
    found = []
    root_length = len(store.root) + 1
    for entry in store.fs.get_file_info(pafs.FileSelector(base, recursive=True)):
        if entry.type != pafs.FileType.File or entry.base_name != DATA_FILE:
            continue
        relative = entry.path[root_length:]
        keys = _keys_of(kind, relative)
        if keys is not None and all(keys.get(k) == v for k, v in fixed.items()):
            found.append(StoredFile(relative, keys))
    return sorted(found, key=lambda f: f.relative)


def stored_values(store: Store, kind: Kind, key: str, **fixed: str) -> list[str]:
    """The values of partition ``key`` present below the folder fixed by ``fixed`` (sorted)."""
    base = store.path(_prefix(kind, fixed))
    if store.fs.get_file_info(base).type != pafs.FileType.Directory:
        return []
    prefix = f"{key}="
    names = [
        entry.base_name[len(prefix) :]
        for entry in store.fs.get_file_info(pafs.FileSelector(base, recursive=False))
        if entry.type == pafs.FileType.Directory and entry.base_name.startswith(prefix)
    ]
    return sorted(names)


def footers(store: Store, files: Iterable[StoredFile]) -> list[dict[str, Any] | None]:
    """The footer metadata of each file (:func:`.parquet_writes.file_meta`), read concurrently."""
    listed = list(files)
    if len(listed) <= 1:
        return [file_meta(store, f.relative) for f in listed]
    with ThreadPoolExecutor(max_workers=min(_FOOTER_THREADS, len(listed))) as pool:
        return list(pool.map(lambda f: file_meta(store, f.relative), listed))


def info_frame(store: Store) -> pd.DataFrame:
    """One row per stored series (kind, category, symbol, interval): its time range, files, rows and bytes.

    Columns: ``kind``, ``category``, ``symbol``, ``interval`` (``""`` for kinds without), ``first`` and
    ``last`` (the first and last record's time, UTC), ``files``, ``complete`` (files that will not be fetched
    again), ``rows`` and ``bytes`` (size on disk).
    """
    records = []
    for kind in KINDS.values():
        files = stored_files(store, kind)
        for stored, meta in zip(files, footers(store, files), strict=True):
            meta = meta or {}
            records.append(
                {
                    "kind": kind.name,
                    "category": stored.keys["category"],
                    "symbol": stored.keys["symbol"],
                    "interval": stored.keys.get("interval", ""),
                    "first": meta.get("first"),
                    "last": meta.get("last"),
                    "files": 1,
                    "complete": int(bool(meta.get("complete"))),
                    "rows": int(meta.get("rows", 0)),
                    "bytes": int(meta.get("bytes", 0)),
                }
            )
    columns = [
        "kind",
        "category",
        "symbol",
        "interval",
        "first",
        "last",
        "files",
        "complete",
        "rows",
        "bytes",
    ]
    if not records:
        empty = pd.DataFrame({name: pd.Series(dtype="str") for name in columns[:4]})
        for name in ("first", "last"):
            empty[name] = pd.Series(dtype="datetime64[ms, UTC]")
        for name in columns[6:]:
            empty[name] = pd.Series(dtype="int64")
        return empty
    frame = pd.DataFrame.from_records(records, columns=columns)
    summary = frame.groupby(columns[:4], sort=True, as_index=False).agg(
        first=("first", "min"),
        last=("last", "max"),
        files=("files", "sum"),
        complete=("complete", "sum"),
        rows=("rows", "sum"),
        bytes=("bytes", "sum"),
    )
    for name in ("first", "last"):
        summary[name] = pd.to_datetime(summary[name], unit="ms", utc=True).astype("datetime64[ms, UTC]")
    return summary.reset_index(drop=True)
