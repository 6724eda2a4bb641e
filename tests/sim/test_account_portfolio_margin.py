"""Demo account: the portfolio-margin stress test and its agreement with the wallet; determinism."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest

import bybit_research.sim.account as account_module
import bybit_research.sim.routes  # noqa: F401  (registers the routes)
from bybit_research.sim.core import ROUTES, Request, SimConfig
from bybit_research.sim.exchange import Exchange
from bybit_research.sim.market.options import black76_price

NOW = 1_750_000_000_000  # 2025-06-15 15:06:40 UTC
SCALES = ["-0.1", "-0.08", "-0.06", "-0.04", "-0.02", "0.0", "0.02", "0.04", "0.06", "0.08", "0.1"]


def call(exchange: Exchange, path: str, method: str = "GET", **params: Any) -> Any:
    query = {key: str(value) for key, value in params.items()}
    request = Request(
        method,
        path,
        urlencode(query),
        query if method == "GET" else {},
        {},
        now_ms=NOW,
        uid=1,
        json=dict(params) if method == "POST" else {},
    )
    return ROUTES[(method, path)].handler(exchange, request)


@pytest.fixture(scope="module")
def pm_exchange() -> Exchange:
    return Exchange(SimConfig(now_ms=NOW, margin_mode="PORTFOLIO_MARGIN"))


def values(ranges: list[dict[str, Any]]) -> list[Decimal]:
    return [Decimal(point["pnls"][0]) for point in ranges]


def test_risk_units_and_scenario_grid(pm_exchange: Exchange) -> None:
    result = call(pm_exchange, "/v5/asset/portfolio-margin")
    units = result["assetPnlRange"]
    assert [unit["baseCoin"] for unit in units] == ["BTC", "ETH", "SOL"]
    btc = units[0]
    for name in ("ALL", "PERPETUAL", "OPTION"):
        assert [p["priceScale"] for p in btc["totalPnlRanges"][name]["pnlRanges"]] == SCALES
    assert btc["optionExpiryDatePnlRanges"], "BTC holds options"
    scenarios = 0
    for expiry in btc["optionExpiryDatePnlRanges"]:
        assert [p["priceScale"] for p in expiry["pnlRanges"]] == SCALES
        assert all(len(p["pnls"]) == 3 for p in expiry["pnlRanges"])
        scenarios = sum(len(p["pnls"]) for p in expiry["pnlRanges"])
        assert expiry["expiryDateRepresentation"][-5:-2].isalpha()
    assert scenarios == 33
    assert {row["symbolName"] for row in btc["perpPositionPnlRanges"]} >= {"BTCUSDT", "BTCUSD", "BTCPERP"}
    assert all(isinstance(row["contractType"], int) for row in btc["perpPositionPnlRanges"])
    assert len(btc["maxLossIvShockList"]) == 11
    assert btc["spotHedgeInfo"]["pnlRanges"] == [] and btc["spotHedgeInfo"]["hedgeSpotSize"] == "0"
    only = call(pm_exchange, "/v5/asset/portfolio-margin", baseCoin="ETH")["assetPnlRange"]
    assert [unit["baseCoin"] for unit in only] == ["ETH"]


def test_margin_identities(pm_exchange: Exchange) -> None:
    for unit in call(pm_exchange, "/v5/asset/portfolio-margin")["assetPnlRange"]:
        totals = unit["totalPnlRanges"]
        everything, perp, option = (values(totals[n]["pnlRanges"]) for n in ("ALL", "PERPETUAL", "OPTION"))
        assert everything == [a + b for a, b in zip(perp, option, strict=True)]
        per_symbol = [values(row["pnlRanges"]) for row in unit["perpPositionPnlRanges"]]
        assert perp == [sum(column, Decimal(0)) for column in zip(*per_symbol, strict=True)] or not per_symbol
        worst = min(range(11), key=lambda i: (everything[i], i))
        max_loss = max(Decimal(0), -everything[worst])
        assert unit["maxLossPriceMove"] == SCALES[worst]
        assert unit["maxLossIvShock"] == unit["maxLossIvShockList"][worst]
        parts = unit["contingency"]
        components = sum(Decimal(parts[name]) for name in parts if name != "contingencyComponents")
        assert Decimal(parts["contingencyComponents"]) == components
        mm, im = Decimal(unit["asset"]["assetMM"]), Decimal(unit["asset"]["assetIM"])
        assert mm == max_loss + components
        assert im == mm * Decimal("1.2")
        if unit["optionExpiryDatePnlRanges"]:
            grids = [e["pnlRanges"] for e in unit["optionExpiryDatePnlRanges"]]
            for i in range(11):
                per_shock = [sum(Decimal(g[i]["pnls"][j]) for g in grids) for j in range(3)]
                assert option[i] == min(per_shock)


def test_option_scenarios_reprice_with_black76(pm_exchange: Exchange) -> None:
    expiry = call(pm_exchange, "/v5/asset/portfolio-margin", baseCoin="BTC")["assetPnlRange"][0][
        "optionExpiryDatePnlRanges"
    ][0]
    row = expiry["optionPositionPnlRanges"][0]
    inst = pm_exchange.market.instrument(row["symbolName"], "option")
    assert inst is not None and inst.strike is not None
    quote = pm_exchange.market.option_quote(row["symbolName"], NOW)
    is_call = inst.option_type == "Call"
    base = black76_price(quote.underlying_price, inst.strike, quote.t_years, quote.mark_iv, is_call)
    shocked = black76_price(
        quote.underlying_price * 0.9, inst.strike, quote.t_years, quote.mark_iv * 0.8, is_call
    )
    expected = Decimal(row["position"]) * Decimal(repr(shocked - base))
    assert abs(Decimal(row["pnlRanges"][0]["pnls"][0]) - expected) < Decimal("1e-7")
    assert row["pnlRanges"][5]["pnls"][1] == "0.00000000"  # no move, no shock


def test_pm_wallet_agrees_with_wallet_balance(pm_exchange: Exchange) -> None:
    pm = call(pm_exchange, "/v5/asset/portfolio-margin")
    balance = call(pm_exchange, "/v5/account/wallet-balance", accountType="UNIFIED")["list"][0]
    wallet = pm["wallet"]
    assert wallet["equity"] == balance["totalEquity"]
    assert wallet["cashBalance"] == balance["totalWalletBalance"]
    assert wallet["marginBalance"] == balance["totalMarginBalance"]
    assert wallet["accountIM"] == balance["totalInitialMargin"]
    assert wallet["accountMM"] == balance["totalMaintenanceMargin"]
    assert wallet["availableBalance"] == balance["totalAvailableBalance"]
    assert (
        wallet["accountIMRate"] == balance["accountIMRate"]
        and wallet["accountMMRate"] == balance["accountMMRate"]
    )
    units_im = sum(Decimal(u["asset"]["assetIM"]) for u in pm["assetPnlRange"])
    borrowed = sum(
        Decimal(c["borrowAmount"]) * Decimal(c["usdValue"]) / Decimal(c["equity"])
        for c in balance["coin"]
        if Decimal(c["borrowAmount"]) > 0
    )
    assert borrowed > 0
    assert abs(Decimal(wallet["accountIM"]) - units_im - borrowed * Decimal("0.05")) < Decimal("0.0001")


def test_deterministic_for_a_seed_and_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    def snapshot(seed: int) -> str:
        exchange = Exchange(SimConfig(seed=seed, now_ms=NOW))
        parts = [
            call(exchange, "/v5/account/wallet-balance", accountType="UNIFIED"),
            call(exchange, "/v5/position/list", category="option"),
            call(exchange, "/v5/execution/list", category="linear", startTime=NOW - 100 * 86_400_000),
            call(exchange, "/v5/account/transaction-log", limit=50),
        ]
        return json.dumps(parts, sort_keys=True)

    first = snapshot(7)
    monkeypatch.setattr(account_module, "_SHARED", type(account_module._SHARED)())  # replay from scratch
    assert snapshot(7) == first
    assert snapshot(8) != first
