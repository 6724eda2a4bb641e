"""Helpers of the portfolio-margin tests: the simulator's demo account as report, positions and chains.

The positions frame is built from the simulator's raw ``/v5/position/list`` rows with the toolkit's own frame
builder plus a ``category`` column; the integrator swaps it for the account function ``positions()``.
Every simulator here runs on the suite's fixed clock (:data:`NOW`, as in ``tests/conftest.py``) so that
reports, positions and chains describe one instant, and the demo account's two-year history is replayed once
per seed for the whole session (the simulator shares ledgers of one seed and clock).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

_REPO = str(Path(__file__).resolve().parents[2])
if _REPO not in sys.path:  # the editable install may map an older layout; the worktree's package wins
    sys.path.insert(0, _REPO)

from bybit_research.analytics.pm_report import PortfolioMarginReport, parse_portfolio_margin  # noqa: E402

from .conftest import NOW, NOW_MS  # noqa: E402  (the suite's clock: 2024-06-15 12:34:56 UTC)

__all__ = ["NOW", "NOW_MS", "DemoAccount", "cell", "demo_account", "positions_frame"]

#: the position-list queries that cover the demo account (linear needs a settle coin or a symbol)
_POSITION_QUERIES: tuple[tuple[str, dict[str, str]], ...] = (
    ("linear", {"settleCoin": "USDT"}),
    ("linear", {"settleCoin": "USDC"}),
    ("inverse", {}),
    ("option", {}),
)


def cell(frame: pd.DataFrame, row: Any, column: Any) -> float:
    """``frame.at[row, column]`` as a float (pandas-stubs types ``.at`` as any scalar)."""
    value: Any = frame.at[row, column]
    return float(value)


@dataclass(frozen=True)
class DemoAccount:
    """One simulated account at :data:`NOW`: the raw report, its parsed form, positions and option chains."""

    raw: dict
    report: PortfolioMarginReport
    positions: pd.DataFrame
    chain: pd.DataFrame


def positions_frame(rows_by_category: list[tuple[str, list[dict]]]) -> pd.DataFrame:
    """Raw position rows per category -> one frame in the ``/v5/position/list`` contract plus ``category``."""
    from bybit_research.endpoints.trade import POSITION_LIST
    from bybit_research.frames import build_frame

    frames = []
    for category, rows in rows_by_category:
        frame = build_frame(POSITION_LIST, rows)
        frame["category"] = category
        frames.append(frame)
    return pd.concat(frames)


@cache
def demo_account(margin_mode: str = "PORTFOLIO_MARGIN", seed: int = 7) -> DemoAccount:
    """The simulator's demo account (built once per mode and seed; treat the frames as read-only)."""
    from bybit_research import Client
    from bybit_research.sim import SimConfig, create_app

    app = create_app(SimConfig(seed=seed, margin_mode=margin_mode, now_ms=NOW_MS, ip_limit=0))
    client = Client(env="offline", cache=False, sim_app=app)
    reply = client.fetch("/v5/asset/portfolio-margin", auth=True)
    rows = []
    for category, params in _POSITION_QUERIES:
        answer = client.get("/v5/position/list", {"category": category, **params}, auth=True)
        rows.append((category, answer["list"]))
    report = parse_portfolio_margin(reply.result, time=reply.time_ms)
    coins = sorted(set(report.option_positions["base_coin"]))
    chain = pd.concat([client.option_chain(coin) for coin in coins])
    return DemoAccount(raw=reply.result, report=report, positions=positions_frame(rows), chain=chain)
