"""Builders of the history rows as Bybit sends them (all numbers as strings, a few documented integers).

Every row also carries private keys starting with ``_`` used for filtering (``_t`` the time the row is filed
under, ``_rid`` its position in the ledger, ``_cat``, ``_base``, ``_settle``); they are stripped before a row
is sent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..market import Instrument
from .numbers import ZERO, s, s8

Row = dict[str, Any]


def public(row: Row) -> Row:
    """Return ``row`` without its private ``_`` keys."""
    return {key: value for key, value in row.items() if not key.startswith("_")}


def tags(inst: Instrument | None, t_ms: int, rid: int) -> Row:
    """Return the private filter keys of a row about ``inst`` (or about no instrument)."""
    return {
        "_t": t_ms,
        "_rid": rid,
        "_cat": inst.category if inst else "",
        "_base": inst.base_coin if inst else "",
        "_settle": inst.settle_coin if inst else "",
        "_symbol": inst.symbol if inst else "",
    }


def execution_row(
    inst: Instrument,
    order: Row,
    exec_id: str,
    t_ms: int,
    price: Decimal,
    qty: Decimal,
    leaves: Decimal,
    fee: Decimal,
    fee_rate: str,
    fee_currency: str,
    is_maker: bool,
    closed: Decimal | None,
    mark: float,
    index: float,
    option: tuple[float, float] | None,
    seq: int,
    exec_type: str,
    rid: int,
) -> Row:
    """Return one ``/v5/execution/list`` row of a fill of ``order``.

    ``option`` is ``(mark_iv, underlying_price)`` for options; ``closed`` the quantity the fill closed
    (``None``: not a position-changing fill, ``closedSize`` ``""``); ``rid`` the row's place in the ledger.
    """
    value = qty / price if inst.category == "inverse" else price * qty
    return {
        "symbol": inst.symbol,
        "orderId": order["orderId"],
        "orderLinkId": order["orderLinkId"],
        "side": order["side"],
        "orderPrice": order["price"],
        "orderQty": order["qty"],
        "leavesQty": s(leaves),
        "createType": "CreateByUser" if exec_type == "Trade" else "",
        "orderType": order["orderType"] if exec_type == "Trade" else "UNKNOWN",
        "stopOrderType": "",
        "execFee": s8(fee),
        "execFeeV2": "",
        "execId": exec_id,
        "execPrice": s(price),
        "execQty": s(qty),
        "execType": exec_type,
        "execValue": s8(value),
        "execTime": str(t_ms),
        "feeCurrency": fee_currency,
        "isMaker": is_maker,
        "feeRate": fee_rate,
        "tradeIv": f"{option[0]:.4f}" if option else "",
        "markIv": f"{option[0]:.4f}" if option else "",
        "markPrice": f"{mark:.8f}".rstrip("0").rstrip("."),
        "indexPrice": f"{index:.8f}".rstrip("0").rstrip("."),
        "underlyingPrice": f"{option[1]:.4f}" if option else "",
        "blockTradeId": "",
        "closedSize": s(closed) if closed is not None else "",
        "seq": seq,
        "extraFees": "",
        **tags(inst, t_ms, rid),
    }


def transaction_row(
    rid: int,
    uid: int,
    inst: Instrument | None,
    t_ms: int,
    kind: str,
    currency: str,
    cash_flow: Decimal,
    funding: Decimal,
    fee: Decimal,
    balance: Decimal,
    side: str,
    qty: Decimal,
    size: Decimal,
    price: Decimal,
    fee_rate: str,
    trade_id: str,
    order_id: str,
    link_id: str,
) -> Row:
    """Return one ``/v5/account/transaction-log`` row; ``change = cashFlow + funding - fee`` by
    construction."""
    change = cash_flow + funding - fee
    label = inst.symbol if inst else currency
    row = {
        "id": f"{uid}_{label}_{rid}",
        "symbol": inst.symbol if inst else "",
        "category": inst.category if inst else "",
        "side": side,
        "transactionTime": str(t_ms),
        "type": kind,
        "transSubType": "",
        "qty": s(qty),
        "size": s(size),
        "currency": currency,
        "tradePrice": s(price),
        "funding": s8(funding),
        "fee": s8(fee),
        "cashFlow": s8(cash_flow),
        "change": s8(change),
        "cashBalance": s8(balance),
        "feeRate": fee_rate,
        "bonusChange": "",
        "tradeId": trade_id,
        "orderId": order_id,
        "orderLinkId": link_id,
        "extraFees": "",
        **tags(inst, t_ms, rid),
    }
    row["_currency"] = currency
    row["_type"] = kind
    return row


def settlement_row(
    inst: Instrument, t_ms: int, rid: int, size: Decimal, session_avg: Decimal, mark: Decimal, pnl: Decimal
) -> Row:
    """Return one ``/v5/asset/settlement-record`` row (USDC perpetual session settlement; ``size`` signed)."""
    return {
        "symbol": inst.symbol,
        "side": "Buy" if size > 0 else "Sell",
        "size": s(abs(size)),
        "sessionAvgPrice": s8(session_avg),
        "markPrice": s(mark),
        "realisedPnl": s8(pnl),
        "createdTime": str(t_ms),
        **tags(inst, t_ms, rid),
    }


def borrow_row(coin: str, t_ms: int, rid: int, borrowed: Decimal, rate: Decimal, cost: Decimal) -> Row:
    """Return one ``/v5/account/borrow-history`` row (one hourly interest charge; ``createdTime`` an
    integer)."""
    return {
        "currency": coin,
        "createdTime": t_ms,
        "borrowCost": s8(cost),
        "hourlyBorrowRate": s(rate),
        "InterestBearingBorrowSize": s8(borrowed),
        "costExemption": "0",
        "borrowAmount": s8(borrowed),
        "unrealisedLoss": "0",
        "freeBorrowedAmount": "0",
        **tags(None, t_ms, rid),
        "_currency": coin,
    }


def order_row(
    inst: Instrument,
    *,
    order_id: str,
    link_id: str,
    side: str,
    order_type: str,
    price: Decimal,
    qty: Decimal,
    created_ms: int,
    last_price: Decimal,
    reduce_only: bool,
    order_iv: str = "",
) -> Row:
    """Return a new (unfilled) order; :func:`finish_order` books its fills or cancellation."""
    return {
        "orderId": order_id,
        "orderLinkId": link_id,
        "parentOrderLinkId": "",
        "blockTradeId": "",
        "symbol": inst.symbol,
        "price": s(price),
        "qty": s(qty),
        "side": side,
        "isLeverage": "0",
        "positionIdx": 0,
        "orderStatus": "New",
        "createType": "CreateByUser",
        "cancelType": "UNKNOWN",
        "rejectReason": "EC_NoError",
        "avgPrice": "",
        "leavesQty": s(qty),
        "leavesValue": s8(price * qty) if inst.category != "inverse" else s8(qty / price),
        "cumExecQty": "0",
        "cumExecValue": "0",
        "cumExecFee": "0",
        "cumFeeDetail": {},
        "timeInForce": "IOC" if order_type == "Market" else "GTC",
        "orderType": order_type,
        "stopOrderType": "",
        "orderIv": order_iv,
        "marketUnit": "",
        "triggerPrice": "",
        "takeProfit": "",
        "stopLoss": "",
        "tpslMode": "",
        "ocoTriggerBy": "",
        "tpLimitPrice": "",
        "slLimitPrice": "",
        "tpTriggerBy": "",
        "slTriggerBy": "",
        "triggerDirection": 0,
        "triggerBy": "",
        "lastPriceOnCreated": s(last_price),
        "basePrice": "",
        "reduceOnly": reduce_only,
        "closeOnTrigger": False,
        "placeType": "",
        "smpType": "None",
        "smpGroup": 0,
        "smpOrderId": "",
        "createdTime": str(created_ms),
        "updatedTime": str(created_ms),
        **tags(inst, created_ms, 0),
    }


def finish_order(
    order: Row, inst: Instrument, fills: list[tuple[Decimal, Decimal]], fee: Decimal, fee_coin: str, t_ms: int
) -> None:
    """Mark ``order`` filled by ``fills`` (price, qty pairs) at ``t_ms``, or cancelled when there are none."""
    order["updatedTime"] = str(t_ms)
    order["leavesQty"] = "0"
    order["leavesValue"] = "0"
    if not fills:
        order["orderStatus"] = "Cancelled"
        order["cancelType"] = "CancelByUser"
        return
    qty = sum((q for _, q in fills), ZERO)
    if inst.category == "inverse":
        value = sum((q / p for p, q in fills), ZERO)
        avg = qty / value
    else:
        value = sum((p * q for p, q in fills), ZERO)
        avg = value / qty
    order["orderStatus"] = "Filled"
    order["avgPrice"] = s8(avg)
    order["cumExecQty"] = s(qty)
    order["cumExecValue"] = s8(value)
    order["cumExecFee"] = s8(fee)
    order["cumFeeDetail"] = {fee_coin: s8(fee)}
