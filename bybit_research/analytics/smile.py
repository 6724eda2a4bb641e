"""Volatility smiles of an option chain: one expiry's smile, the at-the-money term structure, and risk
reversals and butterflies at a delta.

The smile of an expiry is Bybit's ``mark_iv`` per strike, read from the out-of-the-money contract (the
put below the forward, the call at or above it), against moneyness ``K / F`` with ``F`` the expiry's
``underlying_price``. Nothing is extrapolated: a forward or delta outside the quoted strikes gives NaN,
and the expiries concerned are listed in ``attrs``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .black76 import black76_greeks
from .chain import check_chain, parity_forward
from .chain_inputs import live_expiries, pick_expiry, valuation_time, years_to_expiry

__all__ = ["expiry_smile", "risk_reversal_butterfly", "smile", "term_structure"]

_TERM_COLUMNS = [
    *("expiry", "expiry_code", "t_years", "t_days", "forward", "parity_forward"),
    *("atm_iv", "atm_variance", "lower_strike", "upper_strike", "strikes"),
]


def _optional(rows: pd.DataFrame, name: str) -> np.ndarray:
    if name not in rows.columns:
        return np.full(len(rows), np.nan)
    return rows[name].to_numpy(dtype=np.float64, na_value=np.nan)


def expiry_smile(chain: pd.DataFrame, expiry: pd.Timestamp, now: pd.Timestamp) -> pd.DataFrame:
    """The smile of one (live) expiry of a checked chain; see :func:`smile` for the columns."""
    rows = chain[chain["expiry"] == expiry]
    forward = float(rows["underlying_price"].median())
    t_years = float(years_to_expiry(pd.DatetimeIndex([expiry]), now)[0])
    calls = rows["option_type"].to_numpy() == "Call"
    strike = rows["strike"].to_numpy(dtype=np.float64)
    mark_iv = rows["mark_iv"].to_numpy(dtype=np.float64)
    delta = black76_greeks(forward, strike, t_years, mark_iv, calls)["delta"].to_numpy()
    # a side's IV only where that side is quoted (a price > 0): an empty book has no IV
    bid_iv = np.where(_optional(rows, "bid1_price") > 0, _optional(rows, "bid1_iv"), np.nan)
    ask_iv = np.where(_optional(rows, "ask1_price") > 0, _optional(rows, "ask1_iv"), np.nan)
    quotes = pd.DataFrame(
        {"strike": strike, "call": calls, "iv": mark_iv, "bid_iv": bid_iv, "ask_iv": ask_iv, "delta": delta}
    )
    call = quotes[quotes["call"]].groupby("strike").first()
    put = quotes[~quotes["call"]].groupby("strike").first()
    strikes = call.index.union(put.index).sort_values()
    call, put = call.reindex(strikes), put.reindex(strikes)
    k = strikes.to_numpy(dtype=np.float64)
    # the out-of-the-money side, or the other one where a strike lists only one contract
    use_put = ((k < forward) & put["iv"].notna().to_numpy()) | call["iv"].isna().to_numpy()
    side = {name: np.where(use_put, put[name], call[name]) for name in ("iv", "bid_iv", "ask_iv")}
    result = pd.DataFrame(
        {
            "moneyness": k / forward,
            "log_moneyness": np.log(k / forward),
            "iv_type": np.where(use_put, "Put", "Call"),
            **side,
            "call_iv": call["iv"].to_numpy(),
            "put_iv": put["iv"].to_numpy(),
            "call_delta": call["delta"].to_numpy(),
            "put_delta": put["delta"].to_numpy(),
        },
        index=pd.Index(k, name="strike"),
    )
    code = str(rows["expiry_code"].iloc[0]) if "expiry_code" in rows.columns else ""
    result.attrs = {
        "expiry": expiry.isoformat(),
        "expiry_code": code,
        "forward": forward,
        "t_years": t_years,
        "now": now.isoformat(),
    }
    return result


def smile(chain: pd.DataFrame, expiry: Any, now: Any = None) -> pd.DataFrame:
    """The volatility smile of one expiry: Bybit's mark IV per strike against moneyness.

    Parameters
    ----------
    chain
        The frame of ``option_chain()`` (one base coin): ``expiry``, ``strike``, ``option_type``,
        ``mark_price``, ``mark_iv``, ``underlying_price`` (``bid1_price``/``bid1_iv``/``ask1_price``/
        ``ask1_iv`` when present).
    expiry
        An expiry code of the chain (``"28JUN24"``, any case) or a date/time on the expiry day.
    now
        Valuation time (str, datetime, Timestamp or epoch ms; naive = UTC). Default: the chain's
        ``attrs["fetched_at"]``, else the wall clock.

    Returns
    -------
    pandas.DataFrame
        Index ``strike`` (ascending); columns ``moneyness`` (K / F), ``log_moneyness``, ``iv_type``
        ("Put" below the forward, "Call" at or above it: the contract the smile reads), ``iv`` (its
        ``mark_iv``), ``bid_iv``, ``ask_iv`` (its quotes' IVs; NaN where that side has no quote),
        ``call_iv``, ``put_iv`` (both mark IVs), ``call_delta``, ``put_delta`` (our Black-76 deltas from
        the mark IVs). ``attrs``: ``expiry``, ``expiry_code``, ``forward`` (``underlying_price``),
        ``t_years``, ``now``, ``base_coin``.

    Raises
    ------
    ValueError
        An expiry the chain does not hold or one that has expired at ``now``, missing columns, negative
        prices or IVs, mixed base coins.
    """
    coin = check_chain(chain)
    at = valuation_time(chain, now)
    result = expiry_smile(chain, pick_expiry(chain, expiry, at), at)
    result.attrs["base_coin"] = coin
    return result


def _at(target: float, xs: np.ndarray, ys: np.ndarray) -> float:
    """Linear interpolation of ``ys`` over ``xs`` at ``target``; NaN outside ``[min(xs), max(xs)]``."""
    keep = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[keep], ys[keep]
    if not xs.size or target < xs.min() or target > xs.max():
        return float("nan")
    order = np.argsort(xs, kind="stable")
    return float(np.interp(target, xs[order], ys[order]))


def _atm(table: pd.DataFrame) -> tuple[float, float, float]:
    """ATM IV (linear in log-moneyness at 0) and the strikes either side of the forward."""
    quoted = table[table["iv"].notna()]
    x = quoted["log_moneyness"].to_numpy()
    below, above = quoted.index[x <= 0], quoted.index[x >= 0]
    lower = float(below.max()) if len(below) else float("nan")
    upper = float(above.min()) if len(above) else float("nan")
    return _at(0.0, x, quoted["iv"].to_numpy()), lower, upper


def term_structure(chain: pd.DataFrame, now: Any = None) -> pd.DataFrame:
    """At-the-money implied volatility per expiry, interpolated at the forward.

    Parameters
    ----------
    chain
        The frame of ``option_chain()`` (one base coin).
    now
        Valuation time (str, datetime, Timestamp or epoch ms; naive = UTC). Default: the chain's
        ``attrs["fetched_at"]``, else the wall clock.

    Returns
    -------
    pandas.DataFrame
        Index ``expiry`` (live expiries, ascending); columns ``expiry_code``, ``t_years``, ``t_days``,
        ``forward`` (``underlying_price``), ``parity_forward`` (put-call parity on mark prices),
        ``atm_iv`` (the smile's IV interpolated linearly in log-moneyness at the forward; NaN when the
        forward lies outside the quoted strikes), ``atm_variance`` (``atm_iv**2 * t_years``),
        ``lower_strike``, ``upper_strike`` (the quoted strikes either side of the forward) and
        ``strikes`` (Int64, strikes quoted). ``attrs``: ``now``, ``base_coin``, ``expired`` (codes left
        out: at or before ``now``) and ``no_atm`` (codes whose forward lies outside their strikes).

    Raises
    ------
    ValueError
        Missing columns, negative prices or IVs, mixed base coins, or every expiry at or before ``now``.
    """
    coin = check_chain(chain)
    at = valuation_time(chain, now)
    live, expired = live_expiries(chain, at)
    parity = parity_forward(chain)["parity_forward"]
    rows = []
    for expiry in live:
        table = expiry_smile(chain, expiry, at)
        atm_iv, lower, upper = _atm(table)
        t = table.attrs["t_years"]
        rows.append(
            {
                "expiry": expiry,
                "expiry_code": table.attrs["expiry_code"],
                "t_years": t,
                "t_days": t * 365.0,
                "forward": table.attrs["forward"],
                "parity_forward": float(parity.loc[expiry]),
                "atm_iv": atm_iv,
                "atm_variance": atm_iv * atm_iv * t,
                "lower_strike": lower,
                "upper_strike": upper,
                "strikes": int(table["iv"].notna().sum()),
            }
        )
    result = pd.DataFrame(rows, columns=_TERM_COLUMNS).set_index("expiry")
    result.index = pd.DatetimeIndex(result.index, name="expiry").as_unit("ms")
    result["strikes"] = result["strikes"].astype("Int64")
    result.attrs = {
        "now": at.isoformat(),
        "base_coin": coin,
        "expired": expired,
        "no_atm": result.loc[result["atm_iv"].isna(), "expiry_code"].tolist(),
    }
    return result


def risk_reversal_butterfly(chain: pd.DataFrame, delta: float = 0.25, now: Any = None) -> pd.DataFrame:
    """Risk reversal and butterfly per expiry at a delta: ``RR = IV(call at +delta) - IV(put at -delta)``,
    ``BF = (IV(call) + IV(put)) / 2 - ATM IV``.

    Parameters
    ----------
    chain
        The frame of ``option_chain()`` (one base coin).
    delta
        The wings' delta, strictly between 0 and 0.5 (0.25 for the "25-delta" RR and BF).
    now
        Valuation time (str, datetime, Timestamp or epoch ms; naive = UTC). Default: the chain's
        ``attrs["fetched_at"]``, else the wall clock.

    Returns
    -------
    pandas.DataFrame
        Index ``expiry`` (live expiries, ascending); columns ``expiry_code``, ``t_days``, ``atm_iv`` (as
        in :func:`term_structure`), ``call_iv`` and ``call_strike`` (interpolated linearly in our
        Black-76 delta over the out-of-the-money calls at ``+delta``), ``put_iv`` and ``put_strike`` (over
        the out-of-the-money puts at ``-delta``), ``risk_reversal`` and ``butterfly``; NaN where the
        quoted strikes do not reach the delta. ``attrs``: ``delta``, ``now``, ``base_coin``, ``expired``,
        ``no_wing`` (codes missing a wing or the ATM IV).

    Raises
    ------
    ValueError
        ``delta`` outside (0, 0.5), missing columns, negative prices or IVs, mixed base coins, or every
        expiry at or before ``now``.
    """
    if isinstance(delta, bool) or not isinstance(delta, int | float) or not 0.0 < delta < 0.5:
        raise ValueError(f"delta must be a number strictly between 0 and 0.5 (e.g. 0.25), got {delta!r}")
    terms = term_structure(chain, now)
    at = pd.Timestamp(terms.attrs["now"])
    rows = []
    for expiry, term in zip(terms.index, terms.to_dict("records"), strict=True):
        table = expiry_smile(chain, expiry, at)
        k = table.index.to_numpy(dtype=np.float64)
        calls = table[(k >= table.attrs["forward"]) & table["call_iv"].notna().to_numpy()]
        puts = table[(k <= table.attrs["forward"]) & table["put_iv"].notna().to_numpy()]
        call_delta, put_delta = calls["call_delta"].to_numpy(), puts["put_delta"].to_numpy()
        call_iv = _at(delta, call_delta, calls["call_iv"].to_numpy())
        put_iv = _at(-delta, put_delta, puts["put_iv"].to_numpy())
        rows.append(
            {
                "expiry": expiry,
                "expiry_code": term["expiry_code"],
                "t_days": term["t_days"],
                "atm_iv": term["atm_iv"],
                "call_iv": call_iv,
                "call_strike": _at(delta, call_delta, calls.index.to_numpy(dtype=np.float64)),
                "put_iv": put_iv,
                "put_strike": _at(-delta, put_delta, puts.index.to_numpy(dtype=np.float64)),
                "risk_reversal": call_iv - put_iv,
                "butterfly": 0.5 * (call_iv + put_iv) - term["atm_iv"],
            }
        )
    columns = ["expiry", "expiry_code", "t_days", "atm_iv", "call_iv", "call_strike", "put_iv", "put_strike"]
    result = pd.DataFrame(rows, columns=[*columns, "risk_reversal", "butterfly"]).set_index("expiry")
    result.index = pd.DatetimeIndex(result.index, name="expiry").as_unit("ms")
    result.attrs = {
        "delta": float(delta),
        "now": terms.attrs["now"],
        "base_coin": terms.attrs["base_coin"],
        "expired": terms.attrs["expired"],
        "no_wing": result.loc[result["butterfly"].isna(), "expiry_code"].tolist(),
    }
    return result
