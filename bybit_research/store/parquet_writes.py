"""Writing the history store safely: a store root is checked before anything is fetched, every partition
file is written whole to a hidden temporary file and renamed into place, and each file carries in its
Parquet footer what it covers.

Atomic writes: a reader (or a resumed download) sees either the previous file or the new one, never a part of
one. On a local disk the temporary file is fsynced before ``os.replace``, so a killed process or a crash
leaves at most a hidden ``.data.parquet.*.tmp`` file, which datasets, DuckDB globs and Spark ignore and the
next download removes. On object stores (S3, GCS) an object appears whole when its upload completes; the
rename there is a copy, after which the temporary object is deleted.

Footer metadata (key :data:`META_KEY`, JSON): ``start`` and ``end`` (epoch ms, the range ``[start, end)`` the
file holds every record of), ``complete`` (the partition is finished: closed history that is never fetched
again), ``server_time`` (the exchange's clock when it was fetched), ``fetched_at``, ``endpoint`` and
``params`` of the call that produced it.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from collections.abc import Mapping
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from .history_paths import DATA_FILE, MARKER, Store, marker_bytes

__all__ = [
    "META_KEY",
    "STALE_TEMP_S",
    "WRITE_OPTIONS",
    "file_meta",
    "prepare_store",
    "remove_stale_temps",
    "write_atomic",
    "writer_options",
]

#: the footer metadata key of the store's own description of a file
META_KEY = b"bybit_research.history"
#: temporary files older than this (seconds) are leftovers of a stopped run, removed by the next download
STALE_TEMP_S = 3600.0
#: Parquet writer settings shared by every file: zstd (level 9 writes a month of minutes in about 0.1 s and is
#: 7 % smaller than level 3), statistics on (readers skip row groups by time), format 2.6 (ms timestamps)
WRITE_OPTIONS: dict[str, Any] = {"compression": "zstd", "compression_level": 9, "version": "2.6"}
#: text columns with at most this share of distinct values are dictionary-encoded (``side``, not trade ids)
_DICTIONARY_SHARE = 0.1
_TEMP_SUFFIX = ".tmp"


def prepare_store(store: Store) -> None:
    """Make sure ``store`` can be written: create its root, or accept an existing store; write the marker.

    Raises
    ------
    ValueError
        When the root is a file, a non-empty folder that is not a store (files other than hidden ones and no
        marker: a store is never written into a foreign folder), or cannot be created or written.
    """
    fs, root = store.fs, store.root
    try:
        found = fs.get_file_info(root)
        if found.type == pafs.FileType.File:
            raise ValueError(f"history path {store.url!r} is a file; give a folder")
        if found.type == pafs.FileType.NotFound:
            fs.create_dir(root, recursive=True)
        elif not store.has_marker():
            entries = fs.get_file_info(pafs.FileSelector(root, recursive=False))
            visible = sorted(e.base_name for e in entries if not e.base_name.startswith("."))
            if visible:
                shown = ", ".join(visible[:5]) + (", ..." if len(visible) > 5 else "")
                raise ValueError(
                    f"history path {store.url!r} is not empty ({shown}) and is not a bybit_research history "
                    f"store (no {MARKER}): give an empty or new folder, or an existing store"
                )
        _write_bytes(store, MARKER, marker_bytes())
    except OSError as exc:
        raise ValueError(f"history path {store.url!r} cannot be written: {exc}") from None


def write_atomic(store: Store, directory: str, table: pa.Table, meta: Mapping[str, Any]) -> str:
    """Write ``table`` as the data file of the partition ``directory`` (relative to the root), atomically.

    Parameters
    ----------
    store
        The opened store.
    directory
        The partition folder relative to the root.
    table
        The rows, in the kind's schema.
    meta
        What the file covers (JSON-safe), stored in the footer under :data:`META_KEY`.

    Returns
    -------
    str
        The file's path relative to the root.
    """
    relative = f"{directory}/{DATA_FILE}"
    schema_meta = dict(table.schema.metadata or {})
    schema_meta[META_KEY] = json.dumps(dict(meta), sort_keys=True).encode()
    table = table.replace_schema_metadata(schema_meta)
    final = store.path(relative)
    temp = store.path(f"{directory}/.{DATA_FILE}.{os.getpid()}-{uuid.uuid4().hex[:12]}{_TEMP_SUFFIX}")
    if store.local:
        os.makedirs(store.path(directory), exist_ok=True)
        try:
            pq.write_table(table, temp, **writer_options(table))
            _fsync(temp)
            os.replace(temp, final)
        except BaseException:
            _remove_quietly(store, temp)
            raise
        _fsync_dir(store.path(directory))
        return relative
    store.fs.create_dir(store.path(directory), recursive=True)
    try:
        with store.fs.open_output_stream(temp) as sink:
            pq.write_table(table, sink, **writer_options(table))
        store.fs.move(temp, final)
    except BaseException:
        _remove_quietly(store, temp)
        raise
    return relative


def writer_options(table: pa.Table) -> dict[str, Any]:
    """The Parquet settings of a table: :data:`WRITE_OPTIONS` and an encoding per column.

    Times and integers are delta-encoded (a month of minutes takes a few hundred bytes instead of the
    dictionary's 200 KB); floats are plain, which zstd compresses better here than byte-stream-split or a
    dictionary of mostly distinct prices; text columns with few distinct values use a dictionary.
    """
    encodings: dict[str, str] = {}
    dictionary: list[str] = []
    for field in table.schema:
        kind = field.type
        if pa.types.is_timestamp(kind) or pa.types.is_int64(kind) or pa.types.is_int32(kind):
            encodings[field.name] = "DELTA_BINARY_PACKED"
        elif (pa.types.is_string(kind) or pa.types.is_large_string(kind)) and table.num_rows:
            distinct = pc.count_distinct(table[field.name]).as_py()
            if distinct <= max(1, _DICTIONARY_SHARE * table.num_rows):
                dictionary.append(field.name)
    return {**WRITE_OPTIONS, "use_dictionary": dictionary, "column_encoding": encodings}


def file_meta(store: Store, relative: str) -> dict[str, Any] | None:
    """The footer metadata of a data file, or ``None`` when it has none.

    Added to what the writer stored: ``rows``, ``bytes`` (size on disk), ``first`` and ``last`` (epoch ms of
    the first and last ``time``, ``None`` for an empty file).

    A file that cannot be read as Parquet is treated as absent (``None``): the next download rewrites it.
    """
    path = store.path(relative)
    try:
        size = store.fs.get_file_info(path).size
        with store.fs.open_input_file(path) as source:
            metadata = pq.read_metadata(source)
    except (OSError, pa.ArrowInvalid):
        return None
    raw = (metadata.metadata or {}).get(META_KEY)
    if raw is None:
        return None
    try:
        meta = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(meta, dict):
        return None
    meta["rows"] = metadata.num_rows
    meta["bytes"] = size
    meta["first"], meta["last"] = _time_bounds(metadata)
    return meta


def _time_bounds(metadata: pq.FileMetaData) -> tuple[int | None, int | None]:
    """The first and last ``time`` of a file (epoch ms) from its row-group statistics, or ``None``s."""
    names = metadata.schema.names
    if "time" not in names or metadata.num_rows == 0:
        return None, None
    column = names.index("time")
    lows, highs = [], []
    for group in range(metadata.num_row_groups):
        stats = metadata.row_group(group).column(column).statistics
        if stats is None or not stats.has_min_max:
            return None, None
        lows.append(stats.min)
        highs.append(stats.max)
    return _ms(min(lows)), _ms(max(highs))


def _ms(value: Any) -> int:
    """Epoch ms of a statistics value (a datetime, or an integer in the column's unit)."""
    if hasattr(value, "timestamp"):
        return round(value.timestamp() * 1000)
    return int(value)


def remove_stale_temps(store: Store, directory: str, older_than_s: float = STALE_TEMP_S) -> int:
    """Remove the temporary files of stopped runs under ``directory`` (relative); return how many.

    A temporary file is stale when it is older than ``older_than_s``, or, on a local disk, when the process
    that wrote it (its name holds the process id) no longer runs."""
    base = store.path(directory)
    if store.fs.get_file_info(base).type != pafs.FileType.Directory:
        return 0
    limit = time.time() - older_than_s
    removed = 0
    for entry in store.fs.get_file_info(pafs.FileSelector(base, recursive=True)):
        name = entry.base_name
        if entry.type != pafs.FileType.File or not (name.startswith(".") and name.endswith(_TEMP_SUFFIX)):
            continue
        modified = entry.mtime.timestamp() if entry.mtime is not None else 0.0
        if modified < limit or (store.local and _writer_gone(name)):
            _remove_quietly(store, entry.path)
            removed += 1
    return removed


def _writer_gone(name: str) -> bool:
    """Whether the process named in a temporary file's name (``.data.parquet.<pid>-<id>.tmp``) has ended."""
    digits = name[: -len(_TEMP_SUFFIX)].rsplit(".", 1)[-1].split("-", 1)[0]
    if not digits.isdigit():
        return False
    pid = int(digits)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # it runs, under another user
        return False
    return False


def _write_bytes(store: Store, relative: str, data: bytes) -> None:
    """Write a small file atomically (the marker)."""
    final = store.path(relative)
    temp = store.path(f".{relative}.{os.getpid()}-{uuid.uuid4().hex[:12]}{_TEMP_SUFFIX}")
    try:
        with store.fs.open_output_stream(temp) as sink:
            sink.write(data)
        if store.local:
            _fsync(temp)
        store.fs.move(temp, final)
    except BaseException:
        _remove_quietly(store, temp)
        raise


def _fsync(path: str) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_dir(path: str) -> None:
    """Make a rename durable (best effort: some filesystems refuse to open folders)."""
    with contextlib.suppress(OSError):
        _fsync(path)


def _remove_quietly(store: Store, path: str) -> None:
    with contextlib.suppress(OSError):
        store.fs.delete_file(path)
