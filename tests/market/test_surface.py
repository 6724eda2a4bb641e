"""The rest of the public read surface against the simulator's raw answers: the RPI and full order books, the
index price components, the ADL alert and its trigger flag, the latest option delivery prices, the fee groups,
the spot-margin collateral tiers, and the newer ticker fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest

from bybit_research.market.adl import adl_alert
from tests.conftest import NOW, FakeClient, MarketClient

UTC_MS = "datetime64[ms, UTC]"


def raw(client: MarketClient, path: str, **params: Any) -> Any:
    return client.get(path, params)


def levels(answer: dict[str, Any]) -> list[list[str]]:
    return answer["b"] + answer["a"]


def test_rpi_orderbook_is_the_orderbook_shape_with_the_rpi_sizes(client: MarketClient, app: Any) -> None:
    book = client.rpi_orderbook("BTCUSDT", limit=7)
    assert app.requests["/v5/market/rpi_orderbook"] == 1
    assert list(book.columns) == ["side", "price", "size", "level", "rpi_size"]
    assert book.dtypes.astype(str).to_dict() == {
        "side": "str",
        "price": "float64",
        "size": "float64",
        "level": "Int64",
        "rpi_size": "float64",
    }
    answer = raw(client, "/v5/market/rpi_orderbook", category="linear", symbol="BTCUSDT", limit=7)
    expected = [[float(price), float(size), float(rpi)] for price, size, rpi in levels(answer)]
    assert book[["price", "size", "rpi_size"]].to_numpy().tolist() == expected
    assert book["side"].tolist() == ["bid"] * 7 + ["ask"] * 7
    assert book["level"].tolist() == [*range(1, 8), *range(1, 8)]
    bids, asks = book[book["side"] == "bid"], book[book["side"] == "ask"]
    assert bids["price"].is_monotonic_decreasing and asks["price"].is_monotonic_increasing
    assert book.attrs["endpoint"] == "/v5/market/rpi_orderbook" and book.attrs["category"] == "linear"
    assert book.attrs["symbol"] == "BTCUSDT" and pd.Timestamp(book.attrs["ts"]) == NOW
    assert isinstance(book.attrs["u"], int) and isinstance(book.attrs["seq"], int)
    assert pd.Timestamp(book.attrs["cts"]) <= NOW
    # the non-RPI size is what the plain order book shows at that price
    plain = client.orderbook("BTCUSDT", limit=7)
    joined = book.merge(plain, on=["side", "price"], suffixes=("", "_plain"))
    assert len(joined) > 0 and (joined["size"] == joined["size_plain"]).all()


def test_rpi_orderbook_sends_the_required_limit_by_default(client: MarketClient, app: Any) -> None:
    book = client.rpi_orderbook("ETHUSDT", "spot")
    assert (book["side"] == "bid").sum() == (book["side"] == "ask").sum() == 50  # Bybit's maximum
    assert book.attrs["category"] == "spot" and (book["rpi_size"] >= 0).all()


def test_full_orderbook_is_every_level_in_the_orderbook_shape(client: MarketClient) -> None:
    full = client.full_orderbook("ETHUSDT", "spot")
    assert list(full.columns) == ["side", "price", "size", "level"]
    answer = raw(client, "/v5/market/full_orderbook", category="spot", symbol="ETHUSDT")
    assert len(full) == len(answer["b"]) + len(answer["a"]) == 20_000
    assert full["price"].iloc[:3].tolist() == [float(level[0]) for level in answer["b"][:3]]
    asks = full[full["side"] == "ask"]
    assert asks["level"].iloc[-1] == len(answer["a"]) and asks["price"].is_monotonic_increasing
    top = client.orderbook("ETHUSDT", "spot", limit=50)
    pd.testing.assert_frame_equal(
        full.groupby("side").head(50).reset_index(drop=True), top.reset_index(drop=True), check_like=True
    )
    assert full.attrs["endpoint"] == "/v5/market/full_orderbook" and "limit" not in full.attrs["params"]


def test_index_price_components_average_to_the_index(client: MarketClient) -> None:
    parts = client.index_price_components("btcusdt")
    answer = raw(client, "/v5/market/index-price-components", indexName="BTCUSDT")
    assert parts.index.name == "exchange"
    assert parts.index.tolist() == [c["exchange"] for c in answer["components"]]
    assert list(parts.columns) == [
        "spot_pair",
        "equivalent_price",
        "multiplier",
        "price",
        "weight",
        "index_name",
        "last_price",
        "update_time",
    ]
    for component in answer["components"]:
        row = parts.loc[component["exchange"]]
        assert row["spot_pair"] == component["spotPair"]
        assert row["weight"] == float(component["weight"]) and row["price"] == float(component["price"])
        assert row["equivalent_price"] == float(component["equivalentPrice"])
    assert (parts["index_name"] == "BTCUSDT").all() and (
        parts["last_price"] == float(answer["lastPrice"])
    ).all()
    assert str(parts.dtypes["update_time"]) == UTC_MS and (parts["update_time"] == NOW).all()
    assert parts["weight"].sum() == pytest.approx(1.0, abs=1e-12)
    # the weighted equivalent prices are the index price (within half a tick of the rounding)
    assert (parts["weight"] * parts["equivalent_price"]).sum() == pytest.approx(
        answer and parts["last_price"].iloc[0], abs=0.05
    )
    # ... which is the index price the contracts use now
    assert parts["last_price"].iloc[0] == client.tickers("linear", "BTCUSDT").loc["BTCUSDT", "index_price"]
    assert parts.attrs["params"] == {"indexName": "BTCUSDT"}


def _triggered(row: dict[str, str]) -> bool:
    balance = Decimal(row["balance"])
    drawdown = balance > Decimal(row["adlTriggerThreshold"]) and Decimal(row["pnlRatio"]) < Decimal(
        row["insurancePnlRatio"]
    )
    return drawdown or balance <= 0


def test_adl_alert_flags_the_documented_trigger(client: MarketClient) -> None:
    alert = client.adl_alert()
    answer = raw(client, "/v5/market/adlAlert")
    assert alert.index.name == "symbol" and alert.index.tolist() == [r["symbol"] for r in answer["list"]]
    assert alert.dtypes.astype(str).to_dict() == {
        "coin": "str",
        "balance": "float64",
        "max_balance": "float64",
        "insurance_pnl_ratio": "float64",
        "pnl_ratio": "float64",
        "adl_trigger_threshold": "float64",
        "adl_stop_ratio": "float64",
        "update_time": UTC_MS,
        "adl_triggered": "bool",
    }
    for row in answer["list"]:
        assert alert.loc[row["symbol"], "adl_triggered"] == _triggered(row), row["symbol"]
        assert alert.loc[row["symbol"], "pnl_ratio"] == float(row["pnlRatio"])
    # the simulated market has a stress episode of the USDC pool's BTCPERP now: both values occur
    assert alert.index[alert["adl_triggered"]].tolist() == ["BTCPERP"]
    assert alert.loc["BTCPERP", "pnl_ratio"] < alert.loc["BTCPERP", "insurance_pnl_ratio"] == -0.3
    assert (~alert.drop(index="BTCPERP")["adl_triggered"]).all()
    assert alert["max_balance"].isna().all()  # deprecated: ""
    assert (alert["update_time"] == pd.Timestamp(int(answer["updateTime"]), unit="ms", tz="UTC")).all()
    one = client.adl_alert("btcperp")
    assert one.index.tolist() == ["BTCPERP"] and bool(one.loc["BTCPERP", "adl_triggered"])
    assert one.attrs["params"]["symbol"] == "BTCPERP"


ROW = {
    "coin": "USDT",
    "balance": "20000",
    "maxBalance": "",
    "insurancePnlRatio": "-0.3",
    "pnlRatio": "-0.1",
    "adlTriggerThreshold": "10000",
    "adlStopRatio": "-0.25",
}


def test_adl_alert_reads_either_time_field_and_flags_an_empty_pool() -> None:
    rows = [
        {**ROW, "symbol": "AUSDT"},
        {**ROW, "symbol": "BUSDT", "pnlRatio": "-0.31"},
        {**ROW, "symbol": "CUSDT", "balance": "5000", "pnlRatio": "-0.5"},  # below the threshold
        {**ROW, "symbol": "DUSDT", "balance": "-12.5"},  # the pool's equity is gone
    ]
    example = adl_alert(FakeClient(lambda path, params: {"updatedTime": "1718454840000", "list": rows}))
    table = adl_alert(FakeClient(lambda path, params: {"updateTime": "1718454840000", "list": rows}))
    pd.testing.assert_frame_equal(example, table)
    assert "updated_time" not in table.columns
    assert (table["update_time"] == pd.Timestamp(1718454840000, unit="ms", tz="UTC")).all()
    assert table["adl_triggered"].to_dict() == {"AUSDT": False, "BUSDT": True, "CUSDT": False, "DUSDT": True}
    empty = adl_alert(FakeClient(lambda path, params: {"updateTime": "1718454840000", "list": []}))
    assert list(empty.columns) == list(table.columns) and (empty.dtypes == table.dtypes).all()


def test_new_delivery_prices_ascend(client: MarketClient) -> None:
    prices = client.new_delivery_prices("btc")
    answer = raw(client, "/v5/market/new-delivery-price", category="option", baseCoin="BTC")
    assert len(prices) == len(answer["list"]) == 50
    assert prices.index.name == "time" and str(prices.index.dtype) == UTC_MS
    assert prices.index.is_monotonic_increasing and prices.index.is_unique and prices.index[-1] < NOW
    # the answer is newest first: the frame holds its rows oldest first
    expected = [(int(r["deliveryTime"]), float(r["deliveryPrice"])) for r in reversed(answer["list"])]
    assert list(zip(prices.index.asi8.tolist(), prices["delivery_price"], strict=True)) == expected
    assert list(prices.columns) == ["delivery_price"] and prices.attrs["category"] == "option"
    usdc = client.new_delivery_prices("BTC", settle_coin="usdc")
    assert usdc.attrs["params"]["settleCoin"] == "USDC"


def test_fee_groups_are_one_row_per_group_and_level(client: MarketClient) -> None:
    groups = client.fee_groups()
    answer = raw(client, "/v5/market/fee-group-info", productType="contract")["list"]
    expected = [
        (g["groupName"], tier, level)
        for g in answer
        for tier in ("pro", "marketMaker")
        for level in g["feeRates"][tier]
    ]
    assert len(groups) == len(expected) == 81  # nine groups of Pro 1-6 and MM 1-3
    for (name, tier, level), (_, row) in zip(expected, groups.iterrows(), strict=True):
        assert (row["group_name"], row["tier"], row["level"]) == (name, tier, level["level"])
        for field, column in (("takerFeeRate", "taker_fee_rate"), ("makerRebate", "maker_rebate")):
            value = level[field]
            assert np.isnan(row[column]) if value == "" else row[column] == float(value), (name, field)
    first = answer[0]
    assert groups["symbols"].iloc[0] == ",".join(first["symbols"])
    assert groups["symbols_numbers"].iloc[0] == first["symbolsNumbers"] == len(first["symbols"])
    assert groups.dtypes.astype(str).to_dict() == {
        "group_name": "str",
        "weighting_factor": "Int64",
        "symbols_numbers": "Int64",
        "symbols": "str",
        "update_time": UTC_MS,
        "tier": "str",
        "level": "str",
        "taker_fee_rate": "float64",
        "maker_fee_rate": "float64",
        "maker_rebate": "float64",
    }
    assert (groups.loc[groups["tier"] == "marketMaker", "maker_rebate"] < 0).all()
    three = client.fee_groups(group_id=3)
    assert three["group_name"].unique().tolist() == [answer[2]["groupName"]] and len(three) == 9
    assert three.attrs["params"]["groupId"] == 3


def test_collateral_tiers_make_the_open_tier_infinite(client: MarketClient) -> None:
    tiers = client.collateral_tiers()
    answer = raw(client, "/v5/spot-margin-trade/collateral")["list"]
    flat = [(c["currency"], t) for c in answer for t in c["collateralRatioList"]]
    assert len(tiers) == len(flat) and tiers.index.tolist() == [coin for coin, _ in flat]
    for (coin, tier), (_, row) in zip(flat, tiers.iterrows(), strict=True):
        assert row["min_qty"] == float(tier["minQty"]) and row["collateral_ratio"] == float(
            tier["collateralRatio"]
        )
        assert row["max_qty"] == (np.inf if tier["maxQty"] == "" else float(tier["maxQty"])), coin
    assert (tiers.dtypes == np.float64).all()
    # each coin's tiers follow each other and end open
    for coin, rows in tiers.groupby(level="currency", sort=False):
        assert rows["min_qty"].iloc[1:].tolist() == rows["max_qty"].iloc[:-1].tolist(), coin
        assert rows["max_qty"].iloc[-1] == np.inf and np.isfinite(rows["max_qty"].iloc[:-1]).all(), coin
    btc = client.collateral_tiers("btc")
    assert set(btc.index) == {"BTC"} and len(btc) == len(tiers.loc["BTC"])


LINEAR_TICKER_FIELDS = (
    "prev_price1h", "single_open_interest", "single_open_interest_value", "basis_rate_year",
    "delivery_fee_rate", "pre_open_price", "pre_qty", "cur_pre_listing_phase", "funding_interval_hour",
    "funding_cap",
)  # fmt: skip


def test_the_newer_ticker_fields_are_kept_typed(client: MarketClient) -> None:
    linear = client.tickers("linear")
    assert set(LINEAR_TICKER_FIELDS) <= set(linear.columns)
    assert linear.dtypes["funding_interval_hour"] == "Int64" and linear.dtypes["funding_cap"] == np.float64
    assert (
        linear.dtypes["single_open_interest"] == np.float64
        and linear.dtypes["cur_pre_listing_phase"] == "str"
    )
    answer = raw(client, "/v5/market/tickers", category="linear", symbol="BTCUSDT")["list"][0]
    assert linear.loc["BTCUSDT", "funding_cap"] == float(answer["fundingCap"])
    assert linear.loc["BTCUSDT", "funding_interval_hour"] == int(answer["fundingIntervalHour"])
    spot = client.tickers("spot")
    assert spot.dtypes["usd_index_price"] == np.float64
    option = client.tickers("option", base_coin="BTC")
    assert {"change24h", "total_volume", "total_turnover"} <= set(option.columns)
