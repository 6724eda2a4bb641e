"""Bybit's public trade archive (``public.bybit.com``): one gzip CSV file of every trade per symbol and day.

Layout (the real host's paths; each folder is an HTML listing page of links):

* contracts (linear and inverse, perpetual and dated): ``/trading/{SYMBOL}/{SYMBOL}{YYYY-MM-DD}.csv.gz``;
* spot pairs: ``/spot/{SYMBOL}/{SYMBOL}_{YYYY-MM-DD}.csv.gz``.

A day's file exists once the day is over, from the launch day to the delivery day; there is none for today,
the future, or days before launch. Columns (a header row, then trades in ascending time):

* contracts: ``timestamp`` (epoch seconds with up to four decimals), ``symbol``, ``side`` (``Buy``/``Sell``,
  the taker), ``size``, ``price``, ``tickDirection``, ``trdMatchID`` (the trade id, also ``execId`` in
  ``/v5/market/recent-trade``), ``grossValue`` (value in 1e-8 units of the settle coin), ``homeNotional``,
  ``foreignNotional`` (linear: base and quote amounts; inverse: contracts and coins), and from
  :data:`.trades.RPI_SINCE` on an ``RPI`` column (0/1). Float columns are written as Go's shortest ``%v``
  (``8.1095e+09``), as in the real files;
* spot: ``id`` (the trade's number within the file, from 1), ``timestamp`` (epoch ms), ``price``,
  ``volume``, ``side`` (``buy``/``sell``), and from :data:`.trades.RPI_SINCE` on an ``rpi`` column (0/1).

Sources: Bybit documents none of this. Paths, names, headers and sample rows come from public downloader code
and test fixtures that read the real files (found with the search tool); the number formats (Go's ``%v``,
prices with the tick's decimals, trailing zeros dropped in spot files) are read off those samples; the RPI
columns appear in samples from mid-2025 on (the cut-over dates here are assumptions). The real listing pages
are plain HTML with one ``<a href>`` per entry; their exact markup is not known, so clients should read only
the links.
"""

from __future__ import annotations

import html
import zlib

import numpy as np

from .calendar import DAY_MS, from_ms
from .instrument import Instrument
from .trades import TICKS_PER_MS, DayTrades

__all__ = [
    "archive_days",
    "contract_csv",
    "contract_ids",
    "day_of_file",
    "decimal_texts",
    "file_name",
    "go_float",
    "gzip_file",
    "listing_page",
    "spot_csv",
]

_CONTRACT_HEADER = (
    "timestamp,symbol,side,size,price,tickDirection,trdMatchID,grossValue,homeNotional,foreignNotional"
)
_SPOT_HEADER = "id,timestamp,price,volume,side"
_TICKS_PER_SECOND = 1000 * TICKS_PER_MS
#: ``".0974"`` for 974 (units of 100 µs), ``""`` for 0: the fraction of a second as the archive writes it.
_FRACTIONS = np.array([""] + [f".{i:04d}".rstrip("0") for i in range(1, _TICKS_PER_SECOND)], dtype=object)
_TICK_DIRECTIONS = np.array(["PlusTick", "ZeroPlusTick", "MinusTick", "ZeroMinusTick"], dtype=object)
_SIDES = np.array(["Sell", "Buy"], dtype=object)
_SPOT_SIDES = np.array(["sell", "buy"], dtype=object)
_FLAGS = np.array(["0", "1"], dtype=object)
#: Served files are gzip streams of Huffman-only deflate: about twice as fast to make as level 1 (a third
#: larger); any gzip reader reads them, and the real files' settings are unknown.
_GZIP_WBITS = 31


