"""Option strikes: an expiry's grid, listed around the price at listing and extended as the price moves.

A chain's strikes are multiples of a "nice" step (1, 2, 2.5 or 5 times a power of ten) near a share of the
price at listing (:data:`STRIKE_SPACING`), :data:`STRIKES_AT_LISTING` on each side of the nearest one. Every
whole hour after listing, strikes are added so that at least :data:`STRIKES_AROUND` lie on each side of the
strike nearest the expiry's forward; an added strike is listed at the hour it was first needed, and stays
until expiry.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .calendar import HOUR_MS, YEAR_MS
from .options import OPTION_CARRY

#: Strike spacing (share of the price at listing), strikes per side at listing, and the strikes that must lie
#: on each side of the forward's nearest strike at every hour after listing, by option series.
STRIKE_SPACING = {"daily": 0.01, "weekly": 0.025, "monthly": 0.05, "quarterly": 0.08}
STRIKES_AT_LISTING = {"daily": 5, "weekly": 7, "monthly": 8, "quarterly": 8}
STRIKES_AROUND = {"daily": 3, "weekly": 3, "monthly": 4, "quarterly": 4}

#: ``hourly(coin, first_hour, last_hour) -> prices``: a coin's USD price at each whole hour (epoch hours).
Hourly = Callable[[str, int, int], np.ndarray]


def nice_step(raw: float) -> float:
    """Round a strike spacing to 1, 2, 2.5 or 5 times a power of ten."""
    power = 10.0 ** math.floor(math.log10(raw))
    for mantissa in (1.0, 2.0, 2.5, 5.0, 10.0):
        if mantissa * power >= raw * 0.8:
            return mantissa * power
    return 10.0 * power


def strike_text(strike: float) -> str:
    """Return a strike as it appears in an option symbol (``100000``, ``2.5``)."""
    return f"{strike:.10g}" if strike != int(strike) else str(int(strike))


def listed_strikes(
    center: float, kind: str, launch: int, expiry: int, hours: tuple[int, np.ndarray] | None
) -> list[tuple[int, int, float]]:
    """Return ``(index, listed_ms, step)`` of every strike of a chain listed so far (strike = index x step).

    Parameters
    ----------
    center
        The coin's price at the chain's listing.
    kind
        The option series that sets the grid: ``daily``, ``weekly``, ``monthly`` or ``quarterly``.
    launch, expiry
        The chain's listing and expiry (ms).
    hours
        ``(first_hour, prices)``: the coin's price at each whole hour (epoch hours) from the first after
        listing up to now (or the last before expiry); None keeps the strikes of the listing.
    """
    step = nice_step(center * STRIKE_SPACING[kind])
    atm = round(center / step)
    per_side = STRIKES_AT_LISTING[kind]
    strikes = [(k, launch) for k in range(atm - per_side, atm + per_side + 1)]
    if hours is not None and len(hours[1]):
        first_hour, prices = hours
        times = (first_hour + np.arange(len(prices), dtype=np.int64)) * HOUR_MS
        forwards = prices * (1.0 + OPTION_CARRY * (expiry - times) / YEAR_MS)
        nearest = np.rint(forwards / step).astype(np.int64)
        highest = np.maximum.accumulate(nearest + STRIKES_AROUND[kind])
        lowest = np.minimum.accumulate(nearest - STRIKES_AROUND[kind])
        for k in range(atm + per_side + 1, int(highest[-1]) + 1):
            strikes.append((k, int(times[np.searchsorted(highest, k)])))
        for k in range(atm - per_side - 1, int(lowest[-1]) - 1, -1):
            strikes.append((k, int(times[np.searchsorted(-lowest, -k)])))
    return [(k, listed, step) for k, listed in sorted(strikes) if k > 0]
