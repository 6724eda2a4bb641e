"""Argument checks shared by the public functions: each returns the value V5 expects or raises ``ValueError``
naming what is allowed, before any request is sent.

Forgiving where the meaning is clear (case of categories and symbols, interval aliases such as ``"1h"``),
strict where it is not (a symbol whose shape says it belongs to another category is refused, naming that
category).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..core.units import DAY_MS, HOUR_MS, MINUTE_MS, WEEK_MS
from .spec import Endpoint

__all__ = [
    "INDEX_QUOTES",
    "INSTRUMENT_STATUSES",
    "MAX_SYMBOLS",
    "SYMBOL_TYPES",
    "category_of_symbol",
    "check_choice",
    "check_coin",
    "check_count",
    "check_exp_date",
    "check_index_name",
    "check_interval",
    "check_max_pages",
    "check_symbol",
    "check_symbols",
]

INSTRUMENT_STATUSES = ("PreLaunch", "Trading", "Delivering", "Closed")
SYMBOL_TYPES = ("innovation", "adventure", "xstocks", "commodity", "stock", "forex")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")

_OPTION_SYMBOL = re.compile(r"^[A-Z0-9]+-\d{1,2}[A-Z]{3}\d{2}-\d+(?:\.\d+)?-[CP](?:-[A-Z]+)?$")
#: USDC-settled dated futures (``BTC-27DEC24``) and USDT ones (``BTCUSDT-27DEC24``): linear
_DATED_LINEAR = re.compile(r"^[A-Z0-9]+-\d{1,2}[A-Z]{3}\d{2}$")
#: inverse perpetuals (``BTCUSD``) and inverse futures (``BTCUSDZ24``, a month code and two digits)
_INVERSE = re.compile(r"^[A-Z0-9]+USD(?:[FGHJKMNQUVXZ]\d{2})?$")
#: linear perpetuals: USDT ones (``BTCUSDT``) and USDC ones (``BTCPERP``, ``BTCUSDC``); dated ones match
#: :data:`_DATED_LINEAR` (reference §4: linear is USDT perps and futures, USDC perps and futures)
_LINEAR_PERPETUAL = re.compile(r"^[A-Z0-9]+(?:USDT|USDC|PERP)$")
_COIN = re.compile(r"^[A-Z0-9]{1,20}$")
#: what any Bybit symbol looks like: upper-case ASCII letters and digits, parts joined by "-" (option strikes
#: may have a decimal point), short
_SYMBOL_SHAPE = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9.]+)*$")
MAX_SYMBOL_LENGTH = 48


def category_of_symbol(symbol: str) -> str | None:
    """The category a symbol's shape says it belongs to, or ``None`` when the shape does not tell.

    ``BTC-27DEC24-100000-C`` -> ``"option"``; ``BTC-27DEC24`` -> ``"linear"`` (a dated future);
    ``BTCUSD`` / ``BTCUSDZ24`` -> ``"inverse"``; ``BTCUSDT`` could be spot or linear -> ``None``.
    """
    if _OPTION_SYMBOL.match(symbol):
        return "option"
    if _DATED_LINEAR.match(symbol):
        return "linear"
    if _INVERSE.match(symbol):
        return "inverse"
    return None


def check_symbol(symbol: object, category: str | None, name: str = "symbol") -> str:
    """Return ``symbol`` upper-cased, or raise ``ValueError`` when it cannot belong to ``category``.

    Refused with the category the symbol belongs to: option symbols outside ``"option"``, other symbols with
    ``"option"``, dated futures with ``"spot"`` or ``"inverse"``, inverse contracts (``BTCUSD``) with
    ``"linear"`` or ``"spot"``; with ``"linear"``, perpetuals that end in neither USDT, USDC nor PERP (a spot
    pair such as ``ETHBTC``); with ``"inverse"``, anything not ending in USD (and a month code); with
    ``"spot"``, USDC perpetuals (``BTCPERP``). Dated futures and options must carry a date that exists.
    """
    if not isinstance(symbol, str) or not symbol.strip():
        raise ValueError(f"{name} must be a non-empty string such as 'BTCUSDT', got {symbol!r}")
    text = symbol.strip()
    shown = repr(text[:40] + "..." if len(text) > 40 else text)
    if len(text) > MAX_SYMBOL_LENGTH or not text.isascii() or not _SYMBOL_SHAPE.match(text.upper()):
        raise ValueError(
            f"{name} {shown} is not a Bybit symbol: symbols are up to {MAX_SYMBOL_LENGTH} ASCII letters and "
            "digits, parts joined by '-' (e.g. 'BTCUSDT', 'BTC-27DEC24', 'BTC-27DEC24-100000-C')"
        )
    text = text.upper()
    belongs = category_of_symbol(text)
    if belongs in ("option", "linear"):
        _check_symbol_date(text, symbol, name)
    if category is None or belongs is None or belongs == category:
        if category == "option" and belongs != "option":
            raise ValueError(
                f"{name} {symbol!r} is not an option symbol (e.g. 'BTC-27DEC24-100000-C'); "
                "category='option' needs one"
            )
        if category == "inverse" and belongs is None:
            raise ValueError(
                f"{name} {symbol!r} is not an inverse symbol: inverse contracts end in USD ('BTCUSD') or in "
                "USD and a month code ('BTCUSDZ24')"
                + ("; use category='linear'" if _LINEAR_PERPETUAL.match(text) else "")
            )
        if category == "spot" and text.endswith("PERP"):
            raise ValueError(f"{name} {symbol!r} is a linear perpetual (USDC) symbol; use category='linear'")
        if category == "linear" and belongs is None and not _LINEAR_PERPETUAL.match(text):
            raise ValueError(
                f"{name} {symbol!r} is not a linear symbol: linear perpetuals end in USDT, USDC or PERP "
                "('BTCUSDT', 'BTCPERP') and dated futures carry their date ('BTCUSDT-27DEC24', "
                "'BTC-27DEC24'); for a spot pair use category='spot'"
            )
        return text
    what = {"option": "an option", "linear": "a linear dated future", "inverse": "an inverse contract"}
    raise ValueError(
        f"{name} {symbol!r} is {what[belongs]} symbol of category {belongs!r}, not {category!r}; "
        f"use category={belongs!r}"
    )


def _check_symbol_date(text: str, symbol: object, name: str) -> None:
    """A dated future's or option's date must exist (``BTC-31FEB24`` is refused)."""
    code = text.split("-")[1]
    try:
        check_exp_date(code)
    except ValueError:
        raise ValueError(f"{name} {symbol!r} carries the date {code!r}, which does not exist") from None


#: the most symbols one call takes (Bybit lists a few thousand in all categories together)
MAX_SYMBOLS = 5000


def check_symbols(symbol: object, category: str | None) -> tuple[list[str], bool]:
    """Return ``(symbols, many)``: one symbol, or a list of them (``many=True``), each checked.

    Raises ``ValueError`` for an empty list or duplicates."""
    many = not isinstance(symbol, str)
    if many and not isinstance(symbol, Sequence | pd.Index | np.ndarray):
        raise ValueError(f"symbol must be a symbol or a list of symbols, got {symbol!r}")
    values = [symbol] if not many else list(symbol)  # type: ignore[call-overload]
    if len(values) > MAX_SYMBOLS:
        raise ValueError(
            f"symbol lists take at most {MAX_SYMBOLS} symbols, got {len(values)}; split the list"
        )
    symbols = [check_symbol(value, category) for value in values]
    if not symbols:
        raise ValueError("symbol must be a symbol or a non-empty list of symbols")
    counts = Counter(symbols)
    duplicated = sorted(s for s, n in counts.items() if n > 1)
    if duplicated:
        raise ValueError(f"symbol list has duplicates: {duplicated}")
    return symbols, many


def check_coin(coin: object, name: str = "base_coin") -> str:
    """Return a coin name upper-cased (``"btc"`` -> ``"BTC"``) or raise ``ValueError``."""
    if not isinstance(coin, str) or not _COIN.match(coin.strip().upper()):
        raise ValueError(f"{name} must be a coin name such as 'BTC', got {coin!r}")
    return coin.strip().upper()


#: the quotes an index is named after: the quote of the contracts that use it (USDT and USDC linear, USD
#: inverse), e.g. ``BTCUSDT``, ``BTCUSDC``, ``BTCUSD``, ``1000BTTUSDT``
INDEX_QUOTES = ("USDT", "USDC", "USD")
_INDEX_NAME = re.compile(r"^[A-Z0-9]{1,30}(?:USDT|USDC|USD)$")


def check_index_name(value: object, name: str = "index_name") -> str:
    """Return an index name upper-cased (``"btcusdt"`` -> ``"BTCUSDT"``), or raise ``ValueError`` when it is
    not a coin followed by one of :data:`INDEX_QUOTES`."""
    text = value.strip().upper() if isinstance(value, str) else None
    if text is None or not text.isascii() or not _INDEX_NAME.match(text):
        quotes = ", ".join(repr(q) for q in INDEX_QUOTES)
        raise ValueError(
            f"{name} must be a coin followed by the quote of its contracts ({quotes}), such as 'BTCUSDT', "
            f"'BTCUSDC' or 'BTCUSD', got {value!r}"
        )
    return text


def check_choice(value: object, allowed: Sequence[Any], name: str) -> Any:
    """Return ``value`` if it is one of ``allowed`` (``None`` passes), else raise ``ValueError``."""
    if value is not None and value not in allowed:
        raise ValueError(f"{name} {value!r} is not valid; allowed: {', '.join(repr(a) for a in allowed)}")
    return value


#: the most records one call may ask for by count (``limit=``): ~190 years of minutes
MAX_COUNT = 100_000_000


def check_count(value: object, name: str = "limit") -> int | None:
    """Return a positive integer count up to :data:`MAX_COUNT` (``None`` passes) or raise ``ValueError``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not 1 <= value <= MAX_COUNT:
        raise ValueError(f"{name} must be an integer in [1, {MAX_COUNT}], got {value!r}")
    return int(value)


