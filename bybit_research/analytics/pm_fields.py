"""V5 fields of the portfolio-margin report as typed columns, and the checks of the report's shape.

Numeric strings -> float64, JSON integers -> Int64, names snake_case. Nested objects are flattened to their
leaf names (prefixed by their parent's name on a clash); lists and anything else stay as sent, so no field is
dropped. A report whose parts are not of the type §5.13 gives them (an object where a list belongs, a P&L that
is no finite number) raises :class:`ReportFormatError` naming the part, before any frame is built.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..frames.shapes import describe

__all__ = [
    "ReportFormatError",
    "check_report",
    "is_number",
    "records_frame",
    "snake_case",
    "to_float",
]

_INT64 = (-(2**63), 2**63 - 1)


class ReportFormatError(ValueError):
    """A portfolio-margin report (a V5 ``result`` or one a user gives) that is not of §5.13's shape.

    The message names the part that is wrong, as a path into the report (``assetPnlRange[0].totalPnlRanges
    is bool True, expected an object``). :func:`bybit_research.portfolio_margin` turns it into a
    :class:`~bybit_research.errors.ResponseFormatError` naming the endpoint.
    """


def snake_case(name: str) -> str:
    """``assetIM`` -> ``asset_im``, ``maxLossPriceMove`` -> ``max_loss_price_move``."""
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    return text.replace("-", "_").lower()


def is_number(value: Any) -> bool:
    """Whether ``value`` is a JSON number (a bool is not)."""
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def _flatten(record: Mapping[str, Any], skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Leaves of ``record`` in snake_case; nested dicts give their leaf names (parent-prefixed on a clash)."""
    out: dict[str, Any] = {}
    nested = []
    for key, value in record.items():
        if key in skip:
            continue
        if isinstance(value, Mapping):
            nested.append((key, value))
        else:
            out[snake_case(key)] = value
    for key, value in nested:
        for leaf, inner in _flatten(value).items():
            out[leaf if leaf not in out else f"{snake_case(key)}_{leaf}"] = inner
    return out


def _typed(values: Sequence[Any], where: str) -> pd.Series:
    """Numeric strings -> float64 ("" -> NaN), JSON integers -> Int64, bools -> bool, the rest as sent."""
    present = [v for v in values if v is not None and v != ""]
    if not present:
        return pd.Series([np.nan] * len(values), dtype=np.float64)
    if all(isinstance(v, bool) for v in present):
        return pd.Series(values, dtype="boolean" if len(present) < len(values) else bool)
    if all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in present):
        beyond = [v for v in present if not _INT64[0] <= v <= _INT64[1]]
        if beyond:
            raise ReportFormatError(f"{where} holds {beyond[0]!r}, not an integer within int64")
        return pd.Series([None if v is None or v == "" else v for v in values], dtype="Int64")
    numbers = [_parsed(v) for v in present]
    if all(number is not None for number in numbers):
        for value, number in zip(present, numbers, strict=True):
            if not math.isfinite(number):  # type: ignore[arg-type]
                raise ReportFormatError(f"{where} holds {_shown(value)}, not a finite number")
        return pd.Series([np.nan if v is None or v == "" else float(v) for v in values], dtype=np.float64)
    return pd.Series(list(values), dtype=object)


def _parsed(value: Any) -> float | None:
    """``value`` as a float when it is a JSON number or a numeric string, else ``None``."""
    if is_number(value):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _shown(value: Any) -> str:
    text = repr(value)
    return text[:40] + "..." if len(text) > 40 else text


def records_frame(
    records: list[dict[str, Any]], index: pd.Index, skip: frozenset[str] = frozenset(), where: str = "report"
) -> pd.DataFrame:
    """One row per record on ``index``: every field (``skip`` aside) as a typed, snake_case column.

    Columns appear in the order the fields first appear; a field missing from a record is missing there.
    ``where`` names the records in the :class:`ReportFormatError` raised for a number beyond float or int64
    range.
    """
    flat = [_flatten(record, skip) for record in records]
    names: list[str] = []
    for record in flat:
        names.extend(name for name in record if name not in names)
    columns = {
        name: _typed([record.get(name) for record in flat], f"{where} field {name!r}").array for name in names
    }
    return pd.DataFrame(columns, index=index)


def to_float(value: Any, where: str = "value") -> float:
    """A V5 number (string or JSON) as a finite float; ``""`` and ``None`` as NaN.

    Raises
    ------
    ReportFormatError
        ``value`` is no number, or not a finite one (``where`` names it).
    """
    if value is None or value == "":
        return np.nan
    number = None if isinstance(value, bool) else _parsed(value)
    if number is None or not math.isfinite(number):
        raise ReportFormatError(f"{where} is {describe(value)}, expected a finite number")
    return number


