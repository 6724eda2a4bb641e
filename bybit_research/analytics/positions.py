"""Option position greeks summed per base coin, and compared with Bybit's ``/v5/asset/coin-greeks``.

``/v5/position/list`` rows carry ``delta``, ``gamma``, ``vega`` and ``theta`` for option positions
(empty for futures and perpetuals). The reference does not say whether they are per contract or per
position; the simulator sends them per position (the contract's greek times the size, negative for a
short), and Bybit's coin greeks are their sum. :func:`position_greeks` reads them per position by
default, per contract (``basis="contract"``: times the size, signed by the side: Buy +, Sell -) on
request, and with a chain tells the two apart (``basis="auto"``) by comparing each row with our Black-76
greeks of the contract.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .black76 import black76_greeks
from .chain_inputs import require_columns, valuation_time, years_to_expiry

__all__ = ["GREEK_BASES", "compare_coin_greeks", "position_greeks"]

GREEK_BASES = ("position", "contract", "auto")
_GREEKS = ("delta", "gamma", "vega", "theta")
_SIDES = {"Buy": 1.0, "Sell": -1.0, "": 0.0}
#: an option symbol: BTC-28JUN24-60000-C, optionally settled in another coin (BTC-28JUN24-60000-C-USDT)
_OPTION_SYMBOL = r"^[A-Z0-9]+-\d{1,2}[A-Z]{3}\d{2}-\d+(\.\d+)?-[CP](-[A-Z0-9]+)?$"


def _signed_sizes(positions: pd.DataFrame) -> np.ndarray:
    """Size times the side's sign (Buy +, Sell -, "" 0); refuses negative sizes and unknown sides."""
    sides = positions["side"].astype("object").where(positions["side"].notna(), "").astype(str)
    unknown = sorted(set(sides) - set(_SIDES))
    if unknown:
        raise ValueError(f"positions side must be 'Buy', 'Sell' or '' (flat), got {unknown}")
    size = positions["size"].to_numpy(dtype=np.float64, na_value=np.nan)
    if np.any(size < 0):
        raise ValueError("positions size must not be negative (Bybit sends size >= 0, the direction in side)")
    return size * sides.map(_SIDES).to_numpy(dtype=np.float64)


