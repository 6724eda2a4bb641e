"""Where the Parquet history store keeps what: its root on any filesystem, the datasets ("kinds") it holds,
their Hive partition layout, and the marker that tells a store from a foreign folder.

Layout (one Parquet file per partition, written whole; :mod:`.parquet_writes`)::

    ROOT/_bybit_research_history.json                       the marker of a store
    ROOT/klines/category=linear/symbol=BTCUSDT/interval=1/year=2024/month=01/data.parquet
    ROOT/mark_klines/... index_klines/... premium_klines/...  (same partitions; open, high, low, close)
    ROOT/funding/category=linear/symbol=BTCUSDT/year=2024/month=01/data.parquet
    ROOT/open_interest/category=linear/symbol=BTCUSDT/interval=5min/year=2024/month=01/data.parquet
    ROOT/trades/category=linear/symbol=BTCUSDT/date=2024-01-01/data.parquet

``ROOT`` is a local folder (default: ``history`` in the user data directory, or ``BYBIT_RESEARCH_HISTORY``)
or any URL a ``pyarrow.fs`` filesystem understands (``s3://bucket/prefix``, ``gs://...``, ``hdfs://...``,
``file:///...``), else any fsspec URL (``memory://...``, ``abfs://...``) through fsspec.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
from platformdirs import user_data_dir

from ..endpoints import Endpoint
from ..endpoints.series import (
    FUNDING_HISTORY,
    INDEX_PRICE_KLINE,
    KLINE,
    MARK_PRICE_KLINE,
    OPEN_INTEREST,
    PREMIUM_INDEX_PRICE_KLINE,
)

__all__ = [
    "DATA_FILE",
    "ENV_HISTORY",
    "KINDS",
    "MARKER",
    "TRADE_CATEGORIES",
    "Kind",
    "Store",
    "check_category",
    "check_kind",
    "default_root",
    "kind_endpoint",
    "kline_kind",
    "marker_bytes",
    "open_store",
]

#: environment variable naming the default store (a folder or a URL)
ENV_HISTORY = "BYBIT_RESEARCH_HISTORY"
#: the file at a store's root that marks it as one (anything else in a non-empty folder is foreign)
MARKER = "_bybit_research_history.json"
#: the name of the one data file of each partition
DATA_FILE = "data.parquet"
_MARKER_BODY = {"format": "bybit_research history store", "version": 1}

_MS_UTC = pa.timestamp("ms", tz="UTC")
_OHLC = [("open", pa.float64()), ("high", pa.float64()), ("low", pa.float64()), ("close", pa.float64())]


@dataclass(frozen=True)
class Kind:
    """One dataset of the store.

    Attributes
    ----------
    name
        Its folder under the root (``"klines"``, ``"funding"``, ...).
    partitions
        The Hive partition keys, outermost first, with their types.
    columns
        The columns every file has (besides the partition keys), with their types: the public function's
        frame with ``time`` as a column; a column the exchange adds is kept as well (files may have more).
    price
        The kline flavour (``last``, ``mark``, ``index``, ``premium``) of kline kinds, else ``None``.
    """

    name: str
    partitions: tuple[tuple[str, pa.DataType], ...]
    columns: tuple[tuple[str, pa.DataType], ...]
    price: str | None = None

    @property
    def by_day(self) -> bool:
        """Whether partitions are days (the trade archive) rather than calendar months."""
        return self.partitions[-1][0] == "date"

    @property
    def has_interval(self) -> bool:
        """Whether the partitions include an ``interval`` key."""
        return any(name == "interval" for name, _ in self.partitions)

    @property
    def partition_schema(self) -> pa.Schema:
        """The Hive partition keys as an arrow schema."""
        return pa.schema(list(self.partitions))

    @property
    def schema(self) -> pa.Schema:
        """The columns every file has, as an arrow schema."""
        return pa.schema(list(self.columns))

    def partitioning(self) -> ds.Partitioning:
        """The ``pyarrow.dataset`` Hive partitioning of this kind."""
        return ds.partitioning(self.partition_schema, flavor="hive")

    def partition_dir(self, **values: Any) -> str:
        """The partition folder (relative to the root) of the given key values, e.g.
        ``klines/category=linear/symbol=BTCUSDT/interval=1/year=2024/month=01``."""
        parts = [self.name]
        for name, _ in self.partitions:
            value = values[name]
            parts.append(f"{name}={value:02d}" if name == "month" else f"{name}={value}")
        return "/".join(parts)


_MONTHLY = (("year", pa.int16()), ("month", pa.int8()))
_SERIES = (("category", pa.string()), ("symbol", pa.string()))


def _klines(name: str, price: str, volume: bool) -> Kind:
    extra = [("volume", pa.float64()), ("turnover", pa.float64())] if volume else []
    return Kind(
        name,
        (*_SERIES, ("interval", pa.string()), *_MONTHLY),
        (("time", _MS_UTC), *_OHLC, *extra, ("closed", pa.bool_())),
        price,
    )


#: every dataset of the store, by name
KINDS: dict[str, Kind] = {
    "klines": _klines("klines", "last", volume=True),
    "mark_klines": _klines("mark_klines", "mark", volume=False),
    "index_klines": _klines("index_klines", "index", volume=False),
    "premium_klines": _klines("premium_klines", "premium", volume=False),
    "funding": Kind("funding", (*_SERIES, *_MONTHLY), (("time", _MS_UTC), ("funding_rate", pa.float64()))),
    "open_interest": Kind(
        "open_interest",
        (*_SERIES, ("interval", pa.string()), *_MONTHLY),
        (("time", _MS_UTC), ("open_interest", pa.float64()), ("single_open_interest", pa.float64())),
    ),
    # trade files: the archive's columns, which differ between contracts and spot (see .archive_csv)
    "trades": Kind("trades", (*_SERIES, ("date", pa.date32())), (("time", pa.timestamp("us", tz="UTC")),)),
}
#: the kline kind of each price flavour
_KLINE_KINDS = {kind.price: name for name, kind in KINDS.items() if kind.price is not None}


#: the V5 endpoint each kind is downloaded from (trades come from the public archive, not V5)
_ENDPOINTS: dict[str, Endpoint] = {
    "klines": KLINE,
    "mark_klines": MARK_PRICE_KLINE,
    "index_klines": INDEX_PRICE_KLINE,
    "premium_klines": PREMIUM_INDEX_PRICE_KLINE,
    "funding": FUNDING_HISTORY,
    "open_interest": OPEN_INTEREST,
}
#: the categories the public trade archive has files of (``/trading/``: contracts, ``/spot/``)
TRADE_CATEGORIES = ("linear", "inverse", "spot")


def kind_endpoint(kind: Kind) -> Endpoint | None:
    """The V5 endpoint a kind comes from (``None`` for trades, which come from the archive)."""
    return _ENDPOINTS.get(kind.name)


def check_category(kind: Kind, category: object) -> str:
    """Return ``category`` lower-cased if ``kind`` exists for it, else raise ``ValueError`` naming those."""
    endpoint = kind_endpoint(kind)
    allowed = endpoint.categories if endpoint is not None else TRADE_CATEGORIES
    checked = category.strip().lower() if isinstance(category, str) else category
    if checked not in allowed:
        shown = ", ".join(map(repr, allowed))
        raise ValueError(f"{kind.name} are not available for category {category!r}; allowed: {shown}")
    return str(checked)


def check_kind(kind: object) -> Kind:
    """Return the :class:`Kind` named ``kind`` or raise ``ValueError`` naming the kinds."""
    found = KINDS.get(kind.strip().lower()) if isinstance(kind, str) else None
    if found is None:
        raise ValueError(f"kind {kind!r} is not valid; allowed: {', '.join(map(repr, KINDS))}")
    return found


def kline_kind(price: object) -> Kind:
    """The kline kind of a price flavour (``"last"`` -> ``klines``, ``"mark"`` -> ``mark_klines``, ...)."""
    name = _KLINE_KINDS.get(price.strip().lower()) if isinstance(price, str) else None
    if name is None:
        raise ValueError(f"price {price!r} is not valid; allowed: {', '.join(map(repr, _KLINE_KINDS))}")
    return KINDS[name]


def default_root() -> str:
    """The default store: ``BYBIT_RESEARCH_HISTORY`` if set, else ``history`` in the user data directory."""
    from_var = os.environ.get(ENV_HISTORY, "").strip()
    if from_var:
        return from_var
    return str(Path(user_data_dir("bybit_research", appauthor=False)) / "history")


@dataclass(frozen=True)
class Store:
    """An opened store root.

    Attributes
    ----------
    fs
        The ``pyarrow.fs`` filesystem.
    root
        The root's path on ``fs`` (no trailing slash).
    url
        The root as given (local folders as absolute paths), for messages and DuckDB.
    fsspec
        The fsspec filesystem when the root is reached through fsspec, else ``None``.
    """

    fs: pafs.FileSystem
    root: str
    url: str
    fsspec: Any = None

    @property
    def local(self) -> bool:
        """Whether the root is a local folder (writes are then fsynced and renamed into place)."""
        return isinstance(self.fs, pafs.LocalFileSystem)

    def path(self, relative: str) -> str:
        """The path on :attr:`fs` of a path relative to the root."""
        return f"{self.root}/{relative}" if relative else self.root

    def url_of(self, relative: str) -> str:
        """The URL (or local path) of a path relative to the root, for readers such as DuckDB or Spark."""
        return f"{self.url.rstrip('/')}/{relative}" if relative else self.url

    def kind_root(self, kind: Kind) -> str:
        """The path on :attr:`fs` of a kind's folder."""
        return self.path(kind.name)

    def exists(self, relative: str = "") -> bool:
        """Whether a file or folder exists at a path relative to the root."""
        return self.fs.get_file_info(self.path(relative)).type != pafs.FileType.NotFound

    def has_marker(self) -> bool:
        """Whether the root holds the store's marker file."""
        return self.fs.get_file_info(self.path(MARKER)).type == pafs.FileType.File