#: the largest ``max_pages=`` a call may allow (every page is a request: two days of Bybit's IP budget)
MAX_PAGES_ALLOWED = 1_000_000


def check_max_pages(value: object) -> int | None:
    """Return a ``max_pages=`` argument (``None`` passes: the default bound) or raise ``ValueError`` unless it
    is an integer in [1, :data:`MAX_PAGES_ALLOWED`]."""
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | np.integer)
        or not 1 <= value <= MAX_PAGES_ALLOWED
    ):
        raise ValueError(f"max_pages must be an integer in [1, {MAX_PAGES_ALLOWED}] (or None), got {value!r}")
    return int(value)


def check_exp_date(value: object, name: str = "expiry") -> str:
    """Return an option expiry code like ``"27DEC24"`` from such a code, a date, datetime or Timestamp.

    Codes are checked to be real dates (``"31FEB24"`` is refused)."""
    refusal = f"{name} must be a code like '27DEC24' or a date, got {value!r}"
    if isinstance(value, str):
        text = value.strip().upper()
        if len(text) in (6, 7) and text[-5:-2] in _MONTHS and text[:-5].isdigit() and text[-2:].isdigit():
            day, month, year = int(text[:-5]), _MONTHS.index(text[-5:-2]) + 1, 2000 + int(text[-2:])
            try:
                pd.Timestamp(year=year, month=month, day=day)
            except ValueError:
                raise ValueError(f"{name} {value!r} is not a real date") from None
            return f"{day}{text[-5:]}"
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        raise ValueError(refusal) from None
    if pd.isna(stamp):
        raise ValueError(refusal)
    return f"{stamp.day}{_MONTHS[stamp.month - 1]}{stamp.year % 100:02d}"


