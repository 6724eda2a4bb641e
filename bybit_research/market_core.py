"""What every market function shares: argument checks (before any request), page collection, provenance."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from itertools import chain
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from .endpoints import Endpoint, IndexKind
from .frames import build_frame, is_numeric_rows, snake
from .frames_raw import frame_from_columns
from .paging import Page, PageRequest, fetch_cursor, fetch_windows, find_gaps, progress_bar

if TYPE_CHECKING:
    from .client import Reply

__all__ = [
    "INSTRUMENT_STATUSES",
    "SYMBOL_TYPES",
    "FetchingClient",
    "check_choice",
    "check_coin",
    "check_count",
    "check_symbol",
    "collect",
    "finish",
    "kline_interval",
]

INSTRUMENT_STATUSES = ("PreLaunch", "Trading", "Delivering", "Closed")
SYMBOL_TYPES = ("innovation", "adventure", "xstocks", "commodity", "stock", "forex")

_OPTION_SYMBOL = re.compile(r"^[A-Z0-9]+-\d{1,2}[A-Z]{3}\d{2}-\d+(?:\.\d+)?-[CP](?:-[A-Z]+)?$")
_DATED_FUTURE = re.compile(r"^[A-Z0-9]+-\d{1,2}[A-Z]{3}\d{2}$")
_COIN = re.compile(r"^[A-Z0-9]{1,20}$")


class FetchingClient:
    """Typing stand-in for the client the market mixins are mixed into (``bybit_research.Client``)."""

    if TYPE_CHECKING:

        def fetch(
            self,
            path: str,
            params: Mapping[str, Any] | None = None,
            *,
            auth: bool = False,
            expire_after: float | None = None,
            refresh: bool = False,
        ) -> Reply: ...


# ------------------------------------------------------------------------------------------ argument checks


def check_symbol(symbol: object, category: str | None, name: str = "symbol") -> str:
    """Return ``symbol`` upper-cased, or raise ``ValueError`` when it cannot belong to ``category``.

    Detectable mismatches: option symbols (``BTC-27DEC24-100000-C``) outside ``category="option"``, other
    symbols with ``category="option"``, and dated futures (``BTC-27DEC24``) with ``category="spot"``."""
    if not isinstance(symbol, str) or not symbol.strip():
        raise ValueError(f"{name} must be a non-empty string such as 'BTCUSDT', got {symbol!r}")
    text = symbol.strip().upper()
    is_option = bool(_OPTION_SYMBOL.match(text))
    if category == "option" and not is_option:
        raise ValueError(
            f"{name} {symbol!r} is not an option symbol (e.g. 'BTC-27DEC24-100000-C'); "
            "category='option' needs one"
        )
    if category is not None and category != "option" and is_option:
        raise ValueError(f"{name} {symbol!r} is an option symbol; use category='option' (got {category!r})")
    if category == "spot" and _DATED_FUTURE.match(text):
        raise ValueError(
            f"{name} {symbol!r} is a dated future, not a spot pair; use category 'linear' or 'inverse'"
        )
    return text


def check_coin(coin: object, name: str = "base_coin") -> str:
    """Return a coin name upper-cased (``"btc"`` -> ``"BTC"``) or raise ``ValueError``."""
    if not isinstance(coin, str) or not _COIN.match(coin.strip().upper()):
        raise ValueError(f"{name} must be a coin name such as 'BTC', got {coin!r}")
    return coin.strip().upper()


def check_choice(value: object, allowed: Sequence[Any], name: str) -> Any:
    """Return ``value`` if it is one of ``allowed`` (``None`` passes), else raise ``ValueError``."""
    if value is not None and value not in allowed:
        raise ValueError(f"{name} {value!r} is not valid; allowed: {', '.join(repr(a) for a in allowed)}")
    return value


def check_count(value: object, name: str = "limit") -> int | None:
    """Return a positive integer count (``None`` passes) or raise ``ValueError``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def kline_interval(value: object, endpoint: Endpoint) -> tuple[str, int]:
    """Return ``(V5 interval code, length in ms; 0 = month)`` of ``value`` (``60``, ``"60"``, ``"D"``...)."""
    code = str(value) if isinstance(value, int | np.integer) and not isinstance(value, bool) else value
    if isinstance(code, str) and code in ("d", "w"):
        code = code.upper()
    if not isinstance(code, str):
        code = repr(code)
    return code, endpoint.check_interval(code)


