"""Frames: the DataFrame contract on sample pages from the reference and on synthetic pages."""

from __future__ import annotations

import numpy as np
import orjson
import pandas as pd
import pytest

from bybit_research.endpoints import FLOAT, INT, STR, TIME, Endpoint, IndexKind, endpoint
from bybit_research.frames import (
    build_frame,
    convert,
    infer_kind,
    orderbook_frame,
    rows_of,
    snake,
    summary_of,
)
from tests.conftest import times

UTC_MS = "datetime64[ms, UTC]"


def page(text: str) -> object:
    return orjson.loads(text)["result"]


@pytest.mark.parametrize(
    ("field", "column"),
    [
        ("lastPrice", "last_price"),
        ("bid1Iv", "bid1_iv"),
        ("openInterestValue", "open_interest_value"),
        ("price24hPcnt", "price24h_pcnt"),
        ("isRPITrade", "is_rpi_trade"),
        ("accountIMRate", "account_im_rate"),
        ("InterestBearingBorrowSize", "interest_bearing_borrow_size"),
        ("mIv", "m_iv"),
        ("priceLimitRatioX", "price_limit_ratio_x"),
        ("execFeeV2", "exec_fee_v2"),
        ("symbol", "symbol"),
    ],
)
def test_snake_case(field: str, column: str) -> None:
    assert snake(field) == column


KLINE_PAGE = (
    '{"retCode":0,"retMsg":"OK","result":{"symbol":"BTCUSD","category":"inverse","list":['
    '["1670608800000","17071","17073","17027","17055.5","268611","15.74462667"],'
    '["1670605200000","17071.5","17071.5","17061","17071","4177","0.24469757"]]},"retExtInfo":{},"time":1672025956592}'
)


def test_kline_page_becomes_ascending_float_frame() -> None:
    kline = endpoint("kline")
    df = build_frame(kline, rows_of(kline, page(KLINE_PAGE)), "inverse")
    assert list(df.columns) == ["open", "high", "low", "close", "volume", "turnover"]
    assert (df.dtypes == np.float64).all()
    assert df.index.name == "time" and str(df.index.dtype) == UTC_MS
    assert list(df.index) == [
        pd.Timestamp("2022-12-09 17:00", tz="UTC"),
        pd.Timestamp("2022-12-09 18:00", tz="UTC"),
    ]
    assert df["close"].tolist() == [17071.0, 17055.5]
    assert df["turnover"].iloc[1] == pytest.approx(15.74462667)


def test_duplicates_across_pages_are_dropped_keeping_the_last() -> None:
    kline = endpoint("mark-price-kline")
    rows = [
        ["3000", "1", "1", "1", "1"],
        ["2000", "1", "1", "1", "1"],
        ["2000", "2", "2", "2", "2"],
        ["1000", "3", "3", "3", "3"],
    ]
    df = build_frame(kline, rows, "linear")
    assert times(df).asi8.tolist() == [1000, 2000, 3000]
    assert df["open"].tolist() == [3.0, 2.0, 1.0]
    assert df.index.is_unique and df.index.is_monotonic_increasing


def test_empty_kline_result_has_the_same_columns_and_dtypes() -> None:
    kline = endpoint("kline")
    full = build_frame(kline, rows_of(kline, page(KLINE_PAGE)), "inverse")
    empty = build_frame(kline, [], "inverse")
    assert empty.empty
    assert list(empty.columns) == list(full.columns)
    assert (empty.dtypes == full.dtypes).all()
    assert str(empty.index.dtype) == UTC_MS and empty.index.name == "time"


INSTRUMENTS_PAGE = (
    '{"retCode":0,"retMsg":"OK","result":{"category":"linear","list":[{"symbol":"BTCUSDT","symbolId":5,'
    '"contractType":"LinearPerpetual","status":"Trading","baseCoin":"BTC","quoteCoin":"USDT","launchTime":"1585526400000",'
    '"deliveryTime":"0","deliveryFeeRate":"","priceScale":"2","leverageFilter":{"minLeverage":"1","maxLeverage":"100.00",'
    '"leverageStep":"0.01"},"priceFilter":{"minPrice":"0.10","maxPrice":"1999999.80","tickSize":"0.10"},"lotSizeFilter":'
    '{"maxOrderQty":"1190.000","minOrderQty":"0.001","qtyStep":"0.001","postOnlyMaxOrderQty":"1190.000",'
    '"maxMktOrderQty":"500.000","minNotionalValue":"5"},"unifiedMarginTrade":true,"fundingInterval":480,'
    '"settleCoin":"USDT","copyTrading":"both","upperFundingRate":"0.00375","lowerFundingRate":"-0.00375",'
    '"isPreListing":false,"preListingInfo":null,"symbolType":""}],"nextPageCursor":""},"retExtInfo":{},"time":1735809771618}'
)


