"""Entries of ``/v5/pre-upgrade/*``: an upgraded account's history from before its upgrade to the unified
account (orders, executions, closed P&L, the USDC derivatives log, option deliveries and USDC session
settlements), in the schemas of their unified twins.

Orders, executions and closed P&L page in 7-day windows like their twins; the transaction log takes a range
without a window rule; deliveries and settlements take no range at all (cursor pages only).
"""

from __future__ import annotations

from typing import Any

from .account import DELIVERY_RECORD, SETTLEMENT_RECORD, TRANSACTION_LOG
from .spec import (
    ACCOUNT_HISTORY,
    Endpoint,
    IndexKind,
    LimitRange,
    Paging,
    private_history,
)
from .trade import CLOSED_PNL, EXECUTION_LIST, ORDER_HISTORY

PREFIX = "/v5/pre-upgrade"

PRE_UPGRADE_ORDER_HISTORY = private_history(
    id_fields=("orderId",),
    name="pre-upgrade/order/history",
    path=f"{PREFIX}/order/history",
    categories=("linear", "inverse", "option", "spot"),
    limits={"*": LimitRange(1, 50, 20)},
    index="createdTime",
    schemas={"*": ORDER_HISTORY.schema(None)},
    window_days=7,
)

PRE_UPGRADE_EXECUTIONS = private_history(
    id_fields=("execId",),
    name="pre-upgrade/execution/list",
    path=f"{PREFIX}/execution/list",
    categories=("linear", "inverse", "option"),
    limits={"*": LimitRange(1, 100, 50)},
    index="execTime",
    schemas={"*": EXECUTION_LIST.schema(None)},
    window_days=7,
)

PRE_UPGRADE_CLOSED_PNL = private_history(
    id_fields=("orderId", "createdTime", "execType"),
    name="pre-upgrade/position/closed-pnl",
    path=f"{PREFIX}/position/closed-pnl",
    categories=("linear", "inverse"),
    limits={"*": LimitRange(1, 100, 50)},
    index="updatedTime",
    schemas={"*": CLOSED_PNL.schema(None)},
    window_days=7,
)


def _cursor_history(name: str, index: str, schema_of: Endpoint, **fields: Any) -> Endpoint:
    """A signed history paged by cursor only (no window rule), indexed by its time, repeats kept."""
    return Endpoint(
        name=f"pre-upgrade/{name}",
        path=f"{PREFIX}/{name}",
        auth=True,
        paging=Paging.CURSOR,
        cursor=True,
        limits={"*": LimitRange(1, 50, 20)},
        index=index,
        index_kind=IndexKind.TIME,
        unique_index=False,
        schemas={"*": schema_of.schema(None)},
        cache=ACCOUNT_HISTORY,
        **fields,
    )


#: the USDC derivatives wallet's log (USDC perpetuals and options): ``startTime``/``endTime`` without a
#: documented window
PRE_UPGRADE_TRANSACTION_LOG = _cursor_history(
    "account/transaction-log",
    "transactionTime",
    TRANSACTION_LOG,
    categories=("linear", "option"),
    time_params=("startTime", "endTime"),
)
PRE_UPGRADE_DELIVERY_RECORD = _cursor_history(
    "asset/delivery-record",
    "deliveryTime",
    DELIVERY_RECORD,
    categories=("option",),
    default_category="option",
)
PRE_UPGRADE_SETTLEMENT_RECORD = _cursor_history(
    "asset/settlement-record",
    "createdTime",
    SETTLEMENT_RECORD,
    categories=("linear",),
    default_category="linear",
)

PRE_UPGRADE_ENDPOINTS: tuple[Endpoint, ...] = (
    PRE_UPGRADE_ORDER_HISTORY,
    PRE_UPGRADE_EXECUTIONS,
    PRE_UPGRADE_CLOSED_PNL,
    PRE_UPGRADE_TRANSACTION_LOG,
    PRE_UPGRADE_DELIVERY_RECORD,
    PRE_UPGRADE_SETTLEMENT_RECORD,
)