def open_store(path: str | os.PathLike[str] | None = None) -> Store:
    """Open a store root (nothing is created or checked; see :func:`.parquet_writes.prepare_store`).

    Parameters
    ----------
    path
        A local folder, a ``pyarrow.fs`` URL (``s3://``, ``gs://``, ``hdfs://``, ``file://``) or any fsspec
        URL; ``None`` for :func:`default_root`.

    Raises
    ------
    ValueError
        For a path that is not a string or path, or a URL no filesystem understands.
    """
    if path is None:
        path = default_root()
    if not isinstance(path, str | os.PathLike):
        raise ValueError(
            f"path must be a folder or a filesystem URL such as 's3://bucket/prefix', got {path!r}"
        )
    text = os.fspath(path)
    if not text.strip():
        raise ValueError("path must not be empty")
    if "://" not in text:
        local = str(Path(text).expanduser().resolve())
        return Store(pafs.LocalFileSystem(), local.rstrip("/") or "/", local)
    try:
        fs, inner = pafs.FileSystem.from_uri(text)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError, ValueError) as arrow_error:
        return _fsspec_store(text, arrow_error)
    return Store(fs, inner.rstrip("/"), text.rstrip("/"))


def _fsspec_store(url: str, arrow_error: Exception) -> Store:
    try:
        import fsspec
    except ImportError:
        raise ValueError(
            f"{url!r}: pyarrow cannot open it ({arrow_error}) and fsspec is not installed"
        ) from None
    try:
        fs, inner = fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as exc:
        raise ValueError(f"{url!r} is not a filesystem URL pyarrow or fsspec can open: {exc}") from None
    handler = pafs.PyFileSystem(pafs.FSSpecHandler(fs))
    return Store(handler, str(inner).rstrip("/"), url.rstrip("/"), fsspec=fs)


def marker_bytes() -> bytes:
    """The content of the marker file."""
    return (json.dumps(_MARKER_BODY, indent=2) + "\n").encode()
