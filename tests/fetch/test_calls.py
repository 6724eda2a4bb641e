"""The paging engine: aligned windows, gaps, cursor loops, backwards paging, concurrency and progress bars."""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pandas as pd
import pytest

from bybit_research.core.expiry import DO_NOT_CACHE
from bybit_research.core.time import to_ms
from bybit_research.endpoints import endpoint
from bybit_research.fetch.budget import PageBudget, TooManyPagesError
from bybit_research.fetch.calls import fetch_backwards, fetch_cursor, fetch_windows
from bybit_research.fetch.pages import PageRequest
from bybit_research.fetch.plan import Window, aligned_windows, candle_start, find_gaps, next_candle, step_back
from tests.conftest import FakeReply

MIN = 60_000
DAY = 86_400_000
WEEK = 7 * DAY


def ms(text: str) -> int:
    value = to_ms(text)
    assert value is not None
    return value


def test_fixed_interval_windows_are_epoch_aligned() -> None:
    windows = aligned_windows(ms("2024-06-01"), ms("2024-06-02"), MIN, 1000)
    span = 1000 * MIN
    assert [w.start % span for w in windows] == [0, 0]
    assert (
        windows[0].start
        <= ms("2024-06-01")
        < windows[0].end
        == windows[1].start
        < ms("2024-06-02")
        <= windows[1].end
    )


def test_overlapping_ranges_share_windows() -> None:
    a = aligned_windows(ms("2024-06-01"), ms("2024-06-03"), MIN, 1000)
    b = aligned_windows(ms("2024-06-02"), ms("2024-06-04"), MIN, 1000)
    shared = set(a) & set(b)
    assert len(shared) >= 1
    assert all(w in a for w in b if w.end <= ms("2024-06-03"))


def test_windows_edge_cases() -> None:
    assert aligned_windows(5, 5, MIN, 10) == []
    assert aligned_windows(0, 1, MIN, 10) == [Window(0, 10 * MIN)]
    assert aligned_windows(10 * MIN - 1, 10 * MIN + 1, MIN, 10) == [
        Window(0, 10 * MIN),
        Window(10 * MIN, 20 * MIN),
    ]


def test_weeks_start_on_monday() -> None:
    monday = ms("2024-06-10")
    assert pd.Timestamp(monday, unit="ms").day_name() == "Monday"
    assert candle_start(ms("2024-06-15 12:00"), WEEK) == monday
    assert next_candle(ms("2024-06-15 12:00"), WEEK) == monday + WEEK
    windows = aligned_windows(ms("2024-01-01"), ms("2024-06-15"), WEEK, 1000)
    assert len(windows) == 1
    assert pd.Timestamp(windows[0].start, unit="ms").day_name() == "Monday"


def test_months_are_calendar_months() -> None:
    assert candle_start(ms("2024-02-29 10:00"), 0) == ms("2024-02-01")
    assert next_candle(ms("2024-02-29 10:00"), 0) == ms("2024-03-01")
    assert step_back(ms("2024-03-15"), 0, 14) == ms("2023-01-01")
    windows = aligned_windows(ms("2020-01-01"), ms("2024-06-15"), 0, 1000)
    assert windows == [Window(ms("1970-01-01"), ms("2053-05-01"))]
    small = aligned_windows(ms("2023-11-01"), ms("2024-03-01"), 0, 3)
    assert [pd.Timestamp(w.start, unit="ms").strftime("%Y-%m") for w in small] == ["2023-10", "2024-01"]


def test_step_back_fixed() -> None:
    assert step_back(ms("2024-06-15 12:34"), 60 * MIN, 4) == ms("2024-06-15 08:00")


