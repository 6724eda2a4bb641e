"""The option chain as research data: time to expiry, moneyness, the put-call-parity forward, our implied
volatilities and Black-76 greeks beside Bybit's, one row per contract.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .black76 import black76_greeks
from .chain_inputs import (
    base_coin_of,
    json_safe,
    live_expiries,
    require_columns,
    require_non_negative,
    valuation_time,
    years_to_expiry,
)
from .implied_vol import solve_implied_vol

__all__ = ["CHAIN_COLUMNS", "chain_analytics", "check_chain", "parity_forward"]

#: columns of the option_chain() frame every chain function needs
CHAIN_COLUMNS = ("expiry", "strike", "option_type", "mark_price", "mark_iv", "underlying_price")
#: the quotes put-call parity can be read from
_PARITY_PRICES = ("mark", "mid")


def check_chain(chain: pd.DataFrame, extra: tuple[str, ...] = (), prices: tuple[str, ...] = ()) -> str:
    """Check a chain's columns (:data:`CHAIN_COLUMNS` and ``extra``) and that its prices, strikes and IVs
    (and ``prices``) are not negative; return its one base coin. Raises ``ValueError``."""
    require_columns(chain, (*CHAIN_COLUMNS, *extra, *prices))
    types = set(pd.unique(chain["option_type"].astype(str)))
    if not types <= {"Call", "Put"}:
        raise ValueError(f"chain option_type must be 'Call' or 'Put', got {sorted(types - {'Call', 'Put'})}")
    require_non_negative(chain, ("strike", "mark_price", "mark_iv", "underlying_price", *prices))
    return base_coin_of(chain)


def _mid(chain: pd.DataFrame) -> np.ndarray:
    """Mid quotes where both sides are quoted (a price > 0), NaN elsewhere."""
    bid = chain["bid1_price"].to_numpy(dtype=np.float64, na_value=np.nan)
    ask = chain["ask1_price"].to_numpy(dtype=np.float64, na_value=np.nan)
    return np.where((bid > 0) & (ask > 0), 0.5 * (bid + ask), np.nan)


def parity_forward(chain: pd.DataFrame, price: str = "mark", strikes: int = 5) -> pd.DataFrame:
    """Forward of each expiry from put-call parity, ``F = K + C - P`` (r = 0), beside ``underlying_price``.

    Parameters
    ----------
    chain
        The frame of ``option_chain()``: ``expiry``, ``strike``, ``option_type``, ``mark_price``,
        ``underlying_price`` (and ``bid1_price``, ``ask1_price`` for ``price="mid"``).
    price
        ``"mark"`` (Bybit's mark prices: their parity gives back the forward Bybit priced with) or
        ``"mid"`` (mid quotes where both sides are quoted: the market's forward).
    strikes
        The forward is the median of ``K + C - P`` over the strikes with both a call and a put price that
        lie nearest to ``underlying_price`` (at most this many).

    Returns
    -------
    pandas.DataFrame
        Index ``expiry`` (ascending); columns ``expiry_code`` (when the chain has it), ``underlying_price``,
        ``parity_forward``, ``parity_gap`` (parity forward - underlying price) and ``strikes_used`` (Int64;
        0 and NaN forward where no strike has both prices).

    Raises
    ------
    ValueError
        Missing columns, negative prices, mixed base coins, an unknown ``price`` or ``strikes < 1``.
    """
    if price not in _PARITY_PRICES:
        raise ValueError(f"price must be one of {list(_PARITY_PRICES)}, got {price!r}")
    if isinstance(strikes, bool) or not isinstance(strikes, int) or strikes < 1:
        raise ValueError(f"strikes must be an integer >= 1, got {strikes!r}")
    check_chain(chain, prices=("bid1_price", "ask1_price") if price == "mid" else ())
    quotes = chain["mark_price"].to_numpy(dtype=np.float64) if price == "mark" else _mid(chain)
    frame = pd.DataFrame(
        {
            "expiry": chain["expiry"].to_numpy(),
            "strike": chain["strike"].to_numpy(dtype=np.float64),
            "call": chain["option_type"].to_numpy() == "Call",
            "quote": quotes,
            "underlying_price": chain["underlying_price"].to_numpy(dtype=np.float64),
        }
    )
    rows = []
    for expiry, group in frame.groupby("expiry", sort=True):
        calls = group[group["call"]].groupby("strike")["quote"].first()
        puts = group[~group["call"]].groupby("strike")["quote"].first()
        both = (calls - puts).dropna()
        forward = float(group["underlying_price"].median())
        nearest = both.index.to_numpy()[np.argsort(np.abs(both.index.to_numpy() - forward), kind="stable")]
        used = nearest[:strikes]
        implied = float(np.median(used + both.loc[used].to_numpy())) if used.size else np.nan
        rows.append((expiry, forward, implied, implied - forward, used.size))
    result = pd.DataFrame(
        rows, columns=["expiry", "underlying_price", "parity_forward", "parity_gap", "strikes_used"]
    ).set_index("expiry")
    result.index = pd.DatetimeIndex(result.index, name="expiry")
    result["strikes_used"] = result["strikes_used"].astype("Int64")
    if "expiry_code" in chain.columns:
        codes = chain.groupby("expiry")["expiry_code"].first()
        result.insert(0, "expiry_code", codes.reindex(result.index).to_numpy())
    result.attrs = {"price": price, "strikes": strikes}
    return result


def chain_analytics(chain: pd.DataFrame, now: Any = None) -> pd.DataFrame:
    """The chain with time to expiry, moneyness, the parity forward, our IVs and our Black-76 greeks added.

    Parameters
    ----------
    chain
        The frame of ``option_chain()`` (one base coin); needs ``expiry``, ``strike``, ``option_type``,
        ``mark_price``, ``mark_iv`` and ``underlying_price``.
    now
        Valuation time (str, datetime, Timestamp or epoch ms; naive = UTC). Default: the chain's
        ``attrs["fetched_at"]``, else the wall clock.

    Returns
    -------
    pandas.DataFrame
        Every row and column of ``chain``, then ``t_years`` (ACT/365 to the delivery time), ``t_days``,
        ``moneyness`` (K / F, F = ``underlying_price``), ``log_moneyness`` (ln(K / F)), ``parity_forward``
        (put-call parity on mark prices, per expiry; see :func:`parity_forward`), ``iv_from_mark`` (our
        implied vol of ``mark_price``; NaN where none exists) and ``b76_delta``, ``b76_gamma``,
        ``b76_vega``, ``b76_theta`` (our greeks from ``mark_iv`` and ``underlying_price``, in Bybit's
        units). ``attrs``: the chain's (times as ISO strings, JSON-safe), plus ``now`` (ISO time),
        ``base_coin``, ``expired`` (codes of expiries at or before ``now``, kept with ``t_years`` 0) and
        ``iv_missing`` (count of contracts without an IV per reason).

    Raises
    ------
    ValueError
        Missing columns, negative prices or IVs, mixed base coins, or every expiry at or before ``now``.
    """
    coin = check_chain(chain)
    at = valuation_time(chain, now)
    _, expired = live_expiries(chain, at)
    t_years = years_to_expiry(chain["expiry"], at)
    forward = chain["underlying_price"].to_numpy(dtype=np.float64)
    strike = chain["strike"].to_numpy(dtype=np.float64)
    calls = chain["option_type"].to_numpy() == "Call"
    with np.errstate(divide="ignore", invalid="ignore"):
        moneyness = strike / forward
    solution = solve_implied_vol(
        chain["mark_price"].to_numpy(dtype=np.float64), forward, strike, t_years, calls
    )
    greeks = black76_greeks(forward, strike, t_years, chain["mark_iv"].to_numpy(dtype=np.float64), calls)
    parity = parity_forward(chain)["parity_forward"]
    result = chain.assign(
        t_years=t_years,
        t_days=t_years * 365.0,
        moneyness=moneyness,
        log_moneyness=np.log(moneyness),
        parity_forward=parity.reindex(pd.DatetimeIndex(chain["expiry"])).to_numpy(),
        iv_from_mark=solution.vol,
        **{f"b76_{name}": greeks[name].to_numpy() for name in greeks.columns},
    )
    result.attrs = {
        **json_safe(chain.attrs),
        "now": at.isoformat(),
        "base_coin": coin,
        "expired": expired,
        "iv_missing": solution.counts(),
    }
    return result
