"""The exchange's clock as the client sees it: the local clock corrected by an offset learned from
``/v5/market/time``."""

from __future__ import annotations

import threading
import time

__all__ = ["ServerClock"]


class ServerClock:
    """Local time corrected by the offset to the server clock learned from ``/v5/market/time``."""

    def __init__(self) -> None:
        self._offset_ms = 0
        self._lock = threading.Lock()
        #: ``time.monotonic()`` when the offset was last learned (``None``: never)
        self.learned_at: float | None = None
        #: held while a resync round trip runs, so that concurrent 10002 answers cause one resync
        self.resync_lock = threading.Lock()

    @property
    def offset_ms(self) -> int:
        """Server time minus local time, in ms (0 until learned)."""
        return self._offset_ms

    def now_ms(self) -> int:
        """The estimated server time in epoch ms."""
        return int(time.time() * 1000) + self._offset_ms

    def learn(self, server_ms: int, sent_local_ms: int, received_local_ms: int) -> None:
        """Set the offset from a server time observed between two local times (midpoint estimate)."""
        with self._lock:
            self._offset_ms = int(server_ms - (sent_local_ms + received_local_ms) / 2)
            self.learned_at = time.monotonic()
