"""Rows nested inside an answer: the list a dotted ``result_key`` names, and the rows an :class:`Explode`
unfolds (each nested object a row of its own, carrying the fields of the rows it is nested in)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..endpoints import Explode

__all__ = ["explode_rows", "listed_rows"]


def listed_rows(result: Mapping[str, Any], key: str) -> list[Any]:
    """The list at ``key`` of ``result`` (keys joined by ``"."`` lead through objects); ``[]`` when there
    is no list there."""
    value: Any = result
    for part in key.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return list(value) if isinstance(value, list) else []


def explode_rows(rows: list[Any], explode: Explode) -> list[Any]:
    """Every object nested under the paths of ``explode`` as a row with its parents' fields (see
    :class:`~bybit_research.endpoints.Explode`); rows with nothing nested stay one row each."""
    out: list[Any] = []
    tops = {path[0] for path in explode.paths}
    for row in rows:
        if not isinstance(row, dict):
            out.append(row)
            continue
        found: list[dict[str, Any]] = []
        for path in explode.paths:
            for child in _descend(row, path, (), explode.paths):
                if explode.label is not None:
                    child[explode.label] = path[-1]
                found.append(child)
        out.extend(found or [{k: v for k, v in row.items() if k not in tops}])
    return out


def _descend(
    row: dict[str, Any],
    path: tuple[str, ...],
    above: tuple[str, ...],
    paths: tuple[tuple[str, ...], ...],
    origins: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """The rows under ``path`` of ``row`` (reached through the keys ``above``); ``origins`` maps each field
    of ``row`` merged from a nested object to that object's key."""
    origins = origins or {}
    key, rest = path[0], path[1:]
    here = (*above, key)
    # the lists of the other paths through this object are theirs to unfold, not fields of these rows
    siblings = {p[len(above)] for p in paths if p[: len(above)] == above and len(p) > len(above)}
    parent = {k: v for k, v in row.items() if k not in siblings}
    value = row.get(key)
    items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
    out: list[dict[str, Any]] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        merged, merged_origins = _merge(parent, origins, item, key)
        out.extend(_descend(merged, rest, here, paths, merged_origins) if rest else [merged])
    return out


def _merge(
    parent: dict[str, Any], origins: dict[str, str], child: dict[str, Any], key: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """``child`` (the object at ``key``) with its parent's fields; a parent field named like a child field is
    renamed after the key of the object it came from (``categoriesEquity``; ``rowEquity`` for a field of
    the row itself)."""
    merged: dict[str, Any] = {}
    merged_origins: dict[str, str] = {}
    for name, value in parent.items():
        if name in child:
            renamed = f"{origins.get(name, 'row')}{name[:1].upper()}{name[1:]}"
            merged[renamed] = value
        else:
            merged[name] = value
            if name in origins:
                merged_origins[name] = origins[name]
    merged.update(child)
    merged_origins.update(dict.fromkeys(child, key))
    return merged, merged_origins
