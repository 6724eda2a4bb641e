"""The numbers the margin figures draw, read off Bybit's portfolio-margin report as it is.

Bybit's report (``/v5/asset/portfolio-margin``, V5 reference §5.13 and §7) gives each risk unit (base coin)
its P&L per price move (``totalPnlRanges.ALL``: for every price move, the P&L at the IV shock that is worst
for the whole unit at that move), its maximum loss scenario, its contingency components, MM and IM; and per
option expiry one P&L per price move and IV shock, without naming the shocks. Nothing here recomputes
margin: the cells are Bybit's numbers, arranged for a heatmap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..analytics.pm_report import PortfolioMarginReport

__all__ = [
    "OPTIONS_ROW",
    "PERPETUALS_ROW",
    "SPOT_HEDGE_ROW",
    "UnitDrivers",
    "check_report",
    "expiry_grid",
    "format_usd",
    "move_label",
    "shock_names",
    "unit_drivers",
    "units_grid",
]

_ALL, _PERPETUAL, _OPTION, _SPOT_HEDGE = "ALL", "PERPETUAL", "OPTION", "SPOT_HEDGE"
#: the rows of :func:`expiry_grid` besides the expiries
PERPETUALS_ROW, OPTIONS_ROW, SPOT_HEDGE_ROW = (
    "perpetuals & futures",
    "options at the shocks taken",
    "spot hedge",
)
#: what Bybit's unnamed IV shocks are, by their place in the list (V5 reference §7: down, none, up)
_SHOCK_NAMES = {3: ("IV down", "IV unchanged", "IV up")}
_EXPECTS = (
    "a portfolio-margin report (br.portfolio_margin() or br.margin.parse_portfolio_margin(): a "
    "PortfolioMarginReport with scenarios (index price_move, columns (base_coin, part)) and risk_units)"
)


def check_report(report: object, helper: str) -> PortfolioMarginReport:
    """Return ``report`` when it is a :class:`PortfolioMarginReport`; else raise ``ValueError`` naming it."""
    if not isinstance(report, PortfolioMarginReport):
        raise ValueError(f"{helper}() expects {_EXPECTS}; got {type(report).__name__}")
    return report


def format_usd(value: float) -> str:
    """A P&L or margin in a cell: ``-3,065`` from 1 000 on, ``-115.1`` from 100, ``-8.42`` below."""
    if not math.isfinite(value):
        return ""
    size = abs(value)
    digits = 0 if size >= 1000 else 1 if size >= 100 else 2
    text = f"{value:,.{digits}f}"
    return "0" if text.lstrip("-").strip("0.,") == "" else text


def move_label(move: float) -> str:
    """A price move as the heatmap's column label: ``-10%``, ``0%``, ``+2%``, ``+2.5%``."""
    percent = round(move * 100, 6)
    text = f"{percent:+g}%"
    return "0%" if percent == 0 else text


def _units(report: PortfolioMarginReport) -> list[str]:
    """The report's risk units in the order Bybit lists them (and any unit only the grid holds)."""
    coins = [str(c) for c in report.risk_units.index]
    if isinstance(report.scenarios.columns, pd.MultiIndex) and len(report.scenarios.columns):
        coins += [str(c) for c in report.scenarios.columns.unique("base_coin") if str(c) not in coins]
    return coins


def units_grid(report: PortfolioMarginReport) -> pd.DataFrame:
    """Each unit's P&L (``ALL`` part) per price move: index ``base_coin`` (Bybit's order), columns
    ``price_move`` ascending; NaN where Bybit sends no cell (a unit without an ``ALL`` part)."""
    scenarios = report.scenarios
    moves = np.sort(scenarios.index.to_numpy(np.float64))
    rows = {}
    for coin in _units(report):
        column = (coin, _ALL)
        if column in scenarios.columns:
            rows[coin] = scenarios[column].reindex(moves).to_numpy(np.float64)
        else:
            rows[coin] = np.full(len(moves), np.nan)
    grid = pd.DataFrame.from_dict(rows, orient="index", columns=pd.Index(moves, name="price_move"))
    grid.index.name = "base_coin"
    return grid


