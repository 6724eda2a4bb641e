"""Fits of Bybit's portfolio-margin grids: what prices, forwards, IVs and IV shocks reproduce them.

Perpetuals and futures: the reference price ``p`` with ``pnl = position x p x move`` (inverse contracts are
USD-sized: ``pnl = contracts x move``, no price to fit). Options: the forward ``F`` and IV with
``pnl = q x (B76(F (1 + move), IV) - B76(F, IV))`` in the no-shock column, then, with ``F`` fixed, the shocked
IV of every other column. IV shocks: per expiry the mean over its options weighted by how precisely each
grid pins the shock (:func:`shock_weights`), in the kind (relative or absolute) under which options of one
expiry but different IVs share a shock, then the law ``s = base x (ref / max(DTE, min)) ** p`` over expiries.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq, least_squares

from .black76 import DAYS_PER_YEAR, black76_greeks, black76_price
from .margin_params import MarginParams
from .margin_symbols import expiry_from_code, parse_option_symbol
from .pm_report import PortfolioMarginReport

__all__ = ["fit_iv_shocks", "fit_options", "fit_perps", "keyed_frame", "shock_weights"]


def fit_perps(rep: PortfolioMarginReport) -> pd.DataFrame:
    """The reference price behind each perpetual/futures grid of the report.

    Returns
    -------
    pandas.DataFrame
        Index ``symbol``: ``base_coin``, ``position``, ``mark_price`` (Bybit's), ``reference_price`` (least
        squares; NaN for inverse contracts) and ``fit_rmse`` (USD).
    """
    rows = {}
    for symbol, info in rep.perp_positions.iterrows():
        grid = rep.perp_pnl.loc[str(symbol)]
        moves = grid.index.to_numpy(dtype=np.float64)
        pnl = grid["pnl"].to_numpy(dtype=np.float64)
        position = float(info["position"])
        inverse = str(info.get("settle_coin", "")) == str(info["base_coin"])
        if inverse:
            reference, model = np.nan, position * moves
        else:
            denominator = position * float(moves @ moves)
            reference = float(pnl @ moves) / denominator if denominator else np.nan
            model = position * reference * moves
        rows[symbol] = {
            "base_coin": str(info["base_coin"]),
            "position": position,
            "mark_price": float(info.get("mark_price", np.nan)),
            "reference_price": reference,
            "fit_rmse": float(np.sqrt(np.mean((model - pnl) ** 2))) if len(pnl) else np.nan,
        }
    return keyed_frame(rows, ["base_coin", "position", "mark_price", "reference_price", "fit_rmse"])


def keyed_frame(
    rows: Mapping[Any, Mapping[str, Any]], columns: list[str], names: Any = "symbol"
) -> pd.DataFrame:
    """Rows keyed by index value (a tuple for several ``names``); empty rows give the ``columns`` only."""
    if not rows:
        if isinstance(names, str):
            index: pd.Index = pd.Index([], name=names)
        else:
            index = pd.MultiIndex.from_arrays([[] for _ in names], names=names)
        return pd.DataFrame({name: pd.Series(dtype=np.float64) for name in columns}, index=index)
    frame = pd.DataFrame.from_dict(dict(rows), orient="index")
    if isinstance(names, str):
        frame.index.name = names
    else:
        frame.index = pd.MultiIndex.from_tuples(list(frame.index), names=names)
    return frame


# -- options ---------------------------------------------------------------------------------------------


def _implied_vol(
    price: float, forward: float, strike: float, t_years: float, call: bool, fallback: float = 0.6
) -> float:
    """The Black-76 volatility of ``price``; ``fallback`` when none between 0.01 % and 1000 % gives it."""

    def gap(vol: float) -> float:
        return float(black76_price(forward, strike, t_years, vol, call)) - price

    if not (math.isfinite(price) and price > 0):
        return fallback
    try:
        return float(brentq(gap, 1e-4, 10.0, xtol=1e-14))
    except ValueError:
        return fallback


def _fit_option(
    moves: np.ndarray,
    pnl: np.ndarray,
    q: float,
    strike: float,
    t_years: float,
    call: bool,
    mark: float,
    f0: float,
) -> tuple[float, float, np.ndarray, float, float]:
    """Forward, IV, shocked IVs per column, and the fit errors of one option's grid ``pnl`` (M x S)."""
    zero = int(np.argmin(np.abs(moves)))
    center = int(np.argmin(np.abs(pnl[zero])))
    sigma0 = _implied_vol(mark, f0, strike, t_years, call) if math.isfinite(mark) and mark > 0 else 0.6

    def no_shock(x: np.ndarray) -> np.ndarray:
        forward, vol = x
        base = black76_price(forward, strike, t_years, vol, call)
        return (
            q * (black76_price(forward * (1.0 + moves), strike, t_years, vol, call) - base) - pnl[:, center]
        )

    fit = least_squares(
        no_shock, x0=[f0, sigma0], x_scale=[f0, 0.1], bounds=([f0 * 1e-3, 1e-4], [f0 * 1e3, 20.0])
    )
    forward, vol = (float(v) for v in fit.x)
    base = float(black76_price(forward, strike, t_years, vol, call))
    shocked = np.full(pnl.shape[1], vol)
    worst = 0.0
    for j in range(pnl.shape[1]):
        if j == center:
            continue

        def column(x: np.ndarray, j: int = j) -> np.ndarray:
            values = black76_price(forward * (1.0 + moves), strike, t_years, x[0], call)
            return q * (values - base) - pnl[:, j]

        start = vol * (1.2 if j > center else 0.8)
        solved = least_squares(column, x0=[start], x_scale=[0.1], bounds=([1e-4], [20.0]))
        shocked[j] = float(solved.x[0])
        worst = max(worst, float(np.sqrt(np.mean(solved.fun**2))))
    rmse = float(np.sqrt(np.mean(fit.fun**2)))
    return forward, vol, shocked, rmse, worst


