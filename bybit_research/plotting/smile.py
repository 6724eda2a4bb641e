"""The implied-volatility smile of one expiry, straight from the option chain frame."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .checks import FrameKind, check_frame
from .labels import format_time, params_of
from .style import CALL, FORWARD, PRICE, PUT, empty_pane, panes, percent_axis, price_axis

__all__ = ["CHAIN", "select_expiry", "smile", "smile_points"]

CHAIN = FrameKind(
    "an option-chain frame",
    ("expiry", "strike", "option_type", "mark_iv", "bid1_iv", "ask1_iv", "underlying_price"),
    index=None,
    numeric=("strike", "mark_iv", "bid1_iv", "ask1_iv", "underlying_price"),
)
_QUOTES = ("otm", "call", "put", "both")
_XS = ("strike", "moneyness")


def _codes(chain: pd.DataFrame) -> list[str]:
    if "expiry_code" in chain.columns:
        order = np.argsort(pd.DatetimeIndex(chain["expiry"]).asi8, kind="stable")
        return list(dict.fromkeys(chain["expiry_code"].astype(str).to_numpy()[order]))
    return [f"{t:%Y-%m-%d}" for t in sorted(pd.DatetimeIndex(chain["expiry"]).unique())]


def select_expiry(chain: pd.DataFrame, expiry: object = None) -> pd.DataFrame:
    """Return the rows of one expiry of an option chain.

    Parameters
    ----------
    chain
        A frame of ``br.option_chain``.
    expiry
        An expiry code (``"27DEC24"``, any case), or a date (string, datetime, Timestamp) matched against
        the delivery date. May be omitted when the chain holds one expiry.

    Raises
    ------
    ValueError
        When ``expiry`` is omitted and the chain holds several, or matches none; the message lists them.
    """
    codes = _codes(chain)
    if expiry is None:
        if len(codes) > 1:
            raise ValueError(f"smile() draws one expiry; pass expiry= one of {codes}")
        return chain
    if isinstance(expiry, str) and "expiry_code" in chain.columns:
        rows = chain[(chain["expiry_code"].astype(str).str.upper() == expiry.strip().upper()).to_numpy(bool)]
        if len(rows):
            return rows
    try:
        day = pd.Timestamp(expiry).date()  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"expiry={expiry!r} is not in the chain; it holds {codes}") from None
    dates = pd.DatetimeIndex(chain["expiry"]).tz_convert("UTC").date
    rows = chain[dates == day]
    if not len(rows):
        raise ValueError(f"expiry={expiry!r} is not in the chain; it holds {codes}")
    return rows


def smile_points(rows: pd.DataFrame, quotes: str = "otm") -> pd.DataFrame:
    """Return the options a smile is drawn from, with the forward, sorted by option type then strike.

    ``quotes="otm"`` keeps puts struck below the forward and calls at or above it (the usual smile);
    ``"call"``, ``"put"`` keep one type; ``"both"`` keeps all. The forward is the ticker's
    ``underlying_price`` (Bybit's per-expiry forward; the median when tickers of the expiry differ). A bid or
    ask IV of 0 means no quote and becomes NaN.

    Returns
    -------
    pandas.DataFrame
        Columns ``strike``, ``option_type``, ``mark_iv``, ``bid1_iv``, ``ask1_iv``, ``forward``,
        ``moneyness`` (strike / forward); index ``symbol``.

    Raises
    ------
    ValueError
        For another ``quotes``.
    """
    if quotes not in _QUOTES:
        raise ValueError(f"quotes must be one of {list(_QUOTES)}, got {quotes!r}")
    forward = float(np.nanmedian(rows["underlying_price"].to_numpy(np.float64))) if len(rows) else np.nan
    types = rows["option_type"].astype(str).to_numpy()
    strikes = rows["strike"].to_numpy(np.float64)
    keep = {
        "otm": ((types == "Put") & (strikes < forward)) | ((types == "Call") & (strikes >= forward)),
        "call": types == "Call",
        "put": types == "Put",
        "both": np.isin(types, ["Call", "Put"]),
    }[quotes]
    points = rows.loc[keep, ["strike", "option_type", "mark_iv", "bid1_iv", "ask1_iv"]].copy()
    for column in ("bid1_iv", "ask1_iv"):
        points[column] = points[column].where(points[column] > 0)
    points["forward"] = forward
    points["moneyness"] = points["strike"] / forward
    order = np.lexsort((points["strike"].to_numpy(), points["option_type"].astype(str).to_numpy()))
    return points.iloc[order]


def smile(
    chain: pd.DataFrame,
    expiry: object = None,
    *,
    x: str = "strike",
    quotes: str = "otm",
    ax: Axes | None = None,
) -> Figure:
    """Draw the implied-volatility smile of one expiry: mark IV with each option's bid-ask IV range.

    The forward (``underlying_price``) is marked with a vertical line. Gallery image:
    ``docs/gallery/smile.png``.

    Parameters
    ----------
    chain
        A frame of ``br.option_chain`` (``/v5/market/instruments-info`` + ``/v5/market/tickers``, option):
        columns ``expiry, strike, option_type, mark_iv, bid1_iv, ask1_iv, underlying_price``; IVs are
        fractions.
    expiry
        The expiry to draw; see :func:`select_expiry`.
    x
        ``"strike"`` (default) or ``"moneyness"`` (strike / forward).
    quotes
        Which options: ``"otm"`` (default), ``"call"``, ``"put"`` or ``"both"``; see :func:`smile_points`.
    ax
        Draw into this axes and return its figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        When ``chain`` is not an option chain, for another ``x`` or ``quotes``, or an expiry it does not hold.
    """
    check_frame(chain, "smile", CHAIN)
    if x not in _XS:
        raise ValueError(f"x must be one of {list(_XS)}, got {x!r}")
    rows = select_expiry(chain, expiry) if len(chain) else chain
    points = smile_points(rows, quotes)
    figure, axes = panes(ax, 4.6)
    pane = axes[0]
    pane.set_title(_title(chain, rows, quotes), fontsize=11, loc="left")
    pane.set_ylabel("implied volatility (per year)", fontsize=9)
    percent_axis(pane)
    if x == "strike":
        coin = str(rows["quote_coin"].iloc[0]) if "quote_coin" in rows.columns and len(rows) else "USD"
        pane.set_xlabel(f"strike ({coin})", fontsize=9)
        price_axis(pane.xaxis)
    else:
        pane.set_xlabel("moneyness (strike / forward)", fontsize=9)
    if points.empty:
        empty_pane(pane)
        return figure

    xs = points[x].to_numpy(np.float64)
    types = points["option_type"].astype(str).to_numpy()
    marks = points["mark_iv"].to_numpy(np.float64) * 100
    # with both types drawn, calls' and puts' bid-ask ranges sit side by side around their strike
    gaps = np.diff(np.unique(xs))
    dodge = 0.12 * float(gaps.min()) if quotes == "both" and len(gaps) else 0.0
    for kind, colour, shift in (("Call", CALL, -dodge), ("Put", PUT, dodge)):
        chosen = types == kind
        if not chosen.any():
            continue
        bid = points["bid1_iv"].to_numpy(np.float64)[chosen] * 100
        ask = points["ask1_iv"].to_numpy(np.float64)[chosen] * 100
        pane.vlines(xs[chosen] + shift, bid, ask, color=colour, linewidth=3.0, alpha=0.45,
                    label=f"{kind.lower()} bid-ask IV")  # fmt: skip
    if quotes == "both" and not _same_marks(points):
        for kind, colour in (("Call", CALL), ("Put", PUT)):
            chosen = types == kind
            pane.plot(xs[chosen], marks[chosen], color=colour, marker="o", markersize=3.5, linewidth=1.3,
                      label=f"{kind.lower()} mark IV")  # fmt: skip
    else:
        line = np.unique(xs, return_index=True)[1] if quotes == "both" else np.argsort(xs, kind="stable")
        pane.plot(xs[line], marks[line], color=PRICE, marker="o", markersize=3.5, linewidth=1.3,
                  label="mark IV")  # fmt: skip
    forward = float(points["forward"].iloc[0])
    pane.axvline(forward if x == "strike" else 1.0, color=FORWARD, linestyle="--", linewidth=1.0,
                 label=f"forward {forward:,.2f}")  # fmt: skip
    pane.legend(fontsize=8, loc="upper center", ncols=2, framealpha=0.9, edgecolor="none")
    return figure


def _same_marks(points: pd.DataFrame) -> bool:
    """True when calls and puts of each strike have the same mark IV (Bybit marks both on one smile)."""
    wide = points.pivot_table(index="strike", columns="option_type", values="mark_iv", aggfunc="first")
    if not {"Call", "Put"} <= set(wide.columns):
        return True
    both = wide[["Call", "Put"]].dropna()
    return bool(np.allclose(both["Call"], both["Put"], rtol=0, atol=1e-9))


def _title(chain: pd.DataFrame, rows: pd.DataFrame, quotes: str) -> str:
    coin = params_of(chain).get("baseCoin")
    if coin is None and "base_coin" in chain.columns and len(chain):
        coin = chain["base_coin"].iloc[0]
    head = f"{coin} options" if coin else "options"
    if len(rows):
        code = f" {rows['expiry_code'].iloc[0]}" if "expiry_code" in rows.columns else ""
        expiry = pd.Timestamp(rows["expiry"].iloc[0])
        head = f"{head}{code} (expiry {expiry:%Y-%m-%d %H:%M} UTC)"
    what = {"otm": "OTM", "call": "calls'", "put": "puts'", "both": "calls' and puts'"}[quotes]
    # the exchange's clock of the tickers (what the analytics value at), else when the frame was built
    stamp = format_time(chain.attrs.get("server_time") or chain.attrs.get("fetched_at"))
    return f"{head} {what} IV smile" + (f", snapshot {stamp}" if stamp else "")
