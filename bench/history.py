"""History store figures: a universe of 1-minute candles downloaded into the Parquet store, and read back.

Run from the repository root (one run takes a few minutes)::

    PYTHONPATH=. .venv/bin/python bench/history.py                      # 10 symbols x 365 days, 50 ms
    PYTHONPATH=. .venv/bin/python bench/history.py --symbols 2 --days 30  # a quick look

The simulator is served over TCP in this process with a fixed latency and Bybit's IP limit (600 requests per
5 s); the download runs in its own interpreter (``br.history.download`` with an uncached client: the figure
is the store's, not the request cache's), so its time and peak memory are its own. Not a test: nothing here
asserts a time. Figures, each as a ratio to its goal:

* H1 download time against the latency bound (pages / pages in flight x latency) and against the IP-limit
  bound (pages / 120 per s; the client budgets 550 per 5 s, 110 per s, to keep a margin);
* H2 the store's size against the gzip CSV of the same rows (goal <= 40 %);
* H3 a DuckDB daily VWAP over the whole universe (goal <= 0.5 s);
* H4 ``br.history.read`` of one symbol-year (goal <= 0.2 s);
* H5 the download's peak memory (growth of the resident set) against fetching and holding one symbol-year
  frame with ``klines`` (goal <= 2x), and against that frame's own size. Linux only (``/proc``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import StatusCounter  # noqa: E402

import bybit_research as br  # noqa: E402
from bybit_research.sim import SimConfig, create_app, serve  # noqa: E402

#: the simulator's clock: the downloaded year is wholly history
NOW_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC
DAY_MS = 86_400_000
UNIVERSE = [
    "BTCUSDT",
    "ETHUSDT",
    "SOLUSDT",
    "XRPUSDT",
    "DOGEUSDT",
    "ADAUSDT",
    "AVAXUSDT",
    "LINKUSDT",
    "DOTUSDT",
    "LTCUSDT",
    "BNBUSDT",
    "TRXUSDT",
]

#: The child measures its resident set from /proc (Linux): ``ru_maxrss`` survives ``exec``, so a child would
#: report the peak of the parent it was forked from (the simulator's process); writing 5 to ``clear_refs``
#: resets the peak after the warm-up.
CHILD = """
import json, sys, time
sys.path.insert(0, {root!r})
import bybit_research as br
import bybit_research.history, pyarrow.dataset, pyarrow.parquet  # imported before the base is measured

def status_mb(key):
    return int(open("/proc/self/status").read().split(key + ":")[1].split()[0]) / 1024

client = br.Client(base_url={url!r}, cache=False)
client.klines("BTCUSDT", "1", {start}, {start} + 60_000, progress=False)  # transport, clock, imports
with open("/proc/self/clear_refs", "w") as peak:
    peak.write("5")
base = status_mb("VmRSS")
started = time.perf_counter()
if {what!r} == "download":
    report = br.history.download({symbols!r}, "1", {start}, {end}, path={path!r}, client=client,
                                 progress=False)
    out = {{"pages": int(report["pages"].sum()), "files": int(report.attrs["written"])}}
else:
    frame = client.klines({symbols!r}[0], "1", {start}, {end}, progress=False)
    out = {{"rows": len(frame), "frame_mb": frame.memory_usage(deep=True).sum() / 2**20}}
out.update(seconds=time.perf_counter() - started, base_rss_mb=base, peak_rss_mb=status_mb("VmHWM"),
           concurrency=client.concurrency)
print(json.dumps(out))
"""


def child(what: str, url: str, symbols: list[str], start: int, end: int, path: str) -> dict[str, Any]:
    """Run the download (or one symbol-year ``klines``) in a fresh interpreter; its JSON figures."""
    code = CHILD.format(root=str(ROOT), url=url, symbols=symbols, start=start, end=end, path=path, what=what)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def gzip_csv_bytes(store: Path, symbols: list[str]) -> int:
    """The size of the same rows as gzip CSV (``start,open,...,turnover``, gzip's default level 6)."""
    total = 0
    for symbol in symbols:
        frame = br.history.read(symbol, path=store, interval="1").drop(columns="closed")
        frame.index = frame.index.asi8
        text = frame.to_csv(index_label="start").encode()
        total += len(gzip.compress(text, compresslevel=6))
    return total


def timed(call: Any, repeat: int = 3) -> float:
    """The median wall time of ``call()`` over ``repeat`` runs (after one unmeasured run)."""
    call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(
    store: Path, symbols: list[str], one: dict[str, Any], got: dict[str, Any], args: Any
) -> dict[str, Any]:
    """The figures of a finished download (``got``) and of holding one symbol-year frame (``one``)."""
    pages, latency = got["pages"], args.latency_ms / 1000
    latency_bound = pages / got["concurrency"] * latency
    ip_bound = pages / 120.0
    size = sum(p.stat().st_size for p in store.rglob("*.parquet"))
    csv_size = gzip_csv_bytes(store, symbols)
    con = br.history.duckdb(store)
    vwap_sql = "SELECT symbol, day, sum(turnover) / sum(volume) AS vwap FROM klines GROUP BY ALL"
    rows = con.sql("SELECT count(*) FROM klines").fetchall()[0][0]
    vwap_s = timed(lambda: con.sql(vwap_sql).fetchall())
    read_s = timed(lambda: br.history.read(symbols[0], path=store, interval="1"))
    grown = got["peak_rss_mb"] - got["base_rss_mb"]
    frame_grown = one["peak_rss_mb"] - one["base_rss_mb"]
    figures = {
        "symbols": len(symbols),
        "days": args.days,
        "rows": rows,
        "pages": pages,
        "H1_download_s": round(got["seconds"], 2),
        "H1_latency_bound_s": round(latency_bound, 2),
        "H1_ip_bound_s": round(ip_bound, 2),
        "H1_vs_latency_bound": round(got["seconds"] / latency_bound, 2),
        "H1_vs_ip_bound": round(got["seconds"] / ip_bound, 2),
        "H2_store_mb": round(size / 2**20, 1),
        "H2_gzip_csv_mb": round(csv_size / 2**20, 1),
        "H2_store_vs_gzip_csv": round(size / csv_size, 3),
        "H3_duckdb_daily_vwap_s": round(vwap_s, 3),
        "H4_read_one_symbol_year_s": round(read_s, 3),
        "H5_download_rss_growth_mb": round(grown, 1),
        "H5_one_frame_rss_growth_mb": round(frame_grown, 1),
        "H5_one_frame_deep_mb": round(one["frame_mb"], 1),
        "H5_download_vs_one_frame": round(grown / frame_grown, 2) if frame_grown > 0 else None,
    }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=10)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    symbols = UNIVERSE[: args.symbols]
    end = NOW_MS - DAY_MS
    start = end - args.days * DAY_MS
    app = StatusCounter(create_app(SimConfig(now_ms=NOW_MS, latency_ms=args.latency_ms, ip_limit=600)))
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "store"
        with serve(app=app) as url:
            one = child("frame", url, symbols, start, end, "")
            # the first child's requests stay in the simulator's 5-second IP window; a new process cannot
            # know them (each client budgets its own process), so let the window empty first
            time.sleep(5.5)
            got = child("download", url, symbols, start, end, str(store))
        figures = measure(store, symbols, one, got, args)
    figures["http_statuses"] = dict(app.counts)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
