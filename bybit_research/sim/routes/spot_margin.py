"""Private ``/v5/spot-margin-trade/*`` endpoints: the borrowing tiers of spot margin.

Each borrowable coin has four tiers of cumulative borrowing limits (quarters of the coin's borrowing limit
in collateral-info) with rising margin rates. The first tier's rates are the ones the demo account's wallet
charges on what it borrows (5 % initial, 2.5 % maintenance), so the tiers and the wallet agree.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..account.borrowing import BORROW_IM_RATE, BORROW_MM_RATE, MAX_BORROW
from ..core import ParamError, Request, route

#: (share of the borrowing limit, initial margin rate, maintenance margin rate) of each tier.
TIERS = (
    (Decimal("0.25"), BORROW_IM_RATE, BORROW_MM_RATE),
    (Decimal("0.5"), Decimal("0.1"), Decimal("0.05")),
    (Decimal("0.75"), Decimal("0.2"), Decimal("0.1")),
    (Decimal("1"), Decimal("0.5"), Decimal("0.2")),
)


def _rate(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.00000001")).normalize(), "f")


def tier_rows(coin: str) -> list[dict[str, str]]:
    """Return the ``positionTiersRatioList`` of ``coin``, smallest tier first."""
    limit = Decimal(MAX_BORROW[coin])
    return [
        {
            "tier": str(number),
            "borrowLimit": format((limit * share).normalize(), "f"),
            "positionMMR": _rate(mm),
            "positionIMR": _rate(im),
            "maxLeverage": format((1 / im).normalize(), "f"),
        }
        for number, (share, im, mm) in enumerate(TIERS, start=1)
    ]


@route("/v5/spot-margin-trade/position-tiers", auth=True)
def position_tiers(exchange: Any, request: Request) -> dict[str, Any]:
    """Borrowing tiers of every borrowable coin, or of ``currency``."""
    currency = request.get("currency")
    if currency is not None and currency not in MAX_BORROW:
        raise ParamError(f"params error: currency invalid, must be one of {', '.join(MAX_BORROW)}")
    coins = [currency] if currency else list(MAX_BORROW)
    return {"list": [{"currency": coin, "positionTiersRatioList": tier_rows(coin)} for coin in coins]}
