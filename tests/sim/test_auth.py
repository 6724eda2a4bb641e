"""Authentication as Bybit V5 does it: reference vectors, HMAC and RSA keys, timestamp window, failures."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from bybit_research.sim.auth import hmac_signature, load_rsa_public_key, rsa_verify, sign_string
from bybit_research.sim.credentials import (
    API_KEYS,
    DEMO_API_KEY,
    DEMO_API_SECRET,
    DEMO_READONLY_API_KEY,
    DEMO_READONLY_API_SECRET,
    DEMO_RSA_API_KEY,
    DEMO_RSA_PRIVATE_KEY_PEM,
    DEMO_RSA_PUBLIC_KEY_PEM,
    DEMO_UID,
)

NOW = 1_717_200_000_000
ECHO, WALLET = "/v5/test/echo", "/v5/test/wallet"
TIMESTAMP_MESSAGE = (
    "invalid request, please check your server timestamp or recv_window param. "
    "req_timestamp[{ts}],server_timestamp[{now}],recv_window[{rw}]"
)


# -- signing primitives --------------------------------------------------------------------------------------


def test_reference_hmac_vectors() -> None:
    secret, key, ts, window = "test-secret-0123456789", "testkey123", "1700000000000", "5000"
    get = sign_string(ts, key, window, b"category=linear&interval=60&limit=2&symbol=BTCUSDT")
    assert get == b"1700000000000testkey1235000category=linear&interval=60&limit=2&symbol=BTCUSDT"
    assert hmac_signature(secret, get) == "54e7b2c6c9a5d66be1728c72de61a8610a1365ff142e7e53515e0b65b1640980"
    post = sign_string(ts, key, window, b'{"category":"linear","symbol":"BTCUSDT"}')
    assert hmac_signature(secret, post) == "791a9b0dc01ea4c85386e3b9ca9c72c84a3458d97080f2d8d7154ce32bd89339"


def test_demo_rsa_key_pair_matches_and_parses_without_cryptography() -> None:
    private = serialization.load_pem_private_key(DEMO_RSA_PRIVATE_KEY_PEM.encode(), password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    numbers = private.public_key().public_numbers()
    parsed = load_rsa_public_key(DEMO_RSA_PUBLIC_KEY_PEM)
    assert (parsed.n, parsed.e) == (numbers.n, numbers.e)
    assert parsed.size_bytes == 256


def test_pkcs1_public_key_pem_parses_too() -> None:
    private = serialization.load_pem_private_key(DEMO_RSA_PRIVATE_KEY_PEM.encode(), password=None)
    pkcs1 = private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
    assert pkcs1.startswith(b"-----BEGIN RSA PUBLIC KEY-----")
    assert load_rsa_public_key(pkcs1.decode()) == load_rsa_public_key(DEMO_RSA_PUBLIC_KEY_PEM)


@pytest.mark.parametrize(
    "pem",
    [
        "not a pem",
        "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----",
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
        "-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----",
    ],
)
def test_bad_public_keys_are_refused(pem: str) -> None:
    with pytest.raises(ValueError):
        load_rsa_public_key(pem)


def test_non_rsa_public_key_is_refused() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(ValueError, match="not an RSA key"):
        load_rsa_public_key(pem.decode())


def test_rsa_verify_accepts_only_the_right_signature() -> None:
    private = serialization.load_pem_private_key(DEMO_RSA_PRIVATE_KEY_PEM.encode(), password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    key = load_rsa_public_key(DEMO_RSA_PUBLIC_KEY_PEM)
    message = b"1717200000000key5000category=option"
    signature = private.sign(message, padding.PKCS1v15(), hashes.SHA256())
    assert rsa_verify(key, message, signature) is True
    assert rsa_verify(key, message + b"x", signature) is False
    tampered = bytes([signature[0] ^ 1]) + signature[1:]
    assert rsa_verify(key, message, tampered) is False
    assert rsa_verify(key, message, signature[:-1]) is False
    sha1 = private.sign(message, padding.PKCS1v15(), hashes.SHA1())
    assert rsa_verify(key, message, sha1) is False  # same padding, wrong digest algorithm
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert rsa_verify(key, message, other.sign(message, padding.PKCS1v15(), hashes.SHA256())) is False


def test_key_reprs_hide_secrets() -> None:
    text = repr(API_KEYS)
    assert DEMO_API_SECRET not in text and DEMO_READONLY_API_SECRET not in text
    assert "BEGIN" not in text and DEMO_API_KEY in text


# -- through the app -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("use_rsa", [False, True])
def test_valid_get_and_post_are_accepted(sim: httpx.Client, sign: Any, use_rsa: bool) -> None:
    creds = {"key": DEMO_RSA_API_KEY, "secret": DEMO_RSA_PRIVATE_KEY_PEM, "rsa": True} if use_rsa else {}
    query = "symbol=BTCUSDT&category=linear"
    body = sim.get(f"{ECHO}?{query}", headers=sign(query, **creds)).json()
    assert body["retCode"] == 0, body
    assert body["result"]["uid"] == DEMO_UID
    assert body["result"]["apiKey"] == (DEMO_RSA_API_KEY if use_rsa else DEMO_API_KEY)
    raw = b'{"category": "option",  "symbol":"BTC-29JUL22-25000-C"}'
    body = sim.post(ECHO, content=raw, headers=sign(raw, **creds)).json()
    assert body["retCode"] == 0, body
    assert body["result"]["json"] == {"category": "option", "symbol": "BTC-29JUL22-25000-C"}


def test_signature_is_checked_over_the_raw_query(sim: httpx.Client, sign: Any) -> None:
    query = "tag=a%25b%3Dc&b=2&a=1"  # unsorted, percent-encoded: verified as sent
    body = sim.get(f"{ECHO}?{query}", headers=sign(query)).json()
    assert body["retCode"] == 0
    assert body["result"]["query"] == {"tag": "a%b=c", "b": "2", "a": "1"}
    resorted = "a=1&b=2&tag=a%25b%3Dc"
    assert sim.get(f"{ECHO}?{query}", headers=sign(resorted)).json()["retCode"] == 10004


def test_bad_signature_is_10004_with_masked_origin_string(sim: httpx.Client, sign: Any) -> None:
    query = "category=linear&symbol=BTCUSDT"
    headers = sign(query, secret="wrong-secret")
    body = sim.get(f"{ECHO}?{query}", headers=headers).json()
    assert body["retCode"] == 10004
    assert body["retMsg"] == "error sign! origin_string[***category=linear&symbol=BTCUSDT]"
    assert body["result"] == {}
    for secret in (DEMO_API_SECRET, headers["X-BAPI-SIGN"], DEMO_API_KEY, str(NOW)):
        assert secret not in body["retMsg"]
    assert DEMO_API_SECRET not in json.dumps(body) and headers["X-BAPI-SIGN"] not in json.dumps(body)


def test_rsa_signature_from_another_key_is_10004(sim: httpx.Client, sign: Any) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    assert (
        sim.get(ECHO, headers=sign("", key=DEMO_RSA_API_KEY, secret=pem, rsa=True)).json()["retCode"] == 10004
    )
    hmac_headers = sign("", key=DEMO_RSA_API_KEY, secret="anything")  # hex, not base64 RSA
    assert sim.get(ECHO, headers=hmac_headers).json()["retCode"] == 10004


@pytest.mark.parametrize(
    ("offset", "window", "accepted"),
    [
        (0, "5000", True),
        (-5000, "5000", True),
        (-5001, "5000", False),
        (999, "5000", True),
        (1000, "5000", False),
        (-9000, "10000", True),
        (-10001, "10000", False),
    ],
)
def test_timestamp_window(
    make_app: Any, connect: Any, sign: Any, offset: int, window: str, accepted: bool
) -> None:
    sim = connect(make_app(frozen_clock_slack=False))  # Bybit's exact window, not the frozen clock's slack
    ts = NOW + offset
    body = sim.get(ECHO, headers=sign("", ts=ts, recv_window=window)).json()
    if accepted:
        assert body["retCode"] == 0
    else:
        assert body["retCode"] == 10002
        assert body["retMsg"] == TIMESTAMP_MESSAGE.format(ts=ts, now=NOW, rw=window)


def test_missing_recv_window_defaults_to_5000(sim: httpx.Client, sign: Any) -> None:
    assert sim.get(ECHO, headers=sign("", recv_window=None)).json()["retCode"] == 0
    stale = sim.get(ECHO, headers=sign("", recv_window=None, ts=NOW - 5001)).json()
    assert stale["retMsg"] == TIMESTAMP_MESSAGE.format(ts=NOW - 5001, now=NOW, rw=5000)


def test_unknown_key_is_10003(sim: httpx.Client, sign: Any) -> None:
    body = sim.get(ECHO, headers=sign("", key="NoSuchKey123", secret="x")).json()
    assert (body["retCode"], body["retMsg"]) == (10003, "API key is invalid.")


@pytest.mark.parametrize("dropped", ["X-BAPI-API-KEY", "X-BAPI-TIMESTAMP", "X-BAPI-SIGN", "all"])
def test_missing_auth_headers_are_http_401_10007(sim: httpx.Client, sign: Any, dropped: str) -> None:
    headers = {} if dropped == "all" else {k: v for k, v in sign("").items() if k != dropped}
    response = sim.get(ECHO, headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert (body["retCode"], body["retMsg"]) == (10007, "User authentication failed.")


@pytest.mark.parametrize(("name", "value"), [("X-BAPI-TIMESTAMP", "abc"), ("X-BAPI-RECV-WINDOW", "-5")])
def test_unusable_auth_headers_are_10007(sim: httpx.Client, sign: Any, name: str, value: str) -> None:
    response = sim.get(ECHO, headers={**sign(""), name: value})
    assert (response.status_code, response.json()["retCode"]) == (401, 10007)


def test_read_only_key_may_read_but_not_post(sim: httpx.Client, sign: Any) -> None:
    creds = {"key": DEMO_READONLY_API_KEY, "secret": DEMO_READONLY_API_SECRET}
    assert sim.get(ECHO, headers=sign("", **creds)).json()["retCode"] == 0
    body = sim.post(ECHO, content=b"{}", headers=sign("{}", **creds)).json()
    assert (body["retCode"], body["retMsg"]) == (
        10005,
        "Permission denied, please check your API key permissions.",
    )


def test_handlers_can_require_a_permission(sim: httpx.Client, sign: Any) -> None:
    assert sim.get(WALLET, headers=sign("")).json() == {
        "retCode": 0, "retMsg": "OK", "result": {"ok": True}, "retExtInfo": {}, "time": NOW,
    }  # fmt: skip
    readonly = sign("", key=DEMO_READONLY_API_KEY, secret=DEMO_READONLY_API_SECRET)
    assert sim.get(WALLET, headers=readonly).json()["retCode"] == 10005


def test_auth_failures_do_not_log_secrets(
    sim: httpx.Client, sign: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="bybit_research.sim"):
        bad = sign("", secret=DEMO_API_SECRET + "x")
        sim.get(ECHO, headers=bad)
        good = sign("")
        sim.get(ECHO, headers=good)
    assert caplog.records, "the app logs each answer at DEBUG"
    for secret in (DEMO_API_SECRET, bad["X-BAPI-SIGN"], good["X-BAPI-SIGN"]):
        assert secret not in caplog.text


# -- pybit, over TCP -----------------------------------------------------------------------------------------


@pytest.mark.tcp
def test_pybit_signed_requests_verify(platform_routes: None) -> None:
    from pybit.exceptions import InvalidRequestError
    from pybit.unified_trading import HTTP

    from bybit_research.sim import serve

    with serve(now_ms=None) as base_url:  # wall clock: pybit signs with its own clock
        session = HTTP(testnet=False, api_key=DEMO_API_KEY, api_secret=DEMO_API_SECRET, max_retries=1)
        session.endpoint = base_url  # pybit builds every URL from this attribute
        assert session.get_server_time()["retCode"] == 0
        echoed = session._submit_request(
            method="GET",
            path=f"{base_url}{ECHO}",
            query={"symbol": "BTCUSDT", "category": "linear"},
            auth=True,
        )
        assert echoed["retCode"] == 0
        assert echoed["result"]["rawQuery"] == "category=linear&symbol=BTCUSDT"  # pybit sorts the keys
        assert echoed["result"]["uid"] == DEMO_UID
        posted = session._submit_request(
            method="POST", path=f"{base_url}{ECHO}", query={"category": "option", "limit": 5}, auth=True
        )
        assert posted["retCode"] == 0
        assert posted["result"]["json"] == {"category": "option", "limit": 5}

        wrong = HTTP(testnet=False, api_key=DEMO_API_KEY, api_secret="not-the-secret", max_retries=1)
        wrong.endpoint = base_url
        with pytest.raises(InvalidRequestError) as info:
            wrong._submit_request(method="GET", path=f"{base_url}{ECHO}", query={"a": "1"}, auth=True)
        assert info.value.status_code == 10004


def test_rsa_signature_is_base64_of_the_modulus_size(sign: Any) -> None:
    headers = sign("", key=DEMO_RSA_API_KEY, secret=DEMO_RSA_PRIVATE_KEY_PEM, rsa=True)
    assert len(base64.b64decode(headers["X-BAPI-SIGN"])) == 256


def test_require_permission_on_direct_handler_calls() -> None:
    from bybit_research.sim.core import Request, SimError, require_permission

    direct = Request("GET", WALLET, "", {}, {})
    require_permission(direct, "Wallet")  # not restricted when no key is attached
    restricted = Request("GET", WALLET, "", {}, {}, permissions=frozenset({"Spot"}))
    with pytest.raises(SimError) as info:
        require_permission(restricted, "Wallet")
    assert info.value.ret_code == 10005


def test_a_frozen_clock_lets_a_synced_client_run_ahead(make_app: Any, connect: Any, sign: Any) -> None:
    import time

    sim = connect(make_app())
    time.sleep(1.2)  # the client's clock moved on by 1.2 s since it read the frozen clock
    assert sim.get(ECHO, headers=sign("", ts=NOW + 1150)).json()["retCode"] == 0
    assert sim.get(ECHO, headers=sign("", ts=NOW + 60_000)).json()["retCode"] == 10002  # never synced
