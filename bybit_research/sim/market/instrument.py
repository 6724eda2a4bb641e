"""The :class:`Instrument` record shared by the market, its routes and the demo account."""

from __future__ import annotations

import zlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Instrument:
    """One tradable instrument of the synthetic market.

    Times are epoch milliseconds (``delivery_ms`` and ``funding_interval_min`` are 0 when not applicable);
    sizes are
    decimal strings as Bybit sends them. ``symbol_id`` and ``volume_step`` (the granularity of synthetic
    volumes, a
    multiple of ``qty_step``) are simulator extras.
    """

    symbol: str
    category: str
    base_coin: str
    quote_coin: str
    settle_coin: str
    contract_type: str
    launch_ms: int
    delivery_ms: int
    funding_interval_min: int
    tick_size: str
    qty_step: str
    min_qty: str
    option_type: str | None
    strike: float | None
    status: str
    symbol_id: int = 0
    volume_step: str = "1"
    max_leverage: int = 0

    @property
    def is_inverse(self) -> bool:
        """True for coin-margined contracts (volume in USD contracts, turnover in the base coin)."""
        return self.category == "inverse"

    def rng_key(self) -> int:
        """A stable integer identifying the symbol in random-number keys."""
        return zlib.crc32(f"{self.category}:{self.symbol}".encode())
