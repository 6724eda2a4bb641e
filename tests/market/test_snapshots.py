"""Snapshot functions against the simulator: order book, tickers, instruments, trades, reference data."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
import pytest

from bybit_research.endpoints import LimitRange, endpoint
from bybit_research.frames import snake
from tests.conftest import NOW, NOW_MS, MarketClient

UTC_MS = "datetime64[ms, UTC]"
SYMBOLS = {"spot": "BTCUSDT", "linear": "BTCUSDT", "inverse": "BTCUSD", "option": "BTC-16JUN24-170000-C"}


@pytest.mark.parametrize(
    ("category", "levels"), [("spot", 1), ("linear", 25), ("inverse", 25), ("option", 1)]
)
def test_orderbook_default_depth(client: MarketClient, category: str, levels: int) -> None:
    book = client.orderbook(SYMBOLS[category], category=category)
    assert list(book.columns) == ["side", "price", "size", "level"]
    assert (
        book.dtypes["price"] == np.float64
        and book.dtypes["level"] == "Int64"
        and book.dtypes["side"] == "str"
    )
    bids, asks = book[book["side"] == "bid"], book[book["side"] == "ask"]
    assert len(bids) == len(asks) == levels
    assert bids["price"].is_monotonic_decreasing and asks["price"].is_monotonic_increasing
    assert bids["price"].iloc[0] < asks["price"].iloc[0]
    assert bids["level"].tolist() == list(range(1, levels + 1))
    assert book.attrs["symbol"] == SYMBOLS[category] and pd.Timestamp(book.attrs["ts"]) == NOW
    assert book.attrs["endpoint"] == "/v5/market/orderbook" and book.attrs["category"] == category
    assert isinstance(book.attrs["u"], int) and isinstance(book.attrs["seq"], int)


def test_orderbook_limit(client: MarketClient) -> None:
    book = client.orderbook("ETHUSDT", limit=200)
    assert (book["side"] == "ask").sum() == 200 and book["level"].max() == 200


@pytest.mark.parametrize("category", ["spot", "linear", "inverse", "option"])
def test_tickers_columns_follow_the_category_schema(client: MarketClient, category: str) -> None:
    df = client.tickers(category, base_coin="BTC" if category == "option" else None)
    assert df.index.name == "symbol" and df.index.is_unique and len(df) > 5
    expected = [snake(f) for f in endpoint("tickers").schema(category) if f != "symbol"]
    assert list(df.columns)[: len(expected)] == expected
    assert df.dtypes["last_price"] == np.float64 and (df["last_price"].dropna() > 0).all()
    assert df.attrs["category"] == category
    one = client.tickers(category, symbol=SYMBOLS[category])
    assert one.index.tolist() == [SYMBOLS[category]]
    assert list(one.columns) == list(df.columns) and (one.dtypes == df.dtypes).all()


def test_linear_ticker_values(client: MarketClient) -> None:
    row = client.tickers("linear", symbol="BTCUSDT").loc["BTCUSDT"]
    assert row["funding_interval_hour"] == 8
    assert row["next_funding_time"] == pd.Timestamp("2024-06-15 16:00", tz="UTC")
    assert pd.isna(row["delivery_time"]) and pd.isna(row["basis"])
    assert row["bid1_price"] <= row["ask1_price"]


def test_option_tickers_by_expiry(client: MarketClient) -> None:
    df = client.tickers("option", base_coin="btc", exp_date="2024-06-16")
    assert len(df) > 0 and all("-16JUN24-" in s for s in df.index)
    assert df.dtypes["mark_iv"] == np.float64 and df["mark_iv"].between(0.05, 3).all()
    assert df.attrs["params"] == {"category": "option", "baseCoin": "BTC", "expDate": "16JUN24"}


@pytest.mark.parametrize(
    ("category", "columns"),
    [
        ("linear", ["contract_type", "tick_size", "min_order_qty", "max_leverage", "funding_interval"]),
        ("inverse", ["contract_type", "tick_size", "qty_step", "max_leverage"]),
        ("option", ["options_type", "delivery_time", "tick_size", "min_order_qty"]),
        ("spot", ["base_precision", "quote_precision", "tick_size", "margin_trading"]),
    ],
)
def test_instruments_flatten_filters(client: MarketClient, category: str, columns: list[str]) -> None:
    df = client.instruments(category)
    assert df.index.name == "symbol" and df.index.is_unique
    assert set(columns) <= set(df.columns)
    assert df.dtypes["tick_size"] == np.float64 and (df["tick_size"] > 0).all()
    assert str(df.dtypes["launch_time"] if "launch_time" in df else UTC_MS) == UTC_MS
    assert (df["status"] == "Trading").all()


def test_instruments_follow_cursor_pages(
    client: MarketClient, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bybit_research.market.snapshots as snapshots

    small = dataclasses.replace(snapshots.INSTRUMENTS_INFO, limits={"*": LimitRange(1, 100, 50)})
    monkeypatch.setattr(snapshots, "INSTRUMENTS_INFO", small)
    df = client.instruments("option", base_coin="BTC")
    listed = _listed_btc_options(app)
    assert len(df) == listed > 300 and df.index.is_unique
    pages = -(-listed // 100)  # 100 per page (the patched maximum)
    assert app.requests["/v5/market/instruments-info"] == pages and df.attrs["pages"] == pages


def _listed_btc_options(app: Any) -> int:
    """The BTC options the simulated exchange lists now, counted from its own universe."""
    market = app.exchange.market
    return sum(1 for inst in market.instruments("option", NOW_MS) if inst.base_coin == "BTC")


def test_instrument_filters(client: MarketClient) -> None:
    closed = client.instruments("linear", status="Closed")
    assert len(closed) > 0 and (closed["status"] == "Closed").all()
    assert closed["delivery_time"].notna().all()
    eth = client.instruments("option", base_coin="ETH")
    assert (eth["base_coin"] == "ETH").all()
    one = client.instruments("inverse", symbol="BTCUSD")
    assert one.index.tolist() == ["BTCUSD"] and one.loc["BTCUSD", "contract_type"] == "InversePerpetual"


@pytest.mark.parametrize(
    ("category", "count"), [("spot", 60), ("linear", 500), ("inverse", 500), ("option", 500)]
)
def test_trades_default_counts(client: MarketClient, category: str, count: int) -> None:
    symbol = None if category == "option" else SYMBOLS[category]
    df = client.trades(symbol, category=category)
    assert len(df) == count
    assert df.index.name == "time" and df.index.is_monotonic_increasing and df.index.max() <= NOW
    assert (
        df.dtypes["price"] == np.float64
        and df.dtypes["is_block_trade"] == np.dtype(bool)
        and df.dtypes["seq"] == "Int64"
    )
    assert set(df["side"]) <= {"Buy", "Sell"}
    if category == "option":
        assert {"m_p", "i_p", "m_iv", "iv"} <= set(df.columns)


def test_trade_limit_and_option_filters(client: MarketClient) -> None:
    assert len(client.trades("BTCUSDT", limit=7)) == 7
    puts = client.trades(category="option", base_coin="ETH", option_type="Put", limit=20)
    assert len(puts) == 20 and all(s.startswith("ETH-") and s.endswith("-P") for s in puts["symbol"])


def test_insurance(client: MarketClient) -> None:
    df = client.insurance()
    assert list(df.columns) == ["coin", "symbols", "balance", "value", "updated_time"]
    assert df.dtypes["balance"] == np.float64 and str(df.dtypes["updated_time"]) == UTC_MS
    assert (df["balance"] > 0).all()
    assert pd.Timestamp(df.attrs["updated_time"]) == df["updated_time"].max()
    usdt = client.insurance("usdt")
    assert set(usdt["coin"]) == {"USDT"} and len(usdt) < len(df)


@pytest.mark.parametrize("category", ["linear", "inverse"])
def test_risk_limits_pages(client: MarketClient, app: Any, category: str) -> None:
    df = client.risk_limits(category)
    assert df.index.name == "symbol" and not df.index.is_unique
    assert df.dtypes["id"] == "Int64" and df.dtypes["maintenance_margin"] == np.float64
    first = df.loc[df.index[0]]
    assert first["risk_limit_value"].is_monotonic_increasing and first["is_lowest_risk"].iloc[0] == 1
    assert app.requests["/v5/market/risk-limit"] == df.attrs["pages"] >= 1
    one = client.risk_limits(category, symbol=df.index[0])
    assert set(one.index) == {df.index[0]}


def test_linear_risk_limits_need_several_pages(client: MarketClient, app: Any) -> None:
    df = client.risk_limits("linear")
    assert df.attrs["pages"] == app.requests["/v5/market/risk-limit"] == 3
    assert df.index.nunique() == 32


@pytest.mark.parametrize("category", ["linear", "inverse", "option"])
def test_delivery_prices(client: MarketClient, category: str) -> None:
    df = client.delivery_prices(category)
    assert list(df.columns) == ["delivery_price", "delivery_time"] and df.index.name == "symbol"
    assert str(df.dtypes["delivery_time"]) == UTC_MS
    if category != "option":  # options list only symbols delivering now (08:00-12:00 UTC)
        assert len(df) > 0 and (df["delivery_time"] < NOW).all() and (df["delivery_price"] > 0).all()


@pytest.mark.parametrize("category", ["spot", "linear", "inverse"])
def test_price_limit(client: MarketClient, category: str) -> None:
    df = client.price_limit(SYMBOLS[category], category=category)
    assert df.index.tolist() == [SYMBOLS[category]]
    row = df.iloc[0]
    assert row["buy_lmt"] > row["sell_lmt"] > 0 and row["ts"] == NOW


def test_server_time(client: MarketClient) -> None:
    assert client.server_time() == NOW


def test_option_chain(client: MarketClient, app: Any) -> None:
    chain = client.option_chain("BTC")
    assert chain.index.name == "symbol" and len(chain) == _listed_btc_options(app)
    assert list(chain.columns[:4]) == ["expiry", "expiry_code", "strike", "option_type"]
    for column in ("bid1_iv", "ask1_iv", "mark_iv", "delta", "gamma", "vega", "theta", "open_interest",
                   "underlying_price", "mark_price"):  # fmt: skip
        assert chain.dtypes[column] == np.float64
    assert str(chain.dtypes["expiry"]) == UTC_MS and chain.dtypes["strike"] == np.float64
    keys = list(zip(chain["expiry"], chain["strike"], chain["option_type"] != "Call", strict=True))
    assert keys == sorted(keys)
    calls = chain[chain["option_type"] == "Call"]
    puts = chain[chain["option_type"] == "Put"]
    # far out-of-the-money deltas print as zero at 8 decimals
    assert (calls["delta"] >= 0).all() and (puts["delta"] <= 0).all()
    assert (calls["delta"] > 0).mean() > 0.5 and (puts["delta"] < 0).mean() > 0.5
    assert chain.loc["BTC-16JUN24-170000-C", "strike"] == 170000.0
    one = client.option_chain("BTC", expiry="16JUN24")
    assert set(one["expiry_code"]) == {"16JUN24"} and 0 < len(one) < len(chain)
    assert (one["expiry"] == pd.Timestamp("2024-06-16 08:00", tz="UTC")).all()
