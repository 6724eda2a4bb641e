"""The implied-volatility surface of a chain (expiry x moneyness) and the ATM term structure beside
realised (historical) volatility.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .chain import check_chain
from .chain_inputs import live_expiries, require_columns, valuation_time
from .smile import expiry_smile, term_structure

__all__ = ["DEFAULT_MONEYNESS", "iv_vs_realised", "surface"]

#: default moneyness grid (K / F) of the surface: 0.6 to 1.4 in steps of 0.05
DEFAULT_MONEYNESS = tuple(np.round(np.arange(0.6, 1.4001, 0.05), 2).tolist())


def _grid(moneyness: Any) -> np.ndarray:
    values = np.asarray(DEFAULT_MONEYNESS if moneyness is None else moneyness, dtype=np.float64).ravel()
    if not values.size or not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise ValueError("moneyness must be positive numbers K / F (e.g. [0.8, 0.9, 1.0, 1.1])")
    if np.any(np.diff(values) <= 0):
        raise ValueError("moneyness must be strictly increasing")
    return values


def surface(chain: pd.DataFrame, now: Any = None, moneyness: Any = None) -> pd.DataFrame:
    """Implied volatility on an expiry x moneyness grid, from each expiry's smile.

    Parameters
    ----------
    chain
        The frame of ``option_chain()`` (one base coin).
    now
        Valuation time (str, datetime, Timestamp or epoch ms; naive = UTC). Default: the chain's
        ``attrs["fetched_at"]``, else the wall clock.
    moneyness
        Grid of ``K / F`` (positive, strictly increasing); default :data:`DEFAULT_MONEYNESS`.

    Returns
    -------
    pandas.DataFrame
        Index ``expiry`` (live expiries, ascending, ``datetime64[ms, UTC]``); columns the moneyness grid
        (float64, ascending, named ``moneyness``); values the smile's mark IV interpolated linearly in
        log-moneyness, NaN outside the expiry's quoted strikes (never extrapolated). ``attrs``: ``now``,
        ``base_coin``, ``expiry_codes`` and ``t_years`` (per row), ``expired`` (codes left out).

    Raises
    ------
    ValueError
        A bad moneyness grid, missing columns, negative prices or IVs, mixed base coins, or every expiry
        at or before ``now``.
    """
    grid = _grid(moneyness)
    coin = check_chain(chain)
    at = valuation_time(chain, now)
    live, expired = live_expiries(chain, at)
    targets = np.log(grid)
    values = np.full((len(live), grid.size), np.nan)
    codes, years = [], []
    for row, expiry in enumerate(live):
        table = expiry_smile(chain, expiry, at)
        quoted = table[table["iv"].notna()]
        x, iv = quoted["log_moneyness"].to_numpy(), quoted["iv"].to_numpy()
        if x.size:
            inside = (targets >= x.min()) & (targets <= x.max())
            values[row, inside] = np.interp(targets[inside], x, iv)
        codes.append(table.attrs["expiry_code"])
        years.append(table.attrs["t_years"])
    result = pd.DataFrame(
        values,
        index=pd.DatetimeIndex(live, name="expiry").as_unit("ms"),
        columns=pd.Index(grid, name="moneyness"),
    )
    result.attrs = {
        "now": at.isoformat(),
        "base_coin": coin,
        "expiry_codes": codes,
        "t_years": years,
        "expired": expired,
    }
    return result


def _latest_per_period(hv: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
    """The last realised-volatility value at or before ``now`` per period (index period)."""
    require_columns(hv, ("period", "value"), what="hv (the frame of historical_volatility())")
    if not isinstance(hv.index, pd.DatetimeIndex):
        raise ValueError("hv must be indexed by time (the frame of historical_volatility())")
    times = hv.index.tz_localize("UTC") if hv.index.tz is None else hv.index.tz_convert("UTC")
    frame = pd.DataFrame(
        {"period": hv["period"].to_numpy(), "value": hv["value"].to_numpy(dtype=np.float64)}, index=times
    )
    frame = frame[(frame.index <= now) & frame["period"].notna() & frame["value"].notna()]
    if frame.empty:
        raise ValueError(f"hv has no value at or before now={now.isoformat()}")
    frame = frame.assign(hv_time=frame.index).sort_values("hv_time", kind="stable")
    return frame.groupby("period").last()


def iv_vs_realised(chain: pd.DataFrame, hv: pd.DataFrame, now: Any = None) -> pd.DataFrame:
    """The ATM implied-volatility term structure beside realised volatility of a matching look-back.

    Parameters
    ----------
    chain
        The frame of ``option_chain()`` (one base coin).
    hv
        The frame of ``historical_volatility(base_coin, period, ...)`` (index ``time``; columns
        ``period`` in days, ``value`` as a fraction); several periods may be concatenated.
    now
        Valuation time (str, datetime, Timestamp or epoch ms; naive = UTC). Default: the chain's
        ``attrs["fetched_at"]``, else the wall clock.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`term_structure` (index ``expiry``), then ``hv_period`` (Int64: of the
        periods in ``hv``, the one closest to the expiry's days; the shorter on a tie), ``realised_vol``
        (its last value at or before ``now``), ``hv_time`` (that value's time) and ``iv_minus_rv``
        (``atm_iv - realised_vol``). ``attrs``: those of the term structure, plus ``realised`` (period ->
        last value; JSON-safe keys such as "30").

    Raises
    ------
    ValueError
        ``hv`` without ``period``/``value`` columns, a time index or a value at or before ``now``, and the
        chain errors of :func:`term_structure`.
    """
    check_chain(chain)
    at = valuation_time(chain, now)
    latest = _latest_per_period(hv, at)
    terms = term_structure(chain, at)
    periods = latest.index.to_numpy(dtype=np.float64)
    days = terms["t_days"].to_numpy()
    # the nearest period per expiry; argmin keeps the first (shorter) period on a tie
    nearest = np.argmin(np.abs(days[:, None] - periods[None, :]), axis=1) if len(terms) else np.array([], int)
    chosen = latest.iloc[nearest]
    result = terms.assign(
        hv_period=pd.array(chosen.index.to_numpy(dtype=np.int64), dtype="Int64"),
        realised_vol=chosen["value"].to_numpy(),
        hv_time=pd.DatetimeIndex(chosen["hv_time"]).as_unit("ms"),
        iv_minus_rv=terms["atm_iv"].to_numpy() - chosen["value"].to_numpy(),
    )
    result.attrs = {
        **terms.attrs,
        "realised": {
            str(int(period)): float(value)
            for period, value in zip(latest.index.to_numpy(), latest["value"].to_numpy(), strict=True)
        },
    }
    return result
