"""Index price components, ADL alerts, fee groups, tiered collateral and new delivery prices: documented
shapes and types, parameter errors, and consistency with the rest of the simulator's market."""

from __future__ import annotations

import itertools
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from market_helpers import NOW_MS, call, error_of, make_exchange

from bybit_research.sim.market.calendar import DAY_MS, HOUR_MS, MINUTE_MS
from bybit_research.sim.market.insurance import POOLS, max_balance, symbol_pnl

#: 2024-06-15 12:34:56 UTC (the clock of the client's tests): the seeded market has a stress episode of
#: BTCPERP's insurance pool then
EPISODE_MS = 1_718_454_896_000


@pytest.fixture(scope="module")
def exchange() -> Any:
    return make_exchange()


def index_kline_close(exchange: Any, category: str, symbol: str) -> str:
    rows = call(
        exchange, "/v5/market/index-price-kline", category=category, symbol=symbol, interval="1", limit=1
    )
    return str(rows["list"][0][4])


@pytest.mark.parametrize(
    ("name", "category", "symbol", "tick"),
    [
        ("BTCUSDT", "linear", "BTCUSDT", "0.10"),
        ("ETHUSDC", "linear", "ETHPERP", "0.01"),
        ("BTCUSD", "inverse", "BTCUSD", "0.50"),
        ("HYPEUSDT", "linear", "HYPEUSDT", "0.001"),
    ],
)
def test_index_components_average_to_the_index_price(
    exchange: Any, name: str, category: str, symbol: str, tick: str
) -> None:
    result = call(exchange, "/v5/market/index-price-components", indexName=name)
    assert set(result) == {"indexName", "lastPrice", "updateTime", "components"}
    assert result["indexName"] == name and result["updateTime"] == str(NOW_MS)
    # the last price is the index the contracts use now (the open index candle closes at it)
    assert result["lastPrice"] == index_kline_close(exchange, category, symbol)
    ticker = call(exchange, "/v5/market/tickers", category=category, symbol=symbol)["list"][0]
    assert result["lastPrice"] == ticker["indexPrice"]
    parts = result["components"]
    assert 3 <= len(parts) <= 8
    for part in parts:
        assert set(part) == {"exchange", "spotPair", "equivalentPrice", "multiplier", "price", "weight"}
        assert all(isinstance(value, str) for value in part.values()) and part["multiplier"] == "1"
        assert abs(Decimal(part["equivalentPrice"]) / Decimal(result["lastPrice"]) - 1) < Decimal("0.002")
    assert sum(Decimal(part["weight"]) for part in parts) == 1
    weighted = sum(Decimal(part["weight"]) * Decimal(part["equivalentPrice"]) for part in parts)
    assert abs(weighted - Decimal(result["lastPrice"])) <= Decimal(tick) / 2
    assert len({part["exchange"] for part in parts}) == len(parts)


def test_index_components_convert_usd_quotes(exchange: Any) -> None:
    parts = call(exchange, "/v5/market/index-price-components", indexName="BTCUSDT")["components"]
    for part in parts:
        same_quote = part["spotPair"].endswith("USDT")
        assert (part["price"] == part["equivalentPrice"]) == same_quote, part
    assert any(not part["spotPair"].endswith("USDT") for part in parts)  # e.g. Coinbase BTC-USD
    later = call(
        exchange, "/v5/market/index-price-components", now_ms=NOW_MS + MINUTE_MS, indexName="BTCUSDT"
    )
    assert [p["weight"] for p in later["components"]] == [p["weight"] for p in parts]  # weights change daily


@pytest.mark.parametrize("name", ["NOPEUSDT", "XRPUSDC", "DOGEUSD", "BTC", "btcusdt", "BTCPERP"])
def test_unknown_index_is_10001(exchange: Any, name: str) -> None:
    error = error_of(exchange, "/v5/market/index-price-components", indexName=name)
    assert error.ret_code == 10001 and "indexName invalid" in error.ret_msg and "BTCUSDT" in error.ret_msg
    assert "indexName is required" in error_of(exchange, "/v5/market/index-price-components").ret_msg


