"""The option chain follows the price: strikes on both sides of every expiry's forward at every clock, new
strikes listed on the hour and never withdrawn, the same chain for the same (seed, now)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from market_helpers import NOW_MS, call, make_exchange

from bybit_research.sim.core import SimConfig
from bybit_research.sim.market import OPTION_CARRY, Market
from bybit_research.sim.market.calendar import DAY_MS, HOUR_MS, YEAR_MS
from bybit_research.sim.market.strikes import STRIKES_AROUND
from bybit_research.sim.market.universe import option_kinds

CLOCKS = [1_690_000_000_000, 1_717_228_740_000, 1_735_000_000_000, 1_752_000_000_000, NOW_MS]


def chains(market: Market, now: int) -> dict[tuple[str, int], list[float]]:
    out: dict[tuple[str, int], set[float]] = {}
    for inst in market.instruments("option", now):
        out.setdefault((inst.base_coin, inst.delivery_ms), set()).add(float(inst.strike or 0.0))
    return {key: sorted(strikes) for key, strikes in out.items()}


@pytest.mark.parametrize("now", CLOCKS)
def test_every_expiry_has_strikes_around_its_forward(now: int) -> None:
    market = Market(SimConfig(now_ms=now))
    for (coin, expiry), strikes in chains(market, now).items():
        forward = market.paths[coin].price_at(now) * (1.0 + OPTION_CARRY * (expiry - now) / YEAR_MS)
        below = sum(strike < forward for strike in strikes)
        above = sum(strike > forward for strike in strikes)
        # checked on the hour: the forward may have moved up to a strike since
        around = STRIKES_AROUND[option_kinds(expiry)[-1]] - 1
        assert below >= around and above >= around, (coin, expiry, below, above)


def test_the_nearest_expiry_late_in_its_life_still_has_an_at_the_money_strike() -> None:
    # the daily expiring at 08:00 today was listed three days ago around that day's price
    now = NOW_MS // DAY_MS * DAY_MS + 7 * HOUR_MS + 59 * 60_000
    market = Market(SimConfig(now_ms=now))
    expiry = NOW_MS // DAY_MS * DAY_MS + 8 * HOUR_MS
    for coin in ("BTC", "ETH", "SOL"):
        strikes = np.array(chains(market, now)[(coin, expiry)])
        index = market.index_price(coin, now)
        spacing = np.diff(strikes).min()
        assert np.abs(strikes - index).min() <= spacing / 2 + 1e-9


def test_new_strikes_are_listed_on_the_hour_and_stay_listed() -> None:
    market = Market(SimConfig(now_ms=NOW_MS))
    earlier = NOW_MS - 20 * DAY_MS
    before = {i.symbol for i in market.instruments("option", earlier) if i.delivery_ms > NOW_MS}
    now = market.instruments("option", NOW_MS)
    assert before <= {i.symbol for i in now}  # nothing listed is withdrawn before expiry
    listing: dict[tuple[str, int], int] = {}  # a chain's listing: the launch of its first strikes
    for inst in now:
        key = (inst.base_coin, inst.delivery_ms)
        listing[key] = min(listing.get(key, inst.launch_ms), inst.launch_ms)
    added = [i for i in now if i.launch_ms > listing[(i.base_coin, i.delivery_ms)]]
    assert len(added) > 20  # the price moved: strikes were added after their chains were listed
    assert all(i.launch_ms % HOUR_MS == 0 and i.launch_ms <= NOW_MS for i in added)
    for inst in added[:: max(len(added) // 5, 1)]:
        assert inst.symbol in {i.symbol for i in market.instruments("option", inst.launch_ms)}
        assert inst.symbol not in {i.symbol for i in market.instruments("option", inst.launch_ms - 1)}


def test_the_chain_is_a_function_of_seed_and_clock() -> None:
    a = [i.symbol for i in Market(SimConfig(seed=5, now_ms=NOW_MS)).instruments("option")]
    b = [i.symbol for i in Market(SimConfig(seed=5, now_ms=NOW_MS)).instruments("option")]
    # another market that saw other instants first lists the same chain for this instant
    touched = Market(SimConfig(seed=5, now_ms=NOW_MS))
    touched.instruments("option", NOW_MS - 7 * DAY_MS)
    c = [i.symbol for i in touched.instruments("option", NOW_MS)]
    other = [i.symbol for i in Market(SimConfig(seed=6, now_ms=NOW_MS)).instruments("option")]
    assert a == b == c and a != other


def test_added_strikes_are_served_with_their_listing_time() -> None:
    exchange: Any = make_exchange()
    rows = call(exchange, "/v5/market/instruments-info", category="option", baseCoin="ETH", limit=1000)[
        "list"
    ]
    by_expiry: dict[str, set[str]] = {}
    for row in rows:
        by_expiry.setdefault(row["deliveryTime"], set()).add(row["launchTime"])
    assert any(len(times) > 1 for times in by_expiry.values())  # a chain with strikes listed later
    assert all(int(row["launchTime"]) <= NOW_MS for row in rows)