def test_gaps_are_interior_and_half_open() -> None:
    times = np.array([0, MIN, 2 * MIN, 5 * MIN, 6 * MIN, 8 * MIN])
    gaps = find_gaps(times, MIN)
    assert gaps == [
        (pd.Timestamp(3 * MIN, unit="ms", tz="UTC"), pd.Timestamp(5 * MIN, unit="ms", tz="UTC")),
        (pd.Timestamp(7 * MIN, unit="ms", tz="UTC"), pd.Timestamp(8 * MIN, unit="ms", tz="UTC")),
    ]
    assert find_gaps(np.array([0, MIN, 2 * MIN]), MIN) == []
    assert find_gaps(np.array([], dtype=np.int64), MIN) == []
    months = np.array([ms("2024-01-01"), ms("2024-02-01"), ms("2024-04-01")])
    assert find_gaps(months, 0) == [
        (pd.Timestamp("2024-03-01", tz="UTC"), pd.Timestamp("2024-04-01", tz="UTC"))
    ]


def cursor_handler(total: int, per_page: int) -> Any:
    def handler(path: str, params: dict[str, Any]) -> dict[str, Any]:
        raw = params.get("cursor")
        offset = int(raw.split("%3D")[1]) if raw else 0
        following = offset + per_page
        rows = [{"symbol": f"S{i:04d}"} for i in range(offset, min(following, total))]
        return {"list": rows, "nextPageCursor": f"offset%3D{following}" if following < total else ""}

    return handler


def test_cursor_loop_passes_the_cursor_back_verbatim(fake: Any) -> None:
    client = fake(cursor_handler(total=25, per_page=10))
    info = endpoint("instruments-info")
    pages = fetch_cursor(client, info, PageRequest({"category": "linear", "limit": 10}, 3600.0))
    assert [len(p.rows) for p in pages] == [10, 10, 5]
    assert [c[1].get("cursor") for c in client.calls] == [None, "offset%3D10", "offset%3D20"]
    assert all(c[2] == 3600.0 for c in client.calls)


def test_cursor_loop_stops_on_a_repeated_cursor(fake: Any) -> None:
    client = fake(lambda path, params: {"list": [{"symbol": "X"}], "nextPageCursor": "same"})
    pages = fetch_cursor(client, endpoint("risk-limit"), PageRequest({"category": "linear"}))
    assert len(pages) == 2


def funding_handler(first: int, last: int, step: int) -> Any:
    def handler(path: str, params: dict[str, Any]) -> dict[str, Any]:
        end = int(params.get("endTime", last))
        times = [t for t in range(last, first - 1, -step) if t <= end][: int(params["limit"])]
        return {
            "list": [
                {"symbol": "BTCUSDT", "fundingRate": "0.0001", "fundingRateTimestamp": str(t)} for t in times
            ]
        }

    return handler


def test_backwards_paging_by_end_time(fake: Any) -> None:
    hour8 = 8 * 3_600_000
    first, last = ms("2024-01-01"), ms("2024-06-01")
    client = fake(funding_handler(first, last, hour8))
    pages = fetch_backwards(
        client, endpoint("funding/history"), {"category": "linear", "symbol": "BTCUSDT"},
        start=ms("2024-03-01"), end=last + 1, limit=200,
        expire=lambda end: -1.0 if end and end <= last else 5.0,
    )  # fmt: skip
    ends = [c[1]["endTime"] for c in client.calls]
    assert ends[0] == last
    oldest_first_page = int(pages[0].rows[-1]["fundingRateTimestamp"])
    assert ends[1] == oldest_first_page - 1
    assert len(pages) == 2  # 200 + the page passing 2024-03-01
    assert [c[2] for c in client.calls] == [5.0, -1.0]


def test_backwards_paging_stops_when_history_ends(fake: Any) -> None:
    hour8 = 8 * 3_600_000
    client = fake(funding_handler(ms("2024-05-01"), ms("2024-06-01"), hour8))
    pages = fetch_backwards(
        client, endpoint("funding/history"), {"category": "linear", "symbol": "BTCUSDT"},
        start=ms("2020-01-01"), end=ms("2024-06-02"), limit=200, expire=lambda end: 5.0,
    )  # fmt: skip
    assert len(pages) == 1 and len(pages[0].rows) == 94


