"""A risk unit as numpy arrays: the form the stress grid and the contingency components work on.

:func:`unit_arrays` takes one base coin's rows of a book (:func:`~.margin_book.build_book`);
:func:`risk_unit_summary` says what each unit of a book holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from .black76 import DAYS_PER_YEAR, black76_greeks

__all__ = ["UnitArrays", "coins_of", "risk_unit_summary", "unit_arrays"]


@dataclass(frozen=True, eq=False)  # holds frames or arrays: compare their fields, not the objects
class UnitArrays:
    """The positions of one risk unit as numpy arrays, the form the grid and contingency work on.

    ``qty`` is signed (coins, or USD contracts for inverse rows), ``price`` the mark (linear, inverse, spot)
    or the forward (options), ``t_years`` ACT/365 to expiry, ``tenor`` days to delivery (0 for perpetuals),
    ``vega`` Bybit's vega per contract where the book has it (NaN elsewhere), ``index_price`` the coin's USD
    index.
    """

    base_coin: str
    symbols: np.ndarray
    kind: np.ndarray
    settle: np.ndarray
    inverse: np.ndarray
    qty: np.ndarray
    price: np.ndarray
    strike: np.ndarray
    dte: np.ndarray
    iv: np.ndarray
    is_call: np.ndarray
    expiry_ms: np.ndarray
    index_price: float
    vega: np.ndarray

    @property
    def is_option(self) -> np.ndarray:
        """Options."""
        return self.kind == "option"

    @property
    def is_linear(self) -> np.ndarray:
        """Perpetuals and futures (linear or inverse)."""
        return (self.kind == "perpetual") | (self.kind == "future")

    @property
    def is_spot(self) -> np.ndarray:
        """Spot-hedge rows."""
        return self.kind == "spot"

    @property
    def t_years(self) -> np.ndarray:
        """Time to expiry in years (ACT/365), 0 where there is none."""
        return np.nan_to_num(self.dte, nan=0.0) / DAYS_PER_YEAR

    @property
    def tenor(self) -> np.ndarray:
        """Days to delivery of perpetuals (0) and futures."""
        return np.where(self.kind == "future", np.nan_to_num(self.dte, nan=0.0), 0.0)

    @property
    def notional(self) -> np.ndarray:
        """Signed USD notional of perpetuals, futures and spot at mark (inverse: the USD contracts)."""
        return np.where(self.inverse, self.qty, self.qty * np.nan_to_num(self.price, nan=0.0))

    def shifted(self, move: float, iv_shift: float, iv_shock_kind: str, iv_floor: float) -> UnitArrays:
        """The same positions after the market moved: prices x (1 + move), IVs shifted by ``iv_shift``.

        Bybit's vegas describe the market as it is: after a move they give way to the replica's (NaN).
        """
        if move == 0.0 and iv_shift == 0.0:
            return self
        scale = 1.0 + move
        iv = self.iv * (1.0 + iv_shift) if iv_shock_kind == "relative" else self.iv + iv_shift
        iv = np.where(self.is_option, np.maximum(iv, iv_floor) if iv_shift else self.iv, self.iv)
        price, index = self.price * scale, self.index_price * scale
        return replace(self, price=price, iv=iv, index_price=index, vega=np.full(len(self.vega), np.nan))

    def select(self, mask: np.ndarray) -> UnitArrays:
        """The rows where ``mask`` holds."""
        fields = ("symbols", "kind", "settle", "inverse", "qty", "price", "strike", "dte", "iv", "is_call")
        picked: dict[str, Any] = {name: getattr(self, name)[mask] for name in (*fields, "expiry_ms", "vega")}
        return replace(self, **picked)

    def option_vega(self) -> np.ndarray:
        """Vega per contract of the options (USD per volatility point): Bybit's where given, else Black-76."""
        options = self.is_option
        args = (self.price, self.strike, self.t_years, self.iv, self.is_call)
        model = black76_greeks(*(values[options] for values in args))["vega"].to_numpy()
        given = self.vega[options]
        return np.where(np.isnan(given), model, given)


