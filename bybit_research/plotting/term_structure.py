"""The at-the-money implied-volatility term structure of an option chain, with the wings at a delta."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, NullLocator

from ..analytics import options as _options
from .checks import FrameKind, check_frame
from .labels import format_time, params_of
from .style import CALL, FORWARD, PRICE, PUT, date_numbers, empty_pane, panes, percent_axis, time_axis

__all__ = ["OPTION_CHAIN", "chain_coin", "term_structure", "valued_at"]

#: the columns every chain analytic reads (:data:`bybit_research.analytics.chain.CHAIN_COLUMNS`)
OPTION_CHAIN = FrameKind(
    "an option-chain frame",
    ("expiry", "strike", "option_type", "mark_price", "mark_iv", "underlying_price"),
    index=None,
    numeric=("strike", "mark_price", "mark_iv", "underlying_price"),
)
_XS = ("days", "expiry")
#: tick positions of a days-to-expiry axis (log scale), labelled ``1d``, ``1w``, ...
_DAY_TICKS = {1: "1d", 2: "2d", 7: "1w", 14: "2w", 30: "30d", 60: "60d", 90: "90d", 180: "180d",
              365: "1y", 730: "2y"}  # fmt: skip


def chain_coin(chain: pd.DataFrame) -> str | None:
    """Return the base coin of a chain frame: its params' ``baseCoin``, else its ``base_coin`` column."""
    coin = params_of(chain).get("baseCoin")
    if coin is None and "base_coin" in chain.columns and len(chain):
        coin = chain["base_coin"].iloc[0]
    return str(coin) if coin else None


def valued_at(chain: pd.DataFrame, now: object = None) -> str:
    """Return ``"at 2024-06-15 12:34:56 UTC"``: the valuation time the chain analytics use, or ``""``.

    That is ``now`` when given, else the exchange's clock of the tickers (``attrs["server_time"]``), else
    the time the frame was built (``attrs["fetched_at"]``).
    """
    for value in (now, chain.attrs.get("server_time"), chain.attrs.get("fetched_at")):
        stamp = format_time(value)
        if stamp:
            return f"at {stamp}"
    return ""


