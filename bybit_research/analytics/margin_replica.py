"""The portfolio-margin replica: positions + market data -> risk units -> grid -> MM, IM and account rates.

Per risk unit (base coin): maximum loss over the stress grid (:mod:`.margin_grid`) + contingency components
(:mod:`.margin_contingency`) = MM; IM = MM x IM factor. Account: IM and MM are the units' sums plus what lies
outside the units (borrowing, open orders: not modelled, passed in); the rates divide by equity and are
truncated, not rounded, to 4 decimals as Bybit reports them (V5 reference §7).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .margin_book import build_book, coins_of, unit_arrays
from .margin_contingency import COMPONENTS, contingency, contingency_bases
from .margin_grid import UnitGrid, unit_grid
from .margin_params import DEFAULT_PARAMS, MarginParams

__all__ = ["PARTS", "MarginReplica", "account_rates", "replicate", "replicate_book", "truncate_rate"]

#: the parts of a unit's P&L per price point, as Bybit names them (plus the spot hedge)
PARTS = ("ALL", "PERPETUAL", "OPTION", "SPOT_HEDGE")
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


@dataclass(frozen=True)
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
    scenarios: pd.DataFrame
    perp_pnl: pd.DataFrame
    option_pnl: pd.DataFrame
    expiry_pnl: pd.DataFrame
    max_loss_iv_shocks: pd.DataFrame
    account: pd.Series
    now: pd.Timestamp

    def to_report(self) -> dict[str, Any]:
        """Render the replica as a ``/v5/asset/portfolio-margin`` ``result`` (numbers as strings)."""
        from .pm_render import render_report

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
        Valuation time (naive = UTC); default the chain's ``fetched_at``.
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
        scenarios=_scenarios(grids),
        perp_pnl=_perp_pnl(grids),
        option_pnl=_option_pnl(grids),
        expiry_pnl=_expiry_pnl(grids),
        max_loss_iv_shocks=_chosen_shocks(grids),
        account=pd.Series(account, dtype=np.float64),
        now=now,
    )


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
    "gross_notional",
    "hedged_delta",
    "delta_days",
    "short_option_notional",
    "hedged_vega",
    "vega_days",
    "hedged_settle",
)


def _unit_row(grid: UnitGrid, params: MarginParams) -> dict[str, float]:
    coin = grid.base_coin
    parts = contingency(grid.unit, params)
    bases = contingency_bases(grid.unit)
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
        **{name: getattr(bases, name) for name in _UNIT_COLUMNS[-7:]},
    }
    return {name: float(row[name]) for name in _UNIT_COLUMNS}


def _scenarios(grids: Mapping[str, UnitGrid]) -> pd.DataFrame:
    columns: dict[tuple[str, str], pd.Series] = {}
    for coin, grid in grids.items():
        index = pd.Index(grid.moves, name="price_move")
        parts = (grid.all, grid.perpetual, grid.option_chosen, grid.spot)
        for part, values in zip(PARTS, parts, strict=True):
            columns[(coin, part)] = pd.Series(values, index=index)
    if not columns:
        empty = pd.MultiIndex.from_tuples([], names=["base_coin", "part"])
        return pd.DataFrame(index=pd.Index([], name="price_move", dtype=np.float64), columns=empty)
    frame = pd.concat(columns, axis=1).sort_index()
    frame.columns.names = ["base_coin", "part"]
    frame.index.name = "price_move"
    return frame


def _perp_pnl(grids: Mapping[str, UnitGrid]) -> pd.DataFrame:
    pieces = []
    for coin, grid in grids.items():
        rows = grid.unit.is_linear | grid.unit.is_spot
        for position in np.flatnonzero(rows):
            pieces.append(
                pd.DataFrame(
                    {
                        "symbol": grid.unit.symbols[position],
                        "price_move": grid.moves,
                        "base_coin": coin,
                        "pnl": grid.pnl[position, :, 0],
                    }
                )
            )
    return _tidy(pieces, ["symbol", "price_move"], ["base_coin", "pnl"])


def _option_pnl(grids: Mapping[str, UnitGrid]) -> pd.DataFrame:
    pieces = []
    for coin, grid in grids.items():
        moves, shocks = np.meshgrid(grid.moves, grid.shocks, indexing="ij")
        for position in np.flatnonzero(grid.unit.is_option):
            pieces.append(
                pd.DataFrame(
                    {
                        "symbol": grid.unit.symbols[position],
                        "price_move": moves.ravel(),
                        "iv_shock": shocks.ravel(),
                        "base_coin": coin,
                        "expiry": pd.Timestamp(int(grid.unit.expiry_ms[position]), unit="ms", tz="UTC"),
                        "pnl": grid.pnl[position].ravel(),
                    }
                )
            )
    return _tidy(pieces, ["symbol", "price_move", "iv_shock"], ["base_coin", "expiry", "pnl"])


def _expiry_pnl(grids: Mapping[str, UnitGrid]) -> pd.DataFrame:
    pieces = []
    for coin, grid in grids.items():
        moves, shocks = np.meshgrid(grid.moves, grid.shocks, indexing="ij")
        for expiry, values in grid.expiry_pnl().items():
            pieces.append(
                pd.DataFrame(
                    {
                        "base_coin": coin,
                        "expiry": pd.Timestamp(expiry, unit="ms", tz="UTC"),
                        "price_move": moves.ravel(),
                        "iv_shock": shocks.ravel(),
                        "pnl": values.ravel(),
                    }
                )
            )
    return _tidy(pieces, ["base_coin", "expiry", "price_move", "iv_shock"], ["pnl"])


def _chosen_shocks(grids: Mapping[str, UnitGrid]) -> pd.DataFrame:
    pieces = [
        pd.DataFrame({"base_coin": coin, "price_move": grid.moves, "iv_shock": grid.shocks[grid.worst_shock]})
        for coin, grid in grids.items()
    ]
    return _tidy(pieces, ["base_coin", "price_move"], ["iv_shock"])


def _tidy(pieces: list[pd.DataFrame], keys: list[str], values: list[str]) -> pd.DataFrame:
    if not pieces:
        empty = pd.MultiIndex.from_arrays([[] for _ in keys], names=keys)
        return pd.DataFrame({name: pd.Series(dtype=np.float64) for name in values}, index=empty)
    frame = pd.concat(pieces, ignore_index=True)
    if "expiry" in frame.columns:
        frame["expiry"] = frame["expiry"].dt.as_unit("ms")
    return frame.set_index(keys)[values]
