"""Two years of demo-account history through 7-day windows and cursors: every row exactly once, counts per
window equal to the account's own rows, the lookback refusals, and busy weeks that need several pages."""

from __future__ import annotations

import collections
import re

import pytest
from account_helpers import DAY, NOW, WEEK, call, ledger, pages

from bybit_research.sim.account import HISTORY_DAYS
from bybit_research.sim.core import ParamError, SimConfig
from bybit_research.sim.exchange import Exchange

LOOKBACK = "Can't query order earlier than {}, please check your params: startTime or endTime!"
#: 730 days in 7-day windows ending now: 104 whole windows and one short one
WINDOWS = [(max(NOW - (k + 1) * WEEK, NOW - 730 * DAY), NOW - k * WEEK) for k in range(105)]


@pytest.fixture(scope="module")
def exchange() -> Exchange:
    return Exchange(SimConfig(now_ms=NOW))


def sweep(exchange: Exchange, path: str, key: str, limit: int, **params: str) -> tuple[list[str], list[int]]:
    """Fetch every window of the last two years page by page; return the ids in order and pages per
    window."""
    ids: list[str] = []
    per_window: list[int] = []
    for start, end in WINDOWS:
        # windows are inclusive at both ends: the next one starts 1 ms after this one ends
        window = pages(
            exchange, path, startTime=start, endTime=end - 1 if end != NOW else end, limit=limit, **params
        )
        count = 0
        for page in window:
            assert len(page) <= limit
            ids.extend(row[key] for row in page)
            count += 1
        per_window.append(count)
    return ids, per_window


def test_the_history_covers_the_two_year_lookback(exchange: Exchange) -> None:
    assert HISTORY_DAYS == 730
    first = exchange.account.history_start(NOW)
    assert first == NOW // DAY * DAY - 730 * DAY
    oldest = min(row["_t"] for row in ledger(exchange, "transactions") if row["type"] != "TRANSFER_IN")
    assert first <= oldest < first + 3 * DAY


def test_linear_executions_over_two_years_visit_every_row_once(exchange: Exchange) -> None:
    ids, per_window = sweep(exchange, "/v5/execution/list", "execId", 100, category="linear")
    expected = [
        r["execId"]
        for r in ledger(exchange, "executions")
        if r["_cat"] == "linear" and r["_t"] >= NOW - 730 * DAY
    ]
    assert len(ids) == len(set(ids))  # no duplicate
    assert ids == expected  # no loss, and newest first across windows and pages
    assert len(ids) > 4000
    assert sum(1 for n in per_window if n >= 3) >= 5  # busy weeks need several pages of 100
    assert per_window[0] >= 3  # the default window (the last 7 days) is one of them


@pytest.mark.parametrize(
    ("path", "table", "key", "limit", "params"),
    [
        ("/v5/execution/list", "executions", "execId", 100, {"category": "inverse"}),
        ("/v5/execution/list", "executions", "execId", 100, {"category": "spot"}),
        ("/v5/position/closed-pnl", "closed_pnl", "orderId", 100, {"category": "linear"}),
        ("/v5/order/history", "orders", "orderId", 50, {"category": "inverse"}),
    ],
)
def test_counts_per_window_equal_the_account_rows(
    exchange: Exchange, path: str, table: str, key: str, limit: int, params: dict[str, str]
) -> None:
    rows = [r for r in ledger(exchange, table) if r["_cat"] == params["category"]]
    counts: collections.Counter[int] = collections.Counter()
    for start, end in WINDOWS:
        end = end - 1 if end != NOW else end
        got = [
            row[key]
            for page in pages(exchange, path, startTime=start, endTime=end, limit=limit, **params)
            for row in page
        ]
        assert got == [r[key] for r in rows if start <= r["_t"] <= end], (start, end)
        counts[start] = len(got)
    assert sum(counts.values()) == sum(1 for r in rows if r["_t"] >= NOW - 730 * DAY) > 20


def test_transaction_log_of_a_busy_week_pages_through_every_row(exchange: Exchange) -> None:
    busiest = max(
        WINDOWS[:20],
        key=lambda w: sum(1 for r in ledger(exchange, "transactions") if w[0] <= r["_t"] <= w[1]),
    )
    start, end = busiest
    ids = [
        row["id"]
        for page in pages(exchange, "/v5/account/transaction-log", startTime=start, endTime=end, limit=50)
        for row in page
    ]
    expected = [r["id"] for r in ledger(exchange, "transactions") if start <= r["_t"] <= end]
    assert ids == expected and len(ids) > 300


@pytest.mark.parametrize(
    ("path", "params", "lookback"),
    [
        ("/v5/execution/list", {"category": "linear"}, "2 years"),
        ("/v5/order/history", {"category": "linear"}, "2 years"),
        ("/v5/position/closed-pnl", {"category": "linear"}, "2 years"),
        ("/v5/account/transaction-log", {}, "2 years"),
        ("/v5/account/borrow-history", {}, "2 years"),
        ("/v5/asset/delivery-record", {"category": "option"}, "2 years"),
        ("/v5/asset/settlement-record", {"category": "linear"}, "2 years"),
        ("/v5/position/get-closed-positions", {"category": "option"}, "6 months"),
    ],
)
def test_lookback_refusals_use_bybits_wording(
    exchange: Exchange, path: str, params: dict[str, str], lookback: str
) -> None:
    days = 730 if lookback == "2 years" else 183
    edge = NOW - days * DAY
    call(exchange, path, startTime=edge, **params)  # exactly the lookback is allowed
    for bad in ({"startTime": edge - 1}, {"endTime": edge - 1}):
        with pytest.raises(ParamError, match=re.escape(LOOKBACK.format(lookback))) as caught:
            call(exchange, path, **bad, **params)
        assert caught.value.ret_code == 10001 and caught.value.result == {"category": "", "list": []}
