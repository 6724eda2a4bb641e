"""The account's trading setup: the instruments it may trade (with their RPI flags), its trade-behaviour
settings, the API key it signs with, the spot-margin borrowing tiers and the analysis of its spot fills."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..core.fetcher import Fetcher
from ..core.time import TimeLike, checked_range
from ..endpoints.checks import check_coin, check_symbol
from ..endpoints.settings import (
    ACCOUNT_INSTRUMENTS,
    API_KEY_INFO,
    SPOT_MARGIN_TIERS,
    SPOT_TRADE_ANALYSIS,
    USER_SETTING_CONFIG,
)
from ..fetch import Query, run

__all__ = ["account_instruments", "api_key_info", "spot_margin_tiers", "spot_trade_analysis", "user_settings"]


def account_instruments(
    client: Fetcher, category: str, symbol: str | None = None, *, refresh: bool = False
) -> pd.DataFrame:
    """The instruments of a category as the account may trade them, with whether RPI quoting is enabled.

    Calls ``/v5/account/instruments-info`` (200 per cursor page; spot is one page).

    Parameters
    ----------
    category
        ``"spot"``, ``"linear"`` or ``"inverse"``.
    symbol
        One symbol.
    refresh
        Ignore a cached answer (private answers are cached only with ``cache_private=True``).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`~bybit_research.market.snapshots.instruments` for the category (index
        ``symbol``; ``contract_type``, ``status``, ``tick_size``, ``min_order_qty``, ``max_leverage``, ...;
        linear/inverse also ``full_name``, ``market_region``, ``underlying_ticker``) and bool
        ``is_public_rpi`` (RPI orders enabled for the symbol; Bybit may be an hour late) and
        ``my_rpi_permission`` (deprecated: equals ``is_public_rpi``). ``attrs``: endpoint, category, params,
        fetched_at, server_time, from_cache, pages.
    """
    checked = ACCOUNT_INSTRUMENTS.check_category(category)
    params: dict[str, Any] = {"category": checked}
    if symbol is not None:
        params["symbol"] = check_symbol(symbol, checked)
    # the engine asks the largest pages the category takes (spot: one page, no limit)
    return run(client, Query(ACCOUNT_INSTRUMENTS, params, checked, refresh=refresh))


def user_settings(client: Fetcher) -> pd.DataFrame:
    """How the account's orders priced beyond the price limits are treated, and its delta-neutral mode.

    Calls ``/v5/account/user-setting-config``.

    Returns
    -------
    pandas.DataFrame
        One row (RangeIndex); ``lpa_spot`` (spot: True adjusts such an order's price to the limit, False
        rejects it), ``lpa_perp`` (futures: True rejects, False adjusts), ``smsef``, ``fmsef`` and
        ``delta_enable`` (delta-neutral mode on), bool (``boolean`` where Bybit sends text). ``attrs``:
        endpoint, params, fetched_at, server_time, from_cache.
    """
    return run(client, Query(USER_SETTING_CONFIG, {}))


def api_key_info(client: Fetcher) -> pd.DataFrame:
    """The API key the client signs with: its permissions, read-only flag, validity and account.

    Calls ``/v5/user/query-api`` (never cached: the answer names the key).

    Returns
    -------
    pandas.DataFrame
        One row (RangeIndex); ``id``, ``note``, ``api_key`` (str), ``read_only`` (Int64, 1 = read only),
        ``permissions`` (JSON text of ``{group: [actions]}``: ``json.loads`` gives it back), ``ips`` (JSON
        text of the bound IPs), ``type`` (1 personal, 2 third-party app), ``deadline_day`` (days left),
        ``expired_at`` and ``created_at`` (``datetime64[ms, UTC]``, from Bybit's ISO text), ``unified``,
        ``uta`` (Int64, 1 = unified trading account), ``user_id``, ``inviter_id``, ``affiliate_id``
        (Int64), ``vip_level``, ``mkt_maker_level``; ``secret`` is always empty. ``attrs``: endpoint,
        params, fetched_at, server_time, from_cache.
    """
    frame = run(client, Query(API_KEY_INFO, {}))
    for name in ("expired_at", "created_at"):
        frame[name] = pd.to_datetime(frame[name], utc=True, format="ISO8601", errors="coerce").astype(
            "datetime64[ms, UTC]"
        )
    return frame


def spot_margin_tiers(client: Fetcher, currency: str | None = None) -> pd.DataFrame:
    """The borrowing tiers of spot margin per coin: cumulative borrowing limits and their margin rates.

    Calls ``/v5/spot-margin-trade/position-tiers``.

    Parameters
    ----------
    currency
        One coin; every configured coin when omitted.

    Returns
    -------
    pandas.DataFrame
        Index ``currency`` (one row per tier, smallest first, so not unique); ``tier`` (Int64), float64
        ``borrow_limit`` (cumulative, in the coin), ``position_mmr``, ``position_imr`` (maintenance and
        initial margin rates of the loan) and ``max_leverage``. ``attrs``: endpoint, params, fetched_at,
        server_time, from_cache.
    """
    params = {} if currency is None else {"currency": check_coin(currency, "currency")}
    return run(client, Query(SPOT_MARGIN_TIERS, params))


def spot_trade_analysis(
    client: Fetcher, symbol: str, start: TimeLike | None = None, end: TimeLike | None = None
) -> pd.DataFrame:
    """The account's spot fills of one symbol in a range, summed per day, with the range's totals.

    Calls ``/v5/account/trade-info-for-analysis``.

    Parameters
    ----------
    symbol
        A spot symbol, e.g. ``"BTCUSDT"``.
    start, end
        Range ``[start, end)``: str, datetime, pd.Timestamp or epoch ms; naive times are UTC. Bybit's
        default when omitted (the last 7 days).

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (the day, ``datetime64[ms, UTC]``, ascending), columns ``day`` (Bybit's text of it),
        float64 ``sum_buy_exec_value``, ``sum_sell_exec_value``, ``sum_exec_value``. ``attrs["summary"]``:
        the range's totals (``symbol_rnl`` realised P&L, ``net_exec_qty``, ``sum_exec_value``,
        ``sum_exec_qty``, ``avg_buy_exec_price``, ``sum_buy_exec_value``, ``sum_buy_exec_qty``,
        ``sum_buy_exec_fee``, ``sum_buy_order_qty``, the same for sells, ``max_margin_version``,
        ``base_coin``, ``settle_coin``); endpoint, params, fetched_at, server_time, from_cache.
    """
    params: dict[str, Any] = {"symbol": check_symbol(symbol, "spot")}
    start_ms, end_ms = checked_range(start, end)
    if start_ms is not None:
        params["startTime"] = start_ms
    if end_ms is not None:
        params["endTime"] = end_ms - 1  # V5's end is inclusive
    frame = run(client, Query(SPOT_TRADE_ANALYSIS, params))
    days = pd.to_datetime(frame["day"], utc=True, format="ISO8601", errors="coerce").astype(
        "datetime64[ms, UTC]"
    )
    frame.index = pd.DatetimeIndex(days, name="time")
    return frame.sort_index(kind="stable")