@dataclass(frozen=True)
class UnitDrivers:
    """What sets one unit's MM: the worst cell of its ``ALL`` row and the report's margins.

    ``worst_move`` is the price move of the lowest P&L (NaN when the row is empty), ``max_loss`` that
    P&L's loss (``-min(P&L)``, Bybit's ``ABS(min(P&L))`` when the minimum is a loss; 0 when every cell
    gains); ``contingency``, ``mm`` and ``im`` are Bybit's ``contingencyComponents``, ``assetMM`` and
    ``assetIM``.
    """

    base_coin: str
    worst_move: float
    worst_pnl: float
    max_loss: float
    contingency: float
    mm: float
    im: float

    def describe(self) -> str:
        """``"MM 3,181 = loss 3,065 + cont. 116.8 · IM 3,818"`` (what the figure writes beside the row)."""
        if not math.isfinite(self.max_loss):
            return f"MM {format_usd(self.mm)} (no scenarios) · IM {format_usd(self.im)}"
        return (
            f"MM {format_usd(self.mm)} = loss {format_usd(self.max_loss)}"
            f" + cont. {format_usd(self.contingency)} · IM {format_usd(self.im)}"
        )


def _unit_value(report: PortfolioMarginReport, coin: str, column: str) -> float:
    units = report.risk_units
    if column not in units.columns or coin not in units.index:
        return math.nan
    return float(
        pd.to_numeric(units[column], errors="coerce").to_numpy(np.float64)[units.index.get_loc(coin)]
    )


def unit_drivers(report: PortfolioMarginReport) -> list[UnitDrivers]:
    """Per risk unit (in :func:`units_grid` order) its worst cell and Bybit's contingency, MM and IM."""
    grid = units_grid(report)
    moves = grid.columns.to_numpy(np.float64)
    drivers = []
    for coin, row in zip(grid.index, grid.to_numpy(np.float64), strict=True):
        finite = np.isfinite(row)
        if finite.any():
            at = int(np.nanargmin(row))
            worst_move, worst_pnl = float(moves[at]), float(row[at])
        else:
            worst_move = worst_pnl = math.nan
        drivers.append(
            UnitDrivers(
                base_coin=str(coin),
                worst_move=worst_move,
                worst_pnl=worst_pnl,
                max_loss=max(-worst_pnl, 0.0) if math.isfinite(worst_pnl) else math.nan,
                contingency=_unit_value(report, str(coin), "contingency_components"),
                mm=_unit_value(report, str(coin), "asset_mm"),
                im=_unit_value(report, str(coin), "asset_im"),
            )
        )
    return drivers


def shock_names(count: int) -> tuple[str, ...]:
    """Names of Bybit's ``count`` unnamed IV shocks, by place: down, unchanged, up (else ``IV shock j``)."""
    return _SHOCK_NAMES.get(count, tuple(f"IV shock {j}" for j in range(count)))


def _expiry_order(codes: list[str]) -> list[str]:
    """Expiry codes (``21JUN24``) by date; codes that are not dates keep their place after the dates."""
    dates = pd.to_datetime(pd.Series(codes, dtype=object), format="%d%b%y", errors="coerce")
    order = sorted(
        range(len(codes)), key=lambda i: (pd.isna(dates[i]), dates[i] if pd.notna(dates[i]) else 0, i)
    )
    return [codes[i] for i in order]


