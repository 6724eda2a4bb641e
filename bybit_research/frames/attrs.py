"""Provenance ``attrs`` of every frame, kept JSON-safe so frames survive ``to_parquet()`` / ``to_feather()``.

pandas writes ``df.attrs`` into Parquet and Feather metadata as JSON, so every value here is a str, int,
float, bool, None, or a list or dict of those: times as ISO 8601 text in UTC with milliseconds
(``"2024-06-15T12:34:56.000Z"``; ``pd.Timestamp(text)`` reads them back).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

import numpy as np
import pandas as pd

__all__ = ["iso_ms", "json_safe", "provenance"]


class _Page(Protocol):
    @property
    def from_cache(self) -> bool: ...

    @property
    def time_ms(self) -> int | None: ...


def iso_ms(ms: int | float | pd.Timestamp) -> str:
    """Epoch milliseconds (or a Timestamp) as ISO 8601 UTC text with milliseconds and a ``Z``."""
    stamp = ms if isinstance(ms, pd.Timestamp) else pd.Timestamp(int(ms), unit="ms", tz="UTC")
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def json_safe(value: Any) -> Any:
    """``value`` with every part made JSON-safe (times to ISO text, numpy scalars to Python, NaN to None)."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, np.generic):
        return json_safe(value.item())
    if isinstance(value, pd.Timestamp | datetime):
        return None if pd.isna(value) else iso_ms(pd.Timestamp(value))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, Sequence | set | frozenset | np.ndarray):
        return [json_safe(v) for v in value]
    return str(value)


def provenance(
    *,
    endpoint: str | list[str],
    category: str | None,
    params: Mapping[str, Any],
    pages: Sequence[_Page],
    **extra: Any,
) -> dict[str, Any]:
    """The ``attrs`` of a frame: ``endpoint``, ``category``, ``params`` (the ``None`` ones left out),
    ``fetched_at`` (ISO text, this machine's clock now), ``server_time`` (the exchange's clock in the newest
    answer's envelope, ``None`` when no page carries one), ``from_cache`` (the fraction of pages served from a
    cache), ``pages``, and ``extra``."""
    times = [page.time_ms for page in pages if page.time_ms]
    return json_safe(
        {
            "endpoint": endpoint,
            "category": category,
            "params": {k: v for k, v in params.items() if v is not None},
            "fetched_at": iso_ms(pd.Timestamp.now(tz="UTC")),
            "server_time": iso_ms(max(times)) if times else None,
            "from_cache": (sum(bool(p.from_cache) for p in pages) / len(pages)) if pages else 0.0,
            "pages": len(pages),
            **extra,  # may replace from_cache (a frame joined from other frames)
        }
    )
