"""br.history.download against the in-process simulator (clock 2024-06-15 12:34:56): the layout and schema of
the files, what each covers, reruns that send nothing for closed months, the month reaching now rewritten,
and ``read`` equal to the public functions' frames."""

from __future__ import annotations

import threading
import time
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import bybit_research as br
from bybit_research.fetch import DataStartsLaterWarning
from bybit_research.sim import SimConfig, create_app
from bybit_research.store.history_paths import KINDS, MARKER, open_store
from bybit_research.store.parquet_writes import file_meta
from tests.conftest import NOW_MS, MarketClient
from tests.history.conftest import sent, store_tables

HOUR_MS = 3_600_000
KINDS_4 = ["klines", "mark_klines", "funding", "open_interest"]


def ms(text: str) -> int:
    return int(pd.Timestamp(text, tz="UTC").value // 1_000_000)


def meta_of(root: Path, relative: str) -> dict[str, Any]:
    meta = file_meta(open_store(root), relative)
    assert meta is not None
    return meta


def test_layout_schema_and_what_each_file_holds(client: MarketClient, app: Any, tmp_path: Path) -> None:
    report = br.history.download(
        ["BTCUSDT", "ETHUSDT"],
        "60",
        "2024-04-01",
        kinds=KINDS_4,
        path=tmp_path,
        client=client,
        progress=False,
    )
    assert (tmp_path / MARKER).is_file()
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.parquet"))
    assert len(files) == 2 * 4 * 3  # symbols x kinds x months (April, May, June)
    assert "klines/category=linear/symbol=BTCUSDT/interval=60/year=2024/month=04/data.parquet" in files
    assert "open_interest/category=linear/symbol=ETHUSDT/interval=1h/year=2024/month=06/data.parquet" in files
    assert "funding/category=linear/symbol=ETHUSDT/year=2024/month=05/data.parquet" in files
    assert list(report.columns) == [
        "kind",
        "category",
        "symbol",
        "interval",
        "partition",
        "action",
        "rows",
        "pages",
        "file",
    ]
    assert set(report["action"]) == {"written"} and report.attrs["written"] == 24
    klines = report[(report["kind"] == "klines") & (report["symbol"] == "BTCUSDT")]
    assert klines["rows"].tolist() == [720, 744, 14 * 24 + 13]  # June: up to the candle of 12:00, still open
    funding = report[(report["kind"] == "funding") & (report["symbol"] == "BTCUSDT")]
    assert funding["rows"].tolist() == [
        90,
        93,
        14 * 3 + 2,
    ]  # three settlements a day, up to 08:00 on the 15th
    assert app.requests["/v5/market/time"] <= 1  # once, unless the client knew the clock

    april = "klines/category=linear/symbol=BTCUSDT/interval=60/year=2024/month=04/data.parquet"
    june = april.replace("month=04", "month=06")
    schema = pq.read_schema(tmp_path / april)
    assert schema.remove_metadata() == KINDS["klines"].schema
    assert (
        schema.field("time").type == pa.timestamp("ms", tz="UTC")
        and schema.field("open").type == pa.float64()
    )
    held = meta_of(tmp_path, april)
    assert (held["start"], held["end"], held["complete"]) == (ms("2024-04-01"), ms("2024-05-01"), True)
    assert held["server_time"] == NOW_MS and held["endpoint"] == "/v5/market/kline"
    open_month = meta_of(tmp_path, june)
    assert (open_month["start"], open_month["end"], open_month["complete"]) == (
        ms("2024-06-01"),
        ms("2024-06-15 12:00"),  # the open candle is not final
        False,
    )
    rows = pq.read_table(tmp_path / june).to_pandas()
    assert rows["closed"].tolist()[-2:] == [True, False]
    funding_june = meta_of(tmp_path, "funding/category=linear/symbol=BTCUSDT/year=2024/month=06/data.parquet")
    assert funding_june["end"] == NOW_MS and not funding_june["complete"]


def test_a_rerun_sends_nothing_for_closed_months(client: MarketClient, app: Any, tmp_path: Path) -> None:
    args = (["BTCUSDT", "SOLUSDT"], "15", "2024-03-20", "2024-06-01")
    first = br.history.download(*args, kinds=KINDS_4, path=tmp_path, client=client, progress=False)
    assert first.attrs["written"] == 2 * 4 * 3 and sent(app) > 0
    before = store_tables(tmp_path)
    app.reset_counts()
    again = br.history.download(*args, kinds=KINDS_4, path=tmp_path, client=client, progress=False)
    assert sent(app) == 0  # not even the server time
    assert set(again["action"]) == {"kept"} and again.attrs["kept"] == 24
    assert again["file"].tolist() == first["file"].tolist()
    after = store_tables(tmp_path)
    assert sorted(after) == sorted(before) and all(after[k].equals(before[k]) for k in before)
    # a longer run fetches only the new month (and asks the exchange's clock, unless the client knows it)
    app.reset_counts()
    longer = br.history.download(
        ["BTCUSDT"], "15", "2024-03-20", None, path=tmp_path, client=client, progress=False
    )
    assert longer.set_index("partition")["action"].to_dict() == {
        "2024-03": "kept",
        "2024-04": "kept",
        "2024-05": "kept",
        "2024-06": "written",
    }
    assert (
        set(app.requests) <= {"/v5/market/kline", "/v5/market/time"} and app.requests["/v5/market/time"] <= 1
    )
    assert app.requests["/v5/market/kline"] == longer["pages"].sum() == 2  # two 1000-candle windows in June


def test_read_equals_the_public_functions(client: MarketClient, tmp_path: Path) -> None:
    symbols = ["BTCUSDT", "ETHUSDT", "XRPUSDT"]
    br.history.download(
        symbols,
        "1",
        "2024-05-30 22:00",
        "2024-06-02 01:30",
        kinds=KINDS_4,
        path=tmp_path,
        client=client,
        progress=False,
        open_interest_interval="5min",
    )
    start, end = "2024-05-31 08:00", "2024-06-01 23:07"
    pd.testing.assert_frame_equal(
        br.history.read(symbols, start, end, "1", path=tmp_path), client.klines(symbols, "1", start, end)
    )
    one = br.history.read("ETHUSDT", start, end, "1m", path=tmp_path)
    pd.testing.assert_frame_equal(one, client.klines("ETHUSDT", "1", start, end))
    assert one.attrs["source"] == "history" and one.attrs["missing"] == [] and one.attrs["files"] == 2
    assert one.attrs["params"] == {"symbol": "ETHUSDT", "interval": "1", "start": ms(start), "end": ms(end)}
    pd.testing.assert_frame_equal(
        br.history.read("BTCUSDT", start, end, 1, kind="mark_klines", path=tmp_path),
        client.klines("BTCUSDT", "1", start, end, price="mark"),
    )
    pd.testing.assert_frame_equal(
        br.history.read("BTCUSDT", start, end, 1, price="mark", path=tmp_path),
        client.klines("BTCUSDT", "1", start, end, price="mark"),
    )
    pd.testing.assert_frame_equal(
        br.history.read("BTCUSDT", start, end, kind="funding", path=tmp_path),
        client.funding_rates("BTCUSDT", start, end),
    )
    pd.testing.assert_frame_equal(
        br.history.read(symbols[:2], start, end, kind="funding", path=tmp_path),
        client.funding_rates(symbols[:2], start, end),
    )
    pd.testing.assert_frame_equal(
        br.history.read(symbols, start, end, "5min", kind="open_interest", path=tmp_path),
        client.open_interest(symbols, "5min", start, end),
    )
    closes = br.history.read("BTCUSDT", start, end, columns=["close"], path=tmp_path)
    assert list(closes.columns) == ["close"] and len(closes) == len(one)


def test_the_month_reaching_now_is_rewritten_later(client: MarketClient, tmp_path: Path) -> None:
    br.history.download("BTCUSDT", "60", "2024-05-01", None, path=tmp_path, client=client, progress=False)
    may = "klines/category=linear/symbol=BTCUSDT/interval=60/year=2024/month=05/data.parquet"
    june = may.replace("month=05", "month=06")
    may_written = (tmp_path / may).stat().st_mtime_ns
    later_app = create_app(SimConfig(now_ms=NOW_MS + 2 * 24 * HOUR_MS, ip_limit=0))
    with MarketClient(env="offline", cache=False, sim_app=later_app) as later:
        report = br.history.download(
            "BTCUSDT", "60", "2024-05-01", None, path=tmp_path, client=later, progress=False
        )
        assert report.set_index("partition")["action"].to_dict() == {"2024-05": "kept", "2024-06": "written"}
        assert (tmp_path / may).stat().st_mtime_ns == may_written  # closed months are written once
        assert meta_of(tmp_path, june)["end"] == ms("2024-06-17 12:00")
        stored = br.history.read("BTCUSDT", "2024-05-01", None, "60", path=tmp_path)
        pd.testing.assert_frame_equal(stored, later.klines("BTCUSDT", "60", "2024-05-01"))
    assert len(stored) == 744 + 16 * 24 + 13 and stored["closed"].sum() == len(stored) - 1


def test_a_partly_held_month_is_fetched_whole_again(client: MarketClient, tmp_path: Path) -> None:
    br.history.download(
        "ETHUSDT", "30", "2024-01-15", "2024-02-01", path=tmp_path, client=client, progress=False
    )
    jan = "klines/category=linear/symbol=ETHUSDT/interval=30/year=2024/month=01/data.parquet"
    assert (meta_of(tmp_path, jan)["start"], meta_of(tmp_path, jan)["complete"]) == (ms("2024-01-15"), False)
    inside = br.history.download(
        "ETHUSDT", "30", "2024-01-20", "2024-02-01", path=tmp_path, client=client, progress=False
    )
    assert inside["action"].tolist() == ["kept"]
    wider = br.history.download(
        "ETHUSDT", "30", "2024-01-01", "2024-02-10", path=tmp_path, client=client, progress=False
    )
    assert wider["action"].tolist() == ["written", "written"] and wider["rows"].tolist() == [31 * 48, 9 * 48]
    assert (meta_of(tmp_path, jan)["start"], meta_of(tmp_path, jan)["complete"]) == (ms("2024-01-01"), True)
    pd.testing.assert_frame_equal(
        br.history.read("ETHUSDT", "2024-01-01", "2024-02-10", path=tmp_path),
        client.klines("ETHUSDT", "30", "2024-01-01", "2024-02-10"),
    )


def test_months_before_a_listing_are_held_empty(client: MarketClient, app: Any, tmp_path: Path) -> None:
    report = br.history.download(
        "WIFUSDT",
        "D",
        "2024-01-01",
        "2024-05-01",
        kinds=["klines", "funding"],
        path=tmp_path,
        client=client,
        progress=False,
    )
    rows = report.pivot(index="partition", columns="kind", values="rows")
    assert rows["klines"].tolist() == [0, 0, 31, 30]  # listed 2024-03-01
    assert rows["funding"].tolist()[:2] == [0, 0] and rows["funding"].iloc[2] > 0
    app.reset_counts()
    again = br.history.download(
        "WIFUSDT",
        "D",
        "2024-01-01",
        "2024-05-01",
        kinds=["klines", "funding"],
        path=tmp_path,
        client=client,
        progress=False,
    )
    assert sent(app) == 0 and set(again["action"]) == {"kept"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the store holds the empty months: no gap to warn about
        stored = br.history.read("WIFUSDT", "2024-01-01", "2024-05-01", path=tmp_path)
    with pytest.warns(DataStartsLaterWarning):
        expected = client.klines("WIFUSDT", "D", "2024-01-01", "2024-05-01")
    pd.testing.assert_frame_equal(stored, expected)
    assert stored.index[0] == pd.Timestamp("2024-03-01", tz="UTC")


class InFlight:
    """WSGI middleware counting the requests being answered at once (each held ``hold_s``)."""

    def __init__(self, app: Any, hold_s: float) -> None:
        self.app, self.hold_s = app, hold_s
        self.now = self.most = 0
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            time.sleep(self.hold_s)
            return self.app(environ, start_response)
        finally:
            with self.lock:
                self.now -= 1


@pytest.mark.parametrize(("workers", "at_once"), [(1, 1), (3, 3)])
def test_symbols_are_fetched_concurrently(app: Any, tmp_path: Path, workers: int, at_once: int) -> None:
    counting = InFlight(app, 0.05)
    with MarketClient(env="offline", cache=False, sim_app=counting) as client:
        client.server_now_ms()  # the clock is learned first, alone
        report = br.history.download(
            ["BTCUSDT", "ETHUSDT", "SOLUSDT"],
            "D",
            "2024-01-01",
            "2024-04-01",
            path=tmp_path,
            client=client,
            progress=False,
            workers=workers,
        )
    assert report.attrs["written"] == 9 and report["pages"].tolist() == [1] * 9  # one request per month
    assert counting.most == at_once


def test_progress_bars_show_symbols_and_pages(
    client: MarketClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    br.history.download(
        ["BTCUSDT", "ETHUSDT"], "60", "2024-04-01", "2024-06-01", path=tmp_path, client=client
    )
    shown = capsys.readouterr().err
    assert "symbols" in shown and "2/2" in shown and "pages" in shown


def test_a_store_on_an_fsspec_filesystem(client: MarketClient, app: Any) -> None:
    url = "memory://history-tests/team-store"
    br.history.download(
        ["BTCUSDT", "ETHUSDT"], "240", "2024-04-01", "2024-06-01", path=url, client=client, progress=False
    )
    app.reset_counts()
    again = br.history.download(
        ["BTCUSDT", "ETHUSDT"], "240", "2024-04-01", "2024-06-01", path=url, client=client, progress=False
    )
    assert sent(app) == 0 and set(again["action"]) == {"kept"}
    pd.testing.assert_frame_equal(
        br.history.read(["BTCUSDT", "ETHUSDT"], "2024-04-01", "2024-06-01", path=url),
        client.klines(["BTCUSDT", "ETHUSDT"], "240", "2024-04-01", "2024-06-01"),
    )
    con = br.history.duckdb(url)
    counts = con.sql("SELECT symbol, count(*) AS n FROM klines GROUP BY symbol ORDER BY symbol").fetchall()
    assert counts == [("BTCUSDT", 61 * 6), ("ETHUSDT", 61 * 6)]
