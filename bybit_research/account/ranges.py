"""The account's histories over a range: the one query every history function runs, and its category."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..core.fetcher import Fetcher
from ..core.time import TimeLike, checked_range
from ..endpoints import Endpoint
from ..fetch import Query, Split, run

__all__ = ["required_category", "run_history"]


def run_history(
    client: Fetcher,
    endpoint: Endpoint,
    params: dict[str, Any],
    category: str | None,
    start: TimeLike | None,
    end: TimeLike | None,
    refresh: bool,
    progress: bool | None,
    max_pages: int | None,
    split: Split | None = None,
) -> pd.DataFrame:
    """Run ``endpoint`` over ``[start, end)`` through the engine (its windows, cursors and lookback); ``None``
    parameters are left out."""
    start_ms, end_ms = checked_range(start, end)
    query = Query(
        endpoint,
        {k: v for k, v in params.items() if v is not None},
        category,
        split=split,
        start=start_ms,
        end=end_ms,
        refresh=refresh,
        progress=progress,
        max_pages=max_pages,
    )
    return run(client, query)


def required_category(endpoint: Endpoint, category: object) -> str:
    """``category`` checked against the endpoint's categories, where the endpoint needs one."""
    checked = endpoint.check_category(category)
    assert checked is not None
    return checked
