"""Account balance and P&L over time, per currency, from the transaction log.

The transaction log (``/v5/account/transaction-log``) holds every change of a UTA's cash balance: trades'
cash flows, funding, fees, interest, deliveries and transfers, each with the balance after it
(``cashBalance``) and the identity ``change = cashFlow + funding - fee``. It has no unrealised P&L, so the
"equity" drawn here is the cash (wallet) balance per currency, as Bybit reports it after each transaction.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .checks import FrameKind, check_frame, time_index
from .labels import frame_range
from .style import (
    DOWN,
    PRICE,
    SERIES,
    UP,
    date_numbers,
    empty_pane,
    figure_of,
    new_figure,
    price_axis,
    style_axes,
    time_axis,
)

__all__ = ["SOURCES", "TRANSACTION_LOG", "balance_history", "equity"]

_NUMBERS = ("change", "cash_balance", "cash_flow", "funding", "fee")
TRANSACTION_LOG = FrameKind("a transaction-log frame", ("currency", "type", *_NUMBERS), numeric=_NUMBERS)
#: the sources a balance change is split into, in drawing order; "pnl" is their sum without transfers
SOURCES = ("trading", "funding", "fees", "interest", "other", "transfers")
_COLOURS = {
    "trading": SERIES[0],
    "funding": SERIES[1],
    "fees": SERIES[3],
    "interest": SERIES[4],
    "other": SERIES[5],
    "transfers": SERIES[7],
}
_LABELS = {
    "trading": "trades & settlement cash flow",
    "funding": "funding",
    "fees": "fees (paid < 0)",
    "interest": "interest",
    "other": "other",
    "transfers": "transfers",
    "pnl": "P&L (all but transfers)",
}


def _is_transfer(types: np.ndarray) -> np.ndarray:
    return np.char.startswith(types.astype(str), "TRANSFER")


def balance_history(log: pd.DataFrame, currency: str) -> pd.DataFrame:
    """Return one currency's balance after each transaction time and its cumulative changes by source.

    Parameters
    ----------
    log
        A transaction-log frame (index ``time`` = ``transactionTime``; ``currency``, ``type``, ``change``,
        ``cash_balance``, ``cash_flow``, ``funding``, ``fee``).
    currency
        The currency, e.g. ``"USDT"``.

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (unique, ascending). ``cash_balance``: Bybit's balance after the last transaction at
        that time (rows sharing a millisecond are chained by ``cash_balance - change`` to find the last, so
        their order in the frame does not matter). Cumulative sums from the first row: ``trading``
        (``cash_flow`` of trades, settlements, deliveries...), ``funding``, ``fees`` (``-fee``),
        ``interest`` (``cash_flow`` of INTEREST rows), ``other`` (what ``change`` holds beyond ``cash_flow +
        funding - fee``), ``transfers`` (``change`` of TRANSFER_* rows) and ``pnl`` (every source but
        transfers), so that ``pnl + transfers`` is the cumulative ``change``.

    Raises
    ------
    ValueError
        When the log holds no row of ``currency`` (the message lists the currencies it holds).
    """
    held = sorted({str(c) for c in log["currency"].dropna().unique()})
    rows = log[(log["currency"].astype(str) == currency).to_numpy(dtype=bool)]
    if rows.empty:
        raise ValueError(f"currency={currency!r} is not in the transaction log; it holds {held}")
    times = time_index(rows)
    assert times is not None
    order = np.argsort(times.asi8, kind="stable")
    rows, stamps = rows.iloc[order], times[order]
    values = {name: rows[name].to_numpy(np.float64) for name in _NUMBERS}
    change, flow, fund, fee = (np.nan_to_num(values[n]) for n in ("change", "cash_flow", "funding", "fee"))
    types = rows["type"].astype(str).to_numpy()
    transfer = _is_transfer(types)
    interest = types == "INTEREST"
    keep = ~transfer
    parts = {
        "trading": np.where(keep & ~interest, flow, 0.0),
        "funding": np.where(keep, fund, 0.0),
        "fees": np.where(keep, -fee, 0.0),
        "interest": np.where(keep & interest, flow, 0.0),
        "other": np.where(keep, _residual(change, flow + fund - fee), 0.0),
        "transfers": np.where(transfer, change, 0.0),
    }
    ms = stamps.as_unit("ms").asi8
    last = np.flatnonzero(np.append(ms[1:] != ms[:-1], True))
    first = np.concatenate(([0], last[:-1] + 1))
    history = {"cash_balance": _balances_after(values["cash_balance"], change, first, last)}
    for name in SOURCES:
        history[name] = np.cumsum(parts[name])[last]
    history["pnl"] = sum((history[name] for name in SOURCES if name != "transfers"), np.zeros(len(last)))
    index = pd.DatetimeIndex(stamps[last], name="time")
    return pd.DataFrame(history, index=index)


def _residual(change: np.ndarray, parts: np.ndarray) -> np.ndarray:
    """``change - parts``, with the rounding noise of decimal strings read as floats set to 0."""
    residual = change - parts
    noise = 1e-9 * np.maximum(1.0, np.abs(change))
    return np.where(np.abs(residual) <= noise, 0.0, residual)


def _balances_after(
    balance: np.ndarray, change: np.ndarray, first: np.ndarray, last: np.ndarray
) -> np.ndarray:
    """Bybit's balance after each group of rows sharing a time: the row no other row of the group follows."""
    out = balance[last].copy()
    for group in np.flatnonzero(last > first):
        lo, hi = first[group], last[group]
        b, c = balance[lo : hi + 1], change[lo : hi + 1]
        moving = np.flatnonzero(c != 0)
        if len(moving) < 2:
            out[group] = b[moving[0]] if len(moving) else b[-1]
            continue
        before = b[moving] - c[moving]
        tolerance = 1e-9 * np.maximum(1.0, np.abs(b[moving])) + 1e-10
        followed = np.abs(b[moving][:, None] - before[None, :]) <= tolerance[:, None]
        np.fill_diagonal(followed, False)
        ends = moving[~followed.any(axis=1)]
        out[group] = b[ends[0]] if len(ends) == 1 else b[-1]
    return out


