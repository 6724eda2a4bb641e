"""V5 rows and page bytes -> typed DataFrames, driven by the schemas of the endpoint table.

:func:`rows_of` for the rows of an answer, checked to be of the endpoint's shape (:mod:`.rows`,
:mod:`.shapes`); :func:`build_frame` for decoded rows (:mod:`.build`, with the column converters of
:mod:`.convert`); the kline byte path for pages of numbers (:mod:`.klines`, into :class:`Columns`); and
provenance ``attrs`` kept JSON-safe (:mod:`.attrs`).
"""

from __future__ import annotations

from .build import ascending_order, build_frame, is_numeric_rows, orderbook_frame, summary_of
from .columns import Columns, joined
from .convert import BadValues, convert, infer_kind, snake, time_index
from .rows import rows_of

__all__ = [
    "BadValues",
    "Columns",
    "ascending_order",
    "build_frame",
    "convert",
    "infer_kind",
    "is_numeric_rows",
    "joined",
    "orderbook_frame",
    "rows_of",
    "snake",
    "summary_of",
    "time_index",
]
