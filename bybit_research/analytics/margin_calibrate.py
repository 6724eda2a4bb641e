"""Calibrate the replica to an account from Bybit's portfolio-margin report alone.

Bybit's ``/v5/asset/portfolio-margin`` answer lists every position with its mark and its P&L grid, but not
the forwards, IVs or shocks behind the options' grids, nor any coefficient. :func:`calibrate` recovers them:

1. Perpetuals and futures: the reference price that makes ``position x price x move`` their grid (inverse
   contracts: ``contracts x move``).
2. Options: per option the forward ``F`` and IV that reproduce its no-shock column
   ``q x (B76(F (1 + move), IV) - B76(F, IV))``; then, with ``F`` fixed, the shocked IV of every other column.
3. IV shocks: per expiry the mean shock over its options, weighted by how much each option's value moves
   with the shock (Bybit's 8 decimals pin the shock of a high-vega position best), as ``relative``
   (IV x (1 + s)) or ``absolute`` (IV + s), whichever is the same for options of different IVs; then the law
   ``s = base x (30 / DTE) ** p`` over expiries, weighted alike (``p`` kept from ``base`` when fewer than two
   expiries carry shocks).
4. The grid's price range and points per coin, the IM factor per coin (assetIM / assetMM), and each
   contingency rate as the reported component over the amount it multiplies (``per_day`` parts are kept
   from ``base``: one report cannot separate them from the flat rate).

What cannot be explained (a component reported where the replica's base amount is 0, a grid that is not
evenly spaced) is listed in :attr:`Calibration.notes`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .margin_book import build_book
from .margin_contingency import contingency_bases
from .margin_fit import fit_iv_shocks, fit_options, fit_perps
from .margin_params import DEFAULT_PARAMS, MarginParams
from .margin_symbols import parse_option_symbol
from .margin_units import unit_arrays
from .pm_report import PortfolioMarginReport, parse_portfolio_margin

__all__ = ["Calibration", "calibrate", "report_positions"]

_RATES = (
    ("future_contingency", "future_rate", "gross_notional", None),
    ("option_contingency", "option_short_rate", "short_option_notional", None),
    ("usdt_usdc_contingency", "usdt_usdc_rate", "hedged_settle", None),
    ("future_delta_contingency", "future_delta_rate", "hedged_delta", "delta_days"),
    ("option_vega_contingency", "option_vega_rate", "hedged_vega", "vega_days"),
)


@dataclass(frozen=True, eq=False)  # holds frames or arrays: compare their fields, not the objects
class Calibration:
    """What :func:`calibrate` recovered from one report.

    Attributes
    ----------
    params
        :class:`MarginParams` that make the replica reproduce the report.
    positions
        The report's positions in the ``/v5/position/list`` contract plus ``category`` and ``settle_coin``.
    market
        Chain-like rows (index ``symbol``): options with ``base_coin``, ``expiry``, ``strike``,
        ``option_type``, ``underlying_price`` (fitted forward), ``mark_iv`` (fitted IV), ``index_price``,
        ``mark_price`` (model value), ``vega`` (Bybit's, read off its mark price: see
        :func:`~.margin_fit.fit_options`); perpetuals/futures with their fitted ``mark_price``.
    options
        Per option: ``base_coin``, ``expiry``, ``dte``, ``position``, ``mark_price`` (Bybit's), ``forward``,
        ``iv``, ``model_price``, ``mark_iv`` and ``mark_vega`` (Bybit's unrounded IV and vega, read off its
        mark price), ``shocked_iv_<j>`` per shock column, ``fit_rmse`` (USD, no-shock column) and
        ``shock_rmse`` (USD, worst shocked column).
    expiries
        Per (``base_coin``, ``expiry``): ``dte``, ``forward`` (median), ``iv_shock_<j>`` (the expiry's shock
        in the chosen kind, weighted over its options) and ``options``.
    perps
        Per perpetual/futures position: ``base_coin``, ``position``, ``mark_price`` (Bybit's),
        ``reference_price`` (fitted; NaN for inverse contracts, whose grid does not depend on it),
        ``fit_rmse``.
    units
        Per base coin: ``index_price``, ``perp_reference_price`` (median of the fitted prices of its linear
        perpetuals), ``price_range``, ``price_points``, ``im_factor``, each calibrated rate and
        the amount it was divided by.
    now
        The valuation time (the report's time).
    equity, outside_im, outside_mm
        The wallet's equity and the IM/MM the wallet reports beyond the sum of the risk units (borrowings,
        orders: not part of the stress test).
    notes
        What the calibration could not explain.
    """

    params: MarginParams
    positions: pd.DataFrame
    market: pd.DataFrame
    options: pd.DataFrame
    expiries: pd.DataFrame
    perps: pd.DataFrame
    units: pd.DataFrame
    now: pd.Timestamp
    equity: float
    outside_im: float
    outside_mm: float
    notes: tuple[str, ...]


def _as_report(report: PortfolioMarginReport | Mapping[str, Any]) -> PortfolioMarginReport:
    if isinstance(report, PortfolioMarginReport):
        return report
    if isinstance(report, Mapping):
        return parse_portfolio_margin(report)
    raise ValueError(
        "report must be a PortfolioMarginReport or the result dict of /v5/asset/portfolio-margin"
    )


def _report_time(report: PortfolioMarginReport, now: Any) -> pd.Timestamp:
    if now is None:
        if report.time is None:
            raise ValueError(
                "the report carries no time; pass now= (the envelope's time) to value its options, or parse "
                "it with parse_portfolio_margin(result, time=reply.time_ms)"
            )
        return report.time
    if isinstance(now, int | float | np.integer) and not isinstance(now, bool):
        return pd.Timestamp(int(now), unit="ms", tz="UTC")
    stamp = pd.Timestamp(now)
    return (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")).as_unit("ms")


def report_positions(report: PortfolioMarginReport | Mapping[str, Any]) -> pd.DataFrame:
    """The report's positions as a positions frame (``/v5/position/list`` contract plus ``category``).

    Perpetuals and futures are ``inverse`` when settled in their base coin, else ``linear``; options
    ``option``; a spot hedge Bybit stresses (``spotHedgeInfo.pnlRanges`` not empty) becomes a ``spot`` row
    (symbol = the coin, mark = its USD index).

    Returns
    -------
    pandas.DataFrame
        Index ``symbol``: ``category``, ``side``, ``size``, ``mark_price``, ``base_coin``, ``settle_coin``,
        ``session_avg_price``.
    """
    rep = _as_report(report)
    rows = []
    perps = rep.perp_positions
    for symbol, row in perps.iterrows():
        inverse = str(row.get("settle_coin", "")) == str(row["base_coin"])
        rows.append(_position_row(symbol, row, "inverse" if inverse else "linear"))
    for symbol, row in rep.option_positions.iterrows():
        rows.append(_position_row(symbol, row, "option"))
    for coin, size, mark in _stressed_spot_hedges(rep):
        rows.append(
            {"symbol": coin, "category": "spot", "side": "Buy" if size > 0 else "Sell", "size": abs(size)}
            | {"mark_price": mark, "base_coin": coin, "settle_coin": coin, "session_avg_price": np.nan}
        )
    columns = ["category", "side", "size", "mark_price", "base_coin", "settle_coin", "session_avg_price"]
    if not rows:
        return pd.DataFrame(
            {name: pd.Series(dtype=object) for name in columns}, index=pd.Index([], name="symbol")
        )
    frame = pd.DataFrame(rows).set_index("symbol")
    return frame[columns].astype(
        {"size": np.float64, "mark_price": np.float64, "session_avg_price": np.float64}
    )


def _spot_hedges(rep: PortfolioMarginReport) -> list[tuple[str, float]]:
    """Every non-zero ``hedgeSpotSize`` of the report, per coin."""
    sizes = rep.spot_hedge.get("hedge_spot_size", pd.Series(dtype=np.float64)).fillna(0.0)
    return [(str(coin), float(size)) for coin, size in sizes.items() if size and math.isfinite(size)]


def _stressed_spot_hedges(rep: PortfolioMarginReport) -> list[tuple[str, float, float]]:
    """The spot hedges Bybit puts in its grid (``spotHedgeInfo.pnlRanges`` not empty) with their USD price.

    The price is ``usdIndexPrice``, or when that is 0 the one that reproduces the hedge's P&L.
    """
    out = []
    for coin, size in _spot_hedges(rep):
        column = (coin, "SPOT_HEDGE")
        if column not in rep.scenarios.columns:
            continue
        pnl = rep.scenarios[column].dropna()
        moves = pnl.index.to_numpy(dtype=np.float64)
        mark = float(rep.spot_hedge.get("usd_index_price", pd.Series(dtype=np.float64)).get(coin, np.nan))
        if not mark > 0 and float(moves @ moves) > 0:
            mark = float(pnl.to_numpy() @ moves) / (size * float(moves @ moves))
        out.append((coin, size, mark))
    return out


def _position_row(symbol: Any, row: pd.Series, category: str) -> dict[str, Any]:
    position = float(row["position"])
    settle = row.get("settle_coin") if category != "option" else parse_option_symbol(str(symbol)).settle_coin
    return {
        "symbol": str(symbol),
        "category": category,
        "side": "Buy" if position > 0 else "Sell",
        "size": abs(position),
        "mark_price": float(row.get("mark_price", np.nan)),
        "base_coin": str(row["base_coin"]),
        "settle_coin": str(settle),
        "session_avg_price": float(row.get("session_avg_price", np.nan)),
    }


# -- grid, IM factor, contingency rates ------------------------------------------------------------------


def _grid_params(
    rep: PortfolioMarginReport, params: MarginParams
) -> tuple[MarginParams, dict[str, dict], list[str]]:
    notes: list[str] = []
    ranges, points, factors = {}, {}, {}
    units: dict[str, dict[str, float]] = {}
    for coin in rep.risk_units.index:
        column = (coin, "ALL")
        moves = (
            rep.scenarios[column].dropna().index.to_numpy()
            if column in rep.scenarios.columns
            else np.array([])
        )
        row: dict[str, float] = {}
        if len(moves) >= 2:
            limit = float(np.max(np.abs(moves)))
            expected = np.linspace(-limit, limit, len(moves))
            if not np.allclose(np.sort(moves), expected, atol=1e-9):
                notes.append(f"{coin}: price moves {list(moves)} are not evenly spaced over +-{limit}")
            ranges[coin], points[coin] = limit, float(len(moves))
            row.update(price_range=limit, price_points=float(len(moves)))
        im, mm = (_cell(rep.risk_units, coin, name) for name in ("asset_im", "asset_mm"))
        if mm > 0 and math.isfinite(im):
            factors[coin] = im / mm
            row["im_factor"] = im / mm
        units[str(coin)] = row
    return params.override(price_range=ranges, price_points=points, im_factor=factors), units, notes


def _contingency_rates(
    rep: PortfolioMarginReport, params: MarginParams, book: pd.DataFrame, units: dict[str, dict]
) -> tuple[MarginParams, list[str]]:
    notes: list[str] = []
    found: dict[str, dict[str, float]] = {rate: {} for _, rate, _, _ in _RATES}
    coins = set(book["base_coin"])
    for coin in rep.risk_units.index:
        row = units.setdefault(str(coin), {})
        bases = contingency_bases(unit_arrays(book, coin)) if coin in coins else None
        for component, rate, amount, days in _RATES:
            reported = float(rep.risk_units.get(component, pd.Series(dtype=float)).get(coin, np.nan))
            base_amount = getattr(bases, amount) if bases is not None else 0.0
            row[amount] = base_amount
            if not math.isfinite(reported):
                continue
            if base_amount > 0:
                per_day = params.value(f"{rate}_per_day", coin) if days else 0.0
                span = getattr(bases, days) if days else 0.0
                value = reported / base_amount - per_day * span
                found[rate][str(coin)] = max(value, 0.0)
                row[rate] = found[rate][str(coin)]
            elif abs(reported) > 1e-8:
                notes.append(
                    f"{coin}: {component} {reported} reported, but the book gives no {amount} to charge"
                )
    return params.override(**{rate: values for rate, values in found.items() if values}), notes


def calibrate(
    report: PortfolioMarginReport | Mapping[str, Any], now: Any = None, base: MarginParams | None = None
) -> Calibration:
    """Recover forwards, IVs, IV shocks, grid, IM factors and contingency rates from Bybit's report.

    Parameters
    ----------
    report
        :func:`~.pm_report.parse_portfolio_margin`'s answer (or the raw ``result`` dict of
        ``/v5/asset/portfolio-margin``).
    now
        The report's time (needed for time to expiry) when the report does not carry it.
    base
        Parameters to start from; what the report cannot tell keeps their values (default
        :data:`~.margin_params.DEFAULT_PARAMS`).

    Returns
    -------
    Calibration
        ``params``, ``positions`` and ``market`` reproduce the report through
        ``replicate(cal.positions, cal.market, cal.params, now=cal.now)``.

    Raises
    ------
    ValueError
        No time for the report, an option already expired at the report's time, or a report that is not one.
    """
    rep = _as_report(report)
    stamp = _report_time(rep, now)
    params = DEFAULT_PARAMS if base is None else base
    params, units, notes = _grid_params(rep, params)
    stressed = {coin for coin, _, _ in _stressed_spot_hedges(rep)}
    for coin, size in _spot_hedges(rep):
        if coin not in stressed:
            notes.append(f"{coin}: spot hedge {size} is not in Bybit's grid (no pnlRanges); left out")
    perps = fit_perps(rep)
    options = fit_options(rep, stamp)
    params, expiries, shock_notes = fit_iv_shocks(options, params)
    positions = report_positions(rep)
    market = _market(rep, perps, options)
    book = build_book(positions, market, stamp)
    params, rate_notes = _contingency_rates(rep, params, book, units)
    # perpetual symbols carry no delivery date (BTCUSDT, BTCPERP); dated ones end in one (BTCUSDT-25DEC26)
    undated = np.array([not str(symbol).split("-")[-1][:1].isdigit() for symbol in perps.index], dtype=bool)
    linear_perps = perps.loc[undated]
    for coin, row in units.items():
        row["index_price"] = float(
            rep.spot_hedge.get("usd_index_price", pd.Series(dtype=float)).get(coin, np.nan)
        )
        references = linear_perps.loc[linear_perps["base_coin"] == coin, "reference_price"].dropna()
        row["perp_reference_price"] = float(references.median()) if len(references) else np.nan
    units_im = float(rep.risk_units["asset_im"].sum()) if "asset_im" in rep.risk_units else 0.0
    units_mm = float(rep.risk_units["asset_mm"].sum()) if "asset_mm" in rep.risk_units else 0.0
    unit_frame = pd.DataFrame.from_dict(units, orient="index")
    unit_frame.index.name = "base_coin"
    return Calibration(
        params=params,
        positions=positions,
        market=market,
        options=options,
        expiries=expiries,
        perps=perps,
        units=unit_frame,
        now=stamp,
        equity=rep.equity,
        outside_im=_outside(rep.account_im, units_im),
        outside_mm=_outside(rep.account_mm, units_mm),
        notes=tuple(notes + shock_notes + rate_notes),
    )


def _cell(frame: pd.DataFrame, row: Any, column: str) -> float:
    if column not in frame.columns:
        return float("nan")
    return float(frame[column].to_numpy(dtype=np.float64)[frame.index.get_loc(row)])


def _outside(account: float, units: float) -> float:
    return account - units if math.isfinite(account) else 0.0


def _market(rep: PortfolioMarginReport, perps: pd.DataFrame, options: pd.DataFrame) -> pd.DataFrame:
    index_prices = rep.spot_hedge.get("usd_index_price", pd.Series(dtype=np.float64))
    option_rows = pd.DataFrame(
        {
            "base_coin": options["base_coin"],
            "expiry": pd.to_datetime(options["expiry"], utc=True).dt.as_unit("ms") if len(options) else [],
            "strike": options.get("strike", pd.Series(dtype=np.float64)),
            "option_type": options.get("option_type", pd.Series(dtype=object)),
            "underlying_price": options["forward"],
            "mark_iv": options["iv"],
            "index_price": options["base_coin"].map(index_prices).astype(np.float64),
            "mark_price": options.get("model_price", pd.Series(dtype=np.float64)),
            "vega": options.get("mark_vega", pd.Series(dtype=np.float64)),
        },
        index=options.index,
    )
    marks = perps["reference_price"].where(perps["reference_price"].notna(), perps["mark_price"])
    perp_rows = pd.DataFrame({"base_coin": perps["base_coin"], "mark_price": marks}, index=perps.index)
    frame = pd.concat([option_rows, perp_rows]) if len(perp_rows) else option_rows
    frame.index.name = "symbol"
    return frame
