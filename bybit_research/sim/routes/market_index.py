"""Handler of ``/v5/market/index-price-components``: the exchanges an index price averages."""

from __future__ import annotations

from typing import Any

from ..core import ParamError, Request, route
from ..market import Market
from ..market.coins import decimals
from ..market.index import components, index_instrument
from .market_common import price_text


@route("/v5/market/index-price-components")
def index_price_components(exchange: Any, request: Request) -> dict[str, Any]:
    """The components of ``indexName`` (``BTCUSDT``, ``BTCUSDC``, ``BTCUSD``, ...): their weighted equivalent
    prices average to ``lastPrice``, the index price of the simulator's contracts now."""
    market: Market = exchange.market
    now = request.now_ms
    name = request.require("indexName")
    perp = index_instrument(market, name, now)
    if perp is None:
        raise ParamError(
            f"params error: indexName invalid, {name} is not an index; an index is named after a coin and "
            "the quote of its contracts: BTCUSDT, BTCUSDC (USDC contracts) or BTCUSD (inverse contracts)"
        )
    index, parts = components(market, perp, name, now)
    digits = decimals(perp.tick_size)
    return {
        "indexName": name,
        "lastPrice": price_text(index, digits),
        "updateTime": str(now),
        "components": [
            {
                "exchange": part.exchange,
                "spotPair": part.spot_pair,
                "equivalentPrice": price_text(part.equivalent_price, digits),
                "multiplier": "1",
                "price": price_text(part.price, digits),
                "weight": f"0.{part.weight_parts:016d}" if part.weight_parts < 10**16 else "1",
            }
            for part in parts
        ],
    }
