"""One history table of the ledger: rows filed by time, built from compact records on first use.

Replaying two years of the demo account books tens of thousands of rows, most of which no request ever
reads. A table keeps each row as the tuple of numbers and names it is made of, and formats it (decimal
strings, the private ``_`` filter keys) only when a request asks for it; a built row is kept. Rows that are
cheap to make, or that change after they are filed (orders), are stored built.

Building is deterministic, so two threads building the same row at once store equal rows.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import Any

from .rows import Row

__all__ = ["Table"]


class Table:
    """Rows in ascending filing time (``_t``), each stored built or as a record for ``build``.

    Parameters
    ----------
    build
        ``build(record) -> row`` for rows added with :meth:`add_record`; None when every row is added built.
    """

    def __init__(self, build: Callable[..., Row] | None = None) -> None:
        self.times: list[int] = []
        self._records: list[tuple[Any, ...] | None] = []
        self._rows: list[Row | None] = []
        self._build = build

    def __len__(self) -> int:
        return len(self.times)

    def add_row(self, row: Row) -> None:
        """File a built row under its ``_t``."""
        self.times.append(row["_t"])
        self._records.append(None)
        self._rows.append(row)

    def add_record(self, t_ms: int, record: tuple[Any, ...]) -> None:
        """File a row to be built later as ``build(*record)``, under ``t_ms``."""
        self.times.append(t_ms)
        self._records.append(record)
        self._rows.append(None)

    def row(self, index: int) -> Row:
        """Return the row at ``index`` (built on first use)."""
        found = self._rows[index]
        if found is None:
            record = self._records[index]
            assert record is not None and self._build is not None
            found = self._rows[index] = self._build(*record)
        return found

    def last(self) -> Row:
        """Return the most recently filed row."""
        return self.row(len(self.times) - 1)

    def between(self, start_ms: int, end_ms: int) -> list[Row]:
        """Return the rows filed in ``[start_ms, end_ms]``, oldest first."""
        lo = bisect.bisect_left(self.times, start_ms)
        hi = bisect.bisect_right(self.times, end_ms)
        return [self.row(index) for index in range(lo, hi)]
