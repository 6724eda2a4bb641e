"""Deposit and withdrawal networks of the coins the simulated exchange knows (``/v5/asset/coin/query-info``).

Every base coin of the market has its native network; the stablecoins and a few tokens have several. Fees,
minimums and confirmation counts are the simulator's own round numbers (plausible, not Bybit's), the same for
every seed; contract addresses are the tokens' public ones.
"""

from __future__ import annotations

from typing import Any

from ..market.coins import COIN_SPECS

#: Networks by coin: (chain, chainType, confirmations, withdraw fee, deposit min, withdraw min, precision,
#: contract address).
_CHAINS: dict[str, tuple[tuple[str, str, str, str, str, str, str, str], ...]] = {
    "USDT": (
        ("ETH", "ERC20", "6", "3", "0", "10", "6", "0xdac17f958d2ee523a2206206994597c13d831ec7"),
        ("TRX", "TRC20", "20", "1", "0", "10", "6", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"),
        ("SOL", "SOL", "200", "1", "0", "5", "6", "Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB"),
    ),
    "USDC": (
        ("ETH", "ERC20", "6", "3", "0", "10", "6", "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"),
        ("SOL", "SOL", "200", "1", "0", "5", "6", "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"),
    ),
    "BTC": (("BTC", "BTC", "1", "0.0002", "0.0001", "0.001", "8", ""),),
    "ETH": (
        ("ETH", "ETH", "6", "0.0012", "0.0001", "0.002", "8", ""),
        ("ARBI", "Arbitrum One", "12", "0.0001", "0.0001", "0.001", "8", ""),
    ),
    "SOL": (("SOL", "SOL", "200", "0.008", "0.01", "0.1", "8", ""),),
}
#: Largest withdrawal per transaction (``remainAmount``) by coin; other coins 1,000,000.
_MAX_WITHDRAWAL = {"BTC": "150", "ETH": "2000", "SOL": "60000", "USDT": "5000000", "USDC": "5000000"}


def known_coins() -> list[str]:
    """Every coin of the simulated exchange: the stablecoins, then the market's base coins."""
    return ["USDT", "USDC", *COIN_SPECS]


def coin_row(coin: str) -> dict[str, Any]:
    """Return the ``rows`` entry of ``coin`` (its networks in ``chains``)."""
    chains = _CHAINS.get(coin) or ((coin, coin, "20", "1", "1", "2", "8", ""),)
    return {
        "name": coin,
        "coin": coin,
        "remainAmount": _MAX_WITHDRAWAL.get(coin, "1000000"),
        "chains": [
            {
                "chainType": chain_type,
                "confirmation": confirmations,
                "withdrawFee": fee,
                "depositMin": deposit_min,
                "withdrawMin": withdraw_min,
                "chain": chain,
                "chainDeposit": "1",
                "chainWithdraw": "1",
                "minAccuracy": precision,
                "withdrawPercentageFee": "0",
                "contractAddress": address,
            }
            for chain, chain_type, confirmations, fee, deposit_min, withdraw_min, precision, address in chains
        ],
    }
