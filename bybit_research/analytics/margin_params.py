"""The parameters of the portfolio-margin replica: one frozen object, every number documented and overridable.

Bybit computes portfolio margin per risk unit (base coin) as *maximum loss* over a grid of stress scenarios
plus *contingency components*, and initial margin as maintenance margin times an IM factor (the toolkit's V5
reference, §7). What Bybit publishes, and what it does not:

* The grid shape is visible in every ``/v5/asset/portfolio-margin`` answer: 11 price points from -10 % to
  +10 % in 2 % steps for BTC in the official API example, times 3 IV shocks per option expiry (33 scenarios;
  the help-center spread article evaluates "33 preset scenarios").
* BTC and ETH were stressed over -15 %..+15 % until 2025-01-10 08:00 UTC and over -10 %..+10 % since (Bybit
  Learn, "Bybit Portfolio Margin Model: Risk Parameter Adjustment in 2025", 2025-02-10). The IV stress factors
  changed on the same date; their values are not published.
* The IM factor is 1.2 for BTC in the official API example (assetIM / assetMM = 1274.819 / 1062.349).
* The contingency coefficients and the IV-shock formula are not published. Third-party paraphrases quote
  coefficients the reference calls untrustworthy; the forms (short options x index, hedged vega and hedged
  delta across tenors, gross contract notional, USDT/USDC/coin-settled spread) come from the help article.

Every default that Bybit does not publish is an **estimate**: it reproduces the toolkit's simulator (itself
written from the same reference) and the order of magnitude of the official example. On a real account run
``calibrate(report)`` on the account's own ``portfolio_margin()`` answer and use the parameters it returns.

Per-coin values are mappings from base coin to value, with ``"*"`` for every coin not named.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

__all__ = [
    "COIN_FIELDS",
    "DEFAULT_PARAMS",
    "IV_SHOCK_KINDS",
    "PRE_2025_PARAMS",
    "MarginParams",
    "per_coin",
]

#: how a shock moves an implied vol: ``relative`` iv x (1 + s), ``absolute`` iv + s (vol points as fractions)
IV_SHOCK_KINDS = ("relative", "absolute")


def per_coin(values: Mapping[str, float] | float) -> Mapping[str, float]:
    """Return a read-only per-coin mapping; a plain number applies to every coin (``{"*": value}``)."""
    if isinstance(values, Mapping):
        mapping = {str(key).upper() if key != "*" else "*": float(value) for key, value in values.items()}
    else:
        mapping = {"*": float(values)}
    return MappingProxyType(mapping)


def _coin_field(default: float) -> Any:
    return field(default_factory=lambda: per_coin(default))


@dataclass(frozen=True, eq=False)
class MarginParams:
    """Every number of the portfolio-margin replica, with its source.

    Attributes
    ----------
    name
        A label for reports and comparisons.
    as_of
        When the parameters apply (an ISO date means "from that date on").
    price_range
        Per coin: the largest price move of the stress grid, as a fraction (0.10 = +-10 %). Source: BTC and
        ETH +-10 % since 2025-01-10 (Bybit Learn; the official API example shows +-10 % for BTC). Other coins:
        estimate (the simulator uses +-10 % for SOL).
    price_points
        Per coin: the number of evenly spaced price moves from ``-price_range`` to ``+price_range`` (11 in
        Bybit's reports: 2 % steps).
    iv_shocks
        Base IV shocks of the grid's columns, ascending, one of them 0 (Bybit reports one P&L per shock and
        labels the worst ``-0.2`` or ``0.2``: it shocks IV down, not at all, and up). Estimate: +-0.2.
    iv_shock_kind
        ``"relative"``: shocked IV = IV x (1 + shock); ``"absolute"``: IV + shock. Estimate: relative (it
        reproduces the simulator's grid exactly; Bybit does not say).
    iv_dte_power, iv_reference_dte, iv_min_dte
        The shock of an expiry ``DTE`` days away is ``base x (iv_reference_dte / max(DTE, iv_min_dte)) **
        iv_dte_power``: the form Deribit and others publish, so short expiries can be shocked harder. The
        default power 0 (no dependence on time to expiry) is an estimate.
    iv_floor
        Shocked IVs are kept at or above this fraction.
    im_factor
        Per coin: IM = MM x factor. Source: 1.2 for BTC in the official API example; other coins: estimate.
    future_rate
        Per coin: perpetual/futures contingency = rate x sum over positions of |contract notional| (USD at
        mark; inverse contracts are USD). Estimate: 0.0002.
    future_delta_rate, future_delta_rate_per_day
        Per coin: delta-spread contingency = hedged delta notional between tenors (perpetuals are tenor 0)
        x (rate + rate_per_day x days between the long and short tenors). Estimate: 0.003 and 0.
    option_short_rate
        Per coin: short-option contingency = rate x short option contracts x index price. Estimate 0.002.
    option_vega_rate, option_vega_rate_per_day
        Per coin: vega-spread contingency = hedged vega (USD per vol point) between expiries x (rate +
        rate_per_day x days between the long-vega and short-vega expiries). Estimate: 0.5 and 0.
    usdt_usdc_rate
        Per coin: USDT/USDC/coin-settled spread contingency = rate x notional hedged between settle coins
        (perpetuals and futures). Estimate: 0.001.
    close_fee_rate
        Fee rate of closing every perpetual/futures position at mark, reported as ``total_close_pz_fee`` (not
        part of MM). Estimate: 0.00055, the taker rate the V5 position docs use in break-even prices.
    sources
        Where the numbers come from.
    """

    name: str = "bybit-2025-estimate"
    as_of: str = "2025-01-10"
    price_range: Mapping[str, float] = _coin_field(0.10)
    price_points: Mapping[str, float] = _coin_field(11)
    iv_shocks: tuple[float, ...] = (-0.2, 0.0, 0.2)
    iv_shock_kind: str = "relative"
    iv_dte_power: float = 0.0
    iv_reference_dte: float = 30.0
    iv_min_dte: float = 1.0
    iv_floor: float = 0.01
    im_factor: Mapping[str, float] = _coin_field(1.2)
    future_rate: Mapping[str, float] = _coin_field(0.0002)
    future_delta_rate: Mapping[str, float] = _coin_field(0.003)
    future_delta_rate_per_day: Mapping[str, float] = _coin_field(0.0)
    option_short_rate: Mapping[str, float] = _coin_field(0.002)
    option_vega_rate: Mapping[str, float] = _coin_field(0.5)
    option_vega_rate_per_day: Mapping[str, float] = _coin_field(0.0)
    usdt_usdc_rate: Mapping[str, float] = _coin_field(0.001)
    close_fee_rate: float = 0.00055
    sources: tuple[str, ...] = (
        "Bybit V5 API docs, /v5/asset/portfolio-margin example (grid shape, IM factor 1.2 for BTC)",
        "Bybit Learn, Risk Parameter Adjustment in 2025 (BTC/ETH +-15 % -> +-10 % on 2025-01-10 08:00 UTC)",
        "Bybit help center, Margin Calculations under Portfolio Margin (MM = max loss + contingency forms)",
        "estimates where Bybit publishes nothing: they reproduce the toolkit's simulator (use calibrate)",
    )

    def __post_init__(self) -> None:
        for name in COIN_FIELDS:
            object.__setattr__(self, name, per_coin(getattr(self, name)))
        object.__setattr__(self, "iv_shocks", tuple(float(s) for s in self.iv_shocks))
        self._check()

    def _check(self) -> None:
        if self.iv_shock_kind not in IV_SHOCK_KINDS:
            raise ValueError(f"iv_shock_kind must be one of {IV_SHOCK_KINDS}, not {self.iv_shock_kind!r}")
        shocks = self.iv_shocks
        if not shocks or list(shocks) != sorted(shocks) or 0.0 not in shocks:
            raise ValueError(f"iv_shocks must be ascending and contain 0.0, not {shocks}")
        if self.iv_shock_kind == "relative" and shocks[0] <= -1.0:
            raise ValueError("relative iv_shocks must be > -1 (a shock of -1 would zero the volatility)")
        for name in COIN_FIELDS:
            for coin, value in getattr(self, name).items():
                if not math.isfinite(value) or value < 0:
                    raise ValueError(f"{name}[{coin!r}] must be a finite number >= 0, not {value}")
        for coin, value in self.price_range.items():
            if value <= 0:
                raise ValueError(f"price_range[{coin!r}] must be > 0 (a fraction such as 0.10), not {value}")
        for coin, value in self.price_points.items():
            if value < 2 or value != int(value):
                raise ValueError(f"price_points[{coin!r}] must be a whole number >= 2, not {value}")
        for name in ("iv_dte_power", "iv_reference_dte", "iv_min_dte", "iv_floor", "close_fee_rate"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number >= 0, not {value}")
        if self.iv_reference_dte <= 0 or self.iv_min_dte <= 0:
            raise ValueError("iv_reference_dte and iv_min_dte must be > 0 (days)")

    # -- look-ups ------------------------------------------------------------------------------------------

    def value(self, name: str, coin: str) -> float:
        """Return the per-coin parameter ``name`` for ``coin`` (the ``"*"`` entry when the coin is not named).

        Raises
        ------
        ValueError
            ``name`` is not a per-coin parameter.
        """
        if name not in COIN_FIELDS:
            raise ValueError(f"{name!r} is not a per-coin parameter; those are {COIN_FIELDS}")
        mapping = getattr(self, name)
        key = coin.upper()
        if key in mapping:
            return float(mapping[key])
        if "*" in mapping:
            return float(mapping["*"])
        raise ValueError(f"{name} has no value for {coin!r} and no '*' default")

    def price_moves(self, coin: str) -> np.ndarray:
        """The price moves of ``coin``'s grid: ``price_points`` values evenly over +-``price_range``."""
        limit = self.value("price_range", coin)
        points = int(self.value("price_points", coin))
        return np.round(np.linspace(-limit, limit, points), 12)

    def dte_factor(self, dte: Any) -> np.ndarray:
        """``(iv_reference_dte / max(dte, iv_min_dte)) ** iv_dte_power`` for days to expiry ``dte``."""
        days = np.maximum(np.asarray(dte, dtype=np.float64), self.iv_min_dte)
        return (self.iv_reference_dte / days) ** self.iv_dte_power

    def shocked_vol(self, iv: Any, base_shocks: Any, dte: Any) -> np.ndarray:
        """Implied vols after the shocks ``base_shocks`` scaled to expiries ``dte`` days away.

        ``iv`` and ``dte`` broadcast against each other (one value per option); the result has one more,
        last axis of ``len(base_shocks)``. A shock of 0 leaves the IV exactly as it is.
        """
        iv_a = np.asarray(iv, dtype=np.float64)[..., None]
        shocks = np.asarray(base_shocks, dtype=np.float64) * self.dte_factor(dte)[..., None]
        shocked = iv_a * (1.0 + shocks) if self.iv_shock_kind == "relative" else iv_a + shocks
        return np.where(shocks == 0.0, iv_a, np.maximum(shocked, self.iv_floor))

    # -- changes -------------------------------------------------------------------------------------------

    def override(self, **changes: Any) -> MarginParams:
        """Return a copy with ``changes``.

        A mapping given for a per-coin parameter is merged into the current one (``price_range={"BTC": 0.15}``
        keeps the other coins); a plain number replaces it for every coin.

        Raises
        ------
        ValueError
            An unknown parameter name, or a value out of range.
        """
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown margin parameter(s) {unknown}; known: {sorted(known)}")
        merged: dict[str, Any] = {}
        for name, value in changes.items():
            if name in COIN_FIELDS and isinstance(value, Mapping):
                merged[name] = {**getattr(self, name), **per_coin(value)}
            else:
                merged[name] = value
        return dataclasses.replace(self, **merged)

    def to_dict(self) -> dict[str, Any]:
        """The parameters as plain Python values (JSON-safe)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = dict(value) if isinstance(value, Mapping) else value
        return out

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MarginParams) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]


#: the per-coin parameters (mappings from base coin to value, ``"*"`` for every other coin)
COIN_FIELDS = (
    "price_range",
    "price_points",
    "im_factor",
    "future_rate",
    "future_delta_rate",
    "future_delta_rate_per_day",
    "option_short_rate",
    "option_vega_rate",
    "option_vega_rate_per_day",
    "usdt_usdc_rate",
)

#: Bybit's portfolio margin since 2025-01-10 08:00 UTC (BTC/ETH +-10 %); unpublished numbers are estimates
DEFAULT_PARAMS = MarginParams()

#: before 2025-01-10 08:00 UTC BTC and ETH were stressed over +-15 % (Bybit Learn, 2025-02-10); the IV
#: factors of that time are not published, so they stay the estimates of DEFAULT_PARAMS
PRE_2025_PARAMS = DEFAULT_PARAMS.override(
    name="bybit-pre-2025-01-10-estimate",
    as_of="before 2025-01-10",
    price_range={"BTC": 0.15, "ETH": 0.15},
)
