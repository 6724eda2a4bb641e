"""Exceptions of bybit_research, grouped by V5 retCode family.

Every failed call raises a :class:`BybitError` (or a subclass) carrying the V5 ``retCode`` (``ret_code``), the
``retMsg`` (``ret_msg``) and the endpoint path. Errors that happen below the V5 envelope (HTTP status codes,
network failures) carry ``ret_code=None`` and the HTTP status in ``http_status``. Messages never contain API
keys, secrets or signatures.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

__all__ = [
    "AuthenticationError",
    "BybitError",
    "CacheCorruptError",
    "CacheMissError",
    "CacheUnavailableError",
    "InvalidRequestError",
    "NetworkError",
    "RateLimitError",
    "ResponseFormatError",
    "ServerError",
    "cache_error",
    "cache_location",
    "corrupt_cache_error",
    "error_for_http_status",
    "error_for_ret_code",
    "is_corruption",
    "malformed",
    "scrub_secrets",
]

#: retCodes meaning the key, signature, timestamp, permissions or IP binding were refused
AUTH_CODES = frozenset({10002, 10003, 10004, 10005, 10007, 10009, 10010, 33004, -2015})
#: retCodes meaning a rate limit was hit
RATE_LIMIT_CODES = frozenset({429, 10006, 10018, 170222})
#: retCodes meaning the request itself is wrong (parameters, account mode, unknown route)
INVALID_REQUEST_CODES = frozenset(
    {
        -1,
        10001,
        10008,
        10014,
        10017,
        10020,
        10024,
        10027,
        10028,
        10029,
        100028,
        110001,
        170121,
        170130,
        176004,
    }
    | {131002, 131004}
)
#: retCodes meaning the exchange failed (retrying may help)
SERVER_CODES = frozenset({10000, 10016, 170001, 131001, 131003})
#: retCodes of transient failures a repeat of the same request can cure (the retry layer's list)
TRANSIENT_CODES = frozenset({10006, 429} & RATE_LIMIT_CODES | {10000, 10016} & SERVER_CODES)

# what a signature looks like in text a server echoes: HMAC-SHA256 hex, or base64 of an RSA signature
_SIGNATURE_PATTERNS = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-fA-F])|[A-Za-z0-9+/]{100,}={0,2}")

IP_LIMIT_EXPLANATION = (
    "Bybit answers HTTP 403 when the IP rate limit is breached (600 requests per 5 seconds per IP, "
    "across all sessions; the ban lasts at least 10 minutes, so stop every session using this IP and "
    "wait), and for requests from blocked regions (US and mainland-China IP addresses are refused)."
)

_HINTS = {
    10002: (
        "The request's timestamp fell outside the server's window even after the client resynced its clock "
        "once: check this machine's clock (NTP) or pass a larger Client(recv_window=...)."
    ),
    10003: (
        "Check the API key: the exchange does not know it on this host. Mainnet, testnet and demo-trading "
        "keys are separate (Client(env='testnet') / env='demo'), and a deleted or expired key is refused too."
    ),
    10004: (
        "Check the signature's secret: it does not belong to this API key (BYBIT_API_SECRET, or for a "
        "self-generated key the RSA private key of BYBIT_RSA_PRIVATE_KEY_PATH whose public key was uploaded)."
    ),
    10005: (
        "Check the key's permissions: a read-only key needs read access to the group of this endpoint "
        "(Contract or Unified Trading for positions, orders and executions; Wallet for balances and asset "
        "records; Options for option data)."
    ),
    10010: "The request came from an IP address not bound to this API key.",
    10006: "Per-UID rate limit of this endpoint exceeded (Too many visits).",
    100028: "This endpoint serves classic accounts only; a unified account's log is transaction_log().",
}


class BybitError(Exception):
    """A V5 call failed.

    Parameters
    ----------
    ret_code
        The V5 ``retCode``, or ``None`` when the failure happened below the envelope (HTTP status, network).
    ret_msg
        The V5 ``retMsg`` or a description of the failure.
    endpoint
        The path that was called, e.g. ``"/v5/market/kline"``.
    http_status
        The HTTP status code of the answer, when there was one.
    """

    def __init__(
        self,
        ret_code: int | None,
        ret_msg: str,
        endpoint: str | None = None,
        *,
        http_status: int | None = None,
    ) -> None:
        self.ret_code = ret_code
        self.ret_msg = ret_msg
        self.endpoint = endpoint
        self.http_status = http_status
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = f" from {self.endpoint}" if self.endpoint else ""
        if self.ret_code is not None:
            text = f"retCode {self.ret_code}{where}: {self.ret_msg}"
        elif self.http_status is not None:
            text = f"HTTP {self.http_status}{where}: {self.ret_msg}"
        else:
            text = f"{self.ret_msg}{where}"
        hint = _HINTS.get(self.ret_code) if self.ret_code is not None else None
        return f"{text} ({hint})" if hint and hint not in self.ret_msg else text

    def __reduce__(self) -> tuple[object, ...]:
        # keep exceptions picklable across processes despite the keyword-only argument
        return (_rebuild, (type(self), self.ret_code, self.ret_msg, self.endpoint, self.http_status))


def _rebuild(
    cls: type[BybitError], ret_code: int | None, ret_msg: str, endpoint: str | None, http_status: int | None
) -> BybitError:
    return cls(ret_code, ret_msg, endpoint, http_status=http_status)


class AuthenticationError(BybitError):
    """The request was not authenticated: missing, unknown or mismatched key, bad signature, timestamp, IP."""


class RateLimitError(BybitError):
    """A rate limit was hit: per-UID (retCode 10006), the IP limit (HTTP 403) or system protection (429)."""


class InvalidRequestError(BybitError):
    """The request is wrong: bad parameters (retCode 10001 and friends), unknown path (HTTP 404)."""


class ServerError(BybitError):
    """The exchange failed to answer: retCode 10016 / 10000, HTTP 5xx, or an unreadable answer."""


class NetworkError(ServerError):
    """No answer at all after every retry: connection failures and timeouts."""


class CacheMissError(BybitError, LookupError):
    """Offline-only mode: the request is not in the on-disk cache and the network may not be used."""


class CacheCorruptError(RuntimeError):
    """The on-disk cache file cannot be read; the message names the file and how to clear it."""


class CacheUnavailableError(RuntimeError):
    """The on-disk cache file is healthy but cannot be used now (locked, read-only, disk full); it is left
    untouched."""


def scrub_secrets(text: str, api_key: str | None = None) -> str:
    """Return ``text`` with ``api_key`` and anything that looks like a request signature replaced by ``***``.

    Bybit echoes the signed string (which holds the API key) in some ``retMsg`` texts, e.g. for retCode 10004.
    """
    if api_key:
        text = text.replace(api_key, "***")
    return _SIGNATURE_PATTERNS.sub("***", text)


def error_for_ret_code(
    ret_code: int, ret_msg: str, endpoint: str | None, http_status: int | None = 200
) -> BybitError:
    """Return the exception for a non-zero V5 ``retCode``.

    Parameters
    ----------
    ret_code, ret_msg
        ``retCode`` and ``retMsg`` of the envelope.
    endpoint
        The path that was called.
    http_status
        HTTP status of the answer (200 for business errors).

    Returns
    -------
    BybitError
        An instance of the subclass matching the retCode family (the base class for unknown codes).
    """
    cls: type[BybitError] = BybitError
    if ret_code in AUTH_CODES:
        cls = AuthenticationError
    elif ret_code in RATE_LIMIT_CODES:
        cls = RateLimitError
    elif ret_code in INVALID_REQUEST_CODES:
        cls = InvalidRequestError
    elif ret_code in SERVER_CODES:
        cls = ServerError
    return cls(ret_code, ret_msg, endpoint, http_status=http_status)


def error_for_http_status(status: int, endpoint: str | None, detail: str = "") -> BybitError:
    """Return the exception for a non-200 HTTP answer that carries no usable V5 envelope.

    Parameters
    ----------
    status
        The HTTP status code.
    endpoint
        The path that was called.
    detail
        Text of the answer, if any (shortened).

    Returns
    -------
    BybitError
        :class:`RateLimitError` for 403 (with the IP-limit / region explanation) and 429,
        :class:`AuthenticationError` for 401, :class:`InvalidRequestError` for 400 and 404,
        :class:`ServerError` for 5xx, the base class otherwise.
    """
    detail = detail.strip()[:200]
    suffix = f" Server said: {detail}" if detail else ""
    if status == 403:
        return RateLimitError(
            None, f"access denied. {IP_LIMIT_EXPLANATION}{suffix}", endpoint, http_status=403
        )
    if status == 429:
        message = "system-level frequency protection (too many requests); slow down and retry."
        return RateLimitError(None, message + suffix, endpoint, http_status=429)
    if status == 401:
        message = "authentication failed: wrong key for this host, or authentication headers missing."
        return AuthenticationError(None, message + suffix, endpoint, http_status=401)
    if status == 404:
        message = "path not found, or the category is not valid for the account mode."
        return InvalidRequestError(None, message + suffix, endpoint, http_status=404)
    if status == 400:
        return InvalidRequestError(None, "bad request." + suffix, endpoint, http_status=400)
    if status >= 500:
        return ServerError(
            None, "server error, the exchange could not answer." + suffix, endpoint, http_status=status
        )
    return BybitError(None, f"unexpected HTTP status.{suffix}", endpoint, http_status=status)


def is_corruption(exc: BaseException) -> bool:
    """Whether an SQLite error means the file itself is damaged (as opposed to locked, read-only or full)."""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.DatabaseError) and ("not a database" in text or "malformed" in text)


def cache_location(backend: Any) -> str:
    """The file of a cache backend (its ``db_path``), or the backend's repr for other kinds."""
    try:
        return str(backend.db_path)
    except (AttributeError, NotImplementedError):
        return repr(backend)


