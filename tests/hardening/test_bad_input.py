"""Bad input is refused before any request reaches the exchange, and every argument that sets the amount of
work is bounded: the simulator's request count stays at zero, and nothing but ``ValueError`` comes out (never
an ``httpx`` error, a hang or a ``MemoryError``)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from bybit_research.core.time import EARLIEST_MS, LATEST_MS, to_ms
from bybit_research.endpoints.checks import (
    MAX_COUNT,
    MAX_PAGES_ALLOWED,
    MAX_SYMBOL_LENGTH,
    check_exp_date,
    check_max_pages,
    check_symbol,
)
from bybit_research.fetch.query import MAX_PAGES
from tests.conftest import MarketClient

#: symbols that must never be sent: query-string metacharacters, whitespace, control characters, look-alikes
BAD_SYMBOLS = {
    "ampersand": "BTC&category=spot",
    "question mark": "BTC?USDT",
    "hash": "BTCUSDT#",
    "slash": "BTC/USDT",
    "dot-dot": "../v5/account/wallet-balance",
    "percent": "BTC%26USDT",
    "space": "BTC USDT",
    "tab": "BTC\tUSDT",
    "newline": "BTCUSDT\nX-Header: 1",
    "nul": "BTC\x00USDT",
    "cyrillic T": "B\u0422CUSDT",
    "fullwidth B": "\uff22TCUSDT",
    "zero-width space": "BTC\u200bUSDT",
    "thousands of characters": "A" * 100_000,
    "one too long": "A" * (MAX_SYMBOL_LENGTH + 1),
    "leading dash": "-BTCUSDT",
    "double dash": "BTC--USDT",
}

SYMBOL_CALLS: dict[str, Callable[[MarketClient, str], Any]] = {
    "klines": lambda c, s: c.klines(s, 60),
    "klines list": lambda c, s: c.klines(["BTCUSDT", s], 60),
    "tickers": lambda c, s: c.tickers("linear", symbol=s),
    "orderbook": lambda c, s: c.orderbook(s),
    "trades": lambda c, s: c.trades(s, "linear"),
    "instruments": lambda c, s: c.instruments("linear", symbol=s),
    "funding": lambda c, s: c.funding_rates(s),
    "open interest": lambda c, s: c.open_interest(s),
    "long/short": lambda c, s: c.long_short_ratio(s),
    "risk limits": lambda c, s: c.risk_limits("linear", symbol=s),
    "price limit": lambda c, s: c.price_limit(s),
}


@pytest.mark.parametrize("call", list(SYMBOL_CALLS), ids=list(SYMBOL_CALLS))
@pytest.mark.parametrize("symbol", list(BAD_SYMBOLS.values()), ids=list(BAD_SYMBOLS))
def test_malformed_symbols_are_refused_without_a_request(
    client: MarketClient, app: Any, call: str, symbol: str
) -> None:
    with pytest.raises(
        ValueError, match=r"is not a Bybit symbol: symbols are up to 48 ASCII letters"
    ) as info:
        SYMBOL_CALLS[call](client, symbol)
    assert sum(app.requests.values()) == 0
    assert len(str(info.value)) < 400  # a 100 000-character symbol is not echoed whole


@pytest.mark.parametrize(
    "symbol", ["btcusdt", " BTCUSDT ", "BTC-28JUN24", "BTC-28JUN24-70000-C", "BTC-28JUN24-70000.5-P-USDT"]
)
def test_well_formed_symbols_pass_the_shape_check(symbol: str) -> None:
    assert check_symbol(symbol, None) == symbol.strip().upper()


@pytest.mark.parametrize("value", [None, "", "   ", 5, b"BTCUSDT", ["BTCUSDT"]])
def test_a_symbol_that_is_no_string_is_refused(value: object) -> None:
    with pytest.raises(ValueError, match="symbol must be a non-empty string such as 'BTCUSDT'"):
        check_symbol(value, "linear")


@pytest.mark.parametrize("code", ["31FEB24", "30FEB24", "29FEB23", "31APR24", "31JUN24", "0JAN25", "32DEC24"])
def test_expiry_codes_of_days_that_do_not_exist_are_refused(
    client: MarketClient, app: Any, code: str
) -> None:
    with pytest.raises(ValueError, match=rf"exp_date '{code}' is not a real date"):
        client.tickers("option", base_coin="BTC", exp_date=code)
    assert sum(app.requests.values()) == 0


@pytest.mark.parametrize(
    ("code", "expected"), [("29FEB24", "29FEB24"), ("1mar25", "1MAR25"), ("05JAN26", "5JAN26")]
)
def test_real_expiry_codes_are_normalised(code: str, expected: str) -> None:
    assert check_exp_date(code) == expected


TIME_CASES: list[tuple[str, Callable[[MarketClient], Any], str]] = [
    (
        "start far before 1970",
        lambda c: c.klines("BTCUSDT", 60, start=-(10**14)),
        "outside 1970-01-01 .. 2100",
    ),
    ("start negative", lambda c: c.funding_rates("BTCUSDT", start=-1), "outside 1970-01-01 .. 2100"),
    ("end after 2100", lambda c: c.klines("BTCUSDT", 60, end=LATEST_MS), "outside 1970-01-01 .. 2100"),
    ("end absurd", lambda c: c.open_interest("BTCUSDT", end=10**18), "outside 1970-01-01 .. 2100"),
    ("year 2200 text", lambda c: c.klines("BTCUSDT", "D", start="2200-01-01"), "outside 1970-01-01 .. 2100"),
    ("start not a time", lambda c: c.long_short_ratio("BTCUSDT", start=[1, 2]), "start must be a str"),
    ("start a bool", lambda c: c.klines("BTCUSDT", 60, start=True), "start must be a time"),
    ("epoch seconds", lambda c: c.klines("BTCUSDT", 60, end=1_718_000_000), "looks like epoch seconds"),
    ("limit 10**12", lambda c: c.klines("BTCUSDT", 60, limit=10**12), rf"\[1, {MAX_COUNT}\]"),
    (
        "limit past the bound",
        lambda c: c.open_interest("BTCUSDT", limit=MAX_COUNT + 1),
        rf"\[1, {MAX_COUNT}\]",
    ),
    ("limit negative", lambda c: c.long_short_ratio("BTCUSDT", limit=-5), rf"\[1, {MAX_COUNT}\]"),
    ("limit float", lambda c: c.open_interest("BTCUSDT", limit=2.5), "limit must be an integer"),
    ("orderbook limit", lambda c: c.orderbook("BTCUSDT", limit=10**9), r"\[1, 1000\]"),
    ("trades limit", lambda c: c.trades("BTCUSDT", "linear", limit=10**9), r"\[1, 1000\]"),
]


@pytest.mark.parametrize(("name", "call", "message"), TIME_CASES, ids=[c[0] for c in TIME_CASES])
def test_absurd_times_and_sizes_are_refused_at_once(
    client: MarketClient, app: Any, name: str, call: Callable[[MarketClient], Any], message: str
) -> None:
    started = time.monotonic()
    with pytest.raises(ValueError, match=message):
        call(client)
    assert time.monotonic() - started < 2.0, f"{name} took its time before refusing"
    assert sum(app.requests.values()) == 0


def _kline_windows(start_ms: int, end_ms: int, minutes: int = 1, per_page: int = 1000) -> int:
    """Aligned windows of ``per_page`` candles covering ``[start_ms, end_ms)``."""
    width = per_page * minutes * 60_000
    return math.ceil(end_ms / width) - start_ms // width


def test_a_range_from_before_bybit_is_planned_from_2018_and_bounded_by_max_pages(
    client: MarketClient, app: Any
) -> None:
    end = to_ms("2024-01-01")
    assert end is not None
    needed = _kline_windows(EARLIEST_MS, end)
    assert 3000 < needed < MAX_PAGES  # ~6 years of minutes: allowed by default, refused below
    for start in ("1990-01-01", 0, "2017-12-31 23:59"):
        with pytest.raises(ValueError) as info:
            client.klines("BTCUSDT", 1, start=start, end=end, max_pages=100)
        assert str(info.value) == (
            f"this call needs {needed} requests to /v5/market/kline, more than max_pages=100: narrow the "
            f"range (or the list of symbols), or pass max_pages={needed} to allow it"
        )
    assert sum(app.requests.values()) == 0


def test_a_count_of_candles_beyond_the_page_bound_is_refused_before_any_kline_request(
    client: MarketClient, app: Any
) -> None:
    # 100 million minutes back from now reach before 2018: the plan starts there, and is still too long
    with pytest.raises(
        ValueError, match=r"this call needs \d+ requests to /v5/market/kline, more than max_pages=50"
    ):
        client.klines("BTCUSDT", 1, limit=MAX_COUNT, max_pages=50)
    assert app.requests["/v5/market/kline"] == 0  # only the exchange's clock was asked


def test_many_symbols_count_towards_the_page_bound(client: MarketClient, app: Any) -> None:
    symbols = [f"SYM{i}USDT" for i in range(40)]
    with pytest.raises(ValueError, match=r"needs 80 requests to /v5/market/kline, more than max_pages=79"):
        client.klines(symbols, "D", start="2021-01-01", end="2024-01-01", max_pages=79)
    assert sum(app.requests.values()) == 0


@pytest.mark.parametrize("max_pages", [0, -1, 1.5, "10", True, MAX_PAGES_ALLOWED + 1])
def test_max_pages_itself_must_be_a_positive_integer(max_pages: object) -> None:
    with pytest.raises(ValueError, match=rf"max_pages must be an integer in \[1, {MAX_PAGES_ALLOWED}\]"):
        check_max_pages(max_pages)


@pytest.mark.parametrize(
    ("given", "expected"), [(None, None), (1, 1), (MAX_PAGES_ALLOWED, MAX_PAGES_ALLOWED)]
)
def test_max_pages_in_range_passes(given: int | None, expected: int | None) -> None:
    assert check_max_pages(given) == expected


def test_every_refusal_of_a_time_names_the_argument() -> None:
    for name in ("start", "end"):
        with pytest.raises(ValueError, match=rf"^{name}="):
            to_ms(pd.Timestamp.max.value, name)


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        (
            "/v5/market/tickers",
            {"category": "linear", "symbol": "A" * 100_000},
            r"would be 10\d{4} characters",
        ),
        ("/v5/market/tickers", {"category": "linear", "cursor": "x" * 9000}, "more than 8192"),
        ("/v5/market/\x00", None, "must be a V5 path"),
        ("/v5/market/tick ers", None, "must be a V5 path"),
        ("/v5/" + "a" * 100_000, None, r"must be a V5 path .*got '/v5/aaaa"),
        ("/v5/market/kline?symbol=BTCUSDT", None, "without a query"),
    ],
)
def test_the_raw_fetch_refuses_what_httpx_would_choke_on(
    client: MarketClient, app: Any, path: str, params: dict[str, str] | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message) as info:
        client.fetch(path, params)
    assert sum(app.requests.values()) == 0 and len(str(info.value)) < 400


@pytest.mark.parametrize("value", [1.5, "10", True, 0, -1])
def test_max_pages_that_is_not_a_whole_positive_number_is_refused_by_every_paged_call(
    client: MarketClient, app: Any, value: Any
) -> None:
    for call in (
        lambda: client.klines("BTCUSDT", 1, "2024-06-01", "2024-06-02", max_pages=value),
        lambda: client.executions("linear", "2024-06-01", "2024-06-02", max_pages=value),
    ):
        with pytest.raises(ValueError, match=r"max_pages must be an integer in \[1, \d+\] \(or None\), got "):
            call()
    assert sum(app.requests.values()) == 0
