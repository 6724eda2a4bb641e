"""The checks and derived inputs every option-chain function shares: the valuation time, time to expiry,
the columns a function needs, one base coin per chain, and one expiry picked by code or date.

The chain is the frame of ``bybit_research.Client.option_chain(base_coin)`` (index ``symbol``; columns
``expiry`` (``datetime64[ms, UTC]``, the delivery time 08:00 UTC), ``expiry_code``, ``strike``,
``option_type`` ("Call"/"Put"), the ticker's prices, IVs (fractions) and greeks, ``underlying_price`` ...).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..core.units import DAY_MS
from .black76 import DAYS_PER_YEAR

__all__ = [
    "MS_PER_YEAR",
    "base_coin_of",
    "json_safe",
    "live_expiries",
    "pick_expiry",
    "require_columns",
    "require_non_negative",
    "to_utc",
    "valuation_time",
    "years_to_expiry",
]

#: milliseconds in Bybit's year of 365 calendar days (ACT/365)
MS_PER_YEAR = DAYS_PER_YEAR * float(DAY_MS)


def to_utc(value: Any, name: str) -> pd.Timestamp:
    """``value`` as a UTC Timestamp: str, datetime, Timestamp, numpy datetime64 or epoch milliseconds.

    Naive times are UTC. Raises ``ValueError`` naming ``name`` and the accepted types otherwise.
    """
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a time (str, datetime, pd.Timestamp or epoch ms), got {value!r}")
    try:
        if isinstance(value, int | float | np.integer | np.floating):
            stamp = pd.Timestamp(int(value), unit="ms")
        elif isinstance(value, str | dt.datetime | dt.date | pd.Timestamp | np.datetime64):
            stamp = pd.Timestamp(value)
        else:
            raise TypeError(type(value).__name__)
    except (TypeError, ValueError, OverflowError) as error:
        raise ValueError(
            f"{name} must be a time (str, datetime, pd.Timestamp or epoch ms), got {value!r}"
        ) from error
    if pd.isna(stamp):
        raise ValueError(f"{name} must be a time, got {value!r}")
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def json_safe(value: Any) -> Any:
    """``value`` with times as ISO strings and numpy scalars as Python numbers, inside dicts, lists and
    tuples, so frame ``attrs`` survive ``to_parquet()`` (which writes them as JSON)."""
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


def valuation_time(chain: pd.DataFrame, now: Any = None) -> pd.Timestamp:
    """The time options are valued at: ``now`` if given, else the chain's ``attrs["server_time"]`` (the
    exchange's clock when it answered the tickers), else its ``attrs["fetched_at"]`` (this machine's clock
    when the frame was built), else the wall clock (UTC). Naive times are UTC."""
    if now is not None:
        return to_utc(now, "now")
    server = chain.attrs.get("server_time")
    if server is not None:
        return to_utc(server, 'chain.attrs["server_time"]')
    fetched = chain.attrs.get("fetched_at")
    if fetched is not None:
        return to_utc(fetched, 'chain.attrs["fetched_at"]')
    return pd.Timestamp.now(tz="UTC")


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str = "chain") -> None:
    """Raise ``ValueError`` naming the columns of ``columns`` that ``frame`` lacks."""
    needed = list(columns)
    missing = [name for name in needed if name not in frame.columns]
    if missing:
        raise ValueError(
            f"{what} lacks the columns {missing}; it needs {needed}"
            + (" (the frame of option_chain())" if what == "chain" else "")
        )


def require_non_negative(frame: pd.DataFrame, columns: Iterable[str], what: str = "chain") -> None:
    """Raise ``ValueError`` when a column of ``columns`` holds a negative number (NaN is allowed)."""
    for name in columns:
        values = frame[name].to_numpy(dtype=np.float64, na_value=np.nan)
        bad = np.flatnonzero(values < 0)
        if bad.size:
            rows = [str(label) for label in frame.index[bad[:3]]]
            raise ValueError(f"{what} column {name!r} must not be negative; negative in rows {rows}")


def base_coin_of(chain: pd.DataFrame) -> str:
    """The one base coin of a chain (its ``base_coin`` column, else the symbols' prefix).

    Raises ``ValueError`` when the chain mixes base coins (one chain, smile or risk unit is one coin).
    """
    if "base_coin" in chain.columns:
        coins = pd.unique(chain["base_coin"].dropna().astype(str))
    else:
        coins = pd.unique(pd.Index(chain.index).astype(str).str.split("-").str[0])
    if len(coins) > 1:
        raise ValueError(
            f"the chain mixes base coins {sorted(coins)}; pass one coin's chain (option_chain(base_coin))"
        )
    return str(coins[0]) if len(coins) else ""


def years_to_expiry(expiry: pd.Series | pd.DatetimeIndex, now: pd.Timestamp) -> np.ndarray:
    """Calendar time (ACT/365) from ``now`` to each expiry, in years; 0 at or after the expiry."""
    stamps = pd.DatetimeIndex(expiry)
    stamps = stamps.tz_localize("UTC") if stamps.tz is None else stamps.tz_convert("UTC")
    ms = stamps.as_unit("ms").asi8.astype(np.float64)
    ms[stamps.isna()] = np.nan
    now_ms = now.value / 1e6  # Timestamp.value is in nanoseconds whatever its unit
    return np.maximum(ms - now_ms, 0.0) / MS_PER_YEAR


def live_expiries(chain: pd.DataFrame, now: pd.Timestamp) -> tuple[pd.DatetimeIndex, list[str]]:
    """The chain's expiries after ``now`` (ascending) and the codes of those at or before it.

    Raises ``ValueError`` when every expiry is at or before ``now`` (a valuation time after the data).
    """
    expiries = pd.DatetimeIndex(pd.unique(chain["expiry"])).sort_values()
    live = expiries[expiries > now]
    past = [_code(chain, stamp) for stamp in expiries[expiries <= now]]
    if len(expiries) and not len(live):
        raise ValueError(
            f"every expiry of the chain is at or before now={now.isoformat()} (expired: {past}); "
            "pass now= a time before them, e.g. the time the chain was fetched"
        )
    return live, past


def _code(chain: pd.DataFrame, expiry: pd.Timestamp) -> str:
    if "expiry_code" in chain.columns:
        codes = chain.loc[chain["expiry"] == expiry, "expiry_code"]
        if len(codes):
            return str(codes.iloc[0])
    return f"{expiry.day}{expiry.strftime('%b%y').upper()}"


def pick_expiry(chain: pd.DataFrame, expiry: Any, now: pd.Timestamp) -> pd.Timestamp:
    """The chain's expiry named by ``expiry``: a code such as ``"28JUN24"`` (any case), or a date/time.

    A date matches the expiry on that calendar day (UTC). Raises ``ValueError`` for an expiry the chain
    does not hold (naming those it holds) or one at or before ``now`` (expired).
    """
    expiries = pd.DatetimeIndex(pd.unique(chain["expiry"])).sort_values()
    codes = [_code(chain, stamp) for stamp in expiries]
    chosen: pd.Timestamp | None = None
    if isinstance(expiry, str) and expiry.strip().upper() in codes:
        chosen = expiries[codes.index(expiry.strip().upper())]
    else:
        try:
            wanted = to_utc(expiry, "expiry")
        except ValueError as error:
            raise ValueError(
                f"expiry must be one of the chain's expiry codes {codes} or a date, got {expiry!r}"
            ) from error
        same_day = expiries[expiries.normalize() == wanted.normalize()]
        if len(same_day):
            chosen = same_day[0]
    if chosen is None:
        raise ValueError(f"the chain has no expiry {expiry!r}; it holds {codes}")
    if chosen <= now:
        raise ValueError(
            f"expiry {_code(chain, chosen)} ({chosen.isoformat()}) has expired at now={now.isoformat()}; "
            f"live expiries: {[c for c, e in zip(codes, expiries, strict=True) if e > now]}"
        )
    return chosen
