"""Request signing for private V5 endpoints (reference §2): HMAC-SHA256 and RSA, and the server clock offset.

The string to sign is ``timestamp + api_key + recv_window + payload`` where ``payload`` is the query string
exactly as sent (GET) or the raw JSON body (POST). HMAC keys sign it as lower-case hex HMAC-SHA256 with the
secret; RSA keys sign it with RSASSA-PKCS1-v1_5 over SHA-256 and base64-encode the result.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import threading
import time
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .config import ENV_API_KEY, ENV_API_SECRET, ENV_RSA_KEY_PATH

__all__ = [
    "Credentials",
    "ServerClock",
    "hmac_signature",
    "load_rsa_private_key",
    "mask_key",
    "resolve_credentials",
    "rsa_signature",
    "sign_string",
    "signed_headers",
]

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


def load_rsa_private_key(source: str | os.PathLike[str] | bytes) -> rsa.RSAPrivateKey:
    """Load an unencrypted RSA private key from a PEM file path or from PEM text.

    Parameters
    ----------
    source
        Path of a PEM file, or the PEM text itself (``-----BEGIN ... PRIVATE KEY-----``).

    Raises
    ------
    ValueError
        When the file does not exist or does not hold an RSA private key (the message never quotes the key).
    """
    if isinstance(source, bytes):
        pem = source
    elif isinstance(source, str) and "-----BEGIN" in source:
        pem = source.encode()
    else:
        path = os.fspath(source)
        if not os.path.isfile(path):
            raise ValueError(f"RSA private key file not found: {path}")
        with open(path, "rb") as handle:
            pem = handle.read()
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"could not read an unencrypted PEM private key ({type(exc).__name__})") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the PEM private key is not an RSA key")
    return key


def mask_key(api_key: str | None) -> str | None:
    """Return ``api_key`` with all but its first four characters hidden (``None`` stays ``None``)."""
    if api_key is None:
        return None
    return api_key[:4] + "****" if len(api_key) >= 12 else "****"


@dataclass(frozen=True, repr=False)
class Credentials:
    """An API key with its HMAC secret or RSA private key; the repr shows a masked key only.

    Use :meth:`hmac` or :meth:`rsa` to build one.
    """

    api_key: str
    _secret: str | None = field(default=None, compare=False)
    _rsa_key: rsa.RSAPrivateKey | None = field(default=None, compare=False)

    @classmethod
    def hmac(cls, api_key: str, api_secret: str) -> Credentials:
        """Credentials of a system-generated (HMAC) key."""
        if not api_key or not api_secret:
            raise ValueError("api_key and api_secret must be non-empty strings")
        return cls(api_key, _secret=api_secret)

    @classmethod
    def rsa(
        cls, api_key: str, private_key: str | os.PathLike[str] | bytes | rsa.RSAPrivateKey
    ) -> Credentials:
        """Credentials of a self-generated RSA key (``private_key``: PEM path, PEM text or key object)."""
        if not api_key:
            raise ValueError("api_key must be a non-empty string")
        key = private_key if isinstance(private_key, rsa.RSAPrivateKey) else load_rsa_private_key(private_key)
        return cls(api_key, _rsa_key=key)

    @property
    def kind(self) -> str:
        """``"hmac"`` or ``"rsa"``."""
        return "rsa" if self._rsa_key is not None else "hmac"

    @property
    def fingerprint(self) -> str:
        """A short one-way digest of the API key, to tell accounts apart without storing the key."""
        return hashlib.sha256(b"bybit_research:" + self.api_key.encode()).hexdigest()[:16]

    def sign(self, message: str) -> str:
        """Return the signature of ``message`` with this key."""
        if self._rsa_key is not None:
            return rsa_signature(self._rsa_key, message)
        assert self._secret is not None
        return hmac_signature(self._secret, message)

    def __repr__(self) -> str:
        return f"Credentials(api_key={mask_key(self.api_key)!r}, kind={self.kind!r})"

    __str__ = __repr__


def signed_headers(
    credentials: Credentials, timestamp_ms: int, recv_window: int, payload: str
) -> dict[str, str]:
    """Return the five ``X-BAPI-*`` headers of a request whose query string (or body) is ``payload``."""
    message = sign_string(timestamp_ms, credentials.api_key, recv_window, payload)
    return {
        "X-BAPI-API-KEY": credentials.api_key,
        "X-BAPI-TIMESTAMP": str(timestamp_ms),
        "X-BAPI-SIGN": credentials.sign(message),
        "X-BAPI-RECV-WINDOW": str(recv_window),
        "X-BAPI-SIGN-TYPE": SIGN_TYPE,
    }


class ServerClock:
    """Local time corrected by the offset to the server clock learned from ``/v5/market/time``."""

    def __init__(self) -> None:
        self._offset_ms = 0
        self._lock = threading.Lock()

    @property
    def offset_ms(self) -> int:
        """Server time minus local time, in ms (0 until learned)."""
        return self._offset_ms

    def now_ms(self) -> int:
        """The estimated server time in epoch ms."""
        return int(time.time() * 1000) + self._offset_ms

    def learn(self, server_ms: int, sent_local_ms: int, received_local_ms: int) -> None:
        """Set the offset from a server time observed between two local times (midpoint estimate)."""
        with self._lock:
            self._offset_ms = int(server_ms - (sent_local_ms + received_local_ms) / 2)


def resolve_credentials(
    env: str,
    api_key: str | None,
    api_secret: str | None,
    rsa_private_key: str | os.PathLike[str] | None,
) -> Credentials | None:
    """Return the credentials from the arguments, else the environment (``None`` when incomplete).

    ``env="offline"`` without arguments uses the simulator's demo key. Arguments win over ``BYBIT_API_KEY``,
    ``BYBIT_API_SECRET`` and ``BYBIT_RSA_PRIVATE_KEY_PATH``.

    Raises
    ------
    ValueError
        When both an HMAC secret and an RSA key are given, or both environment variables are set.
    """
    if api_secret is not None and rsa_private_key is not None:
        raise ValueError("pass either api_secret (HMAC key) or rsa_private_key (RSA key), not both")
    if env == "offline" and api_key is None and api_secret is None and rsa_private_key is None:
        from .sim.credentials import DEMO_API_KEY, DEMO_API_SECRET

        return Credentials.hmac(DEMO_API_KEY, DEMO_API_SECRET)
    key = api_key if api_key is not None else os.environ.get(ENV_API_KEY) or None
    if api_secret is None and rsa_private_key is None:
        env_secret = os.environ.get(ENV_API_SECRET) or None
        env_rsa = os.environ.get(ENV_RSA_KEY_PATH) or None
        if env_secret and env_rsa:
            raise ValueError(f"both {ENV_API_SECRET} and {ENV_RSA_KEY_PATH} are set; unset one of them")
        api_secret, rsa_private_key = env_secret, env_rsa
    if not key or (not api_secret and not rsa_private_key):
        return None
    if rsa_private_key is not None:
        return Credentials.rsa(key, rsa_private_key)
    assert api_secret is not None
    return Credentials.hmac(key, api_secret)
