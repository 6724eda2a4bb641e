"""The one engine: dispatch on ``Endpoint.paging`` in one place, splits over symbols, bounds on the work a
call may plan, the lookback, and saying when a series starts later than asked."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from bybit_research.endpoints import ENDPOINTS, Paging, endpoint
from bybit_research.fetch import (
    ENGINES,
    MAX_PAGES,
    DataStartsLaterWarning,
    Query,
    Split,
    TooManyPagesError,
    run,
)
from tests.conftest import NOW, NOW_MS, FakeClient, MarketClient

PACKAGE = Path(__file__).resolve().parents[2] / "bybit_research"
HOUR = 3_600_000


def test_every_paging_style_has_an_engine_and_every_entry_uses_one() -> None:
    assert set(ENGINES) == set(Paging)
    assert {e.paging for e in ENDPOINTS.values()} <= set(ENGINES)


def test_the_paging_style_is_read_in_one_place() -> None:
    """No public function picks a paging style: only the engine reads ``Endpoint.paging``."""
    readers = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "sim" not in path.parts and re.search(r"\b[a-z_][a-z_0-9]*\.paging\b", path.read_text())
    )
    assert readers == ["endpoints/spec.py", "fetch/engine.py"]
    public = [*PACKAGE.joinpath("market").glob("*.py"), *PACKAGE.joinpath("account").glob("*.py")]
    for path in public:
        text = path.read_text()
        assert "Paging." not in text and "fetch.calls" not in text and "kline_pages" not in text, path.name


def _funding_handler(path: str, params: dict[str, Any]) -> Any:
    end = int(params.get("endTime", NOW_MS))
    first = end // (8 * HOUR) * 8 * HOUR
    return {
        "list": [
            {
                "symbol": params["symbol"],
                "fundingRate": "0.0001",
                "fundingRateTimestamp": str(first - k * 8 * HOUR),
            }
            for k in range(3)
        ]
    }


def test_a_split_gives_a_tidy_frame_without_a_repeated_symbol_column() -> None:
    client = FakeClient(_funding_handler)
    query = Query(
        endpoint("funding/history"),
        {"category": "linear"},
        "linear",
        split=Split("symbol", ("BTCUSDT", "ETHUSDT")),
    )
    frame = run(client, query)
    assert frame.index.names == ["time", "symbol"]
    assert list(frame.columns) == ["funding_rate"]
    assert frame.index.get_level_values("symbol").tolist() == ["BTCUSDT", "ETHUSDT"] * 3
    assert frame.index.get_level_values("time").is_monotonic_increasing
    assert sorted({c[1]["symbol"] for c in client.calls}) == ["BTCUSDT", "ETHUSDT"]
    assert frame.attrs["params"]["symbol"] == ["BTCUSDT", "ETHUSDT"]


def test_a_non_tidy_split_joins_frames_one_after_the_other() -> None:
    client = FakeClient(lambda path, params: {"list": [{"symbol": f"X{params['settleCoin']}", "size": "1"}]})
    query = Query(
        endpoint("position/list"),
        {"category": "linear"},
        "linear",
        split=Split("settleCoin", ("USDT", "USDC"), tidy=False),
    )
    frame = run(client, query)
    assert frame.index.tolist() == ["XUSDT", "XUSDC"] and frame["size"].tolist() == [1.0, 1.0]
    assert [c[1]["settleCoin"] for c in client.calls] == ["USDT", "USDC"]


def test_a_plan_beyond_max_pages_is_refused_before_any_request() -> None:
    client = FakeClient(lambda path, params: {"list": []})
    query = Query(
        endpoint("kline"),
        {"category": "linear", "interval": "1"},
        "linear",
        split=Split("symbol", ("BTCUSDT",), tidy=False),
        start=int(pd.Timestamp("2019-01-01", tz="UTC").value // 10**6),
        end=NOW_MS,
        step_ms=60_000,
        max_pages=100,
    )
    with pytest.raises(ValueError, match=r"needs 2870 requests to /v5/market/kline, more than max_pages=100"):
        run(client, query)
    assert client.calls == []
    assert MAX_PAGES == 10_000


def test_a_start_before_bybit_existed_is_planned_from_2018(client: MarketClient, app: Any) -> None:
    with pytest.warns(DataStartsLaterWarning, match="has no records before"):
        frame = client.klines("BTCUSDT", "M", start=0, end="2024-01-01")
    requests = app.requests["/v5/market/kline"]
    assert requests == 1 and frame.index[0] >= pd.Timestamp("2018-01-01", tz="UTC")
    assert frame.attrs["starts_later"][0] == "1970-01-01T00:00:00.000Z"


def test_a_range_before_the_launch_says_so(client: MarketClient) -> None:
    launch = client.instruments("linear", symbol="BTCUSDT")["launch_time"].iloc[0]
    start = launch - pd.Timedelta(days=10)
    with pytest.warns(DataStartsLaterWarning, match=r"BTCUSDT|/v5/market/kline") as caught:
        frame = client.klines("BTCUSDT", "D", start=start, end=launch + pd.Timedelta(days=5))
    assert len(frame) == 5 and frame.index[0] == launch.floor("D")
    assert frame.attrs["starts_later"] == [
        start.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        frame.attrs["starts_later"][1],
    ]
    assert pd.Timestamp(frame.attrs["starts_later"][1]) == frame.index[0]
    assert "history starts there" in str(caught[0].message)


def test_a_range_within_the_data_gives_no_warning(client: MarketClient) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = client.klines("BTCUSDT", 60, "2024-06-14", "2024-06-15")
    assert len(frame) == 24 and "starts_later" not in frame.attrs


def test_history_beyond_the_lookback_is_refused_without_asking_the_endpoint(
    client: MarketClient, app: Any
) -> None:
    too_early = NOW - pd.Timedelta(days=2 * 365 + 3)
    with pytest.raises(
        ValueError, match=r"historical-volatility keeps 730 days of history: start .* ask for a later"
    ):
        client.historical_volatility("BTC", 7, start=too_early, end=too_early + pd.Timedelta(days=5))
    assert app.requests["/v5/market/historical-volatility"] == 0


def test_funding_past_max_pages_raises_after_that_many_requests(client: MarketClient, app: Any) -> None:
    with pytest.raises(TooManyPagesError) as caught:
        client.funding_rates("BTCUSDT", "2021-01-01", "2024-06-01", max_pages=3)
    assert app.requests["/v5/market/funding/history"] == 3
    message = str(caught.value)
    assert message.startswith("/v5/market/funding/history has more pages than max_pages=3 allows: 3 pages")
    assert "going back to 2021-01-01T00:00:00+00:00: about 19 pages for the whole range" in message
    assert "(e.g. max_pages=19) or narrow the range" in message


def test_funding_within_max_pages_is_whole(client: MarketClient, app: Any) -> None:
    frame = client.funding_rates("BTCUSDT", "2021-01-01", "2024-06-01", max_pages=19)
    pages = app.requests["/v5/market/funding/history"]
    assert pages == 19 and len(frame) == (pd.Timestamp("2024-06-01") - pd.Timestamp("2021-01-01")) // (
        pd.Timedelta(hours=8)
    )
    assert frame.index[0] == pd.Timestamp("2021-01-01", tz="UTC")
    app.reset_counts()
    with pytest.raises(TooManyPagesError, match="max_pages=18 allows: 18 pages fetched"):
        client.funding_rates("BTCUSDT", "2021-01-01", "2024-06-01", max_pages=18)
    assert app.requests["/v5/market/funding/history"] == 18


def test_the_funding_of_several_symbols_spends_from_one_max_pages(client: MarketClient, app: Any) -> None:
    frame = client.funding_rates(["BTCUSDT", "ETHUSDT"], "2024-01-01", "2024-06-01", max_pages=6)
    assert app.requests["/v5/market/funding/history"] == 6 and len(frame) == 2 * 152 * 3
    with pytest.raises(TooManyPagesError, match="max_pages=5 allows: 5 pages fetched"):
        client.funding_rates(["BTCUSDT", "ETHUSDT"], "2024-01-01", "2024-06-01", max_pages=5)


def test_a_plan_of_more_symbols_than_max_pages_is_refused_before_any_request(
    client: MarketClient, app: Any
) -> None:
    with pytest.raises(
        ValueError, match=r"needs 2 requests to /v5/market/funding/history, more than max_pages=1"
    ):
        client.funding_rates(["BTCUSDT", "ETHUSDT"], "2024-01-01", "2024-06-01", max_pages=1)
    assert app.requests["/v5/market/funding/history"] == 0


def _cursor_pages(path: str, params: dict[str, Any]) -> Any:
    offset = int(params.get("cursor") or 0)
    rows = [{"symbol": f"S{i:03d}{params['settleCoin']}", "size": "1"} for i in range(offset, offset + 2)]
    return {"list": rows, "nextPageCursor": str(offset + 2) if offset + 2 < 10 else ""}


def test_cursor_pages_past_max_pages_raise_instead_of_a_silently_short_frame() -> None:
    position_list = endpoint("position/list")
    split = Split("settleCoin", ("USDT", "USDC"), tidy=False)
    client = FakeClient(_cursor_pages)
    whole = run(client, Query(position_list, {"category": "linear"}, "linear", split=split, max_pages=10))
    assert len(whole) == 20 and len(client.calls) == 10
    client = FakeClient(_cursor_pages)
    query = Query(position_list, {"category": "linear"}, "linear", split=split, max_pages=9)
    with pytest.raises(TooManyPagesError, match=r"max_pages=9 allows: 9 pages fetched and the answers go on"):
        run(client, query)
    assert len(client.calls) == 9


def test_the_default_bound_of_cursor_pages_is_max_pages() -> None:
    client = FakeClient(
        lambda path, params: {"list": [{"symbol": "X"}], "nextPageCursor": str(len(client.calls))}
    )
    with pytest.raises(TooManyPagesError, match=rf"max_pages={MAX_PAGES} allows: {MAX_PAGES} pages fetched"):
        run(client, Query(endpoint("risk-limit"), {"category": "linear"}, "linear"))
    assert len(client.calls) == MAX_PAGES


def test_the_lookback_refusal_shows_the_start_asked_for(client: MarketClient, app: Any) -> None:
    with pytest.raises(
        ValueError, match=r"keeps 730 days of history: start 1990-01-01T00:00:00\+00:00 is before 2022-06-"
    ):
        client.historical_volatility("BTC", 7, start="1990-01-01", end="2024-01-01")
    with pytest.raises(ValueError, match=r"start 1990-01-01T00:00:00\+00:00 is before"):
        client.executions("linear", start="1990-01-01")
    assert app.requests["/v5/market/historical-volatility"] == 0 and app.requests["/v5/execution/list"] == 0
