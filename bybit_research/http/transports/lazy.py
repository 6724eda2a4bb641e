"""The network transport, built on the first request that needs it.

Creating ``httpx.HTTPTransport`` imports httpcore and loads the system's CA certificates (about 0.1 s); a call
served wholly from the cache never needs either.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx

__all__ = ["LazyTransport"]


class LazyTransport(httpx.BaseTransport):
    """Build the transport with ``factory()`` on the first request (once, thread-safely) and use it after."""

    def __init__(self, factory: Callable[[], httpx.BaseTransport]) -> None:
        self._factory = factory
        self._inner: httpx.BaseTransport | None = None
        self._lock = threading.Lock()

    @property
    def built(self) -> bool:
        """Whether the transport exists yet."""
        return self._inner is not None

    def transport(self) -> httpx.BaseTransport:
        """The transport, built now if it does not exist yet."""
        inner = self._inner
        if inner is None:
            with self._lock:
                if self._inner is None:
                    self._inner = self._factory()
                inner = self._inner
        return inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.transport().handle_request(request)

    def close(self) -> None:
        with self._lock:
            if self._inner is not None:
                self._inner.close()
