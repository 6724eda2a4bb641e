"""Funding history that starts later than asked (before a perpetual's launch) says so, as klines do, and a
range within the history, or too short to hold a settlement, says nothing."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

from bybit_research.fetch import DataStartsLaterWarning
from tests.conftest import NOW, MarketClient

SOL_LAUNCH = pd.Timestamp("2021-06-01", tz="UTC")  # the simulator's SOLUSDT, funding every 8 h
SUI_LAUNCH = pd.Timestamp("2023-05-03", tz="UTC")  # SUIUSDT, funding every 4 h


def iso(stamp: str | pd.Timestamp) -> str:
    return pd.Timestamp(stamp).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def quiet(call: Any) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame: pd.DataFrame = call()
    assert "starts_later" not in frame.attrs
    return frame


def test_a_range_from_before_the_launch_warns_and_says_where_the_history_starts(
    client: MarketClient, app: Any
) -> None:
    with pytest.warns(DataStartsLaterWarning) as caught:
        frame = client.funding_rates("SOLUSDT", start="2015-01-01", end=SOL_LAUNCH + pd.Timedelta(days=5))
    first = SOL_LAUNCH + pd.Timedelta(hours=8)  # the first settlement after the launch
    assert len(frame) == 14 and frame.index[0] == first  # 08:00 and 16:00, then 3 a day
    assert frame.attrs["starts_later"] == ["2015-01-01T00:00:00.000Z", iso(first)]
    assert [str(w.message) for w in caught] == [
        "/v5/market/funding/history has no records before 2021-06-01T08:00:00.000Z (asked from "
        "2015-01-01T00:00:00.000Z): the exchange's history starts there, e.g. at the instrument's launch"
    ]
    assert app.requests["/v5/market/funding/history"] == 1


def test_a_range_from_before_the_launch_without_an_end_warns_too(client: MarketClient) -> None:
    with pytest.warns(DataStartsLaterWarning, match="has no records before 2021-06-01T08:00:00.000Z"):
        frame = client.funding_rates("SOLUSDT", start="2015-01-01")
    assert frame.index[0] == SOL_LAUNCH + pd.Timedelta(hours=8) and frame.index[-1] < NOW
    assert frame.attrs["starts_later"] == ["2015-01-01T00:00:00.000Z", "2021-06-01T08:00:00.000Z"]


def test_a_range_wholly_before_the_launch_is_empty_and_says_so(client: MarketClient) -> None:
    with pytest.warns(DataStartsLaterWarning) as caught:
        frame = client.funding_rates("SOLUSDT", "2015-01-01", "2016-01-01")
    assert frame.empty and list(frame.columns) == ["symbol", "funding_rate"]
    assert frame.dtypes["funding_rate"] == np.float64 and str(frame.index.dtype) == "datetime64[ms, UTC]"
    assert frame.attrs["starts_later"] == ["2015-01-01T00:00:00.000Z", None]
    assert [str(w.message) for w in caught] == [
        "/v5/market/funding/history has no records from 2015-01-01T00:00:00.000Z in the range asked for (to "
        "2016-01-01T00:00:00.000Z): the instrument may not have been listed yet"
    ]


@pytest.mark.parametrize(
    ("symbol", "start", "first"),
    [
        ("SOLUSDT", SOL_LAUNCH, SOL_LAUNCH + pd.Timedelta(hours=8)),  # from the launch: the first settlement
        ("SOLUSDT", "2024-06-01 00:00", "2024-06-01 00:00"),
        ("SOLUSDT", "2024-06-01 00:01", "2024-06-01 08:00"),  # almost one interval, not late
        ("SUIUSDT", SUI_LAUNCH, SUI_LAUNCH + pd.Timedelta(hours=4)),
        ("SUIUSDT", "2024-06-01 03:59", "2024-06-01 04:00"),
    ],
)
def test_a_range_within_the_history_gives_no_warning(
    client: MarketClient, symbol: str, start: Any, first: Any
) -> None:
    begin = pd.Timestamp(start)
    frame = quiet(lambda: client.funding_rates(symbol, begin, begin + pd.Timedelta(days=3)))
    assert iso(frame.index[0]) == iso(first)


def test_a_range_too_short_to_hold_a_settlement_is_empty_without_a_warning(client: MarketClient) -> None:
    between = quiet(lambda: client.funding_rates("BTCUSDT", "2024-06-01 01:00", "2024-06-01 07:00"))
    assert between.empty
    since_the_last = quiet(lambda: client.funding_rates("BTCUSDT", start=NOW - pd.Timedelta(hours=3)))
    assert since_the_last.empty  # the last settlement was at 08:00, 4 h 35 min before now
    future = quiet(lambda: client.funding_rates("BTCUSDT", "2030-01-01", "2030-02-01"))
    assert future.empty


def test_a_list_of_symbols_names_the_ones_that_start_later(client: MarketClient) -> None:
    start = SOL_LAUNCH - pd.Timedelta(days=2)
    with pytest.warns(DataStartsLaterWarning) as caught:
        frame = client.funding_rates(["BTCUSDT", "SOLUSDT"], start, SOL_LAUNCH + pd.Timedelta(days=1))
    assert frame.attrs["starts_later"] == {"SOLUSDT": [iso(start), "2021-06-01T08:00:00.000Z"]}
    assert len(caught) == 1 and str(caught[0].message).startswith("SOLUSDT (/v5/market/funding/history)")
    symbols = frame.index.get_level_values("symbol")
    assert (symbols == "BTCUSDT").sum() == 9 and (symbols == "SOLUSDT").sum() == 2  # 08:00 and 16:00