# -- the report's shape --------------------------------------------------------------------------------------


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ReportFormatError(f"{where} is {describe(value)}, expected an object")
    return value


def _list(value: Any, where: str) -> Sequence[Any]:
    if value is None:
        return []
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
        raise ReportFormatError(f"{where} is {describe(value)}, expected a list")
    return value


def _objects(value: Any, where: str) -> list[tuple[str, Mapping[str, Any]]]:
    """The entries of a list of objects, each with its path."""
    entries = []
    for position, entry in enumerate(_list(value, where)):
        at = f"{where}[{position}]"
        if not isinstance(entry, Mapping):
            raise ReportFormatError(f"{at} is {describe(entry)}, expected an object")
        entries.append((at, entry))
    return entries


def _text(entry: Mapping[str, Any], key: str, where: str) -> None:
    value = entry.get(key)
    if value is not None and not isinstance(value, str):
        raise ReportFormatError(f"{where}.{key} is {describe(value)}, expected text")


def _pnl_ranges(owner: Mapping[str, Any], where: str) -> None:
    """``owner.pnlRanges``: a list of ``{priceScale, pnls}`` with distinct finite price moves."""
    seen: dict[float, str] = {}
    for at, row in _objects(owner.get("pnlRanges"), f"{where}.pnlRanges"):
        move = to_float(row.get("priceScale"), f"{at}.priceScale")
        if math.isnan(move):
            raise ReportFormatError(f"{at} has no priceScale")
        if move in seen:
            raise ReportFormatError(f"{at}.priceScale {move!r} repeats {seen[move]}'s")
        seen[move] = at
        for position, pnl in enumerate(_list(row.get("pnls"), f"{at}.pnls")):
            to_float(pnl, f"{at}.pnls[{position}]")


def check_report(result: Any) -> tuple[Mapping[str, Any], list[Mapping[str, Any]]]:
    """The wallet and the risk units of a portfolio-margin ``result``, once its shape is checked.

    Raises
    ------
    ReportFormatError
        A part of ``result`` is not of the type §5.13 gives it; an ``assetPnlRange`` entry has no
        ``baseCoin`` or repeats another's; a P&L, price move or IV shock is no finite number.
    """
    if not isinstance(result, Mapping):
        raise ReportFormatError(
            f"result must be the dict of /v5/asset/portfolio-margin, not {type(result).__name__}"
        )
    wallet = _object(result.get("wallet"), "wallet")
    units: list[Mapping[str, Any]] = []
    coins: dict[str, str] = {}
    for where, unit in _objects(result.get("assetPnlRange"), "assetPnlRange"):
        coin = unit.get("baseCoin")
        if not isinstance(coin, str) or not coin:
            raise ReportFormatError(
                f"{where} needs a baseCoin (one entry per risk unit), got {describe(coin)}"
            )
        if coin in coins:
            raise ReportFormatError(f"{where}.baseCoin {coin!r} repeats {coins[coin]}'s (one entry per unit)")
        coins[coin] = where
        for part, body in _object(unit.get("totalPnlRanges"), f"{where}.totalPnlRanges").items():
            _pnl_ranges(_object(body, f"{where}.totalPnlRanges.{part}"), f"{where}.totalPnlRanges.{part}")
        for at, position in _objects(unit.get("perpPositionPnlRanges"), f"{where}.perpPositionPnlRanges"):
            _text(position, "symbolName", at)
            _pnl_ranges(position, at)
        for at, expiry in _objects(
            unit.get("optionExpiryDatePnlRanges"), f"{where}.optionExpiryDatePnlRanges"
        ):
            _text(expiry, "expiryDateRepresentation", at)
            _pnl_ranges(expiry, at)
            for inner, option in _objects(
                expiry.get("optionPositionPnlRanges"), f"{at}.optionPositionPnlRanges"
            ):
                _text(option, "symbolName", inner)
                _pnl_ranges(option, inner)
        _pnl_ranges(_object(unit.get("spotHedgeInfo"), f"{where}.spotHedgeInfo"), f"{where}.spotHedgeInfo")
        shocks = _list(unit.get("maxLossIvShockList"), f"{where}.maxLossIvShockList")
        for point, shock in enumerate(shocks):
            to_float(shock, f"{where}.maxLossIvShockList[{point}]")
        units.append(unit)
    return wallet, units