#: single letters: a day, a week (either case), a calendar month (upper case only: "m" would be a minute)
_BARE = {"D": DAY_MS, "d": DAY_MS, "W": WEEK_MS, "w": WEEK_MS, "M": 0}
_UNITS_MS = {"min": MINUTE_MS, "h": HOUR_MS, "d": DAY_MS, "w": WEEK_MS}
_ALIAS = re.compile(r"^(\d+)\s*([A-Za-z]+)$")
_UNIT_WORDS = {
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), "min"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "h"),
    **dict.fromkeys(("d", "day", "days"), "d"),
    **dict.fromkeys(("w", "wk", "week", "weeks"), "w"),
}
_MONTH_WORDS = frozenset({"mo", "mon", "month", "months"})


def _alias_ms(text: str) -> int | None:
    """Length in ms of an alias such as ``"15min"``, ``"1h"``, ``"4H"``, ``"1d"``, ``"1w"`` (month: 0).

    Units are read in any case, except that ``"1m"`` is a minute and ``"1M"`` a month, as in most trading
    tools."""
    found = _ALIAS.match(text.strip())
    if found is None:
        return None
    count, unit = int(found.group(1)), found.group(2)
    if unit == "M" or unit.lower() in _MONTH_WORDS:
        return 0 if count == 1 else None
    key = _UNIT_WORDS.get(unit.lower())
    return None if key is None else count * _UNITS_MS[key]


