"""Serve the simulator over TCP: a threaded HTTP/1.1 server with keep-alive and ``TCP_NODELAY``.

``wsgiref``'s server answers one request per connection (HTTP/1.0), which makes every client pay a TCP
handshake per request. This module runs the WSGI app behind :class:`http.server.BaseHTTPRequestHandler` in
HTTP/1.1 mode instead: each connection gets a daemon thread that serves requests until the client closes it,
the connection sits idle for :data:`IDLE_TIMEOUT_S`, or the server stops.

>>> import httpx
>>> with serve(now_ms=1_717_200_000_000) as base_url:
...     httpx.get(base_url + "/v5/market/time").json()["result"]["timeSecond"]
'1717200000'
"""

from __future__ import annotations

import contextlib
import io
import logging
import socket
import socketserver
import sys
import threading
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import unquote

from .app import SimApp, create_app
from .core import SimConfig

__all__ = ["IDLE_TIMEOUT_S", "Server", "serve"]

log = logging.getLogger("bybit_research.sim.server")

#: a keep-alive connection idle for this long is closed
IDLE_TIMEOUT_S = 120.0
_MAX_LINE = 65536


class _WSGIRequestHandler(BaseHTTPRequestHandler):
    """Serve the requests of one connection through the server's WSGI app, keeping the connection open."""

    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT_S
    server: _ThreadedHTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(_MAX_LINE + 1)
        except OSError:  # idle timeout, reset by the client, or closed at shutdown
            self.close_connection = True
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        if len(self.raw_requestline) > _MAX_LINE:
            self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
            return
        if not self.parse_request():
            return
        try:
            self._serve()
            self.wfile.flush()
        except OSError:  # the client went away (e.g. it timed out during a stall)
            self.close_connection = True

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self) -> bytes:
        parts = []
        while True:
            size = int(self.rfile.readline(_MAX_LINE).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                break
            parts.append(self.rfile.read(size))
            self.rfile.readline(_MAX_LINE)
        while self.rfile.readline(_MAX_LINE) not in (b"\r\n", b"\n", b""):  # trailers
            pass
        return b"".join(parts)

    def _environ(self, body: bytes) -> dict[str, Any]:
        target, _, query = self.path.partition("?")
        host, port = self.server.server_address[:2]
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(target, encoding="latin-1"),
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "SERVER_NAME": str(host),
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "REMOTE_PORT": str(self.client_address[1]),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                continue
            environ[key] = f"{environ[key]},{value}" if key in environ else value
        return environ

    def _serve(self) -> None:
        body = self._read_body()
        started: list[tuple[str, list[tuple[str, str]]]] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            started[:] = [(status, headers)]

        result = self.server.app(self._environ(body), start_response)
        try:
            content = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if callable(close):
                close()
        status, headers = started[0]
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason)
        names = set()
        for name, value in headers:
            names.add(name.lower())
            self.send_header(name, value)
        if "content-length" not in names:
            self.send_header("Content-Length", str(len(content)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    def log_message(self, format: str, *args: Any) -> None:
        # the request line holds no secret (keys and signatures travel in headers, which are never logged)
        log.debug("%s %s", self.address_string(), format % args)


class _ThreadedHTTPServer(socketserver.ThreadingMixIn, HTTPServer):
    """One daemon thread per connection; counts accepted connections and closes open ones on shutdown."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: Any, ipv6: bool = False) -> None:
        self.address_family = socket.AF_INET6 if ipv6 else socket.AF_INET
        self.app = app
        self.connections_accepted = 0
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _WSGIRequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (getfqdn), which can hang without DNS
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        self.connections_accepted += 1
        return connection, address

    def track(self, connection: socket.socket) -> None:
        with self._open_lock:
            self._open.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._open_lock:
            self._open.discard(connection)

    def close_connections(self) -> None:
        """Shut the open connections down so their threads stop waiting for the next request."""
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class Server:
    """The simulator served over TCP in a background thread.

    Parameters
    ----------
    host, port
        Where to listen; port 0 picks a free port (see :attr:`url`).
    app
        A WSGI app to serve; by default ``create_app(config, **overrides)``.
    config, **overrides
        Settings of the app built when ``app`` is not given.

    Examples
    --------
    >>> server = Server(now_ms=1_717_200_000_000).start()
    >>> server.url.startswith("http://127.0.0.1:")
    True
    >>> server.stop()
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        app: Any = None,
        config: SimConfig | None = None,
        **overrides: Any,
    ) -> None:
        self._owns_app = app is None
        self.app: Any = create_app(config, **overrides) if app is None else app
        self._httpd = _ThreadedHTTPServer((host, port), self.app, ipv6=":" in host)
        self._thread: threading.Thread | None = None
        bound_host, bound_port = self._httpd.server_address[:2]
        shown = "127.0.0.1" if bound_host in ("0.0.0.0", "") else str(bound_host)
        shown = f"[{shown}]" if ":" in shown else shown
        self.port = int(bound_port)
        self.url = f"http://{shown}:{self.port}"

    def __repr__(self) -> str:
        return f"Server(url={self.url!r}, running={self.running})"

    @property
    def running(self) -> bool:
        """Whether the server thread is serving."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def connections_accepted(self) -> int:
        """How many TCP connections the server has accepted so far."""
        return self._httpd.connections_accepted

    def start(self) -> Server:
        """Start serving in a daemon thread and return ``self``."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="bybit-sim",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, close open connections and release the port."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.close_connections()
        if self._owns_app and isinstance(self.app, SimApp):
            self.app.close()
        self._httpd.server_close()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


@contextlib.contextmanager
def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    config: SimConfig | None = None,
    app: Any = None,
    **overrides: Any,
) -> Iterator[str]:
    """Serve the simulator over TCP for the duration of a ``with`` block and yield its base URL.

    Parameters
    ----------
    host, port
        Where to listen; port 0 (the default) picks a free port.
    config, **overrides
        Settings of the simulator (see :func:`bybit_research.sim.create_app`).
    app
        Serve this WSGI app instead of building one.

    Yields
    ------
    str
        The base URL, e.g. ``http://127.0.0.1:50123``.
    """
    with Server(host, port, app=app, config=config, **overrides) as server:
        yield server.url
