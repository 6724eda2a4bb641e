"""Candlestick charts of klines frames, with volume and turnover panes, fast for a year of minutes."""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from ..core.units import DAY_MS
from . import bars as _bars
from .checks import FrameKind, check_frame, one_symbol, time_index
from .labels import (
    duration_label,
    frame_range,
    interval_label,
    params_of,
    params_range,
    symbols_of,
    title,
    unit,
)
from .style import DOWN, UP, amount_axis, date_numbers, empty_pane, panes, price_axis, time_axis

__all__ = ["KLINES", "candles"]

KLINES = FrameKind(
    "a klines frame", ("open", "high", "low", "close"), numeric=("open", "high", "low", "close")
)
#: alpha of a bar holding a candle that is still open (``closed`` False)
OPEN_CANDLE_ALPHA = 0.45


def candles(
    df: pd.DataFrame,
    volume: bool = True,
    *,
    symbol: str | None = None,
    max_bars: int | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Draw OHLC candles of a klines frame, with volume and turnover panes below.

    When the frame holds more candles than the price pane has pixel columns, candles are first merged into
    bars of the smallest coarser step (Bybit's intervals, then weeks) that fits, each bar keeping its true
    open, high, low and close (see :func:`bybit_research.plotting.bars.aggregate`); the title then says
    "1m klines as 12h bars". Candles and bars are drawn as two matplotlib collections (wicks and bodies),
    centred on the middle of the interval they cover; a bar holding a still-open candle is drawn lighter.
    Gallery image: ``docs/gallery/candles.png``.

    Parameters
    ----------
    df
        A klines frame as returned by ``br.klines`` (any ``price=`` flavour): ``DatetimeIndex`` ``time``
        (candle start, UTC) and float columns ``open, high, low, close``; ``volume``, ``turnover`` and
        ``closed`` when present. A frame of several symbols (``(time, symbol)`` MultiIndex) needs ``symbol``.
    volume
        Draw the volume and turnover panes (when the frame has those columns; mark, index and premium klines
        have none).
    symbol
        The symbol to draw from a frame of several.
    max_bars
        Most bars to draw; default one per pixel column of the price pane.
    ax
        Draw the price pane only into this axes and return its figure.

    Returns
    -------
    matplotlib.figure.Figure
        Panes top to bottom: price, volume, turnover. An empty frame gives the titled panes with "no data".

    Raises
    ------
    ValueError
        When ``df`` is not a klines frame (names the columns it expects), when it holds several symbols and
        ``symbol`` is not one of them, or when ``max_bars`` is not positive.
    """
    check_frame(df, "candles", KLINES)
    if max_bars is not None and (not isinstance(max_bars, int | np.integer) or max_bars < 1):
        raise ValueError(f"max_bars must be a positive int, got {max_bars!r}")
    rows, picked = one_symbol(df, symbol, "candles")
    times = time_index(rows)
    assert times is not None  # checked by check_frame
    params = params_of(df)
    category = df.attrs.get("category")
    symbols = [picked] if picked else symbols_of(df)
    sym = symbols[0] if len(symbols) == 1 else None
    flavour = str(params.get("price", "last"))
    extra = [c for c in ("volume", "turnover") if volume and c in rows.columns]
    figure, axes = panes(ax, 6.0 if extra else 4.2, (3.0,) + (1.0,) * len(extra))
    price_ax = axes[0]

    step = _bars.candle_step_ms(params.get("interval"), times)
    frame = rows.set_axis(times)
    bar_ms = step
    if step is not None and len(frame):
        first, last = int(times.min().value // 1_000_000), int(times.max().value // 1_000_000)
        limit = max_bars if max_bars is not None else max(int(price_ax.bbox.width), 1)
        bar_ms = _bars.coarser_step_ms(first, last, step, int(limit))
        if bar_ms != step:
            frame = _bars.aggregate(frame, bar_ms)

    what = f"{flavour}-price klines"
    if "interval" in params:
        what = f"{flavour}-price {interval_label(params['interval'])} klines"
    if bar_ms is not None and step is not None and bar_ms != step:
        what += f" as {duration_label(bar_ms)} bars"
    price_ax.set_title(title(what, symbols, category, frame_range(df, times)), fontsize=11, loc="left")
    price_label = "price" if flavour == "last" else f"{flavour} price"
    price_ax.set_ylabel(f"{price_label} ({unit('price', sym, category)})", fontsize=9)
    price_axis(price_ax.yaxis)
    for pane, name in zip(axes[1:], extra, strict=False):
        pane.set_ylabel(f"{name} ({unit(name, sym, category)})", fontsize=9)
        amount_axis(pane.yaxis)
    for pane in axes:
        time_axis(pane, label=pane is axes[-1])

    if frame.empty:
        empty_pane(price_ax, span=params_range(df))
        return figure
    _draw(axes, frame, extra, bar_ms)
    return figure


def _draw(axes: list[Axes], frame: pd.DataFrame, extra: list[str], bar_ms: int | None) -> None:
    ohlc = frame[["open", "high", "low", "close"]].to_numpy(np.float64)
    valid = np.isfinite(ohlc).all(axis=1)
    frame, ohlc = frame[valid], ohlc[valid]
    if not len(frame):
        empty_pane(axes[0], "no prices")
        return
    left = date_numbers(pd.DatetimeIndex(frame.index))
    if bar_ms is None:  # one candle of unknown length, or monthly candles: a day-wide bar per start
        widths = np.diff(left, append=left[-1] + 1.0) if len(left) > 1 else np.ones(1)
    else:
        widths = np.full(len(left), bar_ms / DAY_MS)
    centre = left + widths / 2
    pixels = axes[0].bbox.width / max(len(frame), 1)
    half = widths * (0.4 if pixels >= 4 else 0.5)
    open_, high, low, close = ohlc.T
    rising = close >= open_
    closed = frame["closed"].to_numpy(dtype=bool) if "closed" in frame.columns else np.ones(len(frame), bool)
    colours = np.where(rising[:, None], np.array(to_rgba(UP)), np.array(to_rgba(DOWN)))
    faces = colours.copy()
    faces[~closed, 3] = OPEN_CANDLE_ALPHA

    price_ax = axes[0]
    wicks = np.stack([np.column_stack([centre, low]), np.column_stack([centre, high])], axis=1)
    price_ax.add_collection(LineCollection(cast(Any, wicks), colors=colours, linewidths=0.8), autolim=False)
    price_ax.add_collection(
        PolyCollection(
            cast(Any, _boxes(centre, half, open_, close)),
            facecolors=faces,
            edgecolors=colours,
            linewidths=0.6,
        ),
        autolim=False,
    )
    span = (left[0], left[-1] + widths[-1])
    pad = (span[1] - span[0]) * 0.01
    price_ax.set_xlim(span[0] - pad, span[1] + pad)
    lo, hi = float(np.min(low)), float(np.max(high))
    margin = (hi - lo) * 0.04 or abs(hi) * 0.01 or 1.0
    price_ax.set_ylim(lo - margin, hi + margin)

    for pane, name in zip(axes[1:], extra, strict=False):
        values = np.nan_to_num(frame[name].to_numpy(np.float64), nan=0.0)
        pane.add_collection(
            PolyCollection(
                cast(Any, _boxes(centre, half, np.zeros(len(values)), values)),
                facecolors=faces * [1, 1, 1, 0.7],
                linewidths=0,
            ),
            autolim=False,
        )
        top = float(values.max()) if len(values) else 0.0
        pane.set_ylim(0.0, top * 1.08 or 1.0)


def _boxes(centre: np.ndarray, half: np.ndarray, bottom: np.ndarray, top: np.ndarray) -> np.ndarray:
    """Rectangles ``(n, 4, 2)`` from ``bottom`` to ``top`` around ``centre`` (an array, so that matplotlib
    takes its fast path for polygons of one shape; its stubs only know sequences, hence the casts)."""
    x0, x1 = centre - half, centre + half
    return np.stack(
        [np.column_stack([x0, bottom]), np.column_stack([x1, bottom]), np.column_stack([x1, top]),
         np.column_stack([x0, top])],
        axis=1,
    )  # fmt: skip
