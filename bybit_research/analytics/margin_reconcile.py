"""Put the replica's grid beside Bybit's portfolio-margin report, cell by cell, with residuals.

:func:`reconcile` rebuilds the report's positions, values them with the replica (parameters and option
forwards/IVs from :func:`~.margin_calibrate.calibrate`, or given parameters, or a market chain for the IVs),
and lines every number up with Bybit's: per position x price move (x IV shock), per expiry, the unit totals,
the chosen IV shocks, the contingency components, IM/MM per unit and the account. Every table has the columns
``ours``, ``bybit`` and ``residual`` (ours - bybit); a cell one side does not have is NaN on that side.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .margin_book import CHAIN_COLUMNS
from .margin_calibrate import Calibration, calibrate
from .margin_contingency import COMPONENTS
from .margin_params import MarginParams
from .margin_replica import MarginReplica, replicate
from .margin_symbols import expiry_from_code
from .pm_report import PortfolioMarginReport, parse_portfolio_margin

__all__ = ["Reconciliation", "reconcile"]

_MOVE_DECIMALS = 10
_UNIT_FIELDS = (
    "asset_im",
    "asset_mm",
    "max_loss",
    "max_loss_price_move",
    "max_loss_iv_shock",
    "total_close_pz_fee",
)


@dataclass(frozen=True, eq=False)  # holds frames or arrays: compare their fields, not the objects
class Reconciliation:
    """The replica beside Bybit's report (each table: ``ours``, ``bybit``, ``residual`` = ours - bybit).

    Attributes
    ----------
    calibration
        What :func:`~.margin_calibrate.calibrate` recovered from the report (positions, market, parameters).
    replica
        The replica's answer for the report's positions.
    params
        The parameters used (the calibrated ones unless given).
    perp_cells
        Index (``symbol``, ``price_move``); also ``base_coin``.
    option_cells
        Index (``symbol``, ``price_move``, ``iv_shock_index``); also ``base_coin`` and ``iv_shock`` (our label
        of Bybit's column).
    expiry_cells
        Index (``base_coin``, ``expiry``, ``price_move``, ``iv_shock_index``); ``expiry`` as a timestamp.
    totals
        Index (``base_coin``, ``part``, ``price_move``) for ALL, PERPETUAL, OPTION (and SPOT_HEDGE when Bybit
        sends it).
    chosen_shocks
        Index (``base_coin``, ``price_move``): the IV shock chosen at each price point.
    contingency
        Index (``base_coin``, ``component``): the five components and ``contingency_components``.
    units
        Index (``base_coin``, ``field``): ``asset_im``, ``asset_mm``, ``max_loss`` (Bybit's is read off its
        ALL row: ``max(0, -min)``), ``max_loss_price_move``, ``max_loss_iv_shock``, ``total_close_pz_fee``.
    account
        Index ``field``: ``units_im``, ``units_mm``, ``outside_im``, ``outside_mm`` (what Bybit's wallet
        holds beyond its units - borrowings, orders; ours is Bybit's by construction), ``account_im``,
        ``account_mm``, ``account_im_rate``, ``account_mm_rate`` (truncated to 4 dp), ``available_balance``.
    summary
        Index ``table``: ``cells``, ``unmatched`` (cells on one side only), ``max_abs_residual`` and
        ``max_rel_residual`` (residual / max(1, |bybit|)).
    notes
        What could not be reproduced, and why.
    """

    calibration: Calibration
    replica: MarginReplica
    params: MarginParams
    perp_cells: pd.DataFrame
    option_cells: pd.DataFrame
    expiry_cells: pd.DataFrame
    totals: pd.DataFrame
    chosen_shocks: pd.DataFrame
    contingency: pd.DataFrame
    units: pd.DataFrame
    account: pd.DataFrame
    summary: pd.DataFrame
    notes: tuple[str, ...]


def _round_moves(frame: pd.DataFrame | pd.Series) -> Any:
    if "price_move" not in (frame.index.names or []):
        return frame
    index = frame.index
    if isinstance(index, pd.MultiIndex):
        level = index.names.index("price_move")
        moves = list(np.round(index.levels[level].to_numpy(dtype=np.float64), _MOVE_DECIMALS))
        frame = frame.copy()
        frame.index = index.set_levels(moves, level=level, verify_integrity=False)
        return frame
    frame = frame.copy()
    frame.index = pd.Index(np.round(index.to_numpy(dtype=np.float64), _MOVE_DECIMALS), name=index.name)
    return frame


def _side_by_side(ours: Any, bybit: Any) -> pd.DataFrame:
    """Two series on one index as ``ours``, ``bybit`` and ``residual`` (stack results type as frames too)."""
    table = pd.concat(
        {"ours": _round_moves(ours.astype(np.float64)), "bybit": _round_moves(bybit.astype(np.float64))},
        axis=1,
    )
    table["residual"] = table["ours"] - table["bybit"]
    return table.sort_index()


def _market(cal: Calibration, chain: pd.DataFrame | None) -> pd.DataFrame:
    if chain is None:
        return cal.market
    table = chain.set_index("symbol") if "symbol" in chain.columns else chain
    missing_columns = [name for name in CHAIN_COLUMNS if name not in table.columns]
    if missing_columns:
        raise ValueError(
            f"the option chain needs the columns {list(CHAIN_COLUMNS)}; missing {missing_columns}"
        )
    options = cal.options.index
    missing = [symbol for symbol in options if symbol not in table.index]
    if missing:
        raise ValueError(f"the chain has no row for the report's option(s) {missing}")
    perps = cal.market[~cal.market.index.isin(options)]
    chosen = table.loc[list(options)]
    return pd.concat([chosen, perps]) if len(perps) else chosen


def reconcile(
    report: PortfolioMarginReport | Mapping[str, Any],
    params: MarginParams | None = None,
    chain: pd.DataFrame | None = None,
    now: Any = None,
) -> Reconciliation:
    """Our grid beside Bybit's ``/v5/asset/portfolio-margin`` report, cell by cell, with residuals.

    Parameters
    ----------
    report
        :func:`~.pm_report.parse_portfolio_margin`'s answer (or the raw ``result`` dict).
    params
        Parameters to test; default: the ones :func:`~.margin_calibrate.calibrate` recovers from the report.
    chain
        An option chain (``underlying_price``, ``mark_iv``, ``index_price``) for the report's options: their
        forwards and IVs then come from the market instead of the report's grid.
    now
        The report's time, if the report does not carry it.

    Returns
    -------
    Reconciliation

    Raises
    ------
    ValueError
        No time for the report, a chain without the needed columns or without one of the report's options,
        or ``params`` with another number of IV shocks than the report has columns.
    """
    rep = report if isinstance(report, PortfolioMarginReport) else parse_portfolio_margin(report)
    cal = calibrate(rep, now=now)
    used = cal.params if params is None else params
    widths = set(rep.option_pnl.index.get_level_values("iv_shock_index")) if len(rep.option_pnl) else set()
    if widths and max(widths) + 1 != len(used.iv_shocks):
        raise ValueError(
            f"the report has {max(widths) + 1} IV shocks per option, params has {len(used.iv_shocks)} "
            f"({used.iv_shocks}); they must match to compare cells"
        )
    replica = replicate(
        cal.positions,
        _market(cal, chain),
        used,
        now=cal.now,
        equity=cal.equity,
        outside_im=cal.outside_im,
        outside_mm=cal.outside_mm,
    )
    labels = {round(label, 12): j for j, label in enumerate(used.iv_shocks)}
    tables = {
        "perp_cells": _perp_cells(replica, rep),
        "option_cells": _option_cells(replica, rep, labels),
        "expiry_cells": _expiry_cells(replica, rep, labels),
        "totals": _totals(replica, rep),
        "chosen_shocks": _chosen(replica, rep),
        "contingency": _contingency(replica, rep),
        "units": _units(replica, rep),
        "account": _account(replica, rep, cal),
    }
    notes = list(cal.notes)
    if chain is not None:
        notes.append("option forwards and IVs come from the chain, not from the report's grid")
    return Reconciliation(
        calibration=cal,
        replica=replica,
        params=used,
        summary=_summary(tables),
        notes=tuple(notes),
        **tables,
    )


def _perp_cells(replica: MarginReplica, rep: PortfolioMarginReport) -> pd.DataFrame:
    coins = pd.concat([rep.perp_pnl["base_coin"], replica.perp_pnl["base_coin"]])
    coin = coins[~coins.index.duplicated()]
    table = _side_by_side(replica.perp_pnl["pnl"], rep.perp_pnl["pnl"])
    return _round_moves(coin.to_frame()).reindex(table.index).join(table)


def _option_cells(
    replica: MarginReplica, rep: PortfolioMarginReport, labels: dict[float, int]
) -> pd.DataFrame:
    ours = replica.option_pnl.reset_index()
    ours["iv_shock_index"] = ours["iv_shock"].round(12).map(labels)
    ours = ours.set_index(["symbol", "price_move", "iv_shock_index"])
    table = _side_by_side(ours["pnl"], rep.option_pnl["pnl"])
    info = pd.concat([ours[["base_coin", "iv_shock"]], rep.option_pnl[["base_coin"]]])
    info = _round_moves(info[~info.index.duplicated()])
    return info.reindex(table.index).join(table)


def _expiry_cells(
    replica: MarginReplica, rep: PortfolioMarginReport, labels: dict[float, int]
) -> pd.DataFrame:
    ours: Any = replica.expiry_pnl.reset_index()
    ours["iv_shock_index"] = ours["iv_shock"].round(12).map(labels)
    ours = ours.set_index(["base_coin", "expiry", "price_move", "iv_shock_index"])["pnl"]
    theirs: Any = rep.expiry_pnl.reset_index()
    theirs["expiry"] = pd.DatetimeIndex([expiry_from_code(str(code)) for code in theirs["expiry"]])
    return _side_by_side(
        ours, theirs.set_index(["base_coin", "expiry", "price_move", "iv_shock_index"])["pnl"]
    )


def _totals(replica: MarginReplica, rep: PortfolioMarginReport) -> pd.DataFrame:
    ours: Any = replica.scenarios.stack(["base_coin", "part"], future_stack=True)
    theirs: Any = rep.scenarios.stack(["base_coin", "part"], future_stack=True).dropna()
    ours = ours.reorder_levels(["base_coin", "part", "price_move"])
    theirs = theirs.reorder_levels(["base_coin", "part", "price_move"])
    parts = set(theirs.index.get_level_values("part"))
    ours = ours[ours.index.get_level_values("part").isin(parts)]
    # a unit the report has but the book does not (no positions rebuilt) has no P&L in the replica: 0
    empty_units = theirs.index.get_level_values("base_coin").isin(
        sorted(set(rep.risk_units.index) - set(replica.grids))
    )
    ours = pd.concat([ours, pd.Series(0.0, index=theirs.index[empty_units])])
    return _side_by_side(ours, theirs)


def _chosen(replica: MarginReplica, rep: PortfolioMarginReport) -> pd.DataFrame:
    theirs = rep.max_loss_iv_shocks.reset_index().set_index(["base_coin", "price_move"])["iv_shock"]
    return _side_by_side(replica.max_loss_iv_shocks["iv_shock"], theirs)


def _contingency(replica: MarginReplica, rep: PortfolioMarginReport) -> pd.DataFrame:
    names = [*COMPONENTS, "contingency_components"]
    ours: Any = _our_units(replica, rep, names).stack(future_stack=True)
    theirs: Any = rep.risk_units.reindex(columns=names).astype(np.float64).stack(future_stack=True)
    ours.index.names = theirs.index.names = ["base_coin", "component"]
    return _side_by_side(ours, theirs)


def _our_units(replica: MarginReplica, rep: PortfolioMarginReport, fields: list[str]) -> pd.DataFrame:
    """The replica's unit rows; a unit the report has but the book does not charges 0 (no scenario)."""
    coins = list(dict.fromkeys([*replica.units.index, *rep.risk_units.index]))
    frame = replica.units.reindex(index=coins, columns=fields)
    missing = ~frame.index.isin(replica.units.index)
    amounts = [name for name in fields if name not in ("max_loss_price_move", "max_loss_iv_shock")]
    frame.loc[missing, amounts] = 0.0
    return frame


def _bybit_max_loss(rep: PortfolioMarginReport) -> pd.Series:
    values = {}
    for coin in rep.risk_units.index:
        column = (coin, "ALL")
        if column in rep.scenarios.columns and rep.scenarios[column].notna().any():
            values[coin] = max(0.0, -float(rep.scenarios[column].min()))
    return pd.Series(values, dtype=np.float64)


def _units(replica: MarginReplica, rep: PortfolioMarginReport) -> pd.DataFrame:
    fields = list(_UNIT_FIELDS)
    ours: Any = _our_units(replica, rep, fields).stack(future_stack=True)
    theirs_frame = rep.risk_units.reindex(columns=fields).astype(np.float64)
    theirs_frame["max_loss"] = _bybit_max_loss(rep)
    theirs: Any = theirs_frame.stack(future_stack=True)
    ours.index.names = theirs.index.names = ["base_coin", "field"]
    return _side_by_side(ours, theirs)


def _account(replica: MarginReplica, rep: PortfolioMarginReport, cal: Calibration) -> pd.DataFrame:
    wallet = rep.wallet.iloc[0] if len(rep.wallet) else pd.Series(dtype=np.float64)

    def bybit(name: str) -> float:
        value = wallet.get(name, np.nan)
        return float(value) if value is not None else math.nan

    units = rep.risk_units
    theirs = {
        "units_im": float(units["asset_im"].sum()) if "asset_im" in units else math.nan,
        "units_mm": float(units["asset_mm"].sum()) if "asset_mm" in units else math.nan,
        "outside_im": cal.outside_im,
        "outside_mm": cal.outside_mm,
        "account_im": bybit("account_im"),
        "account_mm": bybit("account_mm"),
        "account_im_rate": bybit("account_im_rate"),
        "account_mm_rate": bybit("account_mm_rate"),
        "available_balance": bybit("available_balance"),
    }
    ours = replica.account.reindex(list(theirs))
    table = _side_by_side(ours, pd.Series(theirs, dtype=np.float64))
    table.index.name = "field"
    return table.loc[list(theirs)]


def _summary(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    rows = {}
    for name, table in tables.items():
        matched = table["ours"].notna() & table["bybit"].notna()
        residual = table.loc[matched, "residual"].abs()
        scale = np.maximum(1.0, table.loc[matched, "bybit"].abs())
        rows[name] = {
            "cells": int(matched.sum()),
            "unmatched": int((~matched).sum()),
            "max_abs_residual": float(residual.max()) if len(residual) else 0.0,
            "max_rel_residual": float((residual / scale).max()) if len(residual) else 0.0,
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "table"
    return frame.astype({"cells": "int64", "unmatched": "int64"})
