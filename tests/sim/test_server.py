"""The simulator over TCP: keep-alive, TCP_NODELAY, concurrency, bodies, shutdown."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from bybit_research.sim import create_app, serve
from bybit_research.sim.core import SimConfig
from bybit_research.sim.server import Server

pytestmark = pytest.mark.tcp

NOW = 1_717_200_000_000
ECHO, PUBLIC = "/v5/test/echo", "/v5/test/public"


@pytest.fixture
def server(platform_routes: None) -> Any:
    with Server(now_ms=NOW) as running:
        yield running


def test_serve_yields_a_local_base_url(platform_routes: None) -> None:
    with serve(now_ms=NOW) as base_url:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base_url)
        body = httpx.get(base_url + "/v5/market/time").json()
        assert body["result"]["timeSecond"] == str(NOW // 1000)


def test_keep_alive_reuses_one_connection(server: Server) -> None:
    with httpx.Client(base_url=server.url) as client:
        first = client.get(PUBLIC, params={"n": 1})
        second = client.get(PUBLIC, params={"n": 2})
        third = client.post(PUBLIC, content=b'{"n":3}')
    assert [r.json()["retCode"] for r in (first, second, third)] == [0, 0, 0]
    assert first.http_version == "HTTP/1.1"
    assert "close" not in first.headers.get("connection", "")
    assert third.json()["result"]["json"] == {"n": 3}
    assert server.connections_accepted == 1


def test_connection_close_is_honoured(server: Server) -> None:
    with httpx.Client(base_url=server.url) as client:
        closing = client.get(PUBLIC, headers={"Connection": "close"})
        assert closing.headers["connection"] == "close"
        client.get(PUBLIC)
    assert server.connections_accepted == 2


def test_accepted_sockets_have_tcp_nodelay(server: Server) -> None:
    with httpx.Client(base_url=server.url) as client:
        client.get(PUBLIC)
        open_sockets = list(server._httpd._open)
        assert len(open_sockets) == 1
        assert open_sockets[0].getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_twenty_threads_of_twenty_requests(server: Server) -> None:
    limits = httpx.Limits(max_connections=20, max_keepalive_connections=20)
    with httpx.Client(base_url=server.url, limits=limits) as client:

        def worker(thread: int) -> list[str]:
            return [
                client.get(PUBLIC, params={"t": thread, "i": i}).json()["result"]["query"]["i"]
                for i in range(20)
            ]

        with ThreadPoolExecutor(20) as pool:
            results = list(pool.map(worker, range(20)))
    assert results == [[str(i) for i in range(20)]] * 20
    assert server.app.requests[PUBLIC] == 400
    assert server.connections_accepted <= 20  # connections were reused


def test_chunked_request_body(server: Server) -> None:
    def chunks() -> Any:
        yield b'{"category":'
        yield b'"linear"}'

    with httpx.Client(base_url=server.url) as client:
        response = client.post(PUBLIC, content=chunks())
        assert response.request.headers.get("transfer-encoding") == "chunked"
        assert response.json()["result"]["json"] == {"category": "linear"}
        assert client.get(PUBLIC).json()["retCode"] == 0  # the stream stayed in step
    assert server.connections_accepted == 1


def test_signed_requests_over_tcp(server: Server, sign: Any) -> None:
    query = "cursor=abc%3D%3D&limit=5"
    with httpx.Client(base_url=server.url) as client:
        body = client.get(f"{ECHO}?{query}", headers=sign(query)).json()
        assert body["retCode"] == 0
        assert body["result"]["rawQuery"] == query and body["result"]["query"]["cursor"] == "abc=="
        raw = b'{"b": 1, "a": 2}'
        assert client.post(ECHO, content=raw, headers=sign(raw)).json()["result"]["json"] == {"b": 1, "a": 2}


def test_errors_and_other_methods_over_tcp(server: Server) -> None:
    with httpx.Client(base_url=server.url) as client:
        assert client.get("/v5/market/nope").status_code == 404
        head = client.head(PUBLIC)
        assert head.status_code == 400 and head.content == b""
        assert client.request("GET", PUBLIC, content=b"{}").status_code == 403
        assert client.get(PUBLIC).status_code == 200  # the connection survived all of that
    assert server.connections_accepted == 1


def test_remote_addr_is_the_client_ip(server: Server) -> None:
    assert httpx.get(server.url + PUBLIC).json()["result"]["clientIp"] == "127.0.0.1"


def test_stop_closes_idle_connections_and_the_port(platform_routes: None) -> None:
    server = Server(now_ms=NOW).start()
    client = httpx.Client(base_url=server.url)
    assert client.get(PUBLIC).status_code == 200
    handler_threads = [t for t in threading.enumerate() if "process_request_thread" in t.name]
    assert len(handler_threads) >= 1  # the idle keep-alive connection's thread
    server.stop()
    assert not server.running
    for thread in handler_threads:
        thread.join(timeout=5)
    assert not any(t.is_alive() for t in handler_threads)
    with pytest.raises(httpx.TransportError):
        httpx.get(server.url + PUBLIC, timeout=2)
    client.close()


def test_stop_wakes_stalled_requests(platform_routes: None) -> None:
    server = Server(now_ms=NOW, fail_rate=1.0, fail_mode="stall", stall_s=60.0).start()
    finished = threading.Event()

    def stalled() -> None:
        with contextlib.suppress(httpx.TransportError):
            httpx.get(server.url + PUBLIC, timeout=30)
        finished.set()

    threading.Thread(target=stalled, daemon=True).start()
    assert not finished.wait(0.2)
    server.stop()
    assert finished.wait(10)


def test_server_with_a_given_app_and_config(platform_routes: None) -> None:
    app = create_app(now_ms=NOW, seed=11)
    with serve(app=app) as base_url:
        httpx.get(base_url + PUBLIC)
    assert app.requests[PUBLIC] == 1
    assert app.faults._closed.is_set() is False  # a borrowed app is not closed
    with Server(config=SimConfig(seed=5), now_ms=NOW) as server:
        assert server.app.config == SimConfig(seed=5, now_ms=NOW)
        assert repr(server).startswith("Server(url='http://127.0.0.1:")


def test_port_in_use_raises(server: Server) -> None:
    with pytest.raises(OSError):
        Server(port=server.port)
