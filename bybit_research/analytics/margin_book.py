"""The replica's book: positions and market data checked and joined into one row per position.

A positions frame follows the DataFrame contract of ``/v5/position/list`` (index ``symbol``; ``side``
"Buy"/"Sell", ``size`` >= 0, ``mark_price``, ...) plus a ``category`` column (``linear``, ``inverse``,
``option``, or ``spot`` for a spot hedge, whose ``mark_price`` is the coin's USD index price). Optional
columns: ``settle_coin`` and ``delivery_time`` override what the symbol says; ``base_coin`` must agree with
it. Options need market data: an option-chain frame (index ``symbol``; ``underlying_price`` = the expiry's
forward, ``mark_iv`` as a fraction, ``index_price``), such as ``Client.option_chain(...)`` returns; a market
row for a linear or inverse symbol with a ``mark_price`` replaces the position's mark.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from .black76 import DAYS_PER_YEAR
from .margin_symbols import parse_contract

__all__ = [
    "BOOK_COLUMNS",
    "CATEGORIES",
    "CHAIN_COLUMNS",
    "POSITION_COLUMNS",
    "UnitArrays",
    "build_book",
    "coins_of",
    "resolve_now",
    "unit_arrays",
]

#: the categories a position may have
CATEGORIES = ("linear", "inverse", "option", "spot")
#: the columns every positions frame needs (besides its ``symbol`` index)
POSITION_COLUMNS = ("category", "side", "size", "mark_price")
#: the columns an option chain needs for the options it prices
CHAIN_COLUMNS = ("underlying_price", "mark_iv", "index_price")
#: the book's columns (index ``symbol``)
BOOK_COLUMNS = (
    "category",
    "base_coin",
    "settle_coin",
    "kind",
    "inverse",
    "qty",
    "price",
    "mark_price",
    "expiry",
    "dte",
    "strike",
    "is_call",
    "iv",
    "index_price",
)
_MS_PER_DAY = 86_400_000
_IV_FRACTION_LIMIT = 10.0  # a mark_iv above 1000 % is a percentage by mistake


def resolve_now(now: Any, *frames: pd.DataFrame | None) -> pd.Timestamp:
    """The valuation time: ``now`` (naive = UTC), else a frame's ``attrs["fetched_at"]``, else the clock."""
    if now is None:
        for frame in frames:
            stamp = None if frame is None else frame.attrs.get("fetched_at")
            if stamp is not None:
                now = stamp
                break
    if now is None:
        return pd.Timestamp.now(tz="UTC").as_unit("ms")
    if isinstance(now, int | float | np.integer | np.floating) and not isinstance(now, bool):
        stamp = pd.Timestamp(int(now), unit="ms", tz="UTC")
    else:
        stamp = pd.Timestamp(now)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.as_unit("ms")


