"""``br.history``: a Parquet history store of many symbols and years, readable by pandas, pyarrow, DuckDB,
Dask and Spark.

* :func:`download` fills it (klines of every flavour, funding, open interest, archive trades), fetching only
  what it does not hold;
* :func:`read` gives the frame the public function would give for a range; :func:`dataset` a
  ``pyarrow.dataset.Dataset``; :func:`duckdb` a DuckDB connection with a view per kind; :func:`info` what
  the store holds;
* :func:`klines_from_trades` resamples archive trades to candles.

The store's layout (Hive partitions ``kind/category=/symbol=/interval=/year=/month=``) is described in
:mod:`bybit_research.store.history_paths`.
"""

from __future__ import annotations

from ..store.history import HistoryGapWarning, dataset, info, read
from ..store.history_paths import ENV_HISTORY, KINDS, default_root
from ..store.history_sql import duckdb_connection as duckdb
from .candles import klines_from_trades
from .download import HistoryDownloadError, download

__all__ = [
    "ENV_HISTORY",
    "KINDS",
    "HistoryDownloadError",
    "HistoryGapWarning",
    "dataset",
    "default_root",
    "download",
    "duckdb",
    "info",
    "klines_from_trades",
    "read",
]
