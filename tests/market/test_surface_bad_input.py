"""Bad arguments to the newer market functions: ValueError naming what is allowed, before any request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import MarketClient

CASES: list[tuple[str, Callable[[MarketClient], Any], str]] = [
    ("rpi category", lambda c: c.rpi_orderbook("BTCUSDT", "option"), "allowed: 'spot', 'linear', 'inverse'"),
    (
        "rpi limit high",
        lambda c: c.rpi_orderbook("BTCUSDT", limit=51),
        r"limit must be an integer in \[1, 50\]",
    ),
    ("rpi limit zero", lambda c: c.rpi_orderbook("BTCUSDT", limit=0), r"\[1, 50\]"),
    ("rpi limit none", lambda c: c.rpi_orderbook("BTCUSDT", limit=None), r"\[1, 50\]"),  # type: ignore[arg-type]
    ("rpi option symbol", lambda c: c.rpi_orderbook("BTC-16JUN24-170000-C"), "use category='option'"),
    (
        "full category",
        lambda c: c.full_orderbook("BTCUSDT", "option"),
        "allowed: 'spot', 'linear', 'inverse'",
    ),
    ("full symbol", lambda c: c.full_orderbook("BTC USDT"), "is not a Bybit symbol"),
    ("index shape", lambda c: c.index_price_components("BTC"), r"'USDT', 'USDC', 'USD'\), such as 'BTCUSDT'"),
    ("index perp name", lambda c: c.index_price_components("BTCPERP"), "a coin followed by the quote"),
    ("index dashes", lambda c: c.index_price_components("BTC-USDT"), "such as 'BTCUSDT'"),
    ("index type", lambda c: c.index_price_components(7), "got 7"),  # type: ignore[arg-type]
    ("adl option", lambda c: c.adl_alert("BTC-16JUN24-170000-C"), "covers linear and inverse contracts"),
    ("adl symbol", lambda c: c.adl_alert("BTC/USDT"), "is not a Bybit symbol"),
    ("new delivery coin", lambda c: c.new_delivery_prices("B TC"), "base_coin must be a coin name"),
    ("new delivery settle", lambda c: c.new_delivery_prices("BTC", "BTC"), "allowed: 'USDT', 'USDC'"),
    ("fee product", lambda c: c.fee_groups("spot"), "product_type 'spot' is not valid; allowed: 'contract'"),
    (
        "fee group high",
        lambda c: c.fee_groups(group_id=10),
        r"group_id must be an integer in \[1, 9\], got 10",
    ),
    ("fee group zero", lambda c: c.fee_groups(group_id=0), r"\[1, 9\]"),
    ("fee group text", lambda c: c.fee_groups(group_id="1"), r"\[1, 9\], got '1'"),  # type: ignore[arg-type]
    ("fee group bool", lambda c: c.fee_groups(group_id=True), r"\[1, 9\], got True"),
    ("collateral coin", lambda c: c.collateral_tiers("BTC-USDT"), "currency must be a coin name"),
]


@pytest.mark.parametrize(("name", "call", "message"), CASES, ids=[case[0] for case in CASES])
def test_refused_before_any_request(
    client: MarketClient, app: Any, name: str, call: Callable[[MarketClient], Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        call(client)
    assert sum(app.requests.values()) == 0, f"{name} sent {dict(app.requests)}"


def test_index_names_are_read_in_any_case(client: MarketClient, app: Any) -> None:
    assert client.index_price_components(" ethusdc ").attrs["params"] == {"indexName": "ETHUSDC"}
    assert client.index_price_components("BTCUSD")["index_name"].unique().tolist() == ["BTCUSD"]
    assert app.requests["/v5/market/index-price-components"] == 2