def expiry_grid(report: PortfolioMarginReport, coin: str) -> tuple[pd.DataFrame, pd.Series]:
    """One unit's composition: the P&L of its perpetuals and futures and of each option expiry per IV shock.

    Parameters
    ----------
    report
        Bybit's report.
    coin
        One of its risk units.

    Returns
    -------
    (pandas.DataFrame, pandas.Series)
        The grid: index (``part``, ``iv_shock``) with the rows ``(PERPETUALS_ROW, "")`` (the
        ``PERPETUAL`` part, when the unit has one), ``(expiry code, shock name)`` per expiry (by date)
        and IV shock (Bybit's order; see :func:`shock_names`), ``(OPTIONS_ROW, "")`` (Bybit's ``OPTION``
        part: the expiries at the shocks taken) and ``(SPOT_HEDGE_ROW, "")`` (``SPOT_HEDGE``), each when
        Bybit sends it; columns ``price_move`` as in :func:`units_grid`. And per price move the place of
        the IV shock the unit's ``OPTION`` part was taken at (Int64; missing where no shock reproduces it,
        or the unit has no options): the shock whose P&L summed over the expiries equals Bybit's
        ``OPTION`` cell.

    Raises
    ------
    ValueError
        For a coin that is not a risk unit of the report (the message lists them).
    """
    coins = _units(report)
    if coin not in coins:
        raise ValueError(f"unit={coin!r} is not a risk unit of the report; it holds {coins}")
    moves = units_grid(report).columns.to_numpy(np.float64)
    rows: dict[tuple[str, str], np.ndarray] = {}
    scenarios = report.scenarios
    if (coin, _PERPETUAL) in scenarios.columns:
        rows[(PERPETUALS_ROW, "")] = scenarios[(coin, _PERPETUAL)].reindex(moves).to_numpy(np.float64)
    pnl = report.expiry_pnl
    chosen = pd.Series(
        pd.array([pd.NA] * len(moves), dtype="Int64"), index=pd.Index(moves, name="price_move")
    )
    if len(pnl) and coin in pnl.index.get_level_values("base_coin"):
        unit = pnl.xs(coin, level="base_coin")["pnl"]
        codes = _expiry_order([str(c) for c in unit.index.unique("expiry")])
        count = int(unit.index.get_level_values("iv_shock_index").max()) + 1
        names = shock_names(count)
        cube = np.full((len(codes), count, len(moves)), np.nan)
        for e, code in enumerate(codes):
            table = (
                unit.xs(code, level="expiry")
                .unstack("iv_shock_index")
                .reindex(index=moves, columns=range(count))
            )
            cube[e] = table.to_numpy(np.float64).T
            for j in range(count):
                rows[(code, names[j])] = cube[e, j]
        if (coin, _OPTION) in scenarios.columns:
            option = scenarios[(coin, _OPTION)].reindex(moves).to_numpy(np.float64)
            chosen = _chosen_shocks(cube, option, chosen)
            rows[(OPTIONS_ROW, "")] = option
    if (coin, _SPOT_HEDGE) in scenarios.columns:
        rows[(SPOT_HEDGE_ROW, "")] = scenarios[(coin, _SPOT_HEDGE)].reindex(moves).to_numpy(np.float64)
    grid = pd.DataFrame.from_dict(rows, orient="index", columns=pd.Index(moves, name="price_move"))
    grid.index = pd.MultiIndex.from_tuples(list(rows), names=["part", "iv_shock"])
    return grid, chosen


def _chosen_shocks(cube: np.ndarray, option: np.ndarray, chosen: pd.Series) -> pd.Series:
    """Per price move the shock ``j`` with ``sum over expiries of cube[:, j, move] == option[move]``."""
    sums = np.nansum(cube, axis=0)  # (shock, move)
    values = list(chosen.array)
    for m, target in enumerate(option):
        if not math.isfinite(target):
            continue
        gaps = np.abs(sums[:, m] - target)
        j = int(np.argmin(gaps))
        if gaps[j] <= 1e-6 * max(1.0, abs(target)) + 1e-4:  # Bybit writes 8 decimals
            values[m] = j
    return pd.Series(pd.array(values, dtype="Int64"), index=chosen.index)
