"""margin_panel(): the account's risk units, Bybit's scenario grid and the what-if controls, read back from
widget values; every what-if equals ``br.margin.what_if`` called directly on the calibrated report, and the
report is fetched and calibrated once, not per click."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import QuadMesh

from bybit_research import widgets as br_widgets
from bybit_research.analytics import margin
from bybit_research.client import Client
from bybit_research.plotting.what_if import LEG_LABEL
from bybit_research.widgets import margin as panel_module
from bybit_research.widgets.margin import ALL_UNITS, MarginPanel
from bybit_research.widgets.margin_legs import DEFAULT_NOTIONAL, category_of
from bybit_research.widgets.render import format_value

from ..conftest import NOW_MS
from ..plotting.drawn import cell
from .conftest import Spy, present

PM = "/v5/asset/portfolio-margin"
TICKERS = "/v5/market/tickers"


@pytest.fixture
def calibrations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the panel's calls of ``calibrate``."""
    calls: list[int] = []
    real = panel_module.calibrate

    def counted(report: Any) -> margin.Calibration:
        calls.append(1)
        return real(report)

    monkeypatch.setattr(panel_module, "calibrate", counted)
    return calls


@pytest.fixture
def direct(client: Client) -> margin.Calibration:
    """The same report calibrated outside the panel (the simulator's clock is fixed: the same report)."""
    return margin.calibrate(client.portfolio_margin())


def expected(cal: margin.Calibration, legs: list[dict[str, Any]], market: pd.DataFrame | None = None) -> Any:
    return margin.what_if(cal.positions, add=legs, market=cal.market if market is None else market,
                          params=cal.params, now=cal.now, equity=cal.equity, outside_im=cal.outside_im,
                          outside_mm=cal.outside_mm)  # fmt: skip


def assert_same_what_if(panel: MarginPanel, want: Any) -> None:
    got = present(panel.result)
    pd.testing.assert_frame_equal(got.units, want.units)
    pd.testing.assert_frame_equal(got.legs, want.legs)
    pd.testing.assert_frame_equal(got.account, want.account)
    for column in ("mm_after", "im_change"):  # the numbers the browser reads
        for value in want.units[column]:
            assert f"{value:,.2f}" in panel.what_if_units.value
    assert f"{want.legs['marginal_mm'].iloc[0]:,.2f}" in panel.what_if_legs.value
    names = [t.get_text() for t in present(panel.what_if_figure).axes[1].texts if t.get_gid() == LEG_LABEL]
    assert names == [f"add {want.legs['symbol'].iloc[0]} ({float(want.legs['qty'].iloc[0]):+g})"]


def test_the_report_its_units_grid_and_the_default_hedge(
    client: Client, app: Any, direct: margin.Calibration, calibrations: list[int]
) -> None:
    panel = br_widgets.margin_panel(client=client)
    report = present(panel.report)
    assert app.requests[PM] >= 1 and calibrations == [1] and panel.error is None
    pd.testing.assert_frame_equal(present(panel.frame), report.risk_units)
    assert list(report.risk_units.index) == ["BTC", "ETH", "SOL"]
    for coin in report.risk_units.index:
        assert f">{coin}</td>" in panel.units.value
        assert format_value(cell(report.risk_units, coin, "asset_mm")) in panel.units.value
    assert ">-10%</td>" in panel.units.value  # BTC's max-loss move as a percentage
    assert "3 risk units; account (USD) equity <b>448,730.02</b>" in panel.account.value
    # the grid: Bybit's ALL cells, every unit
    assert list(panel.unit.options) == [ALL_UNITS, "BTC", "ETH", "SOL"] and panel.unit.value == ALL_UNITS
    (mesh,) = [c for c in present(panel.figure).axes[0].collections if isinstance(c, QuadMesh)]
    np.testing.assert_array_equal(
        np.ma.asarray(mesh.get_array())[0], report.scenarios[("BTC", "ALL")].to_numpy()
    )
    assert panel.grid_image.value[:4] == b"\x89PNG"
    # the default what-if: BTC (largest MM) loses most on a fall: sell its perpetual, sized to offset it
    units = report.risk_units
    loss = cell(units, "BTC", "asset_mm") - cell(units, "BTC", "contingency_components")
    size = loss / (cell(direct.market, "BTCUSDT", "mark_price") * 0.1)
    assert (panel.symbol.value, panel.side.value) == ("BTCUSDT", "Sell")
    assert panel.size.value == float(f"{size:.2g}")  # two significant digits
    assert "BTCUSDT" in panel.symbol.options and "ETH-26JUL24-2600-P" in panel.symbol.options
    assert_same_what_if(
        panel, expected(direct, [{"symbol": "BTCUSDT", "side": "Sell", "size": panel.size.value}])
    )
    assert cell(present(panel.result).units, "BTC", "mm_change") < 0  # the hedge lowers BTC's MM
    assert panel.what_if_image.value[:4] == b"\x89PNG"


