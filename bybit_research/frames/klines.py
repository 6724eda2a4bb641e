"""Kline-type pages straight from the JSON bytes to float64 columns, without Python objects per cell.

A kline page is ``{"retCode":0,...,"result":{...,"list":[["1670608800000","17071",...],...]},...}``: a list
of equally long arrays of numeric strings. Decoding it with a JSON parser creates one Python string per cell
(seven thousand per page, millions per year of minutes) only to parse them again; here the ``list`` bytes are
cut out, turned into CSV by ``bytes.translate`` and parsed by arrow's multi-threaded CSV reader. Anything
that does not look exactly like that (spaces, other characters, ragged rows) returns ``None`` and the caller
takes the general decoded path, so the result never depends on which path ran; so does a page whose numbers
are beyond float range or whose times are not times (the decoded path raises
:class:`~bybit_research.errors.ResponseFormatError` naming them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from .build import ascending_order, build_frame
from .columns import Columns, joined
from .convert import MAX_TIME_MS, time_index

if TYPE_CHECKING:
    from ..endpoints import Endpoint

__all__ = [
    "frame_from_columns",
    "numeric_rows_block",
    "numeric_rows_frame",
    "page_columns",
    "pages_columns",
]

_LIST_KEY = b'"list":['
#: the only bytes a compact list of arrays of numeric strings contains
_NUMERIC_LIST_BYTES = b'0123456789.,"-+eE[]'
_OPEN, _CLOSE, _COMMA, _QUOTE = ord("["), ord("]"), ord(","), ord('"')
#: rows to lines: "]" ends a line, "[" goes (a row boundary "],[" becomes a line end and a comma)
_ROW_ENDS = bytes.maketrans(b"]", b"\n")


def numeric_rows_block(content: bytes) -> bytes | None:
    """Return the rows of ``result.list`` of a compact V5 page as CSV bytes, ``b""`` when the list is empty.

    Parameters
    ----------
    content
        The raw response body of a kline-type endpoint.

    Returns
    -------
    bytes or None
        One line per row, each starting with a comma (an empty first field) and the cells still quoted
        (``,"1670608800000","17071",...``), or ``None`` when the body is not a compact list of arrays of
        numeric strings.
    """
    at = content.find(_LIST_KEY)
    if at < 0:
        return None
    begin = at + len(_LIST_KEY)
    if content.startswith(b"]", begin):
        return b"" if content.find(_LIST_KEY, begin) < 0 else None
    stop = content.rfind(b"]]")
    if not content.startswith(b"[", begin) or stop < begin or content.find(_LIST_KEY, stop) >= 0:
        return None  # no list of arrays, or a second list after it: ambiguous
    block = content[begin + 1 : stop]
    # only quotes, digits, signs and separators: no other key or object can hide inside the block
    if not block.startswith(b'"') or not block.endswith(b'"') or block.translate(None, _NUMERIC_LIST_BYTES):
        return None
    codes = np.frombuffer(block, dtype=np.uint8)
    opens, closes = np.flatnonzero(codes == _OPEN), np.flatnonzero(codes == _CLOSE)
    # every bracket inside the block is a row boundary '"],["': no empty, nested or loose rows
    if len(opens) != len(closes) or not (
        np.array_equal(closes + 2, opens)
        and bool((codes[opens - 1] == _COMMA).all())
        and bool((codes[closes - 1] == _QUOTE).all())
        and bool((codes[opens + 1] == _QUOTE).all())  # in range: the block ends with a quote
    ):
        return None
    return b"," + block.translate(_ROW_ENDS, b"[")


def numeric_rows_frame(
    blocks: Sequence[bytes], fields: Sequence[str], use_threads: bool = True
) -> tuple[np.ndarray, np.ndarray] | None:
    """Parse CSV blocks of :func:`numeric_rows_block` into epoch-ms times and a float64 matrix.

    Parameters
    ----------
    blocks
        The blocks of every page (empty blocks are skipped).
    fields
        The names of the array positions; the first is the time in epoch ms, the others are numbers.
    use_threads
        Let arrow parse with several threads (worth it for many pages at once, not for one).

    Returns
    -------
    tuple of numpy.ndarray or None
        ``(times_ms int64, values float64 of shape (rows, len(fields) - 1))`` in page order, or ``None`` when
        a row is ragged or a cell is not a number (the caller then takes the decoded path).
    """
    data = b"\n".join(block for block in blocks if block)
    if not data:
        return np.empty(0, dtype=np.int64), np.empty((0, len(fields) - 1))
    names = [f"c{i}" for i in range(len(fields))]
    types = {name: pa.float64() for name in names}
    types[names[0]] = pa.int64()
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(data),
            read_options=pa_csv.ReadOptions(column_names=["lead", *names], use_threads=use_threads),
            parse_options=pa_csv.ParseOptions(ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(column_types=types, include_columns=names),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if table.num_rows != sum(block.count(b"\n") + 1 for block in blocks if block):
        return None  # every line is one row of its page: the pages are sliced by their line counts
    times = table.column(0)
    if times.null_count:
        return None
    values = np.empty((table.num_rows, len(fields) - 1))
    for i in range(1, len(fields)):
        values[:, i - 1] = table.column(i).to_numpy()
    return times.to_numpy(), values


def page_columns(
    endpoint: Endpoint, category: str | None, content: bytes | None, rows: Callable[[], Sequence[Any]]
) -> Columns:
    """Return the rows of one kline-type page as columns (see :func:`pages_columns`)."""
    return pages_columns(endpoint, category, [content], [rows])[0]


def pages_columns(
    endpoint: Endpoint,
    category: str | None,
    contents: Sequence[bytes | None],
    rows: Sequence[Callable[[], Sequence[Any]]],
) -> list[Columns]:
    """Return the rows of each kline-type page as columns, ascending when a page is simply reversed.

    The pages that have the compact shape are parsed together, by one arrow call; the others (and all of them
    when one cell is not a number) by the general path. Bybit lists candles newest first; turning each page
    around here lets the pages of a range be joined in window order without sorting half a million times.

    Parameters
    ----------
    endpoint, category
        The endpoint (its rows must be a time and numbers: :func:`bybit_research.frames.is_numeric_rows`).
    contents
        The raw body of each page when the client kept it: parsed straight from its bytes.
    rows
        For each page, returns its decoded rows (for pages the bytes path does not take).
    """
    fields = endpoint.row_fields
    blocks = [numeric_rows_block(content) if content else None for content in contents]
    found: list[Columns | None] = [None] * len(contents)
    compact = [k for k, block in enumerate(blocks) if block is not None]
    parsed = numeric_rows_frame([blocks[k] or b"" for k in compact], fields, use_threads=len(compact) > 8)
    if parsed is not None and not _plausible(*parsed):
        parsed = None  # the decoded path names the field and the values that are wrong
    if parsed is not None:
        times, values = parsed
        begin = 0
        for k in compact:
            block = blocks[k]
            count = block.count(b"\n") + 1 if block else 0
            found[k] = _ascending(times[begin : begin + count], values[begin : begin + count])
            begin += count
    return [
        columns if columns is not None else _decoded_columns(endpoint, category, page_rows())
        for columns, page_rows in zip(found, rows, strict=True)
    ]


def _plausible(times: np.ndarray, values: np.ndarray) -> bool:
    """Whether parsed pages hold times from 1970 to 9999 and numbers within float range (or missing)."""
    return bool(np.all((times > 0) & (times <= MAX_TIME_MS))) and not np.isinf(values).any()


def _ascending(times: np.ndarray, values: np.ndarray) -> Columns:
    """The page's own arrays, turned around when they are strictly descending (Bybit's order)."""
    if len(times) > 1 and bool(np.all(times[1:] < times[:-1])):
        return Columns(times[::-1].copy(), values[::-1].copy())
    return Columns(times, values)


def _decoded_columns(endpoint: Endpoint, category: str | None, rows: Sequence[Any]) -> Columns:
    frame = build_frame(endpoint, rows, category)
    times = cast(pd.DatetimeIndex, frame.index).asi8.copy()
    return Columns(times, frame.to_numpy(dtype=np.float64))


def frame_from_columns(parts: Sequence[Columns], columns: Sequence[str], unique: bool) -> pd.DataFrame:
    """Build the kline frame (ascending ``time`` index, float64 columns) from the columns of all pages."""
    together = joined(parts)
    if together is not None:  # read together from the column store: already one pair of arrays
        ms, values = together.times, together.values
    elif parts:
        ms = np.concatenate([part.times for part in parts])
        values = np.concatenate([part.values for part in parts])
    else:
        ms, values = np.empty(0, dtype=np.int64), np.empty((0, len(columns)))
    order = ascending_order(ms, unique)
    if order is not None:
        ms, values = ms[order], values[order]
    return pd.DataFrame(values, index=time_index(ms), columns=list(columns), copy=False)
