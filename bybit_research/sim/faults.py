"""Fault injection: added latency and a reproducible fraction of failing answers.

Whether request number ``n`` (counted from 0 in the order requests reach this step) fails depends only on the
seed and ``n``, so a test that sends N requests sees the same number of failures on every run. Failure modes:

* ``"10016"``: HTTP 200 with retCode 10016 ``System error. Please try again later.``;
* ``"502"`` / ``"503"``: a bare gateway error page, as a proxy in front of the exchange would send;
* ``"429"``: HTTP 429, Bybit's system-level frequency protection;
* ``"stall"``: sleep ``stall_s`` seconds, then answer normally (a client with a shorter timeout gives up);
* ``"mixed"``: each failure picks one of the above.
"""

from __future__ import annotations

import hashlib
import threading

from .core import FAIL_MODES, SimConfig, SimError

__all__ = ["SYSTEM_ERROR", "SYSTEM_ERROR_MESSAGE", "FaultInjector", "HttpFault", "validate_faults"]

SYSTEM_ERROR = 10016
SYSTEM_ERROR_MESSAGE = "System error. Please try again later."

_MIXED_CHOICES = ("10016", "502", "503", "429", "stall")
_HTTP_TEXT = {
    502: "<html><body><h1>502 Bad Gateway</h1></body></html>",
    503: "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>",
    429: "Too Many Requests",
}


class HttpFault(Exception):
    """An injected answer that is not a V5 envelope: a bare HTTP status with a short text body."""

    def __init__(self, status: int) -> None:
        super().__init__(f"injected HTTP {status}")
        self.status = status
        self.text = _HTTP_TEXT[status]
        self.content_type = "text/html" if status in (502, 503) else "text/plain; charset=utf-8"


def validate_faults(config: SimConfig) -> None:
    """Raise ``ValueError`` for fault settings that make no sense."""
    if config.fail_mode not in FAIL_MODES:
        raise ValueError(f"fail_mode must be one of {', '.join(FAIL_MODES)}, got {config.fail_mode!r}")
    if not 0.0 <= config.fail_rate <= 1.0:
        raise ValueError(f"fail_rate must be between 0 and 1, got {config.fail_rate!r}")
    if config.latency_ms < 0 or config.stall_s < 0:
        raise ValueError("latency_ms and stall_s must not be negative")


def _uniforms(seed: int, n: int) -> tuple[float, float]:
    """Two independent uniforms in [0, 1) determined by ``seed`` and the request number ``n``."""
    digest = hashlib.blake2b(f"faults:{seed}:{n}".encode(), digest_size=16).digest()
    scale = float(1 << 64)
    return int.from_bytes(digest[:8], "big") / scale, int.from_bytes(digest[8:], "big") / scale


class FaultInjector:
    """Apply the latency and failures of a :class:`SimConfig` to each request.

    Parameters
    ----------
    config
        ``latency_ms``, ``fail_rate``, ``fail_mode``, ``stall_s`` and ``seed`` are used.
    """

    def __init__(self, config: SimConfig) -> None:
        validate_faults(config)
        self.config = config
        self._count = 0
        self._lock = threading.Lock()
        self._closed = threading.Event()

    def draw(self) -> str | None:
        """Take the next request number and return its failure mode (``None`` when it succeeds)."""
        with self._lock:
            n = self._count
            self._count += 1
        fail, pick = _uniforms(self.config.seed, n)
        if fail >= self.config.fail_rate:
            return None
        mode = self.config.fail_mode
        if mode == "mixed":
            mode = _MIXED_CHOICES[int(pick * len(_MIXED_CHOICES))]
        return mode

    def apply(self) -> None:
        """Sleep the configured latency, then fail the request if its draw says so.

        Raises
        ------
        SimError
            retCode 10016 for a ``"10016"`` failure.
        HttpFault
            For ``"502"``, ``"503"`` and ``"429"`` failures. A ``"stall"`` returns normally after sleeping.
        """
        if self.config.latency_ms > 0:
            self.sleep(self.config.latency_ms / 1000.0)
        if self.config.fail_rate <= 0:
            return
        mode = self.draw()
        if mode is None:
            return
        if mode == "stall":
            self.sleep(self.config.stall_s)
        elif mode == "10016":
            raise SimError(SYSTEM_ERROR, SYSTEM_ERROR_MESSAGE)
        else:
            raise HttpFault(int(mode))

    def sleep(self, seconds: float) -> None:
        """Sleep, unless :meth:`close` was called (then return at once)."""
        self._closed.wait(seconds)

    def close(self) -> None:
        """Cut every current and future sleep short (used when a server shuts down)."""
        self._closed.set()
