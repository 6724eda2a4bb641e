"""Consistent inputs: categories in any case, interval and period aliases, symbol shapes and the category a
symbol belongs to, real expiry dates; each refusal names what is allowed, before any request."""

from __future__ import annotations

from typing import Any

import pytest

from bybit_research.endpoints import ENDPOINTS, endpoint
from bybit_research.endpoints.checks import (
    MAX_SYMBOLS,
    category_of_symbol,
    check_exp_date,
    check_interval,
    check_symbol,
    check_symbols,
)
from tests.conftest import MarketClient

KLINE = endpoint("kline")
OPEN_INTEREST = endpoint("open-interest")


@pytest.mark.parametrize(
    ("given", "code", "minutes"),
    [
        (1, "1", 1),
        ("1", "1", 1),
        ("1m", "1", 1),
        ("15min", "15", 15),
        (60, "60", 60),
        ("60", "60", 60),
        ("1h", "60", 60),
        ("1H", "60", 60),
        ("2h", "120", 120),
        ("4h", "240", 240),
        ("12h", "720", 720),
        ("D", "D", 1440),
        ("d", "D", 1440),
        ("1d", "D", 1440),
        ("1day", "D", 1440),
        ("W", "W", 10080),
        ("1w", "W", 10080),
        ("M", "M", 0),
        ("1M", "M", 0),
        ("1month", "M", 0),
    ],
)
def test_kline_interval_aliases(given: Any, code: str, minutes: int) -> None:
    assert check_interval(given, KLINE) == (code, minutes * 60_000)


@pytest.mark.parametrize(
    ("given", "code"),
    [
        *[("5min", "5min"), ("5m", "5min"), ("5", "5min"), (15, "15min"), ("30m", "30min"), (60, "1h")],
        *[("60", "1h"), ("1H", "1h"), ("4h", "4h"), ("240", "4h"), ("D", "1d"), ("1d", "1d"), ("1D", "1d")],
    ],
)
def test_period_aliases_of_open_interest_and_long_short_ratio(given: Any, code: str) -> None:
    assert check_interval(given, OPEN_INTEREST)[0] == code
    assert check_interval(given, endpoint("account-ratio"))[0] == code


@pytest.mark.parametrize("given", ["7h", "2M", "m", "1y", "", "60x", 2, -5, 1.5, True, None])
def test_unknown_intervals_list_the_values_and_the_aliases(given: Any) -> None:
    with pytest.raises(ValueError, match=r"allowed: '1', '3', .* 'M' \(or aliases such as '1m', '5m'"):
        check_interval(given, KLINE)


def test_an_interval_of_another_endpoint_is_refused() -> None:
    with pytest.raises(ValueError, match=r"intervalTime '1m' is not valid for /v5/market/open-interest"):
        check_interval("1m", OPEN_INTEREST)
    with pytest.raises(ValueError, match=r"interval '1w' is not valid|interval 'W'"):
        check_interval("1w", endpoint("historical-volatility"))


@pytest.mark.parametrize("path", sorted(p for p, e in ENDPOINTS.items() if e.categories))
def test_categories_are_case_insensitive_everywhere(path: str) -> None:
    entry = ENDPOINTS[path]
    for category in entry.categories:
        assert entry.check_category(category.upper()) == category
        assert entry.check_category(f" {category.title()} ") == category


def test_category_refusals_name_the_allowed_ones() -> None:
    with pytest.raises(
        ValueError, match=r"category 'futures' is not supported by /v5/market/kline; allowed:"
    ):
        KLINE.check_category("futures")
    with pytest.raises(ValueError, match=r"category 5 is not supported"):
        KLINE.check_category(5)


@pytest.mark.parametrize(
    ("symbol", "category"),
    [
        ("BTC-27DEC24-100000-C", "option"),
        ("BTC-27DEC24-100000-P-USDT", "option"),
        ("SOL-27DEC24-12.5-C", "option"),
        ("BTC-27DEC24", "linear"),
        ("BTCUSDT-27DEC24", "linear"),
        ("BTCUSD", "inverse"),
        ("BTCUSDZ24", "inverse"),
        ("BTCUSDT", None),
        ("1000PEPEUSDT", None),
        ("ETHPERP", None),
    ],
)
def test_category_of_a_symbol_from_its_shape(symbol: str, category: str | None) -> None:
    assert category_of_symbol(symbol) == category


def test_symbol_lists_are_bounded_and_their_duplicates_named() -> None:
    many = [f"COIN{i}USDT" for i in range(MAX_SYMBOLS)]
    assert check_symbols(many, "linear") == (many, True)
    with pytest.raises(
        ValueError, match=f"symbol lists take at most {MAX_SYMBOLS} symbols, got {MAX_SYMBOLS + 1}"
    ):
        check_symbols([*many, "BTCUSDT"], "linear")
    with pytest.raises(ValueError, match=r"symbol list has duplicates: \['COIN0USDT', 'COIN2USDT'\]"):
        check_symbols([*many[:3], "COIN2USDT", "coin0usdt"], "linear")


@pytest.mark.parametrize(
    "symbol", ["BTCUSDT", "1000PEPEUSDT", "ETHPERP", "BTCUSDC", "btcusdt", "BTCUSDT-27DEC24", "BTC-27DEC24"]
)
def test_linear_symbols_of_every_kind_pass(symbol: str) -> None:
    assert check_symbol(symbol, "linear") == symbol.upper()
    assert check_symbol("ETHBTC", "spot") == "ETHBTC"  # a spot pair is a spot symbol


