"""Aggregates of a spot symbol's fills: the result of ``/v5/account/trade-info-for-analysis``.

Bybit documents the field names, not the formulas; the simulator's are the plain ones, computed from the
account's own executions in the window: sums of value, quantity and fees per side (fees in the coin they were
paid in: the base coin for buys, the quote coin for sells), average prices (value / quantity, ``"0"`` without
fills), ``netExecQty`` = bought - sold, order quantities summed once per order, and ``symbolRnl`` the P&L of
the quantity sold against the window's average buy price (``"0"`` without buys). ``sumPriceList`` has one
entry per UTC day with fills, oldest first, ``day`` as ``YYYY-MM-DD``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from .numbers import ZERO, s8
from .rows import Row


def _average(value: Decimal, qty: Decimal) -> str:
    return s8(value / qty) if qty else "0"


def _day(t_ms: int) -> str:
    return datetime.fromtimestamp(t_ms / 1000, tz=UTC).strftime("%Y-%m-%d")


def trade_analysis(fills: list[Row], base_coin: str, quote_coin: str) -> dict[str, Any]:
    """Return the aggregates of ``fills`` (execution rows of one spot symbol, any order)."""
    value = {"Buy": ZERO, "Sell": ZERO}
    qty = {"Buy": ZERO, "Sell": ZERO}
    fee = {"Buy": ZERO, "Sell": ZERO}
    ordered = {"Buy": ZERO, "Sell": ZERO}
    orders: set[str] = set()
    days: dict[str, dict[str, Decimal]] = {}
    for row in sorted(fills, key=lambda r: int(r["execTime"])):
        side = row["side"]
        value[side] += Decimal(row["execValue"])
        qty[side] += Decimal(row["execQty"])
        fee[side] += Decimal(row["execFee"])
        if row["orderId"] not in orders:
            orders.add(row["orderId"])
            ordered[side] += Decimal(row["orderQty"])
        day = days.setdefault(_day(int(row["execTime"])), {"Buy": ZERO, "Sell": ZERO})
        day[side] += Decimal(row["execValue"])
    realised = ZERO
    if qty["Buy"]:
        realised = value["Sell"] - value["Buy"] / qty["Buy"] * qty["Sell"]
    return {
        "symbolRnl": s8(realised),
        "netExecQty": s8(qty["Buy"] - qty["Sell"]),
        "sumExecValue": s8(value["Buy"] + value["Sell"]),
        "sumExecQty": s8(qty["Buy"] + qty["Sell"]),
        "avgBuyExecPrice": _average(value["Buy"], qty["Buy"]),
        "sumBuyExecValue": s8(value["Buy"]),
        "sumBuyExecQty": s8(qty["Buy"]),
        "sumBuyExecFee": s8(fee["Buy"]),
        "sumBuyOrderQty": s8(ordered["Buy"]),
        "avgSellExecPrice": _average(value["Sell"], qty["Sell"]),
        "sumSellExecValue": s8(value["Sell"]),
        "sumSellExecQty": s8(qty["Sell"]),
        "sumSellExecFee": s8(fee["Sell"]),
        "sumSellOrderQty": s8(ordered["Sell"]),
        "maxMarginVersion": 0,
        "baseCoin": base_coin,
        "settleCoin": quote_coin,
        "sumPriceList": [
            {
                "day": day,
                "sumBuyExecValue": s8(sums["Buy"]),
                "sumSellExecValue": s8(sums["Sell"]),
                "sumExecValue": s8(sums["Buy"] + sums["Sell"]),
            }
            for day, sums in sorted(days.items())
        ],
    }