def test_windows_run_concurrently_and_keep_request_order(fake: Any) -> None:
    active, peak = [0], [0]
    lock = threading.Lock()

    def handler(path: str, params: dict[str, Any]) -> dict[str, Any]:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.02)
        with lock:
            active[0] -= 1
        return {"list": [[str(params["start"]), "1", "1", "1", "1", "1", "1"]]}

    client = fake(handler)
    requests = [PageRequest({"start": i}) for i in range(30)]
    pages = fetch_windows(client, endpoint("kline"), requests, progress=False)
    assert [p.rows[0][0] for p in pages] == [str(i) for i in range(30)]
    assert 2 <= peak[0] <= 10


def test_progress_bar_only_for_many_pages(fake: Any, capsys: pytest.CaptureFixture[str]) -> None:
    client = fake(lambda path, params: {"list": []})
    kline = endpoint("kline")
    fetch_windows(client, kline, [PageRequest({"start": i}) for i in range(5)])
    assert "page" not in capsys.readouterr().err
    fetch_windows(client, kline, [PageRequest({"start": i}) for i in range(25)])
    assert "market/kline:" in (err := capsys.readouterr().err) and "/25" in err
    fetch_windows(client, kline, [PageRequest({"start": i}) for i in range(25)], progress=False)
    assert capsys.readouterr().err == ""
    fetch_windows(client, kline, [PageRequest({"start": i}) for i in range(2)], progress=True)
    assert "/2 " in capsys.readouterr().err


def test_progress_bar_for_long_cursor_loops(fake: Any, capsys: pytest.CaptureFixture[str]) -> None:
    client = fake(cursor_handler(total=30, per_page=1))
    request = PageRequest({"category": "linear"})
    pages = fetch_windows(client, endpoint("instruments-info"), [request], follow_cursor=True)
    assert len(pages) == 30
    assert "instruments-info" in capsys.readouterr().err


def test_latest_records_are_asked_without_end_time(fake: Any) -> None:
    client = fake(funding_handler(ms("2024-01-01"), ms("2024-06-01"), 8 * 3_600_000))
    seen: list[int | None] = []

    def expire(window_end: int | None) -> float:
        seen.append(window_end)
        return 5.0

    pages = fetch_backwards(
        client, endpoint("funding/history"), {"category": "linear", "symbol": "BTCUSDT"},
        start=None, end=None, limit=200, expire=expire,
    )  # fmt: skip
    assert len(pages) == 1 and len(pages[0].rows) == 200
    assert "endTime" not in client.calls[0][1] and seen == [None]


def test_client_concurrency_sets_requests_in_flight(fake: Any) -> None:
    active, peak = [0], [0]
    lock = threading.Lock()

    def handler(path: str, params: dict[str, Any]) -> dict[str, Any]:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.02)
        with lock:
            active[0] -= 1
        return {"list": [[str(params["start"]), "1", "1", "1", "1", "1", "1"]]}

    client = fake(handler)
    client.concurrency = 3
    fetch_windows(client, endpoint("kline"), [PageRequest({"start": i}) for i in range(24)], progress=False)
    assert peak[0] == 3


def test_client_concurrency_is_checked() -> None:
    from bybit_research.client import Client

    for bad in (0, 65, 2.5, True):
        with pytest.raises(ValueError, match=r"concurrency must be an integer in \[1, 64\]"):
            Client(env="offline", cache=False, concurrency=bad)  # type: ignore[arg-type]
    assert Client(env="offline", cache=False, concurrency=20).concurrency == 20


