"""Handlers of reference data: instruments-info, risk-limit, delivery prices and insurance pools."""

from __future__ import annotations

import math
from typing import Any

from ..core import ParamError, Request, route
from ..market import Instrument, Market
from ..market.calendar import DAY_MS, EXPIRY_HOUR_MS
from ..market.coins import COIN_SPECS, decimals
from ..market.derivatives import funding_cap
from ..market.insurance import POOLS, pools
from ..market.risk import risk_tiers
from .market_common import category, optional_instrument, page, rate_text

_STATUSES = ("PreLaunch", "Trading", "Delivering", "Closed")
_SYMBOL_TYPES = ("innovation", "adventure", "xstocks", "commodity", "stock", "forex")


def _max_price(inst: Instrument) -> str:
    digits = decimals(inst.tick_size)
    ceiling = COIN_SPECS[inst.base_coin].ref_price * 20
    steps = math.floor(ceiling / float(inst.tick_size))
    return f"{steps * float(inst.tick_size):.{digits}f}"


def _contract_info(inst: Instrument) -> dict[str, Any]:
    qty_digits = decimals(inst.qty_step)
    max_qty = float(inst.qty_step) * 1_000_000
    cap = funding_cap(inst.funding_interval_min) if inst.funding_interval_min else 0.0
    return {
        "symbol": inst.symbol,
        "symbolId": inst.symbol_id,
        "contractType": inst.contract_type,
        "status": inst.status,
        "baseCoin": inst.base_coin,
        "quoteCoin": inst.quote_coin,
        "symbolType": "",
        "launchTime": str(inst.launch_ms),
        "deliveryTime": str(inst.delivery_ms),
        "deliveryFeeRate": "0.0005" if inst.delivery_ms else "",
        "priceScale": str(decimals(inst.tick_size)),
        "leverageFilter": {
            "minLeverage": "1",
            "maxLeverage": f"{inst.max_leverage:.2f}",
            "leverageStep": "0.01",
        },
        "priceFilter": {"minPrice": inst.tick_size, "maxPrice": _max_price(inst), "tickSize": inst.tick_size},
        "lotSizeFilter": {
            "minNotionalValue": "5" if not inst.is_inverse else "",
            "maxOrderQty": f"{max_qty:.{qty_digits}f}",
            "maxMktOrderQty": f"{max_qty / 5:.{qty_digits}f}",
            "minOrderQty": inst.min_qty,
            "qtyStep": inst.qty_step,
            "postOnlyMaxOrderQty": f"{max_qty:.{qty_digits}f}",
        },
        "unifiedMarginTrade": True,
        "fundingInterval": inst.funding_interval_min,
        "settleCoin": inst.settle_coin,
        "copyTrading": "both" if inst.contract_type == "LinearPerpetual" else "none",
        "upperFundingRate": rate_text(cap) if cap else "",
        "lowerFundingRate": rate_text(-cap) if cap else "",
        "displayName": inst.symbol,
        "forbidUplWithdrawal": False,
        "riskParameters": {"priceLimitRatioX": "0.01", "priceLimitRatioY": "0.02"},
        "isPreListing": False,
        "preListingInfo": None,
    }


def _option_info(inst: Instrument) -> dict[str, Any]:
    return {
        "symbol": inst.symbol,
        "symbolId": inst.symbol_id,
        "optionsType": inst.option_type,
        "status": inst.status,
        "baseCoin": inst.base_coin,
        "quoteCoin": inst.quote_coin,
        "settleCoin": inst.settle_coin,
        "launchTime": str(inst.launch_ms),
        "deliveryTime": str(inst.delivery_ms),
        "deliveryFeeRate": "0.00015",
        "priceFilter": {"minPrice": inst.tick_size, "maxPrice": _max_price(inst), "tickSize": inst.tick_size},
        "lotSizeFilter": {
            "maxOrderQty": f"{float(inst.qty_step) * 50_000:g}",
            "minOrderQty": inst.min_qty,
            "qtyStep": inst.qty_step,
        },
        "displayName": inst.symbol,
    }


