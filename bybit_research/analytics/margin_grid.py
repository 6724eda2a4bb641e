"""The stress grid of one risk unit: every position's P&L at every (price move, IV shock), vectorised.

Perpetuals, futures and the spot hedge are linear in the move: ``notional x move`` (inverse contracts are
USD-sized, so their USD P&L is ``contracts x move``). Options are revalued with Black-76 at the shocked
forward ``F x (1 + move)`` and the shocked IV of their expiry, minus their value at the unshocked market, so
the no-move, no-shock cell is exactly 0. The unit takes **one IV shock per price point for all its
expiries** - the one with the lowest total P&L - and its maximum loss is the largest loss over the price
points (V5 reference §7; Bybit's ``maxLossIvShockList`` lists the chosen shocks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .black76 import black76_price
from .margin_params import MarginParams
from .margin_units import UnitArrays

__all__ = ["UnitGrid", "position_pnl", "unit_grid"]


def position_pnl(unit: UnitArrays, moves: np.ndarray, shocks: np.ndarray, params: MarginParams) -> np.ndarray:
    """P&L of every position of ``unit`` at every price move and base IV shock.

    Parameters
    ----------
    unit
        The risk unit's positions.
    moves
        Price moves as fractions (``-0.1`` = -10 %), shape ``(M,)``.
    shocks
        Base IV shocks (scaled per expiry by ``params.dte_factor``), shape ``(S,)``.
    params
        Supplies the shock kind, DTE scaling and IV floor.

    Returns
    -------
    numpy.ndarray
        Shape ``(N, M, S)`` in USD; linear rows are the same in every shock column.
    """
    moves = np.asarray(moves, dtype=np.float64)
    shocks = np.asarray(shocks, dtype=np.float64)
    out = np.zeros((len(unit.qty), len(moves), len(shocks)))
    linear = ~unit.is_option
    if linear.any():
        out[linear] = (unit.notional[linear][:, None] * moves[None, :])[:, :, None]
    options = unit.is_option
    if options.any():
        forward, strike = unit.price[options], unit.strike[options]
        t_years, iv, calls = unit.t_years[options], unit.iv[options], unit.is_call[options]
        base = black76_price(forward, strike, t_years, iv, calls)
        vols = params.shocked_vol(iv, shocks, unit.dte[options])
        shocked_forward = forward[:, None, None] * (1.0 + moves)[None, :, None]
        values = black76_price(
            shocked_forward,
            strike[:, None, None],
            t_years[:, None, None],
            vols[:, None, :],
            calls[:, None, None],
        )
        out[options] = unit.qty[options][:, None, None] * (values - base[:, None, None])
    return out


@dataclass(frozen=True, eq=False)  # holds frames or arrays: compare their fields, not the objects
class UnitGrid:
    """The stress grid of one risk unit and what Bybit derives from it.

    Attributes
    ----------
    base_coin
        The risk unit.
    moves, shocks
        Price moves ``(M,)`` and base IV shocks ``(S,)`` of the grid.
    pnl
        Per position, ``(N, M, S)`` (rows in the order of ``unit.symbols``).
    unit
        The positions.
    perpetual, spot, option
        Sums over perpetuals and futures ``(M,)``, the spot hedge ``(M,)`` and options ``(M, S)``.
    total
        ``perpetual + spot + option`` per (move, shock), ``(M, S)``.
    worst_shock
        Index of the shock chosen at each price point (lowest total; ties go to the smallest ``|shock|``).
    all
        The unit's P&L per price point at its chosen shock, ``(M,)`` (Bybit's ``ALL``).
    max_loss
        ``max(0, -min(all))``.
    max_loss_point
        Index of the price point of the maximum loss.
    """

    base_coin: str
    moves: np.ndarray
    shocks: np.ndarray
    pnl: np.ndarray
    unit: UnitArrays
    perpetual: np.ndarray
    spot: np.ndarray
    option: np.ndarray
    total: np.ndarray
    worst_shock: np.ndarray
    all: np.ndarray
    max_loss: float
    max_loss_point: int

    @property
    def option_chosen(self) -> np.ndarray:
        """Options' P&L per price point at the unit's chosen shock (Bybit's ``OPTION``)."""
        return self.option[np.arange(len(self.moves)), self.worst_shock]

    @property
    def max_loss_price_move(self) -> float:
        """The price move of the maximum loss."""
        return float(self.moves[self.max_loss_point])

    @property
    def max_loss_iv_shock(self) -> float:
        """The base IV shock chosen at the price point of the maximum loss."""
        return float(self.shocks[self.worst_shock[self.max_loss_point]])

    def expiry_pnl(self) -> dict[int, np.ndarray]:
        """Options' P&L summed per expiry (epoch ms), each ``(M, S)``, in ascending expiry order."""
        options = self.unit.is_option
        out: dict[int, np.ndarray] = {}
        for expiry in np.unique(self.unit.expiry_ms[options]):
            rows = options & (self.unit.expiry_ms == expiry)
            out[int(expiry)] = self.pnl[rows].sum(axis=0)
        return out


def unit_grid(unit: UnitArrays, moves: np.ndarray, shocks: np.ndarray, params: MarginParams) -> UnitGrid:
    """Evaluate the stress grid of one risk unit (see the module docstring).

    Parameters
    ----------
    unit
        Positions of one base coin.
    moves, shocks
        Price moves and base IV shocks (``params.price_moves(coin)`` and ``params.iv_shocks`` give Bybit's).
    params
        Shock kind and scaling.

    Returns
    -------
    UnitGrid

    Raises
    ------
    ValueError
        No price move or no shock, or a shock list without 0.
    """
    moves = np.asarray(moves, dtype=np.float64)
    shocks = np.asarray(shocks, dtype=np.float64)
    if moves.size == 0 or shocks.size == 0:
        raise ValueError("the grid needs at least one price move and one IV shock")
    pnl = position_pnl(unit, moves, shocks, params)
    linear = unit.is_linear
    perpetual = pnl[linear, :, 0].sum(axis=0)
    spot = pnl[unit.is_spot, :, 0].sum(axis=0)
    option = pnl[unit.is_option].sum(axis=0)
    total = (perpetual + spot)[:, None] + option
    worst = _worst_shock(total, shocks)
    all_pnl = total[np.arange(len(moves)), worst]
    point = int(np.argmin(all_pnl))
    return UnitGrid(
        base_coin=unit.base_coin,
        moves=moves,
        shocks=shocks,
        pnl=pnl,
        unit=unit,
        perpetual=perpetual,
        spot=spot,
        option=option,
        total=total,
        worst_shock=worst,
        all=all_pnl,
        max_loss=max(0.0, -float(all_pnl[point])),
        max_loss_point=point,
    )


def _worst_shock(total: np.ndarray, shocks: np.ndarray) -> np.ndarray:
    """Per row, the column of the lowest value; within 1e-9 (relative) of it the smallest |shock| wins."""
    lowest = total.min(axis=1, keepdims=True)
    candidates = total <= lowest + 1e-9 * (1.0 + np.abs(lowest))
    order = np.argsort(np.abs(shocks), kind="stable")
    return order[np.argmax(candidates[:, order], axis=1)]
