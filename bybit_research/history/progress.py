"""The progress bars of a history download: symbols finished, and pages fetched (tqdm)."""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["DownloadProgress"]


class DownloadProgress:
    """Two bars, ``symbols`` and ``pages``, safe to advance from worker threads; nothing when disabled.

    Parameters
    ----------
    symbols
        How many symbols the download covers.
    pages
        The planned number of requests (an estimate: the bar's total grows if more are sent).
    enabled
        Show the bars.
    """

    def __init__(self, symbols: int, pages: int, enabled: bool) -> None:
        self._lock = threading.Lock()
        self._bars: list[Any] = []
        if enabled:
            from tqdm.auto import tqdm

            self._bars = [
                tqdm(total=symbols, desc="symbols", unit="symbol", position=0),
                tqdm(total=max(pages, 0), desc="pages", unit="page", position=1),
            ]

    def pages(self, count: int) -> None:
        """Count ``count`` more requests sent (or files fetched)."""
        if not self._bars or count <= 0:
            return
        with self._lock:
            bar = self._bars[1]
            if bar.n + count > (bar.total or 0):
                bar.total = bar.n + count
            bar.update(count)

    def symbol_done(self) -> None:
        """Count one more symbol finished."""
        if self._bars:
            with self._lock:
                self._bars[0].update(1)

    def close(self) -> None:
        """Close the bars."""
        for bar in self._bars:
            bar.close()