def _spot_info(inst: Instrument) -> dict[str, Any]:
    quote_digits = decimals(inst.tick_size) + 6
    return {
        "symbolId": inst.symbol_id,
        "symbol": inst.symbol,
        "baseCoin": inst.base_coin,
        "quoteCoin": inst.quote_coin,
        "innovation": "0",
        "symbolType": "",
        "xstockMultiplier": "",
        "status": inst.status,
        "marginTrading": "utaOnly" if inst.quote_coin == "USDC" else "both",
        "stTag": "0",
        "lotSizeFilter": {
            "basePrecision": inst.qty_step,
            "quotePrecision": f"{10.0**-quote_digits:.{quote_digits}f}",
            "minOrderQty": inst.min_qty,
            "maxOrderQty": f"{float(inst.qty_step) * 10**8:.{decimals(inst.qty_step)}f}",
            "minOrderAmt": "1",
            "maxOrderAmt": "4000000",
            "maxLimitOrderQty": f"{float(inst.qty_step) * 10**8:.{decimals(inst.qty_step)}f}",
            "maxMarketOrderQty": f"{float(inst.qty_step) * 10**7:.{decimals(inst.qty_step)}f}",
            "postOnlyMaxLimitOrderSize": f"{float(inst.qty_step) * 10**8:.{decimals(inst.qty_step)}f}",
        },
        "priceFilter": {"tickSize": inst.tick_size},
        "riskParameters": {"priceLimitRatioX": "0.05", "priceLimitRatioY": "0.05"},
    }


#: Statuses listed when no ``status`` is sent.
_DEFAULT_STATUSES = {"option": ("PreLaunch", "Trading", "Delivering")}


def _listed(market: Market, cat: str, now: int, statuses: tuple[str, ...]) -> list[Instrument]:
    """Instruments of ``cat`` in one of ``statuses`` (every live instrument of the universe is Trading)."""
    rows = market.expired_instruments(cat, now) if "Closed" in statuses else []
    return [i for i in market.instruments(cat, now) if i.status in statuses] + rows


@route("/v5/market/instruments-info")
def instruments_info(exchange: Any, request: Request) -> dict[str, Any]:
    """Instrument specifications; cursor pages for derivatives, one page for spot (which ignores ``limit`` and
    ``cursor``).

    ``baseCoin`` with ``linear`` or ``inverse`` lists USDT, USDC and inverse contracts of the coin together.
    """
    cat = category(request, ("spot", "linear", "inverse", "option"))
    market: Market = exchange.market
    now = request.now_ms
    status = request.choice("status", _STATUSES)
    symbol_type = request.choice("symbolType", _SYMBOL_TYPES)
    limit = 0 if cat == "spot" else request.limit(500, 1, 1000)
    base_coin = request.get("baseCoin", "BTC" if cat == "option" and not request.get("symbol") else None)
    inst = optional_instrument(market, request, cat, now)
    if inst is not None:
        rows = [inst]
    else:
        statuses = (status,) if status is not None else _DEFAULT_STATUSES.get(cat, ("Trading",))
        if base_coin is not None and cat in ("linear", "inverse"):
            together = _listed(market, "linear", now, statuses) + _listed(market, "inverse", now, statuses)
            rows = [i for i in together if i.base_coin == base_coin]
        else:
            rows = _listed(market, cat, now, statuses)
            if base_coin is not None:
                rows = [i for i in rows if i.base_coin == base_coin]
        if symbol_type is not None:
            rows = []  # no synthetic instrument carries a symbol type
    build = {"spot": _spot_info, "option": _option_info}.get(cat, _contract_info)
    if cat == "spot":
        return {"category": cat, "list": [build(i) for i in rows]}
    chunk, cursor = page(rows, request, limit)
    return {"category": cat, "list": [build(i) for i in chunk], "nextPageCursor": cursor}


def risk_rows(inst: Instrument) -> list[dict[str, Any]]:
    """Return the ``/v5/market/risk-limit`` rows of a contract (see :mod:`.market.risk`)."""
    return [
        {
            "id": tier.id,
            "symbol": tier.symbol,
            "riskLimitValue": str(tier.limit),
            "maintenanceMargin": rate_text(tier.mmr),
            "initialMargin": rate_text(tier.imr),
            "isLowestRisk": 1 if tier.number == 1 else 0,
            "maxLeverage": f"{1.0 / tier.imr:.2f}",
            "mmDeduction": "" if tier.number == 1 else rate_text(tier.deduction),
        }
        for tier in risk_tiers(inst)
    ]


