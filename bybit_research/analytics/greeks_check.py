"""Our Black-76 greeks from Bybit's ``mark_iv`` against the greeks on Bybit's tickers, contract by contract.

Bybit publishes ``markIv`` to 4 decimals, ``underlyingPrice`` to 2 and the greeks to 8, so even greeks
computed exactly as Bybit does differ from the published ones by what that rounding moves them; and the
valuation time is known only roughly (``attrs["fetched_at"]`` is when the frame was built: the tickers were
computed a little earlier, up to the 3 s they may be cached). Each contract's tolerance is that movement:
the change of each greek over half a step of IV, half a step of the forward and half the time uncertainty,
plus half a step of the greek's own printing, doubled for safety. A residual beyond its
tolerance is an outlier: Bybit computed that greek differently (its gamma and theta are known to deviate
for contracts with less than a day to expiry, which are flagged on their own). The IV of ``mark_price``
is checked against ``mark_iv`` the same way; deep in the money, the forward's rounding alone moves the
price by more than the time value, and the tolerance grows accordingly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .black76 import black76_greeks
from .chain import check_chain
from .chain_inputs import live_expiries, valuation_time, years_to_expiry
from .implied_vol import solve_implied_vol

__all__ = ["GREEKS", "greeks_check"]

GREEKS = ("delta", "gamma", "vega", "theta")
_SAFETY = 2.0


def _rounding_tolerance(
    forward: np.ndarray, strike: np.ndarray, t_years: np.ndarray, vol: np.ndarray, calls: np.ndarray,
    steps: tuple[float, float, float, float],
) -> pd.DataFrame:  # fmt: skip
    """Per contract and greek: how far rounding of the IV and the forward, the time uncertainty and the
    greek's printing can move it. ``steps`` = (iv_step, price_step, time_step in years, greek_step)."""
    iv_step, price_step, time_step, greek_step = steps
    centre = black76_greeks(forward, strike, t_years, vol, calls).to_numpy()
    moved = np.zeros(centre.shape)
    for d_vol, d_forward, d_time in (
        (0.5 * iv_step, 0, 0),
        (0, 0.5 * price_step, 0),
        (0, 0, 0.5 * time_step),
    ):
        up = black76_greeks(forward + d_forward, strike, t_years + d_time, vol + d_vol, calls).to_numpy()
        down = black76_greeks(
            np.maximum(forward - d_forward, 0.0),
            strike,
            np.maximum(t_years - d_time, 0.0),
            np.maximum(vol - d_vol, 0.0),
            calls,
        ).to_numpy()
        moved += np.maximum(np.abs(up - centre), np.abs(down - centre))
    return pd.DataFrame(_SAFETY * (moved + 0.5 * greek_step), columns=list(GREEKS))