def equity(log: pd.DataFrame, currency: str | None = None, *, ax: Axes | None = None) -> Figure:
    """Draw each currency's cash balance and its cumulative changes by source over time.

    One row per currency (alphabetical): left, the balance after each transaction (a step line; transfers
    in and out marked with triangles); right, the cumulative change by source (trades & settlement cash
    flow, funding, fees, interest, other, transfers) and the P&L (all but transfers) in black; figures of
    :func:`balance_history`. Gallery image: ``docs/gallery/equity.png``.

    Parameters
    ----------
    log
        A transaction-log frame following ``/v5/account/transaction-log``: index ``time``
        (``transactionTime``), columns ``currency, type, change, cash_balance, cash_flow, funding, fee``.
    currency
        Draw one currency only.
    ax
        Draw one currency's balance pane into this axes (needs ``currency`` when the log holds several) and
        return its figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        When ``log`` is not a transaction-log frame, ``currency`` is not in it, or ``ax`` is given for a log
        of several currencies without ``currency``.
    """
    check_frame(log, "equity", TRANSACTION_LOG)
    held = sorted({str(c) for c in log["currency"].dropna().unique()})
    if currency is not None and currency not in held:
        raise ValueError(f"currency={currency!r} is not in the transaction log; it holds {held}")
    currencies = [currency] if currency is not None else held
    if ax is not None and len(currencies) > 1:
        raise ValueError(f"equity(ax=...) draws one currency; pass currency= one of {held}")
    head = "cash balance and P&L by source" + (f" ({', '.join(currencies)})" if currencies else "")
    times = time_index(log)
    text = f"{head}, {frame_range(log, times)}".rstrip(", ")
    end = times.max() if times is not None and len(times) else None
    if ax is not None:
        style_axes(ax)
        ax.set_title(text, fontsize=11, loc="left")
        _balance_pane(ax, _held_until(balance_history(log, currencies[0]), end), log, currencies[0])
        time_axis(ax)
        return figure_of(ax)

    figure, axes = new_figure(
        0.5 + 2.6 * max(len(currencies), 1), (1.0,) * max(len(currencies), 1), columns=2
    )
    figure.suptitle(text, x=0.01, ha="left", fontsize=11)
    if not currencies:
        for pane in axes:
            empty_pane(pane)
            time_axis(pane)
        axes[0].set_ylabel("cash balance", fontsize=9)
        axes[1].set_ylabel("cumulative change", fontsize=9)
        return figure
    for row, name in enumerate(currencies):
        history = _held_until(balance_history(log, name), end)
        left, right = axes[2 * row], axes[2 * row + 1]
        _balance_pane(left, history, log, name)
        _sources_pane(right, history, name)
        for pane in (left, right):
            time_axis(pane, label=row == len(currencies) - 1)
    found: dict[str, Any] = {}
    for pane in axes[1::2]:
        for handle, label in zip(*pane.get_legend_handles_labels(), strict=True):
            found.setdefault(label, handle)
    labels = [_LABELS[name] for name in (*SOURCES, "pnl") if _LABELS[name] in found]
    figure.legend([found[label] for label in labels], labels, loc="outside lower center", ncols=len(labels),
                  fontsize=8, frameon=False)  # fmt: skip
    return figure


