"""Demo account history: time windows, cursors, lookback, and the identities between history tables."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

import pytest

import bybit_research.sim.routes  # noqa: F401  (registers the routes)
from bybit_research.sim.core import ROUTES, ParamError, Request, SimConfig
from bybit_research.sim.exchange import Exchange

NOW = 1_750_000_000_000  # 2025-06-15 15:06:40 UTC
DAY = 86_400_000
EIGHT_HOURS = 8 * 3_600_000
#: Bybit's wording (observed on /v5/position/closed-pnl)
LOOKBACK_REFUSAL = "Can't query order earlier than 2 years, please check your params: startTime or endTime!"


def call(exchange: Exchange, path: str, **params: Any) -> Any:
    now = int(params.pop("now", NOW))
    query = {key: str(value) for key, value in params.items()}
    request = Request("GET", path, urlencode(query), query, {}, now_ms=now, uid=1)
    return ROUTES[("GET", path)].handler(exchange, request)


def all_pages(exchange: Exchange, path: str, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor, pages = None, 0
    while True:
        extra: dict[str, str] = {"cursor": cursor} if cursor else {}
        result = call(exchange, path, **params, **extra)
        rows.extend(result["list"])
        pages += 1
        cursor = result["nextPageCursor"]
        if not cursor:
            return rows
        assert pages < 500


@pytest.fixture(scope="module")
def exchange() -> Exchange:
    return Exchange(SimConfig(now_ms=NOW))


def ledger_rows(exchange: Exchange, table: str) -> list[dict[str, Any]]:
    return exchange.account.rows_between(table, 0, NOW, NOW)


def test_history_spans_months(exchange: Exchange) -> None:
    executions = ledger_rows(exchange, "executions")
    oldest = min(int(row["execTime"]) for row in executions)
    assert NOW - 730 * DAY < oldest < NOW - 720 * DAY  # trading starts within days of the 2-year edge
    assert {row["_cat"] for row in executions} == {"linear", "inverse", "option", "spot"}
    kinds = {row["type"] for row in ledger_rows(exchange, "transactions")}
    assert kinds == {"TRANSFER_IN", "TRADE", "SETTLEMENT", "DELIVERY", "INTEREST"}


def test_default_windows(exchange: Exchange) -> None:
    executions = call(exchange, "/v5/execution/list", category="linear", limit=100)["list"]
    assert executions and all(NOW - 7 * DAY <= int(row["execTime"]) <= NOW for row in executions)
    times = [int(row["execTime"]) for row in executions]
    assert times == sorted(times, reverse=True)
    log = all_pages(exchange, "/v5/account/transaction-log", limit=50)
    assert log and all(NOW - DAY <= int(row["transactionTime"]) <= NOW for row in log)
    expected = [
        row for row in ledger_rows(exchange, "transactions") if int(row["transactionTime"]) >= NOW - DAY
    ]
    assert [row["id"] for row in log] == [row["id"] for row in expected]
    borrows = all_pages(exchange, "/v5/account/borrow-history", limit=50)
    assert len(borrows) == 30 * 24  # hourly over the last 30 days
    assert borrows[0]["createdTime"] == NOW // 3_600_000 * 3_600_000
    assert all(isinstance(row["createdTime"], int) for row in borrows)


def test_start_only_end_only_and_both(exchange: Exchange) -> None:
    start = NOW - 40 * DAY
    rows = all_pages(exchange, "/v5/execution/list", category="linear", startTime=start, limit=100)
    times = [int(row["execTime"]) for row in rows]
    assert rows and min(times) >= start and max(times) <= start + 7 * DAY
    expected = [
        r
        for r in ledger_rows(exchange, "executions")
        if r["_cat"] == "linear" and start <= r["_t"] <= start + 7 * DAY
    ]
    assert len(rows) == len(expected)
    end = NOW - 20 * DAY
    rows = all_pages(exchange, "/v5/execution/list", category="linear", endTime=end, limit=100)
    times = [int(row["execTime"]) for row in rows]
    assert rows and min(times) >= end - 7 * DAY and max(times) <= end
    both = all_pages(
        exchange, "/v5/execution/list", category="linear", startTime=end - DAY, endTime=end, limit=100
    )
    assert {row["execId"] for row in both} <= {row["execId"] for row in rows}


@pytest.mark.parametrize(
    ("path", "extra", "days"),
    [
        ("/v5/execution/list", {"category": "linear"}, 7),
        ("/v5/position/closed-pnl", {"category": "linear"}, 7),
        ("/v5/order/history", {"category": "linear"}, 7),
        ("/v5/account/transaction-log", {}, 7),
        ("/v5/account/borrow-history", {}, 30),
        ("/v5/asset/delivery-record", {"category": "option"}, 30),
        ("/v5/asset/settlement-record", {"category": "linear"}, 30),
    ],
)
def test_window_errors(exchange: Exchange, path: str, extra: dict[str, str], days: int) -> None:
    call(exchange, path, startTime=NOW - days * DAY, endTime=NOW, **extra)  # exactly the maximum span is fine
    with pytest.raises(ParamError, match=f"cannot exceed {days} days") as caught:
        call(exchange, path, startTime=NOW - days * DAY - 1, endTime=NOW, **extra)
    assert caught.value.ret_code == 10001
    with pytest.raises(ParamError, match="startTime must not be greater than endTime"):
        call(exchange, path, startTime=NOW, endTime=NOW - 1, **extra)
    with pytest.raises(ParamError, match=re.escape(LOOKBACK_REFUSAL)):
        call(exchange, path, startTime=NOW - 731 * DAY, **extra)
    with pytest.raises(ParamError, match=re.escape(LOOKBACK_REFUSAL)):
        call(exchange, path, endTime=NOW - 731 * DAY, **extra)
    with pytest.raises(ParamError, match="startTime must be an integer"):
        call(exchange, path, startTime="yesterday", **extra)


def test_lookback_edge_is_allowed(exchange: Exchange) -> None:
    edge = NOW - 730 * DAY
    log = all_pages(exchange, "/v5/account/transaction-log", startTime=edge, limit=50)
    expected = [r["id"] for r in ledger_rows(exchange, "transactions") if edge <= r["_t"] <= edge + 7 * DAY]
    assert [row["id"] for row in log] == expected and len(expected) > 10  # the history reaches the edge
    rows = all_pages(exchange, "/v5/execution/list", category="linear", endTime=edge + 7 * DAY, limit=100)
    assert all(edge <= int(row["execTime"]) <= edge + 7 * DAY for row in rows)
    with pytest.raises(ParamError, match=re.escape(LOOKBACK_REFUSAL)) as caught:
        call(exchange, "/v5/account/transaction-log", startTime=edge - 1)
    assert caught.value.ret_code == 10001


def test_limits_and_categories(exchange: Exchange) -> None:
    with pytest.raises(ParamError, match="limit must be between 1 and 100"):
        call(exchange, "/v5/execution/list", category="linear", limit=101)
    with pytest.raises(ParamError, match="limit must be between 1 and 50"):
        call(exchange, "/v5/account/transaction-log", limit=0)
    with pytest.raises(ParamError, match="not supported by /v5/position/closed-pnl"):
        call(exchange, "/v5/position/closed-pnl", category="option")
    with pytest.raises(ParamError, match="category is required"):
        call(exchange, "/v5/execution/list")
    with pytest.raises(ParamError, match="execType invalid"):
        call(exchange, "/v5/execution/list", category="linear", execType="Nope")
    with pytest.raises(ParamError, match="not supported by /v5/asset/settlement-record"):
        call(exchange, "/v5/asset/settlement-record", category="option")


def test_cursor_paging_visits_every_row_once(exchange: Exchange) -> None:
    window = {"startTime": NOW - 7 * DAY, "endTime": NOW}
    everything = call(exchange, "/v5/account/transaction-log", limit=50, **window)
    paged: list[str] = []
    cursors: list[str] = []
    cursor = None
    while True:
        result = call(
            exchange,
            "/v5/account/transaction-log",
            limit=7,
            **window,
            **({"cursor": cursor} if cursor else {}),
        )
        paged.extend(row["id"] for row in result["list"])
        cursor = result["nextPageCursor"]
        if not cursor:
            break
        cursors.append(cursor)
    expected = [r["id"] for r in ledger_rows(exchange, "transactions") if r["_t"] >= NOW - 7 * DAY]
    assert paged == expected and len(set(paged)) == len(paged) > 100
    assert everything["list"][0]["id"] == paged[0]
    assert all("%3A" in c and "%2C" in c for c in cursors)
    # the cursor also works when the client URL-encodes it once more
    again = call(
        exchange, "/v5/account/transaction-log", limit=7, cursor=quote(cursors[0], safe=""), **window
    )
    assert [row["id"] for row in again["list"]] == paged[7:14]
    with pytest.raises(ParamError, match="cursor invalid"):
        call(exchange, "/v5/account/transaction-log", cursor="garbage", **window)


def test_transaction_log_identity_and_running_balance(exchange: Exchange) -> None:
    rows = ledger_rows(exchange, "transactions")[::-1]
    balances: dict[str, Decimal] = {}
    for row in rows:
        change = Decimal(row["change"])
        assert change == Decimal(row["cashFlow"]) + Decimal(row["funding"]) - Decimal(row["fee"]), row["id"]
        balance = balances.get(row["currency"], Decimal(0)) + change
        assert Decimal(row["cashBalance"]) == balance, row["id"]
        balances[row["currency"]] = balance
    assert set(balances) == {"USDT", "USDC", "BTC", "ETH", "SOL"}


def test_transaction_log_filters(exchange: Exchange) -> None:
    funding = all_pages(
        exchange,
        "/v5/account/transaction-log",
        type="SETTLEMENT",
        currency="USDT",
        limit=50,
        startTime=NOW - 7 * DAY,
    )
    assert funding and all(r["type"] == "SETTLEMENT" and r["currency"] == "USDT" for r in funding)
    options = all_pages(
        exchange,
        "/v5/account/transaction-log",
        category="option",
        baseCoin="ETH",
        limit=50,
        startTime=NOW - 7 * DAY,
    )
    assert all(r["category"] == "option" and r["symbol"].startswith("ETH-") for r in options)
    with pytest.raises(ParamError, match="category invalid"):
        call(exchange, "/v5/account/transaction-log", category="futures")


def test_funding_settlements_use_the_market_rate(exchange: Exchange) -> None:
    market = exchange.market
    rows = [r for r in ledger_rows(exchange, "transactions") if r["type"] == "SETTLEMENT"]
    assert len(rows) > 500
    for row in rows[:: max(1, len(rows) // 60)]:
        t = int(row["transactionTime"])
        assert t % EIGHT_HOURS == 0
        size = Decimal(row["size"])
        sign = 1 if size > 0 else -1
        rate = Decimal(f"{market.funding_rate(row['symbol'], t):.8f}")
        assert Decimal(row["feeRate"]) == rate * sign
        mark = Decimal(row["tradePrice"])
        assert mark == Decimal(str(market.mark_price(row["symbol"], t)))
        notional = size / mark if row["category"] == "inverse" else size * mark
        assert Decimal(row["funding"]) == -(notional * rate).quantize(Decimal("1e-8"))


def test_execution_prices_follow_the_market(exchange: Exchange) -> None:
    market = exchange.market
    rows = [r for r in ledger_rows(exchange, "executions") if r["execType"] == "Trade"]
    assert {r["_cat"] for r in rows} == {"linear", "inverse", "option", "spot"}
    for row in rows[:: max(1, len(rows) // 80)] + [r for r in rows if r["_cat"] == "spot"]:
        inst = market.instrument(row["symbol"], row["_cat"])
        assert inst is not None
        t = int(row["execTime"])
        # a spot pair trades at its own price, not at the perpetual's of the same name
        expected = (
            market.last_price(inst.symbol, t)
            if inst.category == "option"
            else market.price_of(inst, "last", t)
        )
        assert abs(Decimal(row["execPrice"]) - Decimal(repr(expected))) < Decimal("1e-9"), row["symbol"]
        assert (
            Decimal(row["execValue"]) > 0 and isinstance(row["seq"], int) and isinstance(row["isMaker"], bool)
        )
        if row["symbol"].count("-") == 3:
            assert row["markIv"] and row["underlyingPrice"]


def test_execution_filters(exchange: Exchange) -> None:
    window = {"startTime": NOW - 30 * DAY, "endTime": NOW - 23 * DAY}
    rows = all_pages(exchange, "/v5/execution/list", category="linear", limit=100, **window)
    order_id = rows[0]["orderId"]
    by_order = call(
        exchange, "/v5/execution/list", category="linear", orderId=order_id, symbol="XRPUSDT", **window
    )
    assert by_order["list"] and all(
        r["orderId"] == order_id for r in by_order["list"]
    )  # orderId beats symbol
    usdc = all_pages(
        exchange, "/v5/execution/list", category="linear", settleCoin="USDC", limit=100, **window
    )
    assert all(r["symbol"].endswith("PERP") for r in usdc)
    options = all_pages(exchange, "/v5/execution/list", category="option", limit=100, startTime=NOW - 7 * DAY)
    assert all(r["symbol"].startswith("BTC-") for r in options)  # option queries default to baseCoin BTC


def test_closed_pnl_agrees_with_the_transaction_log(exchange: Exchange) -> None:
    by_order: dict[str, list[dict[str, Any]]] = {}
    for row in ledger_rows(exchange, "transactions"):
        by_order.setdefault(row["orderId"], []).append(row)
    executions: dict[str, list[dict[str, Any]]] = {}
    for row in ledger_rows(exchange, "executions"):
        executions.setdefault(row["orderId"], []).append(row)
    records = ledger_rows(exchange, "closed_pnl")
    assert len(records) > 50
    for record in records:
        txs = by_order[record["orderId"]]
        cash = sum(Decimal(r["cashFlow"]) for r in txs)
        fees = sum(Decimal(r["fee"]) for r in txs)
        assert Decimal(record["closeFee"]) == fees
        if not record["symbol"].endswith("PERP"):  # USDC perps settle part of the P&L every 8 hours
            assert Decimal(record["closedPnl"]) == cash - fees - Decimal(record["openFee"])
        assert Decimal(record["closedSize"]) == sum(
            Decimal(r["execQty"]) for r in executions[record["orderId"]]
        )
        assert record["fillCount"] == str(len(executions[record["orderId"]]))
    api = call(exchange, "/v5/position/closed-pnl", category="inverse", startTime=NOW - 200 * DAY)
    assert all(r["symbol"].startswith("BTCUSD") for r in api["list"])


def test_position_sizes_are_the_sum_of_executions(exchange: Exchange) -> None:
    signed: dict[str, Decimal] = {}
    for row in ledger_rows(exchange, "executions"):
        if row["_cat"] in ("linear", "inverse"):
            qty = Decimal(row["execQty"]) * (1 if row["side"] == "Buy" else -1)
            signed[row["symbol"]] = signed.get(row["symbol"], Decimal(0)) + qty
    positions = call(exchange, "/v5/position/list", category="linear", settleCoin="USDT", limit=200)["list"]
    positions += call(exchange, "/v5/position/list", category="inverse")["list"]
    assert positions
    for position in positions:
        sign = 1 if position["side"] == "Buy" else -1
        assert signed[position["symbol"]] == Decimal(position["size"]) * sign


def test_orders(exchange: Exchange) -> None:
    history = all_pages(exchange, "/v5/order/history", category="linear", limit=50)
    assert {r["orderStatus"] for r in history} <= {"Filled", "Cancelled"}
    for row in history:
        if row["orderStatus"] == "Cancelled":
            assert int(row["updatedTime"]) >= NOW - DAY and row["cumExecQty"] == "0"
    ledger = [r for r in ledger_rows(exchange, "orders") if r["orderStatus"] == "Cancelled"]
    hidden = [r for r in ledger if int(r["updatedTime"]) < NOW - DAY and r["_t"] >= NOW - 7 * DAY]
    shown = {r["orderId"] for r in history}
    assert all(r["orderId"] not in shown for r in hidden)
    filled = call(exchange, "/v5/order/history", category="linear", orderStatus="Filled", limit=50)["list"]
    assert filled and all(r["orderStatus"] == "Filled" and Decimal(r["cumExecQty"]) > 0 for r in filled)
    assert call(exchange, "/v5/order/history", category="linear", orderFilter="StopOrder")["list"] == []
    opened = call(exchange, "/v5/order/realtime", category="linear", settleCoin="USDT")["list"]
    assert {r["symbol"] for r in opened} == {"BTCUSDT", "ETHUSDT"} and all(
        r["orderStatus"] == "New" for r in opened
    )
    assert [r["symbol"] for r in call(exchange, "/v5/order/realtime", category="spot")["list"]] == ["BTCUSDT"]
    closed = call(exchange, "/v5/order/realtime", category="linear", symbol="BTCUSDT", openOnly=1, limit=50)[
        "list"
    ]
    assert closed and all(r["orderStatus"] != "New" and r["symbol"] == "BTCUSDT" for r in closed)
    with pytest.raises(ParamError, match="symbol, baseCoin or settleCoin is required"):
        call(exchange, "/v5/order/realtime", category="linear")


def test_delivery_and_settlement_records(exchange: Exchange) -> None:
    deliveries = call(exchange, "/v5/asset/delivery-record", category="option")["list"]
    assert deliveries
    for row in deliveries:
        assert isinstance(row["deliveryTime"], int) and row["deliveryTime"] % DAY == 8 * 3_600_000
        strike, price, held = Decimal(row["strike"]), Decimal(row["deliveryPrice"]), Decimal(row["position"])
        payoff = (
            max(price - strike, Decimal(0))
            if row["symbol"].endswith("-C")
            else max(strike - price, Decimal(0))
        )
        sign = 1 if row["side"] == "Buy" else -1
        expected = (payoff - Decimal(row["entryPrice"])) * held * sign - Decimal(row["fee"])
        assert abs(Decimal(row["deliveryRpl"]) - expected) <= Decimal("1e-8")
    code = deliveries[0]["symbol"].split("-")[1]
    filtered = call(exchange, "/v5/asset/delivery-record", category="option", expDate=code)["list"]
    assert filtered and all(r["symbol"].split("-")[1] == code for r in filtered)
    inverse = call(
        exchange, "/v5/asset/delivery-record", category="inverse", endTime=NOW - 0, startTime=NOW - 30 * DAY
    )
    assert all(r["strike"] == "" for r in inverse["list"])
    settlements = call(exchange, "/v5/asset/settlement-record", category="linear", symbol="BTCPERP")["list"]
    assert settlements
    for row in settlements:
        sign = 1 if row["side"] == "Buy" else -1
        pnl = (Decimal(row["markPrice"]) - Decimal(row["sessionAvgPrice"])) * Decimal(row["size"]) * sign
        assert Decimal(row["realisedPnl"]) == pnl.quantize(Decimal("1e-8"))
        assert int(row["createdTime"]) % EIGHT_HOURS == 0


def test_order_history_filters_by_order_id_and_link_id(exchange: Exchange) -> None:
    history = all_pages(exchange, "/v5/order/history", category="linear", limit=50)
    linked = next(r for r in history if r["orderLinkId"])
    by_id = call(exchange, "/v5/order/history", category="linear", orderId=linked["orderId"])["list"]
    assert [r["orderId"] for r in by_id] == [linked["orderId"]]
    by_link = call(exchange, "/v5/order/history", category="linear", orderLinkId=linked["orderLinkId"])[
        "list"
    ]
    assert [r["orderId"] for r in by_link] == [linked["orderId"]]
    with_symbol = call(
        exchange, "/v5/order/history", category="linear", orderId=linked["orderId"], symbol=linked["symbol"]
    )["list"]
    assert [r["orderId"] for r in with_symbol] == [linked["orderId"]]
    other_symbol = "ETHUSDT" if linked["symbol"] != "ETHUSDT" else "BTCUSDT"
    mismatch = call(
        exchange, "/v5/order/history", category="linear", orderId=linked["orderId"], symbol=other_symbol
    )
    assert mismatch["list"] == []  # both filters apply: the order is not an ETHUSDT order
    assert call(exchange, "/v5/order/history", category="linear", orderId="no-such-order")["list"] == []


def test_order_realtime_filters_by_order_id_and_link_id(exchange: Exchange) -> None:
    opened = call(exchange, "/v5/order/realtime", category="linear", settleCoin="USDT")["list"]
    target = next(r for r in opened if r["orderLinkId"])
    by_id = call(
        exchange, "/v5/order/realtime", category="linear", symbol=target["symbol"], orderId=target["orderId"]
    )
    assert [r["orderId"] for r in by_id["list"]] == [target["orderId"]]
    by_base = call(
        exchange,
        "/v5/order/realtime",
        category="linear",
        baseCoin=target["symbol"][:3],
        orderId=target["orderId"],
    )
    assert [r["orderId"] for r in by_base["list"]] == [target["orderId"]]
    by_link = call(
        exchange,
        "/v5/order/realtime",
        category="linear",
        settleCoin="USDT",
        orderLinkId=target["orderLinkId"],
    )
    assert [r["orderId"] for r in by_link["list"]] == [target["orderId"]]
    closed = call(exchange, "/v5/order/realtime", category="linear", settleCoin="USDT", openOnly=1, limit=50)[
        "list"
    ]
    linked = next(r for r in closed if r["orderLinkId"])
    by_link_closed = call(
        exchange,
        "/v5/order/realtime",
        category="linear",
        symbol=linked["symbol"],
        orderLinkId=linked["orderLinkId"],
        openOnly=1,
    )
    assert [r["orderId"] for r in by_link_closed["list"]] == [linked["orderId"]]
    with pytest.raises(ParamError, match="symbol, baseCoin or settleCoin is required"):
        call(exchange, "/v5/order/realtime", category="linear", orderId=target["orderId"])
