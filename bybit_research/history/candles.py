"""Candles from archive trades: first, highest, lowest and last price, volume and turnover of each period."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import cast

import numpy as np
import pandas as pd

from ..core.time import TimeLike
from ..core.units import DAY_MS, NS_PER_MS, WEEK_ANCHOR_MS, WEEK_MS
from ..endpoints.checks import check_interval
from ..endpoints.series import KLINE
from ..fetch.plan import next_candle
from ..store.history import read

__all__ = ["klines_from_trades"]

_CANDLE_COLUMNS = ["open", "high", "low", "close", "volume", "turnover", "closed"]


def klines_from_trades(
    trades: pd.DataFrame | str | Sequence[str],
    interval: str | int = "1",
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    *,
    category: str = "linear",
    path: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Resample trades to candles of the kline frame's shape.

    Parameters
    ----------
    trades
        A frame of archive trades (``br.history.read(..., kind="trades")``; one symbol or a tidy
        ``(time, symbol)`` frame), or a symbol / list of symbols to read from the store.
    interval
        ``1 3 5 15 30 60 120 240 360 720 D W M`` or an alias such as ``"1h"``.
    start, end
        With symbols: the range of trades to read (naive times are UTC). Not used with a frame.
    category
        With symbols: their category (``"linear"``, ``"inverse"`` or ``"spot"``).
    path
        With symbols: the store (default: the default store).

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (candle start, ``datetime64[ms, UTC]``; ``(time, symbol)`` for several symbols),
        columns ``open``, ``high``, ``low``, ``close`` (first, highest, lowest, last trade price), ``volume``
        (contracts: ``size``, so base coin for linear and USD contracts for inverse; spot: ``volume``),
        ``turnover`` (contracts: ``foreign_notional``, quote coin for linear and coins for inverse; spot:
        price x volume), float64, and ``closed`` (True when the trades cover the candle's whole period: the
        archive holds whole days). A period without trades has no candle.

    Raises
    ------
    ValueError
        For an interval kline endpoints do not have, or a frame without the archive's columns.
    """
    code, step = check_interval(interval, KLINE)
    if not isinstance(trades, pd.DataFrame):
        trades = read(trades, start, end, kind="trades", category=category, path=path)
    if isinstance(trades.index, pd.MultiIndex):
        symbols = list(dict.fromkeys(trades.index.get_level_values("symbol")))
        parts = {s: _candles(cast(pd.DataFrame, trades.xs(s, level="symbol")), step) for s in symbols}
        tidy = pd.concat([parts[s] for s in symbols], keys=symbols, names=["symbol", "time"])
        frame = tidy.swaplevel(0, 1).sort_index(level=["time", "symbol"], sort_remaining=False)
    else:
        frame = _candles(trades, step)
    frame.attrs = {"source": "trades", "interval": code, "trades": len(trades)}
    return frame


def _candles(trades: pd.DataFrame, step: int) -> pd.DataFrame:
    if "size" in trades.columns and "foreign_notional" in trades.columns:
        volume = trades["size"].to_numpy(dtype="float64")
        turnover = trades["foreign_notional"].to_numpy(dtype="float64")
    elif "volume" in trades.columns and "price" in trades.columns:
        volume = trades["volume"].to_numpy(dtype="float64")
        turnover = trades["price"].to_numpy(dtype="float64") * volume
    else:
        raise ValueError(
            "trades need the archive's columns: price with size and foreign_notional (contracts) or with "
            f"volume (spot); got {list(trades.columns)}"
        )
    index = cast(pd.DatetimeIndex, trades.index)
    ms = index.as_unit("ms").asi8 if len(index) else np.array([], dtype=np.int64)
    keys = _starts(ms, step)
    price = trades["price"].to_numpy(dtype="float64")
    grouped = pd.DataFrame({"key": keys, "price": price, "volume": volume, "turnover": turnover}).groupby(
        "key", sort=True
    )
    bars = pd.DataFrame(
        {
            "open": grouped["price"].first(),
            "high": grouped["price"].max(),
            "low": grouped["price"].min(),
            "close": grouped["price"].last(),
            "volume": grouped["volume"].sum(),
            "turnover": grouped["turnover"].sum(),
        }
    )
    starts = bars.index.to_numpy(dtype=np.int64)
    # the trades cover whole days up to the day of the last one
    covered_until = (int(ms.max()) // DAY_MS + 1) * DAY_MS if len(ms) else 0
    ends = (
        np.array([next_candle(int(s), step) for s in starts], dtype=np.int64) if step == 0 else starts + step
    )
    bars["closed"] = ends <= covered_until
    bars.index = pd.DatetimeIndex(pd.to_datetime(starts * NS_PER_MS, utc=True), name="time").as_unit("ms")
    return bars[_CANDLE_COLUMNS].astype({c: "float64" for c in _CANDLE_COLUMNS[:-1]})


def _starts(ms: np.ndarray, step: int) -> np.ndarray:
    """The candle start (epoch ms) of each time: calendar months for ``step`` 0, weeks from Mondays."""
    if step == 0:
        months = ms.astype("datetime64[ms]").astype("datetime64[M]")
        return months.astype("datetime64[ms]").astype(np.int64)
    anchor = WEEK_ANCHOR_MS if step == WEEK_MS else 0
    return anchor + (ms - anchor) // step * step
