"""``margin_panel()``: the account's portfolio margin: its risk units, Bybit's scenario grid, and what-if
controls (symbol, side, size -> IM/MM change per risk unit and the leg's marginal margin).

The report (``/v5/asset/portfolio-margin``) is fetched once and calibrated once
(:func:`bybit_research.margin.calibrate`); every what-if values the calibrated book with the leg added
(:func:`bybit_research.margin.what_if`), so a change of the controls sends no request for symbols the
account holds (others: one ticker or chain, kept for the report). The refresh button fetches a new report.
"""

from __future__ import annotations

import html
import math

import ipywidgets as widgets
import pandas as pd
from matplotlib.figure import Figure

from .. import plotting
from ..analytics.margin import Calibration, PortfolioMarginReport, WhatIf, calibrate, what_if
from ..client import Client
from ..plotting.what_if import account_line
from .margin_legs import SIDES, LegMarket, hedge_default
from .panel import Panel, css_class, dropdown
from .render import figure_png, table_html

__all__ = ["ALL_UNITS", "UNIT_COLUMNS", "MarginPanel"]

#: the unit picker's entry drawing the grid of every unit without a unit's composition
ALL_UNITS = "all units"
#: the risk-unit table's columns (Bybit's fields of each ``assetPnlRange`` entry)
UNIT_COLUMNS = (
    "asset_mm", "asset_im", "contingency_components", "max_loss_price_move", "max_loss_iv_shock",
    "future_contingency", "future_delta_contingency", "option_contingency", "option_vega_contingency",
    "usdt_usdc_contingency", "total_close_pz_fee",
)  # fmt: skip
WHAT_IF_COLUMNS = ("mm_before", "mm_after", "mm_change", "im_before", "im_after", "im_change")
LEG_COLUMNS = ("action", "symbol", "base_coin", "qty", "marginal_mm", "marginal_im")


def _percent(value: object) -> str:
    number = float(value) if isinstance(value, int | float) else math.nan
    return "" if not math.isfinite(number) else f"{number * 100:+g}%"


def _money(value: object) -> str:
    number = float(value) if isinstance(value, int | float) else math.nan
    return "" if not math.isfinite(number) else f"{number:,.2f}"


_UNIT_FORMATS = {"max_loss_price_move": _percent, "max_loss_iv_shock": _percent}
_MONEY = {name: _money for name in (*WHAT_IF_COLUMNS, "marginal_mm", "marginal_im")}


