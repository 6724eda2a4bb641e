"""The explorer's view of one instrument: every field of its instrument entry and of its ticker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from .render import key_values_html

__all__ = ["CHAIN_DERIVED", "FORMATS", "describe", "percent"]

#: columns of the option chain derived from the symbol: neither instrument nor ticker fields
CHAIN_DERIVED = ("expiry", "expiry_code", "strike", "option_type")


def percent(digits: int, sign: bool = True) -> Callable[[Any], str]:
    """Return a cell writer of fractions as percentages (``0.0123`` -> ``+1.23%``), blank when missing."""
    form = f"{{:{'+' if sign else ''}.{digits}f}}%"

    def write(value: Any) -> str:
        return "" if value is None or pd.isna(value) else form.format(float(value) * 100)

    return write


#: how the listing's fraction columns are written in tables
FORMATS: dict[str, Callable[[Any], str]] = {
    "price24h_pcnt": percent(2),
    "funding_rate": percent(4),
    "mark_iv": percent(1, sign=False),
    "bid1_iv": percent(1, sign=False),
    "ask1_iv": percent(1, sign=False),
}


def describe(
    symbol: str, category: str, instruments: pd.DataFrame | None, listing: pd.DataFrame
) -> tuple[str, str]:
    """Return the HTML of ``symbol``'s instrument fields and of its ticker fields.

    Parameters
    ----------
    symbol, category
        The instrument.
    instruments
        The category's instruments frame (``br.instruments``): the instrument's fields. When None or
        without the symbol, the listing's columns of an instruments frame are used.
    listing
        The listing (instruments joined with tickers, or the option chain): every column that is not an
        instrument field, nor derived from the symbol, is a ticker field.
    """
    spec_columns = list(instruments.columns) if instruments is not None else []
    if instruments is not None and symbol in instruments.index:
        spec = instruments.loc[symbol].to_dict()
    else:
        spec = listing.loc[symbol, [c for c in listing.columns if c in spec_columns]].to_dict()
    row = listing.loc[symbol]
    ticker = {str(c): row[c] for c in listing.columns if c not in spec_columns and c not in CHAIN_DERIVED}
    return (
        key_values_html({str(k): v for k, v in spec.items()}, f"{symbol} ({category}): instrument"),
        key_values_html(ticker, f"{symbol}: ticker", FORMATS),
    )
