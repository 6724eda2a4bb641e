"""Helpers of the history-store tests: the store's files as tables, request counts at the simulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq


def store_tables(root: Path) -> dict[str, pa.Table]:
    """Every data file of a local store (relative path -> its rows, footer metadata dropped)."""
    return {
        str(path.relative_to(root)): pq.read_table(path).replace_schema_metadata(None)
        for path in sorted(root.rglob("data.parquet"))
    }


def assert_same_store(left: Path, right: Path) -> None:
    """Two stores hold the same files with the same rows, and no temporary files."""
    a, b = store_tables(left), store_tables(right)
    assert sorted(a) == sorted(b)
    for name in a:
        assert a[name].equals(b[name]), name
    assert not list(left.rglob("*.tmp")) and not list(right.rglob("*.tmp"))


def sent(app: Any) -> int:
    """Requests the simulator has seen since its counts were reset."""
    return sum(app.requests.values())