def test_instruments_nested_filters_are_flattened_and_typed() -> None:
    info = endpoint("instruments-info")
    df = build_frame(info, rows_of(info, page(INSTRUMENTS_PAGE)), "linear")
    assert df.index.name == "symbol" and df.index.tolist() == ["BTCUSDT"]
    row = df.loc["BTCUSDT"]
    assert row["tick_size"] == 0.1 and row["min_order_qty"] == 0.001 and row["max_leverage"] == 100.0
    assert (
        row["min_notional_value"] == 5.0 and row["price_limit_ratio_x"] != row["price_limit_ratio_x"]
    )  # NaN
    assert row["launch_time"] == pd.Timestamp("2020-03-30", tz="UTC")
    assert df["delivery_time"].isna().all()  # "0" -> NaT
    assert df["delivery_fee_rate"].isna().all()  # "" -> NaN
    assert df["symbol_type"].isna().all()  # "" -> missing string
    assert df.dtypes["symbol_id"] == "Int64" and df.dtypes["funding_interval"] == "Int64"
    assert df.dtypes["price_scale"] == "Int64" and df["price_scale"].iloc[0] == 2
    assert df.dtypes["unified_margin_trade"] == np.dtype(bool) == df.dtypes["is_pre_listing"]
    assert df.dtypes["forbid_upl_withdrawal"] == "boolean"  # documented but absent -> missing
    assert df.dtypes["contract_type"] == "str" and df.dtypes["settle_coin"] == "str"
    assert str(df.dtypes["launch_time"]) == UTC_MS
    for column in ("leverage_filter", "lotSizeFilter", "price_filter"):
        assert column not in df.columns


TICKER_PAGE = (
    '{"retCode":0,"retMsg":"OK","result":{"category":"inverse","list":[{"symbol":"BTCUSD","lastPrice":"120635.50",'
    '"indexPrice":"114890.92","markPrice":"114898.43","prevPrice24h":"105595.90","price24hPcnt":"0.142425",'
    '"highPrice24h":"131309.30","lowPrice24h":"102007.60","prevPrice1h":"119806.10","openInterest":"240113967",'
    '"openInterestValue":"2089.79","turnover24h":"115.6907","volume24h":"13713832.0000","fundingRate":"0.0001",'
    '"nextFundingTime":"1760371200000","deliveryTime":"0","ask1Size":"9854","bid1Price":"103401.00",'
    '"ask1Price":"109152.80","bid1Size":"1063","basis":"","fundingIntervalHour":"8","fundingCap":"0.005"}]},'
    '"retExtInfo":{},"time":1760352369814}'
)


def test_tickers_keep_schema_columns_even_when_absent() -> None:
    tickers = endpoint("tickers")
    df = build_frame(tickers, rows_of(tickers, page(TICKER_PAGE)), "inverse")
    expected = [snake(f) for f in tickers.schema("inverse") if f != "symbol"]
    assert list(df.columns) == expected
    assert df.loc["BTCUSD", "open_interest_value"] == 2089.79
    assert df.loc["BTCUSD", "next_funding_time"] == pd.Timestamp(1760371200000, unit="ms", tz="UTC")
    assert df.loc[["BTCUSD"], ["basis", "basis_rate_year"]].isna().all().all()
    assert df.loc["BTCUSD", "funding_interval_hour"] == 8