def archive_days(inst: Instrument, now_ms: int) -> range:
    """Return the epoch days that have a file for ``inst`` at ``now_ms`` (finished days of its life)."""
    first = inst.launch_ms // DAY_MS
    last = now_ms // DAY_MS - 1
    if inst.delivery_ms:
        last = min(last, (inst.delivery_ms - 1) // DAY_MS)
    return range(first, max(first, last + 1))


def file_name(inst: Instrument, day: int) -> str:
    """Return the archive's file name of ``inst`` on epoch day ``day``."""
    date = from_ms(day * DAY_MS).strftime("%Y-%m-%d")
    joiner = "_" if inst.category == "spot" else ""
    return f"{inst.symbol}{joiner}{date}.csv.gz"


def day_of_file(inst: Instrument, name: str) -> int | None:
    """Return the epoch day a file name of ``inst`` stands for, or None when it is not one of its names."""
    joiner = "_" if inst.category == "spot" else ""
    prefix, suffix = f"{inst.symbol}{joiner}", ".csv.gz"
    if not (name.startswith(prefix) and name.endswith(suffix)):
        return None
    text = name[len(prefix) : -len(suffix)]
    if len(text) != 10 or text[4] != "-" or text[7] != "-" or not (text[:4] + text[5:7] + text[8:]).isdigit():
        return None
    try:
        moment = np.datetime64(text, "D")
    except ValueError:
        return None
    return int(moment.astype(np.int64))


def go_float(value: float) -> str:
    """Format a float as Go's ``fmt`` ``%v`` does: shortest digits, exponent form below 1e-4 or from 1e6."""
    text = repr(value)
    if "e" in text or "n" in text:  # Python and Go agree outside [1e-4, 1e16) (and on nan/inf)
        mantissa, _, power = text.partition("e")
        return (mantissa[:-2] if mantissa.endswith(".0") else mantissa) + ("e" + power if power else "")
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0")
    exponent = len(whole.lstrip("-")) - 1 if whole.lstrip("-") != "0" else 0
    if exponent < 6:
        return f"{whole}.{fraction}" if fraction else whole
    digits = (whole.lstrip("-") + fraction).rstrip("0")
    sign = "-" if whole.startswith("-") else ""
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{sign}{mantissa}e+{exponent:02d}"


_POWERS = 10 ** np.arange(19, dtype=np.int64)


def _trailing_zeros(values: np.ndarray, most: int) -> np.ndarray:
    """Return how many trailing decimal zeros each non-negative integer has (at most ``most``; 0 for 0)."""
    zeros = np.zeros(len(values), dtype=np.int64)
    rest = values.copy()
    for _ in range(most):
        ends = (rest % 10 == 0) & (rest > 0)
        if not ends.any():
            break
        zeros += ends
        rest = np.where(ends, rest // 10, rest)
    return zeros


def _percent(templates: np.ndarray, args: list[np.ndarray]) -> list[str]:
    """Apply one %-template per row to its arguments in a single format call (no row may contain a comma)."""
    flat = np.column_stack([np.asarray(a, dtype=object) for a in args]).ravel().tolist()
    return (",".join(templates.tolist()) % tuple(flat)).split(",")


def decimal_texts(units: np.ndarray, digits: int, *, strip: bool) -> list[str]:
    """Format non-negative integers in units of ``10**-digits`` (trailing zeros stripped when ``strip``)."""
    if digits == 0:
        return [str(v) for v in units.tolist()]
    whole, fraction = np.divmod(units, 10**digits)
    pairs = np.column_stack([whole, fraction]).ravel().tolist()
    texts = (f"%d.%0{digits}d," * len(units) % tuple(pairs))[:-1].split(",")
    return [text.rstrip("0").rstrip(".") for text in texts] if strip else texts


def _go_integers(values: np.ndarray) -> list[str]:
    """Format non-negative integer-valued floats (given as int64 below 2**53) as Go's ``%v`` does."""
    digits = np.searchsorted(_POWERS, values, side="right")
    zeros = _trailing_zeros(values, 18)
    mantissa = values // _POWERS[zeros]
    width = np.maximum(digits - zeros - 1, 0)
    lead, rest = np.divmod(mantissa, _POWERS[width])
    exponent = np.maximum(digits - 1, 0)
    templates = np.where(
        exponent < 6, "%d%.0s%.0s%.0s", np.where(width > 0, "%d.%0*de+%02d", "%d%.0s%.0se+%02d")
    )
    return _percent(templates, [np.where(exponent < 6, values, lead), width, rest, exponent])


def _tick_directions(prices: np.ndarray) -> np.ndarray:
    """Bybit's tick direction of each trade against the one before (the day's first counts as unchanged)."""
    change = np.sign(np.diff(prices, prepend=prices[:1]))
    # the direction of the last price change so far (upwards before the first change)
    moves = np.where(change != 0, np.arange(len(change)), -1)
    last_move = np.maximum.accumulate(moves)
    up = np.where(last_move >= 0, change[np.maximum(last_move, 0)] > 0, True)
    code = np.where(change > 0, 0, np.where(change < 0, 2, np.where(up, 1, 3)))
    return _TICK_DIRECTIONS[code]


def _rows(columns: list[list[str]]) -> str:
    """Join text columns into CSV lines (each ending in a newline)."""
    return "\n".join(map(",".join, zip(*columns, strict=True))) + "\n"


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
#: where the 32 hex digits of an id go among its 36 characters (the others are dashes)
_HEX_AT = np.array([i for i in range(36) if i not in (8, 13, 18, 23)])


def _ids(words: np.ndarray) -> list[str]:
    """Format trade ids as version-5 UUIDs (``8-4-4-4-12`` hex digits) from four random words per trade."""
    raw = np.ascontiguousarray(words, dtype=np.uint32).view(np.uint8).reshape(-1, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x50  # version 5
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    nibbles = np.empty((len(raw), 32), dtype=np.uint8)
    nibbles[:, 0::2], nibbles[:, 1::2] = raw >> 4, raw & 0x0F
    chars = np.full((len(raw), 36), ord("-"), dtype=np.uint8)
    chars[:, _HEX_AT] = _HEX[nibbles]
    text = chars.tobytes().decode("ascii")
    return [text[i : i + 36] for i in range(0, len(text), 36)]


def contract_ids(words: np.ndarray) -> list[str]:
    """Return the ids (``trdMatchID`` in the archive, ``execId`` in recent trades) of contract trades.

    Parameters
    ----------
    words
        ``(trades, 4)`` uint32 random words (:attr:`.trades.DayTrades.words`, or rows of it).
    """
    return _ids(words)


def contract_csv(trades: DayTrades) -> bytes:
    """Return the CSV text (bytes) of a contract's day in the archive's format."""
    inst = trades.inst
    rows = len(trades)
    header = _CONTRACT_HEADER + (",RPI" if trades.has_rpi else "")
    if not rows:
        return (header + "\n").encode()
    seconds, fraction = np.divmod(trades.time, _TICKS_PER_SECOND)
    fractions = _FRACTIONS[fraction].tolist()
    stamps = [whole + part for whole, part in zip(map(str, seconds.tolist()), fractions, strict=True)]
    price_digits, size_digits = trades.price_decimals, trades.size_decimals
    size_texts = decimal_texts(trades.size, size_digits, strip=False)
    home = [text.rstrip("0").rstrip(".") for text in size_texts] if size_digits else size_texts
    if inst.is_inverse:
        coins = (trades.size / 10**size_digits) / (trades.price / 10**price_digits)
        gross = [go_float(v) for v in (coins * 1e8).tolist()]
        foreign = [go_float(v) for v in coins.tolist()]
    else:
        # quote amounts are exact decimals: price x size in units of 10**-(price_digits + size_digits)
        value = trades.price * trades.size
        gross = _go_integers(value * 10 ** (8 - price_digits - size_digits))
        foreign = decimal_texts(value, price_digits + size_digits, strip=True)
    columns = [
        stamps,
        [inst.symbol] * rows,
        _SIDES[trades.buy.astype(np.int64)].tolist(),
        size_texts,
        decimal_texts(trades.price, price_digits, strip=False),
        _tick_directions(trades.price).tolist(),
        _ids(trades.words),
        gross,
        home,
        foreign,
    ]
    if trades.has_rpi:
        columns.append(_FLAGS[trades.rpi.astype(np.int64)].tolist())
    return (header + "\n" + _rows(columns)).encode()


def spot_csv(trades: DayTrades) -> bytes:
    """Return the CSV text (bytes) of a spot pair's day in the archive's format."""
    rows = len(trades)
    header = _SPOT_HEADER + (",rpi" if trades.has_rpi else "")
    if not rows:
        return (header + "\n").encode()
    columns = [
        [str(i) for i in range(1, rows + 1)],
        [str(t) for t in trades.time_ms.tolist()],
        decimal_texts(trades.price, trades.price_decimals, strip=True),
        decimal_texts(trades.size, trades.size_decimals, strip=True),
        _SPOT_SIDES[trades.buy.astype(np.int64)].tolist(),
    ]
    if trades.has_rpi:
        columns.append(_FLAGS[trades.rpi.astype(np.int64)].tolist())
    return (header + "\n" + _rows(columns)).encode()


def gzip_file(data: bytes) -> bytes:
    """Compress a file's bytes as the archive serves them (gzip, mtime 0: equal days are equal bytes)."""
    packer = zlib.compressobj(1, zlib.DEFLATED, _GZIP_WBITS, 8, zlib.Z_HUFFMAN_ONLY)
    return packer.compress(data) + packer.flush()


def listing_page(path: str, names: list[str]) -> bytes:
    """Return an HTML listing page of ``path`` with one link per name (folders end in ``/``)."""
    title = html.escape(path)
    links = "\n".join(f'<li><a href="{html.escape(name)}">{html.escape(name)}</a></li>' for name in names)
    page = (
        f"<!DOCTYPE html>\n<html>\n<head><title>Index of {title}</title></head>\n<body>\n"
        f'<h1>Index of {title}</h1>\n<ul>\n<li><a href="../">../</a></li>\n{links}\n</ul>\n</body>\n</html>\n'
    )
    return page.encode()
