"""Tiered collateral value ratios of the coins a unified account holds (``/v5/spot-margin-trade/collateral``).

A balance counts as margin at its coin's ratio, tier by tier: the first ``maxQty`` coins at the first ratio,
the next ones at the next, and so on; the last tier is open-ended (``maxQty`` ``""``). Stablecoins count in
full. A coin's first-tier ratio is the flat ratio the demo account applies (USDT and USDC 1, BTC and ETH 0.95,
SOL 0.9); the tier bounds are fixed USD amounts at the coin's reference price, rounded to one digit.
"""

from __future__ import annotations

from .coins import COINS

#: Upper bounds (USD) of the tiers below the open-ended last one, and each tier's ratio relative to the first.
_TIER_USD = (20_000_000.0, 80_000_000.0, 250_000_000.0)
_STEP_DOWN = (1.0, 0.9, 0.7, 0.0)
_FIRST_RATIO = {"BTC": 0.95, "ETH": 0.95, "SOL": 0.9, "XRP": 0.85, "DOGE": 0.8, "BNB": 0.85}
_STABLECOINS = ("USDT", "USDC")


def currencies() -> list[str]:
    """Return the coins with collateral ratios: the stablecoins, then every spot coin."""
    return [*_STABLECOINS, *(spec.coin for spec in COINS if spec.spot)]


def tiers(currency: str) -> list[tuple[str, str, str]]:
    """Return ``(minQty, maxQty, collateralRatio)`` of each tier of ``currency`` (``""``: no upper bound).

    Raises
    ------
    KeyError
        For a coin that is not collateral (see :func:`currencies`).
    """
    if currency in _STABLECOINS:
        return [("0", "", "1")]
    spec = next((spec for spec in COINS if spec.coin == currency and spec.spot), None)
    if spec is None:
        raise KeyError(currency)
    first = _FIRST_RATIO.get(currency, 0.7)
    bounds = ["0"]
    for usd in _TIER_USD:
        bounds.append(f"{float(f'{usd / spec.ref_price:.1g}'):.10g}")
    bounds.append("")
    return [
        (bounds[k], bounds[k + 1], f"{first * _STEP_DOWN[k]:.4f}".rstrip("0").rstrip(".") or "0")
        for k in range(len(_STEP_DOWN))
    ]
