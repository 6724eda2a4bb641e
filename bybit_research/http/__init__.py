"""The HTTP layer: the session over a stack of transports (cache, rate limit, retry, signing), the query
string, signing and credentials, the server clock, the client's validated settings, and ``Reply``."""

from __future__ import annotations

from .query import build_query, page_url, validate_path
from .reply import Reply, reply_of
from .session import Session
from .settings import ClientSettings

__all__ = ["ClientSettings", "Reply", "Session", "build_query", "page_url", "reply_of", "validate_path"]