def test_size_side_and_symbol_rerun_the_what_if_without_a_request(
    client: Client, app: Any, direct: margin.Calibration, calibrations: list[int]
) -> None:
    panel = br_widgets.margin_panel(client=client, symbol="BTCUSDT", side="Sell", size=0.2)
    app.reset_counts()
    before = present(panel.result).units.copy()
    panel.size.value = 0.5
    assert_same_what_if(panel, expected(direct, [{"symbol": "BTCUSDT", "side": "Sell", "size": 0.5}]))
    assert not present(panel.result).units["mm_after"].equals(before["mm_after"])
    panel.side.value = "Buy"
    assert_same_what_if(panel, expected(direct, [{"symbol": "BTCUSDT", "side": "Buy", "size": 0.5}]))
    assert cell(present(panel.result).legs, 0, "marginal_mm") > 0  # buying adds to BTC's loss on a fall
    panel.symbol.value = "ETH-26JUL24-2600-P"  # a held option: the calibrated market values it
    assert_same_what_if(
        panel, expected(direct, [{"symbol": "ETH-26JUL24-2600-P", "side": "Buy", "size": 0.5}])
    )
    assert sum(app.requests.values()) == 0 and calibrations == [1]


def test_legs_on_symbols_the_account_does_not_hold(
    client: Client, app: Any, direct: margin.Calibration
) -> None:
    panel = br_widgets.margin_panel(client=client, symbol="XRPUSDT", side="Buy", size=1000.0)
    xrp = cell(client.tickers("linear", symbol="XRPUSDT"), "XRPUSDT", "mark_price")
    leg = {"symbol": "XRPUSDT", "side": "Buy", "size": 1000.0, "category": "linear", "mark_price": xrp}
    assert_same_what_if(panel, expected(direct, [leg]))
    assert list(present(panel.result).units.index) == ["BTC", "ETH", "SOL", "XRP"]  # a new risk unit
    assert cell(present(panel.result).units, "XRP", "mm_before") == 0.0
    app.reset_counts()
    panel.size.value = 2000.0  # the mark is kept for the report: no new request
    assert sum(app.requests.values()) == 0
    chain = client.option_chain("BTC")
    option = "BTC-28JUN24-70000-C"
    panel.symbol.value = option
    market = pd.concat([direct.market, chain.loc[[option], list(direct.market.columns)]])
    leg = {"symbol": option, "side": "Buy", "size": 2000.0, "category": "option",
           "mark_price": cell(chain, option, "mark_price")}  # fmt: skip
    assert_same_what_if(panel, expected(direct, [leg], market))
    app.reset_counts()
    panel.symbol.value = "BTC-28JUN24-80000-C"  # the BTC chain is kept: no new request
    assert (
        sum(app.requests.values()) == 0
        and present(panel.result).legs["symbol"].iloc[0] == "BTC-28JUN24-80000-C"
    )


def test_a_bad_leg_shows_its_error_and_the_panel_recovers(client: Client) -> None:
    panel = br_widgets.margin_panel(client=client, symbol="BTCUSDT", side="Buy", size=0.1)
    panel.symbol.value = "FOO"
    assert panel.error is not None and panel.error.startswith(
        "what-if Buy 0.1 FOO failed: ValueError: 'FOO' is not a derivative symbol"
    )
    assert "br-error" in panel.status._dom_classes and "is not a derivative symbol" in panel.status.value
    assert panel.result is None and panel.what_if_units.value == "" and panel.what_if_image.value == b""
    panel.symbol.value = "BTC-28JUN24-1-C"
    assert panel.error is not None and "BTC-28JUN24-1-C is not live in the BTC option chain" in panel.error
    panel.size.value = 0.0
    assert panel.note == "pick a symbol and a size above 0 for the what-if" and panel.result is None
    panel.symbol.value, panel.size.value = "BTCUSDT", 0.3
    assert panel.error is None and cell(present(panel.result).legs, 0, "qty") == 0.3


def test_a_failing_report_fetch_is_shown_busy_then_failed(spy: Callable[..., Spy]) -> None:
    fake = spy(failing={"portfolio_margin"})
    panel = MarginPanel.__new__(MarginPanel)
    fake.panel = panel
    MarginPanel.__init__(panel, client=fake.as_client())
    assert fake.calls == [
        ("portfolio_margin", True, '<span style="color:#546e7a">loading portfolio-margin report …</span>')
    ]
    assert panel.error == "portfolio-margin report failed: RuntimeError: the exchange is down"
    assert panel.report is None and panel.result is None and panel.units.value == ""
    assert "br-error" in panel.status._dom_classes


def test_a_unit_adds_its_expiries_and_refresh_fetches_a_new_report(
    client: Client, app: Any, calibrations: list[int]
) -> None:
    panel = br_widgets.margin_panel(client=client, symbol="BTCUSDT", side="Buy", size=0.1)
    grid = panel.grid_image.value
    panel.unit.value = "BTC"
    figure = present(panel.figure)
    assert len(figure.axes) == 4 and figure.axes[1].get_title(loc="left").startswith("BTC unit:")
    assert panel.grid_image.value != grid
    app.reset_counts()
    first = panel.report
    panel.refresh.click()
    assert app.requests[PM] >= 1 and panel.report is not first and calibrations == [1, 1]
    assert panel.unit.value == "BTC" and (panel.symbol.value, panel.size.value) == ("BTCUSDT", 0.1)  # kept


