"""explorer(): category -> filters that fit it -> instrument table -> details, ticker and the visible tab,
read back from widget values, against the simulator at the fixed clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from bybit_research import widgets as br_widgets
from bybit_research.client import Client
from bybit_research.widgets import Explorer
from bybit_research.widgets.chart import MAX_CANDLES
from bybit_research.widgets.timeseries import RANGES

from ..conftest import NOW_MS
from ..plotting.drawn import ys
from .conftest import Spy, present

KLINE, FUNDING, OI = "/v5/market/kline", "/v5/market/funding/history", "/v5/market/open-interest"


@pytest.fixture
def explorer(client: Client) -> Explorer:
    return br_widgets.explorer(client=client)


def shown_filters(explorer: Explorer) -> list[str]:
    """The CSS classes of the widgets in the filter row, in order."""
    return [next(c for c in w._dom_classes if c.startswith("br-")) for w in explorer.filter_bar.children]


def test_linear_first_its_table_symbols_and_chart(explorer: Explorer, client: Client, app: Any) -> None:
    assert explorer.category.value == "linear" and list(explorer.category.options) == [
        "spot", "linear", "inverse", "option"
    ]  # fmt: skip
    assert shown_filters(explorer) == [
        *("br-filter-base_coin", "br-filter-settle_coin", "br-filter-contract_type"),
        *("br-fetch-status", "br-search"),
    ]
    instruments = client.instruments("linear")
    assert explorer.frame is not None and list(present(explorer.frame).index) == list(instruments.index)
    assert (
        list(explorer.symbol.options) == list(instruments.index)
        and explorer.symbol.value == instruments.index[0]
    )
    assert explorer.count.value == f"<b>{len(instruments)}</b> of {len(instruments)} linear instruments"
    assert list(explorer.filter_bar.filters["contract_type"].options) == [
        "all",
        "LinearFutures",
        "LinearPerpetual",
    ]
    assert (
        explorer.tab_names == ("chart", "funding", "open interest", "margin")
        and explorer.tabs.titles == explorer.tab_names
    )
    assert "BTCUSDT</td>" in explorer.table.value and "font-weight:bold" in explorer.table.value
    assert (
        "BTCUSDT (linear): instrument" in explorer.details.value and "max_leverage" in explorer.details.value
    )
    assert "BTCUSDT: ticker" in explorer.ticker.value and "funding_rate" in explorer.ticker.value
    # the chart: a week of hourly last-price candles up to the exchange's clock
    chart = explorer.chart
    assert explorer.figure is chart.figure and chart.figure is not None
    assert (
        present(chart.figure)
        .axes[0]
        .get_title(loc="left")
        .startswith("BTCUSDT (linear) last-price 1h klines, 2024-06-08")
    )
    expected = client.klines("BTCUSDT", "60", start=NOW_MS - RANGES["1w"])
    pd.testing.assert_frame_equal(present(chart.frame), expected)
    assert len(present(chart.frame)) == 168 and chart.image.value[:4] == b"\x89PNG"
    assert "168 rows of /v5/market/kline" in chart.caption.value
    # hidden tabs fetched nothing
    assert app.requests[FUNDING] == 0 and app.requests[OI] == 0


def test_the_tabs_fetch_when_shown(explorer: Explorer, client: Client, app: Any) -> None:
    explorer.tabs.selected_index = 1
    funding = explorer.funding
    assert explorer.visible_tab == "funding" and explorer.figure is funding.figure is not None
    assert app.requests[FUNDING] >= 1 and app.requests[OI] == 0
    assert (present(funding.frame)["symbol"] == "BTCUSDT").all()
    first = pd.Timestamp(NOW_MS - RANGES["1w"], unit="ms", tz="UTC").ceil("8h")
    # from the first settlement in the range: no warning of history starting later
    assert present(funding.frame).index[0] == first and funding.note is None
    np.testing.assert_allclose(
        ys(present(funding.figure).axes[0].get_lines()[0]),
        present(funding.frame)["funding_rate"] * 100,
    )
    explorer.tabs.selected_index = 2
    oi = explorer.open_interest
    assert app.requests[OI] >= 1 and oi.frame is not None and explorer.figure is oi.figure
    assert present(oi.figure).axes[0].get_title(loc="left").startswith("BTCUSDT (linear) open interest (1h)")
    explorer.symbol.value = "ETHUSDT"  # only the visible tab draws the new symbol
    assert oi.frame is not None and present(oi.figure).axes[0].get_title(loc="left").startswith("ETHUSDT")
    assert explorer.chart.stale and present(explorer.chart.figure).axes[0].get_title(loc="left").startswith(
        "BTCUSDT"
    )
    explorer.tabs.selected_index = 0
    assert not explorer.chart.stale and present(explorer.chart.figure).axes[0].get_title(
        loc="left"
    ).startswith("ETHUSDT")


def test_local_filters_and_search(explorer: Explorer) -> None:
    listing = explorer.listing
    assert listing is not None
    explorer.filter_bar.filters["contract_type"].value = "LinearFutures"
    futures = listing[listing["contract_type"] == "LinearFutures"]
    assert list(present(explorer.frame).index) == list(futures.index)
    assert explorer.symbol.value == futures.index[0] and explorer.count.value.startswith(
        f"<b>{len(futures)}</b>"
    )
    explorer.tabs.selected_index = 1
    assert (
        explorer.funding.note
        == f"{futures.index[0]} is a dated future: it pays no funding (it settles at delivery)"
    )
    assert explorer.funding.figure is None and explorer.funding.error is None
    explorer.filter_bar.search.value = "eth"
    assert list(explorer.symbol.options) == [s for s in futures.index if "ETH" in s] != []
    explorer.filter_bar.search.value = "no such symbol"
    assert explorer.symbol.options == () and explorer.symbol.value is None and explorer.figure is None
    assert explorer.details.value == "" and explorer.chart.figure is None


def test_every_category_has_its_filters_tabs_and_flavours(explorer: Explorer, client: Client) -> None:
    explorer.category.value = "spot"
    assert shown_filters(explorer) == [
        "br-filter-base_coin",
        "br-filter-quote_coin",
        "br-fetch-status",
        "br-search",
    ]
    assert explorer.tab_names == ("chart",) and list(explorer.chart.price.options) == ["last"]
    assert list(explorer.symbol.options) == list(client.instruments("spot").index)
    assert explorer.chart.frame is not None and present(explorer.chart.frame).attrs["category"] == "spot"
    explorer.category.value = "inverse"
    assert shown_filters(explorer) == [
        "br-filter-base_coin",
        "br-filter-contract_type",
        "br-fetch-status",
        "br-search",
    ]
    assert list(explorer.chart.price.options) == ["last", "mark", "index"]
    explorer.chart.price.value = "index"
    assert present(explorer.chart.frame).attrs["endpoint"] == "/v5/market/index-price-kline"
    explorer.category.value = "linear"  # the flavour chosen is kept where the category has it
    assert list(explorer.chart.price.options) == ["last", "mark", "index", "premium"]
    assert (
        explorer.chart.price.value == "index"
        and present(explorer.chart.frame).attrs["endpoint"] == "/v5/market/index-price-kline"
    )
    assert explorer.filter_bar.search.value == "" and explorer.filter_bar.filters["base_coin"].value == "all"


def test_options_list_the_chain_and_open_the_chain_panel(explorer: Explorer, client: Client) -> None:
    explorer.category.value = "option"
    assert shown_filters(explorer) == [
        "br-option-coin", "br-filter-expiry_code", "br-filter-option_type", "br-filter-status", "br-search"
    ]  # fmt: skip
    chain = client.option_chain("BTC")
    assert explorer.listing is not None and list(explorer.listing.index) == list(chain.index)
    assert explorer.tab_names == ("chain", "chart", "margin") and explorer.visible_tab == "chain"
    panel = explorer.chain
    assert panel is not None and explorer.figure is panel.figure is not None
    first = str(chain["expiry_code"].iloc[0])
    assert panel.expiry.value == first  # the selected option's expiry
    explorer.filter_bar.filters["expiry_code"].value = "28JUN24"
    explorer.filter_bar.filters["option_type"].value = "Put"
    picked = chain[(chain["expiry_code"] == "28JUN24") & (chain["option_type"] == "Put")]
    assert list(explorer.symbol.options) == list(picked.index)
    assert panel.expiry.value == "28JUN24" and panel.frame is not None
    assert present(panel.figure).axes[0].get_title(loc="left").startswith("BTC options 28JUN24")
    explorer.tabs.selected_index = 1
    assert list(explorer.chart.price.options) == ["mark"]
    assert (
        explorer.chart.frame is not None
        and present(explorer.chart.frame).attrs["endpoint"] == "/v5/market/mark-price-kline"
    )
    explorer.filter_bar.option_coin.value = "eth"
    assert explorer.count.value.endswith("option instruments (ETH options)")
    assert set(explorer.listing["base_coin"]) == {"ETH"} and panel.chain is explorer.listing


def test_a_coin_without_options_shows_bybits_error_and_no_stale_chain(client: Client) -> None:
    explorer = Explorer("option", client)
    assert explorer.chain is not None and explorer.chain.chain is explorer.listing
    explorer.filter_bar.option_coin.value = "xrp"
    assert explorer.error is not None and explorer.error.startswith(
        "option instruments failed: InvalidRequestError"
    )
    assert "no options on XRP" in explorer.error and explorer.listing is None
    assert explorer.chain.chain is None and explorer.figure is None and explorer.chain.expiry.options == ()
    explorer.filter_bar.option_coin.value = "BTC"
    assert explorer.error is None and explorer.chain.chain is explorer.listing and explorer.figure is not None


def test_interval_and_range_refetch_the_chart(explorer: Explorer) -> None:
    chart = explorer.chart
    explorer.range.value = "1d"
    assert len(present(chart.frame)) == 24 and present(chart.frame).index[0] >= pd.Timestamp(
        NOW_MS - RANGES["1d"], unit="ms", tz="UTC"
    )
    chart.interval.value = "15"
    assert len(present(chart.frame)) == 96 and present(chart.frame).attrs["params"]["interval"] == "15"
    assert "15m klines" in present(chart.figure).axes[0].get_title(loc="left")
    chart.interval.value = "1"
    explorer.range.value = "1y"  # 525 600 one-minute candles: refused before any request
    assert chart.figure is None and chart.frame is None and chart.image.value == b""
    assert chart.error == (
        "chart of BTCUSDT failed: ValueError: 1y of 1m candles is 525,601 candles, more than the chart "
        f"fetches ({MAX_CANDLES:,}); pick an interval of 15m, 30m, 1h, 2h, 4h, 6h, 12h, 1d, 1w, 1M or a "
        "shorter range"
    )
    chart.interval.value = "D"
    assert chart.error is None and len(present(chart.frame)) == 365


def test_a_failing_fetch_is_shown_in_the_panel(spy: Callable[..., Spy]) -> None:
    failing = spy(failing={"tickers"})
    explorer = Explorer("linear", failing.as_client())
    assert explorer.error == "linear instruments failed: RuntimeError: the exchange is down"
    assert "br-error" in explorer.status._dom_classes and "the exchange is down" in explorer.status.value
    assert (
        explorer.listing is None
        and explorer.symbol.options == ()
        and explorer.table.value == "<i>no listing</i>"
    )
    failing.failing = set()
    explorer.category.value = "spot"
    assert explorer.error is None and explorer.listing is not None and explorer.chart.figure is not None
    failing.failing = {"klines"}
    explorer.symbol.value = explorer.symbol.options[1]
    assert (
        explorer.chart.error == f"chart of {explorer.symbol.value} failed: RuntimeError: the exchange is down"
    )
    assert explorer.error is None and explorer.details.value != ""  # the rest of the panel still works


def test_the_status_line_is_busy_during_each_fetch(spy: Callable[..., Spy]) -> None:
    recording = spy()
    explorer = Explorer.__new__(Explorer)  # the panel records itself before its first fetch
    recording.panel = explorer
    Explorer.__init__(explorer, "spot", recording.as_client())
    listing_calls = [
        (name, busy, text) for name, busy, text in recording.calls if name in ("instruments", "tickers")
    ]
    assert listing_calls == [
        ("instruments", True, '<span style="color:#546e7a">loading spot instruments …</span>'),
        ("tickers", True, '<span style="color:#546e7a">loading spot instruments …</span>'),
    ]
    assert not explorer.busy and explorer.status.value == ""


def test_bad_category() -> None:
    with pytest.raises(
        ValueError, match=r"category must be one of \['spot', 'linear', 'inverse', 'option'\], got 'perp'"
    ):
        br_widgets.explorer("perp")
