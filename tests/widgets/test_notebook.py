"""The explorer notebook in a real kernel (nbclient): it runs without errors, and the widget state it leaves
(``nb.metadata.widgets``) is what a browser would render: the categories, the symbols of the table, the
chart as PNG, the chain panel at an expiry."""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "05_explorer.ipynb"
PNG = base64.b64encode(b"\x89PNG\r\n").decode()  # whole 3-byte groups: no padding


@pytest.fixture(scope="module")
def executed() -> nbformat.NotebookNode:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    saved = os.environ.get("PYTHONPATH")
    # the kernel imports this checkout's package, and runs on the simulator (the notebook's default)
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), saved) if p)
    os.environ.pop("BYBIT_RESEARCH_ENV", None)
    try:
        client = NotebookClient(
            notebook,
            timeout=120,
            kernel_name="python3",
            store_widget_state=True,
            resources={"metadata": {"path": str(NOTEBOOK.parent)}},
        )
        client.execute()
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved
    return notebook


def models(notebook: nbformat.NotebookNode) -> list[dict[str, Any]]:
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    return list(state.values())


def by_class(notebook: nbformat.NotebookNode, name: str) -> list[dict[str, Any]]:
    """The widget models carrying the CSS class ``name``, in the order they were made."""
    return [m for m in models(notebook) if name in m["state"].get("_dom_classes", [])]


def text_output(notebook: nbformat.NotebookNode, contains: str) -> str:
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            text = output.get("text", "")
            if contains in text:
                return str(text)
    raise AssertionError(f"no output contains {contains!r}")


def test_the_notebook_ran_and_says_what_it_shows(executed: nbformat.NotebookNode) -> None:
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    line = text_output(executed, "linear instruments | selected:")
    count = re.match(
        r"(\d+) of (\d+) linear instruments \| selected: BTCUSDT \| tabs: \('chart', 'funding'", line
    )
    assert count is not None and count[1] == count[2] and int(count[1]) > 20
    assert "BTCUSDT (linear) last-price 1h klines, " in text_output(executed, "last-price 1h klines")


def test_the_widget_state_is_the_explorer_at_linear(executed: nbformat.NotebookNode) -> None:
    (category,) = by_class(executed, "br-category")
    assert category["state"]["_options_labels"] == ["spot", "linear", "inverse", "option"]
    assert category["state"]["index"] == 1
    (symbol,) = by_class(executed, "br-symbol")
    labels = symbol["state"]["_options_labels"]
    (count,) = by_class(executed, "br-count")
    assert count["state"]["value"] == f"<b>{len(labels)}</b> of {len(labels)} linear instruments"
    assert labels[symbol["state"]["index"]] == "BTCUSDT" and "ETHUSDT" in labels
    (table,) = by_class(executed, "br-table")
    assert all(f">{name}</td>" in table["state"]["value"] for name in labels[:5])
    statuses = [m["state"]["value"] for m in by_class(executed, "br-status")]
    assert len(statuses) >= 5 and not any("failed" in text for text in statuses)  # explorer, tabs, chain
    (chart,) = by_class(executed, "br-chart-image")
    assert [b["path"] for b in chart["buffers"]] == [["value"]] and chart["buffers"][0]["data"].startswith(
        PNG
    )
    (caption,) = by_class(executed, "br-chart-caption")
    assert re.search(r"· 16[89] rows of /v5/market/kline", caption["state"]["value"])
    (interval,) = by_class(executed, "br-interval")
    assert interval["state"]["_options_labels"][interval["state"]["index"]] == "1h"


def test_the_widget_state_has_the_chain_panel_at_an_expiry(executed: nbformat.NotebookNode) -> None:
    (expiry,) = by_class(executed, "br-expiry")  # the explorer makes its chain panel only for options
    labels = expiry["state"]["_options_labels"]
    chosen = labels[expiry["state"]["index"]]
    assert len(labels) >= 5 and f"expiry {chosen} of " in text_output(executed, "expiry ")
    (heading,) = by_class(executed, "br-chain-title")
    assert heading["state"]["value"].startswith(f"<b>BTC {chosen}</b>: expiry ")
    (table,) = by_class(executed, "br-chain-table")
    assert (
        'colspan="9">Call</th>' in table["state"]["value"] and "font-weight:bold" in table["state"]["value"]
    )
    (smile,) = by_class(executed, "br-smile-image")
    assert smile["buffers"][0]["data"].startswith(PNG)


def test_the_widget_state_has_the_margin_panel_and_its_what_if(executed: nbformat.NotebookNode) -> None:
    line = text_output(executed, "what if:")
    found = re.match(r"what if: (Buy|Sell) ([\d.]+) (\w+) \| ok", line)
    assert found is not None, line
    side, size, symbol = found.groups()
    (units,) = by_class(executed, "br-margin-units")
    coins = re.findall(r'text-align:left;">(\w+)</td>', units["state"]["value"])
    assert len(coins) >= 1 and "asset_mm" in units["state"]["value"]
    (unit,) = by_class(executed, "br-margin-unit")
    assert unit["state"]["_options_labels"] == ["all units", *coins]
    (grid,) = by_class(executed, "br-margin-grid-image")
    assert grid["buffers"][0]["data"].startswith(PNG)
    (picked,) = by_class(executed, "br-whatif-symbol")
    (sides,) = by_class(executed, "br-whatif-side")
    (sized,) = by_class(executed, "br-whatif-size")
    assert picked["state"]["value"] == symbol and sized["state"]["value"] == float(size)
    assert sides["state"]["_options_labels"][sides["state"]["index"]] == side
    (what_if,) = by_class(executed, "br-whatif-units")
    assert (
        "IM/MM per risk unit (USD)" in what_if["state"]["value"] and "mm_change" in what_if["state"]["value"]
    )
    (legs,) = by_class(executed, "br-whatif-legs")
    assert f">{symbol}</td>" in legs["state"]["value"]
    (image,) = by_class(executed, "br-whatif-image")
    assert image["buffers"][0]["data"].startswith(PNG)
