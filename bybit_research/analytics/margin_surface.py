"""Risk between Bybit's grid points, and how far the market can move before liquidation.

:func:`margin_surface` evaluates one risk unit on a finer grid than Bybit's (by default 41 price moves x 9
IV shocks over the same ranges), so a loss that peaks between Bybit's 2 % steps or between its three IV
shocks shows. :func:`liquidation_surface` moves the market itself - the coin's prices by ``price_move`` and
every IV of the unit by ``iv_shift`` - revalues the book (equity changes by its P&L), recomputes the unit's
portfolio margin at the moved market and gives the account's MM rate there; liquidation starts at 100 %, so
the contour ``mm_rate == 1`` is the distance to liquidation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .margin_book import build_book
from .margin_contingency import contingency
from .margin_grid import position_pnl, unit_grid
from .margin_params import DEFAULT_PARAMS, MarginParams
from .margin_replica import replicate_book
from .margin_units import coins_of, unit_arrays

__all__ = ["LiquidationSurface", "MarginSurface", "liquidation_surface", "margin_surface", "surface_of_book"]


@dataclass(frozen=True, eq=False)  # holds frames or arrays: compare their fields, not the objects
class MarginSurface:
    """One risk unit's P&L on a fine grid.

    Attributes
    ----------
    base_coin
        The risk unit.
    pnl
        Index ``price_move``, columns ``iv_shock`` (base shocks, scaled per expiry as in the grid): the unit's
        P&L when every expiry takes that shock.
    worst
        Per price move, the lowest P&L over the shocks (the fine-grid ``ALL``).
    max_loss, max_loss_price_move, max_loss_iv_shock
        The fine grid's maximum loss and where it is.
    grid_max_loss
        The maximum loss on the parameters' own (Bybit's) grid, for comparison.
    contingency
        The unit's contingency components (independent of the grid).
    """

    base_coin: str
    pnl: pd.DataFrame
    worst: pd.Series
    max_loss: float
    max_loss_price_move: float
    max_loss_iv_shock: float
    grid_max_loss: float
    contingency: float

    @property
    def mm(self) -> float:
        """Maintenance margin with the fine grid's maximum loss."""
        return self.max_loss + self.contingency

    @property
    def grid_mm(self) -> float:
        """Maintenance margin on the parameters' own grid (the replica's MM)."""
        return self.grid_max_loss + self.contingency


def _one_coin(book: pd.DataFrame, base_coin: str | None) -> str:
    coins = coins_of(book)
    if base_coin is not None:
        return coins_of(book, base_coin)[0]
    if len(coins) != 1:
        raise ValueError(f"the positions span several risk units {coins}; pass base_coin= one of them")
    return coins[0]


def surface_of_book(
    book: pd.DataFrame,
    base_coin: str,
    params: MarginParams,
    price_points: int = 41,
    iv_points: int = 9,
    price_range: float | None = None,
) -> MarginSurface:
    """:func:`margin_surface` for a book built by :func:`~.margin_book.build_book`."""
    if price_points < 2 or iv_points < 2:
        raise ValueError(f"price_points and iv_points must be >= 2, not {price_points} and {iv_points}")
    limit = params.value("price_range", base_coin) if price_range is None else float(price_range)
    if not limit > 0:
        raise ValueError(f"price_range must be > 0, not {price_range}")
    moves = np.round(np.linspace(-limit, limit, price_points), 12)
    shocks = np.round(np.linspace(min(params.iv_shocks), max(params.iv_shocks), iv_points), 12)
    unit = unit_arrays(book, base_coin)
    fine = unit_grid(unit, moves, shocks, params)
    coarse = unit_grid(unit, params.price_moves(base_coin), np.asarray(params.iv_shocks), params)
    pnl = pd.DataFrame(
        fine.total, index=pd.Index(moves, name="price_move"), columns=pd.Index(shocks, name="iv_shock")
    )
    return MarginSurface(
        base_coin=base_coin,
        pnl=pnl,
        worst=pd.Series(fine.all, index=pnl.index, name="worst"),
        max_loss=fine.max_loss,
        max_loss_price_move=fine.max_loss_price_move,
        max_loss_iv_shock=fine.max_loss_iv_shock,
        grid_max_loss=coarse.max_loss,
        contingency=contingency(unit, params)["contingency_components"],
    )


def margin_surface(
    positions: pd.DataFrame,
    market: pd.DataFrame | None = None,
    params: MarginParams | None = None,
    now: Any = None,
    *,
    base_coin: str | None = None,
    price_points: int = 41,
    iv_points: int = 9,
    price_range: float | None = None,
) -> MarginSurface:
    """One risk unit's P&L on a finer grid than Bybit's.

    Parameters
    ----------
    positions, market, params, now
        As in :func:`~.margin_replica.replicate`.
    base_coin
        The risk unit; may be left out when the positions hold one.
    price_points, iv_points
        Points of the fine grid: ``price_points`` moves over +-``price_range`` (default the parameters'
        range) and ``iv_points`` base shocks from the parameters' lowest to their highest shock. With the
        defaults (41 x 9 over +-10 % and -0.2..0.2) every point of Bybit's 11 x 3 grid is on the fine grid.

    Returns
    -------
    MarginSurface

    Raises
    ------
    ValueError
        Positions of several risk units without ``base_coin``, a coin without positions, fewer than 2 points,
        or what :func:`~.margin_book.build_book` refuses.
    """
    params = DEFAULT_PARAMS if params is None else params
    book = build_book(positions, market, now)
    coin = _one_coin(book, base_coin)
    return surface_of_book(book, coin, params, price_points, iv_points, price_range)


