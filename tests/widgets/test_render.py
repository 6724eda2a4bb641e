"""Figures as PNG bytes and frames as HTML tables."""

from __future__ import annotations

import struct

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from bybit_research.plotting.style import new_figure
from bybit_research.widgets.render import caption_html, figure_png, format_value, key_values_html, table_html


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3_404_844_500.0, "3,404,844,500"),
        (111_447.7, "111,447.7"),
        (1234.5678, "1,234.57"),
        (0.2433, "0.2433"),
        (2.25e-06, "2.25e-06"),
        (-0.0129812345678, "-0.012981235"),
        (0.0, "0"),
        (float("nan"), ""),
        (None, ""),
        (pd.NaT, ""),
        (np.int64(480), "480"),
        (True, "True"),
        (pd.Timestamp("2024-06-15 12:34:56", tz="UTC"), "2024-06-15 12:34:56"),
        (pd.Timestamp("2024-06-15 08:00"), "2024-06-15 08:00"),
        ("LinearPerpetual", "LinearPerpetual"),
        (["a", "b"], "['a', 'b']"),
    ],
)
def test_cells(value: object, text: str) -> None:
    assert format_value(value) == text


def test_figure_png_is_the_figure_at_its_size() -> None:
    figure, _ = new_figure(4.0)
    png = figure_png(figure)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1000, 400)


def test_table_rows_header_highlight_and_the_rows_left_out() -> None:
    frame = pd.DataFrame(
        {"price": [1.5, 2.5, 3.5], "name": ["a", "b", "<c>"]}, index=pd.Index(["X", "Y", "Z"], name="symbol")
    )
    text = table_html(
        frame,
        ["name", "missing", "price"],
        formats={"price": lambda v: f"{v:.2f}$"},
        max_rows=2,
        highlight="Y",
    )
    assert text.count("<tr>") == 3  # the header and two rows
    assert (
        "symbol</th>" in text
        and text.index(">name</th>") < text.index(">price</th>")
        and "missing" not in text
    )
    assert "1.50$" in text and "3.50$" not in text and "&lt;c&gt;" not in text
    assert "2 of 3 rows shown" in text
    bold = [row for row in text.split("<tr>") if "font-weight:bold" in row]
    assert len(bold) == 1 and ">Y</td>" in bold[0]


def test_two_level_header_and_key_values() -> None:
    columns = pd.MultiIndex.from_product([["Call", "Put"], ["mark_iv", "delta"]])
    frame = pd.DataFrame([[0.5, 0.6, 0.55, -0.4]], index=pd.Index([100.0], name="strike"), columns=columns)
    text = table_html(frame, list(frame.columns), formats={"Put/mark_iv": lambda v: f"{v:.0%}"})
    assert 'colspan="2">Call</th>' in text and 'colspan="2">Put</th>' in text and 'rowspan="2">strike' in text
    assert ">55%</td>" in text and ">0.5</td>" in text
    pairs = key_values_html({"tick_size": 0.1, "delivery_time": pd.NaT, "status": "Trading"}, "BTCUSDT")
    assert "tick_size" in pairs and "delivery_time" not in pairs and ">BTCUSDT</caption>" in pairs


def test_caption_names_title_rows_endpoint_and_cache() -> None:
    figure = Figure()
    figure.add_subplot().set_title("BTCUSDT klines", loc="left")
    frame = pd.DataFrame({"close": [1.0, 2.0]})
    frame.attrs = {"endpoint": "/v5/market/kline", "from_cache": 0.5}
    assert "BTCUSDT klines</b> · 2 rows of /v5/market/kline, 50% from the cache" in caption_html(
        figure, frame
    )
    assert "rows" not in caption_html(figure, None)