def test_cached_pages_are_looked_up_first_and_uncacheable_ones_are_not(fake: Any) -> None:
    client = fake(lambda path, params: {"list": [[str(params["start"]), "1", "1", "1", "1", "1", "1"]]})
    looked_up: list[int] = []

    def fetch_cached(path: str, params: dict[str, Any], **kw: Any) -> Any:
        looked_up.append(params["start"])
        if params["start"] == 1:  # this one is in the cache
            return FakeReply({"list": [["1", "9", "9", "9", "9", "9", "9"]]}, from_cache=True)
        return None

    client.fetch_cached = fetch_cached
    requests = [
        PageRequest({"start": 0}, -1.0),
        PageRequest({"start": 1}, -1.0),
        PageRequest({"start": 2}, DO_NOT_CACHE),
    ]
    pages = fetch_windows(client, endpoint("kline"), requests, progress=False)
    assert looked_up == [0, 1]  # expire_after=DO_NOT_CACHE is never in the cache: not looked up
    assert [p.rows[0][1] for p in pages] == ["1", "9", "1"] and [p.from_cache for p in pages] == [
        False,
        True,
        False,
    ]
    fetched = [(c[1]["start"], c[2]) for c in client.calls]
    assert fetched == [(0, -1.0), (2, DO_NOT_CACHE)]


class CachingFake:
    """A fetcher whose answers are kept in a dict and served by ``fetch_cached``, as a client's cache does."""

    def __init__(self, handler: Any) -> None:
        from tests.conftest import FakeClient

        self.inner = FakeClient(handler)
        self.store: dict[tuple[str, tuple[tuple[str, Any], ...]], Any] = {}
        self.concurrency = 4
        self.column_store = None

    @property
    def calls(self) -> list[Any]:
        return self.inner.calls

    @staticmethod
    def key(path: str, params: Any) -> tuple[str, tuple[tuple[str, Any], ...]]:
        return path, tuple(sorted(dict(params or {}).items()))

    def fetch(self, path: str, params: Any = None, **kw: Any) -> Any:
        reply = self.inner.fetch(path, params, **kw)
        self.store[self.key(path, params)] = reply.result
        return reply

    def fetch_cached(self, path: str, params: Any = None, **kw: Any) -> Any:
        result = self.store.get(self.key(path, params))
        return None if result is None else FakeReply(result, from_cache=True)


def test_cursor_chains_come_from_the_cache_and_a_partial_one_goes_on_from_its_first_missing_page() -> None:
    client = CachingFake(cursor_handler(total=25, per_page=10))
    info = endpoint("instruments-info")
    windows = [PageRequest({"category": "linear", "limit": 10, "baseCoin": coin}, -1.0) for coin in "ABC"]

    def symbols(pages: list[Any]) -> list[str]:
        return [row["symbol"] for page in pages for row in page.rows]

    first = fetch_windows(client, info, windows, follow_cursor=True, progress=False)
    assert len(first) == 9 and len(client.calls) == 9 and not any(p.from_cache for p in first)
    again = fetch_windows(client, info, windows, follow_cursor=True, progress=False)
    assert len(client.calls) == 9  # every chain whole in the cache: nothing sent
    assert symbols(again) == symbols(first) and all(p.from_cache for p in again)
    # the last page of B's chain is gone: only it is asked for, after B's first two from the cache
    del client.store[CachingFake.key(info.path, {**windows[1].params, "cursor": "offset%3D20"})]
    partial = fetch_windows(client, info, windows, follow_cursor=True, progress=False)
    assert [(c[1]["baseCoin"], c[1].get("cursor")) for c in client.calls[9:]] == [("B", "offset%3D20")]
    assert symbols(partial) == symbols(first)
    assert [p.from_cache for p in partial] == [True] * 5 + [False] + [True] * 3
    refreshed = fetch_windows(client, info, windows, follow_cursor=True, refresh=True, progress=False)
    assert len(client.calls) == 19 and symbols(refreshed) == symbols(first)  # refresh: the cache is not read