def unit_arrays(book: pd.DataFrame, coin: str) -> UnitArrays:
    """The rows of ``book`` of the risk unit ``coin`` as :class:`UnitArrays`."""
    rows = book[book["base_coin"] == coin]
    index = rows["index_price"].dropna()
    expiry = rows["expiry"]
    expiry_ms = np.where(expiry.isna(), np.iinfo(np.int64).min, expiry.astype("int64"))
    return UnitArrays(
        base_coin=coin,
        symbols=rows.index.to_numpy(dtype=object),
        kind=rows["kind"].to_numpy(dtype=object),
        settle=rows["settle_coin"].to_numpy(dtype=object),
        inverse=rows["inverse"].to_numpy(dtype=bool),
        qty=rows["qty"].to_numpy(dtype=np.float64),
        price=rows["price"].to_numpy(dtype=np.float64),
        strike=rows["strike"].to_numpy(dtype=np.float64),
        dte=rows["dte"].to_numpy(dtype=np.float64),
        iv=rows["iv"].to_numpy(dtype=np.float64),
        is_call=rows["is_call"].to_numpy(dtype=bool),
        expiry_ms=expiry_ms.astype(np.int64),
        index_price=float(index.iloc[0]) if len(index) else float("nan"),
        vega=rows["vega"].to_numpy(dtype=np.float64) if "vega" in rows else np.full(len(rows), np.nan),
    )


def coins_of(book: pd.DataFrame, base_coin: str | Iterable[str] | None = None) -> list[str]:
    """The risk units of ``book`` (sorted), or the ones asked for.

    Raises
    ------
    ValueError
        A coin asked for holds no position.
    """
    present = sorted(book["base_coin"].unique())
    if base_coin is None:
        return present
    wanted = [base_coin.upper()] if isinstance(base_coin, str) else [c.upper() for c in base_coin]
    unknown = [c for c in wanted if c not in present]
    if unknown:
        raise ValueError(f"no positions in risk unit(s) {unknown}; the book holds {present}")
    return wanted


def risk_unit_summary(book: pd.DataFrame) -> pd.DataFrame:
    """The risk units of a book: what each base coin holds.

    Returns
    -------
    pandas.DataFrame
        Index ``base_coin``: ``positions``, ``perpetuals``, ``futures``, ``options``, ``spot`` (counts),
        ``expiries`` (distinct option expiries), ``net_notional`` and ``gross_notional`` (USD of perpetuals,
        futures and spot at mark), ``option_delta_notional`` (sum of qty x Black-76 delta x forward, USD),
        ``long_option_contracts``, ``short_option_contracts`` and ``index_price``.
    """
    rows = {}
    for coin in coins_of(book):
        unit = unit_arrays(book, coin)
        linear = unit.is_linear | unit.is_spot
        options = unit.is_option
        delta = 0.0
        if options.any():
            greeks = black76_greeks(
                unit.price[options],
                unit.strike[options],
                unit.t_years[options],
                unit.iv[options],
                unit.is_call[options],
            )
            delta = float((unit.qty[options] * greeks["delta"].to_numpy() * unit.price[options]).sum())
        rows[coin] = {
            "positions": len(unit.qty),
            "perpetuals": int((unit.kind == "perpetual").sum()),
            "futures": int((unit.kind == "future").sum()),
            "options": int(options.sum()),
            "spot": int(unit.is_spot.sum()),
            "expiries": len(np.unique(unit.expiry_ms[options])),
            "net_notional": float(unit.notional[linear].sum()),
            "gross_notional": float(np.abs(unit.notional[linear]).sum()),
            "option_delta_notional": delta,
            "long_option_contracts": float(unit.qty[options & (unit.qty > 0)].sum()),
            "short_option_contracts": float(-unit.qty[options & (unit.qty < 0)].sum()) + 0.0,
            "index_price": unit.index_price,
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "base_coin"
    return frame
