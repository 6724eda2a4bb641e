"""``Columns``: the rows of one kline-type page as arrays, and joining pages without copying them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Columns", "joined"]


@dataclass(frozen=True)
class Columns:
    """The rows of one page: ``times`` (int64 epoch ms) and ``values`` (float64, one column per field)."""

    times: np.ndarray
    values: np.ndarray

    def __post_init__(self) -> None:
        if self.values.ndim != 2 or len(self.times) != len(self.values):
            raise ValueError(f"times {self.times.shape} and values {self.values.shape} do not match")

    @property
    def width(self) -> int:
        """Number of value columns."""
        return int(self.values.shape[1])


def joined(parts: Sequence[Columns]) -> Columns | None:
    """Return ``parts`` as one :class:`Columns` without copying when they are consecutive slices of the same
    arrays (pages read together by :meth:`SQLiteColumnStore.get_many`), else ``None``."""
    if not parts:
        return None
    first = parts[0]
    times_base, values_base = first.times.base, first.values.base
    if not isinstance(times_base, np.ndarray) or not isinstance(values_base, np.ndarray):
        return None
    if times_base.ndim != 1 or values_base.ndim != 2:
        return None
    offset = _offset(first.times, times_base)
    position = offset
    for part in parts:
        if (
            part.times.base is not times_base
            or part.values.base is not values_base
            or _offset(part.times, times_base) != position
            or _offset(part.values, values_base) != position * part.width
        ):
            return None
        position += len(part.times)
    return Columns(times_base[offset:position], values_base[offset:position])


def _offset(view: np.ndarray, base: np.ndarray) -> int:
    """Items between the start of ``base`` and the start of ``view`` (a C-contiguous slice of it)."""
    return (view.__array_interface__["data"][0] - base.__array_interface__["data"][0]) // base.itemsize
