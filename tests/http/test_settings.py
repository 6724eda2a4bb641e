"""Environment selection, credentials from the environment, input validation before any request, reprs."""

from __future__ import annotations

import httpx
import pytest

from bybit_research.client import Client, get_default_client, set_default_client
from bybit_research.config import ENVIRONMENTS, default_cache_path, resolve_environment
from bybit_research.errors import AuthenticationError
from bybit_research.http import build_query
from bybit_research.http.transports.lazy import LazyTransport

from .conftest import TEST_KEY, TEST_SECRET, Recorder, envelope


@pytest.mark.parametrize(
    ("env", "url"),
    [
        ("mainnet", "https://api.bybit.com"),
        ("testnet", "https://api-testnet.bybit.com"),
        ("demo", "https://api-demo.bybit.com"),
        ("TESTNET", "https://api-testnet.bybit.com"),
    ],
)
def test_named_environments(env: str, url: str) -> None:
    assert resolve_environment(env) == (env.lower(), url)
    with Client(env, cache=False) as client:
        assert (client.env, client.base_url) == (env.lower(), url)


def test_default_is_mainnet_and_env_var_selects(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_environment() == ("mainnet", "https://api.bybit.com")
    monkeypatch.setenv("BYBIT_RESEARCH_ENV", "demo")
    assert resolve_environment() == ("demo", "https://api-demo.bybit.com")
    monkeypatch.setenv("BYBIT_RESEARCH_ENV", "http://127.0.0.1:9999/")
    assert resolve_environment() == ("custom", "http://127.0.0.1:9999")
    monkeypatch.setenv("BYBIT_RESEARCH_ENV", "moon")
    with pytest.raises(ValueError, match=r"BYBIT_RESEARCH_ENV='moon'.*mainnet, testnet, demo, offline"):
        resolve_environment()


def test_base_url_and_unknown_env() -> None:
    assert resolve_environment(base_url="http://localhost:8080/") == ("custom", "http://localhost:8080")
    assert resolve_environment("testnet", "http://localhost:1") == ("testnet", "http://localhost:1")
    with pytest.raises(
        ValueError, match=r"unknown environment 'prod'; allowed: mainnet, testnet, demo, offline"
    ):
        Client("prod")
    with pytest.raises(ValueError, match="http:// or https://"):
        Client(base_url="ftp://x")
    with pytest.raises(ValueError, match="takes no base_url"):
        resolve_environment("offline", "http://x.test")
    assert set(ENVIRONMENTS) == {"mainnet", "testnet", "demo", "offline"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"recv_window": 0}, "recv_window must be an integer"),
        ({"recv_window": 5000.5}, "recv_window must be an integer"),
        ({"recv_window": True}, "recv_window must be an integer"),
        ({"timeout": 0}, "timeout must be a positive number"),
        ({"timeout": float("nan")}, "timeout must be a positive number"),
        ({"timeout": "10"}, "timeout must be a positive number"),
        ({"ip_limit": 601}, r"ip_limit must be an integer in \[1, 600\]"),
        ({"cache": "yes"}, "cache must be True, False or a requests-cache backend"),
        ({"sim_app": object()}, "sim_app is only used with env='offline'"),
        ({"api_secret": "s", "rsa_private_key": "k.pem"}, "either api_secret .* or rsa_private_key"),
        ({"offline_only": True}, "offline_only needs a cache"),
    ],
)
def test_bad_constructor_arguments(kwargs: dict, message: str) -> None:
    kwargs.setdefault("cache", False)
    with pytest.raises(ValueError, match=message):
        Client(base_url="http://x.test", **kwargs)


def test_build_query_is_sorted_encoded_and_typed() -> None:
    params = {"symbol": "BTCUSDT", "category": "linear", "limit": 2, "cursor": "a%3D=b&c", "x": 1e-05}
    params |= {"flag": True, "skip": None, "ratio": 0.5}
    assert build_query(params) == (
        "category=linear&cursor=a%253D%3Db%26c&flag=true&limit=2&ratio=0.5&symbol=BTCUSDT&x=0.00001"
    )
    assert build_query(None) == ""
    assert build_query({}) == ""


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        ("v5/market/kline", None, "must be a V5 path starting with '/v5/'"),
        ("/v3/public/time", None, "must be a V5 path"),
        ("/v5/market/kline?x=1", None, "without a query"),
        ("/v5/market/kline", {"symbol": ["BTCUSDT"]}, "parameter 'symbol' must be a scalar .* got list"),
        ("/v5/market/kline", {"start": object()}, "parameter 'start' must be a scalar"),
        ("/v5/market/kline", {"x": float("inf")}, "finite"),
        ("/v5/market/kline", [("symbol", "X")], "params must be a mapping"),
        ("/v5/market/kline", {3: "x"}, "parameter names must be non-empty strings"),
    ],
)
def test_bad_call_arguments_raise_before_any_request(make_client, path, params, message) -> None:
    recorder = Recorder()
    client = make_client(recorder)
    with pytest.raises(ValueError, match=message):
        client.get(path, params)
    with pytest.raises(ValueError, match="expire_after"):
        client.fetch("/v5/market/time", expire_after=-5)
    with pytest.raises(ValueError, match="expire_after"):
        client.fetch("/v5/market/time", expire_after="1h")
    assert recorder.count == 0