def term_structure(
    chain: pd.DataFrame,
    *,
    x: str = "days",
    delta: float | None = 0.25,
    expiry: object = None,
    now: object = None,
    ax: Axes | None = None,
) -> Figure:
    """Draw the ATM implied volatility of every live expiry, with the call and put wings at ``delta``.

    The figures are :func:`bybit_research.analytics.options.term_structure` (Bybit's mark IV interpolated at
    each expiry's forward, ``underlying_price``) and, for the wings,
    :func:`~bybit_research.analytics.options.risk_reversal_butterfly` (the IVs of the call at ``+delta`` and
    the put at ``-delta``). Each ATM point is labelled with its expiry code; an expiry whose forward lies
    outside its strikes has no ATM IV and is named below the axes instead. Gallery image:
    ``docs/gallery/term_structure.png``.

    Parameters
    ----------
    chain
        A frame of ``br.option_chain`` (``/v5/market/instruments-info`` + ``/v5/market/tickers``, option),
        one base coin: columns ``expiry, strike, option_type, mark_price, mark_iv, underlying_price``; IVs
        are fractions.
    x
        ``"days"`` (default: days to expiry on a log scale) or ``"expiry"`` (the delivery date, UTC).
    delta
        Delta of the wings drawn (strictly between 0 and 0.5), or None for the ATM line alone.
    expiry
        An expiry code (``"28JUN24"``) to mark, as the option-chain panel does for the expiry it shows.
    now
        Valuation time (str, datetime, Timestamp or epoch ms; naive = UTC); default the chain's
        ``attrs["server_time"]``.
    ax
        Draw into this axes and return its figure.

    Returns
    -------
    matplotlib.figure.Figure
        One pane; an empty chain gives the titled pane with "no data".

    Raises
    ------
    ValueError
        When ``chain`` is not an option chain, for another ``x``, a ``delta`` outside (0, 0.5), an
        ``expiry`` that is not a live expiry of the chain, or as the analytics (every expiry expired at
        ``now``, mixed base coins).
    """
    check_frame(chain, "term_structure", OPTION_CHAIN)
    if x not in _XS:
        raise ValueError(f"x must be one of {list(_XS)}, got {x!r}")
    if delta is not None and (isinstance(delta, bool) or not isinstance(delta, int | float)
                              or not 0.0 < delta < 0.5):  # fmt: skip
        raise ValueError(
            f"delta must be a number strictly between 0 and 0.5 (e.g. 0.25) or None, got {delta!r}"
        )
    figure, axes = panes(ax, 4.6)
    pane = axes[0]
    coin = chain_coin(chain)
    wings = "" if delta is None else f" and {_delta_label(delta)} wings"
    when = valued_at(chain, now)
    head = f"{coin} options" if coin else "options"
    pane.set_title(f"{head} ATM IV term structure{wings}" + (f", {when}" if when else ""), fontsize=11,
                   loc="left")  # fmt: skip
    pane.set_ylabel("implied volatility (per year)", fontsize=9)
    percent_axis(pane)
    if x == "days":
        pane.set_xlabel("days to expiry (log scale)", fontsize=9)
    else:
        time_axis(pane, label=False)
        pane.set_xlabel("expiry (UTC)", fontsize=9)
    if chain.empty:
        empty_pane(pane)
        return figure

    terms = _options.term_structure(chain, now)
    wing_table = None if delta is None else _options.risk_reversal_butterfly(chain, delta, now)
    positions = _positions(terms, x)
    codes = terms["expiry_code"].astype(str).tolist()
    marked = _marked(codes, expiry)
    atm = terms["atm_iv"].to_numpy(np.float64) * 100
    if wing_table is not None and delta is not None:
        label = _delta_label(delta)
        for column, colour, side in (("call_iv", CALL, "call"), ("put_iv", PUT, "put")):
            pane.plot(positions, wing_table[column].to_numpy(np.float64) * 100, "--", color=colour,
                      marker="o", markersize=3, linewidth=1.0, label=f"{label} {side} IV")  # fmt: skip
    pane.plot(positions, atm, color=PRICE, marker="o", markersize=4.5, linewidth=1.5, label="ATM IV")
    for xi, yi, code in zip(positions, atm, codes, strict=True):
        if np.isfinite(yi):
            pane.annotate(code, (xi, yi), xytext=(0, 7), textcoords="offset points", ha="center",
                          fontsize=7, color=PRICE)  # fmt: skip
    if marked is not None:
        pane.axvline(positions[marked], color=FORWARD, linestyle="--", linewidth=1.0,
                     label=f"expiry {codes[marked]}")  # fmt: skip
    if x == "days":
        _days_axis(pane, positions)
    missing = terms.attrs.get("no_atm") or []
    if missing:
        pane.text(0.0, -0.16, f"no ATM IV (forward outside the strikes): {', '.join(missing)}",
                  transform=pane.transAxes, fontsize=8, color=PRICE, va="top")  # fmt: skip
    pane.legend(fontsize=8, loc="best", framealpha=0.9, edgecolor="none")
    return figure


def _delta_label(delta: float) -> str:
    return f"{delta * 100:g}Δ"


def _positions(terms: pd.DataFrame, x: str) -> np.ndarray:
    if x == "days":
        return terms["t_days"].to_numpy(np.float64)
    return date_numbers(pd.DatetimeIndex(terms.index))


def _marked(codes: list[str], expiry: object) -> int | None:
    if expiry is None:
        return None
    wanted = str(expiry).strip().upper()
    if wanted not in codes:
        raise ValueError(f"expiry={expiry!r} is not a live expiry of the chain; live expiries: {codes}")
    return codes.index(wanted)


def _days_axis(pane: Axes, days: np.ndarray) -> None:
    """A log axis of days labelled ``1d``, ``1w``, ``30d``, ... (minor ticks left out: they would not say
    which day they are)."""
    pane.set_xscale("log")
    finite = days[np.isfinite(days) & (days > 0)]
    if not finite.size:
        return
    low, high = float(finite.min()) / 1.3, float(finite.max()) * 1.3
    pane.set_xlim(low, high)
    ticks = [d for d in _DAY_TICKS if low <= d <= high]
    pane.xaxis.set_major_locator(FixedLocator(ticks))
    pane.xaxis.set_minor_locator(NullLocator())
    pane.set_xticklabels([_DAY_TICKS[d] for d in ticks])
