"""Benchmark of the account history: two years of the demo account's linear executions, ours against the
pybit loop a user writes (every 7-day window, every cursor page, one request at a time), in one run.

Usage: ``.venv/bin/python bench/account.py [--latency-ms 50]``. Not a test: nothing asserts a time. The
simulator is served over TCP with a fixed latency and Bybit's limits (the IP limit, and the per-UID limit
of ``/v5/execution/list``: 50 requests per second); each contender runs in its own interpreter with its
libraries imported before its clock starts. A second pass lifts the per-UID limit on both sides (simulator
and client) to show what the concurrent windows give when only latency binds.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS


def history_range() -> tuple[int, int]:
    """Two years of the demo account's history, ending at today's 00:00 UTC (the simulator runs on the wall
    clock: pybit signs with this machine's clock and never syncs it)."""
    end = int(time.time() * 1000) // DAY_MS * DAY_MS
    return end - 728 * DAY_MS, end


def ours(base_url: str, cache_path: str, lifted: bool, start_ms: int, end_ms: int) -> dict[str, Any]:
    """bybit_research: one call; 7-day windows concurrently, cursor pages inside each."""
    import bybit_research as br
    from bybit_research.http.transports.ratelimit import RateLimiter
    from bybit_research.sim import DEMO_API_KEY, DEMO_API_SECRET

    options: dict[str, Any] = {"cache_path": cache_path, "cache_private": True}
    if lifted:
        options["limiter"] = RateLimiter(endpoint_limits={"/v5/execution/list": 100_000})
    client = br.Client(base_url=base_url, api_key=DEMO_API_KEY, api_secret=DEMO_API_SECRET, **options)
    client.server_now_ms()  # the clock, as any first call learns it: not part of the download
    started = time.perf_counter()
    frame = client.executions("linear", start_ms, end_ms, progress=False)
    seconds = time.perf_counter() - started
    client.close()
    return {"seconds": seconds, "rows": len(frame), "pages": frame.attrs["pages"]}


def pybit_loop(base_url: str, cache_path: str, lifted: bool, start_ms: int, end_ms: int) -> dict[str, Any]:
    """The official SDK in the loop a user writes: each window, each cursor page, then a typed frame."""
    import pandas as pd
    from pybit.unified_trading import HTTP

    from bybit_research.sim import DEMO_API_KEY, DEMO_API_SECRET

    session = HTTP(testnet=False, api_key=DEMO_API_KEY, api_secret=DEMO_API_SECRET)
    session.endpoint = base_url
    session.get_server_time()
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    pages = 0
    window = start_ms
    while window < end_ms:
        cursor = ""
        while True:
            reply = session.get_executions(
                category="linear",
                startTime=window,
                endTime=min(window + WEEK_MS, end_ms) - 1,
                limit=100,
                **({"cursor": cursor} if cursor else {}),
            )
            pages += 1
            rows.extend(reply["result"]["list"])
            cursor = reply["result"].get("nextPageCursor") or ""
            if not cursor:
                break
        window += WEEK_MS
    frame = pd.DataFrame(rows)
    numeric = [
        "execPrice",
        "execQty",
        "execValue",
        "execFee",
        "feeRate",
        "markPrice",
        "orderPrice",
        "orderQty",
    ]
    frame[numeric] = frame[numeric].apply(pd.to_numeric, errors="coerce")
    frame.index = pd.to_datetime(frame.pop("execTime").astype("int64"), unit="ms", utc=True)
    frame = frame.drop_duplicates("execId").sort_index()
    return {"seconds": time.perf_counter() - started, "rows": len(frame), "pages": pages}


SCENARIOS = {"ours": ours, "pybit": pybit_loop}


def run(name: str, base_url: str, cache_path: str, lifted: bool, span: tuple[int, int]) -> dict[str, Any]:
    """Run one scenario in a fresh interpreter and return its figures."""
    call = f"account.SCENARIOS[{name!r}]({base_url!r}, {cache_path!r}, {lifted!r}, {span[0]}, {span[1]})"
    code = f"import json, sys; sys.path.insert(0, {str(HERE)!r}); import account; print(json.dumps({call}))"
    done = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args(argv)
    from bybit_research import sim

    for lifted in (False, True):
        overrides = {"/v5/execution/list": 100_000} if lifted else {}
        app = sim.create_app(latency_ms=args.latency_ms, uid_limit_overrides=overrides)
        span = history_range()
        label = "per-UID limit lifted" if lifted else "Bybit's limits (execution/list 50/s per UID)"
        with sim.serve(app=app) as base_url, tempfile.TemporaryDirectory() as tmp:
            cache = os.path.join(tmp, "account.sqlite")
            run("ours", base_url, os.path.join(tmp, "warmup.sqlite"), lifted, span)  # the account's replay
            time.sleep(2)
            app.reset_counts()
            cold = run("ours", base_url, cache, lifted, span)
            requests = app.requests["/v5/execution/list"]
            warm = run("ours", base_url, cache, lifted, span)
            time.sleep(2)
            pybit = run("pybit", base_url, os.path.join(tmp, "unused.sqlite"), lifted, span)
        bound = requests / 10 * args.latency_ms / 1000
        print(f"\n{label}, {args.latency_ms:.0f} ms latency")
        shape = f"{cold['rows']} rows, {requests} requests ({cold['pages']} pages)"
        print(f"  ours cold   {cold['seconds']:6.2f} s  {shape}")
        print(f"  ours warm   {warm['seconds']:6.3f} s  from the cache (cache_private=True)")
        print(f"  pybit loop  {pybit['seconds']:6.2f} s  {pybit['rows']} rows, {pybit['pages']} pages")
        print(f"  cold vs pybit: {pybit['seconds'] / cold['seconds']:.1f}x faster (goal >= 5x)")
        print(
            f"  latency bound (requests / 10 in flight x latency) {bound:.2f} s: cold is "
            f"{cold['seconds'] / bound:.2f}x of it (goal <= 1.5x)"
        )
        if not lifted:
            floor = requests / 45
            print(
                f"  per-UID floor ({requests} requests at the client's 45/s of Bybit's 50/s): {floor:.2f} s"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