def test_private_call_without_credentials_names_env_vars(make_client) -> None:
    recorder = Recorder()
    client = make_client(recorder, api_key=None, api_secret=None)
    assert not client.has_credentials
    with pytest.raises(AuthenticationError, match="BYBIT_API_KEY and BYBIT_API_SECRET") as info:
        client.get("/v5/account/wallet-balance", {"accountType": "UNIFIED"}, auth=True)
    assert info.value.endpoint == "/v5/account/wallet-balance"
    assert recorder.count == 0


def test_credentials_from_environment(monkeypatch: pytest.MonkeyPatch, make_client) -> None:
    monkeypatch.setenv("BYBIT_API_KEY", TEST_KEY)
    monkeypatch.setenv("BYBIT_API_SECRET", TEST_SECRET)
    recorder = Recorder(httpx.Response(200, json=envelope({"list": []})))
    client = make_client(recorder, api_key=None, api_secret=None)
    client.get("/v5/account/wallet-balance", {"accountType": "UNIFIED"}, auth=True)
    sent = recorder.requests[0]
    assert sent.headers["X-BAPI-API-KEY"] == TEST_KEY
    assert len(sent.headers["X-BAPI-SIGN"]) == 64
    monkeypatch.setenv("BYBIT_RSA_PRIVATE_KEY_PATH", "/nonexistent.pem")
    with pytest.raises(ValueError, match="BYBIT_API_SECRET and BYBIT_RSA_PRIVATE_KEY_PATH are both set"):
        make_client(Recorder(), api_key=None, api_secret=None)


def test_repr_masks_key_and_never_shows_secret(make_client) -> None:
    client = make_client(Recorder())
    text = repr(client)
    assert text == "Client(env='custom', base_url='http://bybit.test', api_key='test****')"
    assert TEST_SECRET not in text and TEST_KEY not in text
    assert repr(make_client(Recorder(), api_key=None, api_secret=None)).endswith("api_key=None)")


def test_default_client_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BYBIT_RESEARCH_ENV", "testnet")
    set_default_client(None)
    client = get_default_client()
    assert client.env == "testnet"
    assert get_default_client() is client
    other = Client("demo", cache=False)
    set_default_client(other)
    assert get_default_client() is other
    with pytest.raises(ValueError, match="expects a Client"):
        set_default_client("demo")  # type: ignore[arg-type]


def test_default_cache_path_follows_env_var(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("BYBIT_RESEARCH_CACHE", str(tmp_path / "c.sqlite"))
    assert default_cache_path() == tmp_path / "c.sqlite"
    monkeypatch.delenv("BYBIT_RESEARCH_CACHE")
    assert default_cache_path().name == "http_cache.sqlite"
    assert "bybit_research" in str(default_cache_path())


@pytest.mark.parametrize(
    "url", ["http://x.test/api", "http://x.test/?a=1", "http://x.test#frag", "https://user:pw@x.test"]
)
def test_base_url_must_be_scheme_and_host_only(url: str) -> None:
    with pytest.raises(ValueError, match="base_url must") as info:
        Client(base_url=url, cache=False)
    assert "pw" not in str(info.value) and "a=1" not in str(info.value)
    assert resolve_environment(base_url="http://x.test:8080/") == ("custom", "http://x.test:8080")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_attempts": "3"}, "max_attempts must be an integer >= 1, got '3'"),
        ({"max_attempts": 2.5}, "max_attempts must be an integer >= 1, got 2.5"),
        ({"max_attempts": 0}, "max_attempts must be an integer >= 1"),
        ({"retry_max_time": "x"}, "retry_max_time must be a positive finite number of seconds, got 'x'"),
        ({"retry_max_time": float("inf")}, "retry_max_time must be a positive finite"),
        ({"ip_ban_s": 0}, "ip_ban_s must be a positive finite"),
        ({"cache_path": "c.sqlite"}, "cache_path is only used with cache=True, but cache=False was given"),
        ({"proxy": "proxy.local"}, "proxy must be a URL"),
    ],
)
def test_bad_numeric_and_cache_arguments(kwargs: dict, message: str) -> None:
    kwargs.setdefault("cache", False)
    with pytest.raises(ValueError, match=message):
        Client(base_url="http://x.test", **kwargs)


