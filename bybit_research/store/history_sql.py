"""DuckDB over the history store: one view per kind, with the Hive partition keys as typed columns.

>>> con = duckdb_connection("~/data/bybit")  # doctest: +SKIP
>>> con.sql("SELECT symbol, day, sum(turnover) / sum(volume) FROM klines GROUP BY ALL").df()  # doctest: +SKIP

The views read the Parquet files where they are (nothing is copied): local folders directly, ``s3://`` and
``gs://`` through DuckDB's httpfs extension (credentials as DuckDB's ``CREATE SECRET`` sets them), other
fsspec filesystems through DuckDB's fsspec registration. The session time zone is UTC, so
``date_trunc('day', time)`` cuts UTC days.
"""

from __future__ import annotations

import os
from typing import Any

import pyarrow as pa

from .history_files import stored_files
from .history_paths import KINDS, Kind, Store, open_store

__all__ = ["duckdb_connection", "view_sql"]

#: the UTC date of ``time`` by integer arithmetic: ``date_trunc('day', time)`` on a TIMESTAMP WITH TIME ZONE
#: goes through ICU's calendar and is about three times slower over millions of rows
_DAY = "DATE '1970-01-01' + CAST(epoch_ms(time) // 86400000 AS INTEGER)"
_DUCK_TYPES = {pa.string(): "VARCHAR", pa.int16(): "SMALLINT", pa.int8(): "TINYINT", pa.date32(): "DATE"}


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def view_sql(store: Store, kind: Kind) -> str:
    """The ``CREATE VIEW`` statement of ``kind`` over ``store``."""
    glob = store.url_of(f"{kind.name}/" + "/".join("*" for _ in kind.partitions) + "/*.parquet")
    if store.local:
        glob = store.path(f"{kind.name}/" + "/".join("*" for _ in kind.partitions) + "/*.parquet")
    types = ", ".join(f"{_quoted(name)}: {_quoted(_DUCK_TYPES[t])}" for name, t in kind.partitions)
    return (
        f'CREATE OR REPLACE VIEW "{kind.name}" AS SELECT *, {_DAY} AS day FROM read_parquet({_quoted(glob)}, '
        f"hive_partitioning = true, hive_types = {{{types}}}, union_by_name = true)"
    )


def duckdb_connection(path: str | os.PathLike[str] | None = None, database: str = ":memory:") -> Any:
    """A DuckDB connection with a view per kind the store holds (``klines``, ``funding``, ``trades``...).

    Parameters
    ----------
    path
        The store (a folder or a filesystem URL; default :func:`.history_paths.default_root`).
    database
        DuckDB database file for the connection (default in memory; the views only refer to the files).

    Returns
    -------
    duckdb.DuckDBPyConnection
        Views: each kind the store holds, columns as in :func:`.history.dataset` (the files' columns, then
        ``category``, ``symbol``, ``interval``, ``year``, ``month`` or ``date``), and ``day``: the UTC date
        of ``time`` (``GROUP BY day`` is the fast daily grouping). ``time`` is a ``TIMESTAMP WITH TIME
        ZONE``; the session time zone is UTC.

    Raises
    ------
    ImportError
        Without the ``duckdb`` package (``pip install 'bybit_research[history]'``).
    """
    try:
        import duckdb
    except ImportError:
        raise ImportError(
            "br.history.duckdb needs the duckdb package: pip install 'bybit_research[history]'"
        ) from None
    store = open_store(path)
    con = duckdb.connect(database)
    con.execute("SET TimeZone = 'UTC'")
    if store.fsspec is not None:
        con.register_filesystem(store.fsspec)
    for kind in KINDS.values():
        if stored_files(store, kind):
            con.execute(view_sql(store, kind))
    return con