def fit_options(rep: PortfolioMarginReport, now: pd.Timestamp) -> pd.DataFrame:
    """The forward, IV and shocked IVs behind each option grid of the report, valued at ``now``.

    Returns
    -------
    pandas.DataFrame
        Index ``symbol``: ``base_coin``, ``expiry``, ``dte``, ``strike``, ``option_type``, ``position``,
        ``mark_price`` (Bybit's), ``forward``, ``iv`` (the grid's), ``model_price``, ``mark_iv`` and
        ``mark_vega`` (the volatility that prices Bybit's mark at the fitted forward, unrounded, and the vega
        per contract there, USD per volatility point: Bybit's own greek; NaN without a mark),
        ``shocked_iv_<j>`` per column, ``fit_rmse`` and ``shock_rmse`` (USD).

    Raises
    ------
    ValueError
        An option that expired before ``now``.
    """
    rows: dict[str, dict[str, Any]] = {}
    index_prices = rep.spot_hedge.get("usd_index_price", pd.Series(dtype=np.float64))
    for symbol, info in rep.option_positions.iterrows():
        contract = parse_option_symbol(str(symbol))
        coin = str(info["base_coin"])
        grid = rep.option_pnl.loc[str(symbol)]["pnl"].unstack("iv_shock_index").sort_index()
        moves = grid.index.to_numpy(dtype=np.float64)
        expiry = expiry_from_code(str(info["expiry"])) if info.get("expiry") else contract.expiry
        assert expiry is not None  # an option symbol always names its expiry
        dte = (expiry - now) / pd.Timedelta(days=1)
        if dte <= 0:
            raise ValueError(f"option {symbol} expired at {expiry} (report time {now})")
        f0 = float(index_prices.get(coin, np.nan))
        if not (math.isfinite(f0) and f0 > 0):
            f0 = contract.strike
        q = float(info["position"])
        mark = float(info.get("mark_price", np.nan))
        forward, vol, shocked, rmse, worst = _fit_option(
            moves,
            grid.to_numpy(dtype=np.float64),
            q,
            contract.strike,
            dte / DAYS_PER_YEAR,
            contract.is_call,
            mark,
            f0,
        )
        row: dict[str, Any] = {
            "base_coin": coin,
            "expiry": expiry,
            "dte": dte,
            "strike": contract.strike,
            "option_type": "Call" if contract.is_call else "Put",
            "position": q,
            "mark_price": mark,
            "forward": forward,
            "iv": vol,
            "model_price": float(
                black76_price(forward, contract.strike, dte / DAYS_PER_YEAR, vol, contract.is_call)
            ),
        }
        t_years = dte / DAYS_PER_YEAR
        mark_iv = _implied_vol(mark, forward, contract.strike, t_years, contract.is_call, fallback=np.nan)
        mark_vega = np.nan
        if math.isfinite(mark_iv):
            greeks = black76_greeks(forward, contract.strike, t_years, mark_iv, contract.is_call)
            mark_vega = float(greeks["vega"].iloc[0])
        row.update({"mark_iv": mark_iv, "mark_vega": mark_vega})
        row.update({f"shocked_iv_{j}": value for j, value in enumerate(shocked)})
        row.update({"fit_rmse": rmse, "shock_rmse": worst})
        rows[str(symbol)] = row
    return keyed_frame(rows, ["base_coin", "expiry", "dte", "forward", "iv", "fit_rmse", "shock_rmse"])


def _shock_kind(options: pd.DataFrame, columns: list[str], base: MarginParams) -> str:
    """The shock kind under which options of one expiry but different IVs share the same shocks."""
    spread = {"relative": 0.0, "absolute": 0.0}
    informative = False
    for _, group in options.groupby(["base_coin", "expiry"]):
        if len(group) < 2 or group["iv"].max() - group["iv"].min() < 1e-3:
            continue
        informative = True
        for column in columns:
            relative = group[column] / group["iv"] - 1.0
            absolute = group[column] - group["iv"]
            spread["relative"] += float(relative.std() / max(abs(relative.mean()), 1e-12))
            spread["absolute"] += float(absolute.std() / max(abs(absolute.mean()), 1e-12))
    if not informative:
        return base.iv_shock_kind
    return min(spread, key=lambda kind: spread[kind])


