"""The explorer's chart tab: candles of the selected instrument with interval and price-flavour controls."""

from __future__ import annotations

import ipywidgets as widgets
from matplotlib.figure import Figure

from .. import plotting
from ..client import Client
from ..endpoints.series import KLINE_INTERVALS
from ..market.klines import PRICE_FLAVOURS
from ..plotting.labels import interval_label
from .images import frame_key
from .panel import css_class
from .timeseries import SeriesPanel, Target

__all__ = ["DEFAULT_INTERVAL", "MAX_CANDLES", "ChartPanel", "price_flavours"]

DEFAULT_INTERVAL = "60"
#: most candles one chart fetches: a year of 1-minute candles takes seconds, too long for a widget
MAX_CANDLES = 50_000


def price_flavours(category: str) -> list[str]:
    """The kline price flavours (``price=`` of ``br.klines``) the endpoints serve for ``category``, in the
    registry's order: ``last`` (not options), ``mark``, ``index``, ``premium`` (linear only)."""
    return [name for name, endpoint in PRICE_FLAVOURS.items() if category in endpoint.categories]


class ChartPanel(SeriesPanel):
    """Candles (``br.plot.candles``) of the target over its range, volume and turnover below.

    Calls ``/v5/market/kline`` or the mark/index/premium-index kline endpoint of the chosen flavour.

    Attributes
    ----------
    interval
        ``widgets.Dropdown`` of the V5 kline intervals (class ``br-interval``); default 1 hour.
    price
        ``widgets.Dropdown`` of the flavours the category has (class ``br-price``).
    frame
        The klines drawn (as ``br.klines`` returns them).
    """

    def __init__(self, client: Client | None = None) -> None:
        self.interval = css_class(
            widgets.Dropdown(
                options=[(interval_label(code), code) for code in KLINE_INTERVALS],
                value=DEFAULT_INTERVAL,
                description="interval",
                layout=widgets.Layout(width="170px"),
            ),
            "interval",
        )
        self.price = css_class(
            widgets.Dropdown(
                options=["last"], value="last", description="price", layout=widgets.Layout(width="170px")
            ),
            "price",
        )
        super().__init__(client, "chart", [self.interval, self.price])
        self._quiet = False
        self._wanted_price = "last"  # the flavour last chosen by the user, shown wherever the category has it
        self.interval.observe(self._control_changed, "value")
        self.price.observe(self._control_changed, "value")

    def _control_changed(self, change: dict[str, object]) -> None:
        if self._quiet:
            return
        if change.get("owner") is self.price:
            self._wanted_price = str(change["new"])
        self.redraw()

    def show(self, target: Target) -> None:
        """Show ``target``, offering the price flavours of its category: the one last chosen if the category
        has it, else its first."""
        flavours = price_flavours(target.category)
        keep = self._wanted_price if self._wanted_price in flavours else flavours[0]
        if list(self.price.options) != flavours or self.price.value != keep:
            self._quiet = True
            try:
                self.price.options = flavours
                self.price.value = keep
            finally:
                self._quiet = False
        super().show(target)

    def draw(self, target: Target) -> Figure:
        interval = str(self.interval.value)
        step = KLINE_INTERVALS[interval] or KLINE_INTERVALS["D"] * 28  # months: at least 28 days
        now = self.client.server_now_ms()
        candles = (now - target.start_ms) // step + 1
        if candles > MAX_CANDLES:
            fitting = [
                interval_label(c)
                for c, ms in KLINE_INTERVALS.items()
                if ms == 0 or (now - target.start_ms) // ms + 1 <= MAX_CANDLES
            ]
            raise ValueError(
                f"{target.range_label} of {interval_label(interval)} candles is {candles:,} candles, more "
                f"than the chart fetches ({MAX_CANDLES:,}); pick an interval of {', '.join(fitting)} or a "
                "shorter range"
            )
        self.frame = self.client.klines(
            target.symbol,
            interval,
            start=target.start_ms,
            category=target.category,
            price=str(self.price.value),
        )
        frame = self.frame
        return self.renders.figure(frame_key(frame, helper="candles"), lambda: plotting.candles(frame))
