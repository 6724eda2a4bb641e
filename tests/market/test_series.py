"""Funding, open interest, long/short ratio and historical volatility against the simulator."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from bybit_research.core.time import to_ms
from bybit_research.fetch.plan import aligned_windows
from tests.conftest import NOW, MarketClient, times

UTC_MS = "datetime64[ms, UTC]"
HOUR = 3_600_000


@pytest.mark.parametrize(("category", "symbol"), [("linear", "BTCUSDT"), ("inverse", "BTCUSD")])
def test_funding_rates_known_range(client: MarketClient, category: str, symbol: str) -> None:
    df = client.funding_rates(symbol, "2024-06-01", "2024-06-15", category=category)
    assert len(df) == 42  # 14 days x 3 settlements
    assert list(df.columns) == ["symbol", "funding_rate"] and df.dtypes["funding_rate"] == np.float64
    assert str(df.index.dtype) == UTC_MS and df.index.is_monotonic_increasing and df.index.is_unique
    assert df.index[0] == pd.Timestamp("2024-06-01", tz="UTC") and df.index[-1] == pd.Timestamp(
        "2024-06-14 16:00", tz="UTC"
    )
    assert (np.diff(times(df).asi8) == 8 * HOUR).all()
    assert set(df["symbol"]) == {symbol} and df["funding_rate"].abs().max() < 0.01


def test_funding_pages_backwards(client: MarketClient, app: Any) -> None:
    df = client.funding_rates("ETHUSDT", "2023-06-01", "2024-06-01")
    assert len(df) == 366 * 3 and df.index.is_unique
    assert app.requests["/v5/market/funding/history"] == df.attrs["pages"] == 6  # 1098 records / 200
    latest = client.funding_rates("ETHUSDT")
    assert len(latest) == 200 and latest.index[-1] == pd.Timestamp("2024-06-15 08:00", tz="UTC")


@pytest.mark.parametrize("category", ["linear", "inverse"])
@pytest.mark.parametrize(("interval", "count", "pages"), [("5min", 288, 2), ("1h", 24, 1), ("1d", 1, 1)])
def test_open_interest(
    client: MarketClient, app: Any, category: str, interval: str, count: int, pages: int
) -> None:
    symbol = "BTCUSDT" if category == "linear" else "BTCUSD"
    df = client.open_interest(symbol, interval, "2024-06-01", "2024-06-02", category=category)
    assert len(df) == count
    assert list(df.columns) == ["open_interest", "single_open_interest"] and (df.dtypes == np.float64).all()
    assert df.index[0] == pd.Timestamp("2024-06-01", tz="UTC") and df.index.is_monotonic_increasing
    assert (df["open_interest"] > 0).all()
    assert app.requests["/v5/market/open-interest"] == pages and df.attrs["gaps"] == []


def test_open_interest_latest_records(client: MarketClient) -> None:
    df = client.open_interest("ETHUSDT", "1h", limit=10)
    assert len(df) == 10 and df.index[-1] == pd.Timestamp("2024-06-15 12:00", tz="UTC")
    assert len(client.open_interest("ETHUSDT", "4h")) == 50


@pytest.mark.parametrize(("category", "symbol"), [("linear", "SOLUSDT"), ("inverse", "ETHUSD")])
def test_long_short_ratio(client: MarketClient, app: Any, category: str, symbol: str) -> None:
    df = client.long_short_ratio(symbol, "15min", "2024-06-10", "2024-06-15", category=category)
    assert len(df) == 5 * 96
    assert list(df.columns) == ["symbol", "buy_ratio", "sell_ratio"]
    assert np.allclose(df["buy_ratio"] + df["sell_ratio"], 1.0, atol=1e-3)
    windows = aligned_windows(to_ms("2024-06-10"), to_ms("2024-06-15"), 15 * 60_000, 500)  # type: ignore[arg-type]
    assert len(windows) == 2  # 480 records, but they straddle a 125-hour window boundary
    assert app.requests["/v5/market/account-ratio"] == df.attrs["pages"] == 2


@pytest.mark.parametrize(("coin", "period"), [("BTC", 7), ("ETH", 30), ("SOL", 90)])
def test_historical_volatility_slides_30_day_windows(
    client: MarketClient, app: Any, coin: str, period: int
) -> None:
    df = client.historical_volatility(coin, period, "2024-04-01", "2024-06-01")
    assert len(df) == 61 * 24
    assert list(df.columns) == ["period", "value"] and df.dtypes["period"] == "Int64"
    assert set(df["period"]) == {period} and df["value"].between(0.01, 5).all()
    assert (np.diff(times(df).asi8) == HOUR).all()
    assert app.requests["/v5/market/historical-volatility"] == df.attrs["pages"] == 3


def test_historical_volatility_latest(client: MarketClient) -> None:
    df = client.historical_volatility()
    assert len(df) == 1 and df.index[0] <= NOW
    recent = client.historical_volatility(start=NOW - pd.Timedelta(hours=5))
    assert len(recent) == 5 and recent.index[-1] == pd.Timestamp("2024-06-15 12:00", tz="UTC")


def test_closed_funding_history_comes_from_the_cache(cached_client: MarketClient, app: Any) -> None:
    first = cached_client.funding_rates("SOLUSDT", "2023-01-01", "2024-01-01")
    assert app.requests["/v5/market/funding/history"] == first.attrs["pages"] == 6
    again = cached_client.funding_rates("SOLUSDT", "2023-01-01", "2024-01-01")
    assert app.requests["/v5/market/funding/history"] == 6 and again.attrs["from_cache"] == 1.0
    pd.testing.assert_frame_equal(first, again)
