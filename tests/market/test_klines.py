"""klines against the in-process simulator: counts, dtypes, order, the closed flag, flavours, cache reuse."""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pandas as pd
import pytest

import bybit_research as br
from bybit_research.client import set_default_client
from bybit_research.market.klines import klines as market_klines
from tests.conftest import NOW, NOW_MS, FakeReply, MarketClient, times

UTC_MS = "datetime64[ms, UTC]"
OHLC = ["open", "high", "low", "close"]


def kline_requests(app: Any) -> int:
    return app.requests["/v5/market/kline"]


def test_one_day_of_minutes_is_exactly_1440_candles(client: MarketClient, app: Any) -> None:
    df = client.klines("BTCUSDT", 1, "2024-06-01", "2024-06-02")
    assert len(df) == 1440
    assert df.index[0] == pd.Timestamp("2024-06-01", tz="UTC")
    assert df.index[-1] == pd.Timestamp("2024-06-01 23:59", tz="UTC")
    assert str(df.index.dtype) == UTC_MS and df.index.name == "time"
    assert df.index.is_unique and df.index.is_monotonic_increasing
    assert (np.diff(times(df).asi8) == 60_000).all()  # no duplicates or holes at page boundaries
    assert list(df.columns) == [*OHLC, "volume", "turnover", "closed"]
    assert (df.dtypes[[*OHLC, "volume", "turnover"]] == np.float64).all() and df.dtypes["closed"] == np.dtype(
        bool
    )
    assert df["closed"].all()
    assert (df["high"] >= df[["open", "close"]].max(axis=1)).all()
    assert (df["low"] <= df[["open", "close"]].min(axis=1)).all()
    assert kline_requests(app) == 2  # two aligned 1000-minute windows
    assert df.attrs["endpoint"] == "/v5/market/kline" and df.attrs["category"] == "linear"
    assert df.attrs["params"]["symbol"] == "BTCUSDT" and df.attrs["params"]["interval"] == "1"
    assert df.attrs["pages"] == 2 and df.attrs["from_cache"] == 0.0 and df.attrs["gaps"] == []
    fetched_at = pd.Timestamp(df.attrs["fetched_at"])  # JSON-safe ISO text
    assert fetched_at.tzinfo is not None and abs(fetched_at - pd.Timestamp.now(tz="UTC")) < pd.Timedelta(
        "1min"
    )


def test_long_range_has_no_duplicates_across_many_pages(client: MarketClient, app: Any) -> None:
    df = client.klines("ETHUSDT", "5", "2024-05-01", "2024-06-01", progress=False)
    assert len(df) == 31 * 288
    assert (np.diff(times(df).asi8) == 300_000).all()
    assert df.attrs["pages"] == kline_requests(app) == 9  # 8928 candles in 1000-candle aligned windows


def test_open_candle_is_not_closed(client: MarketClient) -> None:
    df = client.klines("BTCUSDT", 60, limit=5)
    assert len(df) == 5
    assert df.index[-1] == pd.Timestamp("2024-06-15 12:00", tz="UTC")
    assert df["closed"].tolist() == [True, True, True, True, False]
    minutes = client.klines("BTCUSDT", "1", start=NOW - pd.Timedelta(minutes=3))
    assert minutes.index[-1] == pd.Timestamp("2024-06-15 12:34", tz="UTC") and not minutes["closed"].iloc[-1]
    assert minutes["closed"].iloc[:-1].all()


def test_limit_counts_from_start_or_back_from_end(client: MarketClient) -> None:
    first = client.klines("BTCUSDT", "D", start="2024-01-01", limit=3)
    assert list(times(first).strftime("%Y-%m-%d")) == ["2024-01-01", "2024-01-02", "2024-01-03"]
    last = client.klines("BTCUSDT", "D", end="2024-01-10", limit=2)
    assert list(times(last).strftime("%Y-%m-%d")) == ["2024-01-08", "2024-01-09"]
    default = client.klines("BTCUSDT", "D")
    assert len(default) == 200 and default.index[-1] == pd.Timestamp("2024-06-15", tz="UTC")


def test_future_range_is_an_empty_typed_frame(client: MarketClient, app: Any) -> None:
    df = client.klines("BTCUSDT", 60, "2025-01-01", "2025-01-02")
    assert df.empty and list(df.columns) == [*OHLC, "volume", "turnover", "closed"]
    assert (
        str(df.index.dtype) == UTC_MS
        and df.dtypes["close"] == np.float64
        and df.dtypes["closed"] == np.dtype(bool)
    )
    assert kline_requests(app) == 0


def test_weeks_and_months(client: MarketClient) -> None:
    weeks = client.klines("BTCUSDT", "W", "2024-01-01", "2024-03-01")
    assert len(weeks) == 9 and set(times(weeks).day_name()) == {"Monday"}
    months = client.klines("BTCUSDT", "M", "2023-01-01", "2024-07-01")
    assert len(months) == 18 and set(times(months).day) == {1}
    assert months["closed"].tolist() == [True] * 17 + [False]
    assert months.attrs["gaps"] == []


