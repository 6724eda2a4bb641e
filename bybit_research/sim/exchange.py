"""The state of one simulated exchange: its configuration, synthetic market and demo account."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from .core import SimConfig
from .memo import TextMemo

if TYPE_CHECKING:
    from .account import DemoAccount
    from .market import Market


class Exchange:
    """One simulated Bybit, built lazily: a server that answers only market data never builds the account."""

    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()

    @cached_property
    def market(self) -> Market:
        """The deterministic synthetic market of this exchange."""
        from .market import Market

        return Market(self.config)

    @cached_property
    def account(self) -> DemoAccount:
        """The seeded demo account, whose positions follow :attr:`market`."""
        from .account import DemoAccount

        return DemoAccount(self.config, self.market)

    @cached_property
    def closed_pages(self) -> TextMemo:
        """JSON texts of kline pages whose candles have all closed (they never change)."""
        return TextMemo()
