"""What a Bybit symbol says about its contract: base coin, settle coin, perpetual or dated, expiry, strike.

Formats (V5 reference §4): options ``BTC-27DEC24-100000-C`` (USDC-settled) and ``BTC-13FEB25-89000-P-USDT``;
linear perpetuals ``BTCUSDT`` (USDT) and ``BTCPERP`` (USDC); linear futures ``BTCUSDT-21FEB25`` (USDT) and
``BTC-24MAR23`` (USDC); inverse perpetuals ``BTCUSD`` and inverse futures ``BTCUSDH23`` (month code, year),
both settled in the base coin. Dated contracts expire at 08:00 UTC; an inverse future's symbol names only
its month, and it delivers on the last Friday of that month.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import pandas as pd

__all__ = ["Contract", "expiry_from_code", "parse_contract", "parse_option_symbol"]

_DATE = r"(?P<date>\d{1,2}[A-Z]{3}\d{2})"
_OPTION = re.compile(
    rf"^(?P<base>[A-Z0-9]+)-{_DATE}-(?P<strike>\d+(?:\.\d+)?)-(?P<type>[CP])(?:-(?P<settle>[A-Z]+))?$"
)
_LINEAR_FUTURE_USDT = re.compile(rf"^(?P<base>[A-Z0-9]+?)USDT-{_DATE}$")
_LINEAR_FUTURE_USDC = re.compile(rf"^(?P<base>[A-Z0-9]+)-{_DATE}$")
_LINEAR_PERP = re.compile(r"^(?P<base>[A-Z0-9]+?)(?P<settle>USDT|USDC)$")
_USDC_PERP = re.compile(r"^(?P<base>[A-Z0-9]+?)PERP$")
_INVERSE_FUTURE = re.compile(r"^(?P<base>[A-Z0-9]+?)USD(?P<month>[FGHJKMNQUVXZ])(?P<year>\d{2})$")
_INVERSE_PERP = re.compile(r"^(?P<base>[A-Z0-9]+?)USD$")
_SPOT = re.compile(r"^(?P<base>[A-Z0-9]+?)(?:USDT|USDC|USD)?$")
_MONTH_CODES = "FGHJKMNQUVXZ"
_EXPIRY_HOUR = 8


@dataclass(frozen=True)
class Contract:
    """The terms one symbol spells out.

    Attributes
    ----------
    base_coin, settle_coin
        The risk unit's coin and the coin P&L is settled in (the base coin for inverse contracts).
    kind
        ``"perpetual"``, ``"future"``, ``"option"`` or ``"spot"``.
    expiry
        Delivery/expiry time (UTC), ``None`` for perpetuals and spot.
    strike
        Options only (else NaN).
    is_call
        Options only (else False).
    inverse
        Whether the contract is inverse (sized in USD, settled in the base coin).
    """

    base_coin: str
    settle_coin: str
    kind: str
    expiry: pd.Timestamp | None
    strike: float = float("nan")
    is_call: bool = False
    inverse: bool = False


@lru_cache(maxsize=4096)
def expiry_from_code(code: str) -> pd.Timestamp:
    """Return 08:00 UTC of a Bybit date code such as ``"27DEC24"`` or ``"5JAN25"``.

    Raises
    ------
    ValueError
        The code is not a day, a three-letter English month and a two-digit year.
    """
    try:
        day = datetime.strptime(code.upper(), "%d%b%y")
    except ValueError:
        raise ValueError(f"{code!r} is not a Bybit date code such as '27DEC24'") from None
    return pd.Timestamp(day.year, day.month, day.day, _EXPIRY_HOUR, tz="UTC").as_unit("ms")


@lru_cache(maxsize=65536)
def parse_option_symbol(symbol: str) -> Contract:
    """Parse ``BTC-27DEC24-100000-C`` or ``BTC-13FEB25-89000-P-USDT`` (USDC-settled unless suffixed).

    Raises
    ------
    ValueError
        The symbol is not an option symbol.
    """
    match = _OPTION.match(symbol.upper())
    if match is None:
        raise ValueError(f"{symbol!r} is not an option symbol such as 'BTC-27DEC24-100000-C'")
    return Contract(
        base_coin=match["base"],
        settle_coin=match["settle"] or "USDC",
        kind="option",
        expiry=expiry_from_code(match["date"]),
        strike=float(match["strike"]),
        is_call=match["type"] == "C",
    )


def _last_friday(year: int, month: int) -> pd.Timestamp:
    end = pd.Timestamp(year, month, 1) + pd.offsets.MonthEnd(0)
    back = (end.weekday() - 4) % 7
    day = end - pd.Timedelta(days=back)
    return pd.Timestamp(day.year, day.month, day.day, _EXPIRY_HOUR, tz="UTC").as_unit("ms")


@lru_cache(maxsize=65536)
def parse_contract(symbol: str, category: str) -> Contract:
    """Parse a symbol of ``category`` (``linear``, ``inverse``, ``option`` or ``spot``).

    Raises
    ------
    ValueError
        An unknown category, or a symbol the category's formats do not describe.
    """
    text = symbol.upper()
    if category == "option":
        return parse_option_symbol(text)
    nat = None
    if category == "linear":
        if match := _LINEAR_FUTURE_USDT.match(text):
            return Contract(match["base"], "USDT", "future", expiry_from_code(match["date"]))
        if match := _LINEAR_FUTURE_USDC.match(text):
            return Contract(match["base"], "USDC", "future", expiry_from_code(match["date"]))
        if match := _USDC_PERP.match(text):
            return Contract(match["base"], "USDC", "perpetual", nat)
        if match := _LINEAR_PERP.match(text):
            return Contract(match["base"], match["settle"], "perpetual", nat)
        raise ValueError(
            f"{symbol!r} is not a linear symbol such as BTCUSDT, BTCPERP, BTCUSDT-21FEB25, BTC-24MAR23"
        )
    if category == "inverse":
        if match := _INVERSE_FUTURE.match(text):
            year = 2000 + int(match["year"])
            expiry = _last_friday(year, _MONTH_CODES.index(match["month"]) + 1)
            return Contract(match["base"], match["base"], "future", expiry, inverse=True)
        if match := _INVERSE_PERP.match(text):
            return Contract(match["base"], match["base"], "perpetual", nat, inverse=True)
        raise ValueError(f"{symbol!r} is not an inverse symbol such as BTCUSD or BTCUSDH23")
    if category == "spot":
        if match := _SPOT.match(text):
            return Contract(match["base"], match["base"], "spot", nat)
        raise ValueError(f"{symbol!r} is not a spot symbol such as BTCUSDT or BTC")
    raise ValueError(f"category must be one of linear, inverse, option, spot, not {category!r}")
