"""The public trade archive over the WSGI app: file layout, gzip CSV shape and types, listings, 404s, and the
consistency that matters: a day's trades resample exactly to the simulator's 1-minute klines, and the newest
trades of ``/v5/market/recent-trade`` are the archive's trades."""

from __future__ import annotations

import gzip
import io
import re
import sys
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from market_helpers import NOW_MS

from bybit_research.sim.market.calendar import DAY_MS, MINUTE_MS, date_ms

DAY = NOW_MS // DAY_MS - 1  # 2025-12-05, the last finished day
CONTRACT_COLUMNS = [
    "timestamp",
    "symbol",
    "side",
    "size",
    "price",
    "tickDirection",
    "trdMatchID",
    "grossValue",
    "homeNotional",
    "foreignNotional",
]


def connect(now_ms: int) -> httpx.Client:
    from bybit_research.sim import create_app

    app = create_app(now_ms=now_ms, ip_limit=0)
    return httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://sim")


@pytest.fixture(scope="module")
def client() -> Any:
    with connect(NOW_MS) as http:
        yield http


def iso(day: int) -> str:
    return pd.Timestamp(day * DAY_MS, unit="ms").strftime("%Y-%m-%d")


def read_archive(client: httpx.Client, path: str) -> pd.DataFrame:
    """Download a file, check it is gzip CSV, and read every column as text (exact decimals)."""
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.headers["content-type"] == "application/gzip"
    assert response.content[:2] == b"\x1f\x8b"  # gzip magic
    text = gzip.decompress(response.content).decode()
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def klines(client: httpx.Client, category: str, symbol: str, day: int) -> pd.DataFrame:
    """The day's 1-minute klines (two pages), ascending, as text."""
    rows: list[list[str]] = []
    for start in (day * DAY_MS, day * DAY_MS + 1000 * MINUTE_MS):
        result = client.get(
            "/v5/market/kline",
            params={
                "category": category,
                "symbol": symbol,
                "interval": "1",
                "start": start,
                "end": (day + 1) * DAY_MS - 1,
                "limit": 1000,
            },
        ).json()["result"]
        rows += result["list"]
    frame = pd.DataFrame(rows, columns=["start", "open", "high", "low", "close", "volume", "turnover"])
    frame["start"] = frame["start"].astype("int64")
    return frame.drop_duplicates("start").sort_values("start").set_index("start")


def contract_ms(stamps: pd.Series) -> pd.Series:
    """Epoch ms of the archive's ``seconds[.ffff]`` timestamps, computed exactly from the text."""
    whole = stamps.str.split(".").str[0].astype("int64")
    fraction = stamps.str.split(".").str[1].fillna("").str.ljust(4, "0").str[:3].astype("int64")
    return whole * 1000 + fraction


def resample(trades: pd.DataFrame, times_ms: pd.Series, size: str, value: str) -> pd.DataFrame:
    """Aggregate trades into 1-minute bars: first/extreme/last prices, exact decimal sums."""
    minute = times_ms // MINUTE_MS * MINUTE_MS
    price = trades["price"].astype(float)
    grouped = pd.DataFrame({"minute": minute, "price": trades["price"], "p": price}).groupby("minute")
    return pd.DataFrame(
        {
            "open": grouped["price"].first(),
            "close": grouped["price"].last(),
            "high": grouped["p"].max(),
            "low": grouped["p"].min(),
            "volume": trades[size].map(Decimal).groupby(minute).sum(),
            "turnover": trades[value].map(Decimal).groupby(minute).sum(),
            "count": grouped.size(),
        }
    )


@pytest.mark.parametrize(("symbol", "category"), [("BTCUSDT", "linear"), ("SOLUSDT", "linear")])
def test_linear_archive_resamples_exactly_to_the_klines(
    client: httpx.Client, symbol: str, category: str
) -> None:
    trades = read_archive(client, f"/trading/{symbol}/{symbol}{iso(DAY)}.csv.gz")
    assert list(trades.columns) == [*CONTRACT_COLUMNS, "RPI"]  # December 2025 files have the RPI column
    assert (trades["symbol"] == symbol).all()
    times = contract_ms(trades["timestamp"])
    assert (
        times.is_monotonic_increasing
        and times.iloc[0] >= DAY * DAY_MS
        and times.iloc[-1] < (DAY + 1) * DAY_MS
    )
    bars = resample(trades, times, "size", "foreignNotional")
    candles = klines(client, category, symbol, DAY)
    assert list(bars.index) == list(candles.index) and len(candles) == 1440  # no minute without trades
    assert (bars["open"] == candles["open"]).all() and (bars["close"] == candles["close"]).all()
    assert (bars["high"] == candles["high"].astype(float)).all()
    assert (bars["low"] == candles["low"].astype(float)).all()
    assert (bars["volume"] == candles["volume"].map(Decimal)).all()  # exact in decimals
    assert (bars["turnover"] == candles["turnover"].map(Decimal)).all()  # exact for linear contracts
    assert bars["count"].min() >= 6  # every price level of a minute trades


