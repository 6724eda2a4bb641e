"""The price levels a minute trades at, shared by the minute bars (their turnover) and the public trades.

Every minute of a traded price is a path through :data:`LEVELS` prices: it opens at the bar's open, visits
the low and the high (in an order that follows the bar's direction most of the time), and closes at the
bar's close, with the prices in between on the way from one to the next. The bar's volume is split over the
levels, at least one volume step each. The trades of a minute (:mod:`.trades`) are the levels' volumes cut
into pieces at the levels' prices, so a bar is exactly the aggregate of its trades: open = first trade,
high/low = extreme trades, close = last trade, volume = the sum of the sizes and turnover = the sum of
price x size (exact for linear contracts and spot, rounded to 1e-8 for inverse contracts).
"""

from __future__ import annotations

import numpy as np

#: Price levels per minute (so a traded minute has at least this many trades and volume steps): open, a
#: price on the way, the first extreme, a price on the way, the second extreme, close.
LEVELS = 6


def minute_levels(
    rng: np.random.Generator,
    opens: np.ndarray,
    highs: np.ndarray,
    lows: np.ndarray,
    closes: np.ndarray,
    steps: np.ndarray,
    scale: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the prices and volumes of each minute's levels.

    Parameters
    ----------
    rng
        The minute-level generator of the day (keyed by the caller).
    opens, highs, lows, closes
        Integer prices of the minute bars (multiples of ``scale``).
    steps
        Volume of each minute in volume steps (at least :data:`LEVELS`).
    scale
        The tick in price units.

    Returns
    -------
    prices : numpy.ndarray
        ``(minutes, LEVELS)`` int64 prices in time order: open, on the way, one extreme, on the way, the
        other extreme, close.
    volumes : numpy.ndarray
        ``(minutes, LEVELS)`` int64 volume steps per level, each at least 1, summing to ``steps``.
    """
    draws = rng.random((3 + LEVELS, len(opens)))
    # an up minute mostly dips first and rallies into its close (and a down minute the reverse)
    low_first = draws[0] < np.where(closes >= opens, 0.7, 0.3)
    first, second = np.where(low_first, lows, highs), np.where(low_first, highs, lows)
    # convex combinations of two tick multiples round to a tick inside the bar's range
    on_the_way = np.rint((opens + (first - opens) * (0.2 + 0.6 * draws[1])) / scale).astype(np.int64) * scale
    between = np.rint((first + (second - first) * (0.2 + 0.6 * draws[2])) / scale).astype(np.int64) * scale
    prices = np.column_stack([opens, on_the_way, first, between, second, closes])
    weights = np.cumsum(draws[3:] ** 2 + 0.05, axis=0)
    spare = steps - LEVELS
    bounds = np.floor(weights / weights[-1] * spare).astype(np.int64)
    bounds[-1] = spare
    volumes = np.diff(bounds, axis=0, prepend=0).T + 1
    return prices, volumes
