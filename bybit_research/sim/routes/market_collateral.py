"""Handler of ``/v5/spot-margin-trade/collateral``: tiered collateral ratios (public, no authentication)."""

from __future__ import annotations

from typing import Any

from ..core import ParamError, Request, route
from ..market.collateral import currencies, tiers


@route("/v5/spot-margin-trade/collateral")
def tiered_collateral_ratio(exchange: Any, request: Request) -> dict[str, Any]:
    """Every coin's collateral tiers, or one ``currency``'s (uppercase)."""
    currency = request.get("currency")
    known = currencies()
    if currency is not None and currency not in known:
        raise ParamError(f"params error: currency invalid, must be one of {', '.join(known)}")
    rows = [
        {
            "currency": coin,
            "collateralRatioList": [
                {"minQty": low, "maxQty": high, "collateralRatio": ratio} for low, high, ratio in tiers(coin)
            ],
        }
        for coin in ([currency] if currency is not None else known)
    ]
    return {"list": rows}
