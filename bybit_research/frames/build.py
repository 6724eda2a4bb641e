"""Raw V5 rows -> typed pandas DataFrames, driven by the column schema of the endpoint table.

The contract (every frame, every endpoint): time series have a ``DatetimeIndex`` named ``time``
(``datetime64[ms, UTC]``, ascending, unique unless the endpoint says otherwise); snapshots are indexed by
their key (``symbol``); columns are the snake_case V5 field names, nested objects flattened to their leaf
names when that is unambiguous; types as in :mod:`.convert`. Fields the schema does not know are kept and
typed by :func:`~.convert.infer_kind`; fields the schema knows are columns whatever the data holds.

A value that cannot be what its field holds, or a row without the time or key it is indexed by, raises
:class:`~bybit_research.errors.ResponseFormatError` naming the endpoint and the field."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from ..endpoints import BOOL, FLOAT, INT, STR, TIME, Endpoint, IndexKind, Schema, Shape
from ..errors import malformed
from .attrs import json_safe
from .convert import MAX_TIME_MS, BadValues, blank_to_null, convert, infer_kind, snake, time_index
from .shapes import arrays, as_list, describe

__all__ = [
    "ascending_order",
    "build_frame",
    "is_numeric_rows",
    "oldest_first_order",
    "orderbook_frame",
    "summary_frame",
    "summary_of",
]

# --------------------------------------------------------------------------------------------- column plans


@dataclass(frozen=True)
class _Column:
    name: str
    path: tuple[str, ...]
    kind: str
    #: whether the schema names the field (an inferred kind may be wrong for later rows)
    known: bool = True


def _dig(rows: Sequence[Any], path: tuple[str, ...], all_dicts: bool = False) -> list[Any]:
    """The values at ``path`` in each row (``None`` where a row has none); ``all_dicts``: every row is known
    to be an object (the check per cell is skipped)."""
    first = path[0]
    if all_dicts:
        values: list[Any] = [r.get(first) for r in rows]
    else:
        values = [r.get(first) if isinstance(r, dict) else None for r in rows]
    for key in path[1:]:
        values = [v.get(key) if isinstance(v, dict) else None for v in values]
    return values


def _leaves(
    schema: Schema, rows: Sequence[Any], prefix: tuple[str, ...], known: bool = True
) -> list[tuple[tuple[str, ...], str, bool]]:
    """Return ``(path, kind, known)`` of every leaf: the schema's fields, then unknown ones as they appear."""
    named = list(schema)
    dicts = [r for r in rows if isinstance(r, dict)]
    extra = [k for k in dict.fromkeys(chain.from_iterable(dicts)) if k not in schema]
    out: list[tuple[tuple[str, ...], str, bool]] = []
    for name in named + extra:
        in_schema = known and name in schema
        kind = schema[name] if name in schema else infer_kind(name, [r.get(name) for r in dicts])
        if isinstance(kind, Mapping):
            out.extend(_leaves(kind, [r.get(name) for r in dicts], (*prefix, name), in_schema))
        else:
            out.append(((*prefix, name), kind, in_schema))
    return out


def _plan(schema: Schema, rows: Sequence[Any]) -> list[_Column]:
    """Name each leaf by its snake_case leaf name, or by its whole path where leaf names collide."""
    leaves = _leaves(schema, rows, ())
    counts: dict[str, int] = {}
    for path, _, _ in leaves:
        counts[snake(path[-1])] = counts.get(snake(path[-1]), 0) + 1
    return [
        _Column(
            snake(path[-1]) if counts[snake(path[-1])] == 1 else "_".join(map(snake, path)), path, kind, known
        )
        for path, kind, known in leaves
    ]


def _converted(endpoint: Endpoint, field: str, values: Sequence[Any], kind: str, known: bool) -> Any:
    """``convert(values, kind)``; a field the schema does not know whose later values do not fit the kind
    inferred from the first ones is kept as text; a known field's misfits make the answer malformed."""
    try:
        return convert(values, kind)
    except BadValues as exc:
        if not known:
            return convert(values, STR)
        raise malformed(endpoint.path, f"field {field!r} ({kind}) holds values that are {exc}") from None


