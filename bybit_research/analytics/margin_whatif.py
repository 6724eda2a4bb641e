"""What if: the margin of a book before and after adding or removing legs, and under other parameters.

:func:`what_if` values the book as it is and with the legs, per risk unit and for the account, and the
*marginal* margin of each leg two ways: the leg alone added to the book as it is (``marginal_mm``), and the
leg taken out of the book with every leg (``marginal_mm_last``). Within one risk unit margins do not add up
(a hedge lowers the unit's maximum loss only together with what it hedges); across units they do.
:func:`compare_params` shows one book under several parameter sets (e.g. the +-15 % range before 2025-01-10).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .margin_book import POSITION_COLUMNS, build_book, resolve_now
from .margin_params import DEFAULT_PARAMS, MarginParams
from .margin_replica import MarginReplica, replicate_book
from .margin_symbols import parse_contract

__all__ = ["WhatIf", "compare_params", "what_if"]

_LEG_COLUMNS = ("category", "side", "size", "mark_price")


@dataclass(frozen=True, eq=False)  # holds frames or arrays: compare their fields, not the objects
class WhatIf:
    """Margin before and after a change of the book.

    Attributes
    ----------
    before, after
        The replica of the book as it is and with the legs.
    units
        Index ``base_coin``: ``mm_before``, ``mm_after``, ``mm_change``, ``im_before``, ``im_after``,
        ``im_change``, ``max_loss_before``, ``max_loss_after`` (0 for a unit without positions).
    legs
        One row per leg: ``action`` (add/remove), ``symbol``, ``base_coin``, ``qty`` (signed change),
        ``marginal_mm`` / ``marginal_im`` (the leg alone on top of the book as it is) and
        ``marginal_mm_last`` / ``marginal_im_last`` (the leg taken out of the book with every leg).
    grid
        The units' P&L per price move before and after: columns (``stage``, ``base_coin``, ``part``).
    account
        Index ``field`` (``account_im``, ``account_mm``, ``account_im_rate``, ``account_mm_rate``,
        ``available_balance``): ``before``, ``after``, ``change``.
    """

    before: MarginReplica
    after: MarginReplica
    units: pd.DataFrame
    legs: pd.DataFrame
    grid: pd.DataFrame
    account: pd.DataFrame


def _positions_frame(positions: pd.DataFrame) -> pd.DataFrame:
    frame = positions.set_index("symbol") if "symbol" in positions.columns else positions.copy()
    frame.index = frame.index.astype(str)
    frame.index.name = "symbol"
    return frame


def _legs(legs: Any, positions: pd.DataFrame, action: str) -> pd.DataFrame:
    """Legs as positions rows (side/size of the change); removals of whole positions by symbol."""
    if legs is None:
        return pd.DataFrame(columns=list(_LEG_COLUMNS), index=pd.Index([], name="symbol"))
    if action == "remove" and (isinstance(legs, str) or _is_symbols(legs)):
        symbols = [legs] if isinstance(legs, str) else [str(s) for s in legs]
        unknown = [s for s in symbols if s not in positions.index]
        if unknown:
            raise ValueError(
                f"cannot remove {unknown}: no such position (the book holds {list(positions.index)})"
            )
        rows = positions.loc[symbols, list(POSITION_COLUMNS)].copy()
        rows["side"] = np.where(rows["side"] == "Buy", "Sell", "Buy")
        return rows
    frame = pd.DataFrame(list(legs)) if isinstance(legs, list | tuple) else legs
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{action}= takes a positions-like frame or a list of dicts (or symbols to remove)")
    frame = _positions_frame(frame)
    held = positions[~positions.index.duplicated()]  # hedge mode lists a symbol twice; its terms are one
    for name in ("category", "mark_price"):
        known = held[name].reindex(frame.index) if name in held.columns else None
        given = frame[name] if name in frame.columns else pd.Series(np.nan, index=frame.index, dtype=object)
        frame[name] = given if known is None else given.where(given.notna(), known)
    missing = [name for name in ("side", "size") if name not in frame.columns]
    if missing or frame["category"].isna().any():
        raise ValueError(
            f"{action}= legs need side, size and category (category may be left out for held symbols)"
        )
    if action == "remove":
        frame["side"] = np.where(frame["side"] == "Buy", "Sell", "Buy")
    return frame


def _is_symbols(values: Any) -> bool:
    """Whether ``values`` is a collection of symbols (strings), not legs."""
    return (
        isinstance(values, Iterable)
        and not isinstance(values, pd.DataFrame | Mapping)
        and all(isinstance(v, str) for v in values)
    )


def _margin(
    rows: pd.DataFrame, market: pd.DataFrame | None, params: MarginParams, now: pd.Timestamp, **account: Any
) -> MarginReplica:
    return replicate_book(build_book(rows, market, now), params, **account)


def what_if(
    positions: pd.DataFrame,
    add: Any = None,
    remove: Any = None,
    market: pd.DataFrame | None = None,
    params: MarginParams | None = None,
    now: Any = None,
    *,
    equity: float | None = None,
    outside_im: float = 0.0,
    outside_mm: float = 0.0,
) -> WhatIf:
    """IM/MM before and after adding and removing legs, per risk unit, with each leg's marginal margin.

    Parameters
    ----------
    positions
        The book (``/v5/position/list`` contract plus ``category``).
    add
        Legs to add: a positions-like frame or a list of dicts with ``symbol``, ``side``, ``size``,
        ``category`` and (linear, inverse, spot) ``mark_price``; category and mark may be left out for
        symbols the book holds. A leg on a held symbol is netted with the position.
    remove
        A symbol or a list of symbols to close entirely, or legs (as for ``add``) to take off.
    market, params, now, equity, outside_im, outside_mm
        As in :func:`~.margin_replica.replicate`; options among the legs need the chain.

    Returns
    -------
    WhatIf

    Raises
    ------
    ValueError
        A removal of a position the book does not hold, legs without side/size/category, or what
        :func:`~.margin_book.build_book` refuses.
    """
    params = DEFAULT_PARAMS if params is None else params
    book_rows = _positions_frame(positions)
    stamp = resolve_now(now, market, positions)
    account = {"equity": equity, "outside_im": outside_im, "outside_mm": outside_mm}
    legs = pd.concat(
        [
            _legs(add, book_rows, "add").assign(action="add"),
            _legs(remove, book_rows, "remove").assign(action="remove"),
        ]
    )
    before = _margin(book_rows, market, params, stamp, **account)
    changes = legs.drop(columns="action")
    after = _margin(pd.concat([book_rows, changes]), market, params, stamp, **account)
    rows = []
    for i in range(len(legs)):
        leg = changes.iloc[[i]]
        others = changes.iloc[[j for j in range(len(changes)) if j != i]]
        alone = _margin(pd.concat([book_rows, leg]), market, params, stamp, **account)
        without = _margin(pd.concat([book_rows, others]), market, params, stamp, **account)
        size = float(leg["size"].iloc[0])
        rows.append(
            {
                "action": legs["action"].iloc[i],
                "symbol": leg.index[0],
                "base_coin": parse_contract(
                    str(leg.index[0]), str(leg["category"].iloc[0]).lower()
                ).base_coin,
                "qty": size if leg["side"].iloc[0] == "Buy" else -size,
                "marginal_mm": alone.account["account_mm"] - before.account["account_mm"],
                "marginal_im": alone.account["account_im"] - before.account["account_im"],
                "marginal_mm_last": after.account["account_mm"] - without.account["account_mm"],
                "marginal_im_last": after.account["account_im"] - without.account["account_im"],
            }
        )
    legs_frame = pd.DataFrame(rows, columns=_LEG_TABLE)
    legs_frame.index.name = "leg"
    return WhatIf(
        before=before,
        after=after,
        units=_unit_changes(before, after),
        legs=legs_frame,
        grid=pd.concat({"before": before.scenarios, "after": after.scenarios}, axis=1, names=["stage"]),
        account=_account_changes(before, after),
    )


_LEG_TABLE = [
    "action",
    "symbol",
    "base_coin",
    "qty",
    "marginal_mm",
    "marginal_im",
    "marginal_mm_last",
    "marginal_im_last",
]


def _unit_changes(before: MarginReplica, after: MarginReplica) -> pd.DataFrame:
    coins = sorted(set(before.units.index) | set(after.units.index))
    old = before.units.reindex(coins).fillna(0.0)
    new = after.units.reindex(coins).fillna(0.0)
    frame = pd.DataFrame(
        {
            "mm_before": old["asset_mm"],
            "mm_after": new["asset_mm"],
            "mm_change": new["asset_mm"] - old["asset_mm"],
            "im_before": old["asset_im"],
            "im_after": new["asset_im"],
            "im_change": new["asset_im"] - old["asset_im"],
            "max_loss_before": old["max_loss"],
            "max_loss_after": new["max_loss"],
        },
        index=pd.Index(coins, name="base_coin"),
    )
    return frame.astype(np.float64)


def _account_changes(before: MarginReplica, after: MarginReplica) -> pd.DataFrame:
    fields = ["account_im", "account_mm", "account_im_rate", "account_mm_rate", "available_balance"]
    frame = pd.DataFrame({"before": before.account[fields], "after": after.account[fields]})
    frame["change"] = frame["after"] - frame["before"]
    frame.index.name = "field"
    return frame


def compare_params(
    positions: pd.DataFrame,
    params_sets: Mapping[str, MarginParams],
    market: pd.DataFrame | None = None,
    now: Any = None,
) -> pd.DataFrame:
    """The same book under several parameter sets.

    Parameters
    ----------
    positions, market, now
        As in :func:`~.margin_replica.replicate`.
    params_sets
        Label -> parameters, e.g. ``{"2025": DEFAULT_PARAMS, "pre-2025": PRE_2025_PARAMS}``.

    Returns
    -------
    pandas.DataFrame
        Index ``base_coin``; columns (label, field) for ``asset_mm``, ``asset_im``, ``max_loss``,
        ``max_loss_price_move`` and ``contingency_components``.

    Raises
    ------
    ValueError
        No parameter set, or what :func:`~.margin_book.build_book` refuses.
    """
    if not params_sets:
        raise ValueError("params_sets needs at least one label -> MarginParams")
    book = build_book(positions, market, now)
    fields = ["asset_mm", "asset_im", "max_loss", "max_loss_price_move", "contingency_components"]
    pieces = {label: replicate_book(book, params).units[fields] for label, params in params_sets.items()}
    frame = pd.concat(pieces, axis=1, names=["params", "field"])
    frame.index.name = "base_coin"
    return frame
