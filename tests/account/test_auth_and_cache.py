"""Private calls: keys checked before any request, refusals that say what to check without echoing the
secret, RSA keys, and private answers cached only when asked for, closed windows for good, without any key,
signature or timestamp stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from bybit_research.client import Client
from bybit_research.errors import AuthenticationError
from bybit_research.sim import DEMO_API_KEY, DEMO_API_SECRET, DEMO_RSA_API_KEY, DEMO_RSA_PRIVATE_KEY_PEM
from tests.conftest import NOW
from tests.http.conftest import Recorder, envelope

WRONG_SECRET = "not-the-secret-0000000000000000"


def over(app: Any, **kwargs: Any) -> Client:
    """A client of the simulator app as any V5 host (no offline defaults: keys only if given)."""
    return Client(base_url="http://sim.test", transport=httpx.WSGITransport(app=app), **kwargs)


def test_a_private_call_without_keys_names_the_variables_and_sends_nothing(app: Any) -> None:
    app.reset_counts()
    with over(app, cache=False) as client, pytest.raises(AuthenticationError) as caught:
        client.executions("linear", NOW - pd.Timedelta(days=3), NOW)
    message = str(caught.value)
    assert (
        "BYBIT_API_KEY" in message
        and "BYBIT_API_SECRET" in message
        and "BYBIT_RSA_PRIVATE_KEY_PATH" in message
    )
    assert sum(app.requests.values()) == 0


def test_an_unknown_key_and_a_wrong_secret_say_what_to_check(app: Any) -> None:
    unknown = over(app, cache=False, api_key="UNKNOWNKEY123456", api_secret=WRONG_SECRET)
    with unknown, pytest.raises(AuthenticationError, match=r"10003 .*Check the API key: .*testnet and demo"):
        unknown.wallet_balance()
    wrong = over(app, cache=False, api_key=DEMO_API_KEY, api_secret=WRONG_SECRET)
    with wrong, pytest.raises(AuthenticationError, match=r"10004 .*Check the signature's secret") as caught:
        wrong.wallet_balance()
    assert WRONG_SECRET not in str(caught.value) and DEMO_API_KEY not in str(caught.value)


def test_a_key_without_permission_says_which(make_mock: Any) -> None:
    answer = envelope(ret_code=10005, ret_msg="Permission denied, please check your API key permissions.")
    client = make_mock(Recorder(httpx.Response(200, json=answer)))
    with pytest.raises(AuthenticationError, match=r"10005 .*Check the key's permissions: a read-only key"):
        client.positions("linear", symbol="BTCUSDT")


@pytest.fixture
def make_mock() -> Any:
    clients: list[Client] = []

    def build(recorder: Recorder) -> Client:
        client = Client(
            base_url="http://bybit.test",
            transport=httpx.MockTransport(recorder),
            cache=False,
            api_key=DEMO_API_KEY,
            api_secret=DEMO_API_SECRET,
        )
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


def test_rsa_keys_sign_private_calls(app: Any) -> None:
    with over(app, cache=False, api_key=DEMO_RSA_API_KEY, rsa_private_key=DEMO_RSA_PRIVATE_KEY_PEM) as client:
        wallet = client.wallet_balance()
    assert len(wallet) > 0 and wallet.attrs["summary"]["account_type"] == "UNIFIED"


def test_private_answers_are_not_cached_by_default(app: Any, tmp_path: Path) -> None:
    with over(
        app, cache_path=str(tmp_path / "c.sqlite"), api_key=DEMO_API_KEY, api_secret=DEMO_API_SECRET
    ) as c:
        c.executions("linear", NOW - pd.Timedelta(days=20), NOW - pd.Timedelta(days=10))
        app.reset_counts()
        c.executions("linear", NOW - pd.Timedelta(days=20), NOW - pd.Timedelta(days=10))
        assert app.requests["/v5/execution/list"] > 0
        assert len(list(c.cache_backend.filter())) == 0


def _utc(moment: Any) -> pd.Timestamp:
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _expiries(client: Client) -> dict[str, Any]:
    return {
        str(response.url).split("?")[1]: response.expires
        for response in client.cache_backend.filter(valid=True, expired=True)
        if "/v5/execution/list" in str(response.url)
    }


def test_cached_private_history_closed_windows_never_expire(app: Any, tmp_path: Path) -> None:
    path = str(tmp_path / "c.sqlite")
    kwargs = {
        "cache_path": path,
        "cache_private": True,
        "api_key": DEMO_API_KEY,
        "api_secret": DEMO_API_SECRET,
    }
    with over(app, **kwargs) as client:
        first = client.executions("linear", NOW - pd.Timedelta(days=30), NOW)
        expiries = _expiries(client)
        closed = [e for q, e in expiries.items() if "cursor" not in q and e is None]
        live = [e for e in expiries.values() if e is not None]
        assert len(closed) >= 4 and len(live) >= 1  # windows of the past for good; the one reaching now not
        utc_now = pd.Timestamp.now(tz="UTC")
        assert all(_utc(e) - utc_now < pd.Timedelta(seconds=10) for e in live)
        app.reset_counts()
        same = client.executions("linear", NOW - pd.Timedelta(days=30), NOW)
        assert app.requests["/v5/execution/list"] <= 2  # only the window reaching now is asked again
        pd.testing.assert_frame_equal(same, first)
        app.reset_counts()
        inner = client.executions("linear", NOW - pd.Timedelta(days=30), NOW - pd.Timedelta(days=3))
        # the closed windows come from the cache; only the last one, cut at the new end, is a new request
        assert 1 <= app.requests["/v5/execution/list"] <= 2 and inner.attrs["from_cache"] >= 0.6
        pd.testing.assert_frame_equal(inner, first[first.index < NOW - pd.Timedelta(days=3)])
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    for secret in (DEMO_API_KEY, DEMO_API_SECRET, "X-BAPI-SIGN", "X-BAPI-TIMESTAMP", "X-BAPI-API-KEY"):
        assert secret.encode() not in stored and secret.lower().encode() not in stored


def test_a_wrong_secret_is_never_served_the_real_accounts_cached_answers(app: Any, tmp_path: Path) -> None:
    path = str(tmp_path / "c.sqlite")
    window = (NOW - pd.Timedelta(days=20), NOW - pd.Timedelta(days=10))
    with over(
        app, cache_path=path, cache_private=True, api_key=DEMO_API_KEY, api_secret=DEMO_API_SECRET
    ) as c:
        assert len(c.executions("linear", *window)) > 0
    impostor = over(app, cache_path=path, cache_private=True, api_key=DEMO_API_KEY, api_secret=WRONG_SECRET)
    with impostor, pytest.raises(AuthenticationError, match="10004"):
        impostor.executions("linear", *window)