def test_bad_side_before_any_request(client: Client, app: Any) -> None:
    app.reset_counts()
    with pytest.raises(ValueError, match=r"side must be one of \['Buy', 'Sell'\], got 'Long'"):
        br_widgets.margin_panel(client=client, side="Long")
    assert sum(app.requests.values()) == 0


def test_a_symbol_without_a_size_gets_ten_thousand_usd(client: Client, direct: margin.Calibration) -> None:
    panel = br_widgets.margin_panel(client=client, symbol="ETHUSDT")
    mark = cell(direct.market, "ETHUSDT", "mark_price")
    assert panel.side.value == "Buy" and panel.size.value == float(f"{DEFAULT_NOTIONAL / mark:.2g}")
    panel.show_symbol("BTCUSD", "inverse")
    assert (panel.symbol.value, panel.size.value) == ("BTCUSD", DEFAULT_NOTIONAL)  # USD contracts
    assert present(panel.result).legs["symbol"].iloc[0] == "BTCUSD"


@pytest.mark.parametrize(
    ("symbol", "category"),
    [("BTC-28JUN24-60000-C", "option"), ("BTCUSD", "inverse"), ("BTCUSDH25", "inverse"),
     ("BTCUSDT", "linear"), ("BTCPERP", "linear"), ("ETHUSDT-27SEP24", "linear"), ("BTC-27SEP24", "linear")],
)  # fmt: skip
def test_category_of(symbol: str, category: str) -> None:
    assert category_of(symbol) == category


def test_category_of_refuses_what_is_no_derivative() -> None:
    with pytest.raises(ValueError, match=r"'BTC/USDT' is not a derivative symbol: options such as"):
        category_of("BTC/USDT")


def test_the_explorers_margin_tab_values_the_selected_contract(client: Client, app: Any) -> None:
    explorer = br_widgets.explorer(client=client)
    assert explorer.tab_names == ("chart", "funding", "open interest", "margin")
    assert explorer.margin is None and app.requests[PM] == 0  # nothing signed is sent before the tab shows
    explorer.tabs.selected_index = 3
    tab: MarginPanel = present(explorer.margin)
    assert explorer.visible_tab == "margin" and explorer.tabs.children[3] is tab
    assert explorer.figure is tab.figure and app.requests[PM] >= 1
    btc = cell(client.tickers("linear", symbol="BTCUSDT"), "BTCUSDT", "mark_price")
    assert (tab.symbol.value, tab.side.value, tab.size.value) == ("BTCUSDT", "Buy", float(f"{1e4 / btc:.2g}"))
    assert present(tab.result).legs["symbol"].tolist() == ["BTCUSDT"]
    explorer.symbol.value = "ETHUSDT"
    eth = cell(client.tickers("linear", symbol="ETHUSDT"), "ETHUSDT", "mark_price")
    assert (tab.symbol.value, tab.size.value) == ("ETHUSDT", float(f"{1e4 / eth:.2g}"))
    assert present(tab.result).legs["symbol"].tolist() == ["ETHUSDT"]
    explorer.tabs.selected_index = 0  # hidden: the tab waits for the next time it shows
    explorer.symbol.value = "SOLUSDT"
    assert tab.symbol.value == "ETHUSDT"
    explorer.tabs.selected_index = 3
    assert tab.symbol.value == "SOLUSDT" and present(tab.result).legs["symbol"].tolist() == ["SOLUSDT"]
    explorer.category.value = (
        "inverse"  # the same tabs: the margin tab stays in view, on the inverse contract
    )
    assert explorer.tab_names[-1] == "margin" and explorer.visible_tab == "margin"
    assert (tab.symbol.value, tab.size.value, tab.leg_category) == ("BTCUSD", 10_000.0, "inverse")
    assert present(tab.result).legs["symbol"].tolist() == ["BTCUSD"] and explorer.margin is tab


class NoPositions:
    """The simulator's client, but Bybit's report of an account without derivatives positions."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def portfolio_margin(self, base_coin: str | None = None) -> margin.PortfolioMarginReport:
        return margin.parse_portfolio_margin({"wallet": {"equity": "1000"}, "assetPnlRange": []}, time=NOW_MS)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


def test_an_account_without_positions(client: Client) -> None:
    panel = MarginPanel(client=cast(Client, NoPositions(client)))
    assert panel.error is None and list(present(panel.frame).index) == []
    assert list(panel.unit.options) == [ALL_UNITS] and "0 risk units" in panel.account.value
    assert (
        present(panel.figure).axes[0].texts[0].get_text()
        == "no risk units (no positions under portfolio margin)"
    )
    # the what-if still works: a first leg makes the first risk unit
    assert (panel.symbol.value, panel.side.value, panel.size.value) == ("BTCUSDT", "Buy", 0.01)
    result = present(panel.result)
    assert list(result.units.index) == ["BTC"] and cell(result.units, "BTC", "mm_before") == 0.0
    assert cell(result.units, "BTC", "mm_after") > 0
