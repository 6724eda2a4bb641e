"""Closed option positions (``/v5/position/get-closed-positions``) against the executions and cash movements
they come from, and the endpoint's windows (default 1 day, at most 7, 6-month lookback)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from account_helpers import DAY, NOW, WEEK, all_rows, call, error_of, ledger

from bybit_research.sim.core import SimConfig
from bybit_research.sim.exchange import Exchange

PATH = "/v5/position/get-closed-positions"
SIX_MONTHS = 183 * DAY


@pytest.fixture(scope="module")
def exchange() -> Exchange:
    return Exchange(SimConfig(now_ms=NOW))


def closed_in_lookback(exchange: Exchange) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for k in range(27):  # 6 months in 7-day windows
        end = NOW - k * WEEK
        start = max(end - WEEK + 1, NOW - SIX_MONTHS)
        rows += all_rows(exchange, PATH, category="option", startTime=start, endTime=end, limit=100)
    return rows


def test_closed_positions_sum_their_executions_and_cash(exchange: Exchange) -> None:
    closed = closed_in_lookback(exchange)
    assert len(closed) >= 10 and len({(r["symbol"], r["closeTime"]) for r in closed}) == len(closed)
    executions: dict[str, list[dict[str, Any]]] = {}
    for row in ledger(exchange, "executions"):
        if row["_cat"] == "option":
            executions.setdefault(row["symbol"], []).append(row)
    transactions: dict[str, list[dict[str, Any]]] = {}
    for row in ledger(exchange, "transactions"):
        if row["category"] == "option":
            transactions.setdefault(row["symbol"], []).append(row)
    delivered = 0
    for row in closed:
        assert isinstance(row["closeTime"], int) and isinstance(row["openTime"], int)
        opened, shut = row["openTime"], row["closeTime"]
        assert NOW - SIX_MONTHS <= shut <= NOW and opened < shut
        fills = [e for e in executions[row["symbol"]] if opened <= e["_t"] <= shut]
        opening = [e for e in fills if e["side"] == row["side"] and e["execType"] == "Trade"]
        closing = [e for e in fills if e["side"] != row["side"] and e["execType"] == "Trade"]
        delivery = [e for e in fills if e["execType"] == "Delivery"]
        assert Decimal(row["qty"]) == sum(Decimal(e["execQty"]) for e in opening)
        assert Decimal(row["qty"]) == sum(Decimal(e["execQty"]) for e in closing + delivery)
        assert Decimal(row["totalOpenFee"]) == sum(Decimal(e["execFee"]) for e in opening)
        assert Decimal(row["totalCloseFee"]) == sum(Decimal(e["execFee"]) for e in closing)
        assert Decimal(row["deliveryFee"]) == sum(Decimal(e["execFee"]) for e in delivery)
        entry = sum(Decimal(e["execPrice"]) * Decimal(e["execQty"]) for e in opening) / Decimal(row["qty"])
        assert Decimal(row["avgEntryPrice"]) == entry.quantize(Decimal("1e-8"))
        if delivery:
            delivered += 1
            assert Decimal(row["deliveryPrice"]) == Decimal(delivery[0]["execPrice"]) > 0
        else:
            assert row["deliveryPrice"] == "0.00000000"
        cash = [t for t in transactions[row["symbol"]] if opened <= t["_t"] <= shut]
        assert Decimal(row["totalPnl"]) == sum(Decimal(t["cashFlow"]) - Decimal(t["fee"]) for t in cash)
        for name in (
            "totalOpenFee",
            "deliveryFee",
            "totalCloseFee",
            "avgExitPrice",
            "avgEntryPrice",
            "totalPnl",
        ):
            assert len(str(row[name]).split(".")[1]) == 8, name  # trailing zeros up to 8 decimals
    assert delivered >= 1  # some were held to expiry


def test_windows_default_and_lookback(exchange: Exchange) -> None:
    table = ledger(exchange, "closed_options")
    default = all_rows(exchange, PATH, category="option")
    assert [r["closeTime"] for r in default] == [r["_t"] for r in table if r["_t"] >= NOW - DAY]
    week = all_rows(exchange, PATH, category="option", endTime=NOW, limit=1)
    assert [r["closeTime"] for r in week] == [r["_t"] for r in table if r["_t"] >= NOW - WEEK]
    assert len(week) > len(default)
    symbol = week[0]["symbol"]
    assert all(
        r["symbol"] == symbol
        for r in call(exchange, PATH, category="option", symbol=symbol, endTime=NOW)["list"]
    )
    error = error_of(exchange, PATH, category="option", startTime=NOW - 8 * DAY, endTime=NOW)
    assert error.ret_code == 10001 and "cannot exceed 7 days" in error.ret_msg
    error = error_of(exchange, PATH, category="option", startTime=NOW - SIX_MONTHS - 1)
    assert (
        error.ret_msg
        == "Can't query order earlier than 6 months, please check your params: startTime or endTime!"
    )
    error = error_of(exchange, PATH, category="linear")
    assert "use one of option" in error.ret_msg
    error = error_of(exchange, PATH, category="option", limit=101)
    assert "limit must be between 1 and 100" in error.ret_msg
