"""``Query``: what a public function asks of the engine (the endpoint and its checked arguments), and
``Split``: one run per value of a parameter (several symbols; linear positions per settle coin)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..endpoints import Endpoint
from ..endpoints.checks import check_max_pages
from .budget import PageBudget

__all__ = ["MAX_PAGES", "Query", "Split"]

#: the most requests one call sends unless it passes ``max_pages=`` (19 years of 1-minute candles)
MAX_PAGES = 10_000


@dataclass(frozen=True)
class Split:
    """Run a query once per value of parameter ``param``.

    ``level`` names the index level of a tidy ``(time, level)`` frame (``tidy=True``, several symbols given as
    a list); otherwise (``tidy=False``) the frames are simply joined one after the other.
    """

    param: str
    values: tuple[Any, ...]
    tidy: bool = True
    level: str = "symbol"


@dataclass(frozen=True)
class Query:
    """What a public function asks of the engine.

    Attributes
    ----------
    endpoint
        The entry of the endpoint table; its ``paging`` picks the engine.
    params
        The checked V5 parameters of every request (``category`` included), without times, ``limit`` and
        ``cursor``, which the engine sets.
    category
        The checked category (frames depend on it), or ``None``.
    split
        One run per value of a parameter (several symbols; linear positions per settle coin).
    start, end
        The range ``[start, end)`` in epoch ms (``None``: the engine's default for the paging).
    step_ms
        Spacing of the records of a regular series (kline or period length; 0 = calendar month).
    late_after_ms
        For a time series without a fixed spacing (funding: every 1 to 8 h), how long after ``start`` its
        first record may come without the series starting later than asked; ``None``: ``step_ms`` (and no
        such check for a series with neither).
    count
        The number of records wanted (the public functions' ``limit=``): the last ones before ``end`` when
        ``start`` is None, else the first ones from ``start``.
    limit
        The ``limit`` sent with each request; ``None``: the endpoint's maximum when it pages.
    refresh, progress
        Ignore cached answers; show a progress bar (``None``: only for many pages).
    max_pages
        The most requests the call may send (``None``: :data:`MAX_PAGES`): a windowed plan of more is
        refused with ``ValueError`` before anything is sent; cursor and ``endTime`` chains, whose length is
        known only while paging, spend from the same number and raise
        :class:`~.budget.TooManyPagesError` (a ``ValueError``) when they need more.
    shown
        Arguments of the call that choose what is fetched without being sent as such (klines' ``price``
        flavour picks the endpoint): shown in ``attrs["params"]`` with the V5 parameters.
    attrs
        Extra provenance to add to the frame's ``attrs`` (JSON-safe values).
    """

    endpoint: Endpoint
    params: Mapping[str, Any]
    category: str | None = None
    split: Split | None = None
    start: int | None = None
    end: int | None = None
    step_ms: int | None = None
    late_after_ms: int | None = None
    count: int | None = None
    limit: int | None = None
    refresh: bool = False
    progress: bool | None = None
    max_pages: int | None = None
    shown: Mapping[str, Any] = field(default_factory=dict)
    attrs: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # a frozen dataclass: the checked value replaces what was given (numpy integers become int)
        object.__setattr__(self, "max_pages", check_max_pages(self.max_pages))

    @property
    def allowed_pages(self) -> int:
        """``max_pages``, or :data:`MAX_PAGES` when the call gave none."""
        return MAX_PAGES if self.max_pages is None else self.max_pages

    def check_pages(self, requests: int) -> None:
        """Refuse a plan of more requests than ``max_pages`` (default :data:`MAX_PAGES`), before any is
        sent."""
        allowed = self.allowed_pages
        if requests > allowed:
            raise ValueError(
                f"this call needs {requests} requests to {self.endpoint.path}, more than "
                f"max_pages={allowed}: narrow the range (or the list of symbols), or pass "
                f"max_pages={requests} to allow it"
            )

    def budget(self, planned: int) -> PageBudget:
        """The pages the call may fetch, ``planned`` of them counted (checked by :meth:`check_pages`)."""
        self.check_pages(planned)
        return PageBudget(self.endpoint.path, self.allowed_pages, used=planned)

    def page_limit(self) -> int | None:
        """The ``limit`` each request carries: ``limit``, else the endpoint's maximum when it takes one."""
        if self.limit is not None:
            return self.limit
        allowed = self.endpoint.limit_range(self.category)
        return allowed.hi if allowed is not None else None

    def variants(self) -> list[dict[str, Any]]:
        """The parameters of each run: ``params`` once, or once per value of the split."""
        if self.split is None:
            return [dict(self.params)]
        return [{**self.params, self.split.param: value} for value in self.split.values]
