"""V5 fields as typed columns: snake_case names, numeric strings -> float64, JSON integers -> Int64.

Nested objects are flattened to their leaf names (prefixed by their parent's name on a clash); lists and
anything else stay as sent, so no field is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["is_number", "records_frame", "snake_case", "to_float"]


def snake_case(name: str) -> str:
    """``assetIM`` -> ``asset_im``, ``maxLossPriceMove`` -> ``max_loss_price_move``."""
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    return text.replace("-", "_").lower()


def is_number(value: Any) -> bool:
    """Whether ``value`` is a JSON number (a bool is not)."""
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def _flatten(record: Mapping[str, Any], skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Leaves of ``record`` in snake_case; nested dicts give their leaf names (parent-prefixed on a clash)."""
    out: dict[str, Any] = {}
    nested = []
    for key, value in record.items():
        if key in skip:
            continue
        if isinstance(value, Mapping):
            nested.append((key, value))
        else:
            out[snake_case(key)] = value
    for key, value in nested:
        for leaf, inner in _flatten(value).items():
            out[leaf if leaf not in out else f"{snake_case(key)}_{leaf}"] = inner
    return out


def _typed(values: Sequence[Any]) -> pd.Series:
    """Numeric strings -> float64 ("" -> NaN), JSON integers -> Int64, bools -> bool, the rest as sent."""
    present = [v for v in values if v is not None and v != ""]
    if not present:
        return pd.Series([np.nan] * len(values), dtype=np.float64)
    if all(isinstance(v, bool) for v in present):
        return pd.Series(values, dtype="boolean" if len(present) < len(values) else bool)
    if all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in present):
        return pd.Series([None if v is None or v == "" else v for v in values], dtype="Int64")
    if all(is_number(v) or (isinstance(v, str) and _parses(v)) for v in present):
        return pd.Series([np.nan if v is None or v == "" else float(v) for v in values], dtype=np.float64)
    return pd.Series(list(values), dtype=object)


def _parses(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def records_frame(
    records: list[dict[str, Any]], index: pd.Index, skip: frozenset[str] = frozenset()
) -> pd.DataFrame:
    """One row per record on ``index``: every field (``skip`` aside) as a typed, snake_case column.

    Columns appear in the order the fields first appear; a field missing from a record is missing there.
    """
    flat = [_flatten(record, skip) for record in records]
    names: list[str] = []
    for record in flat:
        names.extend(name for name in record if name not in names)
    columns = {name: _typed([record.get(name) for record in flat]).array for name in names}
    return pd.DataFrame(columns, index=index)


def to_float(value: Any) -> float:
    """A V5 number (string or JSON) as a float; ``""`` and ``None`` as NaN."""
    return np.nan if value is None or value == "" else float(value)
