"""Contingency components of one risk unit: the part of maintenance margin the stress grid does not see.

The five components carry Bybit's field names (``/v5/asset/portfolio-margin`` ``contingency``); their forms
follow the help-center article (V5 reference §7), their coefficients are :class:`MarginParams` data:

* ``future_contingency``: ``future_rate x sum |notional|`` of perpetuals and futures (gross contract size).
* ``future_delta_contingency``: delta spread between tenors. Perpetuals and futures are netted per tenor
  (perpetuals are tenor 0); the notional long in some tenors and short in others is *hedged*:
  ``min(sum of long nets, sum of short nets) x (future_delta_rate + future_delta_rate_per_day x days)``,
  ``days`` = distance between the notional-weighted mean tenors of the long and the short side.
* ``option_contingency``: ``option_short_rate x sum of short option contracts x index price``.
* ``option_vega_contingency``: the same hedging across option expiries on vega (USD per vol point, Bybit's
  own vega where the book carries it, see :mod:`.margin_book`):
  ``min(long vega, short vega) x (option_vega_rate + option_vega_rate_per_day x days)``.
* ``usdt_usdc_contingency``: perpetuals and futures netted per settle coin (USDT, USDC, coin-settled);
  ``usdt_usdc_rate x min(sum of long nets, sum of short nets)``.

``contingency_components`` is their sum. Also computed: ``total_close_pz_fee = -close_fee_rate x sum
|notional|`` (Bybit reports it per unit; it is not part of MM).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .margin_params import MarginParams
from .margin_units import UnitArrays

__all__ = ["COMPONENTS", "ContingencyBases", "contingency", "contingency_bases", "hedged_between"]

#: Bybit's names of the contingency components, in the order of its reports
COMPONENTS = (
    "option_contingency",
    "future_delta_contingency",
    "option_vega_contingency",
    "usdt_usdc_contingency",
    "future_contingency",
)


@dataclass(frozen=True)
class ContingencyBases:
    """The amounts the contingency rates multiply, for one risk unit (USD unless said otherwise).

    Attributes
    ----------
    gross_notional
        ``sum |notional|`` of perpetuals and futures.
    hedged_delta, delta_days
        Notional hedged between tenors and the days between the long and short side.
    short_option_notional
        Short option contracts x index price.
    hedged_vega, vega_days
        Vega (USD per vol point) hedged between expiries and the days between the long and short side.
    hedged_settle
        Notional hedged between settle coins.
    """

    gross_notional: float
    hedged_delta: float
    delta_days: float
    short_option_notional: float
    hedged_vega: float
    vega_days: float
    hedged_settle: float


def hedged_between(
    amounts: np.ndarray, keys: np.ndarray, days: np.ndarray | None = None
) -> tuple[float, float]:
    """Net ``amounts`` per key, then return ``(hedged, days_apart)``.

    ``hedged = min(sum of positive nets, sum of |negative nets|)``; ``days_apart`` is the distance between the
    net-weighted mean ``days`` of the positive and of the negative keys (0 without ``days`` or a hedge).
    """
    if amounts.size == 0:
        return 0.0, 0.0
    unique, inverse = np.unique(keys, return_inverse=True)
    nets = np.bincount(inverse, weights=amounts, minlength=len(unique))
    longs, shorts = nets > 0, nets < 0
    hedged = float(min(nets[longs].sum(), -nets[shorts].sum()))
    if days is None or hedged <= 0:
        return max(hedged, 0.0), 0.0
    key_days = np.zeros(len(unique))
    key_days[inverse] = days
    long_days = np.average(key_days[longs], weights=nets[longs])
    short_days = np.average(key_days[shorts], weights=-nets[shorts])
    return hedged, float(abs(long_days - short_days))


def contingency_bases(unit: UnitArrays) -> ContingencyBases:
    """The amounts behind each contingency component of ``unit`` (see the module docstring)."""
    linear = unit.is_linear
    notional = unit.notional[linear]
    tenor = unit.tenor[linear]
    hedged_delta, delta_days = hedged_between(notional, tenor, tenor)
    settle = np.where(unit.inverse[linear], "coin", unit.settle[linear].astype(str))
    hedged_settle, _ = hedged_between(notional, settle)
    options = unit.is_option
    short = options & (unit.qty < 0)
    index = unit.index_price if np.isfinite(unit.index_price) else 0.0
    hedged_vega, vega_days = 0.0, 0.0
    if options.any():
        vega = unit.option_vega()
        dte = unit.dte[options]
        hedged_vega, vega_days = hedged_between(unit.qty[options] * vega, unit.expiry_ms[options], dte)
    amounts = (
        float(np.abs(notional).sum()),
        hedged_delta,
        delta_days,
        float(-unit.qty[short].sum() * index),
        hedged_vega,
        vega_days,
        hedged_settle,
    )
    return ContingencyBases(*(amount + 0.0 for amount in amounts))  # + 0.0 turns -0.0 into 0.0


def contingency(
    unit: UnitArrays, params: MarginParams, bases: ContingencyBases | None = None
) -> dict[str, float]:
    """The contingency components of ``unit``, their sum and the closing fee.

    ``bases`` (from :func:`contingency_bases`) saves computing them again.

    Returns
    -------
    dict
        The five :data:`COMPONENTS`, ``contingency_components`` (their sum) and ``total_close_pz_fee``
        (negative, as Bybit reports it), in USD.

    Raises
    ------
    ValueError
        Short options but no index price for the coin.
    """
    coin = unit.base_coin
    bases = contingency_bases(unit) if bases is None else bases
    if (unit.is_option & (unit.qty < 0)).any() and not np.isfinite(unit.index_price):
        raise ValueError(f"short {coin} options need the coin's index price (the chain's index_price)")
    rate = params.value
    values = {
        "option_contingency": rate("option_short_rate", coin) * bases.short_option_notional,
        "future_delta_contingency": bases.hedged_delta
        * (rate("future_delta_rate", coin) + rate("future_delta_rate_per_day", coin) * bases.delta_days),
        "option_vega_contingency": bases.hedged_vega
        * (rate("option_vega_rate", coin) + rate("option_vega_rate_per_day", coin) * bases.vega_days),
        "usdt_usdc_contingency": rate("usdt_usdc_rate", coin) * bases.hedged_settle,
        "future_contingency": rate("future_rate", coin) * bases.gross_notional,
    }
    values = {name: float(value) + 0.0 for name, value in values.items()}  # + 0.0 turns -0.0 into 0.0
    values["contingency_components"] = float(sum(values.values()))
    values["total_close_pz_fee"] = -params.close_fee_rate * bases.gross_notional
    return values
