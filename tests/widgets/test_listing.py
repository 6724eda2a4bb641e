"""The explorer's listing: instruments joined with their tickers, the filters' choices, filtering."""

from __future__ import annotations

import pandas as pd
import pytest

from bybit_research.client import Client
from bybit_research.widgets.listing import FILTERS, TABLE_COLUMNS, choices, filter_listing, listing_frame


@pytest.fixture(scope="module")
def linear(session_client: Client) -> pd.DataFrame:
    return listing_frame(session_client.instruments("linear"), session_client.tickers("linear"))


def test_the_listing_keeps_every_instrument_and_ticker_column(session_client: Client) -> None:
    instruments = session_client.instruments("linear")
    tickers = session_client.tickers("linear")
    listing = listing_frame(instruments, tickers)
    assert list(listing.index) == list(instruments.index)
    clashing = sorted(set(instruments.columns) & set(tickers.columns))
    assert clashing == ["delivery_fee_rate", "delivery_time"]
    assert list(listing.columns) == [
        *instruments.columns,
        *(c + "_ticker" if c in clashing else c for c in tickers),
    ]
    assert listing.loc["BTCUSDT", "last_price"] == tickers.loc["BTCUSDT", "last_price"]
    assert listing["last_price"].dtype == "float64" and listing.attrs == instruments.attrs
    assert set(TABLE_COLUMNS["linear"]) <= set(listing.columns)


def test_choices_are_sorted_values_and_expiries_by_date(linear: pd.DataFrame, session_client: Client) -> None:
    assert choices(linear, "contract_type") == ["LinearFutures", "LinearPerpetual"]
    assert choices(linear, "settle_coin") == ["USDC", "USDT"]
    assert choices(linear, "nope") == [] and choices(linear.iloc[:0], "base_coin") == []
    chain = session_client.option_chain("BTC")
    codes = choices(chain, "expiry_code")
    assert codes[:3] == ["16JUN24", "17JUN24", "18JUN24"] and codes[-1] == "27DEC24"
    assert len(codes) == chain["expiry_code"].nunique()
    assert set(TABLE_COLUMNS["option"]) <= set(chain.columns)
    assert {f.column for f in FILTERS["option"]} <= set(chain.columns)


def test_filter_by_columns_and_search(linear: pd.DataFrame) -> None:
    futures = filter_listing(linear, {"contract_type": "LinearFutures", "base_coin": None})
    assert len(futures) == (linear["contract_type"] == "LinearFutures").sum() > 0
    assert set(futures["contract_type"]) == {"LinearFutures"} and futures["delivery_time"].notna().all()
    eth = filter_listing(linear, {"base_coin": "ETH"}, "  usdt ")
    assert list(eth.index) == [s for s in linear.index if s.startswith("ETH") and "USDT" in s]
    assert len(eth) >= 2 and eth.attrs == linear.attrs
    assert filter_listing(linear, {}, "nothing-like-it").empty
    with pytest.raises(ValueError, match=r"the listing has no column 'quote'; it has \['symbol_id'"):
        filter_listing(linear, {"quote": "USDT"})
