"""Columns of raw V5 values -> typed arrays: numeric strings -> float64, integers -> Int64, ms times ->
``datetime64[ms, UTC]`` ("0"/"" -> NaT), booleans -> bool (``boolean`` when missing), text -> str, "" ->
missing.

Whole columns are converted with pyarrow, never cell by cell; :func:`infer_kind` types the fields the endpoint
table does not know. A value that cannot be of its kind (text where a number belongs, a number beyond float or
int64 range, a time before 1970 or after 9999) raises :class:`BadValues`: it is never turned into a missing
value silently.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from itertools import chain
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..endpoints import BOOL, FLOAT, INT, JSON, OBJECT, STR, TIME

__all__ = ["MAX_TIME_MS", "BadValues", "blank_to_null", "convert", "infer_kind", "snake", "time_index"]

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NUMERIC = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_NUMERIC_TYPES = (pa.int64(), pa.float64(), pa.bool_())
#: the latest instant a time field may hold (9999-12-31 23:59:59.999 UTC, the end of ISO 8601 years)
MAX_TIME_MS = 253_402_300_799_999
_INT64 = (-(2**63), 2**63 - 1)
_NOT_TIME = "not a time in epoch ms from 1970 to 9999"


class BadValues(ValueError):
    """Values of a column that cannot be of its kind.

    Attributes
    ----------
    kind
        The kind asked for (``FLOAT``, ``INT``, ``TIME``, ``BOOL``).
    examples
        Up to three of the offending values, as they came.
    why
        What they are not (e.g. ``"not a finite number"``).
    """

    def __init__(self, kind: str, examples: Sequence[Any], why: str) -> None:
        self.kind = kind
        self.examples = list(examples[:3])
        self.why = why
        super().__init__(f"{why}: {', '.join(_shown(v) for v in self.examples)}")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _bad(kind: str, values: Sequence[Any], mask: np.ndarray, why: str) -> BadValues:
    return BadValues(kind, [values[int(i)] for i in np.flatnonzero(mask)[:3]], why)


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
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):  # mixed types, ints beyond 64 bits
        return None
    if pa.types.is_string(arr.type):
        return blank_to_null(arr)
    if pa.types.is_null(arr.type) or arr.type in _NUMERIC_TYPES:
        return arr
    return None


def _blank(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, str) and value == "")
        or (isinstance(value, float) and math.isnan(value))
    )


def _python_float(value: Any) -> float:
    """One value as a float: NaN for a blank one, ``inf`` (caught as bad) for anything not a number."""
    if _blank(value):
        return math.nan
    if isinstance(value, bool | dict | list):
        return math.inf
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return math.inf
    return number if math.isfinite(number) else math.inf


def _to_float(values: Sequence[Any]) -> np.ndarray:
    arr = _arrow(values)
    out: np.ndarray | None = None
    if arr is not None and not pa.types.is_boolean(arr.type):  # true/false is no number
        try:
            out = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            out = None
    if out is None:
        out = np.fromiter((_python_float(v) for v in values), dtype=np.float64, count=len(values))
    bad = np.isinf(out) | (np.isnan(out) & ~_blanks(values, arr))
    if bad.any():
        raise _bad(FLOAT, values, bad, "not a finite number")
    return out


def _blanks(values: Sequence[Any], arr: pa.Array | None) -> np.ndarray:
    """Which values are missing (null or ``""``)."""
    if arr is not None:
        return np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    return np.fromiter((_blank(v) for v in values), dtype=bool, count=len(values))


def _python_int(value: Any) -> int | None:
    """One value as an integer (``None`` when it is not one); integral floats and their text count."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if not isinstance(value, str):
        return None
    try:
        return int(value)
    except ValueError:
        pass
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return int(number) if math.isfinite(number) and number.is_integer() else None


def _to_int64(values: Sequence[Any], kind: str = INT) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(int64 values, missing mask)``, or raise :class:`BadValues` for values that are no integer
    within int64."""
    arr = _arrow(values)
    if arr is not None:
        try:
            ints = pc.cast(arr, pa.int64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            ints = None
        if ints is not None and not pa.types.is_boolean(arr.type):
            mask = ints.is_null().to_numpy(zero_copy_only=False)
            return pc.fill_null(ints, 0).to_numpy(zero_copy_only=False).astype(np.int64, copy=True), mask
    out = np.zeros(len(values), dtype=np.int64)
    mask = np.zeros(len(values), dtype=bool)
    bad = np.zeros(len(values), dtype=bool)
    for position, value in enumerate(values):
        if _blank(value):
            mask[position] = True
            continue
        number = _python_int(value)
        if number is None or not _INT64[0] <= number <= _INT64[1]:
            bad[position] = True
        else:
            out[position] = number
    if bad.any():
        raise _bad(kind, values, bad, _NOT_TIME if kind == TIME else "not an integer within int64")
    return out, mask


def time_index(ms: np.ndarray, name: str | None = "time") -> pd.DatetimeIndex:
    """Return epoch milliseconds (int64; 0 = missing) as a ``datetime64[ms, UTC]`` index."""
    stamps = ms.astype("datetime64[ms]", copy=True)
    stamps[ms == 0] = np.datetime64("NaT")
    return pd.DatetimeIndex(stamps, name=name).tz_localize("UTC")


def _to_time(values: Sequence[Any]) -> Any:
    ints, mask = _to_int64(values, TIME)
    ints[mask] = 0
    bad = (ints < 0) | (ints > MAX_TIME_MS)
    if bad.any():
        raise _bad(TIME, values, bad, _NOT_TIME)
    return time_index(ints, name=None).array


_TRUTH: dict[Any, bool] = {True: True, False: False, "true": True, "false": False, "1": True, "0": False}


def _truth(value: Any) -> bool | None:
    if isinstance(value, str):
        return _TRUTH.get(value.lower())
    if isinstance(value, bool | int):
        return _TRUTH.get(value)
    return None


def _to_bool(values: Sequence[Any]) -> Any:
    if all(v is True or v is False for v in values):
        return np.array(values, dtype=bool)
    flags = [None if _blank(v) else _truth(v) for v in values]
    bad = np.array(
        [flag is None and not _blank(v) for flag, v in zip(flags, values, strict=True)], dtype=bool
    )
    if bad.any():
        raise _bad(BOOL, values, bad, "not a boolean (true/false, 1/0)")
    return pd.array(flags, dtype="boolean")


def _to_str(values: Sequence[Any]) -> Any:
    cleaned = [None if v is None or v == "" else v if isinstance(v, str) else str(v) for v in values]
    return pd.array(cleaned, dtype="str")


def _to_json_text(values: Sequence[Any]) -> Any:
    """Maps and lists as compact JSON text with sorted keys (missing and empty values -> missing)."""
    texts = [None if v is None or v == "" else _json_text(v) for v in values]
    return pd.array(texts, dtype="str")


def _json_text(value: Any) -> str:
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:  # integers beyond 64 bits, which JSON allows and orjson does not write
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _to_object(values: Sequence[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def convert(values: Sequence[Any], kind: str) -> Any:
    """Return one column of raw V5 values converted to the dtype of ``kind`` (see the module docstring).

    Raises
    ------
    BadValues
        When a value that is not blank cannot be of ``kind`` (text as a number, a number beyond float or
        int64 range, a time outside 1970..9999, a boolean that is neither true nor false).
    """
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
    if kind == JSON:
        return _to_json_text(values)
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
