"""``option_chain(base_coin)``: one base coin's options: an expiry selector, the calls and puts of that expiry
with IVs and greeks, and the smile, term-structure and surface plots."""

from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd
from matplotlib.figure import Figure

from .. import plotting
from ..client import Client
from .chain_table import FORMATS, default_expiry, expiry_table, live_codes
from .listing import OPTION_COIN_SUGGESTIONS
from .panel import Panel, css_class
from .render import figure_png, table_html

__all__ = ["PLOTS", "OptionChainPanel"]

#: the plot tabs, in order
PLOTS = ("smile", "term structure", "surface")


class OptionChainPanel(Panel):
    """Every option of a base coin (``br.option_chain``), one expiry at a time.

    Calls ``/v5/market/instruments-info`` and ``/v5/market/tickers`` (``category=option``) when the coin
    changes; the expiry, the smile's x axis and the plot tabs only redraw.

    Parameters
    ----------
    base_coin
        The coin whose options are shown (``"BTC"``); the coin box changes it.
    client
        The client to fetch with; default the default client.
    chain
        A chain frame already fetched (the explorer passes its own): shown without fetching.
    expiry
        The expiry code shown first; default the first live expiry a week or more away.

    Attributes
    ----------
    coin
        ``widgets.Combobox`` of the base coin (class ``br-chain-coin``; type any coin, then Enter).
    expiry
        ``widgets.Dropdown`` of the live expiry codes (class ``br-expiry``).
    x
        ``widgets.ToggleButtons`` ``strike`` / ``moneyness``: the smile's x axis (class ``br-smile-x``).
    table
        ``widgets.HTML``: the expiry's calls and puts (class ``br-chain-table``).
    plots
        ``widgets.Tab`` of :data:`PLOTS`, each a ``widgets.Image`` (classes ``br-smile-image``,
        ``br-term-image``, ``br-surface-image``).
    chain
        The chain frame shown.
    frame
        The expiry's calls and puts (:func:`~bybit_research.widgets.chain_table.expiry_table`).
    figure
        The figure of the visible plot tab; :attr:`figures` holds each drawn one by tab name.
    """

    def __init__(
        self,
        base_coin: str = "BTC",
        client: Client | None = None,
        *,
        chain: pd.DataFrame | None = None,
        expiry: str | None = None,
    ):
        super().__init__(client, "option-chain")
        self.chain: pd.DataFrame | None = None
        self.figures: dict[str, Figure] = {}
        self._drawn: dict[str, tuple[object, ...]] = {}
        self._quiet = False
        self.coin = css_class(
            widgets.Combobox(
                value=base_coin.strip().upper(),
                options=list(OPTION_COIN_SUGGESTIONS),
                ensure_option=False,
                continuous_update=False,
                description="base coin",
                layout=widgets.Layout(width="190px"),
            ),
            "chain-coin",
        )
        self.expiry = css_class(
            widgets.Dropdown(options=[], description="expiry", layout=widgets.Layout(width="200px")), "expiry"
        )
        self.x = css_class(
            widgets.ToggleButtons(
                options=["strike", "moneyness"], value="strike", style={"button_width": "95px"}
            ),
            "smile-x",
        )
        self.heading = css_class(widgets.HTML(""), "chain-title")
        self.table = css_class(
            widgets.HTML("", layout=widgets.Layout(max_height="330px", overflow="auto")), "chain-table"
        )
        classes = {"smile": "smile-image", "term structure": "term-image", "surface": "surface-image"}
        self.images = {
            name: css_class(widgets.Image(format="png", layout=widgets.Layout(width="100%")), classes[name])
            for name in PLOTS
        }
        self.plots = css_class(
            widgets.Tab(children=[self.images[n] for n in PLOTS], titles=list(PLOTS)),
            "chain-plots",
        )
        self.children = [
            widgets.HBox([self.coin, self.expiry, self.x, self.status]),
            self.heading,
            self.table,
            self.plots,
        ]
        self.coin.observe(self._coin_changed, "value")
        self.expiry.observe(self._view_changed, "value")
        self.x.observe(self._view_changed, "value")
        self.plots.observe(self._view_changed, "selected_index")
        if chain is not None:
            self.show_chain(chain, expiry)
        else:
            self.load(self.coin.value, expiry)

    # ------------------------------------------------------------------------------------------ data

    def load(self, base_coin: str, expiry: str | None = None) -> None:
        """Fetch the chain of ``base_coin`` and show it at ``expiry`` (the status line says what failed, if
        it fails)."""
        coin = base_coin.strip().upper()
        chain = self.attempt(f"{coin} option chain", lambda: self.client.option_chain(coin))
        if chain is not None:
            self.show_chain(chain, expiry)

    def show_chain(self, chain: pd.DataFrame, expiry: str | None = None) -> None:
        """Show a chain frame: offer its live expiries, pick ``expiry`` (default the first a week or more
        away) and draw."""
        self.chain = chain
        self._drawn.clear()
        codes = self.attempt("expiries", lambda: live_codes(chain)) or []
        pick = expiry if expiry in codes else self.attempt("expiries", lambda: default_expiry(chain))
        self._quiet = True
        try:
            coin = chain["base_coin"].iloc[0] if "base_coin" in chain.columns and len(chain) else None
            if coin is not None and self.coin.value != coin:
                self.coin.value = str(coin)
            self.expiry.options = codes
            self.expiry.value = pick if pick in codes else None
        finally:
            self._quiet = False
        self.refresh()

    def clear(self) -> None:
        """Show no chain (the explorer's option listing failed)."""
        self.chain, self.frame, self.figure = None, None, None
        self.figures.clear()
        self._drawn.clear()
        self._quiet = True
        try:
            self.expiry.options = []
        finally:
            self._quiet = False
        self.heading.value = self.table.value = ""
        for image in self.images.values():
            image.value = b""

    def select_expiry(self, expiry: str) -> None:
        """Show ``expiry`` (a live code of the chain; others are ignored)."""
        if expiry in self.expiry.options:
            self.expiry.value = expiry

    # ------------------------------------------------------------------------------------------ views

    def _coin_changed(self, change: dict[str, object]) -> None:
        if not self._quiet and change["new"]:
            self.load(str(change["new"]))

    def _view_changed(self, _: object) -> None:
        if not self._quiet:
            self.refresh()

    def refresh(self) -> None:
        """Redraw the table and the visible plot for the chosen expiry."""
        chain, expiry = self.chain, self.expiry.value
        if chain is None or expiry is None:
            self.frame = None
            self.table.value = "<i>no live expiry</i>" if chain is not None else ""
            return
        table = self.attempt(f"expiry {expiry}", lambda: expiry_table(chain, expiry))
        if table is None:
            return
        self.frame = table
        forward = table.attrs["forward"]
        self.heading.value = (
            f"<b>{html.escape(str(self.coin.value))} {html.escape(expiry)}</b>: expiry "
            f"{pd.Timestamp(table.attrs['expiry']):%Y-%m-%d %H:%M} UTC, forward {forward:,.2f}, "
            f"{len(table)} strikes (the strike nearest the forward in bold; IVs per year)"
        )
        self.table.value = table_html(table, formats=FORMATS, highlight=table.attrs["atm_strike"])
        self._draw_visible()

    def _draw_visible(self) -> None:
        name = PLOTS[self.plots.selected_index or 0]
        chain = self.chain
        assert chain is not None
        expiry, x = str(self.expiry.value), str(self.x.value)
        key = {"smile": (expiry, x), "term structure": (expiry,), "surface": ()}[name]
        if self._drawn.get(name) == key and name in self.figures:
            self.figure = self.figures[name]
            return
        draw = {
            "smile": lambda: plotting.smile(chain, expiry, x=x),
            "term structure": lambda: plotting.term_structure(chain, expiry=expiry),
            "surface": lambda: plotting.surface(chain),
        }[name]
        figure = self.attempt(name, draw)
        if figure is None:
            self.images[name].value = b""
            self.figure = None
            return
        self.figures[name], self._drawn[name], self.figure = figure, key, figure
        self.images[name].value = figure_png(figure)
