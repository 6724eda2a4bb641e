"""``PageRequest`` (the parameters of one request and the cache expiry chosen for its answer) and ``Page``
(one answer, its rows decoded or its columns parsed on first use)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.fetcher import ReplyLike
from ..core.lazy import lazy_attribute
from ..endpoints import Endpoint
from ..frames import Columns, rows_of
from ..frames.klines import page_columns

__all__ = ["Page", "PageRequest"]


@dataclass(frozen=True)
class PageRequest:
    """The parameters of one request and the cache expiry chosen for its answer."""

    params: Mapping[str, Any]
    expire_after: float | None = None


@dataclass
class Page:
    """One answer: the request, the client's ``Reply`` and (decoded on first use) the rows found in it.

    A page served from the column store has no reply (``None``), only its ``stored`` columns.
    """

    request: PageRequest
    reply: ReplyLike | None
    endpoint: Endpoint
    stored: Columns | None = None

    @lazy_attribute
    def rows(self) -> list[Any]:
        """The rows of the answer's ``result``, by the endpoint's shape."""
        if self.reply is None:
            raise ValueError("a page from the column store has columns, not rows")
        return rows_of(self.endpoint, self.reply.result)

    @lazy_attribute
    def columns(self) -> Columns:
        """The rows as columns (kline-type endpoints only): stored ones, or parsed from the answer."""
        if self.stored is not None:
            return self.stored
        category = self.request.params.get("category")
        return page_columns(self.endpoint, category, self.content, lambda: self.rows)

    @property
    def content(self) -> bytes | None:
        """The raw response body, when the client keeps it (kline pages are parsed from it directly)."""
        return None if self.reply is None else self.reply.content

    @property
    def from_cache(self) -> bool:
        """Whether the answer came from the cache (the request cache or the column store)."""
        return self.stored is not None or (self.reply is not None and self.reply.from_cache)

    @property
    def time_ms(self) -> int | None:
        """The server time the answer was produced at (``None`` for a page from the column store)."""
        return None if self.reply is None else self.reply.time_ms
