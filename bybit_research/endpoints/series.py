"""Entries of the public time series: the four kline flavours, funding, open interest, long/short ratio and
historical volatility (reference §4)."""

from __future__ import annotations

from ..core.units import DAY_MS, HOUR_MS, MINUTE_MS, WEEK_MS
from .spec import (
    FLOAT,
    HISTORY,
    INT,
    STR,
    TIME,
    TWO_YEARS_MS,
    Endpoint,
    IndexKind,
    LimitRange,
    Paging,
    Schema,
    Shape,
)

#: kline interval -> candle length in ms; "M" (calendar month) is 0
KLINE_INTERVALS: dict[str, int] = {
    **{str(m): m * MINUTE_MS for m in (1, 3, 5, 15, 30, 60, 120, 240, 360, 720)},
    "D": DAY_MS,
    "W": WEEK_MS,
    "M": 0,
}
#: open-interest ``intervalTime`` and long/short ``period`` values -> length in ms
SERIES_INTERVALS: dict[str, int] = {
    "5min": 5 * MINUTE_MS,
    "15min": 15 * MINUTE_MS,
    "30min": 30 * MINUTE_MS,
    "1h": HOUR_MS,
    "4h": 4 * HOUR_MS,
    "1d": DAY_MS,
}
#: historical-volatility ``period`` (days) per base coin; other coins are checked by the exchange
HV_PERIODS: dict[str, tuple[int, ...]] = {
    "BTC": (7, 14, 21, 30, 60, 90, 180, 270),
    "ETH": (7, 14, 21, 30, 60, 90, 180, 270),
    "SOL": (7, 14, 21, 30, 60, 90),
}
HV_MAX_SPAN_MS = 30 * DAY_MS

_PRICE_FIELDS = ("startTime", "open", "high", "low", "close")
_OHLC: Schema = {"startTime": TIME, "open": FLOAT, "high": FLOAT, "low": FLOAT, "close": FLOAT}
_KLINE_LIMIT = LimitRange(1, 1000, 200)


def _price_kline(name: str, categories: tuple[str, ...], limits: dict[str, LimitRange]) -> Endpoint:
    return Endpoint(
        name=name,
        path=f"/v5/market/{name}",
        categories=categories,
        default_category="linear",
        paging=Paging.KLINE,
        shape=Shape.ROWS,
        limits=limits,
        time_params=("start", "end"),
        index="startTime",
        index_kind=IndexKind.TIME,
        schemas={"*": _OHLC},
        row_fields=_PRICE_FIELDS,
        cache=HISTORY,
        interval_param="interval",
        intervals=KLINE_INTERVALS,
    )


KLINE = Endpoint(
    name="kline",
    path="/v5/market/kline",
    categories=("spot", "linear", "inverse"),
    default_category="linear",
    paging=Paging.KLINE,
    shape=Shape.ROWS,
    limits={"*": _KLINE_LIMIT},
    time_params=("start", "end"),
    index="startTime",
    index_kind=IndexKind.TIME,
    schemas={"*": {**_OHLC, "volume": FLOAT, "turnover": FLOAT}},
    row_fields=(*_PRICE_FIELDS, "volume", "turnover"),
    cache=HISTORY,
    interval_param="interval",
    intervals=KLINE_INTERVALS,
)
MARK_PRICE_KLINE = _price_kline(
    "mark-price-kline",
    ("linear", "inverse", "option"),
    {"*": _KLINE_LIMIT, "option": LimitRange(1, 500, 200)},
)
INDEX_PRICE_KLINE = _price_kline("index-price-kline", ("linear", "inverse"), {"*": _KLINE_LIMIT})
PREMIUM_INDEX_PRICE_KLINE = _price_kline("premium-index-price-kline", ("linear",), {"*": _KLINE_LIMIT})

FUNDING_HISTORY = Endpoint(
    name="funding/history",
    path="/v5/market/funding/history",
    categories=("linear", "inverse"),
    paging=Paging.BACKWARDS,
    limits={"*": LimitRange(1, 200, 200)},
    time_params=("startTime", "endTime"),
    index="fundingRateTimestamp",
    index_kind=IndexKind.TIME,
    schemas={"*": {"symbol": STR, "fundingRate": FLOAT, "fundingRateTimestamp": TIME}},
    cache=HISTORY,
)

OPEN_INTEREST = Endpoint(
    name="open-interest",
    path="/v5/market/open-interest",
    categories=("linear", "inverse"),
    paging=Paging.INTERVAL_WINDOWS,
    cursor=True,
    limits={"*": LimitRange(1, 200, 50)},
    time_params=("startTime", "endTime"),
    index="timestamp",
    index_kind=IndexKind.TIME,
    schemas={"*": {"openInterest": FLOAT, "singleOpenInterest": FLOAT, "timestamp": TIME}},
    cache=HISTORY,
    interval_param="intervalTime",
    intervals=SERIES_INTERVALS,
)

HISTORICAL_VOLATILITY = Endpoint(
    name="historical-volatility",
    path="/v5/market/historical-volatility",
    categories=("option",),
    default_category="option",
    paging=Paging.SLIDING,
    shape=Shape.ARRAY,
    time_params=("startTime", "endTime"),
    index="time",
    index_kind=IndexKind.TIME,
    schemas={"*": {"period": INT, "value": FLOAT, "time": TIME}},
    cache=HISTORY,
    intervals={"1h": HOUR_MS},
    max_span_ms=HV_MAX_SPAN_MS,
    lookback_ms=TWO_YEARS_MS,
)

ACCOUNT_RATIO = Endpoint(
    name="account-ratio",
    path="/v5/market/account-ratio",
    categories=("linear", "inverse"),
    paging=Paging.INTERVAL_WINDOWS,
    cursor=True,
    limits={"*": LimitRange(1, 500, 50)},
    time_params=("startTime", "endTime"),
    index="timestamp",
    index_kind=IndexKind.TIME,
    schemas={"*": {"symbol": STR, "buyRatio": FLOAT, "sellRatio": FLOAT, "timestamp": TIME}},
    cache=HISTORY,
    interval_param="period",
    intervals=SERIES_INTERVALS,
)

SERIES_ENDPOINTS: tuple[Endpoint, ...] = (
    KLINE,
    MARK_PRICE_KLINE,
    INDEX_PRICE_KLINE,
    PREMIUM_INDEX_PRICE_KLINE,
    FUNDING_HISTORY,
    OPEN_INTEREST,
    HISTORICAL_VOLATILITY,
    ACCOUNT_RATIO,
)
