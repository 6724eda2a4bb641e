"""The seeded demo account of the simulator.

:class:`DemoAccount` owns the account's history (a :class:`~.ledger.Ledger` replayed from a seeded trading
plan against the synthetic market) and answers every question the private endpoints ask: balances, positions
and margin at "now", and history rows in time windows.

History covers :data:`HISTORY_DAYS` days before the anchor (00:00 UTC of the current day), so with the wall
clock it is stable within a day and with a fixed clock (``SimConfig.now_ms``) it is fully reproducible.
Nothing is computed when the account is built; the ledger of an anchor day is replayed on first use and
cached.
"""

from __future__ import annotations

import random
import threading
from collections import OrderedDict

from ..core import SimConfig
from ..market import Market
from .ledger import Ledger
from .moves import move_rows
from .plan import DAY_MS, PlanBuilder
from .positions import PositionView, open_views
from .rows import Row
from .state import AccountState
from .wallet import Figures, compute_figures

__all__ = ["ACCOUNT_UID", "HISTORY_DAYS", "MARGIN_MODES", "DemoAccount"]

HISTORY_DAYS = 730  # the 2-year lookback of the history endpoints, every day of it
ACCOUNT_UID = 52_600_071
MARGIN_MODES = ("ISOLATED_MARGIN", "REGULAR_MARGIN", "PORTFOLIO_MARGIN")
#: Ledger tables whose rows are filed by time (see :mod:`.rows`).
TABLES = (
    "executions",
    "orders",
    "transactions",
    "closed_pnl",
    "deliveries",
    "settlements",
    "borrows",
    "closed_options",
)

#: Ledgers are pure functions of (seed, anchor day), so every account of the process shares them: a test suite
#: creating many simulators with the same seed and clock replays the history once.
_SHARED: OrderedDict[tuple[int, int, bool], Ledger] = OrderedDict()
_SHARED_LOCK = threading.Lock()
_SHARED_SIZE = 4


class DemoAccount:
    """The demo account of one simulated exchange.

    Parameters
    ----------
    config
        Simulator configuration (``seed``, ``now_ms``, initial ``margin_mode``).
    market
        The synthetic market whose prices the account trades at.
    """

    def __init__(self, config: SimConfig, market: Market) -> None:
        if config.margin_mode not in MARGIN_MODES:
            raise ValueError(f"margin_mode must be one of {', '.join(MARGIN_MODES)}")
        self.config = config
        self.market = market
        self.uid = ACCOUNT_UID
        self.margin_mode = config.margin_mode
        self.margin_mode_updated_ms: int | None = None
        self._lock = threading.RLock()
        self._figures: OrderedDict[tuple[int, str], Figures] = OrderedDict()
        self._moves: dict[int, list[Row]] = {}

    # ---------------------------------------------------------------- margin mode
    @property
    def portfolio_margin(self) -> bool:
        """True in portfolio margin mode."""
        return self.margin_mode == "PORTFOLIO_MARGIN"

    def set_margin_mode(self, mode: str, now_ms: int) -> None:
        """Switch the margin mode (the caller checks eligibility)."""
        if mode not in MARGIN_MODES:
            raise ValueError(f"margin mode must be one of {', '.join(MARGIN_MODES)}")
        with self._lock:
            self.margin_mode = mode
            self.margin_mode_updated_ms = now_ms

    def mode_updated_ms(self, now_ms: int) -> int:
        """When the margin mode was last set (the start of the history unless switched at run time)."""
        if self.margin_mode_updated_ms is not None:
            return self.margin_mode_updated_ms
        return self.history_start(now_ms) - DAY_MS

    # ---------------------------------------------------------------- history
    @staticmethod
    def anchor(now_ms: int) -> int:
        """Return 00:00 UTC of the day of ``now_ms`` (history is generated relative to it)."""
        return now_ms // DAY_MS * DAY_MS

    def history_start(self, now_ms: int) -> int:
        """Return the first instant of the history (the opening deposits are one day earlier)."""
        return self.anchor(now_ms) - HISTORY_DAYS * DAY_MS

    def ledger(self, now_ms: int) -> Ledger:
        """Return the replayed history of the anchor day of ``now_ms`` (built on first use, then cached)."""
        anchor = self.anchor(now_ms)
        key = (self.config.seed, anchor, self.config.now_ms is None)
        with _SHARED_LOCK:
            found = _SHARED.get(key)
            if found is None:
                rng = random.Random((self.config.seed & 0xFFFFFFFF) << 32 | anchor // DAY_MS)
                start = self.history_start(now_ms)
                plan = PlanBuilder(self.market, rng, start, anchor).build()
                found = _SHARED[key] = Ledger(self.market, plan, rng, self.uid, start, anchor)
                while len(_SHARED) > _SHARED_SIZE:
                    _SHARED.popitem(last=False)
            _SHARED.move_to_end(key)
        return found

    def state(self, now_ms: int) -> AccountState:
        """Return balances and positions at ``now_ms``."""
        return self.ledger(now_ms).state_at(now_ms)

    def rows_between(self, table: str, start_ms: int, end_ms: int, now_ms: int) -> list[Row]:
        """Return rows of a ledger table filed in ``[start_ms, min(end_ms, now_ms)]``, newest first."""
        if table not in TABLES:
            raise KeyError(table)
        return self.ledger(now_ms).table(table).between(start_ms, min(end_ms, now_ms))[::-1]

    def moves(self, start_ms: int, end_ms: int, now_ms: int) -> list[Row]:
        """Return the position moves (rejected block trades, :mod:`.moves`) created in ``[start_ms,
        min(end_ms, now_ms)]``, newest first."""
        anchor = self.anchor(now_ms)
        with self._lock:
            rows = self._moves.get(anchor)
            if rows is None:
                rows = move_rows(
                    self.market, self.config.seed, self.uid, self.history_start(now_ms), anchor + DAY_MS
                )
                self._moves = {anchor: rows}
        last = min(end_ms, now_ms)
        return [row for row in reversed(rows) if start_ms <= row["_t"] <= last]

    def open_orders(self, now_ms: int) -> list[Row]:
        """Return the open (resting) orders, newest first."""
        return [row for row in reversed(self.ledger(now_ms).open_orders) if row["_t"] <= now_ms]

    # ---------------------------------------------------------------- valuation at now
    def views(self, now_ms: int, category: str | None = None) -> list[PositionView]:
        """Return the open positions valued at ``now_ms``."""
        return open_views(self.market, self.state(now_ms), now_ms, category)

    def figures(self, now_ms: int) -> Figures:
        """Return the wallet and margin figures at ``now_ms`` in the current margin mode (cached)."""
        key = (now_ms, self.margin_mode)
        with self._lock:
            found = self._figures.get(key)
        if found is not None:
            return found
        ledger = self.ledger(now_ms)
        found = compute_figures(
            self.market,
            ledger.state_at(now_ms),
            self.views(now_ms),
            self.open_orders(now_ms),
            ledger.locked,
            now_ms,
            self.portfolio_margin,
        )
        with self._lock:
            self._figures[key] = found
            while len(self._figures) > 16:
                self._figures.popitem(last=False)
        return found
