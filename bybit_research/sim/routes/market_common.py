"""Parameter parsing and formatting shared by the ``/v5/market/*`` handlers."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import unquote

from ..core import ParamError, Request
from ..market import Instrument, Market
from ..market.klines import format_units


def category(request: Request, allowed: Sequence[str], default: str | None = None) -> str:
    """Return the ``category`` parameter, required unless ``default``, and allowed for this endpoint."""
    value = request.get("category", default)
    if value is None:
        raise ParamError(f"params error: category is required, one of {', '.join(allowed)}")
    if value not in allowed:
        raise ParamError(
            f"params error: category {value} is not supported by this endpoint, "
            f"must be one of {', '.join(allowed)}"
        )
    return value


def instrument(market: Market, request: Request, cat: str, now_ms: int) -> Instrument:
    """Return the instrument named by the required ``symbol`` parameter in ``cat`` (10001 when unknown)."""
    symbol = request.require("symbol")
    found = market.universe(now_ms).find(symbol, cat)
    if found is None or found.launch_ms > now_ms:
        raise ParamError(f"params error: symbol invalid, {symbol} is not a {cat} symbol")
    return found


def optional_instrument(market: Market, request: Request, cat: str, now_ms: int) -> Instrument | None:
    """Return the instrument of an optional ``symbol`` parameter (10001 when given and unknown)."""
    return instrument(market, request, cat, now_ms) if request.get("symbol") else None


def time_param(request: Request, name: str) -> int | None:
    """Return a non-negative millisecond timestamp parameter."""
    value = request.integer(name)
    if value is not None and value < 0:
        raise ParamError(f"params error: {name} must be a non-negative timestamp in milliseconds")
    return value


def price_text(value: float, digits: int) -> str:
    """Format a price with ``digits`` decimals."""
    return f"{value:.{digits}f}"


def rate_text(value: float) -> str:
    """Format a small rate with up to 8 decimals and no trailing zeros (``"0.0001"``)."""
    text = f"{value:.8f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def units(values: list[int], digits: int) -> list[str]:
    """Format integers in units of ``10**-digits`` (see :func:`format_units`)."""
    return format_units(values, digits)


def make_cursor(position: int, anchor: int = 0) -> str:
    """Return an opaque, already URL-encoded cursor in Bybit's style."""
    return f"lastid%3D{position}%26lasttime%3D{anchor}"


def read_cursor(request: Request) -> tuple[int, int] | None:
    """Return ``(position, anchor)`` of the ``cursor`` parameter (None when absent)."""
    raw = request.get("cursor")
    if raw is None:
        return None
    text = raw
    for _ in range(3):
        if "%" not in text:
            break
        text = unquote(text)
    try:
        fields = dict(part.split("=", 1) for part in text.split("&"))
        return int(fields["lastid"]), int(fields["lasttime"])
    except (KeyError, ValueError):
        raise ParamError("params error: cursor invalid") from None


def page(rows: list, request: Request, limit: int) -> tuple[list, str]:
    """Return one cursor page of ``rows`` and the next cursor (``""`` after the last page)."""
    position = read_cursor(request)
    offset = position[0] if position else 0
    if offset < 0 or offset > len(rows):
        raise ParamError("params error: cursor invalid")
    chunk = rows[offset : offset + limit]
    following = offset + len(chunk)
    return chunk, make_cursor(following, len(rows)) if following < len(rows) else ""
