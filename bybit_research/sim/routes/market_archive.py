"""Bybit's public trade archive (the ``public.bybit.com`` file host) served under the same paths.

* ``/trading/`` and ``/spot/``: HTML listing pages of the symbols that have files;
* ``/trading/{SYMBOL}/`` and ``/spot/{SYMBOL}/``: listing pages of the symbol's daily files;
* ``/trading/{SYMBOL}/{SYMBOL}{YYYY-MM-DD}.csv.gz`` (linear and inverse contracts) and
  ``/spot/{SYMBOL}/{SYMBOL}_{YYYY-MM-DD}.csv.gz``: the gzip CSV of every trade of the day
  (:mod:`..market.archive`).

Anything else under these folders (unknown symbols, days before launch, today, the future) is HTTP 404.
Files of finished days never change: they are kept (a bounded memo) once made.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ..core import RawAnswer, Request, file_route
from ..market import Instrument, Market
from ..market.archive import (
    archive_days,
    contract_csv,
    day_of_file,
    file_name,
    gzip_file,
    listing_page,
    spot_csv,
)
from ..market.calendar import DAY_MS, from_ms
from ..market.paths import LruCache
from ..market.trades import day_trades

#: gzip files kept (a day of the busiest symbol is about 1 MB)
_FILES: LruCache[tuple[int, str, str, int], bytes] = LruCache(48)
_NOT_FOUND = b"<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1></body></html>\n"
HTML_CONTENT_TYPE = "text/html; charset=utf-8"
GZIP_CONTENT_TYPE = "application/gzip"
#: the folders of the file host and the categories whose symbols they hold
FOLDERS = {"trading": ("linear", "inverse"), "spot": ("spot",)}


def _not_found() -> RawAnswer:
    return RawAnswer(_NOT_FOUND, HTML_CONTENT_TYPE, status=404)


def archived_instruments(market: Market, folder: str, now: int) -> list[Instrument]:
    """Return the instruments of a folder (``trading`` or ``spot``) with at least one file at ``now``."""
    universe = market.universe(now)
    found: dict[str, Instrument] = {}
    for cat in FOLDERS[folder]:
        for inst in universe.live[cat] + universe.expired[cat]:
            if len(archive_days(inst, now)) and inst.symbol not in found:
                found[inst.symbol] = inst
    return [found[symbol] for symbol in sorted(found)]


def _find(market: Market, folder: str, symbol: str, now: int) -> Instrument | None:
    for cat in FOLDERS[folder]:
        inst = market.universe(now).find(symbol, cat)
        if inst is not None and inst.launch_ms <= now:
            return inst
    return None


def archive_file(market: Market, inst: Instrument, day: int) -> bytes:
    """Return the gzip file of ``inst`` on epoch day ``day`` (a finished day of its life)."""

    def make() -> bytes:
        trades = day_trades(market.engine(inst, "last").source, day)
        return gzip_file(spot_csv(trades) if inst.category == "spot" else contract_csv(trades))

    return _FILES.get_or_build((market.seed, inst.category, inst.symbol, day), make)


def _serve(exchange: Any, request: Request, folder: str) -> RawAnswer:
    market: Market = exchange.market
    now = request.now_ms
    parts = request.path[len(folder) + 2 :].split("/")
    if parts == [""]:
        names = [f"{inst.symbol}/" for inst in archived_instruments(market, folder, now)]
        return RawAnswer(listing_page(request.path, names), HTML_CONTENT_TYPE)
    if len(parts) != 2:
        return _not_found()
    symbol, name = parts
    inst = _find(market, folder, symbol, now)
    if inst is None:
        return _not_found()
    days = archive_days(inst, now)
    if name == "":
        if not len(days):
            return _not_found()
        return RawAnswer(
            listing_page(request.path, [file_name(inst, day) for day in days]), HTML_CONTENT_TYPE
        )
    day = day_of_file(inst, name)
    if day is None or day not in days:
        return _not_found()
    body = archive_file(market, inst, day)
    modified = from_ms((day + 1) * DAY_MS + 3_600_000).strftime("%a, %d %b %Y %H:%M:%S GMT")
    headers = {"ETag": f'"{hashlib.md5(body).hexdigest()}"', "Last-Modified": modified}
    return RawAnswer(body, GZIP_CONTENT_TYPE, headers=headers)


@file_route("/trading/")
def trading_archive(exchange: Any, request: Request) -> RawAnswer:
    """Listings and daily trade files of linear and inverse contracts."""
    return _serve(exchange, request, "trading")


@file_route("/spot/")
def spot_archive(exchange: Any, request: Request) -> RawAnswer:
    """Listings and daily trade files of spot pairs."""
    return _serve(exchange, request, "spot")
