"""Figures and frames as widget values: PNG bytes for ``widgets.Image``, HTML tables for ``widgets.HTML``.

Figures become PNG at their own size (the width of a notebook cell), drawn once and lightly compressed, by
:func:`~bybit_research.widgets.images.figure_png` (re-exported here).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .images import figure_png

__all__ = [
    "MAX_TABLE_ROWS",
    "caption_html",
    "figure_png",
    "figure_title",
    "format_value",
    "key_values_html",
    "table_html",
]

#: rows an HTML table shows at most (the rest is counted below it)
MAX_TABLE_ROWS = 200
_TABLE_STYLE = (
    "border-collapse:collapse;font-size:12px;font-family:var(--jp-code-font-family,monospace);"
    "white-space:nowrap"
)
_CELL = "padding:1px 8px;border-bottom:1px solid #eceff1;text-align:right"
_HEAD = (
    "padding:2px 8px;border-bottom:1px solid #90a4ae;text-align:right;position:sticky;top:0;background:#fff"
)

Formatter = Callable[[Any], str]


def figure_title(figure: Figure) -> str:
    """Return the title a helper gave its figure: the first axes' left title, else the figure's suptitle."""
    if figure.axes:
        text = figure.axes[0].get_title(loc="left")
        if text:
            return text
    suptitle = figure.get_suptitle()
    return suptitle or ""


def caption_html(figure: Figure, frame: pd.DataFrame | None) -> str:
    """Return the line under a figure: its title, then the rows drawn, their endpoint(s) and the share of
    pages served from the cache (``attrs["from_cache"]``)."""
    parts = [f"<b>{html.escape(figure_title(figure))}</b>"]
    if frame is not None:
        endpoint = frame.attrs.get("endpoint")
        paths = ", ".join(endpoint) if isinstance(endpoint, list | tuple) else str(endpoint or "")
        source = f"{len(frame):,} rows" + (f" of {paths}" if paths else "")
        cached = frame.attrs.get("from_cache")
        if isinstance(cached, int | float):
            source += f", {cached:.0%} from the cache"
        parts.append(html.escape(source))
    return f"<span style='font-size:11px;color:#546e7a'>{' · '.join(parts)}</span>"


def format_value(value: Any) -> str:
    """Return a cell's text: numbers of 1 000 and more with thousands separators and at most 2 decimals,
    smaller ones with up to 8 significant digits (tiny and huge ones in scientific notation), times in UTC,
    missing values as empty text."""
    if value is None or (not isinstance(value, str | bytes | Sequence | Mapping) and bool(pd.isna(value))):
        return ""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        number = float(value)
        if number != 0 and (abs(number) >= 1e15 or abs(number) < 1e-6):
            return f"{number:.6g}"
        if abs(number) >= 1000:  # thousands separated, at most 2 decimals, trailing zeros dropped
            text = f"{number:,.2f}".rstrip("0").rstrip(".")
            return text
        return f"{number:.8g}"
    if isinstance(value, pd.Timestamp):
        stamp = value.tz_localize("UTC") if value.tzinfo is None else value.tz_convert("UTC")
        return stamp.strftime("%Y-%m-%d %H:%M" if stamp.second == 0 else "%Y-%m-%d %H:%M:%S")
    return str(value)


def table_html(
    frame: pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    formats: Mapping[str, Formatter] | None = None,
    max_rows: int = MAX_TABLE_ROWS,
    highlight: Any = None,
    caption: str = "",
) -> str:
    """Return ``frame`` as a compact HTML table (index first), at most ``max_rows`` rows.

    Parameters
    ----------
    frame
        The rows to show, in order. A two-level column index gives a two-row header.
    columns
        The columns shown (those the frame has, in this order); default all.
    formats
        Column -> function writing one cell (a two-level column is named ``"top/leaf"``, e.g.
        ``"Call/mark_iv"``); the others use :func:`format_value`.
    max_rows
        Rows shown; a note under the table counts the others.
    highlight
        The index label of a row drawn bold (the selected instrument, the at-the-money strike).
    caption
        Text above the table.
    """
    shown = [c for c in columns if c in frame.columns] if columns is not None else list(frame.columns)
    formats = formats or {}
    rows = frame.iloc[:max_rows]
    parts = [f'<table style="{_TABLE_STYLE}">']
    if caption:
        parts.append(f'<caption style="text-align:left;font-weight:bold">{html.escape(caption)}</caption>')
    parts.append(_header(frame, shown))
    for label, row in zip(rows.index, rows[shown].itertuples(index=False, name=None), strict=True):
        weight = (
            "font-weight:bold;background:#fff8e1;" if highlight is not None and label == highlight else ""
        )
        cells = [f'<td style="{_CELL};text-align:left;{weight}">{html.escape(format_value(label))}</td>']
        for column, value in zip(shown, row, strict=True):
            key = column if isinstance(column, str) else "/".join(map(str, column))
            write = formats.get(key, format_value)
            cells.append(f'<td style="{_CELL};{weight}">{html.escape(write(value))}</td>')
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</table>")
    if len(frame) > max_rows:
        parts.append(f"<div style='font-size:11px;color:#78909c'>{max_rows} of {len(frame)} rows shown</div>")
    return "".join(parts)


def _header(frame: pd.DataFrame, shown: list[Any]) -> str:
    name = html.escape(str(frame.index.name or ""))
    if shown and all(isinstance(c, tuple) and len(c) == 2 for c in shown):
        groups: dict[str, int] = {}
        for top, _ in shown:
            groups[str(top)] = groups.get(str(top), 0) + 1
        first = f'<th style="{_HEAD}" rowspan="2">{name}</th>' + "".join(
            f'<th style="{_HEAD};text-align:center" colspan="{n}">{html.escape(g)}</th>'
            for g, n in groups.items()
        )
        second = "".join(f'<th style="{_HEAD}">{html.escape(str(leaf))}</th>' for _, leaf in shown)
        return f"<thead><tr>{first}</tr><tr>{second}</tr></thead>"
    cells = "".join(f'<th style="{_HEAD}">{html.escape(str(c))}</th>' for c in shown)
    return f'<thead><tr><th style="{_HEAD};text-align:left">{name}</th>{cells}</tr></thead>'


def key_values_html(
    values: Mapping[str, Any], title: str, formats: Mapping[str, Formatter] | None = None
) -> str:
    """Return a two-column table of ``values`` (field -> value) under ``title``; missing values left out.

    ``formats`` maps a field to the function writing its value (default :func:`format_value`).
    """
    formats = formats or {}
    rows = [
        f'<tr><td style="{_CELL};text-align:left;color:#546e7a">{html.escape(key)}</td>'
        f'<td style="{_CELL}">{html.escape(formats.get(key, format_value)(value))}</td></tr>'
        for key, value in values.items()
        if format_value(value) != ""
    ]
    head = f'<caption style="text-align:left;font-weight:bold">{html.escape(title)}</caption>'
    return f'<table style="{_TABLE_STYLE}">{head}{"".join(rows)}</table>'
