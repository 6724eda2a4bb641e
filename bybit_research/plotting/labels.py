"""Words on the figures: titles naming symbol, category and range, units read from Bybit's symbol names.

Units follow the V5 conventions (V5 reference, sections 4.1 and 4.8): linear and spot volumes are in the base
coin and turnovers in the quote coin; inverse volumes and open interest are in USD (contracts) and inverse
turnover in the base coin. The coins come from the symbol's name (``BTCUSDT``, ``BTCPERP``, ``BTC-27DEC24``,
``BTCUSDH25``, ``BTC-27DEC24-100000-C``); when a name does not follow a known pattern the label says
"base coin" / "quote coin" rather than guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from ..core.units import MINUTE_MS

__all__ = [
    "base_coin",
    "describe_range",
    "duration_label",
    "format_time",
    "frame_range",
    "interval_label",
    "params_of",
    "params_range",
    "quote_coin",
    "symbols_of",
    "title",
    "unit",
]

#: spot quote coins recognised at the end of a spot symbol, longest first
_SPOT_QUOTES = ("USDT", "USDC", "USDE", "FDUSD", "EUR", "BRL", "PLN", "TRY", "DAI", "BTC", "ETH", "MNT")
_INVERSE = re.compile(r"(?P<base>[A-Z0-9]+?)USD(?P<month>[FGHJKMNQUVXZ]\d{2})?")
_DATED = re.compile(r"(?P<prefix>[A-Z0-9]+)-(?P<code>\d{1,2}[A-Z]{3}\d{2})")
_OPTION = re.compile(r"(?P<base>[A-Z0-9]+)-\d{1,2}[A-Z]{3}\d{2}-[\d.]+-[CP](?:-(?P<quote>[A-Z]+))?")


def _coins(symbol: str, category: str | None) -> tuple[str | None, str | None]:
    text = symbol.upper()
    option = _OPTION.fullmatch(text)
    if option or category == "option":
        if not option:
            return None, None
        return option["base"], option["quote"] or "USDC"
    if category == "inverse":
        inverse = _INVERSE.fullmatch(text)
        return (inverse["base"], "USD") if inverse else (None, "USD")
    dated = _DATED.fullmatch(text)
    if dated:
        prefix = dated["prefix"]
        if prefix.endswith("USDT"):
            return prefix[:-4] or None, "USDT"
        return prefix, "USDC"  # Bybit's USDC futures are named BTC-27DEC24
    if text.endswith("PERP"):
        return text[:-4] or None, "USDC"
    quotes = ("USDT", "USDC") if category == "linear" else _SPOT_QUOTES
    for quote in quotes:
        if text.endswith(quote) and len(text) > len(quote):
            return text[: -len(quote)], quote
    return None, None


def base_coin(symbol: str | None, category: str | None) -> str | None:
    """Return the base coin of a Bybit symbol (``"BTC"`` of ``"BTCUSDT"``), or None when it cannot be read."""
    return None if not symbol else _coins(symbol, category)[0]


def quote_coin(symbol: str | None, category: str | None) -> str | None:
    """Return the coin prices of a Bybit symbol are quoted in (``"USD"`` for inverse), or None if unknown."""
    if not symbol:
        return "USD" if category == "inverse" else None
    return _coins(symbol, category)[1]


def unit(kind: str, symbol: str | None, category: str | None) -> str:
    """Return the unit of ``kind`` (``"price"``, ``"volume"``, ``"turnover"`` or ``"open_interest"``).

    Parameters
    ----------
    kind
        What is measured: prices and turnovers of linear/spot contracts are in the quote coin, their volumes
        and open interest in the base coin; inverse volumes and open interest are in USD and turnover in the
        base coin.
    symbol, category
        The instrument, as in the frame's ``attrs``.

    Raises
    ------
    ValueError
        For another ``kind``.
    """
    base = base_coin(symbol, category) or "base coin"
    quote = quote_coin(symbol, category) or "quote coin"
    inverse = category == "inverse"
    units = {
        "price": quote,
        "volume": "USD" if inverse else base,
        "turnover": base if inverse else quote,
        "open_interest": "USD" if inverse else base,
    }
    if kind not in units:
        raise ValueError(f"unit kind must be one of {sorted(units)}, got {kind!r}")
    return units[kind]


def params_of(frame: pd.DataFrame) -> Mapping[str, Any]:
    """Return the frame's request parameters (``attrs["params"]``), or an empty mapping."""
    params = frame.attrs.get("params")
    return params if isinstance(params, Mapping) else {}


