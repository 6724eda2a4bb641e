"""Authentication of private requests as Bybit V5 does it: key lookup, timestamp window, signature.

The string to sign is ``timestamp + api_key + recv_window + payload`` where ``payload`` is the raw query
string of a GET or the raw body of a POST, exactly as received. System-generated keys sign it with
HMAC-SHA256 (lowercase hex); self-generated keys sign it with RSASSA-PKCS1-v1_5 over SHA-256 (base64).
RSA signatures are verified with the standard library alone: the PEM public key is read with a small DER
reader and the signature checked with ``pow``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from .core import SimError
from .credentials import API_KEYS, ApiKey

__all__ = [
    "DEFAULT_RECV_WINDOW",
    "RsaPublicKey",
    "authenticate",
    "hmac_signature",
    "load_rsa_public_key",
    "rsa_verify",
    "sign_string",
]

DEFAULT_RECV_WINDOW = 5000
#: a timestamp may run at most this far ahead of the server clock
FUTURE_TOLERANCE_MS = 1000

AUTH_FAILED = 10007
TIMESTAMP_REJECTED = 10002
KEY_INVALID = 10003
SIGN_INVALID = 10004

# DigestInfo prefix of SHA-256 (RFC 8017, section 9.2, note 1)
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
_RSA_ENCRYPTION_OID = bytes.fromhex("2a864886f70d010101")  # 1.2.840.113549.1.1.1


@dataclass(frozen=True)
class RsaPublicKey:
    """An RSA public key: modulus ``n`` and public exponent ``e``."""

    n: int
    e: int

    @property
    def size_bytes(self) -> int:
        """Length of the modulus (and of every signature) in bytes."""
        return (self.n.bit_length() + 7) // 8


def _read_tlv(der: bytes, offset: int) -> tuple[int, bytes, int]:
    """Read one DER element at ``offset``; return its tag, its content and the offset after it."""
    if offset + 2 > len(der):
        raise ValueError("truncated DER element")
    tag, length = der[offset], der[offset + 1]
    offset += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or offset + count > len(der):
            raise ValueError("unsupported DER length")
        length = int.from_bytes(der[offset : offset + count], "big")
        offset += count
    end = offset + length
    if end > len(der):
        raise ValueError("truncated DER element")
    return tag, der[offset:end], end


def _children(content: bytes) -> list[tuple[int, bytes]]:
    """Split the content of a constructed DER element into its (tag, content) children."""
    items, offset = [], 0
    while offset < len(content):
        tag, value, offset = _read_tlv(content, offset)
        items.append((tag, value))
    return items


def _rsa_public_key_from_pkcs1(der: bytes) -> RsaPublicKey:
    """Read ``RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }``."""
    tag, content, _ = _read_tlv(der, 0)
    fields = _children(content) if tag == 0x30 else []
    if len(fields) != 2 or any(t != 0x02 for t, _ in fields):
        raise ValueError("not an RSAPublicKey")
    n, e = (int.from_bytes(value, "big") for _, value in fields)
    return RsaPublicKey(n, e)


def _rsa_public_key_from_spki(der: bytes) -> RsaPublicKey:
    """Read ``SubjectPublicKeyInfo ::= SEQUENCE { AlgorithmIdentifier, BIT STRING }`` holding an RSA key."""
    tag, content, _ = _read_tlv(der, 0)
    fields = _children(content) if tag == 0x30 else []
    if len(fields) != 2 or fields[0][0] != 0x30 or fields[1][0] != 0x03:
        raise ValueError("not a SubjectPublicKeyInfo")
    algorithm = _children(fields[0][1])
    if not algorithm or algorithm[0] != (0x06, _RSA_ENCRYPTION_OID):
        raise ValueError("the public key is not an RSA key")
    bits = fields[1][1]
    if not bits or bits[0] != 0:
        raise ValueError("unexpected unused bits in the public key")
    return _rsa_public_key_from_pkcs1(bits[1:])


@lru_cache(maxsize=64)
def load_rsa_public_key(pem: str) -> RsaPublicKey:
    """Parse a PEM RSA public key (``BEGIN PUBLIC KEY`` or ``BEGIN RSA PUBLIC KEY``).

    Parameters
    ----------
    pem
        The PEM text.

    Returns
    -------
    RsaPublicKey
        The modulus and exponent.

    Raises
    ------
    ValueError
        If the text is not a PEM RSA public key.
    """
    lines = [line.strip() for line in pem.strip().splitlines() if line.strip()]
    if len(lines) < 3 or not lines[0].startswith("-----BEGIN ") or not lines[-1].startswith("-----END "):
        raise ValueError("not a PEM block")
    label = lines[0].removeprefix("-----BEGIN ").removesuffix("-----")
    try:
        der = base64.b64decode("".join(lines[1:-1]), validate=True)
    except binascii.Error as exc:
        raise ValueError("bad base64 in the PEM block") from exc
    if label == "PUBLIC KEY":
        return _rsa_public_key_from_spki(der)
    if label == "RSA PUBLIC KEY":
        return _rsa_public_key_from_pkcs1(der)
    raise ValueError(f"unsupported PEM block {label!r}")


def rsa_verify(key: RsaPublicKey, message: bytes, signature: bytes) -> bool:
    """Return whether ``signature`` is a valid RSASSA-PKCS1-v1_5 SHA-256 signature of ``message``.

    Parameters
    ----------
    key
        The signer's public key.
    message
        The signed bytes.
    signature
        The raw signature (as many bytes as the modulus).
    """
    k = key.size_bytes
    if len(signature) != k:
        return False
    s = int.from_bytes(signature, "big")
    if s >= key.n:
        return False
    encoded = pow(s, key.e, key.n).to_bytes(k, "big")
    digest_info = _SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
    padding = k - len(digest_info) - 3
    if padding < 8:
        return False
    expected = b"\x00\x01" + b"\xff" * padding + b"\x00" + digest_info
    return hmac.compare_digest(encoded, expected)


def hmac_signature(secret: str, message: bytes) -> str:
    """Return the lowercase hex HMAC-SHA256 of ``message`` under ``secret``."""
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign_string(timestamp: str, api_key: str, recv_window: str, payload: bytes) -> bytes:
    """Return the bytes Bybit signs: ``timestamp + api_key + recv_window + payload``."""
    return f"{timestamp}{api_key}{recv_window}".encode() + payload


def _signature_matches(api_key: ApiKey, message: bytes, signature: str) -> bool:
    if api_key.secret is not None:
        return hmac.compare_digest(hmac_signature(api_key.secret, message), signature)
    if api_key.public_key_pem is None:
        return False
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    return rsa_verify(load_rsa_public_key(api_key.public_key_pem), message, raw)


def _origin_string(payload: bytes) -> str:
    """The signed string as Bybit echoes it in a 10004: the timestamp, key and window masked."""
    return "***" + payload.decode("utf-8", errors="replace")


def authenticate(
    headers: Mapping[str, str],
    payload: bytes,
    now_ms: int,
    keys: Mapping[str, ApiKey] = API_KEYS,
    frozen_for_ms: int = 0,
) -> ApiKey:
    """Check the ``X-BAPI-*`` headers of a private request and return the key that signed it.

    Parameters
    ----------
    headers
        Request headers with lower-case names.
    payload
        The raw query string (GET) or raw body (POST), as received.
    now_ms
        The server clock.
    keys
        The keys the server knows.
    frozen_for_ms
        With a fixed simulator clock: the wall time since the simulator was built. A frozen clock does not
        move while a client's does, so a client that learned the offset from ``/v5/market/time`` signs
        timestamps running ahead of it; the window's future edge moves on by this much (Bybit's own clock
        moves too). A timestamp far off (a client clock not synced) is still refused.

    Returns
    -------
    ApiKey
        The key of a correctly signed request.

    Raises
    ------
    SimError
        10007 (HTTP 401) when headers are missing or unusable, 10003 for an unknown key, 10002 for a
        timestamp outside ``[now - recv_window, now + 1000)``, 10004 for a wrong signature.
    """
    key_id = headers.get("x-bapi-api-key", "")
    timestamp = headers.get("x-bapi-timestamp", "")
    signature = headers.get("x-bapi-sign", "")
    recv_window_header = headers.get("x-bapi-recv-window")
    recv_window_text = recv_window_header if recv_window_header is not None else str(DEFAULT_RECV_WINDOW)
    if not key_id or not signature or not timestamp.isdigit() or not recv_window_text.isdigit():
        raise SimError(AUTH_FAILED, "User authentication failed.", http_status=401)
    api_key = keys.get(key_id)
    if api_key is None:
        raise SimError(KEY_INVALID, "API key is invalid.")
    ts, recv_window = int(timestamp), int(recv_window_text)
    if not now_ms - recv_window <= ts < now_ms + FUTURE_TOLERANCE_MS + frozen_for_ms:
        raise SimError(
            TIMESTAMP_REJECTED,
            "invalid request, please check your server timestamp or recv_window param. "
            f"req_timestamp[{ts}],server_timestamp[{now_ms}],recv_window[{recv_window}]",
        )
    # a client that sends no recv_window header may sign with the default or with nothing in its place
    windows = [recv_window_header] if recv_window_header is not None else [str(DEFAULT_RECV_WINDOW), ""]
    for window in windows:
        if _signature_matches(api_key, sign_string(timestamp, key_id, window, payload), signature):
            return api_key
    raise SimError(SIGN_INVALID, f"error sign! origin_string[{_origin_string(payload)}]")