def test_cache_path_with_a_backend_object_is_refused(tmp_path) -> None:
    from requests_cache import BaseCache

    with pytest.raises(ValueError, match="but a cache backend object was given"):
        Client(base_url="http://x.test", cache=BaseCache(), cache_path=tmp_path / "c.sqlite")


def test_explicit_offline_only_wins_over_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("BYBIT_RESEARCH_OFFLINE_ONLY", "1")
    with Client(base_url="http://x.test", cache_path=tmp_path / "c.sqlite") as client:
        assert client.offline_only is True
    with Client(base_url="http://x.test", cache_path=tmp_path / "c.sqlite", offline_only=False) as client:
        assert client.offline_only is False


def _innermost(client: Client) -> httpx.BaseTransport:
    transport: httpx.BaseTransport = client._http._transport
    while hasattr(transport, "inner"):
        transport = transport.inner
    assert isinstance(transport, LazyTransport)
    return transport.transport()


def test_proxy_from_argument_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import httpcore

    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with Client("mainnet", cache=False) as client:
        assert client.proxy is None
        assert not isinstance(_innermost(client)._pool, httpcore.HTTPProxy)  # type: ignore[attr-defined]
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.local:3128")
    with Client("mainnet", cache=False) as client:
        assert client.proxy == "http://proxy.local:3128"
        pool = _innermost(client)._pool  # type: ignore[attr-defined]
        assert isinstance(pool, httpcore.HTTPProxy)
        assert pool._proxy_url.host == b"proxy.local" and pool._proxy_url.port == 3128
    with Client("mainnet", cache=False, proxy="http://other.local:8080") as client:
        assert client.proxy == "http://other.local:8080"
    monkeypatch.setenv("NO_PROXY", "api.bybit.com")
    with Client("mainnet", cache=False) as client:
        assert client.proxy is None
    with Client("testnet", cache=False) as client:
        assert client.proxy == "http://proxy.local:3128"
    with pytest.raises(ValueError, match="proxy is only used for the network"):
        Client(
            base_url="http://x.test",
            cache=False,
            proxy="http://p.local:1",
            transport=httpx.MockTransport(Recorder()),
        )


def test_offline_host_depends_on_seed_and_clock() -> None:
    from bybit_research.sim import create_app

    urls = []
    for seed, now_ms in [(1, 1_717_200_000_000), (1, 1_717_300_000_000), (2, 1_717_200_000_000)]:
        with Client("offline", sim_app=create_app(seed=seed, now_ms=now_ms), cache=False) as client:
            urls.append(client.base_url)
    assert urls[0].startswith("http://sim-seed1-") and urls[2].startswith("http://sim-seed2-")
    assert len(set(urls)) == 3
    with Client("offline", sim_app=create_app(seed=1, now_ms=1_717_200_000_000), cache=False) as client:
        assert client.base_url == urls[0]  # the same settings find the same cached answers


def test_network_transport_is_built_on_the_first_request_only(tmp_path) -> None:
    built: list[int] = []

    def factory() -> httpx.BaseTransport:
        built.append(1)
        return httpx.MockTransport(lambda request: httpx.Response(200, json=envelope({"ok": True})))

    lazy = LazyTransport(factory)
    assert lazy.built is False
    with Client(base_url="http://x.test", cache=False, transport=lazy) as client:
        assert built == []
        assert client.get("/v5/market/time") == {"ok": True}
        assert client.get("/v5/market/time") == {"ok": True}
    assert built == [1] and lazy.built is True


def test_a_client_that_sends_nothing_builds_no_network_transport(tmp_path) -> None:
    with Client("mainnet", cache_path=tmp_path / "c.sqlite") as client:
        network = client._http._transport
        while hasattr(network, "inner"):
            network = network.inner
        assert isinstance(network, LazyTransport) and network.built is False


@pytest.mark.parametrize(
    ("proxy", "message"),
    [
        ("ftp://user:hunter2@proxy.local:21", "scheme must be http, https, socks5 or socks5h"),
        ("socks5://user:hunter2@proxy.local:1080", "needs the socksio package"),
    ],
)
def test_an_unusable_proxy_is_refused_when_the_client_is_built(
    proxy: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(  # as without the optional socksio package
        importlib.util, "find_spec", lambda name, *a: None if name == "socksio" else real_find_spec(name, *a)
    )
    with pytest.raises(ValueError, match=message) as caught:
        Client("mainnet", cache=False, proxy=proxy)
    assert "hunter2" not in str(caught.value) and "***@proxy.local" in str(caught.value)
