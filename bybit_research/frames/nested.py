"""Rows nested inside rows: those an :class:`Explode` unfolds (each nested object a row of its own, carrying
the fields of the rows it is nested in). The list a dotted ``result_key`` names is found by
:func:`~bybit_research.frames.rows.rows_of`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..endpoints import Explode

__all__ = ["explode_rows"]


def explode_rows(rows: list[Any], explode: Explode) -> list[Any]:
    """Every object nested under the paths of ``explode`` as a row with its parents' fields (see
    :class:`~bybit_research.endpoints.Explode`); rows with nothing nested stay one row each."""
    out: list[Any] = []
    for row in rows:
        if not isinstance(row, dict):
            out.append(row)
            continue
        for unfolded, last_key in _unfold(row, explode.paths, {}, explode.rename):
            if explode.label is not None:
                unfolded[explode.label] = last_key
            out.append(unfolded)
    return out


def _unfold(
    row: dict[str, Any],
    paths: tuple[tuple[str, ...], ...],
    origins: dict[str, str],
    rename: Mapping[str, str],
) -> list[tuple[dict[str, Any], str | None]]:
    """``(row, last key of its path)`` of every object under ``paths`` (relative to ``row``); ``row`` itself
    (last key None) when nothing is. ``origins`` maps the fields of ``row`` merged from nested objects to
    those objects' keys."""
    heads = list(dict.fromkeys(path[0] for path in paths))
    # the lists the paths go through are theirs to unfold, not fields of the rows
    parent = {k: v for k, v in row.items() if k not in heads}
    out: list[tuple[dict[str, Any], str | None]] = []
    for head in heads:
        below = tuple(path[1:] for path in paths if path[0] == head and len(path) > 1)
        value = row.get(head)
        items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
        for item in items:
            if not isinstance(item, dict):
                continue
            named = {rename.get(f"{head}.{k}", k): v for k, v in item.items()} if rename else item
            merged, merged_origins = _merge(parent, origins, named, head)
            out.extend(_unfold(merged, below, merged_origins, rename) if below else [(merged, head)])
    return out or [(parent, None)]


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
            merged[f"{origins.get(name, 'row')}{name[:1].upper()}{name[1:]}"] = value
        else:
            merged[name] = value
            if name in origins:
                merged_origins[name] = origins[name]
    merged.update(child)
    merged_origins.update(dict.fromkeys(child, key))
    return merged, merged_origins
