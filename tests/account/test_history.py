"""The account's histories over any range: every row of the account's own ledger in the range, once,
ascending, in windows of the endpoint's span with cursor pages inside; ranges past the lookback refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from bybit_research.core.units import DAY_MS
from tests.conftest import NOW, NOW_MS, MarketClient

TWO_YEARS = pd.Timedelta(days=730)


def ms(stamp: Any) -> int:
    return int(pd.Timestamp(stamp).value // 10**6)


def ledger(app: Any, table: str, start: Any, end: Any, keep: Callable[[dict], bool] = lambda r: True) -> list:
    """The demo account's own rows of ``table`` in ``[start, end)``: the truth, not the client's view."""
    rows = app.exchange.account.rows_between(table, ms(start), ms(end) - 1, NOW_MS)
    return [row for row in rows if keep(row)]


def category(name: str) -> Callable[[dict], bool]:
    return lambda row: row["_cat"] == name


def kept_orders(row: dict) -> bool:
    """Bybit's retention (reference §5.11): linear orders; cancelled, rejected or deactivated ones without
    fills only for 24 hours, other closed ones 7 days, older ones only with fills."""
    if row["_cat"] != "linear":
        return False
    age = NOW_MS - int(row["updatedTime"])
    unfilled = float(row["cumExecQty"]) == 0
    if unfilled and row["orderStatus"] in ("Cancelled", "Rejected", "Deactivated"):
        return age <= DAY_MS
    return not unfilled or age <= 7 * DAY_MS


def test_two_years_of_executions_are_every_fill_once(client: MarketClient, app: Any) -> None:
    start, end = NOW - TWO_YEARS + pd.Timedelta(days=1), NOW
    client.positions("linear")  # the first signed call syncs the clock; count the history's requests alone
    app.reset_counts()
    frame = client.executions("linear", start, end)
    truth = ledger(app, "executions", start, end, category("linear"))
    assert len(frame) == len(truth) > 2000
    assert sorted(frame["exec_id"]) == sorted(row["execId"] for row in truth)
    assert frame["exec_id"].is_unique and frame.index.is_monotonic_increasing
    windows = -(-(ms(end) - ms(start)) // (7 * DAY_MS)) + 1  # 7-day windows aligned to the epoch
    requests = app.requests["/v5/execution/list"]
    assert windows <= requests < windows + len(truth) // 100 + 2  # one per window plus its cursor pages
    # some windows needed cursor pages; a page refused once by the per-UID limit (10006) is asked again
    pages = frame.attrs["pages"]
    assert pages > windows and pages <= requests <= pages + 3
    assert frame.dtypes["exec_price"] == np.float64 and str(frame.dtypes["is_maker"]) == "bool"


@pytest.mark.parametrize(
    ("call", "table", "keep", "key"),
    [
        (lambda c, s, e: c.executions("spot", s, e), "executions", category("spot"), "exec_id"),
        (lambda c, s, e: c.executions("option", s, e), "executions", category("option"), "exec_id"),
        (lambda c, s, e: c.closed_pnl("linear", s, e), "closed_pnl", category("linear"), "order_id"),
        (lambda c, s, e: c.order_history("linear", s, e), "orders", kept_orders, "order_id"),
        (lambda c, s, e: c.transaction_log(s, e), "transactions", lambda r: True, "id"),
        (lambda c, s, e: c.borrow_history(None, s, e), "borrows", lambda r: True, None),
        (lambda c, s, e: c.settlement_records(s, e), "settlements", lambda r: True, None),
    ],
)
def test_histories_are_the_ledgers_rows(
    client: MarketClient, app: Any, call: Any, table: str, keep: Any, key: str | None
) -> None:
    start, end = NOW - pd.Timedelta(days=45), NOW - pd.Timedelta(days=2)
    frame = call(client, start, end)
    truth = ledger(app, table, start, end, keep)
    assert len(frame) == len(truth) > 0, table
    assert frame.index.is_monotonic_increasing and frame.index.name == "time"
    if key is not None:
        column = {"exec_id": "execId", "order_id": "orderId", "id": "id"}[key]
        assert sorted(frame[key]) == sorted(row[column] for row in truth) and frame[key].is_unique
    assert frame.index.min() >= start and frame.index.max() < end


def test_the_transaction_log_chains_balances_in_booking_order(client: MarketClient) -> None:
    """Rows of one millisecond come in the order they were booked: each balance follows from the last."""
    log = client.transaction_log(NOW - pd.Timedelta(days=20), NOW)
    chained = 0
    for _, rows in log.groupby("currency"):
        balances, changes = rows["cash_balance"].to_numpy(), rows["change"].to_numpy()
        np.testing.assert_allclose(balances[1:], balances[:-1] + changes[1:], atol=1e-6)
        chained += len(rows) > 10
    assert chained >= 2  # currencies with many rows, many of them in the same millisecond
    # the identity of every row: change = cash flow + funding - fee
    np.testing.assert_allclose(log["change"], log["cash_flow"] + log["funding"] - log["fee"], atol=1e-9)


def test_closed_options_positions_and_deliveries(client: MarketClient, app: Any) -> None:
    start, end = NOW - pd.Timedelta(days=150), NOW
    closed = client.closed_options_positions(start, end)
    assert len(closed) > 0 and closed["symbol"].str.match(r"^[A-Z]+-\d+[A-Z]{3}\d{2}-\d+-[CP]").all()
    assert closed.index.is_monotonic_increasing and str(closed.dtypes["open_time"]) == "datetime64[ms, UTC]"
    deliveries = client.delivery_records("inverse", "2024-03-15", "2024-04-10")
    truth = ledger(app, "deliveries", "2024-03-15", "2024-04-10", category("inverse"))
    assert len(deliveries) == len(truth) == 1
    assert deliveries["delivery_price"].iloc[0] == float(truth[0]["deliveryPrice"])


def test_without_a_range_the_last_window_is_read(client: MarketClient, app: Any) -> None:
    frame = client.executions("linear")
    span = frame.attrs["params"]["end"] - frame.attrs["params"]["start"]
    # up to now on the exchange's clock (frozen here: it reads NOW plus the seconds since the client synced)
    assert span == 7 * DAY_MS and NOW_MS < frame.attrs["params"]["end"] < NOW_MS + 60_000
    assert len(frame) == len(ledger(app, "executions", NOW - pd.Timedelta(days=7), NOW, category("linear")))


def test_a_range_past_the_lookback_is_refused_without_asking_the_endpoint(
    client: MarketClient, app: Any
) -> None:
    client.positions("linear")  # the clock is known
    app.reset_counts()
    with pytest.raises(
        ValueError, match=r"/v5/execution/list keeps 730 days of history: start .* later start"
    ):
        client.executions("linear", NOW - TWO_YEARS - pd.Timedelta(days=1), NOW)
    with pytest.raises(ValueError, match=r"get-closed-positions keeps 183 days of history"):
        client.closed_options_positions(NOW - pd.Timedelta(days=200), NOW)
    assert sum(app.requests.values()) == 0


def test_the_classic_contract_log_is_refused_for_a_unified_account(client: MarketClient) -> None:
    from bybit_research.errors import InvalidRequestError

    with pytest.raises(
        InvalidRequestError, match=r"100028 .* a unified account's log is transaction_log\(\)"
    ):
        client.transaction_log(NOW - pd.Timedelta(days=3), NOW, classic=True)


FIVE_MONTHS = pd.Timedelta(days=150)


HISTORIES = [
    (
        "inverse executions",
        lambda c, s, e: c.executions("inverse", s, e),
        "executions",
        category("inverse"),
        "execId",
        "exec_id",
    ),
    (
        "option executions, every base coin",
        lambda c, s, e: c.executions("option", s, e),
        "executions",
        category("option"),
        "execId",
        "exec_id",
    ),
    (
        "inverse closed pnl",
        lambda c, s, e: c.closed_pnl("inverse", s, e),
        "closed_pnl",
        category("inverse"),
        "orderId",
        "order_id",
    ),
    (
        "closed options positions",
        lambda c, s, e: c.closed_options_positions(s, e),
        "closed_options",
        category("option"),
        "symbol",
        "symbol",
    ),
    (
        "linear trades of the transaction log",
        lambda c, s, e: c.transaction_log(s, e, category="linear", type="TRADE"),
        "transactions",
        lambda row: row["_cat"] == "linear" and row["type"] == "TRADE",
        "id",
        "id",
    ),
]


@pytest.mark.parametrize(
    ("name", "call", "table", "keep", "key", "column"), HISTORIES, ids=[case[0] for case in HISTORIES]
)
def test_each_history_is_the_accounts_own_rows(
    client: MarketClient, app: Any, name: str, call: Any, table: str, keep: Any, key: str, column: str
) -> None:
    start, end = NOW - FIVE_MONTHS, NOW
    frame = call(client, start, end)
    truth = ledger(app, table, start, end, keep)
    assert len(frame) == len(truth) > 0, name
    assert sorted(frame[column].astype(str)) == sorted(str(row[key]) for row in truth)
    assert frame.index.is_monotonic_increasing
