"""Bybit's public trade archive: the file of every trade of a symbol and day, into the history store.

Paths (``public.bybit.com``, and the simulator's own host): ``/trading/{SYMBOL}/{SYMBOL}{YYYY-MM-DD}.csv.gz``
for linear and inverse contracts, ``/spot/{SYMBOL}/{SYMBOL}_{YYYY-MM-DD}.csv.gz`` for spot pairs; each folder
has an HTML listing page whose links name its files. A day's file exists once the day is over, from the
symbol's first trading day on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..client import Client
from ..core.time import now_ms
from ..core.units import DAY_MS
from ..frames.attrs import iso_ms
from ..store.archive_csv import archive_table
from ..store.history_coverage import day_label
from ..store.history_paths import KINDS, Store
from ..store.parquet_writes import write_atomic

__all__ = ["day_file", "download_day", "listed_days", "listing_path"]

_LINK = re.compile(rb'href="([^"]+)"')
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TRADES = KINDS["trades"]


def _folder(category: str) -> str:
    return "spot" if category == "spot" else "trading"


def _joiner(category: str) -> str:
    return "_" if category == "spot" else ""


def listing_path(symbol: str, category: str) -> str:
    """The archive's listing page of a symbol's files (``/trading/BTCUSDT/``)."""
    return f"/{_folder(category)}/{symbol}/"


def day_file(symbol: str, category: str, day: int) -> str:
    """The archive path of a symbol's file of epoch day ``day``."""
    return f"/{_folder(category)}/{symbol}/{symbol}{_joiner(category)}{day_label(day)}.csv.gz"


def listed_days(page: bytes, symbol: str, category: str) -> set[int]:
    """The epoch days a listing page links a file of (other links are ignored)."""
    prefix, suffix = f"{symbol}{_joiner(category)}", ".csv.gz"
    days = set()
    for raw in _LINK.findall(page):
        name = raw.decode("utf-8", "replace").rsplit("/", 1)[-1]
        if name.startswith(prefix) and name.endswith(suffix):
            text = name[len(prefix) : -len(suffix)]
            if _DATE.match(text):
                try:
                    days.add(int(np.datetime64(text, "D").astype(np.int64)))
                except ValueError:
                    continue
    return days


def download_day(
    client: Client, store: Store, symbol: str, category: str, day: int
) -> tuple[int, str] | None:
    """Fetch, parse and store one day of trades; ``(rows, file)`` or ``None`` when the archive has no file.

    The file's coverage is the whole day, complete: archive days are final once published.
    """
    path = day_file(symbol, category, day)
    data = client.archive_get(path)
    if data is None:
        return None
    table = archive_table(data, category, symbol)
    base = client.archive_url or ""
    meta: Mapping[str, Any] = {
        "start": day * DAY_MS,
        "end": (day + 1) * DAY_MS,
        "complete": True,
        "server_time": None,
        "fetched_at": iso_ms(now_ms()),
        "endpoint": path,
        "params": {"source": base + path, "bytes": len(data)},
    }
    directory = TRADES.partition_dir(category=category, symbol=symbol, date=day_label(day))
    return table.num_rows, write_atomic(store, directory, table, meta)
