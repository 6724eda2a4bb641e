"""Figures as PNG for widgets: the fixed layout of one-column figures (and the engine when a label would not
fit), content keys, and a panel's drawn figures kept by what they show."""

from __future__ import annotations

import struct
from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from bybit_research import plotting
from bybit_research.client import Client
from bybit_research.plotting.style import new_figure
from bybit_research.widgets import explorer as make_explorer
from bybit_research.widgets.images import MARGINS, Renders, figure_png, fixed_layout, frame_key

from ..conftest import NOW_MS
from .conftest import present


@pytest.fixture(scope="module")
def klines(session_client: Client) -> pd.DataFrame:
    return session_client.klines("BTCUSDT", "60", start=NOW_MS - 7 * 86_400_000, end=NOW_MS)


def size_of(png: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_candles_are_drawn_with_fixed_margins(klines: pd.DataFrame) -> None:
    figure = plotting.candles(klines)
    png = figure_png(figure)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and size_of(png) == (1000, 600) and png[25] == 2  # 8-bit RGB
    assert not isinstance(figure.get_layout_engine(), ConstrainedLayoutEngine)
    price, volume, turnover = figure.axes
    width, height = figure.get_size_inches()
    assert price.get_position().x0 == pytest.approx(MARGINS["left"] / width)
    assert price.get_position().x1 == pytest.approx(1 - MARGINS["right"] / width)
    assert turnover.get_position().y0 == pytest.approx(MARGINS["bottom"] / height)
    # the panes keep their 3:1:1 heights and the gap between them
    heights = [ax.get_position().height for ax in (price, volume, turnover)]
    assert heights[0] == pytest.approx(3 * heights[1]) and heights[1] == pytest.approx(heights[2])
    gap = (volume.get_position().y0 - turnover.get_position().y1) * height
    assert gap == pytest.approx(MARGINS["gap"])
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    for ax in figure.axes:
        assert ax.yaxis.label.get_window_extent(renderer).x0 >= 0


def test_a_label_that_would_not_fit_gets_the_layout_engine() -> None:
    figure, (pane,) = new_figure(3.0)
    pane.plot([0, 1], [1e14, 2e14])
    pane.yaxis.set_major_formatter(lambda value, _: f"{value:,.4f}")  # labels far wider than the margin
    pane.set_ylabel("amount")
    figure_png(figure)
    assert isinstance(figure.get_layout_engine(), ConstrainedLayoutEngine)
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    assert pane.yaxis.label.get_window_extent(renderer).x0 >= 0  # laid out: nothing cut off


def test_only_one_column_figures_without_twins_or_colour_bars_are_fixed(chain_like: Any) -> None:
    two, _ = new_figure(3.0, (1.0,), columns=2)
    assert fixed_layout(two) is False
    twin, (pane,) = new_figure(3.0)
    pane.twinx()
    assert fixed_layout(twin) is False
    assert fixed_layout(chain_like) is False  # a heatmap with its colour bar
    assert isinstance(chain_like.get_layout_engine(), ConstrainedLayoutEngine)
    plain = Figure()
    assert fixed_layout(plain) is False
    columns = {c: pd.Series(dtype=float) for c in ("open", "high", "low", "close")}
    unlaid = plotting.candles(pd.DataFrame(columns, index=pd.DatetimeIndex([], name="time")))
    png = figure_png(unlaid, fast=False)
    assert isinstance(unlaid.get_layout_engine(), ConstrainedLayoutEngine) and size_of(png) == (1000, 420)


@pytest.fixture
def chain_like(session_client: Client) -> Figure:
    return plotting.surface(session_client.option_chain("BTC"))


def test_frame_keys_follow_what_is_drawn(klines: pd.DataFrame) -> None:
    again = klines.copy()
    again.attrs = {**klines.attrs, "fetched_at": "2030-01-01T00:00:00Z", "from_cache": 1.0}
    assert frame_key(klines, helper="candles") == frame_key(again, helper="candles")
    moved = klines.copy()
    moved["close"] = moved["close"].to_numpy() + np.r_[np.zeros(len(moved) - 1), 1.0]
    assert frame_key(moved, helper="candles") != frame_key(klines, helper="candles")
    assert frame_key(klines, helper="candles") != frame_key(klines, helper="funding")
    other = klines.copy()
    other.attrs = {**klines.attrs, "category": "spot"}
    assert frame_key(other) != frame_key(klines)
    later = klines.copy()  # asked from a moment later: the same candles, the same figure
    later.attrs = {**klines.attrs, "params": {**klines.attrs["params"], "start": NOW_MS - 1}}
    assert frame_key(later) == frame_key(klines)
    empty, asked = klines.iloc[:0].copy(), klines.iloc[:0].copy()
    asked.attrs = later.attrs
    assert frame_key(empty) != frame_key(asked)  # an empty figure shows the range asked for
    assert frame_key(klines, None) != frame_key(klines)


def test_renders_keep_figures_by_key_and_render_each_once() -> None:
    renders = Renders(size=2)
    built: list[str] = []

    def build(name: str) -> Figure:
        built.append(name)
        return new_figure(2.0)[0]

    first = renders.figure("a", lambda: build("a"))
    assert renders.figure("a", lambda: build("a")) is first and built == ["a"]
    renders.figure("b", lambda: build("b"))
    renders.figure("c", lambda: build("c"))  # "a" is the least recently used: dropped
    assert renders.figure("a", lambda: build("a")) is not first and built == ["a", "b", "c", "a"]
    assert (renders.hits, renders.misses) == (1, 4)
    png = renders.png(first)
    assert renders.png(first) is png and np.frombuffer(png[:8], np.uint8).tolist()[1:4] == [80, 78, 71]


def test_the_chart_tab_draws_data_it_showed_before_from_its_renders(client: Client, app: Any) -> None:
    explorer = make_explorer(client=client)
    chart = explorer.chart
    btc = present(chart.figure)
    explorer.symbol.value = "ETHUSDT"
    assert chart.figure is not btc and chart.renders.misses == 2
    explorer.symbol.value = (
        "BTCUSDT"  # the same candles (the simulator's clock stands still): the same figure
    )
    assert chart.figure is btc and chart.renders.hits == 1
    assert chart.image.value == chart.renders.png(btc)
    assert "BTCUSDT (linear)" in chart.caption.value
