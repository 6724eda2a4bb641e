"""The futures term structure: each dated future's basis against the index or its perpetual, annualised."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .checks import FrameKind, check_frame
from .labels import base_coin as _base_coin
from .labels import format_time
from .style import FORWARD, date_numbers, empty_pane, panes, percent_axis, series_colour, time_axis

__all__ = ["TICKERS", "basis", "basis_table"]

TICKERS = FrameKind(
    "a linear or inverse tickers frame",
    ("last_price", "index_price", "delivery_time", "basis", "basis_rate", "basis_rate_year"),
    index=None,
    numeric=("last_price", "index_price", "basis", "basis_rate", "basis_rate_year"),
)
_DAYS_PER_YEAR = 365.0
_AGAINST = ("index", "perp")
_USDT_FUTURE = re.compile(r"(?P<family>[A-Z0-9]+USDT)-\d{1,2}[A-Z]{3}\d{2}")
_USDC_FUTURE = re.compile(r"(?P<base>[A-Z0-9]+)-\d{1,2}[A-Z]{3}\d{2}")
_INVERSE_FUTURE = re.compile(r"(?P<family>[A-Z0-9]+USD)[FGHJKMNQUVXZ]\d{2}")


def _family(symbol: str) -> tuple[str, str | None]:
    """Return ``(family label, its perpetual's symbol)`` of a future from Bybit's naming conventions."""
    usdt = _USDT_FUTURE.fullmatch(symbol)
    if usdt:
        return usdt["family"], usdt["family"]
    usdc = _USDC_FUTURE.fullmatch(symbol)
    if usdc:
        return f"{usdc['base']} (USDC)", f"{usdc['base']}PERP"
    inverse = _INVERSE_FUTURE.fullmatch(symbol)
    if inverse:
        return inverse["family"], inverse["family"]
    return symbol, None


def basis_table(
    tickers: pd.DataFrame, against: str = "index", *, now: object = None, base_coin: str | None = None
) -> pd.DataFrame:
    """Return one row per dated future: its family, delivery time, basis and annualised basis rate.

    Against the index the figures are Bybit's own (``basis`` = last price - index price, ``basis_rate``,
    ``basis_rate_year``). Against the perpetual they are computed from last prices: ``basis`` = future's last
    - perpetual's last, ``basis_rate`` = basis / perpetual's last, annualised by ``365 / days to delivery``
    (the days counted from ``now``), as Bybit annualises.

    Parameters
    ----------
    tickers
        A frame of ``br.tickers("linear")`` or ``br.tickers("inverse")`` (``/v5/market/tickers``), index
        ``symbol``; rows with a ``delivery_time`` are the dated futures, the others perpetuals.
    against
        ``"index"`` (default) or ``"perp"``.
    now
        The snapshot's time (for ``against="perp"``); default ``tickers.attrs["server_time"]`` (else
        ``fetched_at``).
    base_coin
        Keep the futures of one base coin (``"BTC"``).

    Returns
    -------
    pandas.DataFrame
        Index ``symbol``; columns ``family`` (``"BTCUSDT"``, ``"BTC (USDC)"``, ``"BTCUSD"``), ``reference``
        (the index or the perpetual's symbol), ``delivery_time``, ``days``, ``basis``, ``basis_rate``,
        ``basis_rate_year``; sorted by family and delivery.

    Raises
    ------
    ValueError
        For another ``against``, a future whose perpetual is not in the frame, or no ``now`` to count days.
    """
    if against not in _AGAINST:
        raise ValueError(f"against must be one of {list(_AGAINST)}, got {against!r}")
    category = tickers.attrs.get("category")
    dated = tickers[tickers["delivery_time"].notna().to_numpy(dtype=bool)]
    symbols = [str(s) for s in dated.index]
    if base_coin is not None:
        keep = [(_base_coin(s, category) or "").upper() == base_coin.upper() for s in symbols]
        dated = dated[np.asarray(keep, dtype=bool)]
        symbols = [str(s) for s in dated.index]
    families = [_family(s) for s in symbols]
    delivery = pd.DatetimeIndex(dated["delivery_time"]).tz_convert("UTC")
    table = pd.DataFrame(
        {
            "family": [f for f, _ in families],
            "reference": ["index"] * len(families) if against == "index" else [p or "" for _, p in families],
            "delivery_time": delivery,
        },
        index=pd.Index(symbols, name="symbol", dtype="str"),
    )
    stamp = _now(tickers, now, required=against == "perp")
    days = (delivery - stamp) / pd.Timedelta(days=1) if stamp is not None else np.full(len(table), np.nan)
    table["days"] = np.asarray(days, dtype=np.float64)
    if against == "index":
        for column in ("basis", "basis_rate", "basis_rate_year"):
            table[column] = dated[column].to_numpy(np.float64)
    else:
        perps = [p or "" for _, p in families]
        unnamed = [s for p, s in zip(perps, symbols, strict=True) if not p]
        if unnamed:
            raise ValueError(
                f"against='perp': no perpetual is known for {unnamed} (a symbol pattern not known)"
            )
        missing = sorted({p for p in perps if p not in tickers.index})
        if missing:
            raise ValueError(
                f"against='perp' needs the perpetual of every future; not in the frame: {missing}"
            )
        future = dated["last_price"].to_numpy(np.float64)
        perp = tickers.loc[perps, "last_price"].to_numpy(np.float64)
        table["basis"] = future - perp
        table["basis_rate"] = (future - perp) / perp
        table["basis_rate_year"] = table["basis_rate"] * _DAYS_PER_YEAR / table["days"]
    order = np.lexsort((delivery.asi8, table["family"].to_numpy()))
    return table.iloc[order]


def _now(tickers: pd.DataFrame, now: object, required: bool) -> pd.Timestamp | None:
    # the exchange's clock of the snapshot first (a machine's clock may be off; a simulator's may be fixed)
    value = now if now is not None else tickers.attrs.get("server_time") or tickers.attrs.get("fetched_at")
    if value is None:
        if required:
            raise ValueError(
                "against='perp' counts days to delivery from now=; the frame has no attrs server_time "
                "or fetched_at"
            )
        return None
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def basis(
    tickers: pd.DataFrame,
    against: str = "index",
    *,
    base_coin: str | None = None,
    now: object = None,
    ax: Axes | None = None,
) -> Figure:
    """Draw the futures term structure: annualised basis of every dated future against the index or perp.

    One line per family of futures (``BTCUSDT``, ``BTC (USDC)``, ``BTCUSD``...) over delivery dates, each
    point labelled with its basis in price units; the figures are those of :func:`basis_table`. Against the
    perpetual each line starts at the snapshot's time at 0. Gallery image: ``docs/gallery/basis.png``.

    Parameters
    ----------
    tickers
        A frame of ``br.tickers("linear")`` or ``br.tickers("inverse")`` (``/v5/market/tickers``): index
        ``symbol``, columns ``last_price, index_price, delivery_time, basis, basis_rate, basis_rate_year``.
    against
        ``"index"`` (Bybit's basis fields) or ``"perp"`` (computed from last prices).
    base_coin
        Draw the futures of one base coin only.
    now
        The snapshot's time; default ``tickers.attrs["server_time"]`` (else ``fetched_at``).
    ax
        Draw into this axes and return its figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        When ``tickers`` is not a linear/inverse tickers frame, or as :func:`basis_table`.
    """
    check_frame(tickers, "basis", TICKERS)
    table = basis_table(tickers, against, now=now, base_coin=base_coin)
    figure, axes = panes(ax, 4.6)
    pane = axes[0]
    stamp = _now(tickers, now, required=False)
    category = tickers.attrs.get("category")
    reference = "the index price" if against == "index" else "the perpetual"
    head = f"{category} futures" if category else "futures"
    if base_coin:
        head = f"{base_coin.upper()} {head}"
    when = f", snapshot {format_time(stamp)}" if stamp is not None else ""
    pane.set_title(f"{head} basis against {reference}, annualised{when}", fontsize=11, loc="left")
    pane.set_ylabel(f"basis vs {against}, annualised (per year)", fontsize=9)
    percent_axis(pane)
    time_axis(pane, label=False)
    pane.set_xlabel("delivery (UTC)", fontsize=9)
    if table.empty:
        empty_pane(pane, "no dated futures")
        return figure

    start = date_numbers(pd.DatetimeIndex([stamp]))[0] if stamp is not None else None
    coins = list(dict.fromkeys(_base_coin(str(s), category) or str(s) for s in table.index))
    for family, rows in table.groupby("family", sort=False):
        coin = _base_coin(str(rows.index[0]), category) or str(rows.index[0])
        colour = series_colour(coins.index(coin))
        x = date_numbers(pd.DatetimeIndex(rows["delivery_time"]))
        y = rows["basis_rate_year"].to_numpy(np.float64) * 100.0
        if against == "perp" and start is not None:
            x, y = np.concatenate(([start], x)), np.concatenate(([0.0], y))
        style = "--" if "(USDC)" in str(family) else "-"
        pane.plot(x, y, style, color=colour, marker="o", markersize=5, linewidth=1.4, label=str(family))
        for xi, yi, value in zip(x[-len(rows) :], y[-len(rows) :], rows["basis"], strict=True):
            if np.isfinite(yi):
                pane.annotate(f"{value:+.4g}", (xi, yi), xytext=(4, 4), textcoords="offset points",
                              fontsize=7, color=colour)  # fmt: skip
    if start is not None:
        pane.axvline(start, color=FORWARD, linewidth=1.0, linestyle=":", label="snapshot")
    pane.axhline(0.0, color="#9e9e9e", linewidth=0.8, zorder=1)
    pane.legend(fontsize=8, loc="best", frameon=False, ncols=2)
    return figure
