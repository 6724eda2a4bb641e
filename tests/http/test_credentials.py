"""Signing: the reference's vectors, equality with pybit's signatures, RSA, and masked credentials."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pybit._http_manager import generate_signature

from bybit_research.http.clock import ServerClock
from bybit_research.http.credentials import Credentials, load_rsa_private_key, mask_key, resolve_credentials
from bybit_research.http.signing import hmac_signature, sign_string, signed_headers

# reference §2.2, self-made vectors
SECRET, KEY, TS, RECV = "test-secret-0123456789", "testkey123", 1700000000000, 5000
GET_QUERY = "category=linear&interval=60&limit=2&symbol=BTCUSDT"
POST_BODY = '{"category":"linear","symbol":"BTCUSDT"}'


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem_of(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def test_sign_string_matches_documented_example() -> None:
    assert (
        sign_string(1658384314791, "XXXXXXXXXX", 5000, "category=option&symbol=BTC-29JUL22-25000-C")
        == "1658384314791XXXXXXXXXX5000category=option&symbol=BTC-29JUL22-25000-C"
    )


def test_hmac_reference_vectors() -> None:
    get_sig = hmac_signature(SECRET, sign_string(TS, KEY, RECV, GET_QUERY))
    post_sig = hmac_signature(SECRET, sign_string(TS, KEY, RECV, POST_BODY))
    assert get_sig == "54e7b2c6c9a5d66be1728c72de61a8610a1365ff142e7e53515e0b65b1640980"
    assert post_sig == "791a9b0dc01ea4c85386e3b9ca9c72c84a3458d97080f2d8d7154ce32bd89339"


@pytest.mark.parametrize("payload", [GET_QUERY, POST_BODY, "", "accountType=UNIFIED&coin=BTC"])
def test_hmac_equals_pybit(payload: str) -> None:
    credentials = Credentials.hmac(KEY, SECRET)
    message = sign_string(TS, KEY, RECV, payload)
    assert credentials.sign(message) == generate_signature(False, SECRET, message)


def test_rsa_equals_pybit_and_verifies(rsa_key: rsa.RSAPrivateKey) -> None:
    credentials = Credentials.rsa(KEY, pem_of(rsa_key))
    message = sign_string(TS, KEY, RECV, GET_QUERY)
    signature = credentials.sign(message)
    assert signature == generate_signature(True, pem_of(rsa_key), message)
    # verifies with the public key (raises InvalidSignature otherwise)
    rsa_key.public_key().verify(
        base64.b64decode(signature), message.encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    assert credentials.kind == "rsa"


def test_rsa_key_from_file(tmp_path, rsa_key: rsa.RSAPrivateKey) -> None:
    path = tmp_path / "key.pem"
    path.write_text(pem_of(rsa_key))
    loaded = load_rsa_private_key(path)
    assert loaded.private_numbers() == rsa_key.private_numbers()
    assert load_rsa_private_key(str(path)).private_numbers() == rsa_key.private_numbers()


def test_bad_rsa_key_errors_never_quote_the_key(tmp_path) -> None:
    missing = tmp_path / "missing.pem"
    with pytest.raises(ValueError, match="neither an existing file nor PEM text") as info:
        load_rsa_private_key(missing)
    assert f"(no file at {str(missing)!r})" in str(info.value)
    bad = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LXN0dWZm\n-----END PRIVATE KEY-----\n"
    with pytest.raises(ValueError) as info:
        load_rsa_private_key(bad)
    assert "c2VjcmV0LXN0dWZm" not in str(info.value)


def test_signed_headers() -> None:
    headers = signed_headers(Credentials.hmac(KEY, SECRET), TS, RECV, GET_QUERY)
    assert headers == {
        "X-BAPI-API-KEY": KEY,
        "X-BAPI-TIMESTAMP": "1700000000000",
        "X-BAPI-SIGN": "54e7b2c6c9a5d66be1728c72de61a8610a1365ff142e7e53515e0b65b1640980",
        "X-BAPI-RECV-WINDOW": "5000",
        "X-BAPI-SIGN-TYPE": "2",
    }


def test_credentials_repr_masks_everything(rsa_key: rsa.RSAPrivateKey) -> None:
    hmac_credentials = Credentials.hmac("ABCDEFGHIJKLMNOP", SECRET)
    assert repr(hmac_credentials) == "Credentials(api_key='ABCD****', kind='hmac')"
    assert SECRET not in str(hmac_credentials)
    rsa_credentials = Credentials.rsa("ABCDEFGHIJKLMNOP", rsa_key)
    assert "PRIVATE" not in repr(rsa_credentials)
    assert mask_key("short") == "****"
    assert mask_key(None) is None


def test_credentials_need_key_and_secret() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        Credentials.hmac("", SECRET)
    with pytest.raises(ValueError, match="non-empty"):
        Credentials.hmac(KEY, "")


def test_server_clock_learns_midpoint_offset() -> None:
    clock = ServerClock()
    assert clock.offset_ms == 0
    clock.learn(server_ms=10_500, sent_local_ms=9_000, received_local_ms=9_200)
    assert clock.offset_ms == 1_400


def test_bare_base64_key_is_never_echoed() -> None:
    secret = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" + "SECRETMARKER" + "QWxhZGRpbjpvcGVuIHNlc2FtZQ" * 20
    with pytest.raises(ValueError) as info:
        load_rsa_private_key(secret)
    message = str(info.value)
    assert "SECRETMARKER" not in message and "MIIEvQ" not in message
    assert (
        message
        == "rsa_private_key is neither an existing file nor PEM text ('-----BEGIN ... PRIVATE KEY-----')"
    )
    one_line = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCSECRETMARKERQWxh"  # short, but a base64 run, not a path
    with pytest.raises(ValueError) as info:
        load_rsa_private_key(one_line)
    assert "SECRETMARKER" not in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"api_key": KEY}, "api_key= is set but neither api_secret= nor rsa_private_key= is"),
        ({"api_secret": SECRET}, "api_secret= is set but api_key= is missing"),
        ({"rsa_private_key": "key.pem"}, "rsa_private_key= is set but api_key= is missing"),
        ({"api_key": "", "api_secret": SECRET}, "api_key= is missing"),
    ],
)
def test_incomplete_credential_arguments_raise(kwargs: dict, message: str, monkeypatch) -> None:
    for name in ("BYBIT_API_KEY", "BYBIT_API_SECRET", "BYBIT_RSA_PRIVATE_KEY_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BYBIT_API_SECRET", "env-secret-never-mixed")  # arguments never borrow from here
    with pytest.raises(ValueError, match=message):
        resolve_credentials(kwargs.get("api_key"), kwargs.get("api_secret"), kwargs.get("rsa_private_key"))


def test_incomplete_credential_environment_raises(monkeypatch) -> None:
    for name in ("BYBIT_API_KEY", "BYBIT_API_SECRET", "BYBIT_RSA_PRIVATE_KEY_PATH"):
        monkeypatch.delenv(name, raising=False)
    assert resolve_credentials(None, None, None) is None
    monkeypatch.setenv("BYBIT_API_KEY", KEY)
    with pytest.raises(
        ValueError, match="BYBIT_API_KEY is set but neither BYBIT_API_SECRET nor BYBIT_RSA_PRIVATE_KEY_PATH"
    ):
        resolve_credentials(None, None, None)
    monkeypatch.delenv("BYBIT_API_KEY")
    monkeypatch.setenv("BYBIT_API_SECRET", SECRET)
    with pytest.raises(ValueError, match="BYBIT_API_SECRET is set but BYBIT_API_KEY is missing"):
        resolve_credentials(None, None, None)
    monkeypatch.setenv("BYBIT_API_KEY", KEY)
    credentials = resolve_credentials(None, None, None)
    assert credentials is not None and credentials.api_key == KEY and credentials.kind == "hmac"
    # a complete pair in the arguments ignores the environment entirely
    other = resolve_credentials("argkey12345678", "argsecret", None)
    assert other is not None and other.api_key == "argkey12345678"
    assert other.sign("x") == hmac_signature("argsecret", "x")
