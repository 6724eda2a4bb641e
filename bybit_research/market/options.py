"""The option chain: option instruments joined with their tickers in one frame."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.fetcher import Fetcher
from ..endpoints.checks import check_coin, check_exp_date
from ..endpoints.snapshots import INSTRUMENTS_INFO, TICKERS
from ..frames.attrs import provenance
from .snapshots import instruments, tickers

__all__ = ["option_chain"]

#: instrument columns carried into the chain (the ticker supplies prices, IVs, greeks and open interest)
_FROM_INSTRUMENTS = (
    *("base_coin", "quote_coin", "settle_coin", "status"),
    *("launch_time", "tick_size", "min_order_qty", "qty_step"),
)
_LEADING = ("expiry", "expiry_code", "strike", "option_type")


def option_chain(
    client: Fetcher, base_coin: str = "BTC", expiry: object = None, *, refresh: bool = False
) -> pd.DataFrame:
    """Every listed option of a base coin with its quote, IVs and greeks, one row per contract.

    Calls ``/v5/market/instruments-info`` and ``/v5/market/tickers`` (``category=option``) and joins them
    on the symbol.

    Parameters
    ----------
    base_coin
        ``"BTC"`` (default), ``"ETH"``, ``"SOL"``, ...
    expiry
        One expiry: a code like ``"27DEC24"``, a date string, datetime or Timestamp. All expiries when
        omitted.
    refresh
        Ignore cached answers.

    Returns
    -------
    pandas.DataFrame
        Index ``symbol``, sorted by expiry, strike, then Call before Put. Columns ``expiry``
        (``datetime64[ms, UTC]``, delivery time), ``expiry_code`` (``"27DEC24"``), ``strike`` (float64),
        ``option_type`` (``"Call"``/``"Put"``), the ticker's ``bid1_price, bid1_size, bid1_iv, ask1_price,
        ask1_size, ask1_iv, last_price, mark_price, mark_iv, index_price, underlying_price, open_interest,
        volume24h, turnover24h, delta, gamma, vega, theta, ...`` and the instrument's ``base_coin,
        quote_coin, settle_coin, status, launch_time, tick_size, min_order_qty, qty_step``. IVs are
        fractions (0.5 = 50 %). ``attrs``: endpoint (both paths), category, params, fetched_at,
        from_cache.
    """
    coin = check_coin(base_coin)
    code = None if expiry is None else check_exp_date(expiry)
    specs = instruments(client, "option", base_coin=coin, refresh=refresh)
    quotes = tickers(client, "option", base_coin=coin, exp_date=code, refresh=refresh)
    parts = specs.index.to_series().str.split("-")
    specs = specs.assign(
        expiry=specs["delivery_time"],
        expiry_code=pd.array(parts.str[1].to_numpy(), dtype="str"),
        strike=pd.to_numeric(parts.str[2], errors="coerce").to_numpy(dtype=np.float64),
        option_type=specs["options_type"],
    )
    if code is not None:
        specs = specs[specs["expiry_code"] == code]
    carried = [c for c in (*_LEADING, *_FROM_INSTRUMENTS) if c in specs.columns]
    chain = specs[carried].join(quotes, how="inner")
    ordered = [*_LEADING, *(c for c in chain.columns if c not in _LEADING)]
    chain = chain[ordered]
    call_first = (chain["option_type"] != "Call").to_numpy()
    expiry_ms = pd.DatetimeIndex(chain["expiry"]).asi8
    order = np.lexsort((call_first, chain["strike"].to_numpy(), expiry_ms))
    chain = chain.iloc[order]
    chain.index.name = "symbol"
    chain.attrs = provenance(  # type: ignore[assignment]
        endpoint=[INSTRUMENTS_INFO.path, TICKERS.path],
        category="option",
        params={"baseCoin": coin, **({"expDate": code} if code else {})},
        pages=[],
        from_cache=(specs.attrs.get("from_cache", 0.0) + quotes.attrs.get("from_cache", 0.0)) / 2,
        server_time=quotes.attrs.get("server_time"),
    )
    chain.attrs["pages"] = specs.attrs.get("pages", 0) + quotes.attrs.get("pages", 0)
    return chain
