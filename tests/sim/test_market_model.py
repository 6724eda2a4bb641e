"""The synthetic market model: universe, random-access paths, exact candle aggregation, options maths."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from market_helpers import NOW_MS, make_exchange

from bybit_research.sim.core import SimConfig
from bybit_research.sim.market import Instrument, Market
from bybit_research.sim.market.calendar import (
    DAY_MS,
    HOUR_MS,
    MINUTE_MS,
    month_index,
    month_start_ms,
)
from bybit_research.sim.market.klines import Interval
from bybit_research.sim.market.options import black76_greeks, black76_price, smile_iv, smile_iv_array


@pytest.fixture(scope="module")
def market() -> Market:
    return Market(SimConfig(seed=7, now_ms=NOW_MS))


def listed(market: Market, symbol: str, category: str | None = None) -> Instrument:
    inst = market.instrument(symbol, category)
    assert inst is not None, symbol
    return inst


def candles(market: Market, symbol: str, interval: str, start=None, end=None, limit=1000, category="linear"):
    inst = listed(market, symbol, category)
    return market.engine(inst, "last").candles(Interval(interval), NOW_MS, start, end, limit)


# ---------------------------------------------------------------- universe
def test_universe_counts_and_symbols(market: Market) -> None:
    linear = {i.symbol for i in market.instruments("linear")}
    spot = {i.symbol for i in market.instruments("spot")}
    inverse = {i.symbol for i in market.instruments("inverse")}
    options = market.instruments("option")
    perps = [s for s in linear if s.endswith("USDT") and "-" not in s]
    assert 18 <= len(perps) <= 20
    assert {"BTCPERP", "ETHPERP", "SOLPERP", "BTCUSDT-26DEC25", "BTC-26DEC25", "BTCUSDT-27MAR26"} <= linear
    assert {"BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "BTCUSDC", "ETHUSDC"} <= spot
    assert {"BTCUSD", "ETHUSD", "BTCUSDZ25", "BTCUSDH26"} <= inverse
    assert {i.base_coin for i in options} == {"BTC", "ETH", "SOL"}
    assert "BTC-26DEC25-100000-C" in {i.symbol for i in options}
    # every option expires at 08:00 UTC, after now; daily, weekly, monthly and quarterly expiries are listed
    expiries = sorted({i.delivery_ms for i in options})
    assert all(e % DAY_MS == 8 * HOUR_MS and e > NOW_MS for e in expiries)
    assert expiries[0] == NOW_MS // DAY_MS * DAY_MS + 8 * HOUR_MS  # today 08:00 has not passed yet
    assert expiries[-1] - NOW_MS > 180 * DAY_MS
    assert len(expiries) >= 9


def test_instrument_fields(market: Market) -> None:
    btc = listed(market, "BTCUSDT")
    assert isinstance(btc, Instrument)
    assert (btc.category, btc.contract_type, btc.settle_coin, btc.funding_interval_min) == (
        "linear",
        "LinearPerpetual",
        "USDT",
        480,
    )
    assert (btc.tick_size, btc.qty_step, btc.delivery_ms, btc.option_type, btc.strike) == (
        "0.10",
        "0.001",
        0,
        None,
        None,
    )
    assert listed(market, "BTCUSDT", "spot").contract_type == "Spot"
    option = listed(market, "BTC-26DEC25-100000-P")
    assert (option.option_type, option.strike, option.settle_coin, option.status) == (
        "Put",
        100000.0,
        "USDC",
        "Trading",
    )
    inverse = listed(market, "BTCUSDZ25")
    assert (inverse.contract_type, inverse.settle_coin, inverse.quote_coin) == (
        "InverseFutures",
        "BTC",
        "USD",
    )
    assert {i.funding_interval_min for i in market.instruments("linear") if i.funding_interval_min} == {
        60,
        240,
        480,
    }
    assert market.instrument("NOPE") is None


def test_expired_contracts_leave_the_listing(market: Market) -> None:
    expired = market.expired_instruments("linear")
    assert expired and all(i.status == "Closed" and i.delivery_ms <= NOW_MS for i in expired)
    assert "BTCUSDT-26SEP25" in {i.symbol for i in expired}
    assert "BTCUSDT-26SEP25" not in {i.symbol for i in market.instruments("linear")}
    assert listed(market, "BTCUSDT-26SEP25").status == "Closed"
    later = market.instruments("option", NOW_MS + 3 * HOUR_MS)  # after today's 08:00 expiry
    assert min(i.delivery_ms for i in later) == NOW_MS // DAY_MS * DAY_MS + DAY_MS + 8 * HOUR_MS


# ---------------------------------------------------------------- prices
def test_prices_are_plausible_and_related(market: Market) -> None:
    last, mark = market.last_price("BTCUSDT", NOW_MS), market.mark_price("BTCUSDT", NOW_MS)
    index = market.index_price("BTC", NOW_MS)
    assert 20_000 < index < 400_000
    assert abs(last / index - 1) < 0.003 and abs(mark / index - 1) < 0.003
    assert (
        abs(
            market.last_price(
                "BTCUSDT",
                NOW_MS,
            )
            - market.last_price("BTCUSDT", NOW_MS)
        )
        == 0
    )
    assert market.index_price("USDT", NOW_MS) == 1.0
    future = market.last_price("BTCUSDT-27MAR26", NOW_MS)
    assert future > index  # contango carry on a future three months out
    assert round(last / 0.1) * 0.1 == pytest.approx(last)  # on the tick


def test_futures_basis_decays_to_expiry(market: Market) -> None:
    inst = listed(market, "BTCUSDT-26SEP25")
    basis_early = market.engine(inst, "mark").source.basis(np.array([inst.delivery_ms - 60 * DAY_MS]))[0]
    basis_late = market.engine(inst, "mark").source.basis(np.array([inst.delivery_ms - DAY_MS]))[0]
    assert basis_early > 5 * basis_late > 0
    assert market.engine(inst, "mark").source.basis(np.array([inst.delivery_ms]))[0] == 0


def test_funding_rates(market: Market) -> None:
    settle = NOW_MS // (8 * HOUR_MS) * 8 * HOUR_MS
    rates = [market.funding_rate("BTCUSDT", settle - k * 8 * HOUR_MS) for k in range(200)]
    assert all(-0.00375 <= r <= 0.00375 for r in rates)
    assert 0.0001 in rates and len(set(rates)) > 5
    assert market.funding_rate("BTCUSDT-26DEC25", settle) == 0.0


def test_determinism_and_seed() -> None:
    first, second = Market(SimConfig(seed=3, now_ms=NOW_MS)), Market(SimConfig(seed=3, now_ms=NOW_MS))
    other = Market(SimConfig(seed=4, now_ms=NOW_MS))
    a = candles(first, "ETHUSDT", "5", limit=300)
    b = candles(second, "ETHUSDT", "5", limit=300)
    c = candles(other, "ETHUSDT", "5", limit=300)
    assert np.array_equal(a, b)
    assert not np.array_equal(a[:, 1:], c[:, 1:])
    assert first.option_quote("BTC-26DEC25-100000-C", NOW_MS) == second.option_quote(
        "BTC-26DEC25-100000-C", NOW_MS
    )


def test_random_access_does_not_depend_on_history_touched(market: Market) -> None:
    fresh = Market(SimConfig(seed=7, now_ms=NOW_MS))
    t = NOW_MS - 900 * DAY_MS
    direct = fresh.last_price("SOLUSDT", t)
    candles(market, "SOLUSDT", "D")  # touch years of history first
    assert market.last_price("SOLUSDT", t) == direct


# ---------------------------------------------------------------- candles
def _aggregate(rows: np.ndarray) -> list[int]:
    """Aggregate newest-first candle rows into one ``[o, h, l, c, v, t]``."""
    return [rows[-1, 1], rows[:, 2].max(), rows[:, 3].min(), rows[0, 4], rows[:, 5].sum(), rows[:, 6].sum()]


def test_hour_is_exactly_sixty_minutes(market: Market) -> None:
    hours = candles(market, "BTCUSDT", "60", limit=48)
    for row in hours[1:6]:
        minutes = candles(market, "BTCUSDT", "1", start=int(row[0]), end=int(row[0]) + HOUR_MS - 1)
        assert len(minutes) == 60
        assert list(row[1:]) == _aggregate(minutes)


def test_day_is_exactly_its_hours_across_categories(market: Market) -> None:
    for symbol, category in (("BTCUSD", "inverse"), ("ETHUSDT", "spot"), ("XRPUSDT", "linear")):
        day = candles(market, symbol, "D", limit=3, category=category)[1]
        hours = candles(
            market, symbol, "60", start=int(day[0]), end=int(day[0]) + DAY_MS - 1, category=category
        )
        assert len(hours) == 24
        assert list(day[1:]) == _aggregate(hours)


def test_week_and_month_are_exactly_their_days(market: Market) -> None:
    days = candles(market, "ETHUSDT", "D", limit=400)
    weeks = candles(market, "ETHUSDT", "W", limit=20)
    months = candles(market, "ETHUSDT", "M", limit=6)
    for week in weeks[1:4]:
        assert (int(week[0]) // DAY_MS + 3) % 7 == 0  # a Monday
        members = days[(days[:, 0] >= week[0]) & (days[:, 0] < week[0] + 7 * DAY_MS)]
        assert len(members) == 7 and list(week[1:]) == _aggregate(members)
    for month in months[1:4]:
        following = month_start_ms(month_index(int(month[0])) + 1)
        members = days[(days[:, 0] >= month[0]) & (days[:, 0] < following)]
        assert 28 <= len(members) <= 31 and list(month[1:]) == _aggregate(members)


def test_newest_candle_is_unclosed(market: Market) -> None:
    for interval in ("1", "15", "60", "D", "W", "M"):
        newest = candles(market, "BTCUSDT", interval, limit=2)[0]
        assert newest[0] <= NOW_MS < Interval(interval).start(Interval(interval).index(NOW_MS) + 1)
        assert newest[4] / 100 == pytest.approx(market.last_price("BTCUSDT", NOW_MS))
    minutes = candles(market, "BTCUSDT", "1", limit=2)
    assert minutes[0][0] == NOW_MS // MINUTE_MS * MINUTE_MS
    assert minutes[1][5] > minutes[0][5] >= 0  # the open minute has traded part of a minute's volume


def test_history_starts_at_launch(market: Market) -> None:
    hype = listed(market, "HYPEUSDT")
    rows = candles(market, "HYPEUSDT", "D", start=0, limit=5)
    assert rows[-1][0] == hype.launch_ms and len(rows) == 5
    assert len(candles(market, "HYPEUSDT", "D", start=0, end=hype.launch_ms - 1)) == 0
    month = candles(market, "HYPEUSDT", "M", start=0, limit=1)[0]
    first_day = candles(market, "HYPEUSDT", "D", start=hype.launch_ms, limit=1)[0]
    assert month[0] < hype.launch_ms and month[1] == first_day[1]  # the month candle opens at the launch


def test_windowing_rules(market: Market) -> None:
    start = NOW_MS - 10 * DAY_MS
    anchored = candles(market, "BTCUSDT", "60", start=start, limit=5)
    assert list(anchored[:, 0]) == [(start // HOUR_MS + k) * HOUR_MS for k in (5, 4, 3, 2, 1)]
    end = NOW_MS - 5 * DAY_MS
    ending = candles(market, "BTCUSDT", "60", end=end, limit=3)
    assert list(ending[:, 0]) == [(end // HOUR_MS - k) * HOUR_MS for k in (0, 1, 2)]
    both = candles(market, "BTCUSDT", "60", start=start, end=start + 3 * HOUR_MS, limit=1000)
    assert len(both) == 3  # candles starting at or after start and not after end


def test_delivered_future_has_no_candles_after_delivery(market: Market) -> None:
    inst = listed(market, "BTCUSDT-26SEP25")
    rows = market.engine(inst, "last").candles(Interval("60"), NOW_MS, None, None, 3)
    assert rows[0][0] == (inst.delivery_ms - 1) // HOUR_MS * HOUR_MS


def test_pages_are_computed_once_and_served_the_same() -> None:
    fresh = Market(SimConfig(seed=11, now_ms=NOW_MS))
    first = candles(fresh, "BTCUSDT", "1")  # first touch computes the days
    again = [candles(fresh, "BTCUSDT", "1") for _ in range(3)]
    assert first.shape == (1000, 7) and all(np.array_equal(rows, first) for rows in again)
    # seeded: another market of the same seed serves the same candles
    assert np.array_equal(candles(Market(SimConfig(seed=11, now_ms=NOW_MS)), "BTCUSDT", "1"), first)


# ---------------------------------------------------------------- options
def test_black76_parity_and_greeks() -> None:
    forward, strike, t, sigma = 100_000.0, 95_000.0, 0.25, 0.6
    call_price = black76_price(forward, strike, t, sigma, True)
    put_price = black76_price(forward, strike, t, sigma, False)
    assert call_price - put_price == pytest.approx(forward - strike, rel=1e-12)
    greeks = black76_greeks(forward, strike, t, sigma, True)
    bump = 1.0
    delta_fd = (
        black76_price(forward + bump, strike, t, sigma, True)
        - black76_price(forward - bump, strike, t, sigma, True)
    ) / 2
    assert greeks["delta"] == pytest.approx(delta_fd, rel=1e-6)
    vega_fd = (
        black76_price(forward, strike, t, sigma + 0.005, True)
        - black76_price(forward, strike, t, sigma - 0.005, True)
    ) / 1.0
    assert greeks["vega"] == pytest.approx(vega_fd, rel=1e-4)  # per 1 % of IV
    theta_fd = black76_price(forward, strike, t - 1 / 365, sigma, True) - call_price
    assert greeks["theta"] == pytest.approx(theta_fd, rel=1e-2)  # per day
    assert black76_greeks(forward, strike, 0.0, sigma, False)["delta"] == 0.0
    assert black76_price(forward, strike, 0.0, sigma, True) == forward - strike


def test_option_quote_smile(market: Market) -> None:
    chain = [
        i
        for i in market.instruments("option")
        if i.symbol.startswith("BTC-26DEC25-") and i.option_type == "Call"
    ]
    quotes = {float(i.strike or 0.0): market.option_quote(i.symbol, NOW_MS) for i in chain}
    strikes = sorted(quotes)
    ivs = [quotes[k].mark_iv for k in strikes]
    atm = min(strikes, key=lambda k: abs(k - quotes[k].underlying_price))
    assert min(ivs) == pytest.approx(quotes[atm].mark_iv, abs=0.05)
    assert ivs[0] > quotes[atm].mark_iv and ivs[-1] > quotes[atm].mark_iv  # a smile
    marks = [quotes[k].mark_price for k in strikes]
    assert marks == sorted(marks, reverse=True)  # calls cheapen with the strike
    assert all(0 <= quotes[k].delta <= 1 and quotes[k].theta < 0 for k in strikes)
    assert market.mark_price(chain[0].symbol, NOW_MS) == quotes[float(chain[0].strike or 0.0)].mark_price
    assert math.isclose(quotes[atm].index_price, market.index_price("BTC", NOW_MS), rel_tol=1e-4)


def test_exchange_builds_the_market() -> None:
    exchange = make_exchange()
    assert isinstance(exchange.market, Market) and exchange.market.seed == 7


def test_smile_stays_bounded_near_expiry_and_in_the_wings() -> None:
    forward = 60_000.0
    for t_years in (0.0, 1e-6, 1 / 365 / 24, 1 / 365, 7 / 365, 0.5):
        for strike in (5_000.0, 30_000.0, 54_000.0, 60_000.0, 66_000.0, 120_000.0, 400_000.0):
            iv = smile_iv(0.6, forward, strike, t_years)
            near_the_money = abs(strike / forward - 1.0) <= 0.1
            assert 0.05 <= iv <= (2.0 if near_the_money else 3.0), (t_years, strike, iv)
            vector = smile_iv_array(0.6, np.array([forward]), strike, np.array([t_years]))
            assert vector[0] == pytest.approx(iv, rel=1e-12)
    # below one day to expiry the smile keeps its one-day shape
    assert smile_iv(0.6, forward, 40_000.0, 1e-5) == smile_iv(0.6, forward, 40_000.0, 1 / 365)


def test_zero_dte_deep_itm_quote_is_plausible() -> None:
    market = Market(SimConfig(now_ms=NOW_MS))
    listing = market.instruments("option", NOW_MS)
    expiry = min(inst.delivery_ms for inst in listing if inst.base_coin == "BTC")
    now = expiry - 2 * 3_600_000  # two hours before the nearest expiry
    index = market.index_price("BTC", now)
    calls = [
        i for i in listing if i.base_coin == "BTC" and i.delivery_ms == expiry and i.option_type == "Call"
    ]
    deep = min(calls, key=lambda inst: inst.strike or 0.0)
    assert (deep.strike or 0.0) < index * 0.95  # ~7 % in the money with two hours left
    quote = market.option_quote(deep.symbol, now)
    assert 0.05 <= quote.mark_iv <= 2.0
    assert quote.delta > 0.99 and abs(quote.theta) < index * 0.001
    assert quote.mark_price == pytest.approx(index - (deep.strike or 0.0), rel=0.01)


def test_single_prices_agree_with_the_minute_bars() -> None:
    """Prices read from the day's bare points (no bars built) equal the minute bars' interpolated closes."""
    from bybit_research.sim.market.bars import _DAY_CACHE

    market = Market(SimConfig(seed=9_041, now_ms=NOW_MS))
    listing = market.instruments("linear", NOW_MS) + market.instruments("option", NOW_MS)
    future = next(i for i in listing if i.contract_type == "LinearFutures")
    day0 = NOW_MS // DAY_MS - 40
    option = next(i for i in listing if i.category == "option" and i.launch_ms < day0 * DAY_MS)
    perp = market.instrument("BTCUSDT", "linear")
    assert perp is not None
    rng = np.random.default_rng(5)
    cases = [
        (perp, "last"),
        (perp, "mark"),
        (perp, "index"),
        (perp, "premium"),
        (future, "mark"),
        (option, "mark"),
    ]
    for inst, kind in cases:
        engine = market.engine(inst, kind)
        source = engine.source
        times = [(day0 + 3) * DAY_MS + 1439 * 60_000 + 30_000, (day0 + 5) * DAY_MS]
        times += [int(t) for t in rng.integers(day0 * DAY_MS, (day0 + 10) * DAY_MS, 12)]
        fast = [engine.price(t) for t in times]  # no bars of these days exist yet for this new seed
        for t, price in zip(times, fast, strict=True):
            day, rest = divmod(min(max(t, source.first_ms), source.stop_ms), DAY_MS)  # as price() clamps
            bars = source.day_bars(day)
            minute = rest // 60_000
            opened, closed = int(bars.open[minute]), int(bars.close[minute])
            fraction = rest % 60_000 / 60_000
            expected = opened + round((closed - opened) * fraction / source.scale) * source.scale
            assert price == expected, (inst.symbol, kind, t)
            assert _DAY_CACHE.get((source.source_id, day)) is not None
