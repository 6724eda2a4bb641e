"""Funding rates of perpetuals: per settlement, annualised by each symbol's funding interval, cumulative."""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .checks import FrameKind, ascending, check_frame, time_index
from .labels import frame_range, params_range, symbols_of, title
from .style import date_numbers, empty_pane, panes, percent_axis, series_colour, time_axis

__all__ = ["FUNDING", "annualised", "funding", "funding_intervals"]

FUNDING = FrameKind("a funding-rates frame", ("symbol", "funding_rate"), numeric=("funding_rate",))
#: Bybit annualises with 365 days (as in the tickers' ``basisRateYear``)
MINUTES_PER_YEAR = 365 * 1440
_MINUTE_NS = 60_000_000_000

Intervals = int | float | Mapping[str, int | float] | pd.DataFrame | pd.Series


def funding_intervals(df: pd.DataFrame, intervals: Intervals | None = None) -> np.ndarray:
    """Return the funding interval in minutes of every row of a funding-rates frame.

    Parameters
    ----------
    df
        A frame of ``br.funding_rates`` (index ``time`` = ``fundingRateTimestamp``; ``symbol``,
        ``funding_rate``), ascending, one or several symbols.
    intervals
        None (default): each settlement's interval is the time since the symbol's previous settlement (the
        first one takes the time to the next), which follows Bybit's changes of a symbol's interval over
        history. Or the interval in minutes for every symbol, a mapping ``symbol -> minutes``, or an
        instruments frame (``br.instruments("linear")``: column ``funding_interval``, index ``symbol``),
        which holds today's interval of each symbol.

    Raises
    ------
    ValueError
        When a symbol's interval is unknown (not in the mapping or instruments frame, 0 as for dated futures,
        or a single settlement with ``intervals=None``).
    """
    symbols = df["symbol"].astype(str).to_numpy()
    if intervals is None:
        return _from_timestamps(df, symbols)
    if isinstance(intervals, numbers.Real) and not isinstance(intervals, bool):
        if intervals <= 0:
            raise ValueError(f"intervals must be a positive number of minutes, got {intervals!r}")
        return np.full(len(df), float(intervals))
    if isinstance(intervals, pd.DataFrame):
        if "funding_interval" not in intervals.columns:
            raise ValueError(
                "intervals= takes minutes, a mapping symbol -> minutes or an instruments frame "
                f"(column funding_interval, index symbol); got a frame with columns {list(intervals.columns)}"
            )
        intervals = intervals["funding_interval"]
    if isinstance(intervals, pd.Series | Mapping):
        lookup = {str(k): v for k, v in intervals.items()}
    else:
        raise ValueError(
            "intervals= takes minutes, a mapping symbol -> minutes or an instruments frame, "
            f"got {type(intervals).__name__}"
        )
    out = np.empty(len(df))
    for name in dict.fromkeys(symbols):
        minutes = lookup.get(name)
        if minutes is None or pd.isna(minutes) or float(minutes) <= 0:
            raise ValueError(
                f"no funding interval for {name}: intervals= gives {minutes!r} (need minutes > 0)"
            )
        out[symbols == name] = float(minutes)
    return out


def _from_timestamps(df: pd.DataFrame, symbols: np.ndarray) -> np.ndarray:
    stamps = time_index(df)
    assert stamps is not None
    ns = stamps.as_unit("ns").asi8
    out = np.empty(len(df))
    for name in dict.fromkeys(symbols):
        rows = np.flatnonzero(symbols == name)
        rows = rows[np.argsort(ns[rows], kind="stable")]
        if len(rows) < 2:
            raise ValueError(
                f"one settlement of {name} gives no funding interval; pass intervals= (minutes, a mapping or "
                "br.instruments('linear'))"
            )
        gaps = np.diff(ns[rows]) / _MINUTE_NS
        if (gaps <= 0).any():
            raise ValueError(f"{name} has two settlements at one time; de-duplicate the frame first")
        out[rows] = np.concatenate(([gaps[0]], gaps))
    return out


def annualised(rates: np.ndarray, interval_minutes: np.ndarray) -> np.ndarray:
    """Return funding rates per interval as yearly rates: ``rate * 365 days / interval``."""
    return np.asarray(rates, dtype=np.float64) * (MINUTES_PER_YEAR / np.asarray(interval_minutes))


def funding(df: pd.DataFrame, intervals: Intervals | None = None, *, ax: Axes | None = None) -> Figure:
    """Draw funding rates: per settlement, annualised, and cumulative, one line per symbol.

    Panes top to bottom: the rate of each settlement (% of position value per interval), the same rate
    annualised by the symbol's funding interval (% per year, 365 days), and the running sum of rates (what a
    long of constant value has paid, in %; negative = received). Gallery image: ``docs/gallery/funding.png``.

    Parameters
    ----------
    df
        A frame of ``br.funding_rates`` (``/v5/market/funding/history``): index ``time``, columns ``symbol``
        and ``funding_rate`` (a fraction per interval). Frames of several symbols (concatenated) draw one
        line each.
    intervals
        How each settlement is annualised; see :func:`funding_intervals` (default: from the timestamps).
    ax
        Draw the annualised pane only into this axes and return its figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        When ``df`` is not a funding-rates frame, or an interval is unknown.
    """
    check_frame(df, "funding", FUNDING)
    df, times = ascending(df)
    figure, axes = panes(ax, 6.5, (1.0, 1.0, 1.0))
    names = ["rate per settlement", "annualised", "cumulative"]
    if ax is not None:
        names = ["annualised"]
    symbols = symbols_of(df)
    axes[0].set_title(
        title("funding rates", symbols, df.attrs.get("category"), frame_range(df, times)),
        fontsize=11,
        loc="left",
    )
    labels = {
        "rate per settlement": "rate per interval",
        "annualised": "annualised (per year)",
        "cumulative": "cumulative (long pays)",
    }
    for pane, name in zip(axes, names, strict=True):
        pane.set_ylabel(labels[name], fontsize=9)
        percent_axis(pane)
        time_axis(pane, label=pane is axes[-1])
    if df.empty:
        empty_pane(axes[0], span=params_range(df))
        return figure

    rates = df["funding_rate"].to_numpy(np.float64)
    minutes = funding_intervals(df, intervals)
    yearly = annualised(rates, minutes)
    x = date_numbers(times)
    held = df["symbol"].astype(str).to_numpy()
    for position, name in enumerate(sorted(set(held))):
        rows = held == name
        cumulative = np.nancumsum(rates[rows])
        series = {"rate per settlement": rates[rows], "annualised": yearly[rows], "cumulative": cumulative}
        label = name if len(set(minutes[rows])) > 1 else f"{name} ({_interval_text(minutes[rows][0])})"
        for pane, pane_name in zip(axes, names, strict=True):
            pane.plot(
                x[rows], series[pane_name] * 100.0, color=series_colour(position), linewidth=1.2,
                drawstyle="steps-pre" if pane_name != "cumulative" else "default", label=label,
            )  # fmt: skip
    for pane in axes:
        pane.axhline(0.0, color="#9e9e9e", linewidth=0.8, zorder=1)
    axes[0].legend(fontsize=8, loc="upper left", frameon=False)
    return figure


def _interval_text(minutes: float) -> str:
    return f"{minutes / 60:g}h interval" if minutes >= 60 else f"{minutes:g}min interval"
