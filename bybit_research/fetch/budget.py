"""The pages one call may fetch (its ``max_pages``), shared by every chain of the call, and the error a chain
that needs more raises before any of its rows are lost."""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["PageBudget", "TooManyPagesError"]


class TooManyPagesError(ValueError):
    """A cursor or ``endTime`` chain found while paging needs more pages than the call's ``max_pages``.

    A ``ValueError``, like the refusal of a windowed plan that is too long, but raised once the pages are
    being fetched (their number is not known before): the message says how many were fetched and how to
    ask for more. Nothing is returned, so no rows are silently left out."""


class PageBudget:
    """The pages a call may fetch: ``allowed`` in all, ``used`` of them planned or fetched so far.

    Thread-safe: the chains of several symbols or windows, fetched concurrently, spend from one budget."""

    def __init__(self, path: str, allowed: int, used: int = 0) -> None:
        self.path = path
        self.allowed = allowed
        self.used = used
        self._lock = threading.Lock()

    def spend(self, detail: Callable[[], tuple[str, int | None]] | None = None) -> None:
        """Count one more page, or raise :class:`TooManyPagesError` when the budget has none left.

        ``detail()`` (called only then) tells where the chain stopped and, when it can be estimated, how
        many more pages the chain needs, for the message."""
        with self._lock:
            if self.used < self.allowed:
                self.used += 1
                return
            used = self.used
        where, more = detail() if detail is not None else ("", None)
        suggested = 2 * self.allowed if more is None else used + more
        raise TooManyPagesError(
            f"{self.path} has more pages than max_pages={self.allowed} allows: {used} pages fetched and the "
            f"answers go on{f' ({where})' if where else ''}; pass a larger max_pages= (e.g. "
            f"max_pages={suggested}) or narrow the range (or the list of symbols); nothing was returned, "
            "so no rows are left out silently"
        )
