"""Implied volatility of a 5 000-option chain: ours (vectorised) against a vollib loop, in one run.

Usage: ``.venv/bin/python bench/options_iv.py [--options 5000] [--repeat 30]``. Not a test: nothing here
asserts a time. Both contenders solve the same prices in this process, with their libraries imported
before any clock starts; the figures are the best and the median of ``--repeat`` runs (vollib: of
``max(3, repeat // 10)`` runs, each a loop over every option).

The chain: 20 expiries from 1 hour to 3 years (log-spaced), strikes from -7 to +7 standard deviations of
each expiry (as wide as Bybit lists: +-20 % a day before expiry) on a skewed smile (IV 54 % near the
money to 270 % in the wings), a call and a put per strike, forward 60 000.
Prices are Black-76 of those vols (out-of-the-money option plus intrinsic value, so in-the-money prices
keep their time value). Vol errors are measured against the vols the prices were made from, where the
double-precision price pins the vol (4 ulp of the price move the vol by less than 1e-11); elsewhere no
method can recover the vol from the price, and those options are counted, not measured.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from vollib.black.implied_volatility import implied_volatility as vollib_iv

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bybit_research.analytics.black76 import black76_greeks, black76_price
from bybit_research.analytics.implied_vol import solve_implied_vol

FORWARD = 60_000.0


def make_chain(options: int) -> tuple[np.ndarray, ...]:
    """Forward, strike, time, vol and call flag of ``options`` options (20 expiries, calls and puts)."""
    expiries = 20
    strikes = options // (2 * expiries)
    t_years = np.geomspace(1.0 / 8760.0, 3.0, expiries)
    z = np.linspace(-7.0, 7.0, strikes)
    atm = 0.55
    t_grid, z_grid = np.meshgrid(t_years, z, indexing="ij")
    strike = FORWARD * np.exp(z_grid * atm * np.sqrt(t_grid))
    vol = atm - 0.03 * z_grid + 0.04 * z_grid * z_grid
    t, k, v = (np.repeat(a.ravel(), 2) for a in (t_grid, strike, vol))
    calls = np.tile([True, False], t.size // 2)
    return np.full(t.size, FORWARD), k, t, v, calls


def time_ours(args: tuple[np.ndarray, ...], repeat: int) -> tuple[list[float], np.ndarray, int]:
    timings, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = solve_implied_vol(*args)
        timings.append(time.perf_counter() - start)
    assert result is not None
    return timings, result.vol, result.iterations


def time_vollib(
    price: np.ndarray, rest: tuple[np.ndarray, ...], repeat: int
) -> tuple[list[float], np.ndarray]:
    forward, strike, t_years, calls = rest
    flags = ["c" if c else "p" for c in calls]
    rows = list(zip(price.tolist(), forward.tolist(), strike.tolist(), t_years.tolist(), flags, strict=True))
    timings, vols = [], np.full(price.size, np.nan)
    for _ in range(repeat):
        out = np.full(price.size, np.nan)
        start = time.perf_counter()
        for i, (p, f, k, t, flag) in enumerate(rows):
            try:
                out[i] = vollib_iv(p, f, k, 0.0, t, flag)
            except Exception:  # vollib raises below intrinsic / above the maximum: no IV
                out[i] = np.nan
        timings.append(time.perf_counter() - start)
        vols = out
    return timings, vols


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--options", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    forward, strike, t_years, vol, calls = make_chain(args.options)
    price = black76_price(forward, strike, t_years, vol, calls)
    vega = black76_greeks(forward, strike, t_years, vol, calls)["vega"].to_numpy() * 100.0
    pinned = (price > np.finfo(np.float64).tiny) & (4.0 * np.spacing(price) < 1e-11 * vega)

    solve_implied_vol(price[:10], forward[:10], strike[:10], t_years[:10], calls[:10])  # warm-up
    ours_t, ours, rounds = time_ours((price, forward, strike, t_years, calls), args.repeat)
    theirs_t, theirs = time_vollib(price, (forward, strike, t_years, calls), max(3, args.repeat // 10))

    ours_best, ours_median = min(ours_t), statistics.median(ours_t)
    theirs_best, theirs_median = min(theirs_t), statistics.median(theirs_t)
    ours_error = np.abs(ours - vol)[pinned]
    theirs_error = np.abs(theirs - vol)[pinned]
    both = np.isfinite(ours) & np.isfinite(theirs)
    load = os.getloadavg()

    print(f"IV of {price.size} options ({pinned.sum()} whose price pins the vol to 1e-11), "
          f"load average {load[0]:.2f} / {load[1]:.2f} on {os.cpu_count()} cores")  # fmt: skip
    print(f"{'':28}{'best':>12}{'median':>12}{'worst vol error':>18}{'no IV':>8}")
    print(f"{'ours (solve_implied_vol)':28}{ours_best * 1e3:>10.2f}ms{ours_median * 1e3:>10.2f}ms"
          f"{np.nanmax(ours_error):>18.2e}{np.isnan(ours).sum():>8}")  # fmt: skip
    print(f"{'vollib loop':28}{theirs_best * 1e3:>10.2f}ms{theirs_median * 1e3:>10.2f}ms"
          f"{np.nanmax(theirs_error):>18.2e}{np.isnan(theirs).sum():>8}")  # fmt: skip
    ratio = f"{theirs_best / ours_best:.1f}x (best), {theirs_median / ours_median:.1f}x (median)"
    print(f"ratio vollib / ours: {ratio}; ours took {rounds} rounds on the whole array")
    print(
        f"|ours - vollib| <= {np.max(np.abs(ours - theirs)[both]):.1e} on all {both.sum()} options both solve"
    )
    if (~pinned).any():
        loose_ours = np.nanmax(np.abs(ours - vol)[~pinned], initial=0.0)
        loose_theirs = np.nanmax(np.abs(theirs - vol)[~pinned], initial=0.0)
        print(f"{(~pinned).sum()} options not pinned (deep in the money or far wings): worst vol error ours "
              f"{loose_ours:.1e}, vollib {loose_theirs:.1e}")  # fmt: skip


if __name__ == "__main__":
    main()
