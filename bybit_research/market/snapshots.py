"""Snapshot market functions: order book, tickers, instruments and recent trades."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..core.fetcher import Fetcher
from ..endpoints.checks import (
    INSTRUMENT_STATUSES,
    SYMBOL_TYPES,
    check_choice,
    check_coin,
    check_exp_date,
    check_symbol,
)
from ..endpoints.snapshots import INSTRUMENTS_INFO, ORDERBOOK, RECENT_TRADE, TICKERS
from ..fetch import Query, run

__all__ = ["instruments", "orderbook", "tickers", "trades"]


def orderbook(
    client: Fetcher, symbol: str, category: str = "linear", limit: int | None = None, *, refresh: bool = False
) -> pd.DataFrame:
    """An order-book snapshot as a frame of price levels.

    Calls ``/v5/market/orderbook``.

    Parameters
    ----------
    symbol
        E.g. ``"BTCUSDT"`` or an option ``"BTC-27DEC24-100000-C"``.
    category
        ``"linear"`` (default), ``"inverse"``, ``"spot"`` or ``"option"``.
    limit
        Levels per side: spot/linear/inverse 1-1000 (defaults 1, 25, 25), option 1-25 (default 1).
    refresh
        Accepted for symmetry; order books are never cached.

    Returns
    -------
    pandas.DataFrame
        RangeIndex; columns ``side`` (``"bid"`` then ``"ask"``), ``price``, ``size`` (float64) and
        ``level`` (Int64, 1 = best). Bids descend from the best bid, asks ascend from the best ask.
        ``attrs``: endpoint, category, params, fetched_at, from_cache, symbol, ``ts`` (system time), ``u``
        (update id), ``seq`` (cross sequence), ``cts`` (matching-engine time); times as ISO 8601 UTC text
        (``pd.Timestamp(frame.attrs["ts"])`` reads one).
    """
    checked = ORDERBOOK.check_category(category)
    params: dict[str, Any] = {"category": checked, "symbol": check_symbol(symbol, checked)}
    return run(
        client,
        Query(ORDERBOOK, params, checked, limit=ORDERBOOK.check_limit(limit, checked), refresh=refresh),
    )


def tickers(
    client: Fetcher,
    category: str,
    symbol: str | None = None,
    base_coin: str | None = None,
    exp_date: str | None = None,
    *,
    refresh: bool = False,
) -> pd.DataFrame:
    """Latest price, 24 h statistics, funding and open interest (options: IV and greeks) per symbol.

    Calls ``/v5/market/tickers``.

    Parameters
    ----------
    category
        ``"spot"``, ``"linear"``, ``"inverse"`` or ``"option"``.
    symbol
        One symbol; all symbols of the category when omitted.
    base_coin, exp_date
        Options only: base coin (``"BTC"``; options need ``symbol`` or ``base_coin``) and expiry
        (``"27DEC24"`` or a date).
    refresh
        Ignore a cached answer (tickers are cached for 3 s).

    Returns
    -------
    pandas.DataFrame
        Index ``symbol``. linear/inverse: ``last_price, index_price, mark_price, prev_price24h,
        price24h_pcnt`` (a fraction), ``high_price24h, low_price24h, prev_price1h, open_interest,
        open_interest_value, turnover24h, volume24h, funding_rate, next_funding_time,
        predicted_delivery_price, basis_rate, basis, delivery_fee_rate, delivery_time, bid1_price,
        bid1_size, ask1_price, ask1_size, funding_interval_hour, funding_cap, ...``; option: ``bid1_price,
        bid1_size, bid1_iv, ask1_price, ask1_size, ask1_iv, last_price, mark_price, index_price, mark_iv,
        underlying_price, open_interest, delta, gamma, vega, theta, ...``; spot: ``bid1_price, ...,
        last_price, price24h_pcnt, turnover24h, volume24h, usd_index_price``. Prices float64, times
        ``datetime64[ms, UTC]``. ``attrs``: endpoint, category, params, fetched_at, from_cache.
    """
    checked = TICKERS.check_category(category)
    params = {"category": checked}
    if symbol is not None:
        params["symbol"] = check_symbol(symbol, checked)
    if checked != "option" and (base_coin is not None or exp_date is not None):
        raise ValueError("base_coin and exp_date are only for category='option'")
    if base_coin is not None:
        params["baseCoin"] = check_coin(base_coin)
    if exp_date is not None:
        params["expDate"] = check_exp_date(exp_date, "exp_date")
    if checked == "option" and symbol is None and base_coin is None:
        raise ValueError("option tickers need symbol or base_coin (e.g. base_coin='BTC')")
    return run(client, Query(TICKERS, params, checked, refresh=refresh))


def instruments(
    client: Fetcher,
    category: str,
    symbol: str | None = None,
    base_coin: str | None = None,
    status: str | None = None,
    symbol_type: str | None = None,
    *,
    refresh: bool = False,
    progress: bool | None = None,
    max_pages: int | None = None,
) -> pd.DataFrame:
    """Contract specifications of every instrument of a category (all cursor pages).

    Calls ``/v5/market/instruments-info`` (1000 per page; spot is one page).

    Parameters
    ----------
    category
        ``"spot"``, ``"linear"``, ``"inverse"`` or ``"option"``.
    symbol
        One symbol.
    base_coin
        Not for spot. Bybit defaults options to BTC; linear/inverse return USDT, USDC and inverse
        together.
    status
        ``"PreLaunch"``, ``"Trading"``, ``"Delivering"`` or ``"Closed"`` (default: Trading; options:
        PreLaunch + Trading + Delivering).
    symbol_type
        ``"innovation"``, ``"adventure"``, ``"xstocks"``, ``"commodity"``, ``"stock"`` or ``"forex"``.
    refresh
        Ignore cached pages (instruments are cached for an hour).
    progress
        Show a progress bar for many pages.
    max_pages
        Refuse (``TooManyPagesError``, a ``ValueError``) a call whose cursor pages go on past this many
        (default 10 000), instead of returning part of the answer.

    Returns
    -------
    pandas.DataFrame
        Index ``symbol``; nested filters flattened: linear/inverse ``contract_type, status, base_coin,
        quote_coin, settle_coin, launch_time, delivery_time`` (NaT for perpetuals), ``price_scale``
        (Int64), ``min_leverage, max_leverage, leverage_step, min_price, max_price, tick_size,
        min_order_qty, max_order_qty, qty_step, min_notional_value, funding_interval`` (Int64, minutes),
        ``upper_funding_rate, lower_funding_rate, ...``; option ``options_type, launch_time,
        delivery_time, tick_size, ...``; spot ``base_precision, quote_precision, min_order_amt,
        margin_trading, ...``. ``attrs``: endpoint, category, params, fetched_at, from_cache, pages.
    """
    checked = INSTRUMENTS_INFO.check_category(category)
    params: dict[str, object] = {"category": checked}
    if symbol is not None:
        params["symbol"] = check_symbol(symbol, checked)
    if base_coin is not None:
        if checked == "spot":
            raise ValueError(
                "base_coin is not supported for category='spot'; allowed: linear, inverse, option"
            )
        params["baseCoin"] = check_coin(base_coin)
    params["status"] = check_choice(status, INSTRUMENT_STATUSES, "status")
    params["symbolType"] = check_choice(symbol_type, SYMBOL_TYPES, "symbol_type")
    params = {k: v for k, v in params.items() if v is not None}
    # spot answers one page and takes no limit
    limit = None if checked == "spot" else INSTRUMENTS_INFO.limit_range(checked).hi  # type: ignore[union-attr]
    query = Query(
        INSTRUMENTS_INFO,
        params,
        checked,
        limit=limit,
        refresh=refresh,
        progress=progress,
        max_pages=max_pages,
    )
    return run(client, query)


def trades(
    client: Fetcher,
    symbol: str | None = None,
    category: str = "linear",
    limit: int | None = None,
    base_coin: str | None = None,
    option_type: str | None = None,
    *,
    refresh: bool = False,
) -> pd.DataFrame:
    """The most recent public trades (Bybit serves no older history through this endpoint).

    Calls ``/v5/market/recent-trade``.

    Parameters
    ----------
    symbol
        Required for spot, linear and inverse; optional for options.
    category
        ``"linear"`` (default), ``"inverse"``, ``"spot"`` or ``"option"``.
    limit
        Number of trades: spot 1-60 (default 60), others 1-1000 (default 500).
    base_coin, option_type
        Options only: base coin (Bybit's default BTC) and ``"Call"``/``"Put"``.
    refresh
        Ignore a cached answer (cached for 3 s).

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (trade time, ascending; several trades may share a millisecond, so the index is not
        unique); columns ``exec_id, symbol, side`` (taker side, str), ``price, size`` (float64),
        ``is_block_trade, is_rpi_trade`` (bool), ``seq`` (Int64); options add ``m_p, i_p, m_iv, iv``
        (mark, index, mark IV, trade IV). ``attrs``: endpoint, category, params, fetched_at, from_cache.
    """
    checked = RECENT_TRADE.check_category(category)
    params: dict[str, object] = {"category": checked}
    if symbol is not None:
        params["symbol"] = check_symbol(symbol, checked)
    elif checked != "option":
        raise ValueError(f"symbol is required for category {checked!r} (optional only for 'option')")
    if checked != "option" and (base_coin is not None or option_type is not None):
        raise ValueError("base_coin and option_type are only for category='option'")
    if base_coin is not None:
        params["baseCoin"] = check_coin(base_coin)
    params["optionType"] = check_choice(option_type, ("Call", "Put"), "option_type")
    params = {k: v for k, v in params.items() if v is not None}
    limit = RECENT_TRADE.check_limit(limit, checked)
    return run(client, Query(RECENT_TRADE, params, checked, limit=limit, refresh=refresh))