def _records_columns(endpoint: Endpoint, rows: Sequence[Any], schema: Schema) -> dict[str, Any]:
    columns = {}
    all_dicts = all(type(row) is dict for row in rows)
    for col in _plan(schema, rows):
        values = _converted(
            endpoint, ".".join(col.path), _dig(rows, col.path, all_dicts), col.kind, col.known
        )
        if col.kind == BOOL and len(col.path) > 1:
            # a flag inside an object that may be null (preListingInfo): nullable, whatever this page holds
            values = pd.array(values, dtype="boolean")
        columns[col.name] = values
    return columns


def _arrays_columns(endpoint: Endpoint, rows: Sequence[Sequence[Any]], schema: Schema) -> dict[str, Any]:
    fields = endpoint.row_fields
    width = max(map(len, rows), default=len(fields))
    names = [*fields, *(f"field_{i}" for i in range(len(fields), width))]
    kinds = [schema.get(f, FLOAT) for f in names]
    if rows and set(kinds) <= {FLOAT, TIME, INT}:
        parsed = _parse_block(rows, width)
        if parsed is not None and all(_exact(c, k) for c, k in zip(parsed, kinds, strict=True)):
            return {snake(n): _from_float(c, k) for n, c, k in zip(names, parsed, kinds, strict=True)}
    padded = [list(r) + [None] * (width - len(r)) for r in rows]
    columns = list(zip(*padded, strict=True)) if padded else [() for _ in names]
    return {
        snake(n): _converted(endpoint, n, list(c), k, n in fields)
        for n, c, k in zip(names, columns, kinds, strict=True)
    }


def _exact(column: np.ndarray, kind: str) -> bool:
    """Whether parsed cells are what ``kind`` holds: finite (or missing) numbers, and for integers and times
    whole numbers within range. Other columns go through :func:`convert`, which names the culprits."""
    if np.isinf(column).any():
        return False
    if kind == FLOAT:
        return True
    present = column[~np.isnan(column)]
    low, high = (0.0, float(MAX_TIME_MS)) if kind == TIME else (-(2.0**53), 2.0**53)
    return bool(np.all((present == np.floor(present)) & (present >= low) & (present <= high)))


def _from_float(column: np.ndarray, kind: str) -> Any:
    if kind == FLOAT:
        return np.ascontiguousarray(column)
    mask = ~np.isfinite(column)
    ints = np.where(mask, 0, column).astype(np.int64)
    if kind == TIME:
        return time_index(ints, name=None).array
    return pd.arrays.IntegerArray(ints, mask)


# --------------------------------------------------------------------------------------------------- frames


def summary_of(endpoint: Endpoint, result: Any) -> dict[str, Any]:
    """The fields of ``result`` that describe the whole answer (``Endpoint.summary``), typed, JSON-safe.

    The wallet's are the account's fields beside its coins (``result.list[0]``); the others are top-level
    fields of ``result``. Fields the schema does not know are kept too (typed by inference), except the
    rows themselves."""
    if not endpoint.summary or not isinstance(result, dict):
        return {}
    if endpoint.shape is Shape.WALLET:
        accounts = [a for a in result.get("list") or [] if isinstance(a, dict)]
        record = {k: v for k, v in (accounts[0] if accounts else {}).items() if k != endpoint.result_key}
    else:
        rows_key = endpoint.result_key.split(".")[0]
        record = {k: v for k, v in result.items() if k not in (rows_key, *endpoint.row_extras)}
    columns = _records_columns(endpoint, [record], endpoint.summary)
    return {name: json_safe(pd.Series(values).iloc[0]) for name, values in columns.items()}


def summary_frame(schema: Schema, summary: Mapping[str, Any], index: str | None = None) -> pd.DataFrame:
    """One typed row from a summary of :func:`summary_of` (JSON-safe values: numbers, text, ISO times).

    Columns are the schema's snake_case fields (every one, missing ones as NaN/NaT/None) then any other key
    of ``summary``; ``index`` names the column to index the row by."""
    names = {snake(name): kind for name, kind in schema.items() if not isinstance(kind, Mapping)}
    columns: dict[str, Any] = {}
    for name in [*names, *(k for k in summary if k not in names)]:
        value, kind = summary.get(name), names.get(name)
        if kind == FLOAT or (kind is None and isinstance(value, float)):
            columns[name] = np.array([np.nan if value is None else float(value)])
        elif kind == INT:
            columns[name] = pd.array([value], dtype="Int64")
        elif kind == TIME:
            columns[name] = pd.DatetimeIndex([value], dtype="datetime64[ms, UTC]").array
        elif kind == BOOL:
            columns[name] = pd.array([value], dtype="boolean")
        else:
            columns[name] = pd.array([None if value is None else str(value)], dtype="str")
    frame = pd.DataFrame(columns, index=pd.RangeIndex(1))
    return frame.set_index(index) if index is not None and index in frame.columns else frame


