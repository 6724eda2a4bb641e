"""Reference-data market functions: insurance, risk limits, delivery prices (and the latest option delivery
prices), price limits, server time."""

from __future__ import annotations

import pandas as pd

from ..core.fetcher import Fetcher
from ..endpoints.checks import check_choice, check_coin, check_symbol
from ..endpoints.reference import (
    DELIVERY_PRICE,
    INSURANCE,
    NEW_DELIVERY_PRICE,
    PRICE_LIMIT,
    RISK_LIMIT,
    SERVER_TIME,
)
from ..fetch import Query, run
from ..frames.attrs import iso_ms

__all__ = ["delivery_prices", "insurance", "new_delivery_prices", "price_limit", "risk_limits", "server_time"]

#: the settle coins of options (``settleCoin`` of the delivery prices)
OPTION_SETTLE_COINS = ("USDT", "USDC")


def insurance(client: Fetcher, coin: str | None = None, *, refresh: bool = False) -> pd.DataFrame:
    """Insurance-pool balances.

    Calls ``/v5/market/insurance``.

    Parameters
    ----------
    coin
        One coin (``"USDT"``); all pools when omitted.
    refresh
        Ignore a cached answer (cached for 60 s).

    Returns
    -------
    pandas.DataFrame
        RangeIndex (one row per pool; a coin may have several); columns ``coin``, ``symbols``
        (comma-joined; several = shared pool), ``balance`` (in ``coin``), ``value`` (USD) and
        ``updated_time``. ``attrs``: endpoint, params, fetched_at, from_cache, updated_time.
    """
    params = {} if coin is None else {"coin": check_coin(coin, "coin")}
    frame = run(client, Query(INSURANCE, params, refresh=refresh))
    updated = frame["updated_time"].max() if len(frame) else None
    frame.attrs["updated_time"] = None if updated is None or pd.isna(updated) else iso_ms(updated)
    return frame


def risk_limits(
    client: Fetcher,
    category: str = "linear",
    symbol: str | None = None,
    *,
    refresh: bool = False,
    progress: bool | None = None,
    max_pages: int | None = None,
) -> pd.DataFrame:
    """Risk-limit tiers (all cursor pages).

    Calls ``/v5/market/risk-limit``.

    Parameters
    ----------
    category
        ``"linear"`` (default) or ``"inverse"``.
    symbol
        One symbol; every symbol when omitted.
    refresh
        Ignore cached pages (cached for an hour).
    progress
        Show a progress bar for many pages.
    max_pages
        Refuse (``TooManyPagesError``, a ``ValueError``) a call whose cursor pages go on past this many
        (default 10 000), instead of returning part of the answer.

    Returns
    -------
    pandas.DataFrame
        Index ``symbol`` (one row per tier, so not unique); columns ``id`` (Int64), ``risk_limit_value``,
        ``maintenance_margin``, ``initial_margin`` (rates), ``max_leverage``, ``mm_deduction`` (float64)
        and ``is_lowest_risk`` (Int64, 1/0). MM = position value x MMR - mm_deduction. ``attrs``:
        endpoint, category, params, fetched_at, from_cache, pages.
    """
    checked = RISK_LIMIT.check_category(category)
    params = {"category": checked}
    if symbol is not None:
        params["symbol"] = check_symbol(symbol, checked)
    query = Query(RISK_LIMIT, params, checked, refresh=refresh, progress=progress, max_pages=max_pages)
    return run(client, query)


