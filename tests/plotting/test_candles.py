"""candles(): panes, titles, units, and the drawn candles equal to the frame's (or to its true OHLC bars)."""

from __future__ import annotations

import io

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from bybit_research.client import Client
from bybit_research.plotting import candles
from bybit_research.plotting.style import DOWN, UP

from .drawn import faces, verts
from .test_bars import synthetic_klines

DAY_MS = 86_400_000


def drawn(ax: Axes) -> tuple[np.ndarray, np.ndarray]:
    """(wick segments (n, 2, 2), body rectangles (n, 4, 2)) drawn on a price pane."""
    wicks = [c for c in ax.collections if isinstance(c, LineCollection)]
    bodies = [c for c in ax.collections if type(c) is PolyCollection]
    assert len(wicks) == 1 and len(bodies) == 1
    return np.array(wicks[0].get_segments()), verts(bodies[0])[:, :4]


def candle_starts(segments: np.ndarray, step_ms: int) -> pd.DatetimeIndex:
    """The interval starts of drawn candles (they are centred on the middle of their interval)."""
    centres = segments[:, 0, 0] - step_ms / DAY_MS / 2
    return pd.DatetimeIndex(mdates.num2date(centres)).tz_convert("UTC").round("s")


def test_candles_draw_every_candle_of_a_small_frame(klines_1m: pd.DataFrame) -> None:
    figure = candles(klines_1m)
    assert isinstance(figure, Figure)
    price, volume, turnover = figure.axes
    wicks, bodies = drawn(price)
    assert len(wicks) == len(klines_1m) == 180
    np.testing.assert_array_equal(wicks[:, 0, 1], klines_1m["low"].to_numpy())
    np.testing.assert_array_equal(wicks[:, 1, 1], klines_1m["high"].to_numpy())
    assert candle_starts(wicks, 60_000).equals(pd.DatetimeIndex(klines_1m.index).as_unit("ns"))
    np.testing.assert_array_equal(bodies[:, 0, 1], klines_1m["open"].to_numpy())
    np.testing.assert_array_equal(bodies[:, 2, 1], klines_1m["close"].to_numpy())
    rising = (klines_1m["close"] >= klines_1m["open"]).to_numpy()
    colours = faces(next(c for c in price.collections if type(c) is PolyCollection))
    np.testing.assert_allclose(colours[rising][:, :3], np.tile(to_rgba(UP)[:3], (rising.sum(), 1)))
    np.testing.assert_allclose(colours[~rising][:, :3], np.tile(to_rgba(DOWN)[:3], ((~rising).sum(), 1)))
    heights = verts(volume.collections[0])[:, 2, 1]
    np.testing.assert_array_equal(heights, klines_1m["volume"].to_numpy())
    heights = verts(turnover.collections[0])[:, 2, 1]
    np.testing.assert_array_equal(heights, klines_1m["turnover"].to_numpy())
    low, high = price.get_ylim()
    assert low < klines_1m["low"].min() and high > klines_1m["high"].max()


def test_titles_units_and_utc_date_axis(klines_1m: pd.DataFrame) -> None:
    price, volume, turnover = candles(klines_1m).axes
    assert price.get_title(loc="left") == (
        "BTCUSDT (linear) last-price 1m klines, 2024-06-10 00:00 to 2024-06-10 02:59 UTC"
    )
    assert [ax.get_ylabel() for ax in (price, volume, turnover)] == [
        "price (USDT)", "volume (BTC)", "turnover (USDT)"
    ]  # fmt: skip
    assert turnover.get_xlabel() == "time (UTC)" and price.get_xlabel() == ""
    formatter = turnover.xaxis.get_major_formatter()
    assert isinstance(formatter, mdates.ConciseDateFormatter)
    assert str(formatter._tz) == "UTC"
    assert [ax.get_shared_x_axes().joined(price, ax) for ax in (volume, turnover)] == [True, True]


def test_a_week_of_minutes_is_drawn_as_bars_keeping_true_highs_and_lows(week_1m: pd.DataFrame) -> None:
    figure = candles(week_1m)
    price = figure.axes[0]
    width = int(price.bbox.width)
    wicks, bodies = drawn(price)
    assert len(week_1m) == 10_080 and len(wicks) <= width
    assert "1m klines as 15m bars" in price.get_title(loc="left")
    want = week_1m.resample("15min").agg({"open": "first", "high": "max", "low": "min", "close": "last"})
    assert len(wicks) == len(want) == 672
    np.testing.assert_array_equal(wicks[:, 1, 1], want["high"].to_numpy())
    np.testing.assert_array_equal(wicks[:, 0, 1], want["low"].to_numpy())
    np.testing.assert_array_equal(bodies[:, 0, 1], want["open"].to_numpy())
    np.testing.assert_array_equal(bodies[:, 2, 1], want["close"].to_numpy())
    assert wicks[:, 1, 1].max() == week_1m["high"].max()
    assert wicks[:, 0, 1].min() == week_1m["low"].min()
    assert candle_starts(wicks, 15 * 60_000).equals(pd.DatetimeIndex(want.index).as_unit("ns"))
    volumes = verts(figure.axes[1].collections[0])[:, 2, 1]
    np.testing.assert_allclose(volumes, week_1m["volume"].resample("15min").sum().to_numpy(), rtol=1e-12)


