"""Columns of raw V5 values -> typed arrays: numeric strings -> float64, integers -> Int64, ms times ->
``datetime64[ms, UTC]`` ("0"/"" -> NaT), booleans -> bool (``boolean`` when missing), text -> str, "" ->
missing.

Whole columns are converted with pyarrow, never cell by cell; :func:`infer_kind` types the fields the endpoint
table does not know.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..endpoints import BOOL, FLOAT, INT, OBJECT, STR, TIME

__all__ = ["blank_to_null", "convert", "infer_kind", "snake", "time_index"]

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NUMERIC = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_NUMERIC_TYPES = (pa.int64(), pa.float64(), pa.bool_())


def snake(name: str) -> str:
    """Column name of a V5 field: ``bid1Iv`` -> ``bid1_iv``, ``isRPITrade`` -> ``is_rpi_trade``."""
    return _CAMEL.sub("_", name).lower()


def blank_to_null(arr: pa.Array) -> pa.Array:
    blank = pc.equal(arr, "")
    if not pc.any(blank).as_py():
        return arr
    return pc.if_else(blank, pa.scalar(None, arr.type), arr)


def _arrow(values: Sequence[Any]) -> pa.Array | None:
    """Return ``values`` as an arrow array of strings or numbers (blank strings -> null), or None if mixed."""
    try:
        arr = pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if pa.types.is_string(arr.type):
        return blank_to_null(arr)
    if pa.types.is_null(arr.type) or arr.type in _NUMERIC_TYPES:
        return arr
    return None


def _python_float(value: Any) -> float:
    if value is None or value == "" or isinstance(value, dict | list):
        return np.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan


def _to_float(values: Sequence[Any]) -> np.ndarray:
    arr = _arrow(values)
    if arr is not None:
        try:
            return pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    return np.fromiter((_python_float(v) for v in values), dtype=np.float64, count=len(values))


def _to_int64(values: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(int64 values, missing mask)``."""
    arr = _arrow(values)
    if arr is not None:
        try:
            ints = pc.cast(arr, pa.int64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            ints = None
        if ints is not None:
            mask = ints.is_null().to_numpy(zero_copy_only=False)
            return pc.fill_null(ints, 0).to_numpy(zero_copy_only=False).astype(np.int64, copy=True), mask
    floats = _to_float(values)
    mask = ~np.isfinite(floats)
    return np.where(mask, 0, floats).astype(np.int64), mask


def time_index(ms: np.ndarray, name: str | None = "time") -> pd.DatetimeIndex:
    """Return epoch milliseconds (int64; 0 = missing) as a ``datetime64[ms, UTC]`` index."""
    stamps = ms.astype("datetime64[ms]", copy=True)
    stamps[ms == 0] = np.datetime64("NaT")
    return pd.DatetimeIndex(stamps, name=name).tz_localize("UTC")


def _to_time(values: Sequence[Any]) -> Any:
    ints, mask = _to_int64(values)
    ints[mask] = 0
    return time_index(ints, name=None).array


def _to_bool(values: Sequence[Any]) -> Any:
    if all(v is True or v is False for v in values):
        return np.array(values, dtype=bool)
    truth: dict[Any, bool] = {True: True, False: False, "true": True, "false": False, "1": True, "0": False}
    return pd.array(
        [truth.get(v) if not isinstance(v, dict | list) else None for v in values], dtype="boolean"
    )


def _to_str(values: Sequence[Any]) -> Any:
    cleaned = [None if v is None or v == "" else v if isinstance(v, str) else str(v) for v in values]
    return pd.array(cleaned, dtype="str")


def _to_object(values: Sequence[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def convert(values: Sequence[Any], kind: str) -> Any:
    """Return one column of raw V5 values converted to the dtype of ``kind`` (see the module docstring)."""
    if kind == FLOAT:
        return _to_float(values)
    if kind == INT:
        ints, mask = _to_int64(values)
        return pd.arrays.IntegerArray(ints, mask)
    if kind == TIME:
        return _to_time(values)
    if kind == BOOL:
        return _to_bool(values)
    if kind == OBJECT:
        return _to_object(values)
    return _to_str(values)


def _looks_like_time(name: str) -> bool:
    lower = name.lower()
    return lower.endswith(("time", "timestamp")) or lower in ("ts", "cts", "t")


def _looks_like_id(name: str) -> bool:
    return name.endswith(("Id", "ID", "id", "Ids")) or name.lower() in ("id", "symbol", "coin", "currency")


def infer_kind(name: str, values: Sequence[Any]) -> Any:
    """Best-effort kind of a field the schema does not know: a kind, or a schema for nested objects."""
    sample = [v for v in values[:50] if v is not None and v != ""]
    if not sample:
        return STR
    if all(isinstance(v, bool) for v in sample):
        return BOOL
    if all(isinstance(v, dict) for v in sample):
        keys = dict.fromkeys(chain.from_iterable(sample))
        return {k: infer_kind(k, [v.get(k) if isinstance(v, dict) else None for v in values]) for k in keys}
    if any(isinstance(v, dict | list) for v in sample):
        return OBJECT
    if all(isinstance(v, int) for v in sample):
        return TIME if _looks_like_time(name) and all(10**11 <= v < 10**14 for v in sample) else INT
    if all(isinstance(v, int | float) for v in sample):
        return FLOAT
    if all(isinstance(v, str) for v in sample) and not _looks_like_id(name):
        if _looks_like_time(name) and all(v.isdigit() and 11 <= len(v) <= 13 for v in sample):
            return TIME
        if all(_NUMERIC.match(v) for v in sample):
            return FLOAT
    return STR
