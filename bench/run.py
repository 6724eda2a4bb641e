"""Benchmarks of bybit_research side by side with pybit and ccxt, in one run, reported as ratios.

Usage: ``.venv/bin/python bench/run.py [--days 365] [--latency-ms 50]`` (``make bench``). Not a test:
nothing here asserts a time. The simulator is served over TCP in this process with Bybit's IP limit (600
requests per 5 s) and a fixed latency; every contender runs in its own subprocess so that its time and peak
memory are its own.

P1 cold download of 1-minute BTCUSDT linear klines, P2 the same call warm from the cache, P3 conversion of
JSON pages to a typed frame, P4 peak memory of P1, P5 import time.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
#: The end of the downloaded range, fixed so that every run downloads the same candles.
NOW_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC
DAY_MS = 86_400_000


class StatusCounter:
    """WSGI middleware that counts the HTTP status codes the simulator answered."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.counts: collections.Counter[int] = collections.Counter()
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def counting_start_response(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            with self._lock:
                self.counts[int(status.split()[0])] += 1
            return start_response(status, headers, *exc)

        return self.app(environ, counting_start_response)


def run_scenario(
    name: str, base_url: str, start_ms: int, end_ms: int, cache_path: str | None = None
) -> dict[str, Any]:
    """Run one scenario of ``bench/scenarios.py`` in a fresh interpreter and return its JSON figures."""
    args = [PYTHON, str(HERE / "scenarios.py"), name, base_url, str(start_ms), str(end_ms)]
    if cache_path:
        args.append(cache_path)
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"scenario {name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def import_seconds(statement: str, repeat: int = 5) -> float:
    """Median wall time of a fresh interpreter running ``statement`` minus that of an empty one."""

    def timed(code: str) -> float:
        started = time.perf_counter()
        subprocess.run([PYTHON, "-c", code], check=True)
        return time.perf_counter() - started

    base = statistics.median(timed("pass") for _ in range(repeat))
    return statistics.median(timed(statement) for _ in range(repeat)) - base


def conversion_benchmark(pages: int = 100, repeat: int = 5) -> dict[str, float]:
    """P3: JSON kline pages to a typed frame, ours against the usual pandas one-liner."""
    sys.path.insert(0, str(HERE))
    from conversion import compare

    return compare(pages=pages, repeat=repeat)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365, help="days of 1-minute candles to download")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--skip-peers", action="store_true", help="measure only bybit_research")
    args = parser.parse_args(argv)

    from bybit_research import sim

    end_ms = NOW_MS - NOW_MS % DAY_MS
    start_ms = end_ms - args.days * DAY_MS
    # the exchange's clock stands a day after the range: the year asked is history, as when a researcher asks
    # for last year (a range reaching "now" would refetch its still-open last page on every call)
    app = StatusCounter(
        sim.create_app(now_ms=end_ms + DAY_MS, latency_ms=args.latency_ms, ip_limit=600, ip_window_ms=5000)
    )
    rows: list[tuple[str, str, str]] = []
    with sim.serve(app=app) as base_url, tempfile.TemporaryDirectory() as tmp:
        cache_path = os.path.join(tmp, "bench-cache.sqlite")
        print(
            f"simulator at {base_url}: {args.latency_ms:.0f} ms latency, IP limit 600 / 5 s; {args.days} days"
        )
        # one unmeasured pass, so that no contender pays the simulator's first computation of the pages
        run_scenario("ours", base_url, start_ms, end_ms)
        time.sleep(5)  # let the IP window drain between contenders
        app.counts.clear()
        cold = run_scenario("ours", base_url, start_ms, end_ms, cache_path)
        forbidden_ours = app.counts[403]
        warm = run_scenario("ours", base_url, start_ms, end_ms, cache_path)
        time.sleep(5)
        cold20 = run_scenario(
            "ours20", base_url, start_ms, end_ms, os.path.join(tmp, "bench-cache-20.sqlite")
        )
        forbidden_ours += app.counts[403]
        results = {"ours cold": cold, "ours warm": warm, "ours cold, 20 in flight": cold20}
        if not args.skip_peers:
            time.sleep(5)  # let the IP window drain between contenders
            results["pybit loop"] = run_scenario("pybit", base_url, start_ms, end_ms)
            time.sleep(5)
            results["ccxt fetch_ohlcv"] = run_scenario("ccxt", base_url, start_ms, end_ms)
        statuses = dict(app.counts)

    for label, figures in results.items():
        detail = f"{figures['rows']} rows, peak RSS {figures['peak_rss_mb']:.0f} MB"
        rows.append((label, f"{figures['seconds']:.2f} s", detail))
    print()
    print(f"{'run':<26} {'time':>10}  detail")
    for label, seconds, detail in rows:
        print(f"{label:<26} {seconds:>10}  {detail}")
    print()
    print(f"HTTP 403 during our cold downloads: {forbidden_ours}; status counts over the run: {statuses}")
    if "pybit loop" in results:
        pybit, ccxt = results["pybit loop"], results["ccxt fetch_ohlcv"]
        print(
            f"P1 cold vs pybit loop:        {pybit['seconds'] / cold['seconds']:6.1f}x faster (goal >= 10x)"
        )
        print(f"P1 cold vs ccxt pagination:   {ccxt['seconds'] / cold['seconds']:6.1f}x faster")
        cold20 = results["ours cold, 20 in flight"]
        print(f"P1 cold, 20 in flight:        {pybit['seconds'] / cold20['seconds']:6.1f}x faster than pybit")
        print(f"P4 peak RSS ours / pybit:     {cold['peak_rss_mb'] / pybit['peak_rss_mb']:6.2f}")
        print(f"P4 peak RSS ours / ccxt:      {cold['peak_rss_mb'] / ccxt['peak_rss_mb']:6.2f}")
    speedup = cold["seconds"] / warm["seconds"]
    print(
        f"P2 warm:                      {warm['seconds']:.3f} s, {speedup:6.1f}x faster than cold "
        "(goal <= 0.5 s, >= 30x)"
    )
    conversion = conversion_benchmark()
    print(
        f"P3 conversion of {conversion['rows']:.0f} candles: ours {conversion['ours'] * 1000:.1f} ms, "
        f"pd.DataFrame(rows).astype(float) {conversion['naive'] * 1000:.1f} ms -> "
        f"{conversion['naive'] / conversion['ours']:.1f}x faster (goal >= 5x); from decoded rows: "
        f"{conversion['naive_decoded'] / conversion['ours_decoded']:.1f}x"
    )
    imports = {
        "import bybit_research": import_seconds("import bybit_research"),
        "bybit_research first use (Client)": import_seconds("import bybit_research as br; br.Client"),
        "import pybit.unified_trading": import_seconds("import pybit.unified_trading"),
        "import ccxt": import_seconds("import ccxt"),
    }
    for label, import_s in imports.items():
        print(f"P5 {label:<36} {import_s * 1000:7.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
