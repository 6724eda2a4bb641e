"""Parse Bybit's portfolio-margin report (``GET /v5/asset/portfolio-margin``, V5 reference §5.13) into frames.

The ``result`` dict holds the account's ``wallet`` and one ``assetPnlRange`` entry per risk unit (base coin):
the unit's P&L per price move (``totalPnlRanges``: ALL, PERPETUAL, OPTION), per perpetual/futures position,
per option expiry and option position (one P&L per IV shock), the contingency components, IM/MM, the max-loss
scenario and the spot hedge. :func:`parse_portfolio_margin` turns it into a :class:`PortfolioMarginReport`:
numeric strings become float64, JSON integers Int64, names snake_case; fields this module does not know are
kept as extra columns (nested objects flattened to their leaf names), so nothing Bybit sends is dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .pm_fields import ReportFormatError, check_report, is_number, records_frame, snake_case, to_float

__all__ = ["PortfolioMarginReport", "ReportFormatError", "parse_portfolio_margin", "snake_case"]

_KNOWN_UNIT_KEYS = {
    "baseCoin",
    "totalPnlRanges",
    "perpPositionPnlRanges",
    "optionExpiryDatePnlRanges",
    "contingency",
    "asset",
    "spotHedgeInfo",
    "maxLossIvShockList",
}
_SPOT_HEDGE = "SPOT_HEDGE"


@dataclass(frozen=True, eq=False)  # holds frames or arrays: compare their fields, not the objects
class PortfolioMarginReport:
    """Bybit's portfolio-margin report as frames.

    Attributes
    ----------
    wallet
        One row: ``equity``, ``cash_balance``, ``margin_balance``, ``available_balance``, ``account_im``,
        ``account_mm``, ``account_mm_rate``, ``account_im_rate`` (float64) and any other wallet field.
    risk_units
        Index ``base_coin``: ``coin``, ``asset_im``, ``asset_mm`` (from ``asset``), the contingency fields
        (``option_contingency``, ``future_delta_contingency``, ``option_vega_contingency``,
        ``usdt_usdc_contingency``, ``future_contingency``, ``contingency_components``),
        ``max_loss_price_move``, ``max_loss_iv_shock``, ``total_close_pz_fee`` and any other scalar field of
        the unit.
    scenarios
        Index ``price_move``; columns (``base_coin``, ``part``): ALL, PERPETUAL, OPTION (and any other key of
        ``totalPnlRanges``) plus SPOT_HEDGE when ``spotHedgeInfo.pnlRanges`` is not empty.
    perp_positions
        Index ``symbol`` (``symbolName``): ``base_coin``, ``position`` (signed; USD contracts for inverse),
        ``session_avg_price``, ``mark_price``, ``order_size``, ``contract_type`` (Int64), ``settle_coin``,
        ``symbol_alias``, ...
    perp_pnl
        Index (``symbol``, ``price_move``): ``base_coin``, ``pnl``.
    option_positions
        Index ``symbol``: ``base_coin``, ``expiry`` (Bybit's code, e.g. ``26MAR27``), ``position``,
        ``mark_price``, ...
    option_pnl
        Index (``symbol``, ``price_move``, ``iv_shock_index``): ``base_coin``, ``expiry``, ``pnl``. Bybit
        sends one P&L per IV shock without naming the shocks; ``iv_shock_index`` is the position in its list
        (in Bybit's reports: 0 = IV down, then no shock, then IV up).
    expiry_pnl
        Index (``base_coin``, ``expiry``, ``price_move``, ``iv_shock_index``): ``pnl``.
    expiries
        Index (``base_coin``, ``expiry``): any field of an expiry entry besides its P&L ranges (often none).
    spot_hedge
        Index ``base_coin``: ``hedge_spot_size``, ``wallet_balance``, ``usd_index_price``, ...
    max_loss_iv_shocks
        Index (``base_coin``, ``point``): ``price_move`` (the unit's ``point``-th price move; NaN when the
        list and the grid differ in length) and ``iv_shock`` (``maxLossIvShockList``).
    time
        When Bybit produced the report (the envelope's ``time``), if given to the parser.
    extra
        Fields of ``result`` other than ``wallet`` and ``assetPnlRange``.
    """

    wallet: pd.DataFrame
    risk_units: pd.DataFrame
    scenarios: pd.DataFrame
    perp_positions: pd.DataFrame
    perp_pnl: pd.DataFrame
    option_positions: pd.DataFrame
    option_pnl: pd.DataFrame
    expiry_pnl: pd.DataFrame
    expiries: pd.DataFrame
    spot_hedge: pd.DataFrame
    max_loss_iv_shocks: pd.DataFrame
    time: pd.Timestamp | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def equity(self) -> float:
        """``wallet.equity`` (NaN when absent)."""
        return _wallet_value(self.wallet, "equity")

    @property
    def account_im(self) -> float:
        """``wallet.accountIM`` (NaN when absent)."""
        return _wallet_value(self.wallet, "account_im")

    @property
    def account_mm(self) -> float:
        """``wallet.accountMM`` (NaN when absent)."""
        return _wallet_value(self.wallet, "account_mm")


def _wallet_value(wallet: pd.DataFrame, name: str) -> float:
    if name not in wallet.columns or wallet.empty:
        return float("nan")
    return float(wallet[name].iloc[0])


def parse_portfolio_margin(result: Mapping[str, Any], time: Any = None) -> PortfolioMarginReport:
    """Parse the ``result`` of ``GET /v5/asset/portfolio-margin`` (the V5 endpoint) into frames.

    Parameters
    ----------
    result
        The envelope's ``result`` dict: ``wallet`` and ``assetPnlRange``.
    time
        The envelope's ``time`` (epoch ms) or any timestamp; needed later to value options (time to expiry).

    Returns
    -------
    PortfolioMarginReport
        Frames of the wallet, risk units, scenario matrix, perpetual/futures and option positions and their
        P&L grids, spot hedges and chosen IV shocks (see the class for the columns).

    Raises
    ------
    ReportFormatError
        (a ``ValueError``) ``result`` is not a dict, a part of it is not of the type §5.13 gives it (an
        object where a list belongs, a P&L that is no finite number), or an entry of ``assetPnlRange`` has no
        ``baseCoin`` or repeats another's; the message names the part.
    """
    wallet_fields, units = check_report(result)
    wallet = records_frame([dict(wallet_fields)], pd.RangeIndex(1), where="wallet")
    stamp = None
    if time is not None:
        stamp = pd.Timestamp(int(time), unit="ms", tz="UTC") if is_number(time) else pd.Timestamp(time)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    extra = {key: value for key, value in result.items() if key not in ("wallet", "assetPnlRange")}
    return PortfolioMarginReport(
        wallet=wallet,
        risk_units=_risk_units(units),
        scenarios=_scenarios(units),
        perp_positions=_positions(units, "perpPositionPnlRanges"),
        perp_pnl=_perp_pnl(units),
        option_positions=_option_positions(units),
        option_pnl=_option_pnl(units),
        expiry_pnl=_expiry_pnl(units),
        expiries=_expiries(units),
        spot_hedge=_spot_hedge(units),
        max_loss_iv_shocks=_chosen_shocks(units),
        time=None if stamp is None else stamp.as_unit("ms"),
        extra=extra,
    )


# -- the frames ------------------------------------------------------------------------------------------


def _risk_units(units: list[Mapping[str, Any]]) -> pd.DataFrame:
    records = []
    for unit in units:
        record: dict[str, Any] = {}
        for key in ("asset", "contingency"):  # their leaves first: coin, assetIM, assetMM, the components
            value = unit.get(key)
            if isinstance(value, Mapping):
                record.update(value)
            elif value is not None:
                record[key] = value
        record.update({key: value for key, value in unit.items() if key not in _KNOWN_UNIT_KEYS})
        records.append(record)
    index = pd.Index([str(unit["baseCoin"]) for unit in units], name="base_coin", dtype="str")
    return records_frame(records, index, where="assetPnlRange")


def _price_rows(ranges: Sequence[Mapping[str, Any]] | None) -> list[tuple[float, list[float]]]:
    return [
        (to_float(row.get("priceScale")), [to_float(v) for v in row.get("pnls") or []])
        for row in ranges or []
    ]


def _scenarios(units: list[Mapping[str, Any]]) -> pd.DataFrame:
    columns: dict[tuple[str, str], pd.Series] = {}
    for unit in units:
        coin = str(unit["baseCoin"])
        parts = dict(unit.get("totalPnlRanges") or {})
        spot = (unit.get("spotHedgeInfo") or {}).get("pnlRanges") or []
        if spot:
            parts[_SPOT_HEDGE] = {"pnlRanges": spot}
        for part, body in parts.items():
            rows = _price_rows((body or {}).get("pnlRanges"))
            width = max((len(pnls) for _, pnls in rows), default=1)
            for j in range(width):
                name = part if width == 1 else f"{part}_{j}"
                values = [pnls[j] if j < len(pnls) else np.nan for _, pnls in rows]
                index = pd.Index([move for move, _ in rows], name="price_move", dtype=np.float64)
                columns[(coin, name)] = pd.Series(values, index=index, dtype=np.float64)
    if not columns:
        empty = pd.MultiIndex.from_tuples([], names=["base_coin", "part"])
        return pd.DataFrame(index=pd.Index([], name="price_move", dtype=np.float64), columns=empty)
    frame = pd.concat(columns, axis=1).sort_index()
    frame.columns.names = ["base_coin", "part"]
    frame.index.name = "price_move"
    return frame


def _positions(units: list[Mapping[str, Any]], key: str) -> pd.DataFrame:
    records, symbols = [], []
    for unit in units:
        for row in unit.get(key) or []:
            records.append(
                {"baseCoin": unit["baseCoin"], **{k: v for k, v in row.items() if k != "symbolName"}}
            )
            symbols.append(str(row.get("symbolName")))
    frame = records_frame(
        records,
        pd.Index(symbols, name="symbol", dtype="str"),
        frozenset({"pnlRanges"}),
        "perpPositionPnlRanges",
    )
    if frame.empty:
        frame = pd.DataFrame(
            {"base_coin": pd.Series(dtype="str"), "position": pd.Series(dtype=np.float64)},
            index=pd.Index([], name="symbol", dtype="str"),
        )
    return frame


def _option_positions(units: list[Mapping[str, Any]]) -> pd.DataFrame:
    records, symbols = [], []
    for unit in units:
        for expiry in unit.get("optionExpiryDatePnlRanges") or []:
            for row in expiry.get("optionPositionPnlRanges") or []:
                fields = {k: v for k, v in row.items() if k != "symbolName"}
                records.append(
                    {"baseCoin": unit["baseCoin"], "expiry": expiry.get("expiryDateRepresentation"), **fields}
                )
                symbols.append(str(row.get("symbolName")))
    frame = records_frame(
        records,
        pd.Index(symbols, name="symbol", dtype="str"),
        frozenset({"pnlRanges"}),
        "optionPositionPnlRanges",
    )
    if frame.empty:
        frame = pd.DataFrame(
            {name: pd.Series(dtype="str") for name in ("base_coin", "expiry")}
            | {"position": pd.Series(dtype=np.float64)},
            index=pd.Index([], name="symbol", dtype="str"),
        )
    return frame


def _grid_frame(rows: list[dict[str, Any]], keys: list[str], values: list[str]) -> pd.DataFrame:
    if not rows:
        index = pd.MultiIndex.from_arrays([[] for _ in keys], names=keys)
        empty = {name: pd.Series(dtype=np.float64 if name == "pnl" else object) for name in values}
        return pd.DataFrame(empty, index=index)
    frame = pd.DataFrame(rows)
    frame["pnl"] = frame["pnl"].astype(np.float64)
    if "iv_shock_index" in frame.columns:
        frame["iv_shock_index"] = frame["iv_shock_index"].astype(np.int64)
    return frame.set_index(keys)[values]


def _perp_pnl(units: list[Mapping[str, Any]]) -> pd.DataFrame:
    rows = []
    for unit in units:
        for position in unit.get("perpPositionPnlRanges") or []:
            for move, pnls in _price_rows(position.get("pnlRanges")):
                for pnl in pnls:
                    rows.append(
                        {
                            "symbol": position.get("symbolName"),
                            "price_move": move,
                            "base_coin": unit["baseCoin"],
                            "pnl": pnl,
                        }
                    )
    return _grid_frame(rows, ["symbol", "price_move"], ["base_coin", "pnl"])


def _option_pnl(units: list[Mapping[str, Any]]) -> pd.DataFrame:
    rows = []
    for unit in units:
        for expiry in unit.get("optionExpiryDatePnlRanges") or []:
            code = expiry.get("expiryDateRepresentation")
            for position in expiry.get("optionPositionPnlRanges") or []:
                for move, pnls in _price_rows(position.get("pnlRanges")):
                    for j, pnl in enumerate(pnls):
                        rows.append(
                            {
                                "symbol": position.get("symbolName"),
                                "price_move": move,
                                "iv_shock_index": j,
                                "base_coin": unit["baseCoin"],
                                "expiry": code,
                                "pnl": pnl,
                            }
                        )
    return _grid_frame(rows, ["symbol", "price_move", "iv_shock_index"], ["base_coin", "expiry", "pnl"])


def _expiry_pnl(units: list[Mapping[str, Any]]) -> pd.DataFrame:
    rows = []
    for unit in units:
        for expiry in unit.get("optionExpiryDatePnlRanges") or []:
            code = expiry.get("expiryDateRepresentation")
            for move, pnls in _price_rows(expiry.get("pnlRanges")):
                for j, pnl in enumerate(pnls):
                    rows.append(
                        {
                            "base_coin": unit["baseCoin"],
                            "expiry": code,
                            "price_move": move,
                            "iv_shock_index": j,
                            "pnl": pnl,
                        }
                    )
    return _grid_frame(rows, ["base_coin", "expiry", "price_move", "iv_shock_index"], ["pnl"])


def _expiries(units: list[Mapping[str, Any]]) -> pd.DataFrame:
    records, keys = [], []
    skip = {"expiryDateRepresentation", "pnlRanges", "optionPositionPnlRanges"}
    for unit in units:
        for expiry in unit.get("optionExpiryDatePnlRanges") or []:
            records.append({k: v for k, v in expiry.items() if k not in skip})
            keys.append((str(unit["baseCoin"]), str(expiry.get("expiryDateRepresentation"))))
    index = (
        pd.MultiIndex.from_tuples(keys, names=["base_coin", "expiry"])
        if keys
        else pd.MultiIndex.from_arrays([[], []], names=["base_coin", "expiry"])
    )
    return records_frame(records, index, where="optionExpiryDatePnlRanges")


def _spot_hedge(units: list[Mapping[str, Any]]) -> pd.DataFrame:
    records = [
        {k: v for k, v in (unit.get("spotHedgeInfo") or {}).items() if k != "pnlRanges"} for unit in units
    ]
    index = pd.Index([str(unit["baseCoin"]) for unit in units], name="base_coin", dtype="str")
    return records_frame(records, index, where="spotHedgeInfo")


def _chosen_shocks(units: list[Mapping[str, Any]]) -> pd.DataFrame:
    rows = []
    for unit in units:
        chosen = list(unit.get("maxLossIvShockList") or [])
        all_rows = _price_rows(((unit.get("totalPnlRanges") or {}).get("ALL") or {}).get("pnlRanges"))
        moves = [move for move, _ in all_rows] if len(all_rows) == len(chosen) else [np.nan] * len(chosen)
        for point, (shock, move) in enumerate(zip(chosen, moves, strict=True)):
            rows.append(
                {
                    "base_coin": str(unit["baseCoin"]),
                    "point": point,
                    "price_move": move,
                    "iv_shock": to_float(shock),
                }
            )
    if not rows:
        index = pd.MultiIndex.from_arrays([[], []], names=["base_coin", "point"])
        return pd.DataFrame(
            {"price_move": pd.Series(dtype=np.float64), "iv_shock": pd.Series(dtype=np.float64)}, index=index
        )
    frame = pd.DataFrame(rows).astype({"price_move": np.float64, "iv_shock": np.float64})
    return frame.set_index(["base_coin", "point"])