# ----------------------------------------------------------------------------------------------- collecting


def collect(
    client: Any,
    endpoint: Endpoint,
    params: Mapping[str, Any],
    *,
    cursor: bool = False,
    expire_after: float | None = None,
    refresh: bool = False,
    progress: bool | None = None,
) -> list[Page]:
    """Fetch one request (following cursors when ``cursor``) with the endpoint's live expiry by default."""
    request = PageRequest(dict(params), endpoint.cache.live if expire_after is None else expire_after)
    if cursor:
        with progress_bar(None, progress, endpoint) as tick:
            return fetch_cursor(client, endpoint, request, refresh=refresh, tick=tick)
    return fetch_windows(client, endpoint, [request], refresh=refresh, progress=progress)


def trim(frame: pd.DataFrame, start: int | None, end: int | None) -> pd.DataFrame:
    """Keep the rows of a time-indexed frame in ``[start, end)`` (ms; ``None`` = unbounded)."""
    if start is None and end is None:
        return frame
    ms = cast(pd.DatetimeIndex, frame.index).asi8
    if frame.index.is_monotonic_increasing:  # a slice: no copy of the rows kept
        first = 0 if start is None else int(np.searchsorted(ms, start, side="left"))
        stop = len(ms) if end is None else int(np.searchsorted(ms, end, side="left"))
        return frame if (first, stop) == (0, len(ms)) else frame.iloc[first:stop]
    keep = np.ones(len(ms), dtype=bool)
    if start is not None:
        keep &= ms >= start
    if end is not None:
        keep &= ms < end
    return frame if keep.all() else frame[keep]


def finish(
    frame: pd.DataFrame,
    endpoint: Endpoint,
    category: str | None,
    params: Mapping[str, Any],
    pages: Sequence[Page],
    *,
    gaps_step_ms: int | None = None,
    **attrs: Any,
) -> pd.DataFrame:
    """Set the provenance attrs (endpoint, category, params, fetched_at, from_cache, pages, gaps)."""
    frame.attrs.update(
        endpoint=endpoint.path,
        category=category,
        params={k: v for k, v in params.items() if v is not None},
        fetched_at=pd.Timestamp.now(tz="UTC").as_unit("ms"),
        from_cache=(sum(p.from_cache for p in pages) / len(pages)) if pages else 0.0,
        pages=len(pages),
    )
    if gaps_step_ms is not None and endpoint.index_kind is IndexKind.TIME:
        frame.attrs["gaps"] = find_gaps(cast(pd.DatetimeIndex, frame.index).asi8, gaps_step_ms)
    frame.attrs.update(attrs)
    return frame


def frame_of(endpoint: Endpoint, pages: Sequence[Page], category: str | None) -> pd.DataFrame:
    """Build the typed frame of all rows of ``pages``.

    Kline-type pages (rows of a time and numbers) are joined from their columns: read from the column store,
    parsed as they arrived (:mod:`bybit_research.column_paging`), or parsed here from their bytes. The rows of
    other endpoints are decoded and converted.
    """
    if pages and is_numeric_rows(endpoint, category):
        names = [snake(f) for f in endpoint.row_fields[1:]]
        return frame_from_columns([page.columns for page in pages], names, endpoint.unique_index)
    rows = pages[0].rows if len(pages) == 1 else list(chain.from_iterable(page.rows for page in pages))
    return build_frame(endpoint, rows, category)
