"""Cache constants mean what requests-cache means; the client's settings are one validated object; the
exchange's clock is learned once; a network failure on mainnet points to the simulator."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests_cache

import bybit_research as br
from bybit_research.client import Client
from bybit_research.core import expiry
from bybit_research.errors import CacheMissError, NetworkError
from bybit_research.http import ClientSettings

from .conftest import BASE, TEST_KEY, TEST_SECRET, Recorder, envelope

PATH = "/v5/market/instruments-info"


def test_the_expiry_constants_are_requests_caches() -> None:
    assert expiry.NEVER_EXPIRE == requests_cache.NEVER_EXPIRE == -1
    assert expiry.EXPIRE_IMMEDIATELY == requests_cache.EXPIRE_IMMEDIATELY == 0
    assert expiry.DO_NOT_CACHE == requests_cache.DO_NOT_CACHE
    assert br.cache.DO_NOT_CACHE == requests_cache.DO_NOT_CACHE


def _cached(recorder: Recorder, make_client: Callable[..., Client], tmp_path: Path, **kwargs: Any) -> Client:
    return make_client(recorder, cache=True, cache_path=str(tmp_path / "c.sqlite"), **kwargs)


def test_do_not_cache_neither_reads_nor_stores(make_client: Callable[..., Client], tmp_path: Path) -> None:
    recorder = Recorder(httpx.Response(200, json=envelope({"list": [], "category": "linear"})))
    client = _cached(recorder, make_client, tmp_path)
    for _ in range(2):
        reply = client.fetch(PATH, {"category": "linear"}, expire_after=requests_cache.DO_NOT_CACHE)
        assert reply.from_cache is False
    assert recorder.count == 2
    assert br.cache.info(backend=client.cache_backend).entries == 0


def test_expire_immediately_stores_an_expired_answer_served_only_offline(
    make_client: Callable[..., Client], tmp_path: Path
) -> None:
    recorder = Recorder(httpx.Response(200, json=envelope({"list": [], "category": "linear"})))
    client = _cached(recorder, make_client, tmp_path)
    client.fetch(PATH, {"category": "linear"}, expire_after=requests_cache.EXPIRE_IMMEDIATELY)
    client.fetch(PATH, {"category": "linear"}, expire_after=requests_cache.EXPIRE_IMMEDIATELY)
    assert recorder.count == 2  # stored but expired: asked again
    info = br.cache.info(backend=client.cache_backend)
    assert info.entries == 1 and info.expired == 1
    offline = _cached(Recorder(), make_client, tmp_path, offline_only=True)
    served = offline.fetch(PATH, {"category": "linear"})
    assert served.from_cache is True
    with pytest.raises(CacheMissError):
        offline.fetch(PATH, {"category": "spot"})


def test_never_expire_and_seconds_and_timedelta(make_client: Callable[..., Client], tmp_path: Path) -> None:
    recorder = Recorder(httpx.Response(200, json=envelope({"list": []})))
    client = _cached(recorder, make_client, tmp_path)
    for expire_after in (requests_cache.NEVER_EXPIRE, 3600, timedelta(hours=1)):
        client.fetch(PATH, {"category": "linear", "k": str(expire_after)}, expire_after=expire_after)
        client.fetch(PATH, {"category": "linear", "k": str(expire_after)}, expire_after=expire_after)
    assert recorder.count == 3 and br.cache.info(backend=client.cache_backend).expired == 0


@pytest.mark.parametrize("bad", [-2, -0.5, 10**12, "soon", True, float("nan")])
def test_bad_expiries_are_refused_before_sending(make_client: Callable[..., Client], bad: Any) -> None:
    recorder = Recorder()
    client = make_client(recorder)
    with pytest.raises(ValueError, match="expire_after must be seconds >= 0, a timedelta, NEVER_EXPIRE"):
        client.fetch(PATH, expire_after=bad)
    assert recorder.count == 0


def test_the_settings_are_one_validated_object_that_hides_secrets(make_client: Callable[..., Client]) -> None:
    client = make_client(Recorder(), concurrency=7)
    settings = client.settings
    assert isinstance(settings, ClientSettings)
    assert (settings.concurrency, client.concurrency, settings.base_url) == (7, 7, BASE)
    assert TEST_SECRET not in repr(settings) and TEST_KEY not in repr(settings)
    assert "test****" in repr(settings)
    with pytest.raises(ValueError, match=r"concurrency must be an integer in \[1, 64\], got 0"):
        ClientSettings(env="mainnet", base_url=BASE, concurrency=0)
    with pytest.raises(TypeError, match="unknown client settings: colour"):
        ClientSettings.create(colour="red")


def test_proxy_passwords_never_reach_the_repr() -> None:
    settings = ClientSettings.create("mainnet", proxy="http://user:hunter2@proxy.example:3128")
    assert "hunter2" not in repr(settings) and "***@proxy.example:3128" in repr(settings)


def test_the_exchange_clock_is_learned_once_and_never_cached(
    make_client: Callable[..., Client], tmp_path: Path
) -> None:
    server_ms = 1_900_000_000_000
    recorder = Recorder(
        httpx.Response(200, json=envelope({"timeSecond": str(server_ms // 1000)}, time_ms=server_ms))
    )
    client = _cached(recorder, make_client, tmp_path)
    first = client.server_now_ms()
    second = client.server_now_ms()
    assert recorder.count == 1 and recorder.requests[0].url.path == "/v5/market/time"
    assert abs(first - server_ms) < 5_000 and second >= first
    assert br.cache.info(backend=client.cache_backend).entries == 0


def test_a_failed_clock_request_is_asked_again(make_client: Callable[..., Client]) -> None:
    recorder = Recorder(
        httpx.Response(503),
        httpx.Response(200, json=envelope({"timeSecond": "1900000000"}, time_ms=1_900_000_000_000)),
    )
    client = make_client(recorder, max_attempts=1)
    client.server_now_ms()  # the local clock this time
    assert abs(client.server_now_ms() - 1_900_000_000_000) < 5_000
    assert recorder.count == 2


def test_a_network_failure_on_mainnet_mentions_the_simulator() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route to host", request=request)

    client = Client(env="mainnet", transport=httpx.MockTransport(refuse), cache=False, max_attempts=1)
    with client, pytest.raises(NetworkError, match=r"mainnet could not be reached.*Client\(env='offline'\)"):
        client.fetch("/v5/market/time")
