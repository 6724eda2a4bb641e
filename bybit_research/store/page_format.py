"""The stored form of a page of the column store, with a checksum so that a damaged page is never read.

A stored value is a 24-byte header followed by the times (int64) and the values (float64, row-major), all
little-endian. The header holds the magic ``BRC2``, the row count, the value-column count, a CRC-32 of
everything else (the counts, the time it was stored and the arrays) and the time it was stored (unix
seconds). Values written by earlier versions (magic ``BRC1``, no checksum) cannot be verified: they are
reported as outdated and fetched again.
"""

from __future__ import annotations

import struct
import time
import zlib

import numpy as np

from ..frames.columns import Columns

__all__ = ["HEADER_BYTES", "damage", "decode", "encode", "read", "rows_in", "stored_at"]

_MAGIC = b"BRC2"
_OLD_MAGIC = b"BRC1"
#: magic, rows, value columns, reserved, CRC-32, stored at (unix seconds)
_HEADER = struct.Struct("<4sIHHId")
#: what the CRC covers besides the arrays: rows, value columns, stored at
_COVERED = struct.Struct("<IHd")
HEADER_BYTES = _HEADER.size


def encode(columns: Columns, stored_at: float | None = None) -> bytes:
    """Return the stored form of ``columns`` (see the module docstring)."""
    rows, width = columns.values.shape
    when = time.time() if stored_at is None else stored_at
    times = np.ascontiguousarray(columns.times, dtype="<i8").tobytes()
    values = np.ascontiguousarray(columns.values, dtype="<f8").tobytes()
    crc = zlib.crc32(values, zlib.crc32(times, zlib.crc32(_COVERED.pack(rows, width, when))))
    return b"".join((_HEADER.pack(_MAGIC, rows, width, 0, crc, when), times, values))


def damage(blob: bytes, width: int) -> str | None:
    """Why ``blob`` is not an intact stored page of ``width`` value columns (``None``: it is one)."""
    if len(blob) < _HEADER.size:
        return f"{len(blob)} bytes, less than a header"
    magic, rows, stored_width, _, crc, when = _HEADER.unpack_from(blob)
    if magic == _OLD_MAGIC:
        return "stored by an earlier version without a checksum"
    if magic != _MAGIC:
        return "not a stored page (unknown header)"
    if stored_width != width:
        return f"{stored_width} value columns, expected {width}"
    if len(blob) != _HEADER.size + rows * 8 * (1 + width):
        return f"{len(blob)} bytes for {rows} rows"
    view = memoryview(blob)[_HEADER.size :]
    if zlib.crc32(view, zlib.crc32(_COVERED.pack(rows, stored_width, when))) != crc:
        return "its checksum does not match"
    return None


def read(blob: bytes, width: int) -> tuple[Columns | None, str | None]:
    """``(columns, None)`` of an intact stored page of ``width`` value columns, else ``(None, why)``."""
    why = damage(blob, width)
    if why is not None:
        return None, why
    rows = _HEADER.unpack_from(blob)[1]
    times = np.frombuffer(blob, dtype="<i8", count=rows, offset=_HEADER.size)
    values = np.frombuffer(blob, dtype="<f8", count=rows * width, offset=_HEADER.size + rows * 8)
    return Columns(times, values.reshape(rows, width)), None


def decode(blob: bytes, width: int) -> Columns | None:
    """Return the columns stored in ``blob``, or ``None`` when it is not an intact page of ``width`` value
    columns (:func:`damage` says why)."""
    return read(blob, width)[0]


def rows_in(size: int, width: int) -> int | None:
    """The rows of a stored value of ``size`` bytes with ``width`` value columns (None: not such a value)."""
    rows, rest = divmod(size - _HEADER.size, 8 * (1 + width))
    return rows if size >= _HEADER.size and not rest else None


def stored_at(blob: bytes) -> float | None:
    """The unix time a stored value was written, or ``None`` when ``blob`` is not one."""
    if len(blob) < _HEADER.size or blob[:4] not in (_MAGIC, _OLD_MAGIC):
        return None
    if blob[:4] == _OLD_MAGIC:  # the earlier header: magic, rows, width, 6 bytes of padding, stored at
        return float(struct.unpack_from("<d", blob, 16)[0])
    return float(_HEADER.unpack_from(blob)[5])