def _model_greeks(symbols: pd.Index, chain: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
    """Our Black-76 greeks per contract (from the chain's mark IV and forward), NaN for unknown symbols."""
    require_columns(chain, ("expiry", "strike", "option_type", "mark_iv", "underlying_price"))
    rows = chain.reindex(symbols)
    known = rows["strike"].notna().to_numpy()
    forward = rows["underlying_price"].to_numpy(dtype=np.float64, na_value=np.nan)
    strike = rows["strike"].to_numpy(dtype=np.float64, na_value=np.nan)
    vol = rows["mark_iv"].to_numpy(dtype=np.float64, na_value=np.nan)
    t_years = years_to_expiry(rows["expiry"], now)
    greeks = black76_greeks(
        forward, strike, t_years, vol, np.where(known, rows["option_type"] == "Call", True)
    )
    greeks.index = symbols
    return greeks


def _pick_basis(given: np.ndarray, model: np.ndarray, signed: np.ndarray) -> str:
    """The basis under which the rows' deltas sit closer to our deltas of the contracts."""
    usable = np.isfinite(given) & np.isfinite(model) & (signed != 0)
    if not usable.any():
        raise ValueError("basis='auto' needs option positions found in the chain to compare with")
    per_position = np.abs(given - model * signed)[usable].sum()
    per_contract = np.abs(given - model)[usable].sum()
    return "position" if per_position <= per_contract else "contract"


def position_greeks(
    positions: pd.DataFrame, chain: pd.DataFrame | None = None, basis: str = "position", now: Any = None
) -> pd.DataFrame:
    """Greeks of the option positions summed per base coin (Bybit's units: per coin of the underlying).

    Parameters
    ----------
    positions
        The frame of ``/v5/position/list`` (index ``symbol``; columns ``side``, ``size``, ``delta``,
        ``gamma``, ``vega``, ``theta``, ...). Rows that are not options (no greeks) are left out of the
        sums and listed in ``attrs["not_options"]``.
    chain
        Optional: the frame of ``option_chain()`` holding the positions' contracts. Adds our Black-76
        greeks of each position (from the chain's ``mark_iv`` and ``underlying_price``) summed per coin.
    basis
        How the rows' greeks are quoted: ``"position"`` (default: already times the size and signed, as
        the simulator sends them), ``"contract"`` (per one contract: multiplied here by the size, Buy +,
        Sell -) or ``"auto"`` (needs ``chain``: the basis under which the rows match our greeks).
    now
        Valuation time for the chain's greeks (str, datetime, Timestamp or epoch ms; naive = UTC).
        Default: the chain's ``attrs["fetched_at"]``, else the wall clock.

    Returns
    -------
    pandas.DataFrame
        Index ``base_coin`` (sorted); columns ``delta``, ``gamma``, ``vega``, ``theta`` (float64 sums),
        ``positions`` (Int64, open option positions) and, with a chain, ``b76_delta``, ``b76_gamma``,
        ``b76_vega``, ``b76_theta`` (our greeks of the same positions) and ``matched`` (Int64, positions
        found in the chain). ``attrs``: ``basis`` (the one used), ``not_options`` and, with a chain,
        ``not_in_chain`` (symbols).

    Raises
    ------
    ValueError
        Missing columns, a negative size, an unknown side, an unknown ``basis``, or ``"auto"`` without a
        chain holding the positions.
    """
    if basis not in GREEK_BASES:
        raise ValueError(f"basis must be one of {list(GREEK_BASES)}, got {basis!r}")
    if basis == "auto" and chain is None:
        raise ValueError("basis='auto' needs the chain of the positions' contracts (chain=)")
    frame = positions.set_index("symbol") if "symbol" in positions.columns else positions
    require_columns(frame, ("side", "size", *_GREEKS), what="positions (the frame of /v5/position/list)")
    signed = _signed_sizes(frame)
    symbols = pd.Index(frame.index.astype(str), name="symbol")
    given = frame[list(_GREEKS)].to_numpy(dtype=np.float64, na_value=np.nan)
    is_option = np.asarray(symbols.str.match(_OPTION_SYMBOL), dtype=bool) & np.isfinite(given).any(axis=1)
    coins = symbols.str.split("-").str[0]

    model = None
    if chain is not None:
        model = _model_greeks(symbols, chain, valuation_time(chain, now)).to_numpy()
        if basis == "auto":
            basis = _pick_basis(given[is_option, 0], model[is_option, 0], signed[is_option])
    totals = given if basis == "position" else given * signed[:, None]

    data = {name: totals[:, i] for i, name in enumerate(_GREEKS)}
    data["positions"] = (signed != 0).astype(np.int64)
    if model is not None:
        data |= {f"b76_{name}": model[:, i] * signed for i, name in enumerate(_GREEKS)}
        data["matched"] = np.isfinite(model[:, 0]).astype(np.int64)
    rows = pd.DataFrame(data, index=pd.Index(coins, name="base_coin"))[is_option]
    result = rows.groupby(level="base_coin", sort=True).sum(min_count=1)
    for name in ("positions", "matched"):
        if name in result.columns:
            result[name] = result[name].astype("Int64")
    result.attrs = {"basis": basis, "not_options": symbols[~is_option].tolist()}
    if model is not None:
        result.attrs["not_in_chain"] = symbols[is_option & ~np.isfinite(model[:, 0])].tolist()
    return result


def compare_coin_greeks(
    ours: pd.DataFrame, coin_greeks: pd.DataFrame, greek_step: float = 1e-8, rtol: float = 1e-3
) -> pd.DataFrame:
    """Our per-coin position greeks beside Bybit's ``/v5/asset/coin-greeks``, with residuals.

    Parameters
    ----------
    ours
        The frame of :func:`position_greeks` (index ``base_coin``; ``delta``, ``gamma``, ``vega``,
        ``theta``, ``positions``).
    coin_greeks
        The frame of ``/v5/asset/coin-greeks`` (index ``base_coin``; ``total_delta``, ``total_gamma``,
        ``total_vega``, ``total_theta``).
    greek_step, rtol
        A coin matches when every residual is within one publishing step (8 decimals) per position plus one
        for the total, plus ``rtol`` of Bybit's total: positions and coin greeks are two snapshots taken
        moments apart, between which the market moves (``rtol=0`` for answers of one instant).

    Returns
    -------
    pandas.DataFrame
        Index ``base_coin`` (the union, sorted); per greek ``g``: ``g`` (ours), ``total_g`` (Bybit's) and
        ``g_residual`` (ours - Bybit's); then ``in_ours``, ``in_bybit`` (bool: the coin appears there) and
        ``match`` (bool: present in both, every residual within the tolerance).
        ``attrs``: ``greek_step``, ``rtol``.

    Raises
    ------
    ValueError
        Missing columns in either frame.
    """
    require_columns(ours, (*_GREEKS, "positions"), what="ours (the frame of position_greeks())")
    totals = [f"total_{name}" for name in _GREEKS]
    theirs = coin_greeks.set_index("base_coin") if "base_coin" in coin_greeks.columns else coin_greeks
    require_columns(theirs, totals, what="coin_greeks (the frame of /v5/asset/coin-greeks)")
    coins = ours.index.astype(str).union(theirs.index.astype(str)).sort_values()
    mine = ours.set_axis(ours.index.astype(str)).reindex(coins)
    bybit = theirs.set_axis(theirs.index.astype(str)).reindex(coins)
    columns: dict[str, Any] = {}
    tolerance = greek_step * (mine["positions"].fillna(0).to_numpy(dtype=np.float64) + 1.0)
    within = np.ones(len(coins), dtype=bool)
    for name in _GREEKS:
        residual = mine[name].to_numpy(dtype=np.float64) - bybit[f"total_{name}"].to_numpy(dtype=np.float64)
        columns |= {name: mine[name].to_numpy(), f"total_{name}": bybit[f"total_{name}"].to_numpy()}
        columns[f"{name}_residual"] = residual
        within &= np.abs(residual) <= tolerance + rtol * np.abs(
            bybit[f"total_{name}"].to_numpy(dtype=np.float64)
        )
    columns["in_ours"] = coins.isin(ours.index.astype(str))
    columns["in_bybit"] = coins.isin(theirs.index.astype(str))
    columns["match"] = within & columns["in_ours"] & columns["in_bybit"]
    result = pd.DataFrame(columns, index=pd.Index(coins, name="base_coin"))
    result.attrs = {"greek_step": greek_step, "rtol": rtol}
    return result
