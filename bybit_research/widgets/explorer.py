"""``explorer()``: browse the instruments of each category, look at one, see how it trades.

Top to bottom: the category; the filters that fit it (:mod:`bybit_research.widgets.filter_bar`); the
instrument table (instruments joined with their tickers); the symbol picker and the range; the selected
instrument's details and ticker; and the tabs: a candle chart for every category, funding and open interest
for linear and inverse contracts, the option-chain panel (and the mark-price chart) for options, and for
derivatives the account's portfolio margin with the selected contract as the what-if's leg.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as widgets
import pandas as pd
from matplotlib.figure import Figure

from ..client import Client
from .chart import ChartPanel
from .derivatives import FundingPanel, OpenInterestPanel
from .details import FORMATS, describe
from .filter_bar import FilterBar
from .listing import CATEGORIES, TABLE_COLUMNS, filter_listing, listing_frame
from .margin import MarginPanel
from .option_chain import OptionChainPanel
from .panel import Panel, css_class, dropdown
from .render import table_html
from .timeseries import RANGES, SeriesPanel, Target

__all__ = ["DEFAULT_RANGE", "TABS", "Explorer"]

DEFAULT_RANGE = "1w"
#: the tabs of each category, in order
TABS: dict[str, tuple[str, ...]] = {
    "spot": ("chart",),
    "linear": ("chart", "funding", "open interest", "margin"),
    "inverse": ("chart", "funding", "open interest", "margin"),
    "option": ("chain", "chart", "margin"),
}


class Explorer(Panel):
    """The instrument explorer: category -> filters -> instrument table -> one instrument's details, ticker
    and charts.

    Calls ``/v5/market/instruments-info`` and ``/v5/market/tickers`` per category (options: the option
    chain of the chosen base coin, and its instruments), then, for the selected instrument and the visible
    tab only, the kline, funding-history or open-interest endpoints.

    Parameters
    ----------
    category
        The category shown first: ``"spot"``, ``"linear"`` (default), ``"inverse"`` or ``"option"``.
    client
        The client to fetch with; default the default client.

    Attributes
    ----------
    category
        ``widgets.ToggleButtons`` of :data:`~bybit_research.widgets.listing.CATEGORIES` (class
        ``br-category``).
    filter_bar
        The :class:`~bybit_research.widgets.filter_bar.FilterBar` (its ``filters``, ``fetch_status``,
        ``option_coin`` and ``search`` widgets).
    count, table
        ``widgets.HTML``: how many instruments pass the filters, and their table (classes ``br-count``,
        ``br-table``; the selected instrument's row in bold).
    symbol
        ``widgets.Dropdown`` of the filtered symbols (class ``br-symbol``).
    range
        ``widgets.Dropdown`` of :data:`~bybit_research.widgets.timeseries.RANGES` (class ``br-range``),
        ending now on the exchange's clock; the time-series tabs share it.
    details, ticker
        ``widgets.HTML`` of the selected instrument's fields and its ticker (classes ``br-details``,
        ``br-ticker``).
    tabs
        ``widgets.Tab`` of the category's :data:`TABS` (class ``br-tabs``).
    chart, funding, open_interest, chain, margin
        The tab panels (:class:`~bybit_research.widgets.chart.ChartPanel`, ``FundingPanel``,
        ``OpenInterestPanel``, :class:`~bybit_research.widgets.option_chain.OptionChainPanel`,
        :class:`~bybit_research.widgets.margin.MarginPanel`; the chain panel is made with the first
        option listing, the margin panel when its tab is first shown: it fetches the account's
        portfolio-margin report, signed, and values the selected contract as its what-if leg).
    listing
        The category's unfiltered listing: instruments joined with their tickers (options: the chain).
    instruments
        The category's instruments frame (``br.instruments``).
    frame
        The filtered listing the table shows.
    figure
        The figure of the visible tab.
    """

    def __init__(self, category: str = "linear", client: Client | None = None) -> None:
        if not isinstance(category, str) or category.strip().lower() not in CATEGORIES:
            raise ValueError(f"category must be one of {list(CATEGORIES)}, got {category!r}")
        super().__init__(client, "explorer")
        self.listing: pd.DataFrame | None = None
        self.instruments: pd.DataFrame | None = None
        self._quiet = False
        self.category = css_class(
            widgets.ToggleButtons(
                options=list(CATEGORIES),
                value=category.strip().lower(),
                style={"button_width": "80px"},
                layout=widgets.Layout(flex="0 0 auto"),
            ),
            "category",
        )
        self.filter_bar = FilterBar(on_local=self._apply_filters, on_fetch=self._refetch)
        self.count = css_class(widgets.HTML(""), "count")
        self.table = css_class(
            widgets.HTML("", layout=widgets.Layout(max_height="260px", overflow="auto")), "table"
        )
        self.symbol = dropdown("symbol", "symbol", [], width="330px")
        self.range = dropdown("range", "range", list(RANGES), DEFAULT_RANGE, width="170px")
        self.details = css_class(widgets.HTML(""), "details")
        self.ticker = css_class(widgets.HTML(""), "ticker")
        self.chart = ChartPanel(self.client)
        self.funding = FundingPanel(self.client)
        self.open_interest = OpenInterestPanel(self.client)
        self.chain: OptionChainPanel | None = None
        self.margin: MarginPanel | None = None
        self._margin_shown: tuple[object, str] | None = None  # the (symbol, category) the margin tab values
        self._margin_placeholder = css_class(
            widgets.HTML("<i>the account's portfolio margin loads when this tab is shown</i>"),
            "margin-waiting",
        )
        self.tabs = css_class(widgets.Tab(), "tabs")
        self.children = [
            widgets.HBox([self.category, self.status]),
            self.filter_bar,
            self.count,
            self.table,
            widgets.HBox([self.symbol, self.range]),
            widgets.HBox(
                [self.details, self.ticker], layout=widgets.Layout(max_height="300px", overflow="auto")
            ),
            self.tabs,
        ]
        self.category.observe(lambda _: self._unless_quiet(self.show_category), "value")
        self.symbol.observe(lambda _: self._unless_quiet(self._show_symbol), "value")
        self.range.observe(lambda _: self._unless_quiet(self._show_symbol), "value")
        self.tabs.observe(lambda _: self._unless_quiet(self._activate_tab), "selected_index")
        self.show_category()

    def _unless_quiet(self, action: Callable[[], None]) -> None:
        if not self._quiet:
            action()

    @property
    def figure(self) -> Figure | None:
        """The figure of the visible tab (None while it has none)."""
        shown = self._panels().get(self.visible_tab)
        return shown.figure if shown is not None else None

    @figure.setter
    def figure(self, value: Figure | None) -> None:
        raise AttributeError("Explorer.figure is the figure of the visible tab; set the tab's instead")

    # ------------------------------------------------------------------------------------------ tabs

    @property
    def tab_names(self) -> tuple[str, ...]:
        """The tabs of the current category."""
        return TABS[str(self.category.value)]

    @property
    def visible_tab(self) -> str:
        """The name of the tab shown."""
        return self.tab_names[self.tabs.selected_index or 0]

    def _panels(self) -> dict[str, Panel | None]:
        return {"chart": self.chart, "funding": self.funding, "open interest": self.open_interest,
                "chain": self.chain, "margin": self.margin}  # fmt: skip

    def _series_panels(self) -> list[SeriesPanel]:
        """The time-series panels of the current category's tabs."""
        return [p for n, p in self._panels().items() if n in self.tab_names and isinstance(p, SeriesPanel)]

    def _set_tabs(self, keep: bool = False) -> None:
        """Give the tabs the current category's panels; the first tab is shown unless ``keep``."""
        panels = self._panels()
        shown = self.tabs.selected_index or 0
        placeholders = {"margin": self._margin_placeholder}
        children = [panels[name] or placeholders.get(name) or widgets.HTML("") for name in self.tab_names]
        if list(self.tabs.children) != children:
            self._quiet = True
            try:
                self.tabs.children = children
                self.tabs.titles = list(self.tab_names)
                self.tabs.selected_index = shown if keep and shown < len(children) else 0
            finally:
                self._quiet = False

    def _activate_tab(self) -> None:
        """Draw the visible tab if its target changed since it last drew; hide the others."""
        shown = self._panels()[self.visible_tab]
        for panel in (self.chart, self.funding, self.open_interest):
            panel.activate(panel is shown)
        if self.visible_tab == "margin":
            self._show_margin()

    def _show_margin(self) -> None:
        """Value the selected contract as the margin tab's what-if leg (making the panel the first time)."""
        symbol, category = self.symbol.value, str(self.category.value)
        if self.margin is None:
            self.margin = MarginPanel(client=self.client, symbol=symbol, category=category)
            self._margin_shown = (symbol, category)
            self._set_tabs(keep=True)
        elif symbol is not None and self._margin_shown != (symbol, category):
            self._margin_shown = (symbol, category)
            self.margin.show_symbol(str(symbol), category)

    # ------------------------------------------------------------------------------------------ flow

    def show_category(self) -> None:
        """Show the current category: its filters reset to "all", its listing fetched, its first symbol."""
        self.filter_bar.show(str(self.category.value))
        self._refetch()

    def _refetch(self) -> None:
        """Fetch the listing again (a new category, status or option coin) and show it."""
        category = str(self.category.value)
        fetched = self.attempt(f"{category} instruments", lambda: self._fetch(category))
        self.instruments, self.listing = fetched if fetched is not None else (None, None)
        self.filter_bar.offer(self.listing)
        self._apply_filters()

    def _fetch(self, category: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        if category == "option":
            coin = self.filter_bar.coin
            chain = self.client.option_chain(coin)
            return self.client.instruments("option", base_coin=coin), chain
        instruments = self.client.instruments(category, status=str(self.filter_bar.fetch_status.value))
        return instruments, listing_frame(instruments, self.client.tickers(category))

    def _apply_filters(self) -> None:
        """Filter the listing and offer its symbols (keeping the selected one if it is still there)."""
        category, listing = str(self.category.value), self.listing
        if listing is None:
            self.frame, self.count.value = None, ""
            self._set_symbols([])
            return
        picked = self.filter_bar.picked(category)
        self.frame = filter_listing(listing, picked, str(self.filter_bar.search.value))
        coin = f" ({html.escape(self.filter_bar.coin)} options)" if category == "option" else ""
        self.count.value = f"<b>{len(self.frame)}</b> of {len(listing)} {category} instruments{coin}"
        self._set_symbols([str(s) for s in self.frame.index])

    def _set_symbols(self, symbols: list[str]) -> None:
        previous = self.symbol.value
        self._quiet = True
        try:
            self.symbol.options = symbols
            self.symbol.value = previous if previous in symbols else (symbols[0] if symbols else None)
        finally:
            self._quiet = False
        self._show_symbol()

    def _show_symbol(self) -> None:
        """Show the selected instrument's row, details and ticker, and give its target to every tab."""
        symbol, category = self.symbol.value, str(self.category.value)
        self._set_tabs()
        if self.frame is None:
            self.table.value = "<i>no listing</i>"
        else:
            self.table.value = table_html(
                self.frame, TABLE_COLUMNS[category], formats=FORMATS, highlight=symbol
            )
        if symbol is None or self.listing is None:
            self.details.value = self.ticker.value = ""
            for panel in self._series_panels():
                panel.clear()
            if self.chain is not None and self.listing is None:
                self.chain.clear()  # no chain behind an option listing that failed
            return
        self.details.value, self.ticker.value = describe(
            str(symbol), category, self.instruments, self.listing
        )
        start = self.client.server_now_ms() - RANGES[str(self.range.value)]
        target = Target(str(symbol), category, start, str(self.range.value), self.instruments)
        for panel in self._series_panels():
            panel.show(target)
        if category == "option":
            self._show_chain(str(symbol))
        self._activate_tab()

    def _show_chain(self, symbol: str) -> None:
        """Show the listing's chain in the chain tab, at the selected option's expiry."""
        listing = self.listing
        assert listing is not None
        code = str(listing.at[symbol, "expiry_code"]) if "expiry_code" in listing.columns else None
        if self.chain is None:
            self.chain = OptionChainPanel(self.filter_bar.coin, self.client, chain=listing, expiry=code)
            self.chain.coin.layout.display = "none"  # the explorer's coin box chooses the coin
            self._set_tabs()
        elif self.chain.chain is not listing:
            self.chain.show_chain(listing, code)
        elif code is not None:
            self.chain.select_expiry(code)
