"""Planning and fetching: the one engine (:func:`run`, dispatched on ``Endpoint.paging``), the plans of long
ranges (aligned windows, gaps), the calls that send them (concurrently, with cursors, backwards), kline pages
through the column store, and the frame each query ends in."""

from __future__ import annotations

from .budget import TooManyPagesError
from .engine import ENGINES, run
from .frame import DataStartsLaterWarning
from .query import MAX_PAGES, Query, Split

__all__ = ["ENGINES", "MAX_PAGES", "DataStartsLaterWarning", "Query", "Split", "TooManyPagesError", "run"]
