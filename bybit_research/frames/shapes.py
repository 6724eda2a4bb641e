"""Checks that parts of an answer have the JSON type the endpoint sends, raising
:class:`~bybit_research.errors.ResponseFormatError` naming the endpoint and the part otherwise.

Used by :func:`~bybit_research.frames.rows_of` and :func:`~bybit_research.frames.orderbook_frame`, so that no
row is ever made out of the keys of an object or the characters of a string.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import malformed

__all__ = ["arrays", "as_list", "describe", "member", "objects"]


def member(path: str, where: str, container: Mapping[str, Any], key: str) -> Any:
    """``container[key]``. Missing from an empty object (the shell some answers carry) it is ``None``; missing
    from any other object the answer is malformed."""
    if key in container:
        return container[key]
    if not container:
        return None
    shown = ", ".join(repr(k) for k in list(container)[:8])
    raise malformed(path, f"{where} has no {key!r} (it has {shown})")


def as_list(path: str, where: str, value: Any) -> list[Any]:
    """``value`` as a list (``None``: empty), or a malformed answer when it is anything else."""
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise malformed(path, f"{where} is {describe(value)}, expected a list")
    return list(value)


def objects(path: str, where: str, rows: list[Any]) -> list[dict[str, Any]]:
    """``rows`` when every one is an object."""
    for position, row in enumerate(rows):
        if not isinstance(row, dict):
            raise malformed(path, f"{where}[{position}] is {describe(row)}, expected an object")
    return rows


def arrays(path: str, where: str, rows: list[Any], fields: Sequence[str], exact: bool) -> list[Any]:
    """``rows`` when every one is an array of at least ``len(fields)`` values (exactly that many when
    ``exact``: rows of numbers have fixed columns)."""
    for position, row in enumerate(rows):
        if not isinstance(row, list | tuple):
            raise malformed(path, f"{where}[{position}] is {describe(row)}, expected an array")
        if len(row) < len(fields) or (exact and len(row) != len(fields)):
            raise malformed(
                path,
                f"{where}[{position}] has {len(row)} values, expected {len(fields)} ({', '.join(fields)})",
            )
    return rows


def describe(value: Any) -> str:
    """How a value is named in messages: its JSON type, with a short repr of scalars."""
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return "a list"
    text = repr(value)
    return f"{type(value).__name__} {text[:40] + '...' if len(text) > 40 else text}"
