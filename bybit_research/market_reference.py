"""Reference-data market functions: insurance, risk limits, delivery prices, price limits, server time."""

from __future__ import annotations

import pandas as pd

from .endpoints.market import DELIVERY_PRICE, INSURANCE, PRICE_LIMIT, RISK_LIMIT, SERVER_TIME
from .market_core import FetchingClient, check_choice, check_coin, check_symbol, collect, finish, frame_of

__all__ = ["ReferenceMixin"]


class ReferenceMixin(FetchingClient):
    """Insurance, risk-limit, delivery-price, price-limit and server-time methods of ``Client``."""

    def insurance(self, coin: str | None = None, *, refresh: bool = False) -> pd.DataFrame:
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
        pages = collect(self, INSURANCE, params, refresh=refresh)
        frame = frame_of(INSURANCE, pages, None)
        updated = frame["updated_time"].max() if len(frame) else None
        return finish(frame, INSURANCE, None, params, pages, updated_time=updated)

    def risk_limits(
        self,
        category: str = "linear",
        symbol: str | None = None,
        *,
        refresh: bool = False,
        progress: bool | None = None,
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

        Returns
        -------
        pandas.DataFrame
            Index ``symbol`` (one row per tier, so not unique); columns ``id`` (Int64), ``risk_limit_value``,
            ``maintenance_margin``, ``initial_margin`` (rates), ``max_leverage``, ``mm_deduction`` (float64)
            and ``is_lowest_risk`` (Int64, 1/0). MM = position value x MMR - mm_deduction. ``attrs``:
            endpoint, category, params, fetched_at, from_cache, pages.
        """
        category = RISK_LIMIT.check_category(category)  # type: ignore[assignment]
        params = {"category": category}
        if symbol is not None:
            params["symbol"] = check_symbol(symbol, category)
        pages = collect(self, RISK_LIMIT, params, cursor=True, refresh=refresh, progress=progress)
        return finish(frame_of(RISK_LIMIT, pages, category), RISK_LIMIT, category, params, pages)

    def delivery_prices(
        self,
        category: str,
        symbol: str | None = None,
        base_coin: str | None = None,
        settle_coin: str | None = None,
        *,
        refresh: bool = False,
        progress: bool | None = None,
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

        Returns
        -------
        pandas.DataFrame
            Index ``symbol``; columns ``delivery_price`` (float64) and ``delivery_time`` (``datetime64[ms,
            UTC]``). ``attrs``: endpoint, category, params, fetched_at, from_cache, pages.
        """
        category = DELIVERY_PRICE.check_category(category)  # type: ignore[assignment]
        params: dict[str, object] = {"category": category}
        if symbol is not None:
            params["symbol"] = check_symbol(symbol, category)
        if base_coin is not None:
            if category != "option":
                raise ValueError("base_coin is only for category='option'")
            params["baseCoin"] = check_coin(base_coin)
        if settle_coin is not None:
            params["settleCoin"] = check_choice(
                check_coin(settle_coin, "settle_coin"), ("USDC", "USDT"), "settle_coin"
            )
        params["limit"] = DELIVERY_PRICE.limit_range(category).hi  # type: ignore[union-attr]
        pages = collect(self, DELIVERY_PRICE, params, cursor=True, refresh=refresh, progress=progress)
        return finish(frame_of(DELIVERY_PRICE, pages, category), DELIVERY_PRICE, category, params, pages)

    def price_limit(self, symbol: str, category: str = "linear", *, refresh: bool = False) -> pd.DataFrame:
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
        category = PRICE_LIMIT.check_category(category)  # type: ignore[assignment]
        params = {"category": category, "symbol": check_symbol(symbol, category)}
        pages = collect(self, PRICE_LIMIT, params, refresh=refresh)
        return finish(frame_of(PRICE_LIMIT, pages, category), PRICE_LIMIT, category, params, pages)

    def server_time(self) -> pd.Timestamp:
        """The exchange's clock.

        Calls ``/v5/market/time`` (never cached).

        Returns
        -------
        pandas.Timestamp
            UTC, nanosecond precision (``timeNano``).
        """
        pages = collect(self, SERVER_TIME, {})
        result = pages[0].reply.result or {}
        if result.get("timeNano"):
            return pd.Timestamp(int(result["timeNano"]), unit="ns", tz="UTC")
        return pd.Timestamp(int(result["timeSecond"]), unit="s", tz="UTC")