def _held_until(history: pd.DataFrame, end: pd.Timestamp | None) -> pd.DataFrame:
    """``history`` with its last row repeated at ``end``: balances hold until the log's last time."""
    if end is None or not len(history) or history.index[-1] >= end:
        return history
    unit = pd.DatetimeIndex(history.index).unit
    tail = history.iloc[[-1]].set_axis(pd.DatetimeIndex([end], name="time").as_unit(unit))
    return pd.concat([history, tail])


def _balance_pane(pane: Axes, history: pd.DataFrame, log: pd.DataFrame, currency: str) -> None:
    x = date_numbers(pd.DatetimeIndex(history.index))
    pane.plot(x, history["cash_balance"].to_numpy(), drawstyle="steps-post", color=PRICE, linewidth=1.3,
              label=f"{currency} cash balance")  # fmt: skip
    rows = log[(log["currency"].astype(str) == currency).to_numpy(dtype=bool)]
    transfer = _is_transfer(rows["type"].astype(str).to_numpy())
    if transfer.any():
        stamps = pd.DatetimeIndex(rows.index)[transfer]
        after = history["cash_balance"].reindex(stamps).to_numpy()
        incoming = rows["change"].to_numpy(np.float64)[transfer] >= 0
        for mask, marker, colour, label in (
            (incoming, "^", UP, "transfer in"),
            (~incoming, "v", DOWN, "out"),
        ):
            if mask.any():
                pane.scatter(date_numbers(stamps[mask]), after[mask], marker=marker, color=colour, s=30,
                             zorder=3, label=label)  # fmt: skip
    pane.set_ylabel(f"cash balance ({currency})", fontsize=9)
    price_axis(pane.yaxis)


def _sources_pane(pane: Axes, history: pd.DataFrame, currency: str) -> None:
    x = date_numbers(pd.DatetimeIndex(history.index))
    for name in SOURCES:
        values = history[name].to_numpy()
        if np.any(values != 0):
            pane.plot(
                x, values, drawstyle="steps-post", color=_COLOURS[name], linewidth=1.1, label=_LABELS[name]
            )
    pane.plot(x, history["pnl"].to_numpy(), drawstyle="steps-post", color="black", linewidth=1.6,
              label=_LABELS["pnl"])  # fmt: skip
    pane.axhline(0.0, color="#9e9e9e", linewidth=0.8, zorder=1)
    pane.set_ylabel(f"cumulative change ({currency})", fontsize=9)
    price_axis(pane.yaxis)
