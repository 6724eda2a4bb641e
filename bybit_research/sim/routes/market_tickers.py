"""Handler of ``/v5/market/tickers``: 24-hour statistics and top of book, derived from the path."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import ParamError, Request, route
from ..market import Instrument, Market
from ..market.calendar import DAY_MS, HOUR_MS, MINUTE_MS, YEAR_MS, parse_date_code
from ..market.coins import decimals
from ..market.derivatives import funding_cap, funding_rates, open_interest
from ..market.paths import keyed_rng
from .market_book import snapshot
from .market_common import category, optional_instrument, rate_text, units

_OPTION_STATS = 41
#: Marks sampled over the last 24 h (every 2 h) for an option's high and low.
_OPTION_SAMPLES = 13


def _day_stats(market: Market, inst: Instrument, now: int) -> dict[str, str]:
    """24-hour statistics of the traded price (clipped to the instrument's life)."""
    engine = market.engine(inst, "last")
    source = engine.source
    digits = source.decimals
    stop = min(now, source.stop_ms)
    lo = max((stop - DAY_MS) // MINUTE_MS * MINUTE_MS, source.first_ms)
    last = engine.price(now)
    prev = engine.price(lo)
    if stop > lo:
        _, high, low, _, volume, turnover = engine.aggregate(lo, stop)
    else:
        high, low, volume, turnover = last, last, 0, 0
    price_text = units([last, prev, high, low, engine.price(max(stop - HOUR_MS, lo))], digits)
    return {
        "lastPrice": price_text[0],
        "prevPrice24h": price_text[1],
        "price24hPcnt": f"{(last - prev) / prev:.6f}" if prev else "0",
        "highPrice24h": price_text[2],
        "lowPrice24h": price_text[3],
        "prevPrice1h": price_text[4],
        "turnover24h": units([turnover], source.turnover_decimals)[0],
        "volume24h": units([volume], source.volume_decimals)[0],
    }


def _top_of_book(market: Market, inst: Instrument, now: int) -> dict[str, str]:
    top = snapshot(market, inst, now, 1)
    bid, ask = top["b"][0], top["a"][0]
    return {"bid1Price": bid[0], "bid1Size": bid[1], "ask1Price": ask[0], "ask1Size": ask[1]}


def _spot_ticker(market: Market, inst: Instrument, now: int) -> dict[str, Any]:
    stats = _day_stats(market, inst, now)
    del stats["prevPrice1h"]
    return {
        "symbol": inst.symbol,
        **_top_of_book(market, inst, now),
        **stats,
        "usdIndexPrice": f"{market.index_price(inst.base_coin, now):.8g}",
    }


def _contract_ticker(market: Market, inst: Instrument, now: int) -> dict[str, Any]:
    stats = _day_stats(market, inst, now)
    digits = market.engine(inst, "last").source.decimals
    mark = market.price_of(inst, "mark", now)
    index = market.price_of(inst, "index", now)
    last = float(stats["lastPrice"])
    interest = float(open_interest(market.seed, inst, np.array([now]))[0])
    if inst.is_inverse:
        interest = float(round(interest))
        value, interest_text, single_text = interest / mark, f"{interest:.0f}", f"{interest / 2:.0f}"
    else:
        qty_digits = decimals(inst.qty_step)
        value, interest_text = interest * mark, f"{interest:.{qty_digits}f}"
        single_text = f"{interest / 2:.{qty_digits}f}"
    ticker: dict[str, Any] = {
        "symbol": inst.symbol,
        "lastPrice": stats["lastPrice"],
        "indexPrice": f"{index:.{digits}f}",
        "markPrice": f"{mark:.{digits}f}",
        **{
            k: stats[k]
            for k in ("prevPrice24h", "price24hPcnt", "highPrice24h", "lowPrice24h", "prevPrice1h")
        },
        "openInterest": interest_text,
        "openInterestValue": f"{value:.2f}",
        "singleOpenInterest": single_text,
        "singleOpenInterestValue": f"{value / 2:.2f}",
        "turnover24h": stats["turnover24h"],
        "volume24h": stats["volume24h"],
    }
    if inst.funding_interval_min:
        step = inst.funding_interval_min * MINUTE_MS
        following = (now // step + 1) * step
        ticker.update(
            fundingRate=rate_text(funding_rates(market.seed, inst, [following])[0]),
            nextFundingTime=str(following),
            predictedDeliveryPrice="",
            basisRate="",
            basis="",
            basisRateYear="",
            deliveryFeeRate="",
            deliveryTime="0",
        )
    else:
        basis = last - index
        rate = basis / index
        years = max(inst.delivery_ms - now, HOUR_MS) / YEAR_MS
        near = inst.delivery_ms - now <= 30 * MINUTE_MS
        ticker.update(
            fundingRate="",
            nextFundingTime="",
            predictedDeliveryPrice=f"{index:.{digits}f}" if near else "",
            basisRate=f"{rate:.8f}",
            basis=f"{basis:.{digits}f}",
            basisRateYear=f"{rate / years:.8f}",
            deliveryFeeRate="0.0005",
            deliveryTime=str(inst.delivery_ms),
        )
    ticker.update(_top_of_book(market, inst, now))
    ticker.update(
        preOpenPrice="",
        preQty="",
        curPreListingPhase="",
        fundingIntervalHour=str(inst.funding_interval_min // 60) if inst.funding_interval_min else "",
        fundingCap=rate_text(funding_cap(inst.funding_interval_min)) if inst.funding_interval_min else "",
    )
    return ticker


def _option_ticker(market: Market, inst: Instrument, now: int) -> dict[str, Any]:
    quote = market.option_quote(inst.symbol, now)
    digits = decimals(inst.tick_size)
    top = _top_of_book(market, inst, now)
    lo = max(now - DAY_MS, inst.launch_ms)
    marks = [
        market.option_quote(inst.symbol, int(t)).mark_price for t in np.linspace(lo, now, _OPTION_SAMPLES)
    ]
    last = market.last_price(inst.symbol, now)
    # the 24 h range brackets every sampled mark and the last trade (which happened within it)
    high, low = max(*marks, last), min(*marks, last)
    # the IV of the bid/ask: the price gap over vega (per 1 % of IV), capped for deep options with tiny vega;
    # a one-tick bid above a far wing's sub-tick mark counts as no gap
    sensitivity = max(quote.vega * 100.0, 1e-9)
    bid_gap = min(max(quote.mark_price - float(top["bid1Price"]), 0.0) / sensitivity, 0.05)
    ask_gap = min(max(float(top["ask1Price"]) - quote.mark_price, 0.0) / sensitivity, 0.05)
    bid_iv, ask_iv = max(quote.mark_iv - bid_gap, 0.01), quote.mark_iv + ask_gap
    rng = keyed_rng(market.seed, inst.rng_key(), _OPTION_STATS, now // HOUR_MS)
    interest, volume = float(rng.gamma(2.0, 40.0)), float(rng.gamma(1.5, 10.0))
    step = float(inst.qty_step)
    interest, volume = round(interest / step) * step, round(volume / step) * step
    age_days = max((now - inst.launch_ms) / DAY_MS, 1.0)
    return {
        "symbol": inst.symbol,
        **{k: top[k] for k in ("bid1Price", "bid1Size")},
        "bid1Iv": f"{bid_iv:.4f}",
        **{k: top[k] for k in ("ask1Price", "ask1Size")},
        "ask1Iv": f"{ask_iv:.4f}",
        "lastPrice": f"{last:.{digits}f}",
        "highPrice24h": f"{high:.{digits}f}",
        "lowPrice24h": f"{low:.{digits}f}",
        "markPrice": f"{quote.mark_price:.8f}",
        "indexPrice": f"{quote.index_price:.2f}",
        "markIv": f"{quote.mark_iv:.4f}",
        "underlyingPrice": f"{quote.underlying_price:.2f}",
        "openInterest": f"{interest:g}",
        "turnover24h": f"{volume * quote.index_price:.8f}",
        "volume24h": f"{volume:g}",
        "totalVolume": f"{round(volume * age_days):d}",
        "totalTurnover": f"{round(volume * age_days * quote.index_price):d}",
        "delta": f"{quote.delta:.8f}",
        "gamma": f"{quote.gamma:.8f}",
        "vega": f"{quote.vega:.8f}",
        "theta": f"{quote.theta:.8f}",
        "predictedDeliveryPrice": "0",
        "change24h": f"{(quote.mark_price - marks[0]) / marks[0]:.8f}" if marks[0] > 0 else "0",
    }


@route("/v5/market/tickers")
def tickers(exchange: Any, request: Request) -> dict[str, Any]:
    """Tickers of one symbol or of a whole category (options by ``baseCoin``/``expDate``)."""
    cat = category(request, ("spot", "linear", "inverse", "option"))
    market: Market = exchange.market
    now = request.now_ms
    inst = optional_instrument(market, request, cat, now)
    if inst is not None:
        if inst.delivery_ms and inst.delivery_ms <= now:
            raise ParamError(f"params error: symbol invalid, {inst.symbol} is not trading")
        selected = [inst]
    elif cat == "option":
        coin = request.get("baseCoin")
        if coin is None:
            raise ParamError("params error: symbol or baseCoin is required for category option")
        selected = [i for i in market.instruments(cat, now) if i.base_coin == coin]
        if not selected:
            raise ParamError(f"params error: baseCoin invalid, no options on {coin}")
        code = request.get("expDate")
        if code is not None:
            wanted = parse_date_code(code)
            if wanted is None:
                raise ParamError("params error: expDate invalid, expected a date such as 25DEC22")
            selected = [i for i in selected if parse_date_code(i.symbol.split("-")[1]) == wanted]
    else:
        selected = market.instruments(cat, now)
    build = {"spot": _spot_ticker, "option": _option_ticker}.get(cat, _contract_ticker)
    return {"category": cat, "list": [build(market, i, now) for i in selected]}
