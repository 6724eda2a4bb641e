"""Demo account: position list rules, valuation at now, and option greeks."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest

import bybit_research.sim.routes  # noqa: F401  (registers the routes)
from bybit_research.sim.account.positions import position_row, value_position
from bybit_research.sim.account.state import PositionState
from bybit_research.sim.core import ROUTES, ParamError, Request, SimConfig
from bybit_research.sim.exchange import Exchange

NOW = 1_750_000_000_000  # 2025-06-15 15:06:40 UTC
INT_FIELDS = ("positionIdx", "riskId", "autoAddMargin", "adlRankIndicator", "seq", "openTime", "tradeMode")


def call(exchange: Exchange, path: str, **params: Any) -> Any:
    now = int(params.pop("now", NOW))
    query = {key: str(value) for key, value in params.items()}
    request = Request("GET", path, urlencode(query), query, {}, now_ms=now, uid=1)
    return ROUTES[("GET", path)].handler(exchange, request)


@pytest.fixture(scope="module")
def exchange() -> Exchange:
    return Exchange(SimConfig(now_ms=NOW))


def test_linear_needs_symbol_or_settle_coin(exchange: Exchange) -> None:
    with pytest.raises(ParamError, match="symbol or settleCoin is required for category linear") as caught:
        call(exchange, "/v5/position/list", category="linear")
    assert caught.value.ret_code == 10001
    with pytest.raises(ParamError, match="not supported by /v5/position/list"):
        call(exchange, "/v5/position/list", category="spot")
    with pytest.raises(ParamError, match="symbol invalid"):
        call(exchange, "/v5/position/list", category="linear", symbol="NOPEUSDT")
    with pytest.raises(ParamError, match="limit must be between 1 and 200"):
        call(exchange, "/v5/position/list", category="inverse", limit=201)


def test_linear_positions_follow_the_market(exchange: Exchange) -> None:
    result = call(exchange, "/v5/position/list", category="linear", settleCoin="USDT")
    assert result["category"] == "linear" and result["nextPageCursor"] == ""
    rows = result["list"]
    assert {row["symbol"] for row in rows} >= {"BTCUSDT", "ETHUSDT", "SOLUSDT"}
    market = exchange.market
    for row in rows:
        assert Decimal(row["size"]) > 0 and row["side"] in ("Buy", "Sell")
        for name in INT_FIELDS:
            assert isinstance(row[name], int), name
        assert isinstance(row["isReduceOnly"], bool)
        mark = Decimal(row["markPrice"])
        assert mark == Decimal(str(market.mark_price(row["symbol"], NOW)))
        sign = 1 if row["side"] == "Buy" else -1
        upl = (mark - Decimal(row["avgPrice"])) * Decimal(row["size"]) * sign
        assert abs(Decimal(row["unrealisedPnl"]) - upl) <= Decimal("0.0001")
        assert Decimal(row["positionIM"]) == Decimal(row["positionValue"]) / Decimal(row["leverage"])
        assert row["positionIM"] == row["positionIMByMp"]
        if row["liqPrice"]:  # cross margin: a long's liquidation price is below the mark, a short's above
            assert (Decimal(row["liqPrice"]) < mark) == (row["side"] == "Buy")
        assert row["delta"] == "" and row["sessionAvgPrice"] == ""
    usdc = call(exchange, "/v5/position/list", category="linear", settleCoin="USDC")["list"]
    assert [row["symbol"] for row in usdc] == ["BTCPERP"]
    assert usdc[0]["sessionAvgPrice"] != ""


def test_flat_symbol_returns_an_empty_row(exchange: Exchange) -> None:
    rows = call(exchange, "/v5/position/list", category="linear", symbol="XRPUSDT")["list"]
    assert len(rows) == 1
    row = rows[0]
    assert row["symbol"] == "XRPUSDT" and row["size"] == "0" and row["side"] == "" and row["openTime"] == 0


def test_inverse_and_option_listing(exchange: Exchange) -> None:
    inverse = call(exchange, "/v5/position/list", category="inverse")["list"]
    assert [row["symbol"] for row in inverse] == ["BTCUSD"]
    options = call(exchange, "/v5/position/list", category="option", limit=200)["list"]
    coins = {row["symbol"].split("-")[0] for row in options}
    assert coins == {"BTC", "ETH"}
    market = exchange.market
    for row in options:
        quote = market.option_quote(row["symbol"], NOW)
        assert abs(Decimal(row["markPrice"]) - Decimal(repr(quote.mark_price))) < Decimal("0.0001")
        sign = 1 if row["side"] == "Buy" else -1
        assert abs(
            Decimal(row["delta"]) - Decimal(repr(quote.delta)) * Decimal(row["size"]) * sign
        ) < Decimal("1e-8")
        assert row["leverage"] == "" and row["liqPrice"] == ""
        if row["side"] == "Buy":
            assert row["positionIM"] == row["positionMM"] == "0.00000000"
        else:
            assert Decimal(row["positionIM"]) >= Decimal(row["positionMM"]) > 0
    eth = call(exchange, "/v5/position/list", category="option", baseCoin="ETH")["list"]
    assert eth and all(row["symbol"].startswith("ETH-") for row in eth)


def test_position_cursor_visits_each_row_once(exchange: Exchange) -> None:
    everything = call(exchange, "/v5/position/list", category="option", limit=200)["list"]
    seen: list[str] = []
    cursor = None
    while True:
        result = call(
            exchange,
            "/v5/position/list",
            category="option",
            limit=1,
            **({"cursor": cursor} if cursor else {}),
        )
        seen.extend(row["symbol"] for row in result["list"])
        cursor = result["nextPageCursor"]
        if not cursor:
            break
    assert seen == [row["symbol"] for row in everything] and len(seen) >= 4


def test_coin_greeks_are_position_sums(exchange: Exchange) -> None:
    greeks = call(exchange, "/v5/asset/coin-greeks")["list"]
    assert [row["baseCoin"] for row in greeks] == ["BTC", "ETH"]
    options = call(exchange, "/v5/position/list", category="option", limit=200)["list"]
    for row in greeks:
        mine = [p for p in options if p["symbol"].startswith(row["baseCoin"] + "-")]
        for name in ("delta", "gamma", "vega", "theta"):
            total = sum(Decimal(p[name]) for p in mine)
            assert abs(Decimal(row["total" + name.capitalize()]) - total) <= Decimal("1e-7") * len(mine)
    only = call(exchange, "/v5/asset/coin-greeks", baseCoin="ETH")["list"]
    assert [row["baseCoin"] for row in only] == ["ETH"]


def test_positions_move_with_the_clock_within_the_day(exchange: Exchange) -> None:
    later = NOW + 3 * 3_600_000
    now_row = call(exchange, "/v5/position/list", category="linear", symbol="BTCUSDT")["list"][0]
    later_row = call(exchange, "/v5/position/list", category="linear", symbol="BTCUSDT", now=later)["list"][0]
    assert now_row["size"] == later_row["size"] and now_row["avgPrice"] == later_row["avgPrice"]
    assert Decimal(later_row["markPrice"]) == Decimal(str(exchange.market.mark_price("BTCUSDT", later)))
    # the 16:00 funding settlement lands between the two instants
    assert now_row["cumRealisedPnl"] != later_row["cumRealisedPnl"]


CLOCKS = (1_690_000_000_000, 1_705_000_000_000, 1_717_200_000_000, 1_735_000_000_000, 1_752_000_000_000)


@pytest.mark.parametrize("now", CLOCKS)
def test_live_positions_are_on_the_safe_side_of_their_liquidation_price(now: int) -> None:
    exchange = Exchange(SimConfig(now_ms=now))
    wallet = call(exchange, "/v5/account/wallet-balance", accountType="UNIFIED", now=now)["list"][0]
    assert Decimal(wallet["accountMMRate"]) < 1  # the account as a whole is not in liquidation
    cushion_usd = Decimal(wallet["totalMarginBalance"]) - Decimal(wallet["totalMaintenanceMargin"])
    rows = [
        row
        for category, extra in (
            ("linear", {"settleCoin": "USDT"}),
            ("linear", {"settleCoin": "USDC"}),
            ("inverse", {}),
        )
        for row in call(exchange, "/v5/position/list", category=category, now=now, **extra)["list"]
    ]
    assert len(rows) >= 5 and any(row["liqPrice"] for row in rows)
    for row in rows:
        assert row["positionStatus"] == "Normal"
        mark, size = Decimal(row["markPrice"]), Decimal(row["size"])
        sign = 1 if row["side"] == "Buy" else -1
        if not row["liqPrice"]:
            # no positive price eats the cushion: only a long (linear) or a short (inverse) can have none
            assert (sign > 0) != row["symbol"].endswith("USD")
            continue
        liq = Decimal(row["liqPrice"])
        assert liq > 0 and (liq < mark if sign > 0 else liq > mark), row
        if not row["symbol"].endswith("USD"):  # linear: the move from mark to liq loses about the cushion
            loss = (mark - liq) * size * sign
            assert float(loss) == pytest.approx(float(cushion_usd), rel=0.01)


def test_a_short_far_under_water_is_not_past_its_liquidation_price() -> None:
    # the reviewer's case: BTCUSDT-28JUN24 short at avg 110693 with the mark at 174206; the replay no longer
    # holds that position, so the position is built here and valued at the same instant
    now = 1_717_200_000_000
    exchange = Exchange(SimConfig(now_ms=now))
    inst = exchange.market.instrument("BTCUSDT-28JUN24", "linear")
    assert inst is not None
    pos = PositionState(inst, size=Decimal("-0.2"), avg=Decimal("110693"), session_avg=Decimal("110693"))
    view = value_position(exchange.market, pos, now)
    assert view.mark > pos.avg * Decimal("1.5") and view.upl < 0
    row = position_row(view, portfolio_margin=False, cushion=Decimal("5000"))
    assert row["side"] == "Sell" and Decimal(row["liqPrice"]) > Decimal(row["markPrice"])
    # a short loses the cushion when the mark rises by cushion / size
    assert Decimal(row["liqPrice"]) == (view.mark + Decimal("5000") / Decimal("0.2")).quantize(Decimal("0.1"))


def test_inverse_risk_limit_and_break_even(exchange: Exchange) -> None:
    row = call(exchange, "/v5/position/list", category="inverse")["list"][0]
    tiers = call(exchange, "/v5/market/risk-limit", category="inverse", symbol="BTCUSD")["list"]
    assert tiers[0]["riskLimitValue"] == "150"
    value = Decimal(row["positionValue"])
    tier = next(tier for tier in tiers if value <= Decimal(tier["riskLimitValue"]))
    assert (
        (row["riskId"], row["riskLimitValue"])
        == (tier["id"], tier["riskLimitValue"])
        == (tiers[0]["id"], "150")
    )
    # closing at the break-even price (taker fee 0.055 %) brings the realised P&L back to zero
    qty = Decimal(row["size"]) * (1 if row["side"] == "Buy" else -1)
    entry, realised, price = (
        Decimal(row["avgPrice"]),
        Decimal(row["curRealisedPnl"]),
        Decimal(row["breakEvenPrice"]),
    )
    close_pnl = qty * (1 / entry - 1 / price) - abs(qty) * Decimal("0.00055") / price
    assert abs(close_pnl + realised) < Decimal("1e-8")
    assert (price > entry) == (qty > 0)


def test_linear_risk_ids_match_the_risk_limit_tiers(exchange: Exchange) -> None:
    rows = call(exchange, "/v5/position/list", category="linear", settleCoin="USDT")["list"]
    ids = set()
    for row in rows:
        tiers = call(exchange, "/v5/market/risk-limit", category="linear", symbol=row["symbol"])["list"]
        value = Decimal(row["positionValue"])
        tier = next(tier for tier in tiers if value <= Decimal(tier["riskLimitValue"]))
        assert (row["riskId"], row["riskLimitValue"]) == (tier["id"], tier["riskLimitValue"])
        ids.add(row["riskId"])
    assert len(ids) == len(rows)  # ids are unique across symbols
