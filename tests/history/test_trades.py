"""The public trade archive into the store (the simulator serves it for its own market): layout, types, days
without a file, reruns, the trades of ``recent-trade``, and candles resampled from the trades equal to the
simulator's klines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import bybit_research as br
from bybit_research.sim import SimConfig, create_app
from tests.conftest import MarketClient
from tests.history.conftest import sent

DAY_MS = 86_400_000
OHLC = ["open", "high", "low", "close"]


def ms(text: str) -> int:
    return int(pd.Timestamp(text, tz="UTC").value // 1_000_000)


def assert_candles_equal(resampled: pd.DataFrame, klines: pd.DataFrame) -> None:
    """The same candles: prices exactly, sums of volume and turnover to float rounding."""
    assert resampled.index.equals(klines.index) and list(resampled.columns) == list(klines.columns)
    pd.testing.assert_frame_equal(resampled[OHLC], klines[OHLC])
    for name in ("volume", "turnover"):
        np.testing.assert_allclose(resampled[name], klines[name], rtol=1e-9, atol=1e-8)
    assert resampled["closed"].all() and klines["closed"].all()


def test_contract_days_into_the_store(client: MarketClient, app: Any, tmp_path: Path) -> None:
    report = br.history.download(
        "BTCUSDT",
        None,
        "2024-06-10",
        "2024-06-12",
        kinds="trades",
        path=tmp_path,
        client=client,
        progress=False,
    )
    assert report["partition"].tolist() == ["2024-06-10", "2024-06-11"]
    assert report["action"].tolist() == ["written", "written"] and (report["rows"] > 10_000).all()
    assert report["file"].iloc[0] == "trades/category=linear/symbol=BTCUSDT/date=2024-06-10/data.parquet"
    assert dict(app.requests) == {
        "/trading/BTCUSDT/": 1,
        "/trading/BTCUSDT/BTCUSDT2024-06-10.csv.gz": 1,
        "/trading/BTCUSDT/BTCUSDT2024-06-11.csv.gz": 1,
    }
    schema = pq.read_schema(tmp_path / report["file"].iloc[0]).remove_metadata()
    assert schema.names == [
        "time",
        "side",
        "size",
        "price",
        "tick_direction",
        "trd_match_id",
        "gross_value",
        "home_notional",
        "foreign_notional",
    ]
    assert (
        schema.field("time").type == pa.timestamp("us", tz="UTC")
        and schema.field("size").type == pa.float64()
    )
    trades = br.history.read("BTCUSDT", "2024-06-10", "2024-06-12", kind="trades", path=tmp_path)
    assert len(trades) == report["rows"].sum() and trades.index.is_monotonic_increasing
    assert str(trades.index.dtype) == "datetime64[us, UTC]"
    assert trades.index[0] >= pd.Timestamp("2024-06-10", tz="UTC")
    assert trades.index[-1] < pd.Timestamp("2024-06-12", tz="UTC")
    assert set(trades["side"]) == {"Buy", "Sell"} and trades["trd_match_id"].is_unique
    app.reset_counts()
    again = br.history.download(
        "BTCUSDT",
        None,
        "2024-06-10",
        "2024-06-12",
        kinds="trades",
        path=tmp_path,
        client=client,
        progress=False,
    )
    assert sent(app) == 0 and again["action"].tolist() == ["kept", "kept"]


def test_resampled_trades_are_the_simulators_klines(client: MarketClient, tmp_path: Path) -> None:
    day = ("2024-06-12", "2024-06-13")
    for symbol, category in (("ETHUSDT", "linear"), ("BTCUSD", "inverse"), ("SOLUSDT", "spot")):
        br.history.download(
            symbol,
            None,
            *day,
            category=category,
            kinds="trades",
            path=tmp_path,
            client=client,
            progress=False,
        )
        minutes = br.history.klines_from_trades(symbol, "1", *day, category=category, path=tmp_path)
        assert len(minutes) == 1440 and str(minutes.index.dtype) == "datetime64[ms, UTC]"
        assert_candles_equal(minutes, client.klines(symbol, "1", *day, category=category))
        trades = br.history.read(symbol, *day, kind="trades", category=category, path=tmp_path)
        hours = br.history.klines_from_trades(trades, "1h")
        assert_candles_equal(hours, client.klines(symbol, "60", *day, category=category))
        assert hours.attrs == {"source": "trades", "interval": "60", "trades": len(trades)}


def test_a_tidy_frame_of_trades_resamples_per_symbol(client: MarketClient, tmp_path: Path) -> None:
    day = ("2024-06-13", "2024-06-14")
    symbols = ["BTCUSDT", "XRPUSDT"]
    br.history.download(symbols, None, *day, kinds="trades", path=tmp_path, client=client, progress=False)
    trades = br.history.read(symbols, *day, kind="trades", path=tmp_path)
    assert trades.index.names == ["time", "symbol"]
    daily = br.history.klines_from_trades(trades, "D")
    assert_candles_equal(daily, client.klines(symbols, "D", *day))


def test_days_without_a_file_and_the_day_not_over(client: MarketClient, app: Any, tmp_path: Path) -> None:
    report = br.history.download(
        "WIFUSDT",
        None,
        "2024-02-28",
        "2024-03-02",
        kinds="trades",
        path=tmp_path,
        client=client,
        progress=False,
    )
    assert report.set_index("partition")["action"].to_dict() == {
        "2024-02-28": "absent",  # before the listing on 2024-03-01
        "2024-02-29": "absent",
        "2024-03-01": "written",
    }
    app.reset_counts()
    br.history.download(
        "WIFUSDT",
        None,
        "2024-02-28",
        "2024-03-02",
        kinds="trades",
        path=tmp_path,
        client=client,
        progress=False,
    )
    assert dict(app.requests) == {"/trading/WIFUSDT/": 1}  # the listing tells the absent days again
    app.reset_counts()
    upto_now = br.history.download(
        "ETHUSDT", None, "2024-06-14", kinds="trades", path=tmp_path, client=client, progress=False
    )
    assert upto_now["partition"].tolist() == ["2024-06-14"]  # 2024-06-15 is not over at the simulator's clock
    assert not [path for path in app.requests if "2024-06-15" in path]


def test_the_archive_holds_the_trades_of_recent_trade(tmp_path: Path) -> None:
    now = ms("2024-06-15 00:04:00.321")  # four minutes into the day: recent trades reach yesterday
    app = create_app(SimConfig(now_ms=now, ip_limit=0))
    with MarketClient(env="offline", cache=False, sim_app=app) as client:
        br.history.download(
            "BTCUSDT", None, "2024-06-14", kinds="trades", path=tmp_path, client=client, progress=False
        )
        recent = client.trades("BTCUSDT", limit=1000)
    stored = br.history.read("BTCUSDT", kind="trades", path=tmp_path)
    older = recent[recent.index < pd.Timestamp("2024-06-15", tz="UTC")]
    assert 0 < len(older) < 1000
    tail = stored.tail(len(older))
    assert tail["trd_match_id"].tolist() == older["exec_id"].tolist()
    assert (
        tail["price"].tolist() == older["price"].tolist() and tail["size"].tolist() == older["size"].tolist()
    )
    assert (tail.index.floor("ms") == older.index).all()


@pytest.mark.parametrize(
    ("symbol", "category", "day"), [("BTCUSDT", "linear", "2025-07-01"), ("XRPUSDT", "spot", "2025-05-01")]
)
def test_newer_files_keep_their_rpi_column(tmp_path: Path, symbol: str, category: str, day: str) -> None:
    app = create_app(SimConfig(now_ms=ms(day) + 2 * DAY_MS, ip_limit=0))
    with MarketClient(env="offline", cache=False, sim_app=app) as client:
        end = pd.Timestamp(day) + pd.Timedelta(days=1)
        br.history.download(
            symbol,
            None,
            day,
            end,
            category=category,
            kinds="trades",
            path=tmp_path,
            client=client,
            progress=False,
        )
    trades = br.history.read(symbol, kind="trades", category=category, path=tmp_path)
    assert trades["rpi"].dtype == np.dtype(bool)
    assert 0.01 < trades["rpi"].mean() < 0.06
