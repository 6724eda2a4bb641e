"""The vocabulary of the endpoint table: column kinds, paging styles, result shapes, limits and cache policy.

An :class:`Endpoint` is pure data. Frames (:mod:`bybit_research.frames`), paging
(:mod:`bybit_research.paging`), argument validation and cache expiry all read it, so supporting a new V5
endpoint means adding one entry."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ..core.expiry import DO_NOT_CACHE, NEVER_EXPIRE
from ..core.units import DAY_MS, MINUTE_MS

__all__ = [
    "BOOL",
    "FLOAT",
    "INT",
    "JSON",
    "OBJECT",
    "STR",
    "TIME",
    "TWO_YEARS_MS",
    "CachePolicy",
    "Endpoint",
    "Explode",
    "IndexKind",
    "LimitRange",
    "Paging",
    "Schema",
    "Shape",
    "floats",
    "private_history",
]

# Column kinds of the V5 fields (a nested object is described by a nested schema mapping instead of a kind).
#: numeric string (or number) -> float64
FLOAT = "float"
#: integer (JSON number or digit string) -> Int64
INT = "int"
#: epoch milliseconds -> datetime64[ms, UTC]; "0" and "" -> NaT
TIME = "time_ms"
#: JSON boolean -> bool (boolean when some are missing)
BOOL = "bool"
#: identifier or enum text -> str; "" -> missing
STR = "str"
#: kept as the Python object (lists of records, such as a pre-listing's phases)
OBJECT = "object"
#: a map whose keys vary from row to row (``cumFeeDetail``: coin -> amount) -> its JSON text (``str``): one
#: dtype whatever the data, and lossless through Parquet and Feather (``json.loads`` gives the map back)
JSON = "json"

KINDS = frozenset({FLOAT, INT, TIME, BOOL, STR, OBJECT, JSON})

#: V5 field -> kind, or -> nested Schema for an object flattened into leaf columns
Schema = Mapping[str, Any]


class Paging(enum.Enum):
    """How a request that spans more than one page is split."""

    #: one request
    NONE = "none"
    #: aligned windows of ``limit`` candles of the kline interval (``start``/``end``)
    KLINE = "kline"
    #: follow ``nextPageCursor`` until it is empty
    CURSOR = "cursor"
    #: aligned windows of ``limit`` records of the series' interval, cursor followed inside each window
    INTERVAL_WINDOWS = "interval_windows"
    #: backwards by ``endTime = oldest - 1`` (funding history)
    BACKWARDS = "backwards"
    #: aligned windows of at most ``max_span_ms`` (historical volatility, 7-/30-day private histories)
    SLIDING = "sliding"


class Shape(enum.Enum):
    """Where the rows are in ``result``."""

    #: ``result[result_key]`` is a list of objects
    LIST = "list"
    #: ``result[result_key]`` is a list of arrays, named by ``Endpoint.row_fields`` (klines)
    ROWS = "rows"
    #: ``result`` is ``{s, b: [[price, size]], a: [...], ts, u, seq, cts}``
    ORDERBOOK = "orderbook"
    #: ``result`` itself is the list (historical volatility)
    ARRAY = "array"
    #: ``result`` is one object, one row (price limit, account info)
    OBJECT = "object"
    #: ``result`` is ``{timeSecond, timeNano}``
    SERVER_TIME = "server_time"
    #: ``result.list[0]`` holds account fields and an array of per-coin rows (wallet balance)
    WALLET = "wallet"


class IndexKind(enum.Enum):
    """What the frame is indexed by."""

    #: ``DatetimeIndex`` named ``time`` (ascending)
    TIME = "time"
    #: the key field (``symbol``, ``coin``, ...) as the index, named by its snake_case name (snapshots)
    KEY = "key"
    #: a plain ``RangeIndex`` (order books, insurance pools, account rows)
    RANGE = "range"


@dataclass(frozen=True)
class LimitRange:
    """The documented ``limit`` range of one endpoint (and category)."""

    lo: int
    hi: int
    default: int

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and self.lo <= value <= self.hi


@dataclass(frozen=True)
class Explode:
    """Rows nested inside each row of an answer: every object of the list at one of ``paths`` becomes a row
    of its own, carrying the fields of the rows it is nested in (tiers of a coin, levels of a fee group).

    A path is the keys from a row down to a list of objects; keys before the last may lead through objects
    or through lists of objects (each in turn): ``("categories", "coinDetail")``. Lists under other paths
    of the same object are not carried along. A row (or an object on the way) with no object under any
    path stays one row, its nested fields missing. ``label`` names a field holding the last key of the path
    a row came from (a fee group's ``pro`` / ``marketMaker`` levels). ``rename`` maps ``"<key>.<field>"``
    to the name a field of the objects at ``key`` takes in the rows (a category's ``equity`` beside its
    coins' ``equity``: ``{"categories.equity": "categoryEquity"}``); a field still named like one nested
    below it is renamed after the key of the object it came from (``rowEquity`` for a field of the row
    itself), so nothing is overwritten.
    """

    paths: tuple[tuple[str, ...], ...]
    label: str | None = None
    rename: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.paths or not all(self.paths):
            raise ValueError("Explode needs at least one non-empty path")
        object.__setattr__(self, "rename", MappingProxyType(dict(self.rename)))


@dataclass(frozen=True)
class CachePolicy:
    """Cache expiry in seconds (or the constants of :mod:`bybit_research.core.expiry`).

    ``live`` applies to snapshots and to pages that reach "now"; ``closed`` to pages wholly in the past, at
    least ``settle_ms`` before now (``None`` for endpoints without history, which always use ``live``)."""

    live: float
    closed: float | None = None
    settle_ms: int = MINUTE_MS

    def expire_after(self, window_end_ms: int | None, now_ms: int) -> float:
        """Return the expiry of a page with times before ``window_end_ms``, as seen at ``now_ms``: closed once
        the window ended ``settle_ms`` ago (late records have arrived by then)."""
        if self.closed is not None and window_end_ms is not None and window_end_ms + self.settle_ms <= now_ms:
            return self.closed
        return self.live


#: snapshots that change every second
LIVE = CachePolicy(live=DO_NOT_CACHE)
#: short-lived snapshots (tickers, trades)
SECONDS = CachePolicy(live=3.0)
#: reference data (instruments, risk limits)
HOURLY = CachePolicy(live=3600.0)
#: history: closed pages forever, the page reaching now a few seconds
HISTORY = CachePolicy(live=5.0, closed=NEVER_EXPIRE)
#: the account's history (when private answers are cached at all): a window is closed ten minutes after it
#: ended, when executions, fees and funding booked late have arrived
ACCOUNT_HISTORY = CachePolicy(live=5.0, closed=NEVER_EXPIRE, settle_ms=10 * MINUTE_MS)


@dataclass(frozen=True)
class Endpoint:
    """One V5 GET endpoint as data.

    Attributes
    ----------
    name
        Short name, e.g. ``"kline"``.
    path
        V5 path, e.g. ``"/v5/market/kline"``.
    categories
        Allowed ``category`` values; empty when the endpoint takes no category.
    default_category
        Category used when none is given; ``None`` with non-empty ``categories`` means it is required.
    auth
        Private (signed) endpoint.
    paging
        How long ranges are split (:class:`Paging`).
    shape, result_key
        Where the rows are (:class:`Shape`; ``result_key`` for list shapes, keys joined by ``"."`` for a
        list inside an object: ``"collateralInfo.collateralList"``).
    limits
        ``limit`` ranges per category (key ``"*"`` for all); empty when the endpoint has no ``limit``.
    time_params
        Names of the start/end parameters: ``("start", "end")`` or ``("startTime", "endTime")``.
    index, index_kind
        V5 field that becomes the index, and the index's kind (:class:`IndexKind`).
    unique_index
        Whether duplicate index values are dropped (trades and risk tiers keep theirs).
    schemas
        Column schema per category (key ``"*"`` for all): V5 field -> kind or nested schema; order = column
        order.
    row_fields
        Names of the array positions of :attr:`Shape.ROWS` rows.
    cache
        Expiry policy (:class:`CachePolicy`).
    interval_param, intervals
        Name of the interval parameter and its allowed values -> length in ms (0 = calendar month).
    max_span_ms
        Longest ``[start, end]`` one request may span (sliding windows).
    cursor
        Whether answers carry ``nextPageCursor`` to follow (within each window of windowed pagings).
    lookback_ms
        How far back the exchange keeps the history (e.g. two years); earlier ranges are refused.
    id_fields
        Fields that identify a row (e.g. ``execId``): rows repeated across pages or windows are kept once.
    row_extras
        Fields of ``result`` beside the rows that belong to every row (a position list's ``category``): each
        row gets them as columns.
    summary
        Schema of the fields of ``result`` that describe the whole answer rather than a row (the wallet's
        account totals): typed into ``attrs["summary"]``.
    explode
        Rows nested inside the rows (:class:`Explode`): each becomes a row with its parents' fields; the
        schema names the flattened fields.
    """

    name: str
    path: str
    categories: tuple[str, ...] = ()
    default_category: str | None = None
    auth: bool = False
    paging: Paging = Paging.NONE
    shape: Shape = Shape.LIST
    result_key: str = "list"
    limits: Mapping[str, LimitRange] = field(default_factory=dict)
    time_params: tuple[str, str] | None = None
    index: str | None = None
    index_kind: IndexKind = IndexKind.RANGE
    unique_index: bool = True
    schemas: Mapping[str, Schema] = field(default_factory=dict)
    row_fields: tuple[str, ...] = ()
    cache: CachePolicy = HOURLY
    interval_param: str | None = None
    intervals: Mapping[str, int] = field(default_factory=dict)
    max_span_ms: int | None = None
    cursor: bool = False
    lookback_ms: int | None = None
    id_fields: tuple[str, ...] = ()
    row_extras: tuple[str, ...] = ()
    summary: Schema = field(default_factory=dict)
    explode: Explode | None = None

    def __post_init__(self) -> None:
        if self.paging in (Paging.CURSOR, Paging.INTERVAL_WINDOWS) and not self.cursor:
            raise ValueError(f"endpoint {self.name}: {self.paging.name} paging follows cursors (cursor=True)")
        if self.paging is Paging.SLIDING and (self.max_span_ms is None or self.time_params is None):
            raise ValueError(f"endpoint {self.name}: sliding windows need max_span_ms and time_params")
        object.__setattr__(self, "limits", MappingProxyType(dict(self.limits)))
        object.__setattr__(self, "schemas", MappingProxyType(dict(self.schemas)))
        object.__setattr__(self, "intervals", MappingProxyType(dict(self.intervals)))
        object.__setattr__(self, "summary", MappingProxyType(dict(self.summary)))
        for schema in (*self.schemas.values(), self.summary):
            _check_schema(self.name, schema)

    def check_category(self, category: object) -> str | None:
        """Return the category to use (any case accepted: ``"Linear"`` -> ``"linear"``), or raise
        ``ValueError`` naming the allowed ones."""
        if not self.categories:
            if category is not None:
                raise ValueError(f"{self.path} takes no category, got category={category!r}")
            return None
        if category is None:
            if self.default_category is None:
                raise ValueError(f"{self.path} needs a category, one of {_names(self.categories)}")
            return self.default_category
        if isinstance(category, str) and category.strip().lower() in self.categories:
            return category.strip().lower()
        raise ValueError(
            f"category {category!r} is not supported by {self.path}; allowed: {_names(self.categories)}"
        )

    def limit_range(self, category: str | None) -> LimitRange | None:
        """Return the ``limit`` range for ``category`` (``None`` when the endpoint takes no limit)."""
        if category is not None and category in self.limits:
            return self.limits[category]
        return self.limits.get("*")

    def check_limit(self, limit: int | None, category: str | None) -> int | None:
        """Return ``limit`` checked against the documented range (``None`` stays ``None``)."""
        if limit is None:
            return None
        allowed = self.limit_range(category)
        if allowed is None:
            raise ValueError(f"{self.path} takes no limit, got limit={limit!r}")
        if limit not in allowed:
            where = f" for category {category!r}" if category else ""
            raise ValueError(
                f"limit must be an integer in [{allowed.lo}, {allowed.hi}]{where} ({self.path}), "
                f"got {limit!r}"
            )
        return limit

    def check_interval(self, value: str) -> int:
        """Return the length in ms of an interval value (0 = calendar month) or raise ``ValueError``."""
        if value not in self.intervals:
            name = self.interval_param or "interval"
            raise ValueError(
                f"{name} {value!r} is not valid for {self.path}; allowed: {_names(self.intervals)}"
            )
        return self.intervals[value]

    def schema(self, category: str | None) -> Schema:
        """Return the column schema for ``category``."""
        if category is not None and category in self.schemas:
            return self.schemas[category]
        return self.schemas.get("*", {})


#: how far back the private histories go (reference section 5: "2 years")
TWO_YEARS_MS = 2 * 365 * DAY_MS


def private_history(
    *, window_days: int, id_fields: tuple[str, ...], lookback_ms: int = TWO_YEARS_MS, **fields: Any
) -> Endpoint:
    """A signed history endpoint of the "7-day rule" family (reference section 5).

    Paged in sliding ``startTime``/``endTime`` windows of ``window_days`` with a cursor inside each, within
    ``lookback_ms`` (two years unless the endpoint says otherwise), rows kept once by ``id_fields``, indexed
    by its time field with repeated times kept, closed windows cached for good (when private answers are
    cached at all). ``fields`` are the remaining :class:`Endpoint` fields (name, path, categories, limits,
    index, schemas, ...).
    """
    return Endpoint(
        auth=True,
        paging=Paging.SLIDING,
        time_params=("startTime", "endTime"),
        index_kind=IndexKind.TIME,
        unique_index=False,
        cache=ACCOUNT_HISTORY,
        max_span_ms=window_days * DAY_MS,
        cursor=True,
        lookback_ms=lookback_ms,
        id_fields=id_fields,
        **fields,
    )


def floats(*names: str) -> Schema:
    """Return a schema of float fields (shorthand for long tables)."""
    return dict.fromkeys(names, FLOAT)


def _names(values: Any) -> str:
    return ", ".join(repr(v) for v in values)


def _check_schema(name: str, schema: Schema) -> None:
    for field_name, kind in schema.items():
        if isinstance(kind, Mapping):
            _check_schema(name, kind)
        elif kind not in KINDS:
            raise ValueError(f"endpoint {name}: field {field_name!r} has unknown kind {kind!r}")
