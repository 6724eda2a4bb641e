"""Hand-made books whose portfolio margin is computed independently here, cell by cell."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from bybit_research.analytics import margin
from bybit_research.analytics.margin_replica import truncate_rate

from .conftest_margin import cell

NOW = pd.Timestamp("2026-12-01 08:00", tz="UTC")
MOVES = [-0.1, -0.08, -0.06, -0.04, -0.02, 0.0, 0.02, 0.04, 0.06, 0.08, 0.1]


def b76(forward: float, strike: float, days: float, vol: float, call: bool) -> float:
    """Black-76 (r = 0) from the textbook formula, independent of the package."""
    t = days / 365.0
    sd = vol * math.sqrt(t)
    d1 = math.log(forward / strike) / sd + sd / 2
    d2 = d1 - sd

    def n(x: float) -> float:
        return 0.5 * (1 + math.erf(x / math.sqrt(2)))

    return forward * n(d1) - strike * n(d2) if call else strike * n(-d2) - forward * n(-d1)


def b76_vega(forward: float, strike: float, days: float, vol: float) -> float:
    """Vega per vol point (0.01), textbook formula."""
    t = days / 365.0
    d1 = math.log(forward / strike) / (vol * math.sqrt(t)) + vol * math.sqrt(t) / 2
    return forward * math.exp(-d1 * d1 / 2) / math.sqrt(2 * math.pi) * math.sqrt(t) / 100


def book(*rows: tuple) -> pd.DataFrame:
    """Rows of (symbol, category, side, size, mark_price)."""
    frame = pd.DataFrame(rows, columns=["symbol", "category", "side", "size", "mark_price"])
    return frame.set_index("symbol")


def chain(*rows: tuple) -> pd.DataFrame:
    """Rows of (symbol, underlying_price, mark_iv, index_price)."""
    frame = pd.DataFrame(rows, columns=["symbol", "underlying_price", "mark_iv", "index_price"])
    return frame.set_index("symbol")


def test_a_single_long_perp_loses_size_x_price_x_range() -> None:
    positions = book(("BTCUSDT", "linear", "Buy", 2.0, 100_000.0))
    replica = margin.replicate(positions, now=NOW, equity=50_000.0)
    unit = replica.units.loc["BTC"]
    assert unit["max_loss"] == pytest.approx(2.0 * 100_000.0 * 0.10, rel=1e-12)
    assert unit["max_loss_price_move"] == -0.1 and unit["max_loss_iv_shock"] == 0.0
    assert unit["future_contingency"] == pytest.approx(0.0002 * 200_000.0)
    assert unit["asset_mm"] == pytest.approx(20_000.0 + 40.0)
    assert unit["asset_im"] == pytest.approx(1.2 * 20_040.0)
    assert unit["total_close_pz_fee"] == pytest.approx(-0.00055 * 200_000.0)
    perp = replica.scenarios[("BTC", "PERPETUAL")]
    np.testing.assert_allclose(perp.to_numpy(), [2 * 100_000.0 * m for m in MOVES], rtol=1e-12)
    # the same book under the range Bybit used before 2025-01-10
    before = margin.replicate(positions, params=margin.PRE_2025_PARAMS, now=NOW)
    assert before.units.at["BTC", "max_loss"] == pytest.approx(30_000.0)
    assert before.scenarios.index.min() == -0.15
    # account: rates truncated to 4 decimals as Bybit reports them
    account = replica.account
    assert account["account_mm_rate_exact"] == pytest.approx(20_040.0 / 50_000.0)
    assert account["account_mm_rate"] == 0.4008
    assert account["account_im_rate"] == math.floor(24_048.0 / 50_000.0 * 1e4) / 1e4 == 0.4809
    assert account["available_balance"] == pytest.approx(50_000.0 - 24_048.0)


def test_an_inverse_perp_moves_by_its_usd_contracts() -> None:
    replica = margin.replicate(book(("BTCUSD", "inverse", "Sell", 5_000.0, 98_000.0)), now=NOW)
    np.testing.assert_allclose(replica.scenarios[("BTC", "ALL")].to_numpy(), [-5_000.0 * m for m in MOVES])
    assert replica.units.at["BTC", "max_loss"] == pytest.approx(500.0)
    assert replica.units.at["BTC", "future_contingency"] == pytest.approx(0.0002 * 5_000.0)


def test_a_short_straddle_takes_the_iv_up_shock_at_the_wings() -> None:
    forward, strike, days, vol, index = 100_000.0, 100_000.0, 30.0, 0.5, 99_800.0
    call, put = "BTC-31DEC26-100000-C", "BTC-31DEC26-100000-P"
    positions = book((call, "option", "Sell", 1.0, 0.0), (put, "option", "Sell", 1.0, 0.0))
    market = chain((call, forward, vol, index), (put, forward, vol, index))
    replica = margin.replicate(positions, market, now=NOW)
    straddle = b76(forward, strike, days, vol, True) + b76(forward, strike, days, vol, False)
    expected = {}
    for m in MOVES:
        for s in (-0.2, 0.0, 0.2):
            shocked = sum(b76(forward * (1 + m), strike, days, vol * (1 + s), c) for c in (True, False))
            expected[(m, s)] = -(shocked - straddle)
    for (m, s), value in expected.items():
        got = replica.expiry_pnl.loc[("BTC", pd.Timestamp("2026-12-31 08:00", tz="UTC"), m, s), "pnl"]
        assert got == pytest.approx(value, rel=1e-9, abs=1e-7)
    worst = min(expected.values())
    assert replica.units.at["BTC", "max_loss"] == pytest.approx(-worst, rel=1e-9)
    assert replica.units.at["BTC", "max_loss_iv_shock"] == 0.2
    assert abs(cell(replica.units, "BTC", "max_loss_price_move")) == 0.1
    assert list(replica.max_loss_iv_shocks.xs("BTC")["iv_shock"]) == [0.2] * 11
    # contingency: 2 short contracts x index x 0.2 %; one expiry, no vega spread; no perps
    assert replica.units.at["BTC", "option_contingency"] == pytest.approx(2 * index * 0.002)
    assert replica.units.at["BTC", "option_vega_contingency"] == 0.0
    assert replica.units.at["BTC", "asset_mm"] == pytest.approx(-worst + 2 * index * 0.002, rel=1e-9)


def test_a_perp_hedge_lowers_the_margin_of_a_short_call() -> None:
    symbol, forward, vol, days = "BTC-31DEC26-100000-C", 100_000.0, 0.6, 30.0
    market = chain((symbol, forward, vol, forward))
    alone = margin.replicate(book((symbol, "option", "Sell", 1.0, 0.0)), market, now=NOW)
    hedged_book = book((symbol, "option", "Sell", 1.0, 0.0), ("BTCUSDT", "linear", "Buy", 0.55, forward))
    hedged = margin.replicate(hedged_book, market, now=NOW)
    base = b76(forward, 100_000.0, days, vol, True)
    losses = []
    for m in MOVES:
        for s in (-0.2, 0.0, 0.2):
            option = -(b76(forward * (1 + m), 100_000.0, days, vol * (1 + s), True) - base)
            losses.append(option + 0.55 * forward * m)
    assert hedged.units.at["BTC", "max_loss"] == pytest.approx(-min(losses), rel=1e-9)
    assert hedged.units.at["BTC", "future_contingency"] == pytest.approx(0.0002 * 0.55 * forward)
    assert cell(hedged.units, "BTC", "asset_mm") < 0.5 * cell(alone.units, "BTC", "asset_mm")
    # the perp and the option settle in different coins, but only perpetuals/futures count for that spread
    assert hedged.units.at["BTC", "usdt_usdc_contingency"] == 0.0


def test_near_expiry_options_take_a_dte_scaled_shock() -> None:
    params = margin.DEFAULT_PARAMS.override(iv_dte_power=0.5, iv_reference_dte=30.0, iv_min_dte=1.0)
    near, far = "BTC-3DEC26-100000-C", "BTC-31DEC26-100000-C"
    market = chain((near, 100_000.0, 0.5, 100_000.0), (far, 100_000.0, 0.5, 100_000.0))
    positions = book((near, "option", "Buy", 1.0, 0.0), (far, "option", "Buy", 1.0, 0.0))
    replica = margin.replicate(positions, market, params, now=NOW)
    cells = replica.option_pnl["pnl"]
    for symbol, days in ((near, 2.0), (far, 30.0)):
        factor = (30.0 / days) ** 0.5
        base = b76(100_000.0, 100_000.0, days, 0.5, True)
        shocked = b76(100_000.0, 100_000.0, days, 0.5 * (1 - 0.2 * factor), True)
        assert cells[(symbol, 0.0, -0.2)] == pytest.approx(shocked - base, rel=1e-9)
    # below iv_min_dte the factor stops growing: 6 hours to expiry is shocked like 1 day, (30 / 1) ** 0.5;
    # the down shock 0.2 x 5.48 would take IV below zero, so it stops at iv_floor (0.01)
    later = NOW + pd.Timedelta(days=1.75)
    hours = margin.replicate(book((near, "option", "Buy", 1.0, 0.0)), market, params, now=later)
    base = b76(100_000.0, 100_000.0, 0.25, 0.5, True)
    up = b76(100_000.0, 100_000.0, 0.25, 0.5 * (1 + 0.2 * 30.0**0.5), True)
    floor = b76(100_000.0, 100_000.0, 0.25, 0.01, True)
    assert hours.option_pnl.at[(near, 0.0, 0.2), "pnl"] == pytest.approx(up - base, rel=1e-9)
    assert hours.option_pnl.at[(near, 0.0, -0.2), "pnl"] == pytest.approx(floor - base, rel=1e-9)
    # absolute shocks move IV by vol points instead
    absolute = params.override(iv_shock_kind="absolute", iv_shocks=(-0.1, 0.0, 0.1), iv_dte_power=0.0)
    flat = margin.replicate(book((far, "option", "Buy", 1.0, 0.0)), market, absolute, now=NOW)
    expected = b76(100_000.0, 100_000.0, 30.0, 0.6, True) - b76(100_000.0, 100_000.0, 30.0, 0.5, True)
    assert flat.option_pnl.at[(far, 0.0, 0.1), "pnl"] == pytest.approx(expected, rel=1e-9)


def test_contingency_spreads_between_tenors_settle_coins_and_expiries() -> None:
    positions = book(
        ("BTCUSDT", "linear", "Buy", 1.0, 100_000.0),
        ("BTCUSDT-25DEC26", "linear", "Sell", 0.6, 100_500.0),
        ("BTCUSD", "inverse", "Sell", 20_000.0, 100_000.0),
    )
    params = margin.DEFAULT_PARAMS.override(future_delta_rate_per_day=0.0001)
    unit = margin.replicate(positions, params=params, now=NOW).units.loc["BTC"]
    # tenors: perps net +100000 - 20000 = +80000 at 0 days, future -60300 at 24 days
    assert unit["hedged_delta"] == pytest.approx(60_300.0) and unit["delta_days"] == pytest.approx(24.0)
    assert unit["future_delta_contingency"] == pytest.approx(60_300.0 * (0.003 + 0.0001 * 24.0))
    # settle coins: USDT 100000 - 60300 = +39700, coin-settled -20000
    assert unit["usdt_usdc_contingency"] == pytest.approx(0.001 * 20_000.0)
    assert unit["future_contingency"] == pytest.approx(0.0002 * (100_000.0 + 60_300.0 + 20_000.0))
    # vega spread: long vega in one expiry against short vega in another
    near, far = "BTC-25DEC26-100000-C", "BTC-26MAR27-100000-C"
    market = chain((near, 100_000.0, 0.5, 100_000.0), (far, 101_000.0, 0.55, 100_000.0))
    options = book((near, "option", "Buy", 2.0, 0.0), (far, "option", "Sell", 1.0, 0.0))
    vega_params = margin.DEFAULT_PARAMS.override(option_vega_rate=0.3, option_vega_rate_per_day=0.002)
    unit = margin.replicate(options, market, vega_params, now=NOW).units.loc["BTC"]
    long_vega = 2.0 * b76_vega(100_000.0, 100_000.0, 24.0, 0.5)
    short_vega = 1.0 * b76_vega(101_000.0, 100_000.0, 115.0, 0.55)
    hedged = min(long_vega, short_vega)
    assert unit["hedged_vega"] == pytest.approx(hedged, rel=1e-9) and unit["vega_days"] == pytest.approx(91.0)
    assert unit["option_vega_contingency"] == pytest.approx(hedged * (0.3 + 0.002 * 91.0), rel=1e-9)
    assert unit["option_contingency"] == pytest.approx(0.002 * 1.0 * 100_000.0)


def test_a_spot_hedge_offsets_a_short_perp() -> None:
    positions = book(("BTC", "spot", "Buy", 1.0, 100_000.0), ("BTCUSDT", "linear", "Sell", 1.0, 100_000.0))
    replica = margin.replicate(positions, now=NOW)
    np.testing.assert_allclose(replica.scenarios[("BTC", "SPOT_HEDGE")], [100_000.0 * m for m in MOVES])
    np.testing.assert_allclose(replica.scenarios[("BTC", "ALL")], 0.0, atol=1e-9)
    assert replica.units.at["BTC", "max_loss"] == 0.0
    assert replica.units.at["BTC", "asset_mm"] == pytest.approx(0.0002 * 100_000.0)
    assert replica.units.at["BTC", "index_price"] == 100_000.0


def test_units_without_options_report_the_zero_shock_and_units_add_up() -> None:
    positions = book(("SOLUSDT", "linear", "Buy", 100.0, 150.0), ("ETHUSDT", "linear", "Sell", 2.0, 4_000.0))
    replica = margin.replicate(positions, now=NOW, outside_im=10.0, outside_mm=5.0, equity=10_000.0)
    assert replica.max_loss_iv_shocks["iv_shock"].unique().tolist() == [0.0]
    assert list(replica.units.index) == ["ETH", "SOL"]
    assert replica.units.at["ETH", "max_loss_price_move"] == 0.1
    assert replica.account["account_mm"] == pytest.approx(replica.units["asset_mm"].sum() + 5.0)
    assert replica.account["account_im"] == pytest.approx(replica.units["asset_im"].sum() + 10.0)
    summary = margin.risk_units(positions, now=NOW)
    assert list(summary.loc["SOL", ["positions", "perpetuals", "options"]]) == [1, 1, 0]
    assert summary.at["ETH", "net_notional"] == -8_000.0


@pytest.mark.parametrize(
    ("rate", "truncated"),
    [(0.020499999, 0.0204), (0.0205, 0.0205), (0.024991, 0.0249), (1.23456, 1.2345), (0.0, 0.0)],
)
def test_rates_are_truncated_not_rounded(rate: float, truncated: float) -> None:
    assert truncate_rate(rate) == truncated


def test_an_empty_book_has_no_margin() -> None:
    replica = margin.replicate(book(("BTCUSDT", "linear", "", 0.0, 100_000.0)), now=NOW, equity=1_000.0)
    assert replica.units.empty and replica.account["account_mm"] == 0.0
    assert replica.book.attrs["flat"] == ["BTCUSDT"]
    assert replica.account["account_mm_rate"] == 0.0


def test_hedge_mode_rows_of_one_symbol_are_netted_and_market_marks_win() -> None:
    positions = book(
        ("BTCUSDT", "linear", "Buy", 1.0, 100_000.0), ("BTCUSDT", "linear", "Sell", 0.4, 100_000.0)
    )
    market = pd.DataFrame({"mark_price": [101_000.0], "index_price": [100_900.0]}, index=["BTCUSDT"])
    replica = margin.replicate(positions, market, now=NOW)
    assert list(replica.book.loc["BTCUSDT", ["qty", "price", "mark_price", "index_price"]]) == [
        0.6,
        101_000.0,
        100_000.0,
        100_900.0,
    ]
    assert replica.units.at["BTC", "max_loss"] == pytest.approx(0.6 * 101_000.0 * 0.1)


def test_options_are_valued_at_the_exchanges_clock_of_the_chain() -> None:
    symbol = "BTC-25DEC26-100000-C"
    positions = book((symbol, "option", "Buy", 1.0, 0.0))
    market = chain((symbol, 100_000.0, 0.6, 100_000.0))
    # the chain was built on this machine a day after the exchange answered (a cached or simulated clock)
    market.attrs = {"server_time": "2026-12-01T08:00:00.000Z", "fetched_at": "2026-12-02T08:00:00.000Z"}
    replica = margin.replicate(positions, market)
    assert replica.now == NOW and replica.book.at[symbol, "dte"] == 24.0
    market.attrs = {"fetched_at": "2026-12-02T08:00:00.000Z"}  # without the exchange's clock: this machine's
    assert margin.replicate(positions, market).book.at[symbol, "dte"] == 23.0
    # an explicit time wins over both; the positions' attrs count when the chain carries none
    later = NOW + pd.Timedelta(days=4)
    assert margin.replicate(positions, market, now=later).book.at[symbol, "dte"] == 20.0
    market.attrs = {}
    positions.attrs = {"server_time": "2026-12-11T08:00:00.000Z"}
    assert margin.replicate(positions, market).book.at[symbol, "dte"] == 14.0


def test_the_vega_spread_is_charged_on_bybits_own_vega() -> None:
    # Bybit prices its marks and greeks with the unrounded mark IV; the vega it reports is what it charges
    near, far = "BTC-25DEC26-100000-C", "BTC-26MAR27-100000-C"
    market = chain((near, 100_000.0, 0.5, 100_000.0), (far, 101_000.0, 0.55, 100_000.0))
    params = margin.DEFAULT_PARAMS.override(option_vega_rate=0.3, option_vega_rate_per_day=0.002)
    rate = 0.3 + 0.002 * 91.0  # the expiries are 91 days apart
    # the positions' vega (signed with the position, as /v5/position/list reports it): 30 long, 20 short
    held = book((near, "option", "Buy", 2.0, 0.0), (far, "option", "Sell", 1.0, 0.0))
    held["vega"] = [30.0, -20.0]
    unit = margin.replicate(held, market, params, now=NOW).units.loc["BTC"]
    assert unit["hedged_vega"] == 20.0 and unit["option_vega_contingency"] == pytest.approx(20.0 * rate)
    # the chain's vega (per contract) when the positions carry none: 2 x 16 long, 1 x 25 short
    quoted = market.assign(vega=[16.0, 25.0])
    unit = margin.replicate(held.drop(columns="vega"), quoted, params, now=NOW).units.loc["BTC"]
    assert unit["hedged_vega"] == 25.0 and unit["option_vega_contingency"] == pytest.approx(25.0 * rate)
    # neither: the replica's Black-76 vega of the printed IV (as in the test of the contingency components)
    plain = margin.replicate(held.drop(columns="vega"), market, params, now=NOW).units.loc["BTC"]
    expected = min(
        2.0 * b76_vega(100_000.0, 100_000.0, 24.0, 0.5), b76_vega(101_000.0, 100_000.0, 115.0, 0.55)
    )
    assert plain["hedged_vega"] == pytest.approx(expected, rel=1e-9)
    # a leg on a held option takes the position's vega per contract: short 2 far now, 40 against 30 long
    result = margin.what_if(
        held, add=[{"symbol": far, "side": "Sell", "size": 1.0}], market=market, params=params, now=NOW
    )
    assert result.after.book.at[far, "vega"] == 20.0
    assert result.after.units.at["BTC", "hedged_vega"] == 30.0
    # once the market has moved, Bybit's vega no longer describes it: the moved book uses Black-76
    surface = margin.liquidation_surface(
        held, market, params, now=NOW, equity=1e6, price_moves=[0.0, 0.05], iv_shifts=[0.0]
    )
    moved = market.assign(underlying_price=market["underlying_price"] * 1.05, index_price=105_000.0)
    again = margin.replicate(held.drop(columns="vega"), moved, params, now=NOW)
    assert cell(surface.mm, 0.05, 0.0) == pytest.approx(cell(again.units, "BTC", "asset_mm"), rel=1e-12)
    current = margin.replicate(held, market, params, now=NOW)
    assert cell(surface.mm, 0.0, 0.0) == pytest.approx(cell(current.units, "BTC", "asset_mm"), rel=1e-12)
