"""Black-76 option pricing and greeks, and the volatility smile of the synthetic option market.

Bybit options are European, cash-settled, and quoted on the forward (the underlying's futures/index price),
so the
Black-76 model prices them. Greeks follow Bybit's quoting conventions: vega per 1 % of implied volatility and
theta
per calendar day.
"""

from __future__ import annotations

import math

import numpy as np

YEAR_MS = 365 * 86_400_000
#: Annualised carry of option underlyings (the forward of an expiry over the index).
OPTION_CARRY = 0.05
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _norm_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _norm_pdf(x: float) -> float:
    return math.exp(-0.5 * x * x) / _SQRT_2PI


def black76_price(forward: float, strike: float, t_years: float, sigma: float, is_call: bool) -> float:
    """Return the undiscounted Black-76 price of a European option.

    Parameters
    ----------
    forward
        Forward (underlying) price.
    strike
        Strike price.
    t_years
        Time to expiry in years (365-day years); at or below zero the intrinsic value is returned.
    sigma
        Implied volatility as a fraction (0.55 = 55 %).
    is_call
        True for a call, False for a put.

    Returns
    -------
    float
        The option price in quote currency (USD per one unit of the underlying).
    """
    intrinsic = max(forward - strike, 0.0) if is_call else max(strike - forward, 0.0)
    if t_years <= 0.0 or sigma <= 0.0 or forward <= 0.0 or strike <= 0.0:
        return intrinsic
    sd = sigma * math.sqrt(t_years)
    d1 = (math.log(forward / strike) + 0.5 * sd * sd) / sd
    d2 = d1 - sd
    if is_call:
        return forward * _norm_cdf(d1) - strike * _norm_cdf(d2)
    return strike * _norm_cdf(-d2) - forward * _norm_cdf(-d1)


def black76_greeks(
    forward: float, strike: float, t_years: float, sigma: float, is_call: bool
) -> dict[str, float]:
    """Return the Black-76 greeks of a European option as Bybit quotes them.

    Parameters
    ----------
    forward, strike, t_years, sigma, is_call
        As in :func:`black76_price`.

    Returns
    -------
    dict of str to float
        ``delta`` (per 1 unit of the underlying), ``gamma`` (delta change per 1 unit of the underlying),
        ``vega``
        (price change per 1 % of implied volatility, i.e. per 1.0 of IV / 100) and ``theta`` (price change per
        calendar day, negative for a long option). At expiry the delta is the intrinsic indicator and the
        others 0.
    """
    if t_years <= 0.0 or sigma <= 0.0 or forward <= 0.0 or strike <= 0.0:
        delta = (1.0 if forward > strike else 0.0) if is_call else -1.0 if forward < strike else 0.0
        return {"delta": delta, "gamma": 0.0, "vega": 0.0, "theta": 0.0}
    sqrt_t = math.sqrt(t_years)
    sd = sigma * sqrt_t
    d1 = (math.log(forward / strike) + 0.5 * sd * sd) / sd
    pdf = _norm_pdf(d1)
    delta = _norm_cdf(d1) if is_call else _norm_cdf(d1) - 1.0
    gamma = pdf / (forward * sd)
    vega = forward * pdf * sqrt_t / 100.0
    theta = -forward * pdf * sigma / (2.0 * sqrt_t) / 365.0
    return {"delta": delta, "gamma": gamma, "vega": vega, "theta": theta}


#: Shortest time to expiry (years) the smile's shape sees: one day. Closer to expiry the option still decays
#: to intrinsic through Black-76's own ``t``, but the smile stops steepening (real short-dated IVs stay
#: bounded).
SMILE_MIN_T = 1.0 / 365.0
#: Standardised log-moneyness ``ln(K/F) / sqrt(t)`` beyond which the wings stay flat.
SMILE_MAX_MONEYNESS = 8.0
#: Bounds of the smile's implied volatility (fractions).
SMILE_MIN_IV, SMILE_MAX_IV = 0.05, 3.0


def smile_iv(base_vol: float, forward: float, strike: float, t_years: float) -> float:
    """Return the implied volatility of the synthetic smile.

    A skewed parabola in standardised log-moneyness on a term structure that rises slightly for short
    expiries (as crypto smiles usually do). The shape sees at least :data:`SMILE_MIN_T` to expiry and
    moneyness capped at :data:`SMILE_MAX_MONEYNESS` (flat wings), so the smile stays bounded near expiry.

    Parameters
    ----------
    base_vol
        The coin's at-the-money volatility level (fraction).
    forward, strike
        Forward and strike prices.
    t_years
        Time to expiry in years.

    Returns
    -------
    float
        Implied volatility as a fraction, in ``[SMILE_MIN_IV, SMILE_MAX_IV]``.
    """
    t = max(t_years, SMILE_MIN_T)
    moneyness = math.log(strike / forward) / math.sqrt(t)
    moneyness = min(max(moneyness, -SMILE_MAX_MONEYNESS), SMILE_MAX_MONEYNESS)
    term = 1.0 + 0.08 / math.sqrt(t * 12.0 + 0.25)
    iv = base_vol * term - 0.035 * moneyness + 0.045 * moneyness * moneyness
    return min(max(iv, SMILE_MIN_IV), SMILE_MAX_IV)


def smile_iv_array(base_vol: float, forward: np.ndarray, strike: float, t_years: np.ndarray) -> np.ndarray:
    """Vectorised :func:`smile_iv` over arrays of forwards and times to expiry."""
    t = np.maximum(t_years, SMILE_MIN_T)
    moneyness = np.clip(np.log(strike / forward) / np.sqrt(t), -SMILE_MAX_MONEYNESS, SMILE_MAX_MONEYNESS)
    term = 1.0 + 0.08 / np.sqrt(t * 12.0 + 0.25)
    iv = base_vol * term - 0.035 * moneyness + 0.045 * moneyness * moneyness
    return np.clip(iv, SMILE_MIN_IV, SMILE_MAX_IV)