def symbols_of(frame: pd.DataFrame) -> list[str]:
    """Return the symbols a frame is about: its ``symbol`` level or column, else its params' ``symbol``."""
    held: list[str] = []
    if isinstance(frame.index, pd.MultiIndex) and "symbol" in frame.index.names:
        held = [str(s) for s in frame.index.unique("symbol")]
    elif "symbol" in frame.columns:
        held = sorted({str(s) for s in frame["symbol"].dropna().unique()})
    if held:
        return held
    symbol = params_of(frame).get("symbol")
    if isinstance(symbol, str):
        return [symbol]
    if isinstance(symbol, Iterable):
        return [str(s) for s in symbol]
    symbol = frame.attrs.get("symbol")
    return [symbol] if isinstance(symbol, str) else []


def _stamp(value: Any) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(int(value), unit="ms") if isinstance(value, int) else pd.Timestamp(value)
    except (TypeError, ValueError):
        return None
    if stamp is pd.NaT:
        return None
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def describe_range(first: Any, last: Any) -> str:
    """Return ``"2024-06-01 to 2024-06-30 UTC"`` (minutes shown unless both times are midnights)."""
    start, end = _stamp(first), _stamp(last)
    if start is None or end is None:
        return ""
    midnight = all(t == t.normalize() for t in (start, end))
    form = "%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M"
    if start == end:
        return f"{start.strftime(form)} UTC"
    return f"{start.strftime(form)} to {end.strftime(form)} UTC"


def format_time(value: Any) -> str:
    """Return ``"2024-06-15 12:34:56 UTC"`` for a time (Timestamp, datetime, str, epoch ms), or ``""``."""
    stamp = _stamp(value)
    return "" if stamp is None else f"{stamp.strftime('%Y-%m-%d %H:%M:%S')} UTC"


def params_range(frame: pd.DataFrame) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """Return the ``start`` and ``end`` a frame was asked for (``attrs["params"]``), None where unknown."""
    params = params_of(frame)
    start, end = params.get("start", params.get("startTime")), params.get("end", params.get("endTime"))
    return _stamp(start), _stamp(end)


def frame_range(frame: pd.DataFrame, times: pd.DatetimeIndex | None) -> str:
    """Return the range of ``times`` (the frame's data), or of ``attrs["params"]`` start/end when empty."""
    if times is not None and len(times):
        return describe_range(times.min(), times.max())
    return describe_range(*params_range(frame))


_INTERVAL_NAMES = {"D": "1d", "W": "1w", "M": "1M"}


def interval_label(code: Any) -> str:
    """Return the short label of a V5 interval code: ``"1"`` -> ``"1m"``, ``"60"`` -> ``"1h"``, ``"D"``."""
    text = str(code)
    if text in _INTERVAL_NAMES:
        return _INTERVAL_NAMES[text]
    if text.isdigit():
        minutes = int(text)
        if minutes % 1440 == 0:
            return f"{minutes // 1440}d"
        if minutes % 60 == 0:
            return f"{minutes // 60}h"
        return f"{minutes}m"
    return text


def duration_label(ms: int) -> str:
    """Return ``"12h"``, ``"5m"``, ``"1d"``, ``"2w"`` for a duration in milliseconds."""
    minutes = ms // MINUTE_MS
    if minutes and minutes % 10_080 == 0:
        return f"{minutes // 10_080}w"
    return interval_label(minutes)


def title(what: str, symbols: Iterable[str], category: str | None, when: str) -> str:
    """Return ``"BTCUSDT (linear) <what>, <when>"``, leaving out the parts that are unknown."""
    names = ", ".join(symbols)
    head = f"{names} ({category})" if names and category else names or (category or "")
    text = f"{head} {what}".strip()
    return f"{text}, {when}" if when else text
