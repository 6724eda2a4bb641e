"""One benchmark scenario per process, so that time and peak memory are measured in isolation.

``python bench/scenarios.py NAME BASE_URL START_MS END_MS [CACHE_PATH]`` prints one JSON line:
``{"name", "seconds", "rows", "peak_rss_mb"}``. ``seconds`` is the download and conversion alone: each
contender's libraries are imported before the clock starts (import time is measured separately, P5). Run by
``bench/run.py``; not a test.
"""

from __future__ import annotations

import importlib
import json
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

SYMBOL = "BTCUSDT"
KLINE_COLUMNS = ["start", "open", "high", "low", "close", "volume", "turnover"]


def _peak_rss_mb() -> float:
    """This process's peak resident set in MB: ``VmHWM`` where Linux has it. ``ru_maxrss`` survives
    ``exec``, so a child forked from the (larger) process serving the simulator would report that one's."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def ours(base_url: str, start_ms: int, end_ms: int, cache_path: str | None, concurrency: int = 10) -> int:
    """bybit_research: one call, aligned pages fetched concurrently through the cache."""
    import bybit_research as br

    cache = {"cache_path": cache_path} if cache_path else {"cache": False}
    client = br.Client(base_url=base_url, concurrency=concurrency, **cache)
    frame = client.klines(SYMBOL, "1", start=start_ms, end=end_ms, category="linear", progress=False)
    client.close()
    return len(frame)


def ours_20_in_flight(base_url: str, start_ms: int, end_ms: int, cache_path: str | None) -> int:
    """The same call with ``Client(concurrency=20)``."""
    return ours(base_url, start_ms, end_ms, cache_path, concurrency=20)


def pybit_loop(base_url: str, start_ms: int, end_ms: int, cache_path: str | None) -> int:
    """The official SDK in the loop a user writes, then the conversion to a typed frame."""
    import pandas as pd
    from pybit.unified_trading import HTTP

    session = HTTP(testnet=False)
    session.endpoint = base_url
    rows: list[list[str]] = []
    start = start_ms
    # With ``start`` given, Bybit returns the oldest ``limit`` candles from it (newest first): page forward.
    while start < end_ms:
        reply = session.get_kline(
            category="linear", symbol=SYMBOL, interval="1", start=start, end=end_ms - 1, limit=1000
        )
        page = reply["result"]["list"]
        if not page:
            break
        rows.extend(page)
        start = int(page[0][0]) + 60_000
    frame = pd.DataFrame(rows, columns=KLINE_COLUMNS).astype(float)
    frame.index = pd.to_datetime(frame.pop("start").astype("int64"), unit="ms", utc=True)
    frame = frame[~frame.index.duplicated()].sort_index()
    return len(frame)


def ccxt_pagination(base_url: str, start_ms: int, end_ms: int, cache_path: str | None) -> int:
    """ccxt's fetch_ohlcv with its own pagination, then the pandas conversion."""
    import ccxt
    import pandas as pd

    exchange = ccxt.bybit({"enableRateLimit": True})
    exchange.urls["api"] = {key: base_url for key in ("spot", "futures", "v2", "public", "private")}
    exchange.load_markets()
    candles = exchange.fetch_ohlcv(
        "BTC/USDT:USDT",
        "1m",
        since=start_ms,
        limit=None,
        params={"paginate": True, "paginationCalls": 1000, "until": end_ms - 1},
    )
    frame = pd.DataFrame(candles, columns=["time", "open", "high", "low", "close", "volume"])
    frame.index = pd.to_datetime(frame.pop("time"), unit="ms", utc=True)
    frame = frame[~frame.index.duplicated()].sort_index()
    return len(frame)


#: modules each contender needs, imported before its clock starts; the HTTP stack included (httpx imports
#: httpcore only when a transport is built, while pybit's import brings requests and urllib3 in at once)
_OURS = ("bybit_research", "bybit_research.client", "bybit_research.market", "httpcore", "pandas")
IMPORTS = {
    "ours": _OURS,
    "ours20": _OURS,
    "pybit": ("pybit.unified_trading", "pandas"),
    "ccxt": ("ccxt", "pandas"),
}

SCENARIOS: dict[str, Callable[[str, int, int, str | None], int]] = {
    "ours": ours,
    "ours20": ours_20_in_flight,
    "pybit": pybit_loop,
    "ccxt": ccxt_pagination,
}


def main(argv: list[str]) -> int:
    name, base_url, start_ms, end_ms = argv[0], argv[1], int(argv[2]), int(argv[3])
    cache_path = argv[4] if len(argv) > 4 else None
    for module in IMPORTS[name]:
        importlib.import_module(module)
    started = time.perf_counter()
    rows = SCENARIOS[name](base_url, start_ms, end_ms, cache_path)
    result: dict[str, Any] = {
        "name": name,
        "seconds": time.perf_counter() - started,
        "rows": rows,
        "peak_rss_mb": _peak_rss_mb(),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
