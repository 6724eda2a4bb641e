"""Handler of ``/v5/market/fee-group-info``: contract fee groups, their symbols and Pro/MM fee rates."""

from __future__ import annotations

from typing import Any

from ..core import ParamError, Request, route
from ..market import Market
from ..market.fee_groups import GROUPS, UPDATED_MS, FeeLevel, market_maker_levels, pro_levels


def _level(level: FeeLevel) -> dict[str, str]:
    return {
        "level": level.level,
        "takerFeeRate": level.taker_fee_rate,
        "makerFeeRate": level.maker_fee_rate,
        "makerRebate": level.maker_rebate,
    }


@route("/v5/market/fee-group-info")
def fee_group_info(exchange: Any, request: Request) -> dict[str, Any]:
    """Fee groups of contracts (``productType=contract``), all nine or one ``groupId``."""
    product = request.require("productType")
    if product != "contract":
        raise ParamError(f"params error: productType invalid, {product} is not supported, must be contract")
    group_id = request.integer("groupId", None, 1, len(GROUPS))
    market: Market = exchange.market
    now = request.now_ms
    listed = market.instruments("linear", now) + market.instruments("inverse", now)
    rows = []
    for number, (name, factor, coins) in enumerate(GROUPS, start=1):
        if group_id is not None and number != group_id:
            continue
        symbols = sorted(inst.symbol for inst in listed if inst.base_coin in coins)
        rows.append(
            {
                "groupName": name,
                "weightingFactor": factor,
                "symbolsNumbers": len(symbols),
                "symbols": symbols,
                "feeRates": {
                    "pro": [_level(level) for level in pro_levels(number)],
                    "marketMaker": [_level(level) for level in market_maker_levels(number)],
                },
                "updateTime": str(UPDATED_MS),
            }
        )
    return {"list": rows}