def check_interval(value: object, endpoint: Endpoint) -> tuple[str, int]:
    """Return ``(V5 value, length in ms; 0 = calendar month)`` of an interval or period argument.

    Accepts the endpoint's own values (klines: ``1 3 5 ... 720 D W M``; open interest and long/short ratio:
    ``5min 15min 30min 1h 4h 1d``), integers and digit strings of minutes (``60``, ``"60"``), the letters
    ``D``/``W``/``M`` in either case where the endpoint has them, and aliases such as ``"1m"``, ``"15min"``,
    ``"1h"``, ``"4h"``, ``"1d"``, ``"1w"``, ``"1M"`` (month). The error lists the endpoint's values and the
    aliases.
    """
    name = endpoint.interval_param or "interval"
    allowed = endpoint.intervals
    by_length = {length: code for code, length in allowed.items()}
    if isinstance(value, bool) or not isinstance(value, str | int | np.integer):
        raise ValueError(f"{name} must be a string or an integer, got {value!r}; {_allowed(endpoint)}")
    text = str(int(value)) if isinstance(value, int | np.integer) else value.strip()
    if text in allowed:
        return text, allowed[text]
    length = int(text) * MINUTE_MS if text.isdigit() else _BARE.get(text, _alias_ms(text))
    if length is not None and length in by_length:
        code = by_length[length]
        return code, allowed[code]
    raise ValueError(f"{name} {text!r} is not valid for {endpoint.path}; {_allowed(endpoint)}")


def _allowed(endpoint: Endpoint) -> str:
    values = ", ".join(repr(v) for v in endpoint.intervals)
    lengths = set(endpoint.intervals.values())
    examples = [a for a, ms in _ALIAS_EXAMPLES if ms in lengths]
    return f"allowed: {values} (or aliases such as {', '.join(repr(a) for a in examples)})"


_ALIAS_EXAMPLES = (
    ("1m", MINUTE_MS),
    ("5m", 5 * MINUTE_MS),
    ("15min", 15 * MINUTE_MS),
    ("1h", HOUR_MS),
    ("60", HOUR_MS),
    ("4h", 4 * HOUR_MS),
    ("1d", DAY_MS),
    ("1w", WEEK_MS),
    ("1M", 0),
)
