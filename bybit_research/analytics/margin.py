"""Portfolio margin as Bybit computes it, from frames: the replica, calibration, reconciliation, what-if.

Bybit reports the stress test of the account it is asked about (``/v5/asset/portfolio-margin``) but has no
endpoint to simulate another book and no public calculator. This namespace (``br.margin``) rebuilds the
calculation (V5 reference §7) as pure functions of DataFrames, never HTTP:

* :func:`replicate` - positions + market data -> risk units per base coin -> the stress grid (price moves x
  IV shocks per expiry, one worst IV shock per price point for the whole unit) -> maximum loss, contingency
  components, MM = max loss + contingency, IM = MM x factor, account IM/MM rates.
* :class:`MarginParams` - every number of the model as data, with sources and dates; :data:`DEFAULT_PARAMS`
  (since 2025-01-10) and :data:`PRE_2025_PARAMS` (+-15 % for BTC and ETH). Unpublished numbers are estimates.
* :func:`parse_portfolio_margin` - Bybit's report as frames; :func:`calibrate` - the forwards, IVs, IV shocks,
  IM factors and contingency rates that reproduce a report; :func:`reconcile` - our grid beside Bybit's,
  cell by cell, with residuals.
* :func:`what_if` - margin before and after adding/removing legs, with each leg's marginal margin;
  :func:`compare_params`; :func:`margin_surface` - a finer grid than Bybit's; :func:`liquidation_surface` -
  the MM rate after the market moved, whose 100 % contour is the distance to liquidation.

Example::

    report = br.portfolio_margin()                 # or parse_portfolio_margin(result, time=...)
    rec = br.margin.reconcile(report)              # residuals per cell, per unit, for the account
    cal = rec.calibration
    leg = {"symbol": "ETHUSDT", "side": "Buy", "size": 1.0, "category": "linear", "mark_price": 3500.0}
    hedge = br.margin.what_if(cal.positions, add=[leg], market=cal.market, params=cal.params, now=cal.now)
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .margin_book import build_book
from .margin_calibrate import Calibration, calibrate, report_positions
from .margin_contingency import COMPONENTS
from .margin_params import DEFAULT_PARAMS, PRE_2025_PARAMS, MarginParams
from .margin_reconcile import Reconciliation, reconcile
from .margin_replica import MarginReplica, replicate, truncate_rate
from .margin_surface import LiquidationSurface, MarginSurface, liquidation_surface, margin_surface
from .margin_units import risk_unit_summary
from .margin_whatif import WhatIf, compare_params, what_if
from .pm_report import PortfolioMarginReport, parse_portfolio_margin

__all__ = [
    "COMPONENTS",
    "DEFAULT_PARAMS",
    "PRE_2025_PARAMS",
    "Calibration",
    "LiquidationSurface",
    "MarginParams",
    "MarginReplica",
    "MarginSurface",
    "PortfolioMarginReport",
    "Reconciliation",
    "WhatIf",
    "build_book",
    "calibrate",
    "compare_params",
    "liquidation_surface",
    "margin_surface",
    "parse_portfolio_margin",
    "reconcile",
    "replicate",
    "report_positions",
    "risk_units",
    "truncate_rate",
    "what_if",
]


def risk_units(positions: pd.DataFrame, market: pd.DataFrame | None = None, now: Any = None) -> pd.DataFrame:
    """What each risk unit (base coin) of ``positions`` holds.

    Parameters
    ----------
    positions, market, now
        As in :func:`replicate`.

    Returns
    -------
    pandas.DataFrame
        Index ``base_coin``: position counts by kind, option expiries, net and gross notional of
        perpetuals/futures/spot, options' delta notional, long and short option contracts, index price.

    Raises
    ------
    ValueError
        What :func:`build_book` refuses.
    """
    return risk_unit_summary(build_book(positions, market, now))