@route("/v5/market/risk-limit")
def risk_limit(exchange: Any, request: Request) -> dict[str, Any]:
    """Risk-limit tiers of one symbol, or of 15 symbols per cursor page."""
    cat = category(request, ("linear", "inverse"))
    market: Market = exchange.market
    inst = optional_instrument(market, request, cat, request.now_ms)
    if inst is not None:
        if inst.status != "Trading":
            raise ParamError(f"params error: symbol invalid, {inst.symbol} is not trading")
        return {"category": cat, "list": risk_rows(inst), "nextPageCursor": ""}
    chunk, cursor = page(market.instruments(cat, request.now_ms), request, 15)
    return {
        "category": cat,
        "list": [tier for i in chunk for tier in risk_rows(i)],
        "nextPageCursor": cursor,
    }


def _delivery_row(market: Market, inst: Instrument) -> dict[str, str]:
    spec = COIN_SPECS[inst.base_coin]
    price = market.index_price(inst.base_coin, inst.delivery_ms)
    return {
        "symbol": inst.symbol,
        "deliveryPrice": f"{price:.{decimals(spec.tick) + 2}f}",
        "deliveryTime": str(inst.delivery_ms),
    }


@route("/v5/market/delivery-price")
def delivery_price(exchange: Any, request: Request) -> dict[str, Any]:
    """Delivery prices of expired futures/options, newest first, cursor paged.

    Options without ``symbol`` list only the symbols delivered in the current 08:00-12:00 UTC delivery window.
    """
    cat = category(request, ("linear", "inverse", "option"))
    market: Market = exchange.market
    now = request.now_ms
    limit = request.limit(50, 1, 200)
    settle = request.get("settleCoin", "USDC")
    inst = optional_instrument(market, request, cat, now)
    if inst is not None:
        rows = [inst] if inst.delivery_ms and inst.delivery_ms <= now else []
    else:
        rows = market.expired_instruments(cat, now)
        if cat == "option":
            coin = request.get("baseCoin", "BTC")
            window_start = (now - EXPIRY_HOUR_MS) // DAY_MS * DAY_MS + EXPIRY_HOUR_MS
            rows = [i for i in rows if i.base_coin == coin and window_start <= i.delivery_ms <= now]
            rows = rows if now - window_start < 4 * 3_600_000 else []
        if cat != "inverse":
            rows = [i for i in rows if i.settle_coin == settle]
    chunk, cursor = page(rows, request, limit)
    return {"category": cat, "list": [_delivery_row(market, i) for i in chunk], "nextPageCursor": cursor}


@route("/v5/market/new-delivery-price")
def new_delivery_price(exchange: Any, request: Request) -> dict[str, Any]:
    """The 50 most recent option delivery prices of a base coin (daily 08:00 UTC expiries), newest first."""
    category(request, ("option",))
    coin = request.require("baseCoin")
    market: Market = exchange.market
    if coin not in ("BTC", "ETH", "SOL"):
        raise ParamError(f"params error: baseCoin invalid, no options on {coin}")
    request.choice("settleCoin", ("USDT", "USDC"))
    now = request.now_ms
    latest = (now - EXPIRY_HOUR_MS) // DAY_MS * DAY_MS + EXPIRY_HOUR_MS
    rows = []
    for n in range(50):
        t = latest - n * DAY_MS
        # the same price as the options' /v5/market/delivery-price rows, with the docs' 8 decimals
        rows.append({"deliveryPrice": f"{market.index_price(coin, t):.8f}", "deliveryTime": str(t)})
    return {"category": "option", "list": rows}


@route("/v5/market/insurance")
def insurance(exchange: Any, request: Request) -> dict[str, Any]:
    """Insurance pool balances (refreshed daily), optionally of one coin."""
    coin = request.get("coin")
    coins = sorted({pool[0] for pool in POOLS})
    if coin is not None and coin not in coins:
        raise ParamError(f"params error: coin invalid, must be one of {', '.join(coins)}")
    market: Market = exchange.market
    refreshed = pools(market.seed, request.now_ms)
    rows = [
        {
            "coin": pool.coin,
            "symbols": ",".join(pool.symbols),
            "balance": f"{pool.balance:.8f}",
            "value": f"{pool.balance * market.index_price(pool.coin, pool.updated_ms):.8f}",
        }
        for pool in refreshed
        if coin is None or pool.coin == coin
    ]
    return {"updatedTime": str(refreshed[0].updated_ms), "list": rows}