class MarginPanel(Panel):
    """The account's portfolio margin, and what a leg would change.

    Calls ``/v5/asset/portfolio-margin`` (signed) at start and on refresh; a what-if on a symbol the account
    does not hold calls ``/v5/market/tickers`` (linear, inverse) or the option chain (options) once.

    Parameters
    ----------
    base_coin
        One risk unit (``"BTC"``), or every unit of the account (default).
    client
        The client to fetch with; default the default client.
    symbol, side, size
        The what-if shown first; default the unit with the largest MM hedged with its perpetual
        (:func:`~bybit_research.widgets.margin_legs.hedge_default`). A symbol without a size gets about
        :data:`~bybit_research.widgets.margin_legs.DEFAULT_NOTIONAL` USD of notional, Buy.
    category
        The symbol's category (else read off its format).

    Attributes
    ----------
    refresh
        ``widgets.Button`` fetching a new report (class ``br-margin-refresh``).
    account
        ``widgets.HTML``: the wallet's equity, IM, MM and rates (class ``br-margin-account``).
    units
        ``widgets.HTML``: the risk-unit table (class ``br-margin-units``).
    unit
        ``widgets.Dropdown``: :data:`ALL_UNITS` or one unit, whose expiries and IV shocks the grid adds
        (class ``br-margin-unit``).
    grid_image
        ``widgets.Image`` of :func:`bybit_research.plot.margin_grid` (class ``br-margin-grid-image``).
    symbol, side, size
        The what-if leg: ``widgets.Combobox`` (held symbols offered; type any, then Enter; class
        ``br-whatif-symbol``), ``widgets.ToggleButtons`` Buy/Sell (class ``br-whatif-side``),
        ``widgets.FloatText`` (contracts; class ``br-whatif-size``).
    what_if_account, what_if_units, what_if_legs
        ``widgets.HTML``: the account's MM/IM before and after, the IM/MM change per risk unit, and the leg's
        marginal MM/IM (classes ``br-whatif-account``, ``br-whatif-units``, ``br-whatif-legs``).
    what_if_image
        ``widgets.Image`` of :func:`bybit_research.plot.what_if` (class ``br-whatif-image``).
    report, calibration, result
        The report shown, its calibration (made once per report) and the last what-if (None when it failed).
    frame
        The risk units (``report.risk_units``).
    figure, what_if_figure
        The scenario grid and the what-if figures.
    """

    what_if_figure: Figure | None = None

    def __init__(
        self,
        base_coin: str | None = None,
        client: Client | None = None,
        *,
        symbol: str | None = None,
        side: str | None = None,
        size: float | None = None,
        category: str | None = None,
    ) -> None:
        if side is not None and side not in SIDES:
            raise ValueError(f"side must be one of {list(SIDES)}, got {side!r}")
        super().__init__(client, "margin")
        self.base_coin = base_coin
        self.report: PortfolioMarginReport | None = None
        self.calibration: Calibration | None = None
        self.result: WhatIf | None = None
        self.legs: LegMarket | None = None
        self.leg_category = category  # a category given with the symbol (the explorer knows it)
        self._quiet = False
        self.refresh = css_class(widgets.Button(description="refresh", icon="refresh"), "margin-refresh")
        self.account = css_class(widgets.HTML(""), "margin-account")
        self.units = css_class(
            widgets.HTML("", layout=widgets.Layout(max_height="200px", overflow="auto")), "margin-units"
        )
        self.unit = dropdown("margin-unit", "grid of", [ALL_UNITS])
        self.grid_image = css_class(
            widgets.Image(format="png", layout=widgets.Layout(width="100%")), "margin-grid-image"
        )
        self.symbol = css_class(
            widgets.Combobox(value="", options=[], ensure_option=False, continuous_update=False,
                             description="what if", layout=widgets.Layout(width="290px")),
            "whatif-symbol",
        )  # fmt: skip
        self.side = css_class(
            widgets.ToggleButtons(options=list(SIDES), value=side or "Buy",
                                  style={"button_width": "60px"}),
            "whatif-side",
        )  # fmt: skip
        self.size = css_class(
            widgets.FloatText(value=0.0, description="size", step=None, continuous_update=False,
                              layout=widgets.Layout(width="200px")),
            "whatif-size",
        )  # fmt: skip
        self.what_if_account = css_class(widgets.HTML(""), "whatif-account")
        self.what_if_units = css_class(widgets.HTML(""), "whatif-units")
        self.what_if_legs = css_class(widgets.HTML(""), "whatif-legs")
        self.what_if_image = css_class(
            widgets.Image(format="png", layout=widgets.Layout(width="100%")), "whatif-image"
        )
        self.children = [
            widgets.HBox([self.refresh, self.status]),
            self.account,
            self.units,
            self.unit,
            self.grid_image,
            widgets.HBox([self.symbol, self.side, self.size]),
            self.what_if_account,
            widgets.HBox([self.what_if_units, self.what_if_legs]),
            self.what_if_image,
        ]
        self._wanted: tuple[str | None, str | None, float | None] | None = (symbol, side, size)
        self.refresh.on_click(lambda _: self.load())
        self.unit.observe(lambda _: self._unless_quiet(self.draw_grid), "value")
        for control in (self.symbol, self.side, self.size):
            control.observe(lambda _: self._unless_quiet(self.run_what_if), "value")
        self.load()

    def _unless_quiet(self, action: object) -> None:
        if not self._quiet and callable(action):
            action()

    # ------------------------------------------------------------------------------------------ report

    def load(self) -> None:
        """Fetch the report, calibrate the replica on it once, show its units and grid, run the what-if."""
        coin = self.base_coin
        report = self.attempt("portfolio-margin report", lambda: self.client.portfolio_margin(coin))
        if report is None:
            return
        calibration = self.attempt("calibration", lambda: calibrate(report))
        if calibration is None:
            return
        self.report, self.calibration, self.frame = report, calibration, report.risk_units
        self.legs = LegMarket(calibration, self.client)
        self.account.value = self._account_html(report)
        self.units.value = table_html(report.risk_units, UNIT_COLUMNS, formats=_UNIT_FORMATS)
        coins = [str(c) for c in report.risk_units.index]
        self._quiet = True
        try:
            keep = self.unit.value if self.unit.value in coins else ALL_UNITS
            self.unit.options = [ALL_UNITS, *coins]
            self.unit.value = keep
            self.symbol.options = list(dict.fromkeys(str(s) for s in calibration.positions.index))
            if self._wanted is not None:  # the first report: fill in what the caller left to the default
                self._first_leg(calibration, report.risk_units, *self._wanted)
                self._wanted = None
        finally:
            self._quiet = False
        self.draw_grid()
        self.run_what_if()

    def _first_leg(
        self, calibration: Calibration, units: pd.DataFrame, symbol: str | None, side: str | None,
        size: float | None,
    ) -> None:  # fmt: skip
        """The what-if's leg as the caller gave it; without a symbol, :func:`hedge_default`'s hedge."""
        default_side, default_size = "Buy", 1.0
        if symbol is None:
            symbol, default_side, default_size = hedge_default(calibration, units)
        elif size is None:
            legs, wanted = self.legs, symbol
            assert legs is not None
            sized = self.attempt(f"{symbol}'s price", lambda: legs.default_size(wanted, self.leg_category))
            default_size = sized if sized is not None else default_size
        self.symbol.value = symbol
        self.side.value = side if side is not None else default_side
        self.size.value = size if size is not None else default_size

    @staticmethod
    def _account_html(report: PortfolioMarginReport) -> str:
        wallet = report.wallet.iloc[0] if len(report.wallet) else pd.Series(dtype=object)
        parts = []
        for name, label in (("equity", "equity"), ("account_im", "IM"), ("account_mm", "MM")):
            if name in wallet.index:
                parts.append(f"{label} <b>{_money(wallet[name])}</b>")
        for name, label in (("account_im_rate", "IM rate"), ("account_mm_rate", "MM rate")):
            if name in wallet.index:
                parts.append(f"{label} <b>{float(wallet[name]):.2%}</b>")
        when = "" if report.time is None else f" at {report.time:%Y-%m-%d %H:%M:%S} UTC"
        units = len(report.risk_units)
        return (
            f"<span style='font-size:12px'>Bybit's portfolio-margin report{html.escape(when)}: {units} risk "
            f"unit{'s' if units != 1 else ''}; account (USD) {' · '.join(parts)}</span>"
        )

    def draw_grid(self) -> None:
        """Draw the scenario grid (with the chosen unit's expiries and IV shocks)."""
        report = self.report
        if report is None:
            return
        unit = None if self.unit.value == ALL_UNITS else str(self.unit.value)
        figure = self.attempt("scenario grid", lambda: plotting.margin_grid(report, unit))
        if figure is None:
            self.figure, self.grid_image.value = None, b""
            return
        self.figure = figure
        self.grid_image.value = figure_png(figure)

    # ------------------------------------------------------------------------------------------ what if

    def show_symbol(self, symbol: str, category: str | None = None, size: float | None = None) -> None:
        """Make ``symbol`` (of ``category`` when the caller knows it) the what-if's leg and run it once; its
        size is ``size``, or about :data:`~bybit_research.widgets.margin_legs.DEFAULT_NOTIONAL` USD."""
        self.leg_category = category
        legs = self.legs
        if size is None and legs is not None:
            size = self.attempt(f"{symbol}'s price", lambda: legs.default_size(symbol, category))
        self._quiet = True
        try:
            self.symbol.value = symbol
            if size is not None:
                self.size.value = size
        finally:
            self._quiet = False
        self.run_what_if()

    def run_what_if(self) -> None:
        """Value the book with the leg (symbol, side, size) added: IM/MM per risk unit before and after, and
        the leg's marginal margin; the tables first, then the figure."""
        legs, calibration = self.legs, self.calibration
        if legs is None or calibration is None:
            return
        symbol, side, size = str(self.symbol.value).strip(), str(self.side.value), float(self.size.value)
        if not symbol or size <= 0:
            self.result = self.what_if_figure = None
            self.what_if_units.value = self.what_if_legs.value = self.what_if_account.value = ""
            self.what_if_image.value = b""
            self.error, self.note = None, "pick a symbol and a size above 0 for the what-if"
            self._show(self.note, "note")
            return
        held = legs.held(symbol.upper())
        category = None if held else self.leg_category

        def run() -> WhatIf:
            leg = legs.leg(symbol, side, size, category)
            return what_if(calibration.positions, add=[leg], market=legs.market, params=calibration.params,
                           now=calibration.now, equity=calibration.equity, outside_im=calibration.outside_im,
                           outside_mm=calibration.outside_mm)  # fmt: skip

        result = self.attempt(f"what-if {side} {size:g} {symbol}", run)
        self.result = result
        if result is None:
            self.what_if_figure = None
            self.what_if_units.value = self.what_if_legs.value = self.what_if_account.value = ""
            self.what_if_image.value = b""
            return
        self.what_if_account.value = (
            f"<span style='font-size:12px'>{html.escape(account_line(result))}</span>"
        )
        self.what_if_units.value = table_html(result.units, WHAT_IF_COLUMNS, formats=_MONEY,
                                              caption="IM/MM per risk unit (USD)")  # fmt: skip
        self.what_if_legs.value = table_html(result.legs, LEG_COLUMNS, formats=_MONEY,
                                             caption="the leg's marginal margin (USD)")  # fmt: skip
        figure = plotting.what_if(result)
        self.what_if_figure = figure
        self.what_if_image.value = figure_png(figure)