def build_frame(endpoint: Endpoint, rows: Sequence[Any], category: str | None = None) -> pd.DataFrame:
    """Return the typed frame of ``rows`` (the concatenated rows of every page) of ``endpoint``.

    Time-indexed frames come out ascending and, unless the endpoint keeps duplicates, de-duplicated (the last
    occurrence wins). Where duplicates are kept (histories of events), rows of the same millisecond come in
    the exchange's order of events: V5 lists history newest first, so that is the reverse of their order in
    the answer. An empty ``rows`` gives an empty frame with the schema's columns and dtypes.
    """
    schema = endpoint.schema(category)
    if endpoint.shape is Shape.ROWS and endpoint.index_kind is IndexKind.TIME:
        fast = _numeric_rows_frame(rows, endpoint, schema)
        if fast is not None:
            return fast
    if endpoint.shape is Shape.ROWS:
        columns = _arrays_columns(endpoint, rows, schema)
    else:
        columns = _records_columns(endpoint, rows, schema)
    if endpoint.index is None or endpoint.index_kind is IndexKind.RANGE:
        return _frame(columns, pd.RangeIndex(len(rows)))
    key = snake(endpoint.index)
    if endpoint.index_kind is IndexKind.TIME:
        stamps = pd.DatetimeIndex(columns.pop(key), name="time")
        if stamps.hasnans:
            missing = int(np.count_nonzero(stamps.isna()))
            raise malformed(endpoint.path, f"{missing} of {len(stamps)} rows have no {endpoint.index}")
        ms = stamps.asi8
        order = ascending_order(ms, True) if endpoint.unique_index else oldest_first_order(ms)
        if order is not None:
            columns = {name: _take(values, order) for name, values in columns.items()}
            stamps = stamps[order]
        return _frame(columns, stamps)
    index = pd.Index(columns.pop(key), name=key)
    if index.hasnans:  # a row of a snapshot without its key: nothing to index it by (and not made up)
        missing = int(np.count_nonzero(index.isna()))
        raise malformed(endpoint.path, f"{missing} of {len(index)} rows have no {endpoint.index}")
    frame = _frame(columns, index)
    if endpoint.unique_index and not index.is_unique:
        frame = frame[~index.duplicated(keep="last")]
    return frame


def _frame(columns: Mapping[str, Any], index: pd.Index) -> pd.DataFrame:
    """``pd.DataFrame(columns, index=index)``, keeping object columns (:data:`OBJECT` fields) as objects:
    pandas would make an object array holding only strings a ``str`` column, so the dtype would depend on the
    data."""
    frame = pd.DataFrame(columns, index=index)
    for name, values in columns.items():
        if isinstance(values, np.ndarray) and values.dtype == object and frame[name].dtype != object:
            frame[name] = pd.Series(values, index=index, dtype=object)
    return frame


def oldest_first_order(ms: np.ndarray) -> np.ndarray | None:
    """The positions that put rows listed newest first into ascending time, ties in the reverse of their
    listed order (the order the events happened in); None when nothing moves."""
    if len(ms) < 2:
        return None
    reversed_order = np.argsort(ms[::-1], kind="stable")
    order = (len(ms) - 1) - reversed_order
    return None if np.array_equal(order, np.arange(len(ms))) else order


def ascending_order(ms: np.ndarray, unique: bool) -> np.ndarray | None:
    """Return the positions that sort ``ms`` ascending (stably; the last of equal values when ``unique``), or
    None when the order is already right."""
    if len(ms) == 0 or bool(np.all(ms[1:] > ms[:-1])):
        return None
    order = np.argsort(ms, kind="stable")
    if unique:
        ordered = ms[order]
        keep = np.empty(len(order), dtype=bool)
        keep[-1] = True
        np.not_equal(ordered[1:], ordered[:-1], out=keep[:-1])
        order = order[keep]
    if len(order) == len(ms) and np.array_equal(order, np.arange(len(ms))):
        return None
    return order


def _take(values: Any, order: np.ndarray) -> Any:
    return values[order] if isinstance(values, np.ndarray) else values.take(order)


#: above this many cells arrow's CSV reader (fixed cost ~0.3 ms, then fastest) beats casting a string array
_CSV_CELLS = 20_000