def cache_error(backend: Any, exc: BaseException) -> CacheCorruptError | CacheUnavailableError:
    """Return :func:`corrupt_cache_error` for a damaged file, else a :class:`CacheUnavailableError`."""
    if is_corruption(exc):
        return corrupt_cache_error(backend, exc)
    where = cache_location(backend)
    return CacheUnavailableError(
        f"the request cache {where} cannot be used now ({type(exc).__name__}: {exc}): it is locked by "
        "another process, read-only, or the disk is full. The file was left untouched; pass cache=False or "
        "another cache_path to work without it."
    )


def corrupt_cache_error(backend: Any, exc: BaseException) -> CacheCorruptError:
    """Return the error explaining that the cache file of ``backend`` cannot be read and how to clear it."""
    where = cache_location(backend)
    return CacheCorruptError(
        f"the request cache {where} cannot be read ({type(exc).__name__}: {exc}). It is probably corrupt: "
        f"clear it with `bybit-research cache clear --path {where}` or "
        f"`bybit_research.cache.clear(path={where!r})`, or delete the file."
    )


class ResponseFormatError(ServerError):
    """An answer with retCode 0 that is not what the endpoint sends: truncated or undecodable JSON, a
    ``result`` of the wrong type, rows of the wrong shape, a value that cannot be what its field holds.

    The message names the endpoint and what was wrong. Raised instead of building a frame from it: nothing is
    invented from an answer that cannot be read, and nothing in it is silently dropped.
    """

    def __init__(
        self,
        ret_code: int | None,
        ret_msg: str,
        endpoint: str | None = None,
        *,
        http_status: int | None = 200,
    ) -> None:
        super().__init__(ret_code, ret_msg, endpoint, http_status=http_status)

    def _describe(self) -> str:
        where = f" from {self.endpoint}" if self.endpoint else ""
        return f"malformed answer{where}: {self.ret_msg}"


def malformed(endpoint: str | None, what: str) -> ResponseFormatError:
    """Return the :class:`ResponseFormatError` saying what was wrong with an answer of ``endpoint``."""
    return ResponseFormatError(None, what, endpoint)


#: what using a damaged SQLite file can raise: SQLite's own errors, and (from text in it that is not UTF-8)
#: ``UnicodeDecodeError``
SQLITE_FAILURES: tuple[type[Exception], ...] = (sqlite3.Error, UnicodeDecodeError)


def is_damaged(exc: BaseException) -> bool:
    """Whether one of :data:`SQLITE_FAILURES` means the file is damaged (:func:`is_corruption`, or text in it
    that cannot be decoded), as opposed to locked, read-only or full."""
    return is_corruption(exc) or isinstance(exc, UnicodeDecodeError)


def sqlite_failure(backend: Any, exc: BaseException) -> CacheCorruptError | CacheUnavailableError:
    """:func:`corrupt_cache_error` for a damaged file (:func:`is_damaged`), else :func:`cache_error`."""
    return corrupt_cache_error(backend, exc) if is_damaged(exc) else cache_error(backend, exc)
