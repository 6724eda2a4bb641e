"""The option-chain panel's table: one expiry's calls and puts side by side per strike, with IVs and greeks;
and the expiries the panel offers. Pure functions of the ``option_chain()`` frame."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..analytics.chain_inputs import live_expiries, valuation_time
from ..plotting.smile import select_expiry
from .render import format_value

__all__ = ["CHAIN_FIELDS", "FORMATS", "default_expiry", "expiry_table", "live_codes"]

#: the ticker fields shown for each side, in order (IVs are fractions; greeks per one-coin contract)
CHAIN_FIELDS = (
    "bid1_iv",
    "mark_iv",
    "ask1_iv",
    "mark_price",
    "delta",
    "gamma",
    "vega",
    "theta",
    "open_interest",
)
_IVS = ("bid1_iv", "mark_iv", "ask1_iv")


def _percent(value: object) -> str:
    text = format_value(value)
    return f"{float(value) * 100:.1f}%" if text else ""  # type: ignore[arg-type]


#: cell writers of the table's columns (``"Call/mark_iv"``): IVs in percent
FORMATS = {f"{side}/{field}": _percent for side in ("Call", "Put") for field in _IVS}


def live_codes(chain: pd.DataFrame, now: object = None) -> list[str]:
    """Return the expiry codes of the chain that are after the valuation time (ascending)."""
    at = valuation_time(chain, now)
    live, _ = live_expiries(chain, at)
    codes = chain.groupby("expiry")["expiry_code"].first()
    return [str(codes.loc[expiry]) for expiry in live]


def default_expiry(chain: pd.DataFrame, now: object = None, min_days: float = 7.0) -> str | None:
    """Return the first live expiry at least ``min_days`` away (a smile with strikes around its forward),
    else the last live one; None for a chain without live expiries."""
    at = valuation_time(chain, now)
    live, _ = live_expiries(chain, at)
    if not len(live):
        return None
    codes = chain.groupby("expiry")["expiry_code"].first()
    later = [expiry for expiry in live if (expiry - at) >= pd.Timedelta(days=min_days)]
    return str(codes.loc[later[0] if later else live[-1]])


def expiry_table(chain: pd.DataFrame, expiry: str) -> pd.DataFrame:
    """Return one expiry's calls and puts per strike.

    Parameters
    ----------
    chain
        The frame of ``option_chain()`` (``/v5/market/instruments-info`` + ``/v5/market/tickers``).
    expiry
        An expiry code (``"28JUN24"``) or date, as :func:`bybit_research.plotting.smile.select_expiry`.

    Returns
    -------
    pandas.DataFrame
        Index ``strike`` (float64, ascending); columns a two-level index (``"Call"`` / ``"Put"``, field) of
        :data:`CHAIN_FIELDS` the chain has, values as the chain holds them (NaN where a strike lists one side
        only). ``attrs``: ``expiry_code``, ``expiry`` (ISO), ``forward`` (the median ``underlying_price``)
        and ``atm_strike`` (the strike nearest the forward).

    Raises
    ------
    ValueError
        For an expiry the chain does not hold (naming those it holds).
    """
    rows = select_expiry(chain, expiry)
    fields = [f for f in CHAIN_FIELDS if f in rows.columns]
    sides = []
    for side in ("Call", "Put"):
        picked = rows[(rows["option_type"] == side).to_numpy(dtype=bool)]
        table = picked.set_index("strike")[fields]
        table = table[~table.index.duplicated(keep="first")]
        table.columns = pd.MultiIndex.from_product([[side], fields])
        sides.append(table)
    strikes = sides[0].index.union(sides[1].index).sort_values()
    joined = pd.concat([side.reindex(strikes) for side in sides], axis=1)
    joined.index = pd.Index(strikes.to_numpy(dtype=np.float64), name="strike")
    forward = float(np.nanmedian(rows["underlying_price"].to_numpy(np.float64))) if len(rows) else np.nan
    strikes_held = joined.index.to_numpy(dtype=np.float64)
    atm = float(strikes_held[np.argmin(np.abs(strikes_held - forward))]) if len(joined) else None
    joined.attrs = {
        "expiry_code": str(rows["expiry_code"].iloc[0]) if len(rows) else str(expiry),
        "expiry": pd.Timestamp(rows["expiry"].iloc[0]).isoformat() if len(rows) else None,
        "forward": forward,
        "atm_strike": atm,
    }
    return joined
