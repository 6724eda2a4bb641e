"""The portfolio-margin replica: positions + market data -> risk units -> grid -> MM, IM and account rates.

Per risk unit (base coin): maximum loss over the stress grid (:mod:`.margin_grid`) + contingency components
(:mod:`.margin_contingency`) = MM; IM = MM x IM factor. Account: IM and MM are the units' sums plus what lies
outside the units (borrowing, open orders: not modelled, passed in); the rates divide by equity and are
truncated, not rounded, to 4 decimals as Bybit reports them (V5 reference §7).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from .margin_book import build_book
from .margin_contingency import COMPONENTS, ContingencyBases, contingency, contingency_bases
from .margin_frames import (
    chosen_shocks_frame,
    expiry_pnl_frame,
    option_pnl_frame,
    perp_pnl_frame,
    scenarios_frame,
)
from .margin_grid import UnitGrid, unit_grid
from .margin_params import DEFAULT_PARAMS, MarginParams
from .margin_units import coins_of, unit_arrays
from .pm_render import render_report

__all__ = ["MarginReplica", "account_rates", "replicate", "replicate_book", "truncate_rate"]
_RATE_DECIMALS = 4


def truncate_rate(rate: float) -> float:
    """Truncate a rate to 4 decimals toward zero, as Bybit reports ``accountIMRate`` / ``accountMMRate``."""
    if not math.isfinite(rate):
        return rate
    scale = 10**_RATE_DECIMALS
    # the tiny nudge keeps 0.0204999999 (a float for 0.0205) from truncating to 0.0204
    return math.trunc(rate * scale + math.copysign(1e-9, rate)) / scale


def account_rates(im: float, mm: float, equity: float | None) -> dict[str, float]:
    """Account IM/MM rates (truncated and exact) and available balance for ``equity`` (NaN without it)."""
    if equity is None or not math.isfinite(equity) or equity <= 0:
        exact_im = exact_mm = math.inf if equity is not None and equity <= 0 else math.nan
        available = (equity - im) if equity is not None else math.nan
    else:
        exact_im, exact_mm, available = im / equity, mm / equity, equity - im
    return {
        "account_im_rate": truncate_rate(exact_im),
        "account_mm_rate": truncate_rate(exact_mm),
        "account_im_rate_exact": exact_im,
        "account_mm_rate_exact": exact_mm,
        "available_balance": available,
    }


@dataclass(frozen=True, eq=False)  # holds frames or arrays: compare their fields, not the objects
class MarginReplica:
    """The replica's answer for one book, in the shapes of Bybit's report.

    Attributes
    ----------
    params
        The parameters used.
    book
        The positions joined with market data (:func:`~.margin_book.build_book`).
    grids
        Per base coin, the :class:`~.margin_grid.UnitGrid`.
    units
        Index ``base_coin``: ``asset_im``, ``asset_mm``, ``max_loss``, ``max_loss_price_move``,
        ``max_loss_iv_shock``, the five contingency components and ``contingency_components``,
        ``total_close_pz_fee``, ``im_factor``, ``index_price``, and the bases of the contingencies
        (``gross_notional``, ``hedged_delta``, ``delta_days``, ``short_option_notional``, ``hedged_vega``,
        ``vega_days``, ``hedged_settle``).
    scenarios
        Index ``price_move``; columns (``base_coin``, ``part``) with parts ALL, PERPETUAL, OPTION, SPOT_HEDGE.
    perp_pnl
        Index (``symbol``, ``price_move``): ``base_coin``, ``pnl`` for perpetuals and futures.
    option_pnl
        Index (``symbol``, ``price_move``, ``iv_shock``): ``base_coin``, ``expiry``, ``pnl``.
    expiry_pnl
        Index (``base_coin``, ``expiry``, ``price_move``, ``iv_shock``): ``pnl``.
    max_loss_iv_shocks
        Index (``base_coin``, ``price_move``): ``iv_shock`` chosen at each price point.
    account
        ``units_im``, ``units_mm``, ``outside_im``, ``outside_mm``, ``account_im``, ``account_mm``,
        ``equity``, ``account_im_rate``, ``account_mm_rate`` (truncated to 4 dp), their ``_exact`` twins and
        ``available_balance``.
    now
        The valuation time.
    """

    params: MarginParams
    book: pd.DataFrame
    grids: Mapping[str, UnitGrid]
    units: pd.DataFrame
    account: pd.Series
    now: pd.Timestamp

    # the frames are built on first use: the grid and the margins alone are what a what-if loop needs

    @cached_property
    def scenarios(self) -> pd.DataFrame:
        """Index ``price_move``; columns (``base_coin``, ``part``)."""
        return scenarios_frame(self.grids)

    @cached_property
    def perp_pnl(self) -> pd.DataFrame:
        """Index (``symbol``, ``price_move``): ``base_coin``, ``pnl``."""
        return perp_pnl_frame(self.grids)

    @cached_property
    def option_pnl(self) -> pd.DataFrame:
        """Index (``symbol``, ``price_move``, ``iv_shock``): ``base_coin``, ``expiry``, ``pnl``."""
        return option_pnl_frame(self.grids)

    @cached_property
    def expiry_pnl(self) -> pd.DataFrame:
        """Index (``base_coin``, ``expiry``, ``price_move``, ``iv_shock``): ``pnl``."""
        return expiry_pnl_frame(self.grids)

    @cached_property
    def max_loss_iv_shocks(self) -> pd.DataFrame:
        """Index (``base_coin``, ``price_move``): ``iv_shock``."""
        return chosen_shocks_frame(self.grids)

    def to_report(self) -> dict[str, Any]:
        """Render the replica as a ``/v5/asset/portfolio-margin`` ``result`` (numbers as strings)."""
        return render_report(self)


def replicate(
    positions: pd.DataFrame,
    market: pd.DataFrame | None = None,
    params: MarginParams | None = None,
    now: Any = None,
    *,
    equity: float | None = None,
    outside_im: float = 0.0,
    outside_mm: float = 0.0,
) -> MarginReplica:
    """Portfolio margin of ``positions`` as Bybit computes it, from frames alone.

    Parameters
    ----------
    positions
        ``/v5/position/list`` contract plus ``category`` (linear, inverse, option, spot); see
        :func:`~.margin_book.build_book`.
    market
        The option chain (``Client.option_chain``: ``underlying_price``, ``mark_iv``, ``index_price``) for the
        options held; rows of linear/inverse symbols with ``mark_price`` replace the positions' marks.
    params
        :class:`~.margin_params.MarginParams` (default: :data:`~.margin_params.DEFAULT_PARAMS`).
    now
        Valuation time (naive = UTC); default the exchange's clock in the chain's ``attrs["server_time"]``
        (see :func:`~.margin_book.resolve_now`).
    equity
        Account equity in USD (``wallet.equity`` of the report) for the account rates.
    outside_im, outside_mm
        IM/MM outside the risk units (borrowings, orders), added to the account totals.

    Returns
    -------
    MarginReplica

    Raises
    ------
    ValueError
        Bad positions or market data (see :func:`~.margin_book.build_book`).
    """
    book = build_book(positions, market, now)
    return replicate_book(book, params, equity=equity, outside_im=outside_im, outside_mm=outside_mm)


def replicate_book(
    book: pd.DataFrame,
    params: MarginParams | None = None,
    *,
    equity: float | None = None,
    outside_im: float = 0.0,
    outside_mm: float = 0.0,
) -> MarginReplica:
    """:func:`replicate` for a book already built by :func:`~.margin_book.build_book`."""
    params = DEFAULT_PARAMS if params is None else params
    if not isinstance(params, MarginParams):
        raise ValueError(f"params must be a MarginParams, not {type(params).__name__}")
    grids: dict[str, UnitGrid] = {}
    rows: dict[str, dict[str, float]] = {}
    for coin in coins_of(book):
        unit = unit_arrays(book, coin)
        grid = unit_grid(unit, params.price_moves(coin), np.asarray(params.iv_shocks), params)
        grids[coin] = grid
        rows[coin] = _unit_row(grid, params)
    units = pd.DataFrame.from_dict(rows, orient="index", dtype=np.float64)
    units.index.name = "base_coin"
    if units.empty:
        units = pd.DataFrame(
            columns=list(_UNIT_COLUMNS), dtype=np.float64, index=pd.Index([], name="base_coin")
        )
    units_im = float(units["asset_im"].sum())
    units_mm = float(units["asset_mm"].sum())
    account = {
        "units_im": units_im,
        "units_mm": units_mm,
        "outside_im": float(outside_im),
        "outside_mm": float(outside_mm),
        "account_im": units_im + outside_im,
        "account_mm": units_mm + outside_mm,
        "equity": math.nan if equity is None else float(equity),
        **account_rates(units_im + outside_im, units_mm + outside_mm, equity),
    }
    now = pd.Timestamp(book.attrs.get("now", 0), unit="ms", tz="UTC")
    return MarginReplica(
        params=params,
        book=book,
        grids=grids,
        units=units,
        account=pd.Series(account, dtype=np.float64),
        now=now,
    )


#: the amounts behind the contingency components (see ContingencyBases)
_BASES = tuple(f.name for f in fields(ContingencyBases))
_UNIT_COLUMNS = (
    "asset_im",
    "asset_mm",
    "max_loss",
    "max_loss_price_move",
    "max_loss_iv_shock",
    *COMPONENTS,
    "contingency_components",
    "total_close_pz_fee",
    "im_factor",
    "index_price",
    *_BASES,
)


def _unit_row(grid: UnitGrid, params: MarginParams) -> dict[str, float]:
    coin = grid.base_coin
    bases = contingency_bases(grid.unit)
    parts = contingency(grid.unit, params, bases)
    mm = grid.max_loss + parts["contingency_components"]
    factor = params.value("im_factor", coin)
    row = {
        "asset_im": mm * factor,
        "asset_mm": mm,
        "max_loss": grid.max_loss,
        "max_loss_price_move": grid.max_loss_price_move,
        "max_loss_iv_shock": grid.max_loss_iv_shock,
        **parts,
        "im_factor": factor,
        "index_price": grid.unit.index_price,
        **{name: getattr(bases, name) for name in _BASES},
    }
    return {name: float(row[name]) for name in _UNIT_COLUMNS}
