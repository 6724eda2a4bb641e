"""Bad input to the margin functions: a ValueError that says what is wrong and what is allowed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from bybit_research.analytics import margin
from bybit_research.analytics.margin_symbols import parse_contract

NOW = pd.Timestamp("2026-12-01 08:00", tz="UTC")
CALL = "BTC-25DEC26-100000-C"


def positions(*rows: tuple, **columns: list) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["symbol", "category", "side", "size", "mark_price"]).set_index(
        "symbol"
    )
    for name, values in columns.items():
        frame[name] = values
    return frame


def chain(**overrides: object) -> pd.DataFrame:
    row = {"underlying_price": 100_000.0, "mark_iv": 0.5, "index_price": 99_900.0, **overrides}
    return pd.DataFrame([row], index=pd.Index([CALL], name="symbol"))


PERP = ("BTCUSDT", "linear", "Buy", 1.0, 100_000.0)
OPTION = (CALL, "option", "Sell", 1.0, 0.0)

CASES: dict[str, tuple[Callable[[], object], str]] = {
    "expired option": (
        lambda: margin.replicate(positions(OPTION), chain(), now="2026-12-25 08:00"),
        r"expired contract\(s\) at 2026-12-25 08:00:00\+00:00: \{'BTC-25DEC26-100000-C'",
    ),
    "expired future": (
        lambda: margin.replicate(positions(("BTCUSDT-25DEC26", "linear", "Buy", 1.0, 1.0)), now="2027-01-01"),
        r"expired contract\(s\)",
    ),
    "unknown expiry": (
        lambda: margin.replicate(
            positions(("BTC-26DEC26-100000-C", "option", "Buy", 1.0, 0.0)), chain(), now=NOW
        ),
        r"no market data for option\(s\) \['BTC-26DEC26-100000-C'\] in the chain",
    ),
    "not a date": (
        lambda: margin.replicate(
            positions(("BTC-31FOO26-100000-C", "option", "Buy", 1.0, 0.0)), chain(), now=NOW
        ),
        "is not a Bybit date code such as '27DEC24'",
    ),
    "negative size": (
        lambda: margin.replicate(positions(("BTCUSDT", "linear", "Buy", -1.0, 100_000.0)), now=NOW),
        r"size must be a number >= 0 \(the side gives the direction\); wrong for \['BTCUSDT'\]",
    ),
    "negative price": (
        lambda: margin.replicate(positions(("BTCUSDT", "linear", "Buy", 1.0, -5.0)), now=NOW),
        r"mark_price must not be negative: \['BTCUSDT'\]",
    ),
    "missing mark": (
        lambda: margin.replicate(positions(("BTCUSDT", "linear", "Buy", 1.0, float("nan"))), now=NOW),
        r"mark_price must be a positive number for \['BTCUSDT'\]",
    ),
    "a long option's vega negative": (
        lambda: margin.replicate(positions((CALL, "option", "Buy", 1.0, 0.0), vega=[-3.0]), chain(), now=NOW),
        r"an option's vega must be >= 0 per contract \(a position's vega has its sign\); wrong for "
        r"\['BTC-25DEC26-100000-C'\]",
    ),
    "a time that is none": (
        lambda: margin.replicate(positions(PERP), now="next friday"),
        r"now must be a time \(str, datetime, pd.Timestamp or epoch ms\), got 'next friday'",
    ),
    "negative forward in the chain": (
        lambda: margin.replicate(positions(OPTION), chain(underlying_price=-1.0), now=NOW),
        "chain column underlying_price must be a positive number",
    ),
    "iv as a percentage": (
        lambda: margin.replicate(positions(OPTION), chain(mark_iv=55.0), now=NOW),
        r"mark_iv must be a fraction \(0.55 = 55 %\)",
    ),
    "chain without the needed columns": (
        lambda: margin.replicate(
            positions(OPTION), chain().drop(columns=["mark_iv", "index_price"]), now=NOW
        ),
        r"the option chain needs the columns \['underlying_price', 'mark_iv', 'index_price'\]; missing",
    ),
    "options without a chain": (
        lambda: margin.replicate(positions(OPTION), now=NOW),
        r"positions hold options .*; pass market= an option chain",
    ),
    "positions without the needed columns": (
        lambda: margin.replicate(positions(PERP).drop(columns="side"), now=NOW),
        r"positions need the columns \['category', 'side', 'size', 'mark_price'\]",
    ),
    "unknown category": (
        lambda: margin.replicate(positions(("BTCUSDT", "futures", "Buy", 1.0, 1.0)), now=NOW),
        r"category must be one of \['linear', 'inverse', 'option', 'spot'\]; got \['futures'\]",
    ),
    "unknown side": (
        lambda: margin.replicate(positions(("BTCUSDT", "linear", "Long", 1.0, 1.0)), now=NOW),
        r"side must be 'Buy' or 'Sell'; got \['Long'\]",
    ),
    "mixed base coins (column)": (
        lambda: margin.replicate(positions(PERP, base_coin=["ETH"]), now=NOW),
        r"mixed base coins in one risk unit: .*'BTCUSDT': \('BTC', 'ETH'\)",
    ),
    "mixed base coins (chain)": (
        lambda: margin.replicate(positions(OPTION), chain(base_coin="ETH"), now=NOW),
        r"mixed base coins in one risk unit: the chain gives \{'BTC-25DEC26-100000-C': 'ETH'\}",
    ),
    "surface of several units": (
        lambda: margin.margin_surface(positions(PERP, ("ETHUSDT", "linear", "Buy", 1.0, 4_000.0)), now=NOW),
        r"the positions span several risk units \['BTC', 'ETH'\]; pass base_coin=",
    ),
    "surface of a unit without positions": (
        lambda: margin.margin_surface(positions(PERP), now=NOW, base_coin="SOL"),
        r"no positions in risk unit\(s\) \['SOL'\]; the book holds \['BTC'\]",
    ),
    "liquidation without equity": (
        lambda: margin.liquidation_surface(positions(PERP), now=NOW, equity=0.0),
        "equity must be a positive number of USD",
    ),
    "liquidation past -100 %": (
        lambda: margin.liquidation_surface(positions(PERP), now=NOW, equity=1e4, price_moves=[-1.0, 0.0]),
        r"price_moves must be non-empty and > -1",
    ),
    "remove what is not held": (
        lambda: margin.what_if(positions(PERP), remove="ETHUSDT", now=NOW),
        r"cannot remove \['ETHUSDT'\]: no such position",
    ),
    "a leg without side": (
        lambda: margin.what_if(positions(PERP), add=[{"symbol": "BTCUSDT", "size": 1.0}], now=NOW),
        "add= legs need side, size and category",
    ),
    "params of another kind": (
        lambda: margin.replicate(positions(PERP), params={"price_range": 0.1}, now=NOW),  # type: ignore[arg-type]
        "params must be a MarginParams, not dict",
    ),
    "compare without parameter sets": (
        lambda: margin.compare_params(positions(PERP), {}, now=NOW),
        "params_sets needs at least one label",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_refused_with_what_is_allowed(case: str) -> None:
    call, message = CASES[case]
    with pytest.raises(ValueError, match=message):
        call()


PARAMS: dict[str, tuple[dict[str, Any], str]] = {
    "shock kind": ({"iv_shock_kind": "percent"}, r"iv_shock_kind must be one of \('relative', 'absolute'\)"),
    "shocks without 0": ({"iv_shocks": (-0.2, 0.2)}, "iv_shocks must be ascending and contain 0.0"),
    "shocks out of order": ({"iv_shocks": (0.2, 0.0, -0.2)}, "iv_shocks must be ascending"),
    "relative shock of -100 %": ({"iv_shocks": (-1.0, 0.0)}, "relative iv_shocks must be > -1"),
    "negative rate": ({"future_rate": {"BTC": -0.1}}, r"future_rate\['BTC'\] must be a finite number >= 0"),
    "zero range": ({"price_range": 0.0}, r"price_range\['\*'\] must be > 0"),
    "one price point": ({"price_points": 1}, r"price_points\['\*'\] must be a whole number >= 2"),
    "unknown parameter": ({"price_rnage": 0.1}, r"unknown margin parameter\(s\) \['price_rnage'\]; known:"),
}


@pytest.mark.parametrize("case", list(PARAMS))
def test_bad_parameters_are_refused(case: str) -> None:
    changes, message = PARAMS[case]
    with pytest.raises(ValueError, match=message):
        margin.DEFAULT_PARAMS.override(**changes)


def test_bad_parameter_lookups_and_symbols() -> None:
    with pytest.raises(ValueError, match="'im_factors' is not a per-coin parameter"):
        margin.DEFAULT_PARAMS.value("im_factors", "BTC")
    with pytest.raises(ValueError, match="is not an option symbol such as 'BTC-27DEC24-100000-C'"):
        parse_contract("BTC-27DEC24-100000", "option")
    with pytest.raises(ValueError, match="is not an inverse symbol such as BTCUSD or BTCUSDH23"):
        parse_contract("BTCUSDT", "inverse")


def test_symbols_say_what_their_contracts_are() -> None:
    future = parse_contract("BTCUSDH27", "inverse")
    assert (future.kind, future.inverse, future.settle_coin) == ("future", True, "BTC")
    assert future.expiry == pd.Timestamp("2027-03-26 08:00", tz="UTC")  # the last Friday of March 2027
    usdc = parse_contract("ETH-27MAR26", "linear")
    assert (usdc.base_coin, usdc.settle_coin, usdc.kind) == ("ETH", "USDC", "future")
    option = parse_contract("SOL-5JAN27-150-P-USDT", "option")
    assert (option.settle_coin, option.strike, option.is_call) == ("USDT", 150.0, False)
    assert option.expiry == pd.Timestamp("2027-01-05 08:00", tz="UTC")
    assert parse_contract("1000PEPEUSDT", "linear").base_coin == "1000PEPE"
    assert parse_contract("BTCPERP", "linear").settle_coin == "USDC"