def test_max_bars_picks_the_step(klines_1m: pd.DataFrame) -> None:
    price = candles(klines_1m, max_bars=40).axes[0]
    wicks, _ = drawn(price)
    assert len(wicks) == 36  # 180 minutes as 5-minute bars
    assert "as 5m bars" in price.get_title(loc="left")
    with pytest.raises(ValueError, match="max_bars must be a positive int, got 0"):
        candles(klines_1m, max_bars=0)


def test_mark_price_klines_have_the_price_pane_only(client: Client) -> None:
    mark = client.klines("BTCUSDT", "60", start="2024-06-01", end="2024-06-03", price="mark")
    figure = candles(mark)
    assert len(figure.axes) == 1
    assert (
        figure.axes[0].get_title(loc="left").startswith("BTCUSDT (linear) mark-price 1h klines, 2024-06-01")
    )
    assert figure.axes[0].get_ylabel() == "mark price (USDT)"
    assert figure.axes[0].get_xlabel() == "time (UTC)"


def test_volume_false_leaves_the_volume_panes_out(klines_1m: pd.DataFrame) -> None:
    assert len(candles(klines_1m, volume=False).axes) == 1


def test_inverse_units(client: Client) -> None:
    frame = client.klines("BTCUSD", "60", start="2024-06-01", end="2024-06-02", category="inverse")
    assert [ax.get_ylabel() for ax in candles(frame).axes] == [
        "price (USD)",
        "volume (USD)",
        "turnover (BTC)",
    ]


def test_a_frame_of_several_symbols_needs_symbol(client: Client) -> None:
    frame = client.klines(["BTCUSDT", "ETHUSDT"], "60", start="2024-06-01", end="2024-06-02")
    with pytest.raises(
        ValueError, match=r"candles\(\) draws one symbol; pass symbol= one of \['BTCUSDT', 'ETHUSDT'\]"
    ):
        candles(frame)
    with pytest.raises(ValueError, match=r"symbol='SOLUSDT' is not in the frame"):
        candles(frame, symbol="SOLUSDT")
    price = candles(frame, symbol="ETHUSDT").axes[0]
    wicks, _ = drawn(price)
    eth = frame.xs("ETHUSDT", level="symbol")
    np.testing.assert_array_equal(wicks[:, 1, 1], eth["high"].to_numpy())
    assert price.get_title(loc="left").startswith("ETHUSDT (linear) last-price 1h klines")
    assert price.get_ylabel() == "price (USDT)"


def test_the_open_candle_is_drawn_lighter(client: Client) -> None:
    frame = client.klines("BTCUSDT", "60", start="2024-06-15", end="2024-06-15 13:00")
    assert not frame["closed"].iloc[-1] and frame["closed"].iloc[:-1].all()
    alphas = faces(next(c for c in candles(frame).axes[0].collections if type(c) is PolyCollection))[:, 3]
    assert alphas[-1] == pytest.approx(0.45) and set(alphas[:-1]) == {1.0}


def test_ax_draws_the_price_pane_into_a_given_axes(klines_1m: pd.DataFrame) -> None:
    outer = Figure()
    ax = outer.add_subplot(2, 1, 2)
    assert candles(klines_1m, ax=ax) is outer
    assert len(outer.axes) == 1
    wicks, _ = drawn(ax)
    assert len(wicks) == 180
    sub = Figure().add_subfigure(Figure().add_gridspec(1, 2)[0, 1])
    inner = sub.add_subplot()
    assert candles(klines_1m, ax=inner) is sub.get_figure(root=True)


def test_an_empty_frame_gives_a_titled_figure(client: Client) -> None:
    empty = client.klines("BTCUSDT", "1", start="2015-01-01", end="2015-01-02")  # before the listing
    assert empty.empty and list(empty.columns) == [
        "open",
        "high",
        "low",
        "close",
        "volume",
        "turnover",
        "closed",
    ]
    figure = candles(empty)
    price = figure.axes[0]
    assert price.get_title(loc="left") == (
        "BTCUSDT (linear) last-price 1m klines, 2015-01-01 to 2015-01-02 UTC"
    )
    assert [t.get_text() for t in price.texts] == ["no data"]
    assert len(figure.axes) == 3
    left, right = mdates.num2date(price.get_xlim())
    assert (left, right) == (pd.Timestamp("2015-01-01", tz="UTC"), pd.Timestamp("2015-01-02", tz="UTC"))
    figure.savefig(io.BytesIO(), format="png")


def test_a_year_of_minutes_renders(client: Client) -> None:
    frame = synthetic_klines(525_600, start="2023-01-01")
    figure = candles(frame)
    wicks, _ = drawn(figure.axes[0])
    assert len(wicks) == 730  # 12-hour bars
    assert wicks[:, 1, 1].max() == frame["high"].max() and wicks[:, 0, 1].min() == frame["low"].min()
    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=100)
    assert png.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