def test_adl_alert_follows_the_insurance_pools(exchange: Any) -> None:
    result = call(exchange, "/v5/market/adlAlert")
    assert set(result) == {"updateTime", "list"}  # the docs' table: updateTime (their example: updatedTime)
    assert result["updateTime"] == str(NOW_MS // MINUTE_MS * MINUTE_MS)
    pools = call(exchange, "/v5/market/insurance")["list"]
    balances = {
        symbol: (pool["coin"], pool["balance"]) for pool in pools for symbol in pool["symbols"].split(",")
    }
    assert [row["symbol"] for row in result["list"]] == list(balances)
    keys = {
        "coin",
        "symbol",
        "balance",
        "maxBalance",
        "insurancePnlRatio",
        "pnlRatio",
        "adlTriggerThreshold",
        "adlStopRatio",
    }
    for row in result["list"]:
        assert set(row) == keys and all(isinstance(value, str) for value in row.values())
        assert (row["coin"], row["balance"]) == balances[row["symbol"]]
        assert row["maxBalance"] == ""  # deprecated
        assert (row["insurancePnlRatio"], row["adlStopRatio"], row["adlTriggerThreshold"]) == (
            "-0.3",
            "-0.25",
            "10000",
        )
        assert Decimal(row["pnlRatio"]) <= 0  # a drawdown from the 8-hour high
    assert len({row["pnlRatio"] for row in result["list"]}) > 5
    assert all(Decimal(row["pnlRatio"]) > Decimal("-0.3") for row in result["list"])  # calm now
    # during a stress episode of the USDC pool's BTCPERP its drawdown is past the trigger ratio
    stressed = call(exchange, "/v5/market/adlAlert", now_ms=EPISODE_MS)["list"]
    triggered = [row["symbol"] for row in stressed if Decimal(row["pnlRatio"]) < Decimal("-0.3")]
    assert triggered == ["BTCPERP"]
    one = call(exchange, "/v5/market/adlAlert", symbol="ETHPERP")["list"]
    assert [row["symbol"] for row in one] == ["ETHPERP"] and one[0]["coin"] == "USDC"


def test_adl_drawdown_is_the_documented_ratio_of_the_pool(exchange: Any) -> None:
    def ratio(symbol: str, now_ms: int) -> Decimal:
        rows = call(exchange, "/v5/market/adlAlert", now_ms=now_ms, symbol=symbol)["list"]
        return Decimal(rows[0]["pnlRatio"])

    # the episode builds within an hour, then recovers over six: before it and after it, no trigger
    assert ratio("BTCPERP", EPISODE_MS - 3 * HOUR_MS) > Decimal("-0.25")
    assert ratio("BTCPERP", EPISODE_MS - 2 * HOUR_MS) < ratio("BTCPERP", EPISODE_MS) < Decimal("-0.3")
    assert ratio("BTCPERP", EPISODE_MS + 5 * HOUR_MS) > Decimal("-0.25")  # above the stop ratio again
    # the loss is a share of the pool's 8-hour high balance
    number = next(i for i, pool in enumerate(POOLS) if "BTCPERP" in pool[1])
    minute = EPISODE_MS // MINUTE_MS * MINUTE_MS
    times = np.arange(minute - 8 * HOUR_MS, minute + 1, MINUTE_MS)
    pnl = symbol_pnl(exchange.market.seed, "BTCPERP", times) * POOLS[number][2]
    highest = max_balance(exchange.market.seed, number, minute)
    pool = call(exchange, "/v5/market/insurance", now_ms=EPISODE_MS, coin="USDC")["list"][0]
    assert highest >= float(pool["balance"])  # the 8-hour high of the balance the pool shows
    assert ratio("BTCPERP", EPISODE_MS) == Decimal(f"{(pnl[-1] - pnl.max()) / highest:.6f}")


def test_adl_alert_symbols(exchange: Any) -> None:
    assert call(exchange, "/v5/market/adlAlert", symbol="BTCUSDT-26DEC25")["list"] == []  # no pool
    error = error_of(exchange, "/v5/market/adlAlert", symbol="NOPEUSDT")
    assert error.ret_code == 10001 and "symbol invalid" in error.ret_msg
    a = call(exchange, "/v5/market/adlAlert", symbol="BTCUSDT")["list"][0]["pnlRatio"]
    b = call(exchange, "/v5/market/adlAlert", now_ms=NOW_MS + 30_000, symbol="BTCUSDT")["list"][0]["pnlRatio"]
    c = call(exchange, "/v5/market/adlAlert", now_ms=NOW_MS + 3 * HOUR_MS, symbol="BTCUSDT")["list"][0][
        "pnlRatio"
    ]
    assert a == b or (NOW_MS + 30_000) // MINUTE_MS != NOW_MS // MINUTE_MS
    assert a != c


def test_fee_groups(exchange: Any) -> None:
    groups = call(exchange, "/v5/market/fee-group-info", productType="contract")["list"]
    assert len(groups) == 9
    listed = {
        row["symbol"]
        for cat in ("linear", "inverse")
        for row in call(exchange, "/v5/market/tickers", category=cat)["list"]
    }
    seen: list[str] = []
    for group in groups:
        assert set(group) == {
            "groupName",
            "weightingFactor",
            "symbolsNumbers",
            "symbols",
            "feeRates",
            "updateTime",
        }
        assert isinstance(group["weightingFactor"], int) and isinstance(group["symbolsNumbers"], int)
        assert group["symbolsNumbers"] == len(group["symbols"]) > 0
        assert group["updateTime"].isdigit() and int(group["updateTime"]) < NOW_MS
        pro, makers = group["feeRates"]["pro"], group["feeRates"]["marketMaker"]
        assert [level["level"] for level in pro] == [f"Pro {n}" for n in range(1, 7)]
        assert [level["level"] for level in makers] == ["MM 1", "MM 2", "MM 3"]
        assert all(level["makerRebate"] == "" for level in pro)
        assert all(level["takerFeeRate"] == level["makerFeeRate"] == "" for level in makers)
        takers = [Decimal(level["takerFeeRate"]) for level in pro]
        assert takers == sorted(takers, reverse=True)
        assert all(Decimal(level["makerRebate"]) < 0 for level in makers)
        seen += group["symbols"]
    assert len(seen) == len(set(seen)) and set(seen) == listed  # every contract in exactly one group
    assert "BTCUSDT" in groups[0]["symbols"] and "BTCUSD" in groups[0]["symbols"]
    one = call(exchange, "/v5/market/fee-group-info", productType="contract", groupId="9")["list"]
    assert [group["groupName"] for group in one] == [groups[8]["groupName"]]


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({}, "productType is required"),
        ({"productType": "spot"}, "must be contract"),
        ({"productType": "contract", "groupId": "10"}, "groupId must be between 1 and 9"),
        ({"productType": "contract", "groupId": "0"}, "groupId must be between 1 and 9"),
        ({"productType": "contract", "groupId": "G1"}, "groupId must be an integer"),
    ],
)
def test_fee_group_errors(exchange: Any, params: dict[str, str], fragment: str) -> None:
    error = error_of(exchange, "/v5/market/fee-group-info", **params)
    assert error.ret_code == 10001 and fragment in error.ret_msg