def delivery_prices(
    client: Fetcher,
    category: str,
    symbol: str | None = None,
    base_coin: str | None = None,
    settle_coin: str | None = None,
    *,
    refresh: bool = False,
    progress: bool | None = None,
    max_pages: int | None = None,
) -> pd.DataFrame:
    """Delivery (settlement) prices of expired futures and options (all cursor pages).

    Calls ``/v5/market/delivery-price`` (200 per page).

    Parameters
    ----------
    category
        ``"linear"``, ``"inverse"`` or ``"option"``.
    symbol
        One symbol. Without it, options return only symbols now delivering (08:00-12:00 UTC).
    base_coin
        Options only (Bybit's default BTC).
    settle_coin
        ``"USDC"`` (Bybit's default) or ``"USDT"``.
    refresh
        Ignore cached pages (cached for 5 minutes).
    progress
        Show a progress bar for many pages.
    max_pages
        Refuse (``TooManyPagesError``, a ``ValueError``) a call whose cursor pages go on past this many
        (default 10 000), instead of returning part of the answer.

    Returns
    -------
    pandas.DataFrame
        Index ``symbol``; columns ``delivery_price`` (float64) and ``delivery_time`` (``datetime64[ms,
        UTC]``). ``attrs``: endpoint, category, params, fetched_at, from_cache, pages.
    """
    checked = DELIVERY_PRICE.check_category(category)
    params: dict[str, object] = {"category": checked}
    if symbol is not None:
        params["symbol"] = check_symbol(symbol, checked)
    if base_coin is not None:
        if checked != "option":
            raise ValueError("base_coin is only for category='option'")
        params["baseCoin"] = check_coin(base_coin)
    if settle_coin is not None:
        params["settleCoin"] = check_choice(
            check_coin(settle_coin, "settle_coin"), ("USDC", "USDT"), "settle_coin"
        )
    query = Query(DELIVERY_PRICE, params, checked, refresh=refresh, progress=progress, max_pages=max_pages)
    return run(client, query)


def new_delivery_prices(
    client: Fetcher, base_coin: str, settle_coin: str | None = None, *, refresh: bool = False
) -> pd.DataFrame:
    """The latest delivery prices of a base coin's options (Bybit's 50 most recent), oldest first.

    Calls ``/v5/market/new-delivery-price`` (``category=option``).

    Parameters
    ----------
    base_coin
        E.g. ``"BTC"``.
    settle_coin
        ``"USDT"`` (Bybit's default) or ``"USDC"``.
    refresh
        Ignore a cached answer (cached for 5 minutes).

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (``deliveryTime``, ascending, ``datetime64[ms, UTC]``); column ``delivery_price``
        (float64). ``attrs``: endpoint, category, params, fetched_at, server_time, from_cache.
    """
    params: dict[str, object] = {"category": "option", "baseCoin": check_coin(base_coin)}
    if settle_coin is not None:
        params["settleCoin"] = check_choice(
            check_coin(settle_coin, "settle_coin"), OPTION_SETTLE_COINS, "settle_coin"
        )
    return run(client, Query(NEW_DELIVERY_PRICE, params, "option", refresh=refresh))


def price_limit(
    client: Fetcher, symbol: str, category: str = "linear", *, refresh: bool = False
) -> pd.DataFrame:
    """The order price limits of a symbol now: highest allowed bid and lowest allowed ask.

    Calls ``/v5/market/price-limit``.

    Parameters
    ----------
    symbol
        E.g. ``"BTCUSDT"``.
    category
        ``"linear"`` (default), ``"inverse"`` or ``"spot"``.
    refresh
        Accepted for symmetry; price limits are never cached.

    Returns
    -------
    pandas.DataFrame
        One row indexed by ``symbol``; columns ``buy_lmt``, ``sell_lmt`` (float64) and ``ts``
        (``datetime64[ms, UTC]``). ``attrs``: endpoint, category, params, fetched_at, from_cache.
    """
    checked = PRICE_LIMIT.check_category(category)
    params = {"category": checked, "symbol": check_symbol(symbol, checked)}
    return run(client, Query(PRICE_LIMIT, params, checked, refresh=refresh))


def server_time(client: Fetcher) -> pd.Timestamp:
    """The exchange's clock.

    Calls ``/v5/market/time`` (never cached).

    Returns
    -------
    pandas.Timestamp
        UTC, nanosecond precision (``timeNano``).
    """
    frame = run(client, Query(SERVER_TIME, {}))
    if frame.empty:
        raise ValueError("/v5/market/time answered no time")
    row = frame.iloc[0]
    if not pd.isna(row.get("time_nano")):
        return pd.Timestamp(int(row["time_nano"]), unit="ns", tz="UTC")
    return pd.Timestamp(int(row["time_second"]), unit="s", tz="UTC")
