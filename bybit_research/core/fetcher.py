"""The ``Fetcher`` protocol: everything the fetch engines ask of a client, and nothing more.

:class:`bybit_research.Client` is the fetcher of every public function; tests pass small fakes. The engines
call only what is declared here (no probing for optional attributes), so a fake that satisfies the protocol
exercises the same code paths as the real client.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

__all__ = ["Fetcher", "PageStore", "ReplyLike"]


class ReplyLike(Protocol):
    """One successful V5 answer (``bybit_research.http.Reply`` is the real one)."""

    @property
    def content(self) -> bytes | None:
        """The raw body (kline-type pages are parsed straight from it), when kept."""
        ...

    @property
    def result(self) -> Any:
        """The envelope's ``result``."""
        ...

    @property
    def from_cache(self) -> bool:
        """Whether the answer was served from the request cache."""
        ...

    @property
    def time_ms(self) -> int | None:
        """The envelope's ``time``: the exchange's clock when it answered."""
        ...


class PageStore(Protocol):
    """Where the parsed columns of closed kline-type pages are kept, keyed by page URL.

    The values are :class:`bybit_research.frames.Columns` (declared loosely here: this layer imports nothing
    above it).
    """

    def get_many(self, urls: Sequence[str], width: int) -> Mapping[str, Any]:
        """The stored pages among ``urls``."""
        ...

    def put_many(self, pages: Mapping[str, Any]) -> None:
        """Store pages (failures are logged, never raised)."""
        ...


class Fetcher(Protocol):
    """What the engines need from a client.

    Attributes
    ----------
    concurrency
        Requests in flight at once when a call needs many pages.
    column_store
        The store of parsed closed kline-type pages, or ``None`` (no cache, or a backend without one).
    """

    concurrency: int
    column_store: PageStore | None

    def fetch(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        auth: bool = False,
        expire_after: float | None = None,
        refresh: bool = False,
    ) -> ReplyLike:
        """Send one GET (through cache, rate limiter, retries and signing) and return its answer."""
        ...

    def fetch_cached(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        auth: bool = False,
        expire_after: float | None = None,
    ) -> ReplyLike | None:
        """The answer :meth:`fetch` would serve from the cache, or ``None``; nothing is sent."""
        ...

    def page_url(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        """The URL :meth:`fetch` requests (the column store's key of a page)."""
        ...

    def server_now_ms(self) -> int:
        """The exchange's clock now, in epoch ms (learned once from ``/v5/market/time``)."""
        ...
