"""THE TABLE: one declarative :class:`Endpoint` entry per V5 endpoint.

Frames, paging, argument validation and cache expiry are all driven by these entries; adding an endpoint means
adding an entry to one of the modules here (and to its tuple there)::

    from bybit_research.endpoints import ENDPOINTS, endpoint
    endpoint("/v5/market/kline").limit_range("linear")   # LimitRange(lo=1, hi=1000, default=200)

The table imports nothing of the package but :mod:`bybit_research.core`.
"""

from __future__ import annotations

from types import MappingProxyType

from .account import ACCOUNT_ENDPOINTS
from .assets import ASSET_ENDPOINTS
from .pre_upgrade import PRE_UPGRADE_ENDPOINTS
from .reference import REFERENCE_ENDPOINTS
from .series import HV_PERIODS, KLINE_INTERVALS, SERIES_ENDPOINTS, SERIES_INTERVALS
from .settings import SETTINGS_ENDPOINTS
from .snapshots import SNAPSHOT_ENDPOINTS
from .spec import (
    BOOL,
    FLOAT,
    INT,
    JSON,
    OBJECT,
    STR,
    TIME,
    CachePolicy,
    Endpoint,
    Explode,
    IndexKind,
    LimitRange,
    Paging,
    Schema,
    Shape,
)

__all__ = [
    "BOOL",
    "ENDPOINTS",
    "FLOAT",
    "HV_PERIODS",
    "INT",
    "JSON",
    "KLINE_INTERVALS",
    "MARKET_ENDPOINTS",
    "OBJECT",
    "PRIVATE_ENDPOINTS",
    "SERIES_INTERVALS",
    "STR",
    "TIME",
    "CachePolicy",
    "Endpoint",
    "Explode",
    "IndexKind",
    "LimitRange",
    "Paging",
    "Schema",
    "Shape",
    "endpoint",
]

#: every public entry (``/v5/market/*`` and the public spot-margin collateral tiers)
MARKET_ENDPOINTS = (*SERIES_ENDPOINTS, *SNAPSHOT_ENDPOINTS, *REFERENCE_ENDPOINTS)
#: every private (signed) entry
PRIVATE_ENDPOINTS = (*ACCOUNT_ENDPOINTS, *ASSET_ENDPOINTS, *SETTINGS_ENDPOINTS, *PRE_UPGRADE_ENDPOINTS)
#: V5 path -> entry, for every endpoint in the table
ENDPOINTS = MappingProxyType({e.path: e for e in (*MARKET_ENDPOINTS, *PRIVATE_ENDPOINTS)})
_BY_NAME = {e.name: e for e in ENDPOINTS.values()}
assert len(_BY_NAME) == len(ENDPOINTS), "endpoint names must be unique"


def endpoint(key: str) -> Endpoint:
    """Return the entry for a V5 path (``"/v5/market/kline"``) or a short name (``"kline"``).

    Raises
    ------
    KeyError
        When the table has no such endpoint.
    """
    found = ENDPOINTS.get(key) or _BY_NAME.get(key)
    if found is None:
        raise KeyError(f"no endpoint {key!r} in the table")
    return found