def test_unknown_fields_are_kept_and_typed_by_inference() -> None:
    trades = endpoint("recent-trade")
    rows = [
        {"execId": "2100000000007764263", "symbol": "BTCUSDT", "price": "16618.49", "size": "0.00012",
         "side": "Buy", "time": "1672052955758", "isBlockTrade": False, "isRPITrade": True, "seq": "123456",
         "newRatio": "0.5", "newFlag": True, "newTime": "1672052955000", "newCount": 3, "newOrderId": "12345",
         "newMeta": {"alpha": "1.5", "beta": "x"}, "newList": [1, 2]},
    ]  # fmt: skip
    df = build_frame(trades, rows, "spot")
    assert df.dtypes["new_ratio"] == np.float64 and df["new_ratio"].iloc[0] == 0.5
    assert df.dtypes["new_flag"] == np.dtype(bool)
    assert str(df.dtypes["new_time"]) == UTC_MS
    assert df.dtypes["new_count"] == "Int64"
    assert df.dtypes["new_order_id"] == "str" and df["new_order_id"].iloc[0] == "12345"
    assert df["alpha"].iloc[0] == 1.5 and df["beta"].iloc[0] == "x"
    assert df["new_list"].iloc[0] == [1, 2]
    assert df["exec_id"].iloc[0] == "2100000000007764263"  # identifiers stay strings
    assert df["seq"].iloc[0] == 123456


def test_trades_keep_same_millisecond_rows_in_the_order_they_happened() -> None:
    """V5 lists trades newest first: of two trades in one millisecond the later-listed one happened first."""
    trades = endpoint("recent-trade")
    base = {
        "symbol": "X",
        "price": "1",
        "size": "1",
        "side": "Buy",
        "isBlockTrade": False,
        "isRPITrade": False,
    }
    listed = [("c", "3", "13"), ("b", "2", "12"), ("a", "2", "11")]  # newest first: seq descending
    rows = [{**base, "execId": e, "time": t, "seq": s} for e, t, s in listed]
    df = build_frame(trades, rows, "linear")
    assert df["exec_id"].tolist() == ["a", "b", "c"] and df["seq"].tolist() == [11, 12, 13]
    assert times(df).asi8.tolist() == [2, 2, 3]


def test_events_listed_oldest_first_keep_their_order() -> None:
    trades = endpoint("recent-trade")
    base = {
        "symbol": "X",
        "price": "1",
        "size": "1",
        "side": "Buy",
        "isBlockTrade": False,
        "isRPITrade": False,
    }
    rows = [{**base, "execId": e, "time": t, "seq": "1"} for e, t in [("a", "1"), ("b", "2"), ("c", "3")]]
    assert build_frame(trades, rows, "linear")["exec_id"].tolist() == ["a", "b", "c"]


def test_leaf_name_collisions_fall_back_to_the_path() -> None:
    spec = Endpoint(
        name="t", path="/v5/t", schemas={"*": {"a": {"size": FLOAT}, "b": {"size": FLOAT}, "c": STR}}
    )
    df = build_frame(spec, [{"a": {"size": "1"}, "b": {"size": "2"}, "c": "x"}])
    assert list(df.columns) == ["a_size", "b_size", "c"]


@pytest.mark.parametrize(
    ("kind", "values", "expected_dtype", "expected"),
    [
        (FLOAT, ["1.5", "", None, "-0.000587", "1e-5"], "float64", [1.5, None, None, -0.000587, 1e-5]),
        (FLOAT, [1, 2.5, None], "float64", [1.0, 2.5, None]),
        (INT, ["1", "", 7, None], "Int64", [1, None, 7, None]),
        (TIME, ["0", "", "1700000000000", 1700000000001], UTC_MS, [None, None, 1700000000000, 1700000000001]),
        (STR, ["a", "", None, 5], "str", ["a", None, None, "5"]),
    ],
)
def test_convert(kind: str, values: list, expected_dtype: str, expected: list) -> None:
    series = pd.Series(convert(values, kind))
    assert str(series.dtype) == expected_dtype
    for got, want in zip(series.tolist(), expected, strict=True):
        if want is None:
            assert pd.isna(got)
        elif kind == TIME:
            assert got == pd.Timestamp(want, unit="ms", tz="UTC")
        else:
            assert got == want


def test_bool_column_with_missing_values_is_nullable() -> None:
    assert str(pd.Series(convert([True, False], "bool")).dtype) == "bool"
    series = pd.Series(convert([True, None, "false"], "bool"))
    assert str(series.dtype) == "boolean"
    assert series.tolist()[0] is True and pd.isna(series.iloc[1]) and bool(series.iloc[2]) is False


def test_infer_kind() -> None:
    assert infer_kind("someRate", ["0.1", "0.2"]) == FLOAT
    assert infer_kind("someId", ["123", "456"]) == STR
    assert infer_kind("updateTime", ["1700000000000"]) == TIME
    assert infer_kind("count", [1, 2]) == INT
    assert infer_kind("anything", [None, ""]) == STR


