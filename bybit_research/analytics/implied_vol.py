"""Implied volatility of Black-76 prices: a vectorised Newton solver kept inside a bisection bracket.

The solver works on the normalised out-of-the-money price. With ``x = -|ln(F/K)|`` and the total volatility
``s = vol * sqrt(t)``, every option's time value over ``sqrt(F K)`` equals

    b(x, s) = exp(x/2) N(x/s + s/2) - exp(-x/2) N(x/s - s/2),

the normalised price of the out-of-the-money option of the strike (put-call parity turns an in-the-money
price into it). ``b`` rises from 0 to ``exp(x/2)`` as ``s`` goes from 0 to infinity and ``ln b`` is concave
in ``s``, so the solver iterates on ``ln b(s) = ln beta``: Newton steps with the exact curvature (Halley's
method, cubic convergence), each kept inside a bracket ``[lo, hi]`` of the root; a step that leaves the
bracket is replaced by bisection. ``ln b``, its slope and its curvature come from the scaled complementary
error function ``erfcx``, which does not underflow in the far wings:

    ln b = -x^2 / (2 s^2) - s^2 / 8 + ln(D / 2),    d ln b / ds = sqrt(2 / pi) / D,
    D = erfcx(-d1 / sqrt 2) - erfcx(-d2 / sqrt 2),  b'' / b' = x^2 / s^3 - s / 4.

The start is a closed-form guess on the side of the inflection point ``s_c = sqrt(2 |x|)`` of ``b`` that
holds the root (``b(x, s_c)`` costs one ``erfcx``). Below it, ``ln b < -x^2 / (2 s^2)`` and
``b(x, s) <= b(0, s) <= s / sqrt(2 pi)`` give two lower bounds of the root, ``|x| / sqrt(-2 ln beta)`` (far
wings) and ``sqrt(2 pi) beta`` (near the money); the larger starts. Above it, the large-``s`` form of ``b``
gives ``-2 N^-1((exp(x/2) - beta) / (2 cosh(x/2)))``. Four rounds or fewer reach 1e-14 relative error in
``s`` across wide moneyness and 1 hour to 3 years.

Every step runs on whole arrays (the options still unconverged), never one option at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import erfcx, ndtri

from .black76 import check_inputs, intrinsic

__all__ = ["NO_IV_REASONS", "IVSolution", "implied_vol", "solve_implied_vol"]

#: why an option has no implied volatility, in the order of the checks (the labels used in ``attrs``)
NO_IV_REASONS = (
    "missing_input",  # a NaN price, forward, strike or time
    "expired",  # no time left (t_years == 0)
    "zero_forward_or_strike",
    "at_or_below_intrinsic",  # no time value: any volatility down to 0 prices at least as high
    "at_or_above_upper_bound",  # a call at or above the forward, a put at or above the strike
    "not_converged",
)
_LABELS = np.array(["", *NO_IV_REASONS])
_NOT_CONVERGED = len(NO_IV_REASONS)
#: largest total volatility ``vol * sqrt(t)`` searched; in double precision b(x, 40) equals its bound
#: exp(x/2) for any |x| < 700, so every price below the bound has its root below it
MAX_TOTAL_VOL = 40.0
#: the iteration stops once the error left after a step is below this fraction of ``s``
_STEP_RTOL = 1e-14
_MAX_ITERATIONS = 60
_SQRT_2_OVER_PI = np.sqrt(2.0 / np.pi)
_SQRT_HALF = np.sqrt(0.5)
_SQRT_2PI = np.sqrt(2.0 * np.pi)
_EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class IVSolution:
    """Implied volatilities and, where there is none, why.

    Attributes
    ----------
    vol
        Implied volatilities (fractions), NaN where none exists.
    reason
        One label of :data:`NO_IV_REASONS` per option, ``""`` where an IV exists.
    iterations
        Rounds (Halley or bisection steps on the whole array) the slowest option needed.
    """

    vol: np.ndarray
    reason: np.ndarray
    iterations: int

    def counts(self) -> dict[str, int]:
        """Options without an IV per reason (only reasons that occur), JSON-safe."""
        labels, counts = np.unique(self.reason[self.reason != ""], return_counts=True)
        return {str(label): int(count) for label, count in zip(labels, counts, strict=True)}


def _ln_b(x: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``ln b(x, s)``, its slope in ``s`` and its rounding noise (x <= 0, s > 0).

    ``ln b`` is ``-inf`` where rounding leaves no time value (``D <= 0``). The noise bounds the rounding
    error of the difference ``D`` (two numbers near 1 close to the money) and of the quadratic terms.
    """
    d1 = x / s + 0.5 * s
    first, second = erfcx(-d1 * _SQRT_HALF), erfcx((s - d1) * _SQRT_HALF)
    spread = first - second
    quadratic = 0.5 * (x / s) ** 2 + 0.125 * s * s
    with np.errstate(divide="ignore", invalid="ignore"):
        ln_b = np.where(spread > 0, np.log(0.5 * spread) - quadratic, -np.inf)
        slope = _SQRT_2_OVER_PI / spread
        noise = 8.0 * _EPS * ((first + second) / spread + quadratic + 1.0)
    return ln_b, slope, noise


