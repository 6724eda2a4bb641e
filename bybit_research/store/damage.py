"""Reporting damaged stored pages: each is logged once (until a fresh page replaces it) and left out of what
the store returns, so that the caller fetches it again."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping

__all__ = ["DamageLog"]

# logged with the column store's own messages
log = logging.getLogger("bybit_research.store.columns")


class DamageLog:
    """Logs the stored pages found damaged (once each, until a fresh page replaces it): they are left out of
    what is returned, so the caller fetches them again."""

    _LIMIT = 100_000

    def __init__(self, where: str) -> None:
        self.where = where
        self._reported: set[str] = set()
        self._lock = threading.Lock()

    def report(self, damaged: Mapping[str, str]) -> None:
        """Log the pages of ``damaged`` (url -> why) not logged before."""
        with self._lock:
            fresh = {url: why for url, why in damaged.items() if url not in self._reported}
            if len(self._reported) + len(fresh) > self._LIMIT:
                self._reported.clear()
            self._reported.update(fresh)
        if fresh:
            url, why = next(iter(fresh.items()))
            log.warning(
                "dropped %d damaged or outdated page(s) from %s, fetching them again (e.g. %s: %s)",
                len(fresh),
                self.where,
                url,
                why,
            )

    def forget(self, urls: Iterable[str]) -> None:
        """Pages stored anew: report them again if they are ever found damaged."""
        with self._lock:
            self._reported.difference_update(urls)