def test_inverse_archive_resamples_to_the_klines_within_their_rounding(client: httpx.Client) -> None:
    trades = read_archive(client, f"/trading/BTCUSD/BTCUSD{iso(DAY)}.csv.gz")
    bars = resample(trades, contract_ms(trades["timestamp"]), "size", "foreignNotional")
    candles = klines(client, "inverse", "BTCUSD", DAY)
    assert len(candles) == 1440
    assert (bars["open"] == candles["open"]).all() and (bars["close"] == candles["close"]).all()
    assert (bars["volume"] == candles["volume"].map(Decimal)).all()  # USD contracts, exact
    # turnover in BTC: the sum of size / price, rounded to 1e-8 per minute
    gap = (bars["turnover"].astype(float) - candles["turnover"].astype(float)).abs()
    assert gap.max() <= 1e-8
    assert (trades["homeNotional"] == trades["size"]).all()
    coins = trades["size"].astype(float) / trades["price"].astype(float)
    assert (trades["foreignNotional"].astype(float) - coins).abs().max() < 1e-12
    assert ((trades["grossValue"].astype(float) - coins * 1e8).abs() < 1e-4).all()


def test_spot_archive_resamples_exactly_to_the_klines(client: httpx.Client) -> None:
    trades = read_archive(client, f"/spot/BTCUSDT/BTCUSDT_{iso(DAY)}.csv.gz")
    assert list(trades.columns) == ["id", "timestamp", "price", "volume", "side", "rpi"]
    assert trades["id"].astype(int).tolist() == list(range(1, len(trades) + 1))
    assert set(trades["side"]) == {"buy", "sell"} and set(trades["rpi"]) == {"0", "1"}
    trades["value"] = [
        str(Decimal(p) * Decimal(v)) for p, v in zip(trades["price"], trades["volume"], strict=True)
    ]
    bars = resample(trades, trades["timestamp"].astype("int64"), "volume", "value")
    candles = klines(client, "spot", "BTCUSDT", DAY)
    assert len(candles) == 1440
    assert (
        bars["open"].map(Decimal) == candles["open"].map(Decimal)
    ).all()  # spot prices drop trailing zeros
    assert (bars["high"] == candles["high"].astype(float)).all() and (
        bars["low"] == candles["low"].astype(float)
    ).all()
    assert (bars["volume"] == candles["volume"].map(Decimal)).all()
    assert (bars["turnover"] == candles["turnover"].map(Decimal)).all()
    # order sizes are finer than the kline volume step: 5 decimals against 3
    assert trades["volume"].str.split(".").str[1].str.len().max() == 5


def test_contract_file_columns_and_text_formats(client: httpx.Client) -> None:
    trades = read_archive(client, f"/trading/ETHUSDT/ETHUSDT{iso(DAY)}.csv.gz")
    assert re.fullmatch(r"\d{10}(\.\d{1,4})?", trades["timestamp"].iloc[0])
    assert trades["timestamp"].str.fullmatch(r"\d{10}(\.\d{0,3}[1-9])?").all()  # no trailing zeros
    assert set(trades["side"]) == {"Buy", "Sell"}
    assert set(trades["tickDirection"]) == {"PlusTick", "ZeroPlusTick", "MinusTick", "ZeroMinusTick"}
    assert trades["price"].str.fullmatch(r"\d+\.\d{2}").all()  # ETHUSDT's tick 0.01
    assert trades["size"].str.fullmatch(r"\d+\.\d{2}").all()  # its quantity step 0.01
    assert all(uuid.UUID(value).version == 5 for value in trades["trdMatchID"].head(50))
    assert trades["trdMatchID"].is_unique
    value = trades["price"].map(Decimal) * trades["size"].map(Decimal)
    assert (trades["foreignNotional"].map(Decimal) == value).all()
    assert (trades["homeNotional"].map(Decimal) == trades["size"].map(Decimal)).all()
    assert (trades["grossValue"].astype(float) == (value.astype(float) * 1e8).round()).all()
    assert trades["grossValue"].str.contains("e+", regex=False).all()  # Go's %v: 3.24602611e+12
    frame = pd.read_csv(
        io.BytesIO(client.get(f"/trading/ETHUSDT/ETHUSDT{iso(DAY)}.csv.gz").content), compression="gzip"
    )
    assert frame["timestamp"].dtype == "float64" and frame["RPI"].dtype == "int64"
    assert frame["size"].dtype == "float64" and frame["grossValue"].dtype == "float64"
    changes = frame["price"].diff()
    assert (frame.loc[changes > 0, "tickDirection"] == "PlusTick").all()
    assert (frame.loc[changes < 0, "tickDirection"] == "MinusTick").all()
    assert frame.loc[changes == 0, "tickDirection"].isin(["ZeroPlusTick", "ZeroMinusTick"]).all()


