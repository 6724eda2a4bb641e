"""``br.options``: the options analytics of :mod:`bybit_research.analytics.options`, plus the forms that
fetch their inputs on the default client (``br.options.iv_vs_realised("BTC")``).

Everything else is pure: chains and frames in, frames out.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .analytics import options as _pure
from .analytics.options import (
    DEFAULT_MONEYNESS,
    NO_IV_REASONS,
    IVSolution,
    black76_greeks,
    black76_price,
    chain_analytics,
    compare_coin_greeks,
    greeks_check,
    implied_vol,
    parity_forward,
    position_greeks,
    risk_reversal_butterfly,
    smile,
    solve_implied_vol,
    surface,
    term_structure,
)
from .client import Client, get_default_client
from .core.units import DAY_MS

#: the names of the pure namespace (a test keeps them equal), ``iv_vs_realised`` in its fetching form
__all__ = [
    "DEFAULT_MONEYNESS",
    "NO_IV_REASONS",
    "IVSolution",
    "black76_greeks",
    "black76_price",
    "chain_analytics",
    "compare_coin_greeks",
    "greeks_check",
    "implied_vol",
    "iv_vs_realised",
    "parity_forward",
    "position_greeks",
    "risk_reversal_butterfly",
    "smile",
    "solve_implied_vol",
    "surface",
    "term_structure",
]

#: look-back periods (days) fetched for :func:`iv_vs_realised` when given a base coin
HV_PERIODS = (7, 14, 21, 30, 60, 90, 180, 270)


def iv_vs_realised(
    chain: pd.DataFrame | str,
    hv: pd.DataFrame | None = None,
    now: Any = None,
    *,
    client: Client | None = None,
) -> pd.DataFrame:
    """The ATM implied-volatility term structure beside realised volatility of a matching look-back.

    Calls ``/v5/market/instruments-info`` and ``/v5/market/tickers`` (the option chain) and
    ``/v5/market/historical-volatility`` (every look-back period of the coin, over the last day) when
    ``chain`` is a base coin; with frames, nothing is fetched.

    Parameters
    ----------
    chain
        A base coin (``"BTC"``) to fetch, or the frame of ``option_chain()``.
    hv
        The frame of ``historical_volatility()`` (required with a chain frame; fetched with a base coin).
    now
        Valuation time; default: the chain's ``attrs["server_time"]``.
    client
        The client to fetch with (default: the default client).

    Returns
    -------
    pandas.DataFrame
        As :func:`bybit_research.analytics.options.iv_vs_realised`: index ``expiry``; the term structure's
        columns, ``hv_period``, ``realised_vol``, ``hv_time`` and ``iv_minus_rv``.
    """
    if isinstance(chain, str):
        fetcher = client or get_default_client()
        coin = chain.strip().upper()
        frame = fetcher.option_chain(coin)
        if hv is None:
            end = pd.Timestamp(frame.attrs["server_time"]) if frame.attrs.get("server_time") else None
            stop = (end or pd.Timestamp.now(tz="UTC")) + pd.Timedelta(milliseconds=1)
            start = stop - pd.Timedelta(milliseconds=DAY_MS)
            periods = [p for p in HV_PERIODS if coin != "SOL" or p <= 90]
            hv = pd.concat([fetcher.historical_volatility(coin, period, start, stop) for period in periods])
        return _pure.iv_vs_realised(frame, hv, now)
    if hv is None:
        raise ValueError("iv_vs_realised(chain_frame, hv): pass the historical_volatility() frame")
    return _pure.iv_vs_realised(chain, hv, now)
