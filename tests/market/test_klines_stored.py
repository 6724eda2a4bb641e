"""klines through the column store: closed pages parsed once, kept as columns, read back without requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from requests_cache.backends.filesystem import FileCache

import bybit_research as br
from bybit_research.errors import CacheMissError
from tests.conftest import NOW_MS, MarketClient, times

#: 2024-06-01 .. 06-04: three days of minutes in 1000-minute windows, all closed at the simulator's clock
START, END = "2024-06-01", "2024-06-04"
WINDOWS = 5  # [06-01 00:00, 06-01 16:40) ... [06-03 18:40, 06-04 11:20): 06-01 is a multiple of 1000 minutes


def requests_sent(app: Any) -> int:
    return sum(app.requests.values())


def test_a_stored_range_is_read_back_without_any_request(cached_client: MarketClient, app: Any) -> None:
    cold = cached_client.klines("BTCUSDT", 1, START, END)
    assert app.requests["/v5/market/kline"] == WINDOWS and cold.attrs["from_cache"] == 0.0
    app.reset_counts()
    warm = cached_client.klines("BTCUSDT", 1, START, END)
    assert requests_sent(app) == 0  # not even the exchange's time
    assert warm.attrs["from_cache"] == 1.0 and warm.attrs["pages"] == WINDOWS
    pd.testing.assert_frame_equal(cold, warm)
    assert len(warm) == 3 * 1440 and warm["closed"].all()
    assert str(times(warm).dtype) == "datetime64[ms, UTC]" and times(warm).is_monotonic_increasing


def test_a_new_client_on_the_same_file_reads_the_stored_pages(
    cached_client: MarketClient, app: Any, tmp_path: Path
) -> None:
    cold = cached_client.klines("ETHUSDT", 5, START, END, price="mark")
    app.reset_counts()
    with MarketClient(env="offline", cache_path=str(tmp_path / "cache.sqlite"), sim_app=app) as other:
        warm = other.klines("ETHUSDT", 5, START, END, price="mark")
    assert requests_sent(app) == 0
    pd.testing.assert_frame_equal(cold, warm)
    assert list(warm.columns) == ["open", "high", "low", "close", "closed"]


def test_closed_pages_are_kept_as_columns_not_as_answers(cached_client: MarketClient) -> None:
    cached_client.klines("BTCUSDT", 1, START, END)
    backend = cached_client.cache_backend
    urls = [response.url for response in backend.filter(valid=True, expired=True)]
    assert not [url for url in urls if "/v5/market/kline" in url]
    info = br.cache.info(backend=backend)
    assert info.stored_pages == WINDOWS
    usage = info.endpoints["/v5/market/kline"]
    assert usage.entries == WINDOWS and usage.expired == 0
    # a header, then the times and six float columns of each whole window of 1000 candles
    assert usage.bytes == WINDOWS * (24 + 1000 * 8 * 7)
    assert br.cache.info(backend=backend, per_endpoint=False).stored_pages == WINDOWS


def test_the_page_reaching_now_goes_through_the_request_cache(cached_client: MarketClient, app: Any) -> None:
    now = pd.Timestamp(NOW_MS, unit="ms", tz="UTC")
    first = cached_client.klines("BTCUSDT", 1, now - pd.Timedelta(hours=30))
    assert app.requests["/v5/market/kline"] == 2 and not first["closed"].iloc[-1]
    stored = br.cache.info(backend=cached_client.cache_backend)
    assert stored.stored_pages == 1  # the closed window; the live one is an answer expiring in seconds
    assert stored.endpoints["/v5/market/kline"].entries == 2
    app.reset_counts()
    again = cached_client.klines("BTCUSDT", 1, now - pd.Timedelta(hours=30))
    assert app.requests["/v5/market/kline"] == 0 and again.attrs["from_cache"] == 1.0
    pd.testing.assert_frame_equal(first.drop(columns="closed"), again.drop(columns="closed"))


def test_refresh_fetches_and_stores_again(cached_client: MarketClient, app: Any) -> None:
    cold = cached_client.klines("BTCUSDT", 60, "2024-01-01", "2024-06-01")
    app.reset_counts()
    fresh = cached_client.klines("BTCUSDT", 60, "2024-01-01", "2024-06-01", refresh=True)
    assert app.requests["/v5/market/kline"] == 4 and fresh.attrs["from_cache"] == 0.0
    pd.testing.assert_frame_equal(cold, fresh)
    assert br.cache.info(backend=cached_client.cache_backend).stored_pages == 4


def test_offline_only_serves_stored_pages_and_refuses_the_others(
    cached_client: MarketClient, app: Any, tmp_path: Path
) -> None:
    cold = cached_client.klines("SOLUSDT", 15, START, END)
    app.reset_counts()
    path = str(tmp_path / "cache.sqlite")
    with MarketClient(env="offline", cache_path=path, sim_app=app, offline_only=True) as offline:
        pd.testing.assert_frame_equal(cold, offline.klines("SOLUSDT", 15, START, END))
        with pytest.raises(CacheMissError, match="offline-only"):
            offline.klines("SOLUSDT", 15, "2024-05-01", "2024-05-02")
    assert requests_sent(app) == 0


def test_clearing_an_endpoint_removes_its_stored_pages(cached_client: MarketClient, app: Any) -> None:
    cached_client.klines("BTCUSDT", 1, START, END)
    # one window of 1000 days, which reaches "now": a request-cache answer
    cached_client.klines("BTCUSDT", "D", "2023-01-01", "2023-02-01", price="index")
    backend = cached_client.cache_backend
    assert br.cache.clear(endpoint="/v5/market/kline", backend=backend) == WINDOWS
    info = br.cache.info(backend=backend)
    assert "/v5/market/kline" not in info.endpoints and info.stored_pages == 0
    assert info.endpoints["/v5/market/index-price-kline"].entries == 1
    app.reset_counts()
    cached_client.klines("BTCUSDT", 1, START, END)
    assert app.requests["/v5/market/kline"] == WINDOWS


def test_clearing_by_age_and_clearing_everything(cached_client: MarketClient) -> None:
    cached_client.klines("BTCUSDT", 1, START, END)
    backend = cached_client.cache_backend
    assert br.cache.clear(older_than="1h", backend=backend) == 0
    assert br.cache.info(backend=backend).stored_pages == WINDOWS
    removed = br.cache.clear(backend=backend)
    assert removed >= WINDOWS and br.cache.info(backend=backend).stored_pages == 0


def test_many_symbols_are_stored_and_read_back_together(cached_client: MarketClient, app: Any) -> None:
    cold = cached_client.klines(["BTCUSDT", "ETHUSDT"], 30, START, END)
    app.reset_counts()
    warm = cached_client.klines(["BTCUSDT", "ETHUSDT"], 30, START, END)
    assert requests_sent(app) == 0 and warm.attrs["pages"] == 2
    pd.testing.assert_frame_equal(cold, warm)
    assert len(warm) == 2 * 3 * 48


def test_a_backend_without_a_column_store_gives_the_same_frame(
    cached_client: MarketClient, app: Any, tmp_path: Path
) -> None:
    stored = cached_client.klines("BTCUSDT", 1, START, END)
    with MarketClient(env="offline", cache=FileCache(str(tmp_path / "files")), sim_app=app) as plain:
        assert plain.column_store is None
        first = plain.klines("BTCUSDT", 1, START, END)
        app.reset_counts()
        second = plain.klines("BTCUSDT", 1, START, END)
    assert app.requests["/v5/market/kline"] == 0  # answers from the request cache
    pd.testing.assert_frame_equal(stored, first)
    pd.testing.assert_frame_equal(stored, second.assign(closed=second["closed"]))


def test_the_in_memory_cache_has_a_memory_column_store(app: Any) -> None:
    with MarketClient(env="offline", sim_app=app) as client:
        app.reset_counts()
        cold = client.klines("BTCUSDT", 1, START, END)
        warm = client.klines("BTCUSDT", 1, START, END)
        assert app.requests["/v5/market/kline"] == WINDOWS
        pd.testing.assert_frame_equal(cold, warm)
        assert br.cache.info(backend=client.cache_backend).stored_pages == WINDOWS


def test_the_column_file_sits_next_to_the_cache_file_and_is_counted(
    cached_client: MarketClient, tmp_path: Path
) -> None:
    cached_client.klines("BTCUSDT", 1, START, END)
    columns_file = tmp_path / "cache.columns.sqlite"
    assert columns_file.exists()
    info = br.cache.info(path=tmp_path / "cache.sqlite")
    assert info.bytes >= columns_file.stat().st_size + (tmp_path / "cache.sqlite").stat().st_size
    assert info.bytes >= WINDOWS * 56_000  # the stored pages themselves


def test_a_corrupt_column_file_is_named_and_cleared_with_the_cache(app: Any, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    MarketClient(env="offline", cache_path=str(path), sim_app=app).close()
    (tmp_path / "c.columns.sqlite").write_bytes(b"not a database " * 500)
    with pytest.raises(br.errors.CacheCorruptError, match="bybit-research cache clear --path") as caught:
        MarketClient(env="offline", cache_path=str(path), sim_app=app)
    assert str(path) in str(caught.value)
    assert br.cache.clear(path=path) == 0
    with MarketClient(env="offline", cache_path=str(path), sim_app=app) as client:
        assert len(client.klines("BTCUSDT", 60, START, END)) == 72
        assert client.column_store is not None


def test_fetched_pages_are_parsed_into_one_pair_of_arrays(cached_client: MarketClient, app: Any) -> None:
    from bybit_research.fetch import Query
    from bybit_research.fetch.engine import window_requests
    from bybit_research.fetch.kline_pages import fetch_column_windows
    from bybit_research.frames import joined
    from bybit_research.market.klines import kline_endpoint

    endpoint, _ = kline_endpoint("last", "linear")
    begin, stop = pd.Timestamp(START).value // 10**6, pd.Timestamp(END).value // 10**6
    base = {"category": "linear", "symbol": "BTCUSDT", "interval": "1"}
    requests = window_requests(Query(endpoint, base, "linear"), begin, stop, 60_000, NOW_MS)
    pages = fetch_column_windows(cached_client, endpoint, requests)
    together = joined([page.columns for page in pages])
    assert together is not None and len(together.times) == WINDOWS * 1000
    assert (together.times[1:] - together.times[:-1] == 60_000).all()
    assert together.times[0] == begin and together.values.shape == (WINDOWS * 1000, 6)
    stored = fetch_column_windows(cached_client, endpoint, requests)  # now from the column store
    assert all(page.stored is not None for page in stored)
    again = joined([page.columns for page in stored])
    assert again is not None
    assert (again.times == together.times).all() and (again.values == together.values).all()


# -- only pages the exchange itself showed closed are kept ---------------------------------------------------


def test_offline_only_never_stores_an_expired_live_page(app: Any, tmp_path: Path) -> None:
    now = pd.Timestamp(NOW_MS, unit="ms", tz="UTC")
    start, end = now - pd.Timedelta(hours=2), now + pd.Timedelta(hours=1)
    path = str(tmp_path / "c.sqlite")
    with MarketClient(env="offline", cache_path=path, sim_app=app) as online:
        first = online.klines("BTCUSDT", 1, start, end)
        assert len(first) == 120 and not first["closed"].iloc[-1]
    # offline: no exchange clock, so the local one (years later) says every window has closed
    with MarketClient(env="offline", cache_path=path, sim_app=app, offline_only=True) as offline:
        served = offline.klines("BTCUSDT", 1, start, end)
        assert len(served) == 120 and br.cache.info(backend=offline.cache_backend).stored_pages == 0
    later_app = br.sim.create_app(br.sim.SimConfig(now_ms=NOW_MS + 3 * 3_600_000, ip_limit=0))
    with MarketClient(env="offline", cache_path=path, sim_app=later_app) as later:
        later._session.base_url = online.base_url  # as on mainnet: the same host as time goes by
        after = later.klines("BTCUSDT", 1, start, end)
    assert len(after) == 180 and after["closed"].all()  # the window was fetched again, now closed


def test_a_failed_time_request_is_asked_again_and_nothing_open_is_stored(app: Any, tmp_path: Path) -> None:
    class FlakyTime(MarketClient):
        failures = 1

        def fetch(self, path: str, *args: Any, **kwargs: Any) -> Any:
            if path == "/v5/market/time" and self.failures:
                self.failures -= 1
                raise br.errors.NetworkError(None, "timed out", path)
            return super().fetch(path, *args, **kwargs)

    now = pd.Timestamp(NOW_MS, unit="ms", tz="UTC")
    with FlakyTime(env="offline", cache_path=str(tmp_path / "c.sqlite"), sim_app=app) as client:
        app.reset_counts()
        first = client.klines("BTCUSDT", 1, now - pd.Timedelta(hours=2), now + pd.Timedelta(hours=1))
        assert not first["closed"].iloc[-1]
        assert br.cache.info(backend=client.cache_backend).stored_pages == 0
        client.klines("BTCUSDT", 1, now - pd.Timedelta(hours=2), now + pd.Timedelta(hours=1))
        assert app.requests["/v5/market/time"] == 1  # the second call asked for the time again


# -- the cache module and the column file --------------------------------------------------------------------


def test_clearing_everything_gives_the_column_file_space_back(
    cached_client: MarketClient, tmp_path: Path
) -> None:
    cached_client.klines("BTCUSDT", 1, "2024-05-01", "2024-05-15")
    columns_file = tmp_path / "cache.columns.sqlite"
    cached_client.column_store.close()  # type: ignore[union-attr]  # fold the WAL into the file
    full = columns_file.stat().st_size
    assert full > 1_000_000
    assert br.cache.clear(backend=cached_client.cache_backend) >= 21
    cached_client.column_store.close()  # type: ignore[union-attr]
    assert columns_file.stat().st_size <= 3 * 65_536 < full // 4  # an empty table: a few 64 KB pages


def test_info_and_clear_work_after_the_default_client_is_closed(app: Any, tmp_path: Path) -> None:
    from bybit_research.client import set_default_client

    client = MarketClient(env="offline", cache_path=str(tmp_path / "c.sqlite"), sim_app=app)
    client.klines("BTCUSDT", 60, "2024-01-01", "2024-02-01")
    set_default_client(client)
    client.close()
    assert br.cache.info(per_endpoint=False).stored_pages == 2  # two windows of 1000 hours
    assert br.cache.clear() == 2
    assert br.cache.info(per_endpoint=False).entries == 0


def test_a_range_ending_far_in_the_future_is_not_looked_up_page_by_page(
    cached_client: MarketClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bybit_research.fetch.engine as series

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("all_stored planned every window up to 2099")

    monkeypatch.setattr(series, "all_stored", refuse)
    frame = cached_client.klines("BTCUSDT", 1, "2024-06-15", "2099-01-01")
    assert frame.index[-1] == pd.Timestamp(NOW_MS // 60_000 * 60_000, unit="ms", tz="UTC")
