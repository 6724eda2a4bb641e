"""The on-disk request cache: hits, expiry, refresh, offline-only, what is never stored, corruption,
sharing."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from requests_cache import BaseCache, SQLiteCache

import bybit_research.cache as br_cache
from bybit_research.cli.cache import main as cache_main
from bybit_research.errors import (
    CacheCorruptError,
    CacheMissError,
    CacheUnavailableError,
    InvalidRequestError,
    ServerError,
    is_corruption,
)
from bybit_research.http.sqlite_cache import BoundedSQLiteCache
from bybit_research.http.transports.cache import CHECKSUM_HEADER, DO_NOT_CACHE, NEVER_EXPIRE

from .conftest import TEST_KEY, TEST_SECRET, Recorder, envelope

KLINE = "/v5/market/kline"
PARAMS = {"category": "linear", "symbol": "BTCUSDT", "interval": "60"}


_calls = [0]


def counting(request: httpx.Request) -> httpx.Response:
    """Answer with a counter so that a fresh answer can be told from a cached one."""
    _calls[0] += 1
    return httpx.Response(200, json=envelope({"n": _calls[0], "q": request.url.query.decode()}))


@pytest.fixture
def cache_file(tmp_path: Path) -> Path:
    return tmp_path / "cache.sqlite"


@pytest.fixture(autouse=True)
def reset_counter() -> None:
    _calls[0] = 0


def test_miss_then_hit(make_client, cache_file) -> None:
    recorder = Recorder(counting)
    client = make_client(recorder, cache=True, cache_path=cache_file)
    first = client.fetch(KLINE, PARAMS, expire_after=NEVER_EXPIRE)
    second = client.fetch(KLINE, PARAMS, expire_after=NEVER_EXPIRE)
    assert (first.from_cache, second.from_cache) == (False, True)
    assert first.result == second.result == {"n": 1, "q": "category=linear&interval=60&symbol=BTCUSDT"}
    assert second.time_ms == first.time_ms
    other = client.fetch(KLINE, {**PARAMS, "symbol": "ETHUSDT"}, expire_after=NEVER_EXPIRE)
    assert other.from_cache is False and other.result["n"] == 2
    assert recorder.count == 2
    entry = next(iter(client.cache_backend.filter()))
    assert entry.expires is None  # NEVER_EXPIRE


def test_expiry_refresh_and_do_not_cache(make_client, cache_file) -> None:
    recorder = Recorder(counting)
    client = make_client(recorder, cache=True, cache_path=cache_file)
    assert client.fetch(KLINE, PARAMS, expire_after=0.3).result["n"] == 1
    assert client.fetch(KLINE, PARAMS, expire_after=0.3).from_cache is True
    time.sleep(0.4)
    expired = client.fetch(KLINE, PARAMS, expire_after=0.3)
    assert (expired.from_cache, expired.result["n"]) == (False, 2)
    refreshed = client.fetch(KLINE, PARAMS, expire_after=60, refresh=True)
    assert (refreshed.from_cache, refreshed.result["n"]) == (False, 3)
    again = client.fetch(KLINE, PARAMS)
    assert (again.from_cache, again.result["n"]) == (True, 3)  # the refreshed answer was stored
    for _ in range(2):
        reply = client.fetch("/v5/market/time", expire_after=DO_NOT_CACHE)
        assert reply.from_cache is False
    assert recorder.count == 5
    assert br_cache.info(path=cache_file).endpoints.keys() == {KLINE}


def test_default_expiry_of_the_client(make_client, cache_file) -> None:
    client = make_client(Recorder(counting), cache=True, cache_path=cache_file, default_expire_after=0.2)
    client.get(KLINE, PARAMS)
    assert client.fetch(KLINE, PARAMS).from_cache is True
    time.sleep(0.3)
    assert client.fetch(KLINE, PARAMS).from_cache is False


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (
            httpx.Response(200, json=envelope({"category": "", "list": []}, 10001, "params error")),
            InvalidRequestError,
        ),
        (httpx.Response(500, text="oops"), ServerError),
        (httpx.Response(200, json=envelope(None, 10016, "System error")), ServerError),
    ],
)
def test_failed_answers_are_never_stored(make_client, cache_file, answer, error) -> None:
    recorder = Recorder(answer)
    client = make_client(recorder, cache=True, cache_path=cache_file, max_attempts=1)
    for _ in range(2):
        with pytest.raises(error):
            client.get(KLINE, PARAMS)
    assert recorder.count == 2
    assert br_cache.info(path=cache_file).entries == 0


def test_offline_only_serves_cache_and_raises_on_miss(make_client, cache_file) -> None:
    online = make_client(Recorder(counting), cache=True, cache_path=cache_file)
    online.fetch(KLINE, PARAMS, expire_after=0.1)
    time.sleep(0.2)
    recorder = Recorder(counting)
    offline = make_client(recorder, cache=True, cache_path=cache_file, offline_only=True)
    reply = offline.fetch(KLINE, PARAMS)
    assert reply.from_cache is True and reply.result["n"] == 1  # expired entries still serve offline
    with pytest.raises(CacheMissError, match="offline-only mode: not in the cache") as info:
        offline.get(KLINE, {**PARAMS, "symbol": "SOLUSDT"})
    assert info.value.endpoint == KLINE
    with pytest.raises(CacheMissError, match="private requests are not cached"):
        offline.get("/v5/account/info", auth=True)
    assert recorder.count == 0


def test_offline_only_from_environment(monkeypatch, make_client, cache_file) -> None:
    monkeypatch.setenv("BYBIT_RESEARCH_OFFLINE_ONLY", "1")
    recorder = Recorder(counting)
    client = make_client(recorder, cache=True, cache_path=cache_file)
    assert client.offline_only
    with pytest.raises(CacheMissError):
        client.get(KLINE, PARAMS)
    assert recorder.count == 0


def test_private_requests_not_cached_by_default(make_client, cache_file) -> None:
    recorder = Recorder(counting)
    client = make_client(recorder, cache=True, cache_path=cache_file)
    for _ in range(2):
        assert client.fetch("/v5/account/info", auth=True, expire_after=NEVER_EXPIRE).from_cache is False
    assert recorder.count == 2
    assert br_cache.info(path=cache_file).entries == 0


def test_cache_private_stores_no_key_signature_or_timestamp(make_client, cache_file) -> None:
    recorder = Recorder(counting)
    client = make_client(recorder, cache=True, cache_path=cache_file, cache_private=True)
    first = client.fetch("/v5/account/wallet-balance", {"accountType": "UNIFIED"}, auth=True)
    second = client.fetch("/v5/account/wallet-balance", {"accountType": "UNIFIED"}, auth=True)
    assert (first.from_cache, second.from_cache) == (False, True)
    sent = recorder.requests[0]
    secrets = [TEST_SECRET, TEST_KEY, sent.headers["X-BAPI-SIGN"], sent.headers["X-BAPI-TIMESTAMP"]]
    client.close()
    stored = b"".join(
        p.read_bytes() for p in cache_file.parent.iterdir() if p.name.startswith(cache_file.name)
    )
    assert b"wallet-balance" in stored  # the scan does look at the stored entries
    for secret in secrets:
        assert secret.encode() not in stored
    # another account never sees these answers
    other = make_client(
        Recorder(counting), cache=True, cache_path=cache_file, cache_private=True, api_key="otherkey99999"
    )
    assert (
        other.fetch("/v5/account/wallet-balance", {"accountType": "UNIFIED"}, auth=True).from_cache is False
    )


def test_any_requests_cache_backend(make_client) -> None:
    backend = BaseCache()
    client = make_client(Recorder(counting), cache=backend)
    client.get(KLINE, PARAMS)
    assert client.fetch(KLINE, PARAMS).from_cache is True
    assert len(backend.responses) == 1
    assert br_cache.info(backend=backend).entries == 1


def test_info_and_clear(make_client, cache_file) -> None:
    client = make_client(Recorder(counting), cache=True, cache_path=cache_file)
    for symbol in ("BTCUSDT", "ETHUSDT", "SOLUSDT"):
        client.get(KLINE, {**PARAMS, "symbol": symbol})
    client.fetch("/v5/market/instruments-info", {"category": "spot"}, expire_after=0.05)
    time.sleep(0.1)
    info = br_cache.info(path=cache_file)
    assert (info.entries, info.expired) == (4, 1)
    assert info.bytes >= cache_file.stat().st_size > 0
    assert info.location == str(cache_file)
    assert info.endpoints[KLINE].entries == 3 and info.endpoints[KLINE].expired == 0
    assert info.endpoints["/v5/market/instruments-info"].expired == 1
    frame = info.to_frame()
    assert list(frame.columns) == ["entries", "bytes", "expired"]
    assert frame.index.name == "endpoint" and list(frame.index) == ["/v5/market/instruments-info", KLINE]
    assert frame.dtypes.astype(str).tolist() == ["int64"] * 3
    assert "4 entries" in str(info)

    assert br_cache.clear(older_than=3600, path=cache_file) == 0
    assert br_cache.clear(endpoint="/v5/market/instruments-info", path=cache_file) == 1
    assert br_cache.clear(older_than="7d", path=cache_file) == 0
    assert br_cache.clear(older_than=timedelta(0), path=cache_file) == 3
    assert br_cache.info(path=cache_file).entries == 0
    client.get(KLINE, PARAMS)
    assert br_cache.clear(path=cache_file) == 1
    with pytest.raises(ValueError, match="V5 path"):
        br_cache.clear(endpoint="kline", path=cache_file)
    with pytest.raises(ValueError, match="older_than"):
        br_cache.clear(older_than="yesterday", path=cache_file)
    with pytest.raises(ValueError, match="duration such as '7d'"):
        br_cache.clear(older_than="-1d", path=cache_file)


def test_cli_info_and_clear(make_client, cache_file, capsys) -> None:
    client = make_client(Recorder(counting), cache=True, cache_path=cache_file)
    client.get(KLINE, PARAMS)
    assert cache_main(["--path", str(cache_file), "info"]) == 0
    out = capsys.readouterr().out
    assert "1 entries" in out and KLINE in out
    assert cache_main(["--path", str(cache_file), "clear", "--endpoint", KLINE]) == 0
    assert "removed 1 cached answers" in capsys.readouterr().out


def test_default_cache_file_comes_from_env_var(make_client, tmp_path) -> None:
    client = make_client(Recorder(counting), cache=True)
    client.get(KLINE, PARAMS)
    assert Path(client.cache_backend.db_path) == tmp_path / "default-cache.sqlite"
    assert br_cache.info().entries == 1  # the same file by default


def test_corrupt_cache_file_is_reported_and_clearable(make_client, cache_file, capsys) -> None:
    cache_file.write_bytes(b"this is not a sqlite database" * 100)
    with pytest.raises(CacheCorruptError) as info:
        make_client(Recorder(counting), cache=True, cache_path=cache_file)
    message = str(info.value)
    assert (
        str(cache_file) in message
        and "bybit-research cache clear" in message
        and "delete the file" in message
    )
    assert cache_main(["--path", str(cache_file), "info"]) == 1
    assert "cannot be read" in capsys.readouterr().err
    assert br_cache.clear(path=cache_file) == 0
    client = make_client(Recorder(counting), cache=True, cache_path=cache_file)
    client.get(KLINE, PARAMS)
    assert client.fetch(KLINE, PARAMS).from_cache is True


WRITER = textwrap.dedent(
    """
    import sys, httpx
    from bybit_research.client import Client
    path, tag = sys.argv[1], sys.argv[2]
    body = {"retCode": 0, "retMsg": "OK", "result": {"tag": tag}, "time": 1}
    answer = lambda r: httpx.Response(200, json=body)
    client = Client(base_url="http://bybit.test", transport=httpx.MockTransport(answer), cache_path=path)
    for i in range(40):
        assert client.fetch("/v5/market/kline", {"symbol": f"{tag}{i}"}, expire_after=-1).from_cache is False
        client.fetch("/v5/market/kline", {"symbol": f"{tag}{i // 2}"}, expire_after=-1)
    print("done", tag)
    """
)


def test_two_processes_share_one_cache_file(make_client, cache_file) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(cache_file), tag], env=env, stdout=subprocess.PIPE, text=True
        )
        for tag in ("A", "B")
    ]
    outputs = [p.communicate(timeout=60)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert outputs == ["done A\n", "done B\n"]
    assert br_cache.info(path=cache_file).entries == 80
    reader = make_client(Recorder(counting), cache=True, cache_path=cache_file, offline_only=True)
    assert reader.get(KLINE, {"symbol": "A39"}) == {"tag": "A"}
    assert reader.get(KLINE, {"symbol": "B0"}) == {"tag": "B"}


def test_volatile_endpoints_are_not_cached_by_default(make_client, cache_file) -> None:
    recorder = Recorder(counting)
    client = make_client(recorder, cache=True, cache_path=cache_file)
    for path in ("/v5/market/time", "/v5/market/tickers", "/v5/market/orderbook", "/v5/market/recent-trade"):
        assert client.fetch(path).from_cache is False
        assert client.fetch(path).from_cache is False
    assert client.fetch("/v5/market/tickers", expire_after=30).from_cache is False
    assert client.fetch("/v5/market/tickers", expire_after=30).from_cache is True
    assert recorder.count == 9


def test_threads_share_one_client_and_cache(make_client, cache_file) -> None:
    from concurrent.futures import ThreadPoolExecutor

    recorder = Recorder(lambda request: httpx.Response(200, json=envelope({"q": request.url.query.decode()})))
    client = make_client(recorder, cache=True, cache_path=cache_file)

    def work(i: int) -> bool:
        symbol = f"S{i % 25}"
        return client.get(KLINE, {"symbol": symbol}) == {"q": f"symbol={symbol}"}

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(work, range(400)))
    assert br_cache.info(path=cache_file).entries == 25
    assert 25 <= recorder.count < 400  # concurrent first misses may both go out; later calls are hits


def test_sqlite_errors_are_classified() -> None:
    assert is_corruption(sqlite3.DatabaseError("file is not a database"))
    assert is_corruption(sqlite3.DatabaseError("database disk image is malformed"))
    assert not is_corruption(sqlite3.OperationalError("database is locked"))
    assert not is_corruption(sqlite3.OperationalError("attempt to write a readonly database"))
    assert not is_corruption(sqlite3.OperationalError("database or disk is full"))


def test_locked_or_full_cache_keeps_the_network_answer(make_client, cache_file, monkeypatch, caplog) -> None:
    client = make_client(Recorder(counting), cache=True, cache_path=cache_file)
    backend = client.cache_backend

    def full(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(backend, "save_response", full)
    with caplog.at_level(logging.WARNING, logger="bybit_research.http.transports.cache"):
        reply = client.fetch(KLINE, PARAMS)
    assert reply.result["n"] == 1 and reply.from_cache is False
    assert "could not store an answer" in caplog.text and "disk is full" in caplog.text

    def locked(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(backend, "get_response", locked)
    assert client.fetch(KLINE, PARAMS).result["n"] == 2  # lookup failed: asked the network instead


def test_clear_never_deletes_a_locked_file(make_client, cache_file, monkeypatch) -> None:
    client = make_client(Recorder(counting), cache=True, cache_path=cache_file)
    client.fetch(KLINE, PARAMS, expire_after=NEVER_EXPIRE)
    client.close()
    size = cache_file.stat().st_size

    def locked(self: object) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(BoundedSQLiteCache, "clear", locked)
    with pytest.raises(CacheUnavailableError, match=r"locked.*left untouched"):
        br_cache.clear(path=cache_file)
    assert cache_file.exists() and cache_file.stat().st_size == size
    monkeypatch.undo()
    assert br_cache.info(path=cache_file).entries == 1


def test_cheap_info_counts_without_reading_entries(make_client, cache_file, monkeypatch) -> None:
    client = make_client(Recorder(counting), cache=True, cache_path=cache_file)
    for symbol in ("BTCUSDT", "ETHUSDT", "SOLUSDT"):
        client.fetch(KLINE, {**PARAMS, "symbol": symbol}, expire_after=NEVER_EXPIRE)
    client.fetch("/v5/market/instruments-info", {"category": "spot"}, expire_after=0.001)
    time.sleep(1.05)  # the SQLite column keeps expiry in whole seconds
    full = br_cache.info(path=cache_file)

    def no_unpickling(*args: object, **kwargs: object) -> None:
        raise AssertionError("entries were deserialised")

    monkeypatch.setattr(SQLiteCache, "filter", no_unpickling)
    cheap = br_cache.info(path=cache_file, per_endpoint=False)
    assert (cheap.entries, cheap.expired) == (full.entries, full.expired) == (4, 1)
    assert cheap.bytes > 0 and cheap.location == full.location == str(cache_file)  # file size (WAL varies)
    assert cheap.endpoints == {} and full.endpoints[KLINE].entries == 3
    assert br_cache.clear(path=cache_file) == 4  # clearing everything reads no entry either


def test_cache_command_line(make_client, cache_file, capsys) -> None:
    client = make_client(Recorder(counting), cache=True, cache_path=cache_file)
    client.fetch(KLINE, PARAMS, expire_after=NEVER_EXPIRE)
    assert cache_main(["--path", str(cache_file), "info"]) == 0
    assert "1 entries" in capsys.readouterr().out
    assert cache_main(["--path", str(cache_file), "clear", "--older-than", "7d"]) == 0
    assert "removed 0 cached answers" in capsys.readouterr().out
    assert cache_main(["--path", str(cache_file), "clear", "--older-than", "0"]) == 0
    assert "removed 1 cached answers" in capsys.readouterr().out
    assert cache_main(["--path", str(cache_file), "clear", "--older-than", "soon"]) == 1
    assert "duration such as '7d'" in capsys.readouterr().err


def test_fetch_cached_answers_only_from_the_cache(make_client, cache_file) -> None:
    recorder = Recorder(counting)
    client = make_client(recorder, cache=True, cache_path=cache_file)
    assert client.fetch_cached(KLINE, PARAMS, expire_after=NEVER_EXPIRE) is None
    fetched = client.fetch(KLINE, PARAMS, expire_after=NEVER_EXPIRE)
    cached = client.fetch_cached(KLINE, PARAMS, expire_after=NEVER_EXPIRE)
    assert cached is not None and cached.from_cache is True
    assert cached.result == fetched.result and cached.time_ms == fetched.time_ms
    assert cached.content == fetched.content and cached.path == KLINE
    # the headers as the network sent them, without the digest the cache keeps of the body
    assert {k.lower(): v for k, v in cached.headers.items()} == dict(fetched.headers.items())
    assert all(k.lower() != CHECKSUM_HEADER.lower() for k in cached.headers)
    assert client.fetch_cached(KLINE, PARAMS, expire_after=DO_NOT_CACHE) is None
    assert client.fetch_cached(KLINE, {**PARAMS, "symbol": "ETHUSDT"}) is None
    assert recorder.count == 1  # lookups never reach the network


def test_fetch_cached_skips_expired_and_uncached_clients(make_client, cache_file) -> None:
    recorder = Recorder(counting)
    client = make_client(recorder, cache=True, cache_path=cache_file)
    client.fetch(KLINE, PARAMS, expire_after=0.05)
    time.sleep(0.1)
    assert client.fetch_cached(KLINE, PARAMS, expire_after=0.05) is None
    assert make_client(recorder).fetch_cached(KLINE, PARAMS) is None  # cache=False
    offline = make_client(recorder, cache=True, cache_path=cache_file, offline_only=True)
    assert offline.fetch_cached(KLINE, PARAMS) is not None  # offline-only serves expired answers
    with pytest.raises(CacheMissError, match="not in the cache"):
        offline.fetch_cached(KLINE, {**PARAMS, "symbol": "ETHUSDT"})
    with pytest.raises(ValueError):
        client.fetch_cached("v5/market/kline")
    assert recorder.count == 1


def test_the_cache_key_is_the_request_whatever_the_order_of_its_parameters() -> None:
    import httpx

    from bybit_research.http.transports.cache import Lookup, request_key

    def key(url: str, account: str | None = None) -> str:
        return request_key(httpx.Request("GET", url), account)

    base = "https://api.bybit.com/v5/market/kline"
    one = key(f"{base}?category=linear&symbol=BTCUSDT&interval=1")
    assert one == key(f"{base}?interval=1&symbol=BTCUSDT&category=linear") and len(one) == 16
    assert one != key(f"{base}?category=linear&symbol=ETHUSDT&interval=1")
    assert one != key("https://api.bytick.com/v5/market/kline?category=linear&symbol=BTCUSDT&interval=1")
    assert one != key(f"{base}?category=linear&symbol=BTCUSDT&interval=1", account="fingerprint")
    assert key(f"{base}?a=1", "x") != key(f"{base}?a=1", "y")  # two accounts never share an answer
    assert key(f"{base}?cursor=lastid%3D19%26t%3D1") != key(f"{base}?cursor=lastid%3D19%26t%3D2")
    # a lookup by URL (what fetch_cached asks) has the key of the request it stands for
    url = f"{base}?category=linear&symbol=BTCUSDT&interval=1&cursor=a%3D1"
    assert request_key(Lookup(httpx.URL(url), {}), "x") == key(url, "x")
