"""The explorer's tabs of perpetuals and futures: funding rates and open interest of the selected contract."""

from __future__ import annotations

import ipywidgets as widgets
from matplotlib.figure import Figure

from .. import plotting
from ..client import Client
from ..endpoints.series import KLINE_INTERVALS, SERIES_INTERVALS
from .images import frame_key
from .panel import NothingToShow, css_class
from .timeseries import SeriesPanel, Target

__all__ = ["MAX_RECORDS", "FundingPanel", "OpenInterestPanel", "is_dated"]

#: most open-interest records one figure fetches (200 a request)
MAX_RECORDS = 10_000


def is_dated(target: Target) -> bool:
    """Whether the target is a dated future (its instrument has a delivery time; perpetuals have none)."""
    contract = str(target.field("contract_type") or "")
    return contract.endswith("Futures") or target.field("delivery_time") is not None


class FundingPanel(SeriesPanel):
    """Funding rates of a perpetual over the range (``br.plot.funding``): per settlement, annualised by the
    contract's funding interval (``funding_interval`` of the instruments), cumulative.

    Calls ``/v5/market/funding/history``. Dated futures pay no funding: the tab says so.
    """

    def __init__(self, client: Client | None = None) -> None:
        super().__init__(client, "funding")

    def draw(self, target: Target) -> Figure:
        if is_dated(target):
            raise NothingToShow(
                f"{target.symbol} is a dated future: it pays no funding (it settles at delivery)"
            )
        minutes = target.field("funding_interval")
        frame = self.client.funding_rates(target.symbol, start=target.start_ms, category=target.category)
        self.frame = frame
        instruments = target.instruments if minutes else None
        key = frame_key(frame, helper="funding", funding_interval=minutes)
        return self.renders.figure(key, lambda: plotting.funding(frame, instruments))


class OpenInterestPanel(SeriesPanel):
    """Open interest over the range at a chosen period, with the last price of the same period
    (``br.plot.open_interest``).

    Calls ``/v5/market/open-interest`` and ``/v5/market/kline``.

    Attributes
    ----------
    period
        ``widgets.Dropdown`` of the V5 ``intervalTime`` values (class ``br-oi-period``); default 1h.
    """

    def __init__(self, client: Client | None = None) -> None:
        self.period = css_class(
            widgets.Dropdown(
                options=list(SERIES_INTERVALS),
                value="1h",
                description="period",
                layout=widgets.Layout(width="170px"),
            ),
            "oi-period",
        )
        super().__init__(client, "oi", [self.period], what="open interest")
        self.period.observe(lambda _: self.redraw(), "value")

    def draw(self, target: Target) -> Figure:
        period = str(self.period.value)
        step = SERIES_INTERVALS[period]
        records = (self.client.server_now_ms() - target.start_ms) // step + 1
        if records > MAX_RECORDS:
            raise ValueError(
                f"{target.range_label} of {period} open interest is {records:,} records, more than the tab "
                f"fetches ({MAX_RECORDS:,}); pick a longer period or a shorter range"
            )
        self.frame = self.client.open_interest(
            target.symbol, period, start=target.start_ms, category=target.category
        )
        # the price of the same period: the kline interval of the same length
        interval = next(code for code, ms in KLINE_INTERVALS.items() if ms == step)
        price = self.client.klines(target.symbol, interval, start=target.start_ms, category=target.category)
        frame = self.frame
        return self.renders.figure(
            frame_key(frame, price, helper="open_interest"), lambda: plotting.open_interest(frame, price)
        )
