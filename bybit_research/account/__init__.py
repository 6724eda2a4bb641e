"""Public account functions (wallet, positions, executions, orders, transaction log, ...), each a plain
function of a fetcher like the market ones; bound by the registry (:mod:`bybit_research._api`)."""

from __future__ import annotations

__all__ = ["FUNCTIONS"]

#: every public account function
FUNCTIONS: tuple[()] = ()