def test_the_rpi_column_appears_with_rpi_orders() -> None:
    with connect(NOW_MS) as http:
        before = read_archive(http, f"/trading/BTCUSDT/BTCUSDT{iso(date_ms('2025-06-30') // DAY_MS)}.csv.gz")
        after = read_archive(http, f"/trading/BTCUSDT/BTCUSDT{iso(date_ms('2025-07-01') // DAY_MS)}.csv.gz")
        spot_before = read_archive(
            http, f"/spot/XRPUSDT/XRPUSDT_{iso(date_ms('2025-04-30') // DAY_MS)}.csv.gz"
        )
        spot_after = read_archive(
            http, f"/spot/XRPUSDT/XRPUSDT_{iso(date_ms('2025-05-01') // DAY_MS)}.csv.gz"
        )
    assert list(before.columns) == CONTRACT_COLUMNS and list(after.columns) == [*CONTRACT_COLUMNS, "RPI"]
    assert list(spot_before.columns) == ["id", "timestamp", "price", "volume", "side"]
    assert list(spot_after.columns) == ["id", "timestamp", "price", "volume", "side", "rpi"]
    share = (after["RPI"] == "1").mean()
    assert 0.01 < share < 0.06 and set(after["RPI"]) == {"0", "1"}


def test_recent_trades_are_the_archives_trades() -> None:
    now = (DAY + 1) * DAY_MS + 4 * MINUTE_MS + 321  # four minutes into the day: 1000 trades reach yesterday
    with connect(now) as http:
        recent = http.get(
            "/v5/market/recent-trade", params={"category": "linear", "symbol": "BTCUSDT", "limit": 1000}
        ).json()["result"]["list"]
        archive = read_archive(http, f"/trading/BTCUSDT/BTCUSDT{iso(DAY)}.csv.gz")
        spot = http.get(
            "/v5/market/recent-trade", params={"category": "spot", "symbol": "ETHUSDT", "limit": 60}
        ).json()["result"]["list"]
        spot_archive = read_archive(http, f"/spot/ETHUSDT/ETHUSDT_{iso(DAY)}.csv.gz")
    times = [int(row["time"]) for row in recent]
    assert times == sorted(times, reverse=True) and times[0] <= now
    older = [row for row in recent if int(row["time"]) < (DAY + 1) * DAY_MS][::-1]
    assert 0 < len(older) < 1000  # both days are covered
    tail = archive.tail(len(older))
    assert [row["execId"] for row in older] == tail["trdMatchID"].tolist()
    assert [row["price"] for row in older] == tail["price"].tolist()
    assert [row["size"] for row in older] == tail["size"].tolist()
    assert [row["side"] for row in older] == tail["side"].tolist()
    assert [int(row["time"]) for row in older] == contract_ms(tail["timestamp"]).tolist()
    assert [row["isRPITrade"] for row in older] == (tail["RPI"] == "1").tolist()
    spot_older = [row for row in spot if int(row["time"]) < (DAY + 1) * DAY_MS][::-1]
    spot_tail = spot_archive.tail(len(spot_older))
    assert (
        spot_older
        and [int(row["execId"]) % 10**8 for row in spot_older] == spot_tail["id"].astype(int).tolist()
    )
    assert [Decimal(row["size"]) for row in spot_older] == spot_tail["volume"].map(Decimal).tolist()
    assert [row["side"].lower() for row in spot_older] == spot_tail["side"].tolist()


