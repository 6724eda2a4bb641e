"""Speed of the portfolio-margin replica: the 33-scenario grid and the 41 x 9 surface for 500 positions.

Usage: ``.venv/bin/python bench/margin_grid.py [--positions 500] [--repeats 30]``. Not a test: nothing here
asserts a time. The book is one risk unit (BTC), the heaviest case: options on 8 expiries (puts and calls over
a range of strikes) and every kind of BTC perpetual, future and the spot hedge. Each figure is the median of
``--repeats`` timed calls after one warm-up call; the targets come from the project's issue (grid <= 20 ms,
surface <= 200 ms), and the ratio printed is target / measured (above 1 = within target).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bybit_research.analytics.margin_book import build_book
from bybit_research.analytics.margin_grid import unit_grid
from bybit_research.analytics.margin_params import DEFAULT_PARAMS
from bybit_research.analytics.margin_replica import replicate, replicate_book
from bybit_research.analytics.margin_surface import surface_of_book
from bybit_research.analytics.margin_units import unit_arrays

NOW = pd.Timestamp("2026-12-01 08:00", tz="UTC")
EXPIRIES = ("4DEC26", "11DEC26", "18DEC26", "25DEC26", "29JAN27", "26FEB27", "26MAR27", "25JUN27")
LINEAR = (
    ("BTCUSDT", "linear"),
    ("BTCPERP", "linear"),
    ("BTCUSDT-25DEC26", "linear"),
    ("BTCUSDT-26MAR27", "linear"),
    ("BTC-25DEC26", "linear"),
    ("BTC-26MAR27", "linear"),
    ("BTCUSD", "inverse"),
    ("BTCUSDZ26", "inverse"),
    ("BTCUSDH27", "inverse"),
    ("BTC", "spot"),
)


def synthetic_book(n_positions: int, seed: int = 11) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n_positions`` BTC positions (10 linear/inverse/spot, the rest options) and their option chain."""
    rng = np.random.default_rng(seed)
    index = 100_000.0
    rows, chain = [], []
    for symbol, category in LINEAR:
        size = float(rng.integers(1, 2_000)) if category == "inverse" else float(rng.integers(1, 300)) / 100
        side = "Buy" if rng.random() < 0.5 else "Sell"
        rows.append((symbol, category, side, size, index * (1 + rng.normal(0, 0.002))))
    strikes = np.arange(50_000, 150_001, 2_500)
    options = [(e, k, t) for e in EXPIRIES for k in strikes for t in "CP"]
    picked = rng.choice(len(options), size=n_positions - len(LINEAR), replace=False)
    for number in picked:
        expiry, strike, kind = options[number]
        symbol = f"BTC-{expiry}-{strike}-{kind}"
        side = "Buy" if rng.random() < 0.5 else "Sell"
        rows.append((symbol, "option", side, float(rng.integers(1, 100)) / 100, 0.0))
        forward = index * (1 + 0.0004 * EXPIRIES.index(expiry))
        smile = 0.5 + 0.3 * (np.log(strike / forward)) ** 2
        chain.append((symbol, forward, smile, index))
    positions = pd.DataFrame(rows, columns=["symbol", "category", "side", "size", "mark_price"]).set_index(
        "symbol"
    )
    market = pd.DataFrame(chain, columns=["symbol", "underlying_price", "mark_iv", "index_price"]).set_index(
        "symbol"
    )
    return positions, market


def median_ms(call: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``call`` in milliseconds, after one warm-up call."""
    call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000.0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one line per figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args(argv)
    positions, market = synthetic_book(args.positions)
    book = build_book(positions, market, NOW)
    unit = unit_arrays(book, "BTC")
    params = DEFAULT_PARAMS
    moves, shocks = params.price_moves("BTC"), np.asarray(params.iv_shocks)
    replica = replicate_book(book, params)
    surface = surface_of_book(book, "BTC", params)
    figures = [
        (
            "33-scenario grid: margins of the book (replicate_book)",
            lambda: replicate_book(book, params),
            20.0,
        ),
        ("  of which the P&L grid alone (unit_grid)", lambda: unit_grid(unit, moves, shocks, params), None),
        (
            "  from the frames, book built too (replicate)",
            lambda: replicate(positions, market, params, NOW),
            None,
        ),
        ("  rendered as Bybit's JSON (to_report)", lambda: replicate_book(book, params).to_report(), None),
        ("41 x 9 surface (surface_of_book)", lambda: surface_of_book(book, "BTC", params), 200.0),
    ]
    load = os.getloadavg()
    options = int(unit.is_option.sum())
    print(f"{len(book)} positions in {book['base_coin'].nunique()} risk unit, {options} of them options")
    print(f"median of {args.repeats} calls; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    mm = float(replica.units["asset_mm"].iloc[0])
    grid, fine = surface.grid_max_loss, surface.max_loss
    print(f"BTC MM {mm:,.2f} USD; max loss {grid:,.2f} on Bybit's grid, {fine:,.2f} on the fine one")
    for label, call, target in figures:
        measured = median_ms(call, args.repeats)
        ratio = f"target {target:.0f} ms, ratio {target / measured:5.1f}x" if target else ""
        print(f"{label:<58} {measured:8.2f} ms   {ratio}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
