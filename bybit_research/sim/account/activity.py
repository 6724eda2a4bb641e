"""Active weeks of the demo account: bursts of short round trips in a few small perpetuals.

Most weeks the account holds a handful of positions for days. In an active week it also trades intraday:
it opens a position in XRPUSDT, DOGEUSDT or ADAUSDT and closes it minutes to hours later, again and again,
around the clock. An active week books several hundred executions, so a 7-day window of
``/v5/execution/list`` spans several pages of 100 rows there, as a busy account's does on Bybit; the other
weeks fit in one page. The most recent active week ends a day before the anchor, so the default window
(the last 7 days) is one of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..market.calendar import DAY_MS, HOUR_MS, MINUTE_MS, WEEK_MS
from .numbers import snap

if TYPE_CHECKING:
    from .plan import PlanBuilder

#: Active weeks over the whole history (the most recent one included).
ACTIVE_WEEKS = 10
#: Symbols traded in active weeks with their smallest and largest order sizes (base coin).
SCALP_SYMBOLS: tuple[tuple[str, float, float], ...] = (
    ("XRPUSDT", 400.0, 4000.0),
    ("DOGEUSDT", 3000.0, 30000.0),
    ("ADAUSDT", 1000.0, 10000.0),
)
#: How long a round trip stays open, and the pause before the next one in the same symbol (minutes).
HOLD_MINUTES = (15.0, 240.0)
PAUSE_MINUTES = (10.0, 300.0)


def active_week_starts(builder: PlanBuilder) -> list[int]:
    """Return the start times of the active weeks, ascending.

    The last one ends a day before the anchor; the others are drawn among the whole weeks of the history
    without overlapping each other.
    """
    last = builder.anchor - DAY_MS - WEEK_MS
    weeks = (last - builder.start - DAY_MS) // WEEK_MS
    count = min(ACTIVE_WEEKS - 1, max(weeks - 1, 0))
    earlier = builder.rng.sample(range(weeks), count)
    starts = [builder.start + DAY_MS + int(k) * WEEK_MS for k in earlier]
    return sorted([*starts, last])


def plan_active_weeks(builder: PlanBuilder) -> None:
    """Add the round trips of every active week to the plan (their positions settle funding only within the
    active weeks, the only time they are held)."""
    market = builder.market
    instruments = []
    weeks = active_week_starts(builder)
    for symbol, lo, hi in SCALP_SYMBOLS:
        inst = market.instrument(symbol, "linear")
        if inst is not None and inst.launch_ms <= builder.start:
            instruments.append((inst, lo, hi))
            builder.plan.funded_spans[symbol] = (inst, [(week, week + WEEK_MS) for week in weeks])
    for week in weeks:
        for inst, lo, hi in instruments:
            t = week + builder.uniform(0.0, 3.0) * HOUR_MS
            while True:
                hold = builder.uniform(*HOLD_MINUTES) * MINUTE_MS
                if t + hold >= week + WEEK_MS:
                    break
                qty = snap(builder.uniform(lo, hi), inst.qty_step, inst.min_qty)
                side = "Buy" if builder.rng.random() < 0.5 else "Sell"
                builder.add(t, inst, side, qty)
                builder.add(t + hold, inst, "Sell" if side == "Buy" else "Buy", None)
                t += hold + builder.uniform(*PAUSE_MINUTES) * MINUTE_MS
