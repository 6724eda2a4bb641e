"""The frame checks every helper starts with: the right kind of frame, or a ``ValueError`` naming it.

A helper describes the frame it takes with a :class:`FrameKind` (its name, the columns it needs and whether
it is a time series). :func:`check_frame` refuses anything else with a message naming that kind and what it
got, e.g. ``candles() expects a klines frame (columns open, high, low, close; DatetimeIndex 'time'); got
columns [last_price, index_price, ...] (index 'symbol', Index), missing open, high, low, close``. Empty frames
of the right kind pass: helpers draw them as empty, titled figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["FrameKind", "ascending", "check_frame", "one_symbol", "time_index"]

_SHOWN_COLUMNS = 12


@dataclass(frozen=True)
class FrameKind:
    """What a helper takes: ``name`` ("a klines frame"), the columns it reads, and its index.

    ``index`` is ``"time"`` for time series (a ``DatetimeIndex`` named ``time``, or a ``(time, symbol)``
    MultiIndex), or None when the index does not matter (snapshots, order books). ``numeric`` lists the
    columns that must hold numbers.
    """

    name: str
    columns: tuple[str, ...]
    index: str | None = "time"
    numeric: tuple[str, ...] = ()

    def describe(self) -> str:
        parts = [f"columns {', '.join(self.columns)}"]
        if self.index == "time":
            parts.append("DatetimeIndex 'time'")
        return f"{self.name} ({'; '.join(parts)})"


def _got(frame: pd.DataFrame) -> str:
    names = [str(c) for c in frame.columns]
    shown = ", ".join(names[:_SHOWN_COLUMNS])
    if len(names) > _SHOWN_COLUMNS:
        shown += f", ... ({len(names)} columns)"
    index = "/".join(str(n) for n in frame.index.names) if any(frame.index.names) else "unnamed"
    kind = type(frame.index).__name__
    return f"columns [{shown}] (index {index!r}, {kind})"


def time_index(frame: pd.DataFrame) -> pd.DatetimeIndex | None:
    """Return the frame's time index (the ``time`` level of a MultiIndex), in UTC; None if it has none.

    Naive times are taken as UTC, as everywhere in the toolkit.
    """
    index = frame.index
    if isinstance(index, pd.MultiIndex):
        if "time" not in index.names:
            return None
        index = index.get_level_values("time")
    if not isinstance(index, pd.DatetimeIndex):
        return None
    return index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")


def ascending(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DatetimeIndex]:
    """Return a time-indexed frame sorted by time (stably; toolkit frames already are) and its UTC times."""
    times = time_index(frame)
    if times is None:
        raise ValueError("the frame has no time index")
    if not times.is_monotonic_increasing:
        order = np.argsort(times.asi8, kind="stable")
        frame, times = frame.iloc[order], times[order]
    return frame, times


def check_frame(frame: object, helper: str, kind: FrameKind) -> pd.DataFrame:
    """Return ``frame`` when it is a DataFrame of ``kind``; raise ``ValueError`` naming ``kind`` otherwise.

    Parameters
    ----------
    frame
        What the user passed.
    helper
        The helper's name, for the message (``"candles"``).
    kind
        The frame the helper expects.

    Raises
    ------
    ValueError
        When ``frame`` is not a DataFrame, lacks one of ``kind.columns``, has no time index although ``kind``
        is a time series, or holds something else than numbers in a ``kind.numeric`` column.
    """
    expects = f"{helper}() expects {kind.describe()}"
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{expects}; got {type(frame).__name__}")
    missing = [c for c in kind.columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{expects}; got {_got(frame)}, missing {', '.join(missing)}")
    if kind.index == "time" and time_index(frame) is None:
        raise ValueError(f"{expects}; got {_got(frame)}, which is not indexed by time")
    for column in kind.numeric:
        dtype = frame[column].dtype
        if not (pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)):
            raise ValueError(f"{expects}; column {column!r} holds {dtype} values, not numbers")
    return frame


def one_symbol(frame: pd.DataFrame, symbol: str | None, helper: str) -> tuple[pd.DataFrame, str | None]:
    """Return the rows of one symbol of a frame with a ``(time, symbol)`` MultiIndex or a ``symbol`` column.

    A frame of one symbol is returned whole. With several symbols ``symbol`` picks one; without it, or with a
    symbol the frame does not hold, ``ValueError`` lists the symbols there are.
    """
    if isinstance(frame.index, pd.MultiIndex) and "symbol" in frame.index.names:
        held: Sequence[str] = [str(s) for s in frame.index.unique("symbol")]
        pick = _pick(held, symbol, helper)
        if pick is None:
            return frame.droplevel("symbol"), None
        rows = frame[(frame.index.get_level_values("symbol") == pick)].droplevel("symbol")
        rows.attrs = dict(frame.attrs)
        return rows, pick
    if "symbol" in frame.columns:
        held = sorted({str(s) for s in frame["symbol"].dropna().unique()})
        pick = _pick(held, symbol, helper)
        if pick is None or len(held) == 1:
            return frame, pick
        rows = frame[(frame["symbol"] == pick).to_numpy(dtype=bool)]
        rows.attrs = dict(frame.attrs)
        return rows, pick
    return frame, symbol


def _pick(held: Sequence[str], symbol: str | None, helper: str) -> str | None:
    if symbol is None:
        if len(held) > 1:
            raise ValueError(f"{helper}() draws one symbol; pass symbol= one of {list(held)}")
        return held[0] if held else None
    if symbol not in held:
        raise ValueError(f"symbol={symbol!r} is not in the frame; it holds {list(held)}")
    return symbol
