"""The base of the explorer's time-series tabs (chart, funding, open interest): what they are asked to show
(a :class:`Target`: symbol, category and range), a row of their own controls, and the figure they draw.

A tab is shown a target by :meth:`SeriesPanel.show`; it fetches and draws at once when it is visible
(``active``), else it only remembers the target and draws when it becomes visible, so hidden tabs cost no
request. Its own controls (interval, price flavour) redraw it for the same target.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import pandas as pd
from matplotlib.figure import Figure

from ..client import Client
from ..core.units import DAY_MS, HOUR_MS
from .images import Renders
from .panel import Panel, css_class
from .render import caption_html

__all__ = ["RANGES", "SeriesPanel", "Target"]

#: the explorer's ranges: label -> length in ms, ending now (the exchange's clock)
RANGES: dict[str, int] = {
    "6h": 6 * HOUR_MS,
    "1d": DAY_MS,
    "3d": 3 * DAY_MS,
    "1w": 7 * DAY_MS,
    "30d": 30 * DAY_MS,
    "90d": 90 * DAY_MS,
    "1y": 365 * DAY_MS,
}


@dataclass(frozen=True)
class Target:
    """What a tab shows: one instrument over ``[start_ms, now)``.

    ``instruments`` is the category's instruments frame (index ``symbol``), for what a tab needs to know of
    the instrument (its contract type, its funding interval).
    """

    symbol: str
    category: str
    start_ms: int
    range_label: str
    instruments: pd.DataFrame | None = None

    def field(self, column: str) -> Any:
        """The instrument's ``column`` in :attr:`instruments`, or None when unknown."""
        frame = self.instruments
        if frame is None or column not in frame.columns or self.symbol not in frame.index:
            return None
        value: Any = frame.at[self.symbol, column]
        return (
            None
            if value is None or value is pd.NaT or (isinstance(value, float) and value != value)
            else value
        )


class SeriesPanel(Panel):
    """A tab drawing one figure of a :class:`Target`, with a row of ``controls`` above it.

    ``name`` is the CSS class (``br-<name>``), ``what`` the words of the status line (default ``name``).
    Subclasses implement :meth:`draw` (fetch, then return the figure, or raise ``ValueError`` with the
    reason there is none) and call :meth:`redraw` when one of their controls changes.

    Attributes
    ----------
    image
        ``widgets.Image`` holding the figure as PNG (class ``br-<name>-image``).
    caption
        ``widgets.HTML`` under the image (class ``br-<name>-caption``): the figure's title and where its data
        came from (rows, endpoint, the share served from the cache).
    target
        The last target shown, or None.
    active
        Whether the tab is visible (then :meth:`show` draws at once).
    stale
        Whether the figure is older than the target (drawn when the tab becomes visible).
    renders
        The tab's drawn figures by what they show (:class:`~bybit_research.widgets.images.Renders`):
        :meth:`draw` builds through it, so data shown before is not drawn again.
    """

    def __init__(
        self,
        client: Client | None,
        name: str,
        controls: Sequence[widgets.Widget] = (),
        what: str | None = None,
    ) -> None:
        super().__init__(client, name)
        self.what = what or name
        self.caption = css_class(widgets.HTML(""), f"{name}-caption")
        self.image = css_class(
            widgets.Image(format="png", layout=widgets.Layout(width="100%")), f"{name}-image"
        )
        self.target: Target | None = None
        self.renders = Renders()
        self.active = False
        self.stale = False
        self.children = [widgets.HBox([*controls, self.status]), self.image, self.caption]

    def show(self, target: Target) -> None:
        """Remember ``target``; fetch and draw it now if the tab is visible."""
        self.target = target
        self.stale = True
        if self.active:
            self.redraw()

    def activate(self, active: bool = True) -> None:
        """Mark the tab visible (drawing a stale target) or hidden."""
        self.active = active
        if active and self.stale:
            self.redraw()

    def redraw(self) -> None:
        """Fetch and draw the current target (the status line says what is loading, or what failed)."""
        target = self.target
        if target is None:
            return
        self.stale = False
        figure = self.attempt(f"{self.what} of {target.symbol}", lambda: self.draw(target))
        if figure is None:
            self.clear(keep_status=True)
            return
        self.figure = figure
        self.image.value = self.renders.png(figure)
        self.caption.value = caption_html(figure, self.frame)

    def clear(self, keep_status: bool = False) -> None:
        """Show nothing (no target: the filters leave no instrument); the status line is kept on request."""
        if not keep_status:
            self.target, self.stale = None, False
            self.status.value = ""
        self.figure = self.frame = None
        self.image.value = b""
        self.caption.value = ""

    def draw(self, target: Target) -> Figure:
        """Fetch what ``target`` needs, keep it in :attr:`frame`, and return its figure (built through
        :attr:`renders`, keyed by :func:`~bybit_research.widgets.images.frame_key` of what it draws)."""
        raise NotImplementedError
