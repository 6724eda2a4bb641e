"""The rows of one page's ``result``, found by the endpoint's shape and checked to be of that shape.

An answer whose ``result`` is not what the endpoint sends (a string or a number where a list belongs, a list
of strings where objects belong, kline rows of the wrong length) raises
:class:`~bybit_research.errors.ResponseFormatError` naming the endpoint and what was wrong (see
:mod:`.shapes`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.time import LATEST_MS
from ..core.units import NS_PER_MS, SECOND_MS
from ..endpoints import INT, Endpoint, Shape
from ..errors import malformed
from .build import is_numeric_rows
from .convert import BadValues, convert
from .nested import explode_rows
from .shapes import arrays, as_list, describe, member, objects

__all__ = ["rows_of"]


def rows_of(endpoint: Endpoint, result: Any) -> list[Any]:
    """Return the rows of one page's ``result`` according to the endpoint's shape.

    Parameters
    ----------
    endpoint
        The entry of the endpoint table (its ``shape`` and ``result_key`` say where the rows are).
    result
        The envelope's ``result``. ``None`` (``"result": null``) has no rows, except for
        ``/v5/market/time``, whose answer must carry the time.

    Returns
    -------
    list
        Objects (dicts) for the record shapes, arrays for :attr:`Shape.ROWS`; ``[]`` for an order book (its
        levels are read by :func:`~bybit_research.frames.orderbook_frame`).

    Raises
    ------
    ResponseFormatError
        When ``result`` or its rows are not of the endpoint's shape.
    """
    path, shape, key = endpoint.path, endpoint.shape, endpoint.result_key
    if shape is Shape.SERVER_TIME:
        return [_server_time(path, result)]
    if result is None:
        return []
    if shape is Shape.ARRAY:
        if isinstance(result, Mapping) and not result:
            return []  # the empty shell some answers carry instead of an empty list
        return objects(path, "result", as_list(path, "result", result))
    if not isinstance(result, Mapping):
        raise malformed(path, f"result is {describe(result)}, expected an object")
    if shape is Shape.OBJECT:
        return [dict(result)] if result else []
    if shape is Shape.ORDERBOOK:
        return []
    if shape is Shape.WALLET:
        accounts = as_list(path, "result.list", member(path, "result", result, "list"))
        # the account's own fields are the answer's summary (summary_of), not columns of its coins
        rows: list[Any] = _wallet_rows(endpoint, objects(path, "result.list", accounts))
    else:
        listed = as_list(path, f"result.{key}", _nested_member(path, result, key))
        if shape is Shape.ROWS:
            return arrays(path, f"result.{key}", listed, endpoint.row_fields, is_numeric_rows(endpoint, None))
        rows = objects(path, f"result.{key}", listed)
    if endpoint.explode is not None:
        rows = explode_rows(rows, endpoint.explode)
    extras = {name: result[name] for name in endpoint.row_extras if name in result}
    if extras:
        rows = [{**row, **extras} for row in rows]
    return rows


def _nested_member(path: str, result: Mapping[str, Any], key: str) -> Any:
    """The value at ``key`` of ``result``, keys joined by ``"."`` leading through objects (``None`` where an
    empty shell stands for the whole answer)."""
    value: Any = result
    where = "result"
    for part in key.split("."):
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise malformed(path, f"{where} is {describe(value)}, expected an object")
        value = member(path, where, value, part)
        where = f"{where}.{part}"
    return value


#: the fields of the server time and how many of their units make a millisecond
_CLOCK_FIELDS = {"timeSecond": 1 / SECOND_MS, "timeNano": NS_PER_MS}


def _server_time(path: str, result: Any) -> dict[str, Any]:
    """The one row of ``/v5/market/time``: an object with ``timeSecond`` and/or ``timeNano``, each a whole
    number of its unit from 1970 to 2100."""
    if not isinstance(result, Mapping) or all(result.get(k) in (None, "") for k in _CLOCK_FIELDS):
        what = describe(result) if not isinstance(result, Mapping) else "an object without them"
        raise malformed(path, f"result is {what}, expected an object with timeSecond and timeNano")
    for name, per_ms in _CLOCK_FIELDS.items():
        value = result.get(name)
        if value in (None, ""):
            continue
        try:
            number = int(convert([value], INT)[0])
        except BadValues as exc:
            raise malformed(path, f"field {name!r} (int) holds values that are {exc}") from None
        if not 0 <= number < LATEST_MS * per_ms:
            raise malformed(path, f"result.{name} {value!r} is not a time from 1970 to 2100")
    return dict(result)


def _wallet_rows(endpoint: Endpoint, accounts: list[dict[str, Any]]) -> list[Any]:
    """One row per coin of each account."""
    path, key = endpoint.path, endpoint.result_key
    rows: list[Any] = []
    for position, account in enumerate(accounts):
        where = f"result.list[{position}]"
        value = member(path, where, account, key)
        rows.extend(objects(path, f"{where}.{key}", as_list(path, f"{where}.{key}", value)))
    return rows