@pytest.mark.parametrize(
    ("symbol", "category", "message"),
    [
        ("BTCUSD", "linear", "is an inverse contract symbol of category 'inverse', not 'linear'"),
        ("BTCUSDH25", "spot", "category 'inverse', not 'spot'"),
        ("BTC-27DEC24", "inverse", "is a linear dated future symbol of category 'linear', not 'inverse'"),
        ("BTC-27DEC24-90000-C", "linear", "is an option symbol of category 'option'"),
        ("BTCUSDT", "option", "is not an option symbol"),
        ("ETHBTC", "linear", "is not a linear symbol: linear perpetuals end in USDT, USDC or PERP"),
        (
            "BTCUSDT",
            "inverse",
            r"is not an inverse symbol: inverse contracts end in USD .*use category='linear'",
        ),
        ("ETHBTC", "inverse", r"is not an inverse symbol: inverse contracts end in USD \('BTCUSD'\)"),
        ("BTCPERP", "spot", r"is a linear perpetual \(USDC\) symbol; use category='linear'"),
        ("BTC-31FEB24", "linear", r"carries the date '31FEB24', which does not exist"),
        ("BTC-31FEB24-60000-C", "option", r"carries the date '31FEB24', which does not exist"),
        ("BTCUSDT-30XYZ25", None, r"carries the date '30XYZ25', which does not exist"),
        ("BTCEUR", "linear", "for a spot pair use category='spot'"),
    ],
)
def test_a_symbol_of_another_category_names_its_category(symbol: str, category: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_symbol(symbol, category)


@pytest.mark.parametrize(
    "symbol",
    [
        "BTC&USDT",
        "BTC?x=1",
        "BTC#1",
        "BTC/USDT",
        "BTC USDT",
        "BTC\tUSDT",
        "BTC\x00",
        "ВТСUSDT",
        "X" * 100_000,
    ],
)
def test_symbols_of_the_wrong_shape_are_refused(symbol: str) -> None:
    with pytest.raises(ValueError, match="is not a Bybit symbol: symbols are up to 48 ASCII letters"):
        check_symbol(symbol, "linear")


def test_symbols_are_upper_cased_and_lists_are_checked_whole() -> None:
    assert check_symbol(" btcusdt ", "linear") == "BTCUSDT"
    assert check_symbols(["btcusdt", "ETHUSDT"], "linear") == (["BTCUSDT", "ETHUSDT"], True)
    assert check_symbols("ethusdt", "linear") == (["ETHUSDT"], False)
    with pytest.raises(ValueError, match="duplicates"):
        check_symbols(["BTCUSDT", "btcusdt"], "linear")
    with pytest.raises(ValueError, match="a symbol or a list of symbols"):
        check_symbols(5, "linear")


@pytest.mark.parametrize(
    ("given", "code"), [("27dec24", "27DEC24"), ("7JUN24", "7JUN24"), ("2024-06-07", "7JUN24")]
)
def test_expiry_codes(given: str, code: str) -> None:
    assert check_exp_date(given) == code


@pytest.mark.parametrize("given", ["31FEB24", "30FEB25", "32JAN24", "soon", ""])
def test_expiry_codes_that_are_no_date_are_refused(given: str) -> None:
    with pytest.raises(ValueError, match=r"is not a real date|must be a code like '27DEC24'"):
        check_exp_date(given)


def test_category_case_and_aliases_reach_the_exchange_normalised(client: MarketClient, app: Any) -> None:
    frame = client.klines("btcusdt", "1h", "2024-06-14", "2024-06-15", category="LINEAR")
    assert len(frame) == 24 and frame.attrs["params"]["interval"] == "60"
    assert frame.attrs["category"] == "linear" and frame.attrs["params"]["symbol"] == "BTCUSDT"
    oi = client.open_interest("BTCUSDT", 60, "2024-06-14", "2024-06-15", category="Linear")
    assert len(oi) == 24 and oi.attrs["params"]["intervalTime"] == "1h"


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.funding_rates(["BTCUSDT", "ETHUSDT"], "2024-06-10", "2024-06-12"),
        lambda c: c.open_interest(["BTCUSDT", "ETHUSDT"], "4h", "2024-06-10", "2024-06-12"),
        lambda c: c.long_short_ratio(["BTCUSDT", "ETHUSDT"], "4h", "2024-06-10", "2024-06-12"),
        lambda c: c.klines(["BTCUSDT", "ETHUSDT"], "4h", "2024-06-10", "2024-06-12"),
    ],
)
def test_every_time_series_takes_a_list_and_gives_the_tidy_frame(client: MarketClient, call: Any) -> None:
    frame = call(client)
    assert frame.index.names == ["time", "symbol"]
    assert set(frame.index.get_level_values("symbol")) == {"BTCUSDT", "ETHUSDT"}
    assert "symbol" not in frame.columns
    assert frame.index.get_level_values("time").is_monotonic_increasing
    one = call(client).xs("ETHUSDT", level="symbol")
    assert len(one) == len(frame) // 2 and one.index.is_unique


def test_historical_volatility_of_several_coins_is_tidy(client: MarketClient) -> None:
    frame = client.historical_volatility(["BTC", "ETH"], 7, "2024-06-10", "2024-06-11")
    assert frame.index.names == ["time", "base_coin"] and len(frame) == 48
    assert list(frame.columns) == ["period", "value"]
