"""Render a replica as Bybit's ``/v5/asset/portfolio-margin`` ``result``: the same shape, numbers as strings.

Used to test calibration on reports whose parameters are known, and to compare books in Bybit's own format.
Fields Bybit sends that the replica does not know (``sessionAvgPrice``, ``orderSize``, the wallet's cash and
margin balances) are left out rather than invented. ``contractType`` follows what Bybit's reports show:
1 linear perpetual, 2 linear futures, 3 inverse perpetual; 4 for inverse futures is this module's assumption.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np
import pandas as pd

from .black76 import black76_price
from .margin_contingency import COMPONENTS
from .margin_grid import UnitGrid

__all__ = ["RenderableReplica", "render_report"]


class RenderableReplica(Protocol):
    """What :func:`render_report` reads of a :class:`~.margin_replica.MarginReplica` (which imports this
    module for ``to_report``, so it is named here by shape rather than imported)."""

    @property
    def grids(self) -> Mapping[str, UnitGrid]: ...

    @property
    def units(self) -> pd.DataFrame: ...

    @property
    def account(self) -> pd.Series: ...


#: Bybit's camelCase names of the contingency fields
_CONTINGENCY_KEYS = {
    name: name.split("_")[0] + "".join(word.title() for word in name.split("_")[1:])
    for name in (*COMPONENTS, "contingency_components")
}
_CONTRACT_TYPES = {("perpetual", False): 1, ("future", False): 2, ("perpetual", True): 3, ("future", True): 4}


def _number(value: float, decimals: int = 8) -> str:
    if not math.isfinite(value):
        return ""
    return f"{value:.{decimals}f}"


def _scale(move: float) -> str:
    text = f"{move:.10g}"
    return text if "." in text or "e" in text else f"{text}.0"


def _compact(value: float) -> str:
    text = f"{value:.10f}".rstrip("0")
    return f"{text}0" if text.endswith(".") else text


def _expiry_code(expiry_ms: int) -> str:
    stamp = pd.Timestamp(expiry_ms, unit="ms", tz="UTC")
    return f"{stamp.day}{stamp.strftime('%b%y').upper()}"


def _ranges(moves: np.ndarray, values: np.ndarray) -> list[dict[str, Any]]:
    values = values.reshape(len(moves), -1)
    return [
        {"priceScale": _scale(m), "pnls": [_number(v) for v in row]}
        for m, row in zip(moves, values, strict=True)
    ]


def _unit(grid: UnitGrid, row: pd.Series) -> dict[str, Any]:
    unit = grid.unit
    moves = grid.moves
    perps = []
    for i in np.flatnonzero(unit.is_linear):
        perps.append(
            {
                "symbolName": unit.symbols[i],
                "position": _compact(unit.qty[i]),
                "pnlRanges": _ranges(moves, grid.pnl[i, :, 0]),
                "markPrice": _compact(unit.price[i]),
                "contractType": _CONTRACT_TYPES[(unit.kind[i], bool(unit.inverse[i]))],
                "settleCoin": unit.settle[i],
                "symbolAlias": unit.symbols[i],
            }
        )
    expiries = []
    for expiry, values in grid.expiry_pnl().items():
        rows = np.flatnonzero(unit.is_option & (unit.expiry_ms == expiry))
        options = [
            {
                "symbolName": unit.symbols[i],
                "position": _compact(unit.qty[i]),
                "markPrice": _number(_option_value(grid, int(i)), 4),
                "pnlRanges": _ranges(moves, grid.pnl[i]),
            }
            for i in rows
        ]
        expiries.append(
            {
                "expiryDateRepresentation": _expiry_code(expiry),
                "pnlRanges": _ranges(moves, values),
                "optionPositionPnlRanges": options,
            }
        )
    spot_rows = np.flatnonzero(unit.is_spot)
    contingency = {key: _number(row[name]) for name, key in _CONTINGENCY_KEYS.items()}
    return {
        "baseCoin": grid.base_coin,
        "totalPnlRanges": {
            "ALL": {"pnlRanges": _ranges(moves, grid.all)},
            "PERPETUAL": {"pnlRanges": _ranges(moves, grid.perpetual)},
            "OPTION": {"pnlRanges": _ranges(moves, grid.option_chosen)},
        },
        "perpPositionPnlRanges": perps,
        "optionExpiryDatePnlRanges": expiries,
        "contingency": contingency,
        "asset": {
            "coin": grid.base_coin,
            "assetIM": _number(row["asset_im"]),
            "assetMM": _number(row["asset_mm"]),
        },
        "maxLossPriceMove": _scale(grid.max_loss_price_move),
        "maxLossIvShock": _scale(grid.max_loss_iv_shock),
        "totalClosePzFee": _number(row["total_close_pz_fee"]),
        "spotHedgeInfo": {
            "hedgeSpotSize": _compact(float(unit.qty[spot_rows].sum())),
            "usdIndexPrice": _compact(unit.index_price) if math.isfinite(unit.index_price) else "",
            "pnlRanges": _ranges(moves, grid.spot) if len(spot_rows) else [],
        },
        "maxLossIvShockList": [_scale(s) for s in grid.shocks[grid.worst_shock]],
    }


def _option_value(grid: UnitGrid, i: int) -> float:
    unit = grid.unit
    return float(black76_price(unit.price[i], unit.strike[i], unit.t_years[i], unit.iv[i], unit.is_call[i]))


def render_report(replica: RenderableReplica) -> dict[str, Any]:
    """The ``result`` dict Bybit would send for ``replica`` (V5 ``/v5/asset/portfolio-margin`` shape).

    Returns
    -------
    dict
        ``wallet`` (equity, availableBalance, accountIM, accountMM and the truncated rates, when the replica
        has an equity) and one ``assetPnlRange`` entry per risk unit.
    """
    account = replica.account
    wallet: dict[str, str] = {}
    if math.isfinite(account["equity"]):
        wallet = {
            "equity": _number(account["equity"]),
            "availableBalance": _number(account["available_balance"]),
            "accountIM": _number(account["account_im"]),
            "accountMM": _number(account["account_mm"]),
            "accountMMRate": f"{account['account_mm_rate']:.4f}",
            "accountIMRate": f"{account['account_im_rate']:.4f}",
        }
    units = []
    for coin, grid in replica.grids.items():
        row = replica.units.loc[coin]
        assert isinstance(row, pd.Series)  # one row per coin
        units.append(_unit(grid, row.astype(np.float64)))
    return {"wallet": wallet, "assetPnlRange": units}