def greeks_check(
    chain: pd.DataFrame,
    now: Any = None,
    *,
    iv_step: float = 1e-4,
    price_step: float = 0.01,
    greek_step: float = 1e-8,
    mark_step: float = 1e-8,
    time_step: float = 8.0,
) -> pd.DataFrame:
    """Residuals of Bybit's ticker greeks against ours from Bybit's ``mark_iv``, outliers flagged.

    Parameters
    ----------
    chain
        The frame of ``option_chain()`` (one base coin): ``expiry``, ``strike``, ``option_type``,
        ``mark_price``, ``mark_iv``, ``underlying_price``, ``delta``, ``gamma``, ``vega``, ``theta``.
    now
        Valuation time (str, datetime, Timestamp or epoch ms; naive = UTC). Default: the chain's
        ``attrs["fetched_at"]``, else the wall clock.
    iv_step, price_step, greek_step, mark_step
        Publishing steps of ``mark_iv`` (4 decimals), ``underlying_price`` (2), the greeks (8) and
        ``mark_price`` (8): the rounding each tolerance allows for.
    time_step
        Uncertainty of the valuation time in seconds (default 8: ``fetched_at`` against the tickers' own
        time, which a cached answer may put up to 3 s earlier); half of it either way is allowed for.

    Returns
    -------
    pandas.DataFrame
        Index ``symbol``, one row per contract: ``expiry_code`` (when the chain has it), ``strike``,
        ``option_type``, ``t_days``, ``under_one_day`` (bool), ``mark_iv``, ``iv_from_mark`` (our IV of
        ``mark_price``), ``iv_residual``, ``iv_tolerance``; per greek ``g`` in delta, gamma, vega, theta:
        ``g`` (Bybit's), ``b76_g`` (ours), ``g_residual`` (ours - Bybit's) and ``g_tolerance``; then
        ``outlier`` (bool: a residual beyond its tolerance) and ``outliers`` (the names of those, comma
        separated, ``""`` when none). ``attrs``: ``now``, ``contracts``, ``outliers``, ``under_one_day``,
        ``outliers_under_one_day``, ``max_residual_ratio`` (per greek and iv, the largest
        residual / tolerance among contracts with a day or more to expiry) and ``iv_missing``.

    Raises
    ------
    ValueError
        Missing columns, negative prices or IVs, mixed base coins, or every expiry at or before ``now``.
    """
    check_chain(chain, GREEKS)
    at = valuation_time(chain, now)
    live_expiries(chain, at)
    t_years = years_to_expiry(chain["expiry"], at)
    forward = chain["underlying_price"].to_numpy(dtype=np.float64)
    strike = chain["strike"].to_numpy(dtype=np.float64)
    mark_iv = chain["mark_iv"].to_numpy(dtype=np.float64)
    calls = chain["option_type"].to_numpy() == "Call"

    ours = black76_greeks(forward, strike, t_years, mark_iv, calls)
    time_years = time_step / (365.0 * 86_400.0)
    tolerance = _rounding_tolerance(
        forward, strike, t_years, mark_iv, calls, (iv_step, price_step, time_years, greek_step)
    )
    solution = solve_implied_vol(
        chain["mark_price"].to_numpy(dtype=np.float64), forward, strike, t_years, calls
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        # half a step of the mark price, the price change of half a step of the forward (delta times it:
        # most of a deep in-the-money price) and of half the time uncertainty (theta per day times it)
        # move the IV by that over the vega (per 1.0 of vol)
        price_noise = (
            0.5 * mark_step
            + np.abs(ours["delta"].to_numpy()) * 0.5 * price_step
            + np.abs(ours["theta"].to_numpy()) * 0.5 * time_step / 86_400.0
        )
        iv_tolerance = _SAFETY * (0.5 * iv_step + price_noise / (ours["vega"].to_numpy() * 100.0))

    columns: dict[str, Any] = {}
    if "expiry_code" in chain.columns:
        columns["expiry_code"] = chain["expiry_code"].to_numpy()
    columns |= {
        "strike": strike,
        "option_type": chain["option_type"].to_numpy(),
        "t_days": t_years * 365.0,
        "under_one_day": t_years * 365.0 < 1.0,
        "mark_iv": mark_iv,
        "iv_from_mark": solution.vol,
        "iv_residual": solution.vol - mark_iv,
        "iv_tolerance": iv_tolerance,
    }
    failed: dict[str, np.ndarray] = {"iv": np.abs(solution.vol - mark_iv) > iv_tolerance}
    for name in GREEKS:
        bybit = chain[name].to_numpy(dtype=np.float64)
        residual = ours[name].to_numpy() - bybit
        columns |= {
            name: bybit,
            f"b76_{name}": ours[name].to_numpy(),
            f"{name}_residual": residual,
            f"{name}_tolerance": tolerance[name].to_numpy(),
        }
        failed[name] = np.abs(residual) > tolerance[name].to_numpy()
    flags = np.column_stack(list(failed.values()))
    names = np.array(list(failed))
    columns["outlier"] = flags.any(axis=1)
    columns["outliers"] = [",".join(names[row]) for row in flags]
    result = pd.DataFrame(columns, index=chain.index)
    result.index.name = "symbol"

    day_or_more = ~result["under_one_day"].to_numpy()
    ratios = {}
    for name in failed:
        residual_col, tolerance_col = (
            ("iv_residual", "iv_tolerance") if name == "iv" else (f"{name}_residual", f"{name}_tolerance")
        )
        ratio = np.abs(result[residual_col].to_numpy()) / result[tolerance_col].to_numpy()
        kept = ratio[day_or_more & np.isfinite(ratio)]
        ratios[name] = float(kept.max()) if kept.size else float("nan")
    result.attrs = {
        "now": at.isoformat(),
        "contracts": len(result),
        "outliers": int(result["outlier"].sum()),
        "under_one_day": int(result["under_one_day"].sum()),
        "outliers_under_one_day": int((result["outlier"] & result["under_one_day"]).sum()),
        "max_residual_ratio": ratios,
        "iv_missing": solution.counts(),
    }
    return result
