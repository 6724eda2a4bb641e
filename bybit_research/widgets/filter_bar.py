"""The explorer's row of filters: those of the category shown (:data:`~bybit_research.widgets.listing.
FILTERS`), the request parameters (instrument status, the options' base coin) and the search box."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
import pandas as pd

from ..endpoints.checks import INSTRUMENT_STATUSES
from .listing import FILTERS, OPTION_COIN_SUGGESTIONS, choices
from .panel import css_class, dropdown

__all__ = ["ALL", "FilterBar"]

#: the value of a filter that keeps every row
ALL = "all"


class FilterBar(widgets.HBox):
    """The filters of one category at a time; tells its owner when a local or a fetch filter changes.

    Attributes
    ----------
    filters
        Column -> ``widgets.Dropdown`` of every local filter (class ``br-filter-<column>``), "all" first.
    fetch_status
        ``widgets.Dropdown`` of ``status`` for ``/v5/market/instruments-info`` (class ``br-fetch-status``;
        spot, linear and inverse; default Trading).
    option_coin
        ``widgets.Combobox`` of the options' base coin (class ``br-option-coin``; type a coin, then Enter).
    search
        ``widgets.Text`` the symbol must contain (class ``br-search``; applied on Enter).
    """

    def __init__(self, on_local: Callable[[], None], on_fetch: Callable[[], None]) -> None:
        super().__init__(layout=widgets.Layout(flex_flow="row wrap"))
        self._quiet = False
        labels = {f.column: f.label for filters in FILTERS.values() for f in filters}
        self.filters = {
            column: dropdown(f"filter-{column}", label, [ALL]) for column, label in labels.items()
        }
        self.fetch_status = dropdown("fetch-status", "status", list(INSTRUMENT_STATUSES), "Trading")
        self.option_coin = css_class(
            widgets.Combobox(
                value="BTC",
                options=list(OPTION_COIN_SUGGESTIONS),
                ensure_option=False,
                continuous_update=False,
                description="base coin",
                layout=widgets.Layout(width="210px"),
            ),
            "option-coin",
        )
        self.search = css_class(
            widgets.Text(
                placeholder="symbol contains …",
                continuous_update=False,
                description="search",
                layout=widgets.Layout(width="230px"),
            ),
            "search",
        )
        for box in (*self.filters.values(), self.search):
            box.observe(lambda _: None if self._quiet else on_local(), "value")
        for box in (self.fetch_status, self.option_coin):
            box.observe(lambda _: None if self._quiet else on_fetch(), "value")

    @property
    def coin(self) -> str:
        """The options' base coin, upper case."""
        return str(self.option_coin.value).strip().upper()

    def show(self, category: str) -> None:
        """Show the filters of ``category``, every local filter back at "all" and the search box empty."""
        self._quiet = True
        try:
            for box in self.filters.values():
                box.options, box.value = [ALL], ALL
            self.search.value = ""
            shown: list[widgets.Widget] = [self.option_coin] if category == "option" else []
            shown += [self.filters[f.column] for f in FILTERS[category]]
            shown += [] if category == "option" else [self.fetch_status]
            self.children = [*shown, self.search]
        finally:
            self._quiet = False

    def offer(self, listing: pd.DataFrame | None) -> None:
        """Offer the values of ``listing`` in every local filter (each back at "all")."""
        self._quiet = True
        try:
            for column, box in self.filters.items():
                values = choices(listing, column) if listing is not None else []
                box.options, box.value = [ALL, *values], ALL
        finally:
            self._quiet = False

    def picked(self, category: str) -> dict[str, str | None]:
        """Column -> the value picked in each filter of ``category`` (None for "all")."""
        values = {f.column: self.filters[f.column].value for f in FILTERS[category]}
        return {column: None if value in (ALL, None) else str(value) for column, value in values.items()}