def test_the_delivery_day_ends_at_delivery(client: httpx.Client) -> None:
    symbol = "BTCUSDT-26SEP25"
    delivery = date_ms("2025-09-26") + 8 * 3_600_000
    trades = read_archive(client, f"/trading/{symbol}/{symbol}2025-09-26.csv.gz")
    times = contract_ms(trades["timestamp"])
    assert times.iloc[0] >= date_ms("2025-09-26") and times.iloc[-1] < delivery
    candles = klines(client, "linear", symbol, delivery // DAY_MS)
    bars = resample(trades, times, "size", "foreignNotional")
    assert len(candles) == len(bars) == 480 and (bars["close"] == candles["close"]).all()
    assert client.get(f"/trading/{symbol}/{symbol}2025-09-27.csv.gz").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        f"/trading/BTCUSDT/BTCUSDT{iso(NOW_MS // DAY_MS)}.csv.gz",  # today is not over
        f"/trading/BTCUSDT/BTCUSDT{iso(NOW_MS // DAY_MS + 1)}.csv.gz",  # the future
        "/trading/BTCUSDT/BTCUSDT2020-03-25.csv.gz",  # the day before BTCUSDT's launch
        "/trading/HYPEUSDT/HYPEUSDT2025-05-29.csv.gz",
        f"/trading/BTCUSDT/BTCUSDT_{iso(DAY)}.csv.gz",  # spot's name under trading/
        f"/spot/BTCUSDT/BTCUSDT{iso(DAY)}.csv.gz",  # trading's name under spot/
        f"/spot/WIFUSDT/WIFUSDT_{iso(DAY)}.csv.gz",  # no WIF spot pair
        f"/trading/NOPEUSDT/NOPEUSDT{iso(DAY)}.csv.gz",
        "/trading/BTCUSDT/BTCUSDT2025-13-01.csv.gz",
        "/trading/BTCUSDT/BTCUSDT2025-12-05.csv",
        "/trading/BTCUSDT/x/y",
        "/trading/BTCUSDT",
        "/trading/BTC-6DEC25-100000-C/",  # options are not archived
    ],
)
def test_missing_files_are_404(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")


def test_first_day_file_exists(client: httpx.Client) -> None:
    assert client.get("/trading/BTCUSDT/BTCUSDT2020-03-26.csv.gz").status_code == 200
    assert client.get("/trading/HYPEUSDT/HYPEUSDT2025-05-30.csv.gz").status_code == 200


def test_listing_pages(client: httpx.Client) -> None:
    page = client.get("/trading/")
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    folders = re.findall(r'href="([^"]+)"', page.text)
    assert folders[0] == "../" and {
        "BTCUSDT/",
        "BTCUSD/",
        "BTCPERP/",
        "BTCUSDT-26SEP25/",
        "BTCUSDZ25/",
    } <= set(folders)
    assert not any("-C/" in name or "-P/" in name for name in folders)  # no options
    spot = re.findall(r'href="([^"]+)"', client.get("/spot/").text)
    assert {"BTCUSDT/", "ETHUSDC/"} <= set(spot) and "WIFUSDT/" not in spot
    files = re.findall(r'href="([^"]+)"', client.get("/trading/HYPEUSDT/").text)[1:]
    assert files[0] == "HYPEUSDT2025-05-30.csv.gz" and files[-1] == f"HYPEUSDT{iso(DAY)}.csv.gz"
    assert len(files) == DAY - date_ms("2025-05-30") // DAY_MS + 1
    spot_files = re.findall(r'href="([^"]+)"', client.get("/spot/SOLUSDC/").text)[1:]
    assert spot_files[-1] == f"SOLUSDC_{iso(DAY)}.csv.gz"
    for name in (files[0], files[-1]):
        assert client.get(f"/trading/HYPEUSDT/{name}").status_code == 200


def test_file_answers_are_stable_and_support_head(client: httpx.Client) -> None:
    path = f"/trading/XRPUSDT/XRPUSDT{iso(DAY)}.csv.gz"
    first, second = client.get(path), client.get(path)
    assert first.content == second.content and first.headers["etag"] == second.headers["etag"]
    assert first.headers["last-modified"] == "Sat, 06 Dec 2025 01:00:00 GMT"
    head = client.head(path)
    assert head.status_code == 200 and head.headers["content-length"] == str(len(first.content))
    assert client.post(path).status_code == 405
    with connect(NOW_MS + DAY_MS) as later:  # the same day's file seen a day later
        assert later.get(path).content == first.content


def test_file_routes_take_faults_but_not_the_ip_limit() -> None:
    from bybit_research.sim import create_app

    failing = create_app(now_ms=NOW_MS, fail_rate=1.0, fail_mode="10016")
    with httpx.Client(transport=httpx.WSGITransport(app=failing), base_url="http://sim") as http:
        response = http.get("/trading/")
    assert response.status_code == 503 and response.content == b"Service Unavailable"
    limited = create_app(now_ms=NOW_MS, ip_limit=2)
    with httpx.Client(transport=httpx.WSGITransport(app=limited), base_url="http://sim") as http:
        assert [http.get("/spot/").status_code for _ in range(4)] == [200] * 4
        assert [http.get("/v5/market/time").status_code for _ in range(3)] == [200, 200, 403]


def test_go_float_formatting() -> None:
    from bybit_research.sim.market.archive import go_float

    assert go_float(3667246.8639337374) == "3.6672468639337374e+06"
    assert go_float(8109500000.0) == "8.1095e+09"
    assert go_float(0.036672468639337374) == "0.036672468639337374"
    assert go_float(78.0) == "78" and go_float(155.4252) == "155.4252" and go_float(999999.0) == "999999"
    assert go_float(1e6) == "1e+06" and go_float(1e-5) == "1e-05" and go_float(2.5e16) == "2.5e+16"