def _parse_block(rows: Sequence[Sequence[Any]], width: int) -> list[np.ndarray] | None:
    """Return the float64 columns of rectangular rows of numeric strings, or None when they are not that."""
    try:
        if len(rows) * width < _CSV_CELLS:
            flat = list(chain.from_iterable(rows))
            if len(flat) != len(rows) * width or max(map(len, rows)) != width:
                return None
            cells = pc.cast(blank_to_null(pa.array(flat, type=pa.string())), pa.float64())
            block = cells.to_numpy(zero_copy_only=False).reshape(-1, width)
            return [block[:, i] for i in range(width)]
        names = [str(i) for i in range(width)]
        table = pa_csv.read_csv(
            pa.BufferReader("\n".join(map(",".join, rows)).encode()),
            read_options=pa_csv.ReadOptions(column_names=names, use_threads=True),
            convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(names, pa.float64())),
        )
    except (TypeError, pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if table.num_rows != len(rows):
        return None
    return [column.to_numpy() for column in table.columns]


def _numeric_rows_frame(
    rows: Sequence[Sequence[Any]], endpoint: Endpoint, schema: Schema
) -> pd.DataFrame | None:
    """Klines: all cells parsed at once by arrow into float64 columns, sorted, the time as index.

    Returns None when the rows do not fit this shape (ragged, non-string or non-numeric cells), so the general
    path runs instead.
    """
    fields = endpoint.row_fields
    if not rows or not is_numeric_rows(endpoint, None, schema):
        return None
    columns = _parse_block(rows, len(fields))
    if columns is None or not (columns[0] > 0).all() or not _exact(columns[0], TIME):
        return None  # missing ("", "0") or impossible times: the general path says which
    if not all(_exact(column, FLOAT) for column in columns[1:]):
        return None
    ms = columns[0].astype(np.int64)
    block = np.column_stack(columns[1:])
    order = ascending_order(ms, endpoint.unique_index)
    if order is not None:
        block, ms = block[order], ms[order]
    return pd.DataFrame(block, index=time_index(ms), columns=[snake(f) for f in fields[1:]], copy=False)


def is_numeric_rows(endpoint: Endpoint, category: str | None, schema: Schema | None = None) -> bool:
    """Whether ``endpoint`` answers time-indexed arrays whose first cell is the time and the rest numbers."""
    if endpoint.shape is not Shape.ROWS or endpoint.index_kind is not IndexKind.TIME:
        return False
    schema = endpoint.schema(category) if schema is None else schema
    fields = endpoint.row_fields
    if not fields or fields[0] != endpoint.index or schema.get(fields[0]) != TIME:
        return False
    return all(schema.get(f, FLOAT) == FLOAT for f in fields[1:])


def orderbook_frame(endpoint: Endpoint, result: Any) -> pd.DataFrame:
    """Return an order-book snapshot as a frame of levels: ``side`` (bid/ask), ``price``, ``size``, ``level``.

    Bids come first from the best (highest) price down, then asks from the best (lowest) price up; ``level``
    counts from 1 per side. Extra level fields (e.g. RPI sizes) become further columns. ``result`` is the
    answer's ``result`` (``None``: an empty book).

    Raises
    ------
    ResponseFormatError
        When ``result`` is not an object, its ``b`` / ``a`` are not lists of ``[price, size, ...]`` arrays, or
        a price or size is not a number.
    """
    path, fields = endpoint.path, endpoint.row_fields
    if result is not None and not isinstance(result, Mapping):
        raise malformed(path, f"result is {describe(result)}, expected an object")
    book = result or {}
    bids, asks = (
        arrays(path, f"result.{side}", as_list(path, f"result.{side}", book.get(side)), fields, False)
        for side in ("b", "a")
    )
    schema = endpoint.schema(None)
    levels = _arrays_columns(endpoint, bids + asks, schema)
    columns: dict[str, Any] = {
        "side": pd.array(["bid"] * len(bids) + ["ask"] * len(asks), dtype="str"),
        "price": levels.pop("price"),
        "size": levels.pop("size"),
        "level": pd.array(
            np.concatenate([np.arange(1, len(bids) + 1), np.arange(1, len(asks) + 1)]).astype(np.int64),
            dtype="Int64",
        ),
        **levels,
    }
    return _frame(columns, pd.RangeIndex(len(bids) + len(asks)))
