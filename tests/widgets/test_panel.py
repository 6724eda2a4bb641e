"""Every panel's status line: "loading ..." while a fetch runs, the error after a failed one, notes for what
is no error (warnings of the toolkit, nothing to show)."""

from __future__ import annotations

import warnings

import pytest

from bybit_research.client import Client
from bybit_research.fetch import DataStartsLaterWarning
from bybit_research.widgets.panel import NothingToShow, Panel


@pytest.fixture
def panel(client: Client) -> Panel:
    return Panel(client, "test")


def test_busy_while_the_action_runs_then_idle(panel: Panel) -> None:
    seen: list[tuple[bool, str]] = []

    def action() -> int:
        seen.append((panel.busy, panel.status.value))
        return 42

    assert panel.attempt("klines of BTCUSDT", action) == 42
    assert seen == [(True, '<span style="color:#546e7a">loading klines of BTCUSDT …</span>')]
    assert not panel.busy and panel.status.value == "" and panel.error is None and panel.note is None
    assert set(panel._dom_classes) == {"br-panel", "br-test"}


def test_an_error_is_shown_in_the_panel_and_kept(panel: Panel) -> None:
    def fail() -> None:
        raise ValueError("symbol invalid")

    assert panel.attempt("tickers", fail) is None
    assert panel.error == "tickers failed: ValueError: symbol invalid"
    assert "tickers failed: ValueError: symbol invalid" in panel.status.value
    assert "br-error" in panel.status._dom_classes and not panel.busy
    assert panel.attempt("tickers", lambda: 1) == 1  # the next success clears it
    assert panel.error is None and "br-error" not in panel.status._dom_classes


def test_warnings_and_nothing_to_show_are_notes(panel: Panel) -> None:
    def warn() -> str:
        warnings.warn("history starts at launch", DataStartsLaterWarning, stacklevel=1)
        warnings.warn("history starts at launch", DataStartsLaterWarning, stacklevel=1)
        return "frame"

    assert panel.attempt("klines", warn) == "frame"
    assert panel.note == "history starts at launch" and panel.error is None
    assert "br-note" in panel.status._dom_classes and "history starts at launch" in panel.status.value

    def nothing() -> None:
        raise NothingToShow("a dated future pays no funding")

    assert panel.attempt("funding", nothing) is None
    assert panel.note == "a dated future pays no funding" and panel.error is None
    assert "failed" not in panel.status.value


def test_the_default_client_is_used_when_none_is_given(
    monkeypatch: pytest.MonkeyPatch, client: Client
) -> None:
    from bybit_research import client as client_module

    monkeypatch.setattr(client_module, "_default_client", client)
    assert Panel(None, "test").client is client
