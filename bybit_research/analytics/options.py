"""Options analytics (``br.options``): Black-76 in Bybit's conventions, implied volatility, the chain as
research data (smile, term structure, risk reversals and butterflies, surface, IV against realised
volatility), checks of Bybit's greeks, and position greeks per coin.

Every function is pure: frames or arrays in, frames or arrays out; nothing here fetches. Bybit's
conventions throughout: r = 0; the forward of an expiry is the ticker's ``underlying_price`` (not the
index); time to expiry is calendar time (ACT/365) to 08:00 UTC on the expiry date; greeks per one-coin
contract with delta undiscounted, gamma per 1 USD, vega per volatility point and theta per calendar day;
IVs are fractions. Chain functions value options at ``now=`` (default: the chain's
``attrs["fetched_at"]``, else the wall clock) so results are reproducible.

Functions
---------
black76_price, black76_greeks
    Prices and greeks of arrays or frame columns.
implied_vol, solve_implied_vol
    Vectorised implied volatility (NaN where none exists; ``solve_implied_vol`` also says why).
chain_analytics, parity_forward, greeks_check
    The chain with moneyness, time to expiry, parity forward, our IVs and greeks; Bybit's greeks checked.
smile, term_structure, risk_reversal_butterfly, surface, iv_vs_realised
    Smiles and surfaces of a chain.
position_greeks, compare_coin_greeks
    Option position greeks per base coin against ``/v5/asset/coin-greeks``.
"""

from __future__ import annotations

from .black76 import black76_greeks, black76_price
from .chain import chain_analytics, parity_forward
from .greeks_check import greeks_check
from .implied_vol import NO_IV_REASONS, IVSolution, implied_vol, solve_implied_vol
from .positions import compare_coin_greeks, position_greeks
from .smile import risk_reversal_butterfly, smile, term_structure
from .surface import DEFAULT_MONEYNESS, iv_vs_realised, surface

__all__ = [
    "DEFAULT_MONEYNESS",
    "NO_IV_REASONS",
    "IVSolution",
    "black76_greeks",
    "black76_price",
    "chain_analytics",
    "compare_coin_greeks",
    "greeks_check",
    "implied_vol",
    "iv_vs_realised",
    "parity_forward",
    "position_greeks",
    "risk_reversal_butterfly",
    "smile",
    "solve_implied_vol",
    "surface",
    "term_structure",
]