@pytest.mark.parametrize(
    ("price", "category", "symbol", "columns"),
    [
        ("last", "spot", "BTCUSDT", [*OHLC, "volume", "turnover", "closed"]),
        ("last", "linear", "BTCUSDT", [*OHLC, "volume", "turnover", "closed"]),
        ("last", "inverse", "BTCUSD", [*OHLC, "volume", "turnover", "closed"]),
        ("mark", "linear", "ETHUSDT", [*OHLC, "closed"]),
        ("mark", "inverse", "BTCUSD", [*OHLC, "closed"]),
        ("mark", "option", "BTC-16JUN24-170000-C", [*OHLC, "closed"]),
        ("index", "linear", "BTCUSDT", [*OHLC, "closed"]),
        ("index", "inverse", "ETHUSD", [*OHLC, "closed"]),
        ("premium", "linear", "BTCUSDT", [*OHLC, "closed"]),
    ],
)
def test_every_flavour_and_category(
    client: MarketClient, app: Any, price: str, category: str, symbol: str, columns: list[str]
) -> None:
    df = client.klines(symbol, 15, "2024-06-14", "2024-06-15", category=category, price=price)
    assert len(df) == 96 and list(df.columns) == columns
    assert (df.dtypes[OHLC] == np.float64).all()
    path = {"last": "kline", "mark": "mark-price-kline", "index": "index-price-kline"}.get(
        price, "premium-index-price-kline"
    )
    assert df.attrs["endpoint"] == f"/v5/market/{path}" and app.requests[f"/v5/market/{path}"] == 1
    if price == "premium":
        assert df["close"].abs().max() < 0.05  # a small signed premium, not a price
    else:
        assert df["close"].min() > 0


def test_many_symbols_give_a_tidy_frame(client: MarketClient, app: Any) -> None:
    df = client.klines(["BTCUSDT", "ETHUSDT", "SOLUSDT"], 60, "2024-06-14", "2024-06-15")
    assert df.index.names == ["time", "symbol"] and len(df) == 72
    assert df.index.is_unique and df.index.is_monotonic_increasing
    assert list(df.index.get_level_values("symbol")[:3]) == ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
    btc = cast(pd.DataFrame, df.xs("BTCUSDT", level="symbol"))
    alone = client.klines("BTCUSDT", 60, "2024-06-14", "2024-06-15")
    pd.testing.assert_frame_equal(btc, alone, check_freq=False)
    assert df.attrs["gaps"] == {"BTCUSDT": [], "ETHUSDT": [], "SOLUSDT": []}
    assert df.attrs["params"]["symbol"] == ["BTCUSDT", "ETHUSDT", "SOLUSDT"]


def test_overlapping_ranges_reuse_cached_pages(cached_client: MarketClient, app: Any) -> None:
    first = cached_client.klines("BTCUSDT", 1, "2024-06-01", "2024-06-02")
    assert kline_requests(app) == 2 and first.attrs["from_cache"] == 0.0
    shifted = cached_client.klines("BTCUSDT", 1, "2024-06-01 12:00", "2024-06-02 12:00")
    # windows of 1000 minutes: [05-31 22:40, 06-01 15:20), [.., 06-02 08:00), [.., 06-03 00:40)
    assert kline_requests(app) == 3 and shifted.attrs["from_cache"] == pytest.approx(2 / 3)
    again = cached_client.klines("BTCUSDT", 1, "2024-06-01", "2024-06-02")
    assert kline_requests(app) == 3 and again.attrs["from_cache"] == 1.0
    pd.testing.assert_frame_equal(first, again)
    fresh = cached_client.klines("BTCUSDT", 1, "2024-06-01", "2024-06-02", refresh=True)
    assert kline_requests(app) == 5 and fresh.attrs["from_cache"] == 0.0


def test_closed_windows_never_expire_and_the_live_one_expires_in_seconds(fake: Any) -> None:
    def handler(path: str, params: dict[str, Any]) -> Any:
        if path == "/v5/market/time":
            return {"timeSecond": str(NOW_MS // 1000), "timeNano": str(NOW_MS * 10**6)}
        return {"list": []}

    client = fake(handler)
    market_klines(client, "BTCUSDT", 1, "2024-06-14", progress=False)
    expiries = [(c[1]["start"], c[2]) for c in client.calls if c[0] == "/v5/market/kline"]
    assert [e for _, e in expiries[:-1]] == [-1] * (len(expiries) - 1)
    assert expiries[-1][1] == 5.0 and expiries[-1][0] <= NOW_MS


def test_module_level_function_uses_the_default_client(client: MarketClient, app: Any) -> None:
    set_default_client(client)
    df = br.klines("BTCUSDT", "60", "2024-06-14", "2024-06-15")
    assert len(df) == 24 and kline_requests(app) == 1
    assert br.klines.__doc__ and "/v5/market/kline" in br.klines.__doc__
    import inspect

    assert list(inspect.signature(br.klines).parameters)[:4] == ["symbol", "interval", "start", "end"]


def test_reply_time_decides_the_closed_flag(fake: Any) -> None:
    hour = 3_600_000
    start = NOW_MS // hour * hour - 2 * hour

    def handler(path: str, params: dict[str, Any]) -> Any:
        rows = [[str(start + i * hour), "1", "2", "0.5", "1.5", "10", "15"] for i in (2, 1, 0)]
        return {"list": rows}

    client = fake(handler)
    client.fetch = lambda path, params=None, **kw: FakeReply(
        handler(path, params), time_ms=start + 2 * hour + 1
    )
    df = market_klines(client, "BTCUSDT", 60, start, start + 3 * hour)
    assert df["closed"].tolist() == [True, True, False]


def test_many_symbols_with_nothing_in_range(client: MarketClient) -> None:
    df = client.klines(["BTCUSDT", "ETHUSDT"], 60, "2030-01-01", "2030-01-02")
    assert df.empty and df.index.names == ["time", "symbol"]
    assert list(df.columns) == [*OHLC, "volume", "turnover", "closed"] and df.dtypes["close"] == np.float64