def shock_weights(options: pd.DataFrame, kind: str) -> pd.Series:
    """How precisely each option's grid pins an IV shock: its USD P&L per unit of shock, squared.

    A relative shock ``s`` moves the value by ``q x vega x IV x s``, an absolute one by ``q x vega x s``
    (vega per unit of volatility). Bybit prints 8 decimals, so an option whose value hardly moves with the
    shock (far from the money, near expiry, a small position) gives a noisy shock; weighting by this keeps it
    from spoiling the estimate of the others.
    """
    greeks = black76_greeks(
        options["forward"].to_numpy(dtype=np.float64),
        options["strike"].to_numpy(dtype=np.float64),
        options["dte"].to_numpy(dtype=np.float64) / DAYS_PER_YEAR,
        options["iv"].to_numpy(dtype=np.float64),
        (options["option_type"] == "Call").to_numpy(dtype=bool),
    )
    per_unit = 100.0 * greeks["vega"].to_numpy() * options["position"].to_numpy(dtype=np.float64)
    if kind == "relative":
        per_unit = per_unit * options["iv"].to_numpy(dtype=np.float64)
    return pd.Series(per_unit**2, index=options.index, dtype=np.float64)


def fit_iv_shocks(options: pd.DataFrame, base: MarginParams) -> tuple[MarginParams, pd.DataFrame, list[str]]:
    """The IV-shock parameters behind :func:`fit_options`' shocked IVs.

    Per expiry the shock of each column is the mean of its options' shocks weighted by
    :func:`shock_weights`; the law ``s = base x (ref / max(DTE, min)) ** p`` is then fitted over the
    expiries by least squares on ``log |s|``, each expiry weighted by the sum of its options' weights.

    Returns
    -------
    tuple
        ``base`` with ``iv_shocks``, ``iv_shock_kind`` and ``iv_dte_power`` fitted; per (``base_coin``,
        ``expiry``) the median ``dte`` and ``forward``, the weighted ``iv_shock_<j>`` and the number of
        ``options``; notes.
    """
    notes: list[str] = []
    columns = sorted(
        (c for c in options.columns if c.startswith("shocked_iv_")), key=lambda c: int(c.rsplit("_", 1)[1])
    )
    if options.empty or not columns:
        return base, keyed_frame({}, ["dte", "forward", "options"], ["base_coin", "expiry"]), notes
    kind = _shock_kind(options, columns, base)
    shocks = pd.DataFrame(
        {
            f"iv_shock_{c.rsplit('_', 1)[1]}": options[c] / options["iv"] - 1.0
            if kind == "relative"
            else options[c] - options["iv"]
            for c in columns
        }
    )
    shock_names = list(shocks.columns)
    keys = [options["base_coin"], options["expiry"]]
    weights = shock_weights(options, kind)
    grouped = options[["dte", "forward"]].groupby(keys)
    expiries = grouped.median()
    total = weights.groupby(keys).sum()
    for name in shock_names:
        weighted = (shocks[name] * weights).groupby(keys).sum() / total.where(total > 0)
        expiries[name] = weighted.fillna(shocks[name].groupby(keys).median())
    expiries["options"] = grouped.size()
    expiries.index.names = ["base_coin", "expiry"]
    center = int(np.argmin(np.abs(expiries[shock_names].abs().mean().to_numpy())))
    x = np.log(base.iv_reference_dte / np.maximum(expiries["dte"].to_numpy(), base.iv_min_dte))
    # an expiry's log-shock is as precise as its options' grids pin it: weight by their sensitivity
    w = total.reindex(expiries.index).to_numpy(dtype=np.float64)
    w = w / w.max() if w.max() > 0 else np.ones(len(x))
    w = np.where(w > 0, w, 1e-12)
    power = base.iv_dte_power
    live = [j for j in range(len(shock_names)) if j != center]
    ys = {j: np.log(np.abs(expiries[shock_names[j]].to_numpy())) for j in live}
    if len(np.unique(np.round(x, 9))) >= 2 and live:
        design = np.zeros((len(x) * len(live), len(live) + 1))
        target = np.concatenate([ys[j] for j in live])
        for k, _ in enumerate(live):
            design[k * len(x) : (k + 1) * len(x), k] = 1.0
            design[k * len(x) : (k + 1) * len(x), -1] = x
        root = np.sqrt(np.tile(w, len(live)))
        solution, *_ = np.linalg.lstsq(design * root[:, None], target * root, rcond=None)
        power = float(solution[-1])
        if abs(power) < 1e-6:
            power = 0.0
    base_shocks = [0.0] * len(shock_names)
    for j in live:
        sign = float(np.sign(np.median(expiries[shock_names[j]])))
        base_shocks[j] = sign * float(np.exp(np.average(ys[j] - power * x, weights=w)))
    if base_shocks != sorted(base_shocks):
        notes.append(f"IV shocks {base_shocks} are not ascending; kept the order of Bybit's columns")
    params = base.override(iv_shocks=tuple(sorted(base_shocks)), iv_shock_kind=kind, iv_dte_power=power)
    return params, expiries, notes
