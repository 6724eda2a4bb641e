"""The store read by other engines, as the documentation shows: DuckDB SQL over its views, Dask on a
``LocalCluster`` of two worker processes, Spark's ``read.parquet`` (where Java is installed)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import bybit_research as br
from tests.conftest import MarketClient

SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
DAYS = ("2024-06-10", "2024-06-13")


@pytest.fixture(scope="module")
def store(app: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("engines") / "store"
    with MarketClient(env="offline", cache=False, sim_app=app) as client:
        br.history.download(
            SYMBOLS, "1", *DAYS, kinds=["klines", "funding"], path=root, client=client, progress=False
        )
    return root


@pytest.fixture(scope="module")
def minutes(store: Path) -> pd.DataFrame:
    return br.history.read(SYMBOLS, *DAYS, "1", path=store).reset_index()


def pandas_daily_vwap(minutes: pd.DataFrame) -> pd.DataFrame:
    day = minutes["time"].dt.floor("D")
    grouped = minutes.groupby(["symbol", day])
    return (grouped["turnover"].sum() / grouped["volume"].sum()).rename("vwap").reset_index()


def test_duckdb_views_and_a_daily_vwap(store: Path, minutes: pd.DataFrame) -> None:
    con = br.history.duckdb(store)
    views = sorted(
        row[0] for row in con.sql("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    )
    assert views == ["funding", "klines"]
    columns = dict(con.sql("SELECT column_name, column_type FROM (DESCRIBE klines)").fetchall())
    assert columns["time"] == "TIMESTAMP WITH TIME ZONE" and columns["close"] == "DOUBLE"
    assert (columns["symbol"], columns["interval"], columns["year"], columns["month"]) == (
        "VARCHAR",
        "VARCHAR",
        "SMALLINT",
        "TINYINT",
    )
    assert columns["day"] == "DATE"
    vwap = con.sql(
        """
        SELECT symbol, day, sum(turnover) / sum(volume) AS vwap, count(*) AS candles
        FROM klines WHERE interval = '1' GROUP BY ALL ORDER BY symbol, day
        """
    ).df()
    assert vwap["candles"].tolist() == [1440] * 9
    expected = pandas_daily_vwap(minutes)
    assert vwap["symbol"].tolist() == expected["symbol"].tolist()
    assert (pd.to_datetime(vwap["day"]).dt.tz_localize("UTC") == expected["time"]).all()
    np.testing.assert_allclose(vwap["vwap"], expected["vwap"], rtol=1e-12)
    truncated = con.sql("SELECT count(*) FROM klines WHERE day <> CAST(date_trunc('day', time) AS DATE)")
    assert truncated.fetchall() == [(0,)]
    settled = con.sql(
        "SELECT k.symbol, count(*) FROM klines k JOIN funding f ON k.symbol = f.symbol AND k.time = f.time "
        "GROUP BY ALL ORDER BY 1"
    ).fetchall()
    assert settled == [(s, 9) for s in SYMBOLS]  # three settlements a day, each at a candle's start


def test_dask_groupby_on_a_local_cluster(store: Path, minutes: pd.DataFrame) -> None:
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("dask.distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as dask_client,
    ):
        assert len(dask_client.scheduler_info()["workers"]) == 2
        frame = dd.read_parquet(str(store / "klines"), columns=["time", "close", "volume", "symbol"])
        assert frame.npartitions >= 3
        means = frame.groupby("symbol", observed=True).agg({"close": "mean", "volume": "sum"}).compute()
    expected = minutes.groupby("symbol").agg({"close": "mean", "volume": "sum"})
    means.index = means.index.astype(str)
    np.testing.assert_allclose(means.loc[expected.index, "close"], expected["close"], rtol=1e-12)
    np.testing.assert_allclose(means.loc[expected.index, "volume"], expected["volume"], rtol=1e-12)


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java (CI installs a headless JRE)")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("bybit_research history test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")
def test_spark_reads_the_store(spark: Any, store: Path, minutes: pd.DataFrame) -> None:
    from pyspark.sql import functions as F

    frame = spark.read.parquet(str(store / "klines"))
    assert {"time", "close", "symbol", "interval", "year", "month"} <= set(frame.columns)
    assert frame.count() == len(minutes) == 3 * 3 * 1440
    rows = frame.groupBy("symbol").agg(F.avg("close").alias("close"), F.min("time").alias("first")).collect()
    found = {row["symbol"]: (row["close"], row["first"]) for row in rows}
    expected = minutes.groupby("symbol")["close"].mean()
    assert sorted(found) == sorted(SYMBOLS)
    for symbol in SYMBOLS:
        assert found[symbol][0] == pytest.approx(expected[symbol], rel=1e-12)
        assert pd.Timestamp(found[symbol][1]).tz_localize(None) == pd.Timestamp(DAYS[0])
