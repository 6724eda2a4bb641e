"""The legs the margin panel's what-if adds: a symbol, a side and a size, with the market data it needs.

A symbol the account holds needs nothing more: :func:`bybit_research.margin.what_if` takes its category and
mark from the calibrated book. Any other symbol needs its category (read off the symbol's format when not
given) and its mark: linear and inverse contracts from ``/v5/market/tickers``, options from the base coin's
chain (``br.option_chain``: forward, mark IV and index price to value and stress the option). What is
fetched is kept for the report it is valued against (:class:`LegMarket`), so a click fetches a symbol (an
option coin's chain) once at most.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..analytics.margin_calibrate import Calibration
from ..analytics.margin_symbols import parse_contract
from ..client import Client

__all__ = [
    "DEFAULT_NOTIONAL",
    "LEG_CATEGORIES",
    "SIDES",
    "LegMarket",
    "Quote",
    "category_of",
    "hedge_default",
]

#: the categories a what-if leg may have (spot hedges follow the wallet, not an order)
LEG_CATEGORIES = ("linear", "inverse", "option")
SIDES = ("Buy", "Sell")
#: USD of notional a leg on a symbol given without a size holds (the explorer's margin tab)
DEFAULT_NOTIONAL = 10_000.0
#: the chain's columns an option leg adds to the what-if's market
_MARKET_COLUMNS = ("base_coin", "expiry", "strike", "option_type", "underlying_price", "mark_iv",
                   "index_price", "mark_price", "vega")  # fmt: skip


def category_of(symbol: str) -> str:
    """The category a symbol's format names: ``option`` (``BTC-28JUN24-60000-C``), ``inverse`` (``BTCUSD``,
    ``BTCUSDH25``) or ``linear`` (``BTCUSDT``, ``BTCPERP``, ``BTCUSDT-27SEP24``, ``BTC-27SEP24``).

    Raises
    ------
    ValueError
        For a symbol none of these formats describes.
    """
    for category in ("option", "inverse", "linear"):
        try:
            parse_contract(symbol, category)
        except ValueError:
            continue
        return category
    raise ValueError(
        f"{symbol!r} is not a derivative symbol: options such as BTC-28JUN24-60000-C, inverse such as "
        "BTCUSD or BTCUSDH25, linear such as BTCUSDT, BTCPERP, BTCUSDT-27SEP24"
    )


@dataclass(frozen=True)
class Quote:
    """What a leg on one symbol needs: its ``category``, its ``mark`` price and the USD ``notional`` of one
    contract (linear: the mark; options: the underlying's index price; inverse: 1 USD)."""

    category: str
    mark: float
    notional: float


@dataclass
class LegMarket:
    """Legs for the what-if against one calibration, and the market rows they need (fetched once each).

    Attributes
    ----------
    calibration
        :func:`bybit_research.margin.calibrate` of the report the what-ifs value against.
    client
        The client fetching the marks and chains of symbols the account does not hold.
    market
        The calibration's market plus the chain rows of options fetched for legs.
    quotes
        Symbol -> :class:`Quote` of the symbols looked up so far.
    """

    calibration: Calibration
    client: Client
    market: pd.DataFrame = field(init=False)
    quotes: dict[str, Quote] = field(default_factory=dict)
    _chains: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.market = self.calibration.market

    def held(self, symbol: str) -> bool:
        """Whether the account holds ``symbol`` (its category and mark are the book's)."""
        return symbol.strip().upper() in self.calibration.positions.index

    def leg(self, symbol: str, side: str, size: float, category: str | None = None) -> dict[str, Any]:
        """One leg for ``what_if(add=[...])``: held symbols by name, others with their category and mark.

        Raises
        ------
        ValueError
            A side other than Buy/Sell, a size that is not a positive number, a category that is not a
            derivative's, a symbol the category does not know, or an option that is not live.
        """
        if side not in SIDES:
            raise ValueError(f"side must be one of {list(SIDES)}, got {side!r}")
        if not isinstance(size, int | float) or not np.isfinite(size) or size <= 0:
            raise ValueError(f"size must be a positive number of contracts, got {size!r}")
        symbol = symbol.strip().upper()
        if self.held(symbol):
            return {"symbol": symbol, "side": side, "size": float(size)}
        quote = self.quote(symbol, category)
        return {"symbol": symbol, "side": side, "size": float(size), "category": quote.category,
                "mark_price": quote.mark}  # fmt: skip

    def default_size(self, symbol: str, category: str | None = None, usd: float = DEFAULT_NOTIONAL) -> float:
        """The size of about ``usd`` of notional in ``symbol``, to two significant digits (1 when unknown)."""
        notional = self.quote(symbol.strip().upper(), category).notional
        return _significant(usd / notional) if np.isfinite(notional) and notional > 0 else 1.0

    def quote(self, symbol: str, category: str | None = None) -> Quote:
        """The :class:`Quote` of ``symbol``: the book's for held symbols, else fetched once (its ticker, or
        for an option its coin's chain)."""
        if symbol in self.quotes:
            return self.quotes[symbol]
        if self.held(symbol):
            quote = self._held_quote(symbol)
        else:
            kind = category_of(symbol) if category is None else category.strip().lower()
            if kind not in LEG_CATEGORIES:
                raise ValueError(
                    f"a what-if leg's category must be one of {list(LEG_CATEGORIES)}, got {category!r}"
                )
            quote = self._option_quote(symbol) if kind == "option" else self._contract_quote(symbol, kind)
        self.quotes[symbol] = quote
        return quote

    def _held_quote(self, symbol: str) -> Quote:
        positions, market = self.calibration.positions, self.market
        kind = str(positions.loc[[symbol], "category"].iloc[0])
        mark = _number(market, symbol, "mark_price")
        mark = (
            mark
            if np.isfinite(mark)
            else _number(positions[~positions.index.duplicated()], symbol, "mark_price")
        )
        notional = {"inverse": 1.0, "option": _number(market, symbol, "index_price")}.get(kind, mark)
        return Quote(kind, mark, notional)

    def _contract_quote(self, symbol: str, kind: str) -> Quote:
        rows = self.client.tickers(kind, symbol=symbol)
        if symbol not in rows.index:
            raise ValueError(f"{symbol} is not live in {kind} (no ticker)")
        mark = _number(rows, symbol, "mark_price")
        return Quote(kind, mark, 1.0 if kind == "inverse" else mark)

    def _option_quote(self, symbol: str) -> Quote:
        coin = parse_contract(symbol, "option").base_coin
        if coin not in self._chains:
            self._chains[coin] = self.client.option_chain(coin)
        chain = self._chains[coin]
        if symbol not in chain.index:
            raise ValueError(f"{symbol} is not live in the {coin} option chain (no ticker)")
        row = chain.loc[[symbol], [c for c in _MARKET_COLUMNS if c in chain.columns]]
        self.market = pd.concat([self.market, row])
        return Quote("option", _number(chain, symbol, "mark_price"), _number(chain, symbol, "index_price"))


def hedge_default(calibration: Calibration, report_units: pd.DataFrame) -> tuple[str, str, float]:
    """The what-if shown first: the unit with the largest MM hedged with its linear perpetual.

    The side is against the unit's worst price move (Sell when it loses most on a fall); the size is the one
    that would offset the unit's loss at that move, ``(MM - contingency) / (mark x |move|)``, to two
    significant digits. Without a unit (or a perpetual mark) ``("BTCUSDT", "Buy", 0.01)``.
    """
    units = report_units
    fallback = ("BTCUSDT", "Buy", 0.01)
    if units.empty or "asset_mm" not in units.columns:
        return fallback
    mm = pd.to_numeric(units["asset_mm"], errors="coerce")
    if not mm.notna().any():
        return fallback
    coin = str(mm.idxmax())
    symbol = f"{coin}USDT"
    move = _number(units, coin, "max_loss_price_move")
    loss = _number(units, coin, "asset_mm") - np.nan_to_num(_number(units, coin, "contingency_components"))
    mark = _number(calibration.market, symbol, "mark_price")
    if not (np.isfinite(move) and move != 0 and np.isfinite(mark) and mark > 0 and loss > 0):
        return symbol, "Buy", 0.01
    return symbol, "Sell" if move < 0 else "Buy", _significant(loss / (mark * abs(move)))


def _significant(value: float) -> float:
    """``value`` (positive) to two significant digits."""
    digits = 1 - int(np.floor(np.log10(value)))
    return float(round(value, digits))


def _number(frame: pd.DataFrame, row: str, column: str) -> float:
    """``frame[column][row]`` as a float; NaN when the frame lacks the row or the column."""
    if row not in frame.index or column not in frame.columns:
        return float("nan")
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(np.float64)
    return float(values[frame.index.get_loc(row)])