def _start(x: np.ndarray, ln_beta: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, ...]:
    """Starting point and bracket ``(s0, lo, hi)`` on the side of the inflection point that holds the root."""
    s_c = np.sqrt(-2.0 * x)
    # at s_c, d1 = 0 and erfcx(0) = 1: ln b(x, s_c) = ln((1 - erfcx(sqrt(-x))) / 2) + x / 2
    with np.errstate(divide="ignore"):
        ln_b_c = np.log(0.5 * (1.0 - erfcx(np.sqrt(-x)))) + 0.5 * x
    low_side = (s_c > 0) & (ln_beta <= ln_b_c)
    with np.errstate(divide="ignore", invalid="ignore"):
        below = np.maximum(-x / np.sqrt(-2.0 * ln_beta), _SQRT_2PI * beta)
        cap = np.exp(0.5 * x)
        above = -2.0 * ndtri((cap - beta) / (cap + 1.0 / cap))
    s0 = np.where(low_side, below, np.maximum(above, s_c))
    lo = np.where(low_side, 0.0, s_c)
    hi = np.where(low_side, s_c, MAX_TOTAL_VOL)
    s0 = np.where(np.isfinite(s0) & (s0 > lo) & (s0 < hi), s0, 0.5 * (lo + hi))
    return s0, lo, hi


def _newton_in_bracket(
    x: np.ndarray, ln_beta: np.ndarray, s: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray, int]:
    """Total volatilities solving ``ln b(x, s) = ln_beta``; returns ``(s, converged, rounds)``.

    Halley steps (Newton's with the exact curvature) inside the bracket, bisection where a step leaves it.
    The working arrays shrink to the unconverged options after every round.
    """
    result = np.full(s.size, np.nan)
    index = np.arange(s.size)
    rounds = 0
    while index.size and rounds < _MAX_ITERATIONS:
        rounds += 1
        ln_b, slope, noise = _ln_b(x, s)
        gap = ln_b - ln_beta
        lo = np.where(gap < 0, s, lo)
        hi = np.where(gap > 0, s, hi)
        # (ln b)'' = slope * (b''/b' - slope), with b''/b' = x^2/s^3 - s/4 exactly
        curvature = x * x / (s * s * s) - 0.25 * s - slope
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            step = gap / (slope - 0.5 * gap * curvature)
            stepped = s - step
            # converged: the gap is rounding noise, or Halley's error after this step, about
            # (curvature / 2)^2 |step|^3, is below _STEP_RTOL (even if rounding puts the step on an edge)
            tiny = (np.abs(gap) <= noise) | (curvature * curvature * np.abs(step) ** 3 <= _STEP_RTOL * s)
            inside = (stepped > lo) & (stepped < hi)
        s = np.where(tiny | inside, stepped, 0.5 * (lo + hi))
        done = tiny | (hi - lo <= 4e-16 * hi)
        if done.any():
            result[index[done]] = s[done]
            keep = ~done
            index, x, ln_beta, s, lo, hi = index[keep], x[keep], ln_beta[keep], s[keep], lo[keep], hi[keep]
    return result, ~np.isnan(result), rounds