def test_a_cursor_chain_longer_than_its_budget_raises_before_asking_past_it(fake: Any) -> None:
    client = fake(cursor_handler(total=100, per_page=10))
    budget = PageBudget("/v5/market/instruments-info", 4, used=1)
    request = PageRequest({"category": "linear", "limit": 10})
    with pytest.raises(TooManyPagesError) as caught:
        fetch_cursor(client, endpoint("instruments-info"), request, budget=budget)
    assert len(client.calls) == 4 and budget.used == 4
    assert str(caught.value) == (
        "/v5/market/instruments-info has more pages than max_pages=4 allows: 4 pages fetched and the answers "
        "go on (the cursor chain of {'category': 'linear'} goes on after 4 pages); pass a larger max_pages= "
        "(e.g. max_pages=8) or narrow the range (or the list of symbols); nothing was returned, so no rows "
        "are left out silently"
    )
    assert isinstance(caught.value, ValueError)


def test_a_cursor_chain_that_fits_its_budget_exactly_is_whole(fake: Any) -> None:
    client = fake(cursor_handler(total=40, per_page=10))
    budget = PageBudget("/v5/market/instruments-info", 4, used=1)
    pages = fetch_cursor(client, endpoint("instruments-info"), PageRequest({"limit": 10}), budget=budget)
    assert [len(p.rows) for p in pages] == [10, 10, 10, 10] and budget.used == 4


def test_the_chains_of_several_requests_spend_from_one_budget(fake: Any) -> None:
    client = fake(cursor_handler(total=30, per_page=10))
    requests = [PageRequest({"category": c, "limit": 10}) for c in ("linear", "inverse")]
    budget = PageBudget("/v5/market/instruments-info", 6, used=2)
    pages = fetch_windows(client, endpoint("instruments-info"), requests, follow_cursor=True, budget=budget)
    assert len(pages) == 6 and budget.used == 6
    with pytest.raises(TooManyPagesError, match=r"max_pages=5 allows: 5 pages fetched"):
        fetch_windows(
            client,
            endpoint("instruments-info"),
            requests,
            follow_cursor=True,
            budget=PageBudget("/v5/market/instruments-info", 5, used=2),
            max_workers=1,
        )


def test_a_cached_cursor_chain_spends_from_the_budget_too() -> None:
    client = CachingFake(cursor_handler(total=50, per_page=10))
    info, request = endpoint("instruments-info"), PageRequest({"category": "linear", "limit": 10}, 3600.0)
    assert len(fetch_windows(client, info, [request], follow_cursor=True)) == 5
    asked = len(client.calls)
    with pytest.raises(TooManyPagesError, match=r"max_pages=3 allows: 3 pages fetched"):
        fetch_windows(client, info, [request], follow_cursor=True, budget=PageBudget(info.path, 3, used=1))
    assert len(client.calls) == asked  # the whole chain is cached: nothing sent


def test_a_backwards_chain_past_its_budget_says_how_far_it_got_and_how_many_pages_it_needs(fake: Any) -> None:
    hour8 = 8 * 3_600_000
    client = fake(funding_handler(ms("2019-01-01"), ms("2024-06-01"), hour8))
    budget = PageBudget("/v5/market/funding/history", 3, used=1)
    with pytest.raises(TooManyPagesError) as caught:
        fetch_backwards(
            client, endpoint("funding/history"), {"category": "linear", "symbol": "BTCUSDT"},
            start=ms("2020-01-01"), end=ms("2024-06-01") + 1, limit=200, expire=lambda end: 5.0,
            budget=budget,
        )  # fmt: skip
    assert len(client.calls) == 3
    # the third page's oldest record; 200 records take 200 x 8 h, so the range takes ceil(24.2) = 25 pages
    assert str(caught.value) == (
        "/v5/market/funding/history has more pages than max_pages=3 allows: 3 pages fetched and the answers "
        "go on ({'category': 'linear', 'symbol': 'BTCUSDT'} reached 2023-11-14T08:00:00+00:00 going back to "
        "2020-01-01T00:00:00+00:00: about 25 pages for the whole range); pass a larger max_pages= (e.g. "
        "max_pages=25) or narrow the range (or the list of symbols); nothing was returned, so no rows are "
        "left out silently"
    )
