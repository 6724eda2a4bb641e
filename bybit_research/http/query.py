"""The query string the client sends and signs, and the URL of a page."""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote

__all__ = ["MAX_URL_LENGTH", "build_query", "page_url", "validate_path"]

#: the longest request URL sent (web servers refuse longer ones, httpx itself anything past 65 536)
MAX_URL_LENGTH = 8192
#: what a V5 path is made of: ``/v5/`` and ASCII letters, digits, ``_``, ``-`` and ``/``
_PATH = re.compile(r"/v5/[A-Za-z0-9_/-]{1,200}")


def _encode_value(name: str, value: object) -> str:
    if type(value) is str:  # the common cases first: abstract-class checks are slow
        return value
    if type(value) is int:
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"parameter {name!r} must be a finite number, got {value!r}")
        return format(Decimal(repr(value)), "f")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, str):
        return value
    raise ValueError(
        f"parameter {name!r} must be a scalar (str, int, float, bool or Decimal), got {type(value).__name__}"
    )


def build_query(params: Mapping[str, Any] | None) -> str:
    """Return the query string the client sends (and signs) for ``params``.

    Keys are sorted, ``None`` values dropped, booleans written ``true``/``false``, floats without exponent,
    and values percent-encoded except RFC 3986 unreserved characters (so cursors containing ``%`` or ``=``
    survive).

    Raises
    ------
    ValueError
        When ``params`` is not a mapping of string keys to scalars.
    """
    if params is None:
        return ""
    if not isinstance(params, Mapping):
        raise ValueError(f"params must be a mapping of names to scalar values, got {type(params).__name__}")
    parts = []
    for name in sorted(params):
        if not isinstance(name, str) or not name:
            raise ValueError(f"parameter names must be non-empty strings, got {name!r}")
        value = params[name]
        if value is None:
            continue
        parts.append(f"{_quoted(name, '')}={_quoted(_encode_value(name, value), '-_.~')}")
    return "&".join(parts)


#: RFC 3986 unreserved characters, which ``quote`` never encodes: most names and values are only these
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")


def _quoted(text: str, safe: str) -> str:
    return text if _UNRESERVED.fullmatch(text) else quote(text, safe=safe)


def validate_path(path: object) -> str:
    """Return ``path`` if it is a V5 path (``/v5/`` then up to 200 ASCII letters, digits, ``_``, ``-`` and
    ``/``: no query, fragment, space or control character), else raise ``ValueError``."""
    if not isinstance(path, str) or not _PATH.fullmatch(path):
        shown = repr(path[:60] + "..." if isinstance(path, str) and len(path) > 60 else path)
        raise ValueError(
            f"path must be a V5 path starting with '/v5/' and without a query (ASCII letters, digits, '_', "
            f"'-' and '/'), got {shown}"
        )
    return path


def page_url(base_url: str, path: str, params: Mapping[str, Any] | None = None) -> str:
    """The URL requested for ``path`` and ``params`` on ``base_url``.

    Raises
    ------
    ValueError
        As :func:`build_query` and :func:`validate_path` do, and for a URL longer than
        :data:`MAX_URL_LENGTH`.
    """
    path = validate_path(path)
    query = build_query(params)
    url = f"{base_url}{path}?{query}" if query else f"{base_url}{path}"
    if len(url) > MAX_URL_LENGTH:
        raise ValueError(
            f"the request URL for {path} would be {len(url)} characters, more than {MAX_URL_LENGTH}: "
            "a parameter is far longer than any V5 value"
        )
    return url