def solve_implied_vol(price: Any, forward: Any, strike: Any, t_years: Any, is_call: Any) -> IVSolution:
    """Implied volatilities of undiscounted Black-76 prices, with the reason wherever none exists.

    Parameters
    ----------
    price
        Option prices in the quote currency per one coin (the chain's ``mark_price``, a bid or an ask);
        must not be negative.
    forward
        Forward of each option's expiry: the ticker's ``underlying_price``.
    strike
        Strikes.
    t_years
        Time to expiry in years (ACT/365 to 08:00 UTC on the expiry date).
    is_call
        True for calls, False for puts (or ``"Call"``/``"Put"`` labels).

    Returns
    -------
    IVSolution
        ``vol`` of the broadcast shape of the inputs (NaN where no IV exists), ``reason`` (a label of
        :data:`NO_IV_REASONS`, ``""`` where an IV exists) and the number of rounds used.

    Raises
    ------
    ValueError
        A negative price, forward, strike or time, or call flags that are not booleans or Call/Put labels.
    """
    price_a = np.asarray(price, dtype=np.float64)
    if np.any(price_a < 0):
        raise ValueError("price must not be negative (option prices are >= 0)")
    forward_a, strike_a, t_a, _, calls = check_inputs(forward, strike, t_years, 0.0, is_call)
    price_a, forward_a, strike_a, t_a, calls = np.broadcast_arrays(price_a, forward_a, strike_a, t_a, calls)
    shape = price_a.shape
    p, f, k, t, c = (a.ravel() for a in (price_a, forward_a, strike_a, t_a, calls))

    # the first failing check names the reason (an index into NO_IV_REASONS, plus one for "")
    code = np.zeros(p.size, dtype=np.int8)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = -np.abs(np.log(f / k))
        exercise = intrinsic(f, k, c)
        beta = (p - exercise) / np.sqrt(f * k)
        # the bounds in price terms, and again normalised (where rounding could still cross them)
        checks = (
            np.isnan(p) | np.isnan(f) | np.isnan(k) | np.isnan(t),
            t == 0,
            (f == 0) | (k == 0),
            (p <= exercise) | ~(beta > 0),
            (p >= np.where(c, f, k)) | (beta >= np.exp(0.5 * x)),
        )
    for number, failed in enumerate(checks, start=1):
        code[(code == 0) & failed] = number

    vol = np.full(p.size, np.nan)
    rounds = 0
    todo = np.flatnonzero(code == 0)
    if todo.size:
        xs, bs = x[todo], beta[todo]
        ln_beta = np.log(bs)
        s0, lo, hi = _start(xs, ln_beta, bs)
        total, converged, rounds = _newton_in_bracket(xs, ln_beta, s0, lo, hi)
        code[todo[~converged]] = _NOT_CONVERGED
        vol[todo[converged]] = total[converged] / np.sqrt(t[todo[converged]])
    reason = _LABELS[code]
    return IVSolution(vol.reshape(shape), reason.reshape(shape), rounds)


def implied_vol(price: Any, forward: Any, strike: Any, t_years: Any, is_call: Any) -> np.ndarray:
    """Black-76 implied volatilities (r = 0) of option prices, NaN where no IV exists.

    Vectorised over numpy arrays or frame columns that broadcast against each other; solved to about
    1e-14 relative error in the total volatility by Newton (Halley) steps kept inside a bisection bracket,
    on whole arrays (see the module docstring). :func:`solve_implied_vol` also says why an option has no IV.

    Parameters
    ----------
    price
        Option prices in the quote currency per one coin; must not be negative.
    forward
        Forward of each option's expiry (the ticker's ``underlying_price``).
    strike
        Strikes.
    t_years
        Time to expiry in years (ACT/365 to 08:00 UTC on the expiry date).
    is_call
        True for calls, False for puts (or ``"Call"``/``"Put"`` labels).

    Returns
    -------
    numpy.ndarray
        Implied volatilities as fractions (0.55 = 55 %), of the broadcast shape of the inputs. NaN where no
        IV exists: a missing input, no time left, a zero forward or strike, a price at or below the
        intrinsic value, or at or above the upper bound (the forward for a call, the strike for a put).

    Raises
    ------
    ValueError
        A negative price, forward, strike or time.
    """
    return solve_implied_vol(price, forward, strike, t_years, is_call).vol