def test_tiered_collateral_ratios(exchange: Any) -> None:
    rows = call(exchange, "/v5/spot-margin-trade/collateral")["list"]
    spot_coins = {row["symbol"][:-4] for row in call(exchange, "/v5/market/tickers", category="spot")["list"]}
    assert [row["currency"] for row in rows][:2] == ["USDT", "USDC"]
    assert {row["currency"] for row in rows} == spot_coins | {"USDT", "USDC"}
    for row in rows:
        assert set(row) == {"currency", "collateralRatioList"}
        tiers = row["collateralRatioList"]
        assert tiers[0]["minQty"] == "0" and tiers[-1]["maxQty"] == ""  # the last tier is open-ended
        for lower, upper in itertools.pairwise(tiers):
            assert lower["maxQty"] == upper["minQty"] and Decimal(lower["maxQty"]) > Decimal(lower["minQty"])
            assert Decimal(upper["collateralRatio"]) < Decimal(lower["collateralRatio"])
        assert all(set(tier) == {"minQty", "maxQty", "collateralRatio"} for tier in tiers)
    btc = call(exchange, "/v5/spot-margin-trade/collateral", currency="BTC")["list"]
    assert [row["currency"] for row in btc] == ["BTC"]
    assert btc[0]["collateralRatioList"][0]["collateralRatio"] == "0.95"  # the demo account's flat BTC ratio
    usdt = call(exchange, "/v5/spot-margin-trade/collateral", currency="USDT")["list"][0][
        "collateralRatioList"
    ]
    assert usdt == [{"minQty": "0", "maxQty": "", "collateralRatio": "1"}]
    error = error_of(exchange, "/v5/spot-margin-trade/collateral", currency="btc")
    assert error.ret_code == 10001 and "currency invalid" in error.ret_msg and "USDT" in error.ret_msg


def test_new_delivery_price_matches_the_option_delivery_prices(exchange: Any) -> None:
    rows = call(exchange, "/v5/market/new-delivery-price", category="option", baseCoin="ETH")["list"]
    yesterday = NOW_MS // DAY_MS * DAY_MS - DAY_MS + 8 * HOUR_MS
    assert len(rows) == 50 and rows[0]["deliveryTime"] == str(yesterday)
    assert [int(row["deliveryTime"]) for row in rows] == [yesterday - k * DAY_MS for k in range(50)]
    assert all(len(row["deliveryPrice"].split(".")[1]) == 8 for row in rows)
    delivered = next(
        i for i in exchange.market.expired_instruments("option") if i.symbol.startswith("ETH-5DEC25-")
    )
    old = call(exchange, "/v5/market/delivery-price", category="option", symbol=delivered.symbol)["list"][0]
    assert old["deliveryTime"] == rows[0]["deliveryTime"]
    assert Decimal(old["deliveryPrice"]) == Decimal(rows[0]["deliveryPrice"])
    for params, fragment in (
        ({"category": "option"}, "baseCoin is required"),
        ({"category": "linear", "baseCoin": "BTC"}, "category linear"),
        ({"category": "option", "baseCoin": "XRP"}, "baseCoin invalid"),
        ({"category": "option", "baseCoin": "BTC", "settleCoin": "BTC"}, "settleCoin invalid"),
    ):
        assert fragment in error_of(exchange, "/v5/market/new-delivery-price", **params).ret_msg