def test_orderbook_levels() -> None:
    book = endpoint("orderbook")
    result = page(
        '{"retCode":0,"retMsg":"OK","result":{"s":"BTCUSDT","a":[["65557.7","16.606555"],["65560","2"]],'
        '"b":[["65485.47","47.081829"]],"ts":1716863719031,"u":230704,"seq":1432604333,"cts":1716863718905},'
        '"retExtInfo":{},"time":1716863719382}'
    )
    df = orderbook_frame(book, result)  # type: ignore[arg-type]
    assert list(df.columns) == ["side", "price", "size", "level"]
    assert df["side"].tolist() == ["bid", "ask", "ask"]
    assert df["price"].tolist() == [65485.47, 65557.7, 65560.0]
    assert df["level"].tolist() == [1, 1, 2] and df.dtypes["level"] == "Int64"
    empty = orderbook_frame(book, {"s": "X", "a": [], "b": []})
    assert empty.empty and (empty.dtypes == df.dtypes).all()


def test_special_shapes() -> None:
    insurance = endpoint("insurance")
    result = page(
        '{"retCode":0,"retMsg":"OK","result":{"updatedTime":"1714003200000","list":[{"coin":"USDT",'
        '"symbols":"SOLUSDT,OMNIUSDT,ALGOUSDT","balance":"14454.51626125","value":"14449.515598975464"}]},'
        '"retExtInfo":{},"time":1714028451228}'
    )
    df = build_frame(insurance, rows_of(insurance, result))
    assert df["updated_time"].tolist() == [pd.Timestamp(1714003200000, unit="ms", tz="UTC")]
    assert df["balance"].iloc[0] == pytest.approx(14454.51626125)
    hv = endpoint("historical-volatility")
    rows = rows_of(hv, [{"period": 30, "value": "0.45024716", "time": "1672052400000"}])
    frame = build_frame(hv, rows)
    assert frame["period"].tolist() == [30] and frame.index[0] == pd.Timestamp(
        1672052400000, unit="ms", tz="UTC"
    )
    limit = endpoint("price-limit")
    result = {"symbol": "BTCUSDT", "buyLmt": "105878.10", "sellLmt": "103781.60", "ts": "1750302284491"}
    one = build_frame(limit, rows_of(limit, result), "linear")
    assert one.loc["BTCUSDT", "buy_lmt"] == 105878.1 and one.index.name == "symbol"
    wallet = endpoint("wallet-balance")
    account = {"accountType": "UNIFIED", "totalEquity": "3.3", "coin": [{"coin": "BTC", "equity": "1"}]}
    rows = rows_of(wallet, {"list": [account]})
    assert rows == [{"coin": "BTC", "equity": "1"}]  # coins only; the account's fields are its summary
    summary = summary_of(wallet, {"list": [account]})
    assert summary["account_type"] == "UNIFIED" and summary["total_equity"] == 3.3
    assert type(summary["total_equity"]) is float and summary["total_perp_upl"] is None  # absent: None
    assert rows_of(endpoint("kline"), None) == [] and rows_of(hv, None) == []


def test_time_index_kind_without_rows() -> None:
    funding = endpoint("funding/history")
    df = build_frame(funding, [], "linear")
    assert list(df.columns) == ["symbol", "funding_rate"] and funding.index_kind is IndexKind.TIME
    assert str(df.index.dtype) == UTC_MS and df.dtypes["symbol"] == "str"


def test_kline_conversion_gives_exactly_the_naive_dataframe_values() -> None:
    """Our conversion and ``pd.DataFrame(rows).astype(float)`` parse the same strings to the same doubles
    (bench/conversion.py measures how much faster ours is; tests assert values, not times)."""
    rng = np.random.default_rng(1)
    rows = [
        [str(1_700_000_000_000 + i * 60_000), *(f"{v:.2f}" for v in rng.uniform(1, 1e5, 6))]
        for i in range(20_000)
    ]
    ours = build_frame(endpoint("kline"), rows, "linear")
    naive = pd.DataFrame(rows).astype(float)
    assert list(ours.columns) == ["open", "high", "low", "close", "volume", "turnover"]
    assert (ours.dtypes == "float64").all() and len(ours) == 20_000
    np.testing.assert_array_equal(ours.to_numpy(), naive.iloc[:, 1:].to_numpy())
    assert str(ours.index.dtype) == UTC_MS  # milliseconds since the epoch, as sent
    assert (ours.index.asi8 == naive[0].astype("int64").to_numpy()).all()