def _positions_table(positions: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(positions, pd.DataFrame):
        raise ValueError(
            f"positions must be a DataFrame (the contract of /v5/position/list), not {type(positions)}"
        )
    frame = positions
    if "symbol" in frame.columns:
        frame = frame.set_index("symbol")
    missing = [name for name in POSITION_COLUMNS if name not in frame.columns]
    if missing:
        raise ValueError(
            f"positions need the columns {list(POSITION_COLUMNS)} and a symbol index; missing {missing}"
        )
    frame = frame.copy()
    frame.index = frame.index.astype(str)
    frame.index.name = "symbol"
    categories = frame["category"].astype(str).str.lower()
    bad = sorted(set(categories) - set(CATEGORIES))
    if bad:
        raise ValueError(f"category must be one of {list(CATEGORIES)}; got {bad}")
    frame["category"] = categories
    size = pd.to_numeric(frame["size"], errors="coerce").astype(np.float64)
    if size.isna().any() or (size < 0).any():
        wrong = list(frame.index[size.isna() | (size < 0)])
        raise ValueError(f"size must be a number >= 0 (the side gives the direction); wrong for {wrong}")
    side = frame["side"].fillna("").astype(str)
    bad_side = (~side.isin(["Buy", "Sell"])) & (size > 0)
    if bad_side.any():
        raise ValueError(f"side must be 'Buy' or 'Sell'; got {sorted(set(side[bad_side]))}")
    frame["qty"] = np.where(side == "Sell", -size, size)
    frame["mark_price"] = pd.to_numeric(frame["mark_price"], errors="coerce").astype(np.float64)
    if (frame["mark_price"] < 0).any():
        raise ValueError(f"mark_price must not be negative: {list(frame.index[frame['mark_price'] < 0])}")
    return frame


def _contract_columns(frame: pd.DataFrame) -> pd.DataFrame:
    contracts = [parse_contract(sym, cat) for sym, cat in zip(frame.index, frame["category"], strict=True)]
    out = pd.DataFrame(
        {
            "base_coin": [c.base_coin for c in contracts],
            "settle_coin": [c.settle_coin for c in contracts],
            "kind": [c.kind for c in contracts],
            "inverse": np.array([c.inverse for c in contracts], dtype=bool),
            "expiry": pd.DatetimeIndex([c.expiry for c in contracts], tz="UTC").as_unit("ms"),
            "strike": np.array([c.strike for c in contracts], dtype=np.float64),
            "is_call": np.array([c.is_call for c in contracts], dtype=bool),
        },
        index=frame.index,
    )
    if "base_coin" in frame.columns:
        given = frame["base_coin"].astype("string").str.upper()
        wrong = given.notna() & (given != "") & (given != out["base_coin"])
        if wrong.any():
            detail = {sym: (out.at[sym, "base_coin"], given[sym]) for sym in frame.index[wrong.to_numpy()]}
            raise ValueError(
                f"mixed base coins in one risk unit: symbol's coin vs base_coin column {detail}; a contract "
                "belongs to the risk unit of its own base coin"
            )
    if "settle_coin" in frame.columns:
        given = frame["settle_coin"].astype("string").str.upper()
        out["settle_coin"] = given.where(given.notna() & (given != ""), out["settle_coin"]).astype(str)
    if "delivery_time" in frame.columns:
        given_time = pd.to_datetime(frame["delivery_time"], utc=True).dt.as_unit("ms")
        dated = out["kind"] == "future"
        out.loc[dated, "expiry"] = given_time[dated].where(
            given_time[dated].notna(), out.loc[dated, "expiry"]
        )
    return out


def _check_chain(market: pd.DataFrame | None, options: pd.Index) -> pd.DataFrame:
    if len(options) == 0:
        return pd.DataFrame(index=pd.Index([], name="symbol"))
    if market is None:
        raise ValueError(
            f"positions hold options ({list(options)[:5]}); pass market= an option chain with the columns "
            f"{list(CHAIN_COLUMNS)} (e.g. Client.option_chain(base_coin))"
        )
    chain = market.set_index("symbol") if "symbol" in market.columns else market
    missing = [name for name in CHAIN_COLUMNS if name not in chain.columns]
    if missing:
        raise ValueError(f"the option chain needs the columns {list(CHAIN_COLUMNS)}; missing {missing}")
    chain = chain[~chain.index.duplicated(keep="last")]
    unknown = [sym for sym in options if sym not in chain.index]
    if unknown:
        raise ValueError(f"no market data for option(s) {unknown} in the chain (unknown symbol or expiry)")
    rows = chain.loc[list(options)]
    values = {name: pd.to_numeric(rows[name], errors="coerce").astype(np.float64) for name in CHAIN_COLUMNS}
    for name, column in values.items():
        bad = column.isna() | (column < 0) | ((column == 0) & (name != "mark_iv"))
        if bad.any():
            raise ValueError(
                f"chain column {name} must be a positive number; wrong for {list(column.index[bad])}"
            )
    if (values["mark_iv"] > _IV_FRACTION_LIMIT).any():
        raise ValueError("chain column mark_iv must be a fraction (0.55 = 55 %), not a percentage")
    return rows


def _market_marks(market: pd.DataFrame | None, symbols: pd.Index) -> pd.Series:
    if market is None or "mark_price" not in market.columns:
        return pd.Series(np.nan, index=symbols)
    table = market.set_index("symbol") if "symbol" in market.columns else market
    table = table[~table.index.duplicated(keep="last")]
    return pd.to_numeric(table["mark_price"], errors="coerce").reindex(symbols).astype(np.float64)


def build_book(positions: pd.DataFrame, market: pd.DataFrame | None = None, now: Any = None) -> pd.DataFrame:
    """Check ``positions`` and ``market`` and join them into the replica's book.

    Parameters
    ----------
    positions
        Positions in the ``/v5/position/list`` contract plus ``category`` (see the module docstring). Flat
        rows (size 0) carry no risk and are left out (their symbols are in ``attrs["flat"]``); two rows of one
        symbol (hedge mode) are netted.
    market
        Option chain (needed when there are options) and/or rows of linear/inverse symbols with a
        ``mark_price`` that replaces the position's.
    now
        Valuation time (ms, str, datetime or Timestamp; naive = UTC); default: ``market.attrs["fetched_at"]``,
        then ``positions.attrs["fetched_at"]``, then the clock.

    Returns
    -------
    pandas.DataFrame
        Index ``symbol``; columns ``category``, ``base_coin``, ``settle_coin``, ``kind`` (perpetual, future,
        option, spot), ``inverse`` (bool), ``qty`` (signed: coins, or USD contracts when inverse), ``price``
        (mark for linear, inverse and spot, the forward for options), ``mark_price``, ``expiry``
        (datetime64[ms, UTC], NaT for perpetuals and spot), ``dte`` (days, ACT), ``strike``, ``is_call``,
        ``iv`` (options' mark IV, fraction) and ``index_price`` (the coin's USD index; NaN when no option,
        spot row or market row gives it). ``attrs["now"]`` holds the valuation time in ms.

    Raises
    ------
    ValueError
        Missing columns, an unknown category or side, negative sizes or prices, a missing mark, an option
        without market data (or a chain without the needed columns), an expired contract, or a chain row of
        another base coin.
    """
    frame = _positions_table(positions)
    stamp = resolve_now(now, market, positions)
    flat = list(frame.index[frame["qty"] == 0])
    frame = frame[frame["qty"] != 0]
    frame = _net_duplicates(frame)
    contracts = _contract_columns(frame)
    book = pd.concat([frame[["category", "qty", "mark_price"]], contracts], axis=1)
    is_option = book["kind"] == "option"
    marks = _market_marks(market, book.index)
    book["price"] = np.where(is_option, np.nan, marks.where(marks.notna(), book["mark_price"]))
    missing_mark = (~is_option) & ~(book["price"] > 0)
    if missing_mark.any():
        raise ValueError(f"mark_price must be a positive number for {list(book.index[missing_mark])}")
    book["iv"] = np.nan
    book["index_price"] = np.nan
    chain = _check_chain(market, book.index[is_option])
    if len(chain):
        _join_chain(book, chain)
    _fill_index_prices(book, market)
    _check_expiries(book, stamp)
    book["dte"] = (book["expiry"].astype("int64") - stamp.value // 1_000_000) / _MS_PER_DAY
    book.loc[book["expiry"].isna(), "dte"] = np.nan
    book = book[list(BOOK_COLUMNS)]
    book.attrs = {"now": int(stamp.value // 1_000_000), "flat": flat}
    return book


def _net_duplicates(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.index.is_unique:
        return frame
    qty = frame.groupby(level=0, sort=False)["qty"].sum()
    first = frame[~frame.index.duplicated(keep="first")].copy()
    first["qty"] = qty.reindex(first.index)
    return first[first["qty"] != 0]


def _join_chain(book: pd.DataFrame, chain: pd.DataFrame) -> None:
    symbols = chain.index
    if "base_coin" in chain.columns:
        chain_coin = chain["base_coin"].astype(str).str.upper()
        wrong = chain_coin != book.loc[symbols, "base_coin"]
        if wrong.any():
            raise ValueError(
                f"mixed base coins in one risk unit: the chain gives {dict(chain_coin[wrong])} for options "
                f"whose positions belong to {dict(book.loc[symbols[wrong.to_numpy()], 'base_coin'])}"
            )
    if "expiry" in chain.columns:
        book.loc[symbols, "expiry"] = pd.to_datetime(chain["expiry"], utc=True).dt.as_unit("ms")
    if "strike" in chain.columns:
        book.loc[symbols, "strike"] = pd.to_numeric(chain["strike"]).astype(np.float64)
    book.loc[symbols, "price"] = pd.to_numeric(chain["underlying_price"]).astype(np.float64)
    book.loc[symbols, "iv"] = pd.to_numeric(chain["mark_iv"]).astype(np.float64)
    book.loc[symbols, "index_price"] = pd.to_numeric(chain["index_price"]).astype(np.float64)


def _fill_index_prices(book: pd.DataFrame, market: pd.DataFrame | None) -> None:
    """One index price per coin: the options' (chain), else the spot row's mark, else a market row's."""
    spot = book["kind"] == "spot"
    book.loc[spot, "index_price"] = book.loc[spot, "price"]
    if market is not None and "index_price" in market.columns:
        table = market.set_index("symbol") if "symbol" in market.columns else market
        linear = book.index[book["kind"].isin(["perpetual", "future"])]
        given = pd.to_numeric(table["index_price"], errors="coerce")
        given = given[~given.index.duplicated(keep="last")].reindex(linear)
        book.loc[linear, "index_price"] = given.to_numpy()
    per_coin = book.groupby("base_coin")["index_price"].first()
    book["index_price"] = book["base_coin"].map(per_coin).astype(np.float64)


def _check_expiries(book: pd.DataFrame, now: pd.Timestamp) -> None:
    dated = book["kind"].isin(["future", "option"])
    expired = dated & (book["expiry"] <= now)
    if expired.any():
        detail = {sym: str(book.at[sym, "expiry"]) for sym in book.index[expired]}
        raise ValueError(f"expired contract(s) at {now}: {detail}; remove them or value them before expiry")


@dataclass(frozen=True)
class UnitArrays:
    """The positions of one risk unit as numpy arrays, the form the grid and contingency work on.

    ``qty`` is signed (coins, or USD contracts for inverse rows), ``price`` the mark (linear, inverse, spot)
    or the forward (options), ``t_years`` ACT/365 to expiry, ``tenor`` days to delivery (0 for perpetuals),
    ``index_price`` the coin's USD index.
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
        """The same positions after the market moved: prices x (1 + move), IVs shifted by ``iv_shift``."""
        scale = 1.0 + move
        iv = self.iv * (1.0 + iv_shift) if iv_shock_kind == "relative" else self.iv + iv_shift
        iv = np.where(self.is_option, np.maximum(iv, iv_floor) if iv_shift else self.iv, self.iv)
        return replace(self, price=self.price * scale, iv=iv, index_price=self.index_price * scale)

    def select(self, mask: np.ndarray) -> UnitArrays:
        """The rows where ``mask`` holds."""
        fields = ("symbols", "kind", "settle", "inverse", "qty", "price", "strike", "dte", "iv", "is_call")
        picked: dict[str, Any] = {name: getattr(self, name)[mask] for name in (*fields, "expiry_ms")}
        return replace(self, **picked)


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
