"""Helpers of the portfolio-margin tests: the simulator's demo account as report, positions and chains.

The report is parsed from the simulator's raw answer (kept as ``raw`` for the reconciliation tests; the
public ``portfolio_margin()`` is tested against the same parse in ``tests/account``); positions are the
account function ``positions()`` of every category.
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

__all__ = ["NOW", "NOW_MS", "DemoAccount", "cell", "demo_account"]


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


@cache
def demo_account(margin_mode: str = "PORTFOLIO_MARGIN", seed: int = 7) -> DemoAccount:
    """The simulator's demo account (built once per mode and seed; treat the frames as read-only)."""
    from bybit_research import Client
    from bybit_research.sim import SimConfig, create_app

    app = create_app(SimConfig(seed=seed, margin_mode=margin_mode, now_ms=NOW_MS, ip_limit=0))
    client = Client(env="offline", cache=False, sim_app=app)
    reply = client.fetch("/v5/asset/portfolio-margin", auth=True)
    report = parse_portfolio_margin(reply.result, time=reply.time_ms)
    positions = pd.concat([client.positions(category) for category in ("linear", "inverse", "option")])
    coins = sorted(set(report.option_positions["base_coin"]))
    chain = pd.concat([client.option_chain(coin) for coin in coins])
    return DemoAccount(raw=reply.result, report=report, positions=positions, chain=chain)
