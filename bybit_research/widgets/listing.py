"""The explorer's instrument listing: which filters fit each category, the listing frame of a category
(instruments joined with their tickers), and filtering it. Pure functions of frames; nothing here fetches.

Filters are of two kinds. Local filters pick rows of the fetched listing by a column's value (base coin,
quote or settle coin, contract type, option expiry and type, and the search box on the symbol). Fetch
filters are request parameters: ``status`` of ``/v5/market/instruments-info`` for spot, linear and inverse
(Bybit lists only ``Trading`` instruments unless asked), and the options' base coin (options are listed per
base coin). Option listings hold every listed status (PreLaunch, Trading, Delivering), so there ``status``
is a local filter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

__all__ = [
    "CATEGORIES",
    "FILTERS",
    "OPTION_COIN_SUGGESTIONS",
    "TABLE_COLUMNS",
    "Filter",
    "choices",
    "filter_listing",
    "listing_frame",
]

CATEGORIES = ("spot", "linear", "inverse", "option")
#: base coins offered in the options' coin box: suggestions only, any coin can be typed (a coin without
#: options gets Bybit's error in the panel)
OPTION_COIN_SUGGESTIONS = ("BTC", "ETH", "SOL")


@dataclass(frozen=True)
class Filter:
    """One local filter: the widget's ``label`` and the listing ``column`` whose value it picks."""

    label: str
    column: str


_BASE = Filter("base coin", "base_coin")
#: the local filters of each category, in the order they are shown (the search box comes last)
FILTERS: dict[str, tuple[Filter, ...]] = {
    "spot": (_BASE, Filter("quote coin", "quote_coin")),
    "linear": (_BASE, Filter("settle coin", "settle_coin"), Filter("contract", "contract_type")),
    # an inverse contract settles in its base coin and is quoted in USD: no coin filter beyond the base
    "inverse": (_BASE, Filter("contract", "contract_type")),
    "option": (Filter("expiry", "expiry_code"), Filter("type", "option_type"), Filter("status", "status")),
}

#: the columns of the instrument table per category (the listing frame holds every column)
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "spot": (
        "base_coin",
        "quote_coin",
        "last_price",
        "price24h_pcnt",
        "high_price24h",
        "low_price24h",
        "volume24h",
        "turnover24h",
    ),
    "linear": (
        "contract_type",
        "settle_coin",
        "last_price",
        "mark_price",
        "price24h_pcnt",
        "funding_rate",
        "funding_interval",
        "open_interest_value",
        "turnover24h",
        "delivery_time",
    ),
    "inverse": (
        "contract_type",
        "last_price",
        "mark_price",
        "price24h_pcnt",
        "funding_rate",
        "funding_interval",
        "open_interest_value",
        "turnover24h",
        "delivery_time",
    ),
    "option": (
        "expiry_code",
        "strike",
        "option_type",
        "status",
        "mark_price",
        "mark_iv",
        "bid1_iv",
        "ask1_iv",
        "delta",
        "open_interest",
        "volume24h",
    ),
}


def listing_frame(instruments: pd.DataFrame, tickers: pd.DataFrame) -> pd.DataFrame:
    """Return every instrument with its ticker: ``instruments`` left-joined with ``tickers`` on the symbol.

    Both frames keep every column; a ticker column whose name the instruments frame already uses
    (``delivery_time``, ``delivery_fee_rate``) gets the suffix ``_ticker``. Instruments without a ticker
    (not trading) keep missing ticker values. ``attrs`` are the instruments'.
    """
    clashing = {c: f"{c}_ticker" for c in tickers.columns if c in instruments.columns}
    joined = instruments.join(tickers.rename(columns=clashing), how="left")
    joined.attrs = dict(instruments.attrs)
    return joined


def choices(frame: pd.DataFrame, column: str) -> list[str]:
    """Return the values a filter offers: the column's distinct values as text, sorted (expiry codes by
    expiry when the frame has ``expiry``)."""
    if column not in frame.columns or frame.empty:
        return []
    values = frame[column].dropna()
    if column == "expiry_code" and "expiry" in frame.columns:
        order = frame.loc[values.index, "expiry"].argsort(kind="stable")
        return list(dict.fromkeys(values.astype(str).to_numpy()[order.to_numpy()]))
    return sorted({str(v) for v in values})


def filter_listing(frame: pd.DataFrame, picked: Mapping[str, str | None], search: str = "") -> pd.DataFrame:
    """Return the rows of a listing whose columns equal every picked value and whose symbol holds ``search``.

    Parameters
    ----------
    frame
        A listing (index ``symbol``).
    picked
        Column -> value; None (the filter's "all") keeps every row.
    search
        Text the symbol must contain (any case, surrounding spaces ignored); empty keeps every row.

    Raises
    ------
    ValueError
        For a column the listing does not have (naming those it has).
    """
    keep = pd.Series(True, index=frame.index)
    for column, value in picked.items():
        if value is None:
            continue
        if column not in frame.columns:
            raise ValueError(f"the listing has no column {column!r}; it has {list(frame.columns)}")
        keep &= frame[column].astype(str).to_numpy() == value
    text = search.strip().upper()
    if text:
        keep &= pd.Index(frame.index).astype(str).str.upper().str.contains(text, regex=False)
    rows = frame[keep.to_numpy(dtype=bool)]
    rows.attrs = dict(frame.attrs)
    return rows
