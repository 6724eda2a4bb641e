"""Position moves and the pre-upgrade histories: windows and cursors through the engine, values of the demo
account's own rows, frames shaped like their unified twins, and refusals with nothing sent."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from bybit_research.account.moves import move_position_history
from bybit_research.account.pre_upgrade import pre_upgrade_transaction_log
from tests.conftest import NOW, NOW_MS, FakeClient, MarketClient

UTC_MS = "datetime64[ms, UTC]"


def ms(stamp: Any) -> int:
    return int(pd.Timestamp(stamp).value // 10**6)


def test_move_history_is_every_move_of_the_range_once_ascending(client: MarketClient, app: Any) -> None:
    start, end = NOW - pd.Timedelta(days=60), NOW - pd.Timedelta(days=2)
    moves = client.move_position_history(start, end)
    assert app.requests["/v5/position/move-history"] == 9  # 58 days in 7-day windows
    truth = app.exchange.account.moves(ms(start), ms(end) - 1, NOW_MS)[::-1]  # oldest first
    assert len(moves) == len(truth) > 3
    assert moves["order_id"].tolist() == [row["orderId"] for row in truth]
    assert moves.index.asi8.tolist() == [row["createdAt"] for row in truth]
    assert moves.index.name == "time" and moves.index.is_monotonic_increasing
    assert moves.index[0] >= start and moves.index[-1] < end
    assert moves["price"].tolist() == [float(row["price"]) for row in truth]
    assert moves["result_code"].tolist() == [row["resultCode"] for row in truth]
    assert (moves["status"] == "Rejected").all() and moves["reject_party"].isin(["Taker", "Maker"]).all()
    assert str(moves.dtypes["updated_at"]) == UTC_MS and moves.dtypes["result_code"] == "Int64"
    assert moves.dtypes["qty"] == np.float64 and moves.dtypes["user_id"] == "str"
    assert moves.attrs["params"]["start"] == ms(start) and moves.attrs["params"]["end"] == ms(end)
    eth = client.move_position_history(start, end, category="linear", symbol="ethusdt", status="Rejected")
    assert eth.attrs["params"]["symbol"] == "ETHUSDT" and eth.attrs["params"]["category"] == "linear"
    assert eth["order_id"].tolist() == [row["orderId"] for row in truth if row["symbol"] == "ETHUSDT"]
    block = moves["block_trade_id"].iloc[0]
    one = client.move_position_history(start, end, block_trade_id=block)
    assert set(one["block_trade_id"]) == {block}


def test_move_history_follows_the_cursor_inside_each_window() -> None:
    def page(path: str, params: dict[str, Any]) -> Any:
        created = params["startTime"] + 1000
        if params.get("cursor") is None:
            row = {"blockTradeId": "b1", "orderId": f"o1-{created}", "createdAt": created + 1}
            return {"list": [row], "nextPageCursor": "next%3D1"}
        row = {"blockTradeId": "b1", "orderId": f"o2-{created}", "createdAt": created}
        return {"list": [row], "nextPageCursor": ""}

    fake = FakeClient(page)
    frame = move_position_history(fake, NOW - pd.Timedelta(days=10), NOW)
    assert len(fake.calls) == 4  # two windows, two pages each
    assert [call[1].get("cursor") for call in fake.calls] == [None, "next%3D1", None, "next%3D1"]
    assert all(call[1]["limit"] == 200 for call in fake.calls)  # the largest page
    assert [name[:2] for name in frame["order_id"]] == ["o2", "o1", "o2", "o1"]
    assert frame.index.is_monotonic_increasing and frame["order_id"].is_unique


def test_move_history_without_a_range_reads_the_last_week(client: MarketClient, app: Any) -> None:
    moves = client.move_position_history()
    start, end = moves.attrs["params"]["start"], moves.attrs["params"]["end"]
    assert end - start == 7 * 86_400_000 and NOW_MS < end < NOW_MS + 60_000
    truth = app.exchange.account.moves(start, end - 1, NOW_MS)
    assert sorted(moves["order_id"]) == sorted(row["orderId"] for row in truth) and len(truth) > 0


TWINS = [
    ("pre_upgrade_order_history", lambda c: c.pre_upgrade_order_history("linear"),
     lambda c: c.order_history("linear")),
    ("pre_upgrade_executions", lambda c: c.pre_upgrade_executions("inverse"),
     lambda c: c.executions("inverse")),
    ("pre_upgrade_closed_pnl", lambda c: c.pre_upgrade_closed_pnl("BTCUSD", "inverse"),
     lambda c: c.closed_pnl("inverse")),
    ("pre_upgrade_delivery_records", lambda c: c.pre_upgrade_delivery_records(),
     lambda c: c.delivery_records("option")),
    ("pre_upgrade_settlement_records", lambda c: c.pre_upgrade_settlement_records("BTCPERP"),
     lambda c: c.settlement_records()),
]  # fmt: skip


@pytest.mark.parametrize(("name", "pre", "twin"), TWINS, ids=[t[0] for t in TWINS])
def test_pre_upgrade_frames_are_shaped_like_their_twins(
    client: MarketClient, name: str, pre: Any, twin: Any
) -> None:
    before, now = pre(client), twin(client)
    assert len(before) == 0  # the demo account was opened unified: nothing from before an upgrade
    assert list(before.columns) == list(now.columns)
    pd.testing.assert_series_equal(before.dtypes, now.dtypes)
    assert before.index.name == "time" and str(before.index.dtype) == UTC_MS
    assert before.attrs["endpoint"].startswith("/v5/pre-upgrade/")


def test_pre_upgrade_windows_and_ranges(client: MarketClient, app: Any) -> None:
    client.pre_upgrade_order_history("linear", NOW - pd.Timedelta(days=30), NOW)
    client.pre_upgrade_executions("option", NOW - pd.Timedelta(days=15), NOW, base_coin="eth")
    assert app.requests["/v5/pre-upgrade/order/history"] == 5  # 30 days in 7-day windows
    assert app.requests["/v5/pre-upgrade/execution/list"] == 3
    log = client.pre_upgrade_transaction_log("2024-05-01", "2024-06-01", category="option", type="delivery")
    assert log.attrs["params"] == {
        "category": "option",
        "type": "DELIVERY",
        "startTime": ms("2024-05-01"),
        "endTime": ms("2024-06-01") - 1,
    }
    deliveries = client.pre_upgrade_delivery_records(exp_date="2024-06-28")
    assert deliveries.attrs["params"] == {"category": "option", "expDate": "28JUN24"}
    assert app.requests["/v5/pre-upgrade/account/transaction-log"] == 1
    assert app.requests["/v5/pre-upgrade/asset/delivery-record"] == 1


def test_the_pre_upgrade_log_follows_its_cursor() -> None:
    rows = {
        None: ({"transactionTime": "1718000000002", "type": "TRADE", "cashBalance": "10"}, "c%3D2"),
        "c%3D2": ({"transactionTime": "1718000000001", "type": "TRADE", "cashBalance": "9"}, ""),
    }

    def page(path: str, params: dict[str, Any]) -> Any:
        row, cursor = rows[params.get("cursor")]
        return {"list": [row], "nextPageCursor": cursor}

    fake = FakeClient(page)
    log = pre_upgrade_transaction_log(fake)
    assert [call[1] for call in fake.calls] == [{"limit": 50}, {"limit": 50, "cursor": "c%3D2"}]
    assert log["cash_balance"].tolist() == [9.0, 10.0] and log.index.is_monotonic_increasing
