"""Signatures of private V5 requests (reference §2): HMAC-SHA256 and RSA over the exact text sent.

The string to sign is ``timestamp + api_key + recv_window + payload`` where ``payload`` is the query string
exactly as sent (GET) or the raw JSON body (POST). HMAC keys sign it as lower-case hex HMAC-SHA256 with the
secret; RSA keys sign it with RSASSA-PKCS1-v1_5 over SHA-256 and base64-encode the result.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

__all__ = ["SIGN_TYPE", "Signer", "hmac_signature", "rsa_signature", "sign_string", "signed_headers"]


class Signer(Protocol):
    """An API key that signs (:class:`~bybit_research.http.credentials.Credentials` is one)."""

    @property
    def api_key(self) -> str:
        """The key sent in ``X-BAPI-API-KEY``."""
        ...

    def sign(self, message: str) -> str:
        """The signature of ``message``."""
        ...


SIGN_TYPE = "2"


def sign_string(timestamp: int | str, api_key: str, recv_window: int | str, payload: str) -> str:
    """Return the V5 string to sign: ``timestamp + api_key + recv_window + payload``."""
    return f"{timestamp}{api_key}{recv_window}{payload}"


def hmac_signature(secret: str, message: str) -> str:
    """Return the lower-case hex HMAC-SHA256 of ``message`` keyed with ``secret``."""
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def rsa_signature(private_key: rsa.RSAPrivateKey, message: str) -> str:
    """Return base64 of the RSASSA-PKCS1-v1_5 / SHA-256 signature of ``message``."""
    raw = private_key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(raw).decode()


def signed_headers(credentials: Signer, timestamp_ms: int, recv_window: int, payload: str) -> dict[str, str]:
    """Return the five ``X-BAPI-*`` headers of a request whose query string (or body) is ``payload``."""
    message = sign_string(timestamp_ms, credentials.api_key, recv_window, payload)
    return {
        "X-BAPI-API-KEY": credentials.api_key,
        "X-BAPI-TIMESTAMP": str(timestamp_ms),
        "X-BAPI-SIGN": credentials.sign(message),
        "X-BAPI-RECV-WINDOW": str(recv_window),
        "X-BAPI-SIGN-TYPE": SIGN_TYPE,
    }
