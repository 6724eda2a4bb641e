"""The replica's grids as frames in the shapes of Bybit's report (wide scenario matrix, tidy P&L tables)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .margin_grid import UnitGrid

__all__ = [
    "PARTS",
    "chosen_shocks_frame",
    "expiry_pnl_frame",
    "option_pnl_frame",
    "perp_pnl_frame",
    "scenarios_frame",
]

#: the parts of a unit's P&L per price point, as Bybit names them (plus the spot hedge)
PARTS = ("ALL", "PERPETUAL", "OPTION", "SPOT_HEDGE")


def scenarios_frame(grids: Mapping[str, UnitGrid]) -> pd.DataFrame:
    """Index ``price_move``; columns (``base_coin``, ``part``) for :data:`PARTS`."""
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


def _tidy(arrays: dict[str, list[np.ndarray]], keys: list[str], values: list[str]) -> pd.DataFrame:
    joined = {name: np.concatenate(parts) if parts else np.array([]) for name, parts in arrays.items()}
    index = pd.MultiIndex.from_arrays([joined[name] for name in keys], names=keys)
    frame = pd.DataFrame({name: joined[name] for name in values}, index=index)
    if "pnl" in frame.columns:
        frame["pnl"] = frame["pnl"].astype(np.float64)
    if "expiry" in frame.columns:
        frame["expiry"] = pd.to_datetime(frame["expiry"].astype(np.int64), unit="ms", utc=True).dt.as_unit(
            "ms"
        )
    return frame


def perp_pnl_frame(grids: Mapping[str, UnitGrid]) -> pd.DataFrame:
    """Index (``symbol``, ``price_move``): ``base_coin``, ``pnl`` of perpetuals, futures and spot rows."""
    arrays: dict[str, list[np.ndarray]] = {"symbol": [], "price_move": [], "base_coin": [], "pnl": []}
    for coin, grid in grids.items():
        rows = np.flatnonzero(~grid.unit.is_option)
        n_moves = len(grid.moves)
        arrays["symbol"].append(np.repeat(grid.unit.symbols[rows], n_moves))
        arrays["price_move"].append(np.tile(grid.moves, len(rows)))
        arrays["base_coin"].append(np.full(len(rows) * n_moves, coin, dtype=object))
        arrays["pnl"].append(grid.pnl[rows, :, 0].ravel())
    return _tidy(arrays, ["symbol", "price_move"], ["base_coin", "pnl"])


def option_pnl_frame(grids: Mapping[str, UnitGrid]) -> pd.DataFrame:
    """Index (``symbol``, ``price_move``, ``iv_shock``): ``base_coin``, ``expiry``, ``pnl``."""
    names = ["symbol", "price_move", "iv_shock", "base_coin", "expiry", "pnl"]
    arrays: dict[str, list[np.ndarray]] = {name: [] for name in names}
    for coin, grid in grids.items():
        rows = np.flatnonzero(grid.unit.is_option)
        cells = len(grid.moves) * len(grid.shocks)
        moves, shocks = np.meshgrid(grid.moves, grid.shocks, indexing="ij")
        arrays["symbol"].append(np.repeat(grid.unit.symbols[rows], cells))
        arrays["price_move"].append(np.tile(moves.ravel(), len(rows)))
        arrays["iv_shock"].append(np.tile(shocks.ravel(), len(rows)))
        arrays["base_coin"].append(np.full(len(rows) * cells, coin, dtype=object))
        arrays["expiry"].append(np.repeat(grid.unit.expiry_ms[rows], cells))
        arrays["pnl"].append(grid.pnl[rows].ravel())
    return _tidy(arrays, names[:3], names[3:])


def expiry_pnl_frame(grids: Mapping[str, UnitGrid]) -> pd.DataFrame:
    """Index (``base_coin``, ``expiry``, ``price_move``, ``iv_shock``): ``pnl`` summed per expiry."""
    names = ["base_coin", "expiry", "price_move", "iv_shock", "pnl"]
    arrays: dict[str, list[np.ndarray]] = {name: [] for name in names}
    for coin, grid in grids.items():
        moves, shocks = np.meshgrid(grid.moves, grid.shocks, indexing="ij")
        for expiry, values in grid.expiry_pnl().items():
            arrays["base_coin"].append(np.full(values.size, coin, dtype=object))
            arrays["expiry"].append(np.full(values.size, expiry, dtype=np.int64))
            arrays["price_move"].append(moves.ravel())
            arrays["iv_shock"].append(shocks.ravel())
            arrays["pnl"].append(values.ravel())
    frame = _tidy(arrays, ["base_coin", "price_move", "iv_shock"], ["expiry", "pnl"])
    return frame.set_index("expiry", append=True).reorder_levels(names[:4])


def chosen_shocks_frame(grids: Mapping[str, UnitGrid]) -> pd.DataFrame:
    """Index (``base_coin``, ``price_move``): the ``iv_shock`` chosen at each price point."""
    arrays: dict[str, list[np.ndarray]] = {"base_coin": [], "price_move": [], "iv_shock": []}
    for coin, grid in grids.items():
        arrays["base_coin"].append(np.full(len(grid.moves), coin, dtype=object))
        arrays["price_move"].append(grid.moves)
        arrays["iv_shock"].append(grid.shocks[grid.worst_shock])
    frame = _tidy(arrays, ["base_coin", "price_move"], ["iv_shock"])
    return frame.astype({"iv_shock": np.float64})
