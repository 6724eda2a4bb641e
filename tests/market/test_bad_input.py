"""Bad arguments raise ValueError naming the allowed values, before any request reaches the exchange."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import MarketClient

CASES: list[tuple[str, Callable[[MarketClient], Any], str]] = [
    (
        "kline category",
        lambda c: c.klines("BTCUSDT", 60, category="futures"),
        "allowed: 'spot', 'linear', 'inverse'",
    ),
    (
        "price flavour",
        lambda c: c.klines("BTCUSDT", 60, price="bid"),
        "allowed: 'last', 'mark', 'index', 'premium'",
    ),
    (
        "mark spot",
        lambda c: c.klines("BTCUSDT", 60, category="spot", price="mark"),
        "allowed: 'linear', 'inverse', 'option'",
    ),
    (
        "premium inverse",
        lambda c: c.klines("BTCUSD", 60, category="inverse", price="premium"),
        "allowed: 'linear'",
    ),
    (
        "last option",
        lambda c: c.klines("BTC-16JUN24-170000-C", 60, category="option"),
        "not available for category 'option'",
    ),
    (
        "interval",
        lambda c: c.klines("BTCUSDT", 2),
        "interval '2' is not valid .* allowed: '1', '3', '5', '15'",
    ),
    ("interval alias", lambda c: c.klines("BTCUSDT", "7h"), r"'D', 'W', 'M' \(or aliases such as '1m'"),
    (
        "period alias",
        lambda c: c.open_interest("BTCUSDT", "2h"),
        r"'1h', '4h', '1d' \(or aliases such as '5m'",
    ),
    ("month as minutes", lambda c: c.klines("BTCUSDT", "2M"), "interval '2M' is not valid"),
    ("start after end", lambda c: c.klines("BTCUSDT", 60, "2024-02-01", "2024-01-01"), "must be before end"),
    (
        "start equals end",
        lambda c: c.funding_rates("BTCUSDT", "2024-01-01", "2024-01-01"),
        "must be before end",
    ),
    (
        "limit zero",
        lambda c: c.klines("BTCUSDT", 60, limit=0),
        r"limit must be an integer in \[1, 100000000\]",
    ),
    (
        "limit text",
        lambda c: c.open_interest("BTCUSDT", limit="5"),  # type: ignore[arg-type]
        "limit must be an integer in",
    ),
    ("limit absurd", lambda c: c.klines("BTCUSDT", 60, limit=10**12), "got 1000000000000"),
    (
        "option symbol linear",
        lambda c: c.klines("BTC-16JUN24-170000-C", 60),
        "is an option symbol of category 'option', not 'linear'; use category='option'",
    ),
    ("linear symbol option", lambda c: c.orderbook("BTCUSDT", category="option"), "is not an option symbol"),
    (
        "future on spot",
        lambda c: c.tickers("spot", symbol="BTC-28JUN24"),
        "is a linear dated future symbol of category 'linear', not 'spot'",
    ),
    (
        "inverse on linear",
        lambda c: c.klines("BTCUSD", 60),
        "is an inverse contract symbol of category 'inverse'",
    ),
    ("empty list", lambda c: c.klines([], 60), "non-empty list"),
    ("duplicate symbols", lambda c: c.klines(["BTCUSDT", "btcusdt"], 60), "duplicates"),
    ("unreadable time", lambda c: c.klines("BTCUSDT", 60, start="soon"), "start='soon' is not a time"),
    ("epoch seconds", lambda c: c.klines("BTCUSDT", 60, start=1_700_000_000), "looks like epoch seconds"),
    (
        "orderbook option limit",
        lambda c: c.orderbook("BTC-16JUN24-170000-C", "option", limit=26),
        r"\[1, 25\]",
    ),
    ("orderbook linear limit", lambda c: c.orderbook("BTCUSDT", limit=1001), r"\[1, 1000\]"),
    ("tickers category", lambda c: c.tickers("perp"), "allowed: 'spot', 'linear', 'inverse', 'option'"),
    (
        "tickers base coin linear",
        lambda c: c.tickers("linear", base_coin="BTC"),
        "only for category='option'",
    ),
    ("option tickers bare", lambda c: c.tickers("option"), "need symbol or base_coin"),
    ("exp date", lambda c: c.tickers("option", base_coin="BTC", exp_date="someday"), "like '27DEC24'"),
    (
        "instrument status",
        lambda c: c.instruments("linear", status="Live"),
        "allowed: 'PreLaunch', 'Trading'",
    ),
    ("symbol type", lambda c: c.instruments("linear", symbol_type="meme"), "allowed: 'innovation'"),
    ("spot base coin", lambda c: c.instruments("spot", base_coin="BTC"), "not supported for category='spot'"),
    ("trades spot limit", lambda c: c.trades("BTCUSDT", "spot", limit=61), r"\[1, 60\] for category 'spot'"),
    ("trades symbol", lambda c: c.trades(category="linear"), "symbol is required for category 'linear'"),
    ("option type", lambda c: c.trades(category="option", option_type="call"), "allowed: 'Call', 'Put'"),
    (
        "funding category",
        lambda c: c.funding_rates("BTCUSDT", category="spot"),
        "allowed: 'linear', 'inverse'",
    ),
    ("oi interval", lambda c: c.open_interest("BTCUSDT", "2h"), "intervalTime '2h' is not valid .* '5min'"),
    ("oi category", lambda c: c.open_interest("BTCUSDT", category="option"), "allowed: 'linear', 'inverse'"),
    ("lsr period", lambda c: c.long_short_ratio("BTCUSDT", "4d"), "period '4d' is not valid .* '1d'"),
    ("hv period", lambda c: c.historical_volatility("BTC", 5), "period 5 is not valid; allowed: 7, 14, 21"),
    ("hv sol period", lambda c: c.historical_volatility("SOL", 270), "allowed: 7, 14, 21, 30, 60, 90$"),
    ("hv quote", lambda c: c.historical_volatility(quote_coin="EUR"), "allowed: 'USD', 'USDT'"),
    ("coin", lambda c: c.insurance("U$DT"), "coin must be a coin name"),
    ("risk category", lambda c: c.risk_limits("spot"), "allowed: 'linear', 'inverse'"),
    ("delivery category", lambda c: c.delivery_prices("spot"), "allowed: 'linear', 'inverse', 'option'"),
    (
        "delivery base coin",
        lambda c: c.delivery_prices("linear", base_coin="BTC"),
        "only for category='option'",
    ),
    ("settle coin", lambda c: c.delivery_prices("option", settle_coin="BTC"), "allowed: 'USDC', 'USDT'"),
    (
        "price limit option",
        lambda c: c.price_limit("BTC-16JUN24-170000-C", "option"),
        "allowed: 'spot', 'linear'",
    ),
    ("chain expiry", lambda c: c.option_chain("BTC", expiry="next friday"), "like '27DEC24'"),
]


@pytest.mark.parametrize(("name", "call", "message"), CASES, ids=[c[0] for c in CASES])
def test_refused_before_any_request(
    client: MarketClient, app: Any, name: str, call: Callable[[MarketClient], Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        call(client)
    assert sum(app.requests.values()) == 0, f"{name} sent {dict(app.requests)}"