@dataclass(frozen=True, eq=False)  # holds frames or arrays: compare their fields, not the objects
class LiquidationSurface:
    """The account's MM rate after the market of one risk unit moved.

    Attributes
    ----------
    base_coin
        The risk unit whose market moves (the other units' margin stays as it is).
    mm_rate
        Index ``price_move`` (of the coin's prices), columns ``iv_shift`` (of every IV of the unit, in the
        parameters' shock kind): account MM / equity after the move (inf where equity is gone).
    equity, mm
        Equity and account MM after the move.
    distance
        Index ``iv_shift``: ``down`` and ``up``, the price moves nearest to 0 at which the MM rate reaches
        100 % at that IV shift (linear interpolation; NaN when not reached within the surface; the move
        nearest to 0 when already there).
    current_rate
        The MM rate now.
    """

    base_coin: str
    mm_rate: pd.DataFrame
    equity: pd.DataFrame
    mm: pd.DataFrame
    distance: pd.DataFrame
    current_rate: float


def liquidation_surface(
    positions: pd.DataFrame,
    market: pd.DataFrame | None = None,
    params: MarginParams | None = None,
    now: Any = None,
    *,
    equity: float,
    base_coin: str | None = None,
    price_moves: Any = None,
    iv_shifts: Any = None,
    outside_mm: float = 0.0,
) -> LiquidationSurface:
    """Distance to liquidation (MM rate 100 %) as a price x IV surface of one risk unit.

    Parameters
    ----------
    positions, market, params, now
        As in :func:`~.margin_replica.replicate`.
    equity
        Account equity now (USD), e.g. the report's ``wallet.equity``.
    base_coin
        The risk unit whose market moves; may be left out when the positions hold one.
    price_moves
        Moves of the coin's prices (default 41 from -50 % to +50 %).
    iv_shifts
        Shifts of the unit's IVs (default 11 from -0.5 to +0.5; relative or absolute as ``params``).
    outside_mm
        MM outside the risk units (borrowings, orders), unchanged by the move.

    Returns
    -------
    LiquidationSurface

    Raises
    ------
    ValueError
        A non-positive equity, moves of -100 % or less, several risk units without ``base_coin``, or what
        :func:`~.margin_book.build_book` refuses.
    """
    params = DEFAULT_PARAMS if params is None else params
    if not (isinstance(equity, int | float) and math.isfinite(equity) and equity > 0):
        raise ValueError(f"equity must be a positive number of USD, not {equity!r}")
    moves = np.linspace(-0.5, 0.5, 41) if price_moves is None else np.asarray(price_moves, dtype=np.float64)
    shifts = np.linspace(-0.5, 0.5, 11) if iv_shifts is None else np.asarray(iv_shifts, dtype=np.float64)
    if moves.size == 0 or shifts.size == 0 or (moves <= -1).any():
        raise ValueError("price_moves must be non-empty and > -1 (-100 %); iv_shifts must be non-empty")
    book = build_book(positions, market, now)
    coin = _one_coin(book, base_coin)
    replica = replicate_book(book, params)
    other_mm = float(replica.units["asset_mm"].drop(coin).sum()) + outside_mm
    unit = unit_arrays(book, coin)
    flat = params.override(iv_dte_power=0.0)  # a market shift moves every IV alike, not DTE-scaled
    pnl = position_pnl(unit, moves, shifts, flat).sum(axis=0)
    unit_mm = np.empty((len(moves), len(shifts)))
    for i, move in enumerate(moves):
        for j, shift in enumerate(shifts):
            moved = unit.shifted(float(move), float(shift), params.iv_shock_kind, params.iv_floor)
            grid = unit_grid(moved, params.price_moves(coin), np.asarray(params.iv_shocks), params)
            unit_mm[i, j] = grid.max_loss + contingency(moved, params)["contingency_components"]
    index = pd.Index(np.round(moves, 12), name="price_move")
    columns = pd.Index(np.round(shifts, 12), name="iv_shift")
    equity_after = equity + pnl
    mm_after = unit_mm + other_mm
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(equity_after > 0, mm_after / equity_after, np.inf)
    mm_rate = pd.DataFrame(rate, index=index, columns=columns)
    current = (float(replica.units["asset_mm"].to_dict()[coin]) + other_mm) / equity
    return LiquidationSurface(
        base_coin=coin,
        mm_rate=mm_rate,
        equity=pd.DataFrame(equity_after, index=index, columns=columns),
        mm=pd.DataFrame(mm_after, index=index, columns=columns),
        distance=_distances(mm_rate),
        current_rate=current,
    )


def _crossing(moves: np.ndarray, rates: np.ndarray) -> float:
    """The first move (walking away from 0) where ``rates`` reaches 1, interpolated; NaN if never."""
    for k in range(len(moves)):
        if rates[k] >= 1.0:
            if k == 0:
                return float(moves[0])
            low, high = rates[k - 1], rates[k]
            if not math.isfinite(high):
                return float(moves[k])
            weight = (1.0 - low) / (high - low)
            return float(moves[k - 1] + weight * (moves[k] - moves[k - 1]))
    return math.nan


def _distances(mm_rate: pd.DataFrame) -> pd.DataFrame:
    """Per IV shift, the nearest moves down and up (from the move closest to 0) where the rate reaches 1."""
    moves = mm_rate.index.to_numpy(dtype=np.float64)
    start = int(np.argmin(np.abs(moves)))
    rows = {}
    for shift in mm_rate.columns:
        rates = mm_rate[shift].to_numpy(dtype=np.float64)
        rows[shift] = {
            "down": _crossing(moves[: start + 1][::-1], rates[: start + 1][::-1]),
            "up": _crossing(moves[start:], rates[start:]),
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "iv_shift"
    return frame
