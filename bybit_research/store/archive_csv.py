"""Daily files of Bybit's public trade archive (gzip CSV) to typed arrow tables, parsed by arrow's CSV reader.

Two formats (Bybit documents neither; the column names are those of the files):

* contracts (``/trading/``, linear and inverse): ``timestamp`` (epoch seconds with up to four decimals),
  ``symbol``, ``side``, ``size``, ``price``, ``tickDirection``, ``trdMatchID``, ``grossValue``,
  ``homeNotional``, ``foreignNotional``, and on newer days ``RPI`` (0/1);
* spot (``/spot/``): ``id``, ``timestamp`` (epoch ms), ``price``, ``volume``, ``side``, and on newer days
  ``rpi``.

Columns become snake case (``trdMatchID`` -> ``trd_match_id``, ``RPI`` -> ``rpi``); ``timestamp`` becomes
``time`` (``timestamp[us, UTC]``: the contract files' 100-µs resolution is kept exactly), numbers ``float64``
(``id`` ``int64``), 0/1 flags ``bool``, text stays text. A column the archive adds later is kept with the
type arrow infers. The ``symbol`` column is the partition's symbol and is left out of the stored table (it
comes back as the partition key); a file whose rows name another symbol is refused.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from ..frames.convert import snake

__all__ = ["CONTRACT_TYPES", "SPOT_TYPES", "archive_table"]

#: the known columns of contract files and their arrow types
CONTRACT_TYPES: dict[str, pa.DataType] = {
    "timestamp": pa.float64(),
    "symbol": pa.string(),
    "side": pa.string(),
    "size": pa.float64(),
    "price": pa.float64(),
    "tickDirection": pa.string(),
    "trdMatchID": pa.string(),
    "grossValue": pa.float64(),
    "homeNotional": pa.float64(),
    "foreignNotional": pa.float64(),
    "RPI": pa.bool_(),
}
#: the known columns of spot files and their arrow types
SPOT_TYPES: dict[str, pa.DataType] = {
    "id": pa.int64(),
    "timestamp": pa.int64(),
    "price": pa.float64(),
    "volume": pa.float64(),
    "side": pa.string(),
    "rpi": pa.bool_(),
}
_US_PER_S = 1_000_000
_US_PER_MS = 1_000
_TIME = pa.timestamp("us", tz="UTC")


def archive_table(data: bytes, category: str, symbol: str) -> pa.Table:
    """Parse one daily archive file into the table stored for it.

    Parameters
    ----------
    data
        The file as downloaded (gzip CSV; plain CSV is accepted too).
    category
        ``"spot"`` for the spot format; ``"linear"`` / ``"inverse"`` for contracts.
    symbol
        The file's symbol (rows of contract files carry it; it must match).

    Returns
    -------
    pyarrow.Table
        ``time`` first, then the file's other columns in file order (snake case, typed as above).

    Raises
    ------
    ValueError
        When the file is not CSV with a ``timestamp`` column, or its rows name another symbol.
    """
    spot = category == "spot"
    types = SPOT_TYPES if spot else CONTRACT_TYPES
    stream = pa.BufferReader(data)
    source = pa.CompressedInputStream(stream, "gzip") if data[:2] == b"\x1f\x8b" else stream
    try:
        table = pa_csv.read_csv(
            source,
            convert_options=pa_csv.ConvertOptions(column_types=types, strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, OSError) as exc:
        raise ValueError(f"the archive file of {symbol} is not a readable CSV: {exc}") from None
    if "timestamp" not in table.column_names:
        raise ValueError(f"the archive file of {symbol} has no timestamp column: {table.column_names}")
    if "symbol" in table.column_names:
        names = pc.unique(table["symbol"]).to_pylist()
        if any(name != symbol for name in names):
            raise ValueError(f"the archive file of {symbol} has rows of other symbols: {names[:5]}")
        table = table.drop_columns(["symbol"])
    stamps = table["timestamp"]
    if spot:
        micros = pc.multiply(stamps.cast(pa.int64()), _US_PER_MS)
    else:
        # seconds with at most four decimals: float64 holds them to well under a microsecond, so rounding
        # the microseconds gives the exact value of the text
        micros = pc.round(pc.multiply(stamps.cast(pa.float64()), float(_US_PER_S))).cast(pa.int64())
    columns = {"time": micros.cast(_TIME)}
    for name in table.column_names:
        if name != "timestamp":
            columns[snake(name)] = table[name]
    return pa.table(columns)
