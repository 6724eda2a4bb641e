"""Public trades of the market model: each minute bar is the exact aggregate of its trades, for every kind of
instrument, and trades are a pure function of the seed."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from market_helpers import NOW_MS

from bybit_research.sim.core import SimConfig
from bybit_research.sim.market import Market
from bybit_research.sim.market.calendar import DAY_MS, MINUTE_MS
from bybit_research.sim.market.levels import LEVELS
from bybit_research.sim.market.trades import TICKS_PER_MS, day_trades, latest_trades

DAY = NOW_MS // DAY_MS - 3


@pytest.fixture(scope="module")
def market() -> Market:
    return Market(SimConfig(now_ms=NOW_MS))


@pytest.mark.parametrize(
    ("symbol", "category", "day"),
    [
        ("BTCUSDT", "linear", DAY),
        ("XRPUSDT", "linear", DAY),
        ("ETH-26DEC25", "linear", DAY),  # a USDC future
        ("ETHUSD", "inverse", DAY),
        ("SOLUSDC", "spot", DAY),
        ("HYPEUSDT", "linear", 20238),  # its launch day, 2025-05-30
    ],
)
def test_minute_bars_are_the_aggregates_of_their_trades(
    market: Market, symbol: str, category: str, day: int
) -> None:
    inst = market.instrument(symbol, category)
    assert inst is not None
    source = market.engine(inst, "last").source
    trades = day_trades(source, day)
    bars = source.day_bars(day)
    minute = (trades.time // TICKS_PER_MS - day * DAY_MS) // MINUTE_MS
    assert np.all(np.diff(trades.time) >= 0) and minute.min() == 0 and minute.max() == 1439
    starts = np.flatnonzero(np.diff(minute, prepend=-1))
    assert len(starts) == 1440  # every minute traded
    ends = np.append(starts[1:], len(trades)) - 1
    assert np.array_equal(trades.price[starts], bars.open) and np.array_equal(trades.price[ends], bars.close)
    assert np.array_equal(np.maximum.reduceat(trades.price, starts), bars.high)
    assert np.array_equal(np.minimum.reduceat(trades.price, starts), bars.low)
    # sizes are in quantity-step decimals, bar volumes in volume-step decimals (coarser for spot)
    shift = 10 ** (trades.size_decimals - source.volume_decimals)
    assert np.array_equal(np.add.reduceat(trades.size, starts), bars.volume * shift)
    if inst.is_inverse:
        coins = trades.size / (trades.price / 10**trades.price_decimals)
        assert np.abs(np.add.reduceat(coins, starts) * 1e8 - bars.turnover).max() <= 0.5 + 1e-6
    else:
        value = np.add.reduceat(trades.price * trades.size, starts)
        assert np.array_equal(value, bars.turnover * shift)  # exact
    assert np.diff(np.append(starts, len(trades))).min() >= LEVELS  # every price level of a minute trades


def test_trades_are_a_function_of_the_seed(market: Market) -> None:
    inst = market.instrument("ETHUSDT", "linear")
    assert inst is not None
    fresh = Market(SimConfig(seed=7, now_ms=NOW_MS))
    other = Market(SimConfig(seed=8, now_ms=NOW_MS))
    ours = day_trades(market.engine(inst, "last").source, DAY)
    again = day_trades(fresh.engine(inst, "last").source, DAY)
    theirs = day_trades(other.engine(inst, "last").source, DAY)
    assert np.array_equal(ours.time, again.time) and np.array_equal(ours.words, again.words)
    assert not np.array_equal(ours.price[: len(theirs)], theirs.price[: len(ours)])


def test_latest_trades_stop_at_now_and_reach_back_across_days(market: Market) -> None:
    inst = market.instrument("BTCUSD", "inverse")
    assert inst is not None
    source = market.engine(inst, "last").source
    now = NOW_MS // DAY_MS * DAY_MS + 90_000  # 1.5 minutes into the day
    taken = latest_trades(source, now, 1000)
    assert sum(len(rows) for _, rows in taken) == 1000 and len(taken) == 2
    assert [trades.day for trades, _ in taken] == [now // DAY_MS, now // DAY_MS - 1]
    times = np.concatenate([trades.time[rows] for trades, rows in taken]) // TICKS_PER_MS
    assert times[0] <= now and np.all(np.diff(times) <= 0)
    today = day_trades(source, now // DAY_MS)
    assert (today.time // TICKS_PER_MS > now).any()  # the rest of the day exists, unseen
    delivered = market.instrument("BTCUSDT-26SEP25")
    assert delivered is not None
    last = latest_trades(market.engine(delivered, "last").source, NOW_MS, 5)
    assert last[0][0].time[last[0][1][0]] // TICKS_PER_MS < delivered.delivery_ms
