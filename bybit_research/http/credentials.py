"""API credentials: an HMAC key with its secret or an RSA key with its private key, from arguments or the
environment; reprs and messages show a masked key only."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ..config import ENV_API_KEY, ENV_API_SECRET, ENV_RSA_KEY_PATH
from .signing import hmac_signature, rsa_signature

__all__ = ["Credentials", "load_rsa_private_key", "mask_key", "resolve_credentials"]


def load_rsa_private_key(source: str | os.PathLike[str] | bytes) -> rsa.RSAPrivateKey:
    """Load an unencrypted RSA private key from a PEM file path or from PEM text.

    Parameters
    ----------
    source
        Path of a PEM file, or the PEM text itself (``-----BEGIN ... PRIVATE KEY-----``).

    Raises
    ------
    ValueError
        When ``source`` is neither an existing file nor PEM text, or does not hold an RSA private key. The
        message never quotes the key; it names the path only when the value looks like one.
    """
    if isinstance(source, bytes):
        pem = source
    elif isinstance(source, str) and "-----BEGIN" in source:
        pem = source.encode()
    else:
        path = os.fspath(source)
        if not os.path.isfile(path):
            # never echo the value: it may be a key pasted without its PEM armour
            where = f" (no file at {path!r})" if _looks_like_path(path) else ""
            raise ValueError(
                "rsa_private_key is neither an existing file nor PEM text "
                f"('-----BEGIN ... PRIVATE KEY-----'){where}"
            )
        with open(path, "rb") as handle:
            pem = handle.read()
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"could not read an unencrypted PEM private key ({type(exc).__name__})") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the PEM private key is not an RSA key")
    return key


# 40+ base64 characters without a path separator or the "._-" of file names: a key, not a path
_BASE64_RUN = re.compile(r"[A-Za-z0-9+=]{40,}")


def _looks_like_path(text: str) -> bool:
    """Whether ``text`` may be quoted in an error: short, one line, no long base64-like run."""
    return len(text) <= 256 and "\n" not in text and "\r" not in text and not _BASE64_RUN.search(text)


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
        """A one-way digest of the credentials as a whole (the key and its secret or private key), to keep
        accounts apart in the cache without storing either: a right key with a wrong secret is another
        account, never served the real one's cached answers."""
        if self._rsa_key is not None:
            secret = self._rsa_key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        else:
            secret = (self._secret or "").encode()
        digest = hashlib.sha256(b"bybit_research:" + self.api_key.encode() + b"\0" + secret)
        return digest.hexdigest()[:32]

    def sign(self, message: str) -> str:
        """Return the signature of ``message`` with this key."""
        if self._rsa_key is not None:
            return rsa_signature(self._rsa_key, message)
        assert self._secret is not None
        return hmac_signature(self._secret, message)

    def __repr__(self) -> str:
        return f"Credentials(api_key={mask_key(self.api_key)!r}, kind={self.kind!r})"

    __str__ = __repr__


def resolve_credentials(
    api_key: str | None,
    api_secret: str | None,
    rsa_private_key: str | os.PathLike[str] | None,
    *,
    fallback: Credentials | None = None,
) -> Credentials | None:
    """Return the credentials from the arguments, else ``fallback``, else from the environment, else ``None``.

    The sources are never mixed: if any credential argument is given, the arguments must hold a complete pair
    (``api_key`` with ``api_secret`` or ``rsa_private_key``); otherwise ``fallback`` (the simulator's demo key
    for ``env="offline"``) or else ``BYBIT_API_KEY`` with ``BYBIT_API_SECRET`` or
    ``BYBIT_RSA_PRIVATE_KEY_PATH``, which must be complete if any is set.

    Raises
    ------
    ValueError
        For an incomplete pair (the message names what is missing), or both an HMAC secret and an RSA key.
    """
    if api_key is not None or api_secret is not None or rsa_private_key is not None:
        return _complete_pair(
            api_key, api_secret, rsa_private_key, ("api_key=", "api_secret=", "rsa_private_key=")
        )
    if fallback is not None:
        return fallback
    key = os.environ.get(ENV_API_KEY) or None
    secret = os.environ.get(ENV_API_SECRET) or None
    rsa_path = os.environ.get(ENV_RSA_KEY_PATH) or None
    if key is None and secret is None and rsa_path is None:
        return None
    return _complete_pair(key, secret, rsa_path, (ENV_API_KEY, ENV_API_SECRET, ENV_RSA_KEY_PATH))


def _complete_pair(
    key: str | None,
    secret: str | None,
    rsa_key: str | os.PathLike[str] | None,
    names: tuple[str, str, str],
) -> Credentials:
    key_name, secret_name, rsa_name = names
    if secret is not None and rsa_key is not None:
        raise ValueError(
            f"pass either api_secret (HMAC key) or rsa_private_key (RSA key), not both: {secret_name} and "
            f"{rsa_name} are both set; unset one of them"
        )
    if not key:
        given = secret_name if secret is not None else rsa_name
        raise ValueError(f"incomplete credentials: {given} is set but {key_name} is missing")
    if secret is None and rsa_key is None:
        raise ValueError(
            f"incomplete credentials: {key_name} is set but neither {secret_name} nor {rsa_name} is"
        )
    if rsa_key is not None:
        return Credentials.rsa(key, rsa_key)
    assert secret is not None
    return Credentials.hmac(key, secret)
