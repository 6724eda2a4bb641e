"""Black-76 prices and greeks of European options on a forward, vectorised, in Bybit's conventions.

Bybit options are European and cash-settled; the exchange quotes them on a per-expiry forward (the ticker's
``underlying_price``) with no discounting (r = 0), time measured in calendar days (ACT/365) to 08:00 UTC on
the expiry date. Greeks are quoted per one-coin contract: delta undiscounted, gamma per 1 USD move of the
forward, vega per one volatility point (0.01 of IV) and theta per calendar day.

Every function takes scalars or numpy arrays (or frame columns) that broadcast against each other and returns
numpy arrays of the broadcast shape. Inputs are refused with ``ValueError`` when a forward, strike, time or
volatility is negative; NaN inputs give NaN outputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr

__all__ = [
    "DAYS_PER_YEAR",
    "Inputs",
    "black76_greeks",
    "black76_price",
    "check_inputs",
    "d1_d2",
    "intrinsic",
]

#: calendar days per year of Bybit's time to expiry (ACT/365)
DAYS_PER_YEAR = 365.0
_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)

#: arrays of one evaluation: forward, strike, time in years, volatility, call flags (all broadcast)
Inputs = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def check_inputs(forward: Any, strike: Any, t_years: Any, vol: Any, is_call: Any) -> Inputs:
    """Return the inputs as broadcast float arrays (``is_call`` as bool), or raise ``ValueError``.

    Parameters
    ----------
    forward, strike
        Forward price of the underlying and strike, in the quote currency (USD); must not be negative.
    t_years
        Time to expiry in years (ACT/365); must not be negative.
    vol
        Volatility as a fraction (0.55 = 55 %); must not be negative.
    is_call
        True for calls, False for puts (also accepted: ``"Call"``/``"Put"``, ``"C"``/``"P"``).
    """
    flags = _call_flags(is_call)
    arrays = [np.asarray(value, dtype=np.float64) for value in (forward, strike, t_years, vol)]
    for name, values in zip(("forward", "strike", "t_years", "vol"), arrays, strict=True):
        if np.any(values < 0):
            raise ValueError(f"{name} must not be negative (Black-76 needs prices, times and vols >= 0)")
    forward_a, strike_a, t_a, vol_a, flags = np.broadcast_arrays(*arrays, flags)
    return forward_a, strike_a, t_a, vol_a, flags


def _call_flags(is_call: Any) -> np.ndarray:
    values = is_call.to_numpy() if isinstance(is_call, pd.Series | pd.Index) else np.asarray(is_call)
    if values.dtype == bool:
        return values
    if values.dtype.kind in "iu":
        if np.isin(values, (0, 1)).all():
            return values.astype(bool)
    elif values.dtype.kind in "OUS":
        text = np.char.upper(values.astype(str))
        calls, puts = np.isin(text, ("CALL", "C")), np.isin(text, ("PUT", "P"))
        if (calls | puts).all():
            return calls
    raise ValueError("is_call must be booleans (True = call) or 'Call'/'Put' labels")


def intrinsic(forward: np.ndarray, strike: np.ndarray, is_call: np.ndarray) -> np.ndarray:
    """Exercise value ``max(F - K, 0)`` for calls, ``max(K - F, 0)`` for puts."""
    return np.where(is_call, np.maximum(forward - strike, 0.0), np.maximum(strike - forward, 0.0))


def _nan_where_missing(*arrays: np.ndarray) -> np.ndarray:
    """0 where every input is a number, NaN where one is NaN (added to results so NaN inputs give NaN)."""
    missing = np.zeros(np.broadcast_shapes(*(a.shape for a in arrays)))
    for values in arrays:
        missing[np.isnan(values)] = np.nan
    return missing


def d1_d2(forward: np.ndarray, strike: np.ndarray, sd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Black-76 ``d1`` and ``d2`` for a total standard deviation ``sd = vol * sqrt(t)`` (> 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        d1 = np.log(forward / strike) / sd + 0.5 * sd
    return d1, d1 - sd


def black76_price(forward: Any, strike: Any, t_years: Any, vol: Any, is_call: Any) -> np.ndarray:
    """Undiscounted Black-76 prices (r = 0), in the quote currency per one coin of the underlying.

    Parameters
    ----------
    forward
        Forward of the expiry: the ticker's ``underlying_price``.
    strike
        Strike price.
    t_years
        Time to expiry in years (ACT/365 to 08:00 UTC on the expiry date); at zero the intrinsic value.
    vol
        Volatility as a fraction; at zero the intrinsic value.
    is_call
        True for calls, False for puts.

    Returns
    -------
    numpy.ndarray
        Prices of the broadcast shape of the inputs.

    Raises
    ------
    ValueError
        A negative forward, strike, time or volatility.
    """
    forward_a, strike_a, t_a, vol_a, calls = check_inputs(forward, strike, t_years, vol, is_call)
    sd = vol_a * np.sqrt(t_a)
    live = (sd > 0) & (forward_a > 0) & (strike_a > 0)
    d1, d2 = d1_d2(forward_a, strike_a, np.where(live, sd, 1.0))
    # the out-of-the-money option of the strike plus the intrinsic value (put-call parity): an in-the-money
    # price computed directly would lose its time value to cancellation between two terms near the forward
    otm = np.where(strike_a >= forward_a, 1.0, -1.0)
    time_value = otm * (forward_a * ndtr(otm * d1) - strike_a * ndtr(otm * d2))
    exercise = intrinsic(forward_a, strike_a, calls)
    return np.where(
        live,
        exercise + time_value,
        exercise + _nan_where_missing(forward_a, strike_a, t_a, vol_a),
    )


def black76_greeks(forward: Any, strike: Any, t_years: Any, vol: Any, is_call: Any) -> pd.DataFrame:
    """Black-76 greeks per one-coin contract, as Bybit quotes them.

    Parameters
    ----------
    forward, strike, t_years, vol, is_call
        As in :func:`black76_price` (one-dimensional after broadcasting, or scalars).

    Returns
    -------
    pandas.DataFrame
        One row per option (the index of ``forward`` when it is a Series, else a RangeIndex), float64
        columns ``delta`` (undiscounted: ``N(d1)`` for calls, ``N(d1) - 1`` for puts), ``gamma`` (delta
        change per 1 USD of the forward), ``vega`` (price change per volatility point, 0.01 of IV) and
        ``theta`` (price change per calendar day; negative for a long option). At expiry, or with zero
        volatility, delta is the exercise indicator and the other greeks are 0.

    Raises
    ------
    ValueError
        A negative forward, strike, time or volatility.
    """
    forward_a, strike_a, t_a, vol_a, calls = check_inputs(forward, strike, t_years, vol, is_call)
    sqrt_t = np.sqrt(t_a)
    sd = vol_a * sqrt_t
    live = (sd > 0) & (forward_a > 0) & (strike_a > 0)
    safe_sd = np.where(live, sd, 1.0)
    d1, _ = d1_d2(forward_a, strike_a, safe_sd)
    pdf = np.exp(-0.5 * d1 * d1) * _INV_SQRT_2PI
    with np.errstate(divide="ignore", invalid="ignore"):
        gamma = np.where(live, pdf / (forward_a * safe_sd), 0.0)
        theta = np.where(live, -forward_a * pdf * vol_a / (2.0 * np.where(live, sqrt_t, 1.0)), 0.0)
    exercised = np.where(calls, forward_a > strike_a, forward_a < strike_a).astype(np.float64)
    delta = np.where(live, ndtr(d1) - np.where(calls, 0.0, 1.0), np.where(calls, exercised, -exercised))
    vega = np.where(live, forward_a * pdf * sqrt_t / 100.0, 0.0)
    missing = _nan_where_missing(forward_a, strike_a, t_a, vol_a)
    delta, gamma, vega, theta = (values + missing for values in (delta, gamma, vega, theta))
    frame = pd.DataFrame(
        {
            "delta": np.atleast_1d(delta),
            "gamma": np.atleast_1d(gamma),
            "vega": np.atleast_1d(vega),
            "theta": np.atleast_1d(theta / DAYS_PER_YEAR),
        }
    )
    if isinstance(forward, pd.Series) and len(forward) == len(frame):
        frame.index = forward.index
    return frame
