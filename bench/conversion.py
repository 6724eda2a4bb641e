"""P3: kline pages (as the simulator sends them) to a typed frame, ours against the usual pandas recipe.

Both sides start from the raw JSON bytes of the same pages. Ours is what ``Client.klines`` runs: the
pages' bytes go straight to float64 columns (:mod:`bybit_research.frames.klines`). The baseline decodes with
the standard library (as ``requests.Response.json`` does) and runs ``pd.DataFrame(rows).astype(float)``
plus the index a user needs. The figures for already-decoded rows (our general path,
:func:`~bybit_research.frames.build_frame`) are reported too.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import orjson
import pandas as pd

NOW_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC
MINUTE_MS = 60_000
COLUMNS = ["start", "open", "high", "low", "close", "volume", "turnover"]


def simulator_pages(pages: int) -> list[bytes]:
    """Return ``pages`` consecutive 1000-candle 1-minute BTCUSDT pages as the simulator serves them."""
    import httpx

    from bybit_research.sim import create_app

    app = create_app(now_ms=NOW_MS, ip_limit=0)
    bodies = []
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://sim") as http:
        start = NOW_MS - pages * 1000 * MINUTE_MS
        for page in range(pages):
            params: dict[str, str | int] = {
                "category": "linear",
                "symbol": "BTCUSDT",
                "interval": "1",
                "start": start + page * 1000 * MINUTE_MS,
                "limit": 1000,
            }
            bodies.append(http.get("/v5/market/kline", params=params).content)
    return bodies


def ours(bodies: list[bytes]) -> pd.DataFrame:
    """bybit_research: the kline pages' bytes straight to float64 columns, then one frame, as
    ``Client.klines`` does (there the pages that arrive together are parsed together in a thread, while
    others are still downloading)."""
    from bybit_research.endpoints import endpoint
    from bybit_research.frames import snake
    from bybit_research.frames.klines import frame_from_columns, pages_columns

    spec = endpoint("/v5/market/kline")

    def unused_rows() -> list[Any]:
        raise AssertionError("every page has the compact shape")

    parts = pages_columns(spec, "linear", bodies, [unused_rows] * len(bodies))
    return frame_from_columns(parts, [snake(f) for f in spec.row_fields[1:]], unique=True)


def naive(bodies: list[bytes]) -> pd.DataFrame:
    """What a user writes around a raw client: json, ``pd.DataFrame(rows).astype(float)``, a UTC index."""
    rows: list[Any] = []
    for body in bodies:
        rows.extend(json.loads(body)["result"]["list"])
    frame = pd.DataFrame(rows, columns=COLUMNS).astype(float)
    frame.index = pd.to_datetime(frame.pop("start").astype("int64"), unit="ms", utc=True)
    return frame.sort_index()


def _best(function: Callable[[], Any], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return min(timings)


def compare(pages: int = 100, repeat: int = 5) -> dict[str, float]:
    """Time both conversions of ``pages`` pages; return best-of-``repeat`` seconds and the row count."""
    from bybit_research.endpoints import endpoint
    from bybit_research.frames import build_frame

    bodies = simulator_pages(pages)
    frame = ours(bodies)
    baseline = naive(bodies)
    assert len(frame) == len(baseline) == pages * 1000, (len(frame), len(baseline))
    assert (frame["close"].to_numpy() == baseline["close"].to_numpy()).all()

    kline = endpoint("/v5/market/kline")
    decoded = [row for body in bodies for row in orjson.loads(body)["result"]["list"]]
    return {
        "rows": float(len(frame)),
        "ours": _best(lambda: ours(bodies), repeat),
        "naive": _best(lambda: naive(bodies), repeat),
        "ours_decoded": _best(lambda: build_frame(kline, decoded, "linear"), repeat),
        "naive_decoded": _best(lambda: pd.DataFrame(decoded, columns=COLUMNS).astype(float), repeat),
    }


if __name__ == "__main__":
    for pages in (1, 10, 100):
        figures = compare(pages)
        print(
            f"{int(figures['rows']):>7} rows: from JSON {figures['naive'] / figures['ours']:.1f}x, "
            f"decoded rows {figures['naive_decoded'] / figures['ours_decoded']:.1f}x"
        )
