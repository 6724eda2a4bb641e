"""equity(): per-currency cash balance and cumulative changes by source, from the transaction log."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from bybit_research.plotting import equity
from bybit_research.plotting.equity import SOURCES, balance_history

from .conftest import transaction_log_frame
from .drawn import ys


def ledger_balances(rows: list[dict[str, Any]], currency: str) -> pd.Series:
    """The balance after each transaction time, read from the raw rows in ledger order (the API sends them
    newest first, so reversed they chain: each balance is the previous one plus the change)."""
    after: dict[int, float] = {}
    previous = None
    for row in reversed(rows):
        if row["currency"] != currency:
            continue
        balance = float(row["cashBalance"])
        if previous is not None:
            assert balance == pytest.approx(previous + float(row["change"]), abs=1e-6)
        after[int(row["transactionTime"])] = previous = balance
    index = pd.to_datetime(list(after), unit="ms", utc=True).as_unit("ms")
    return pd.Series(list(after.values()), index=pd.DatetimeIndex(index, name="time"))


def test_the_log_shares_milliseconds_between_rows(transaction_log: pd.DataFrame) -> None:
    usdc = transaction_log[transaction_log["currency"] == "USDC"]
    assert usdc.index.duplicated().sum() > 10  # what the balance history has to untangle


@pytest.mark.parametrize("currency", ["USDC", "USDT", "BTC"])
def test_balances_are_bybits_after_each_transaction_time(
    log_rows: list[dict[str, Any]], transaction_log: pd.DataFrame, currency: str
) -> None:
    history = balance_history(transaction_log, currency)
    want = ledger_balances(log_rows, currency)
    assert history.index.equals(want.index)
    np.testing.assert_array_equal(history["cash_balance"].to_numpy(), want.to_numpy())


def test_balances_do_not_depend_on_the_order_of_rows_sharing_a_time(
    log_rows: list[dict[str, Any]], transaction_log: pd.DataFrame
) -> None:
    shuffled = transaction_log.iloc[np.random.default_rng(3).permutation(len(transaction_log))]
    shuffled = shuffled.iloc[np.argsort(pd.DatetimeIndex(shuffled.index).asi8, kind="stable")]
    got = balance_history(shuffled, "USDC")["cash_balance"].to_numpy()
    np.testing.assert_array_equal(got, ledger_balances(log_rows, "USDC").to_numpy())


@pytest.mark.parametrize("currency", ["USDC", "USDT"])
def test_sources_add_up_to_the_change_of_balance(transaction_log: pd.DataFrame, currency: str) -> None:
    history = balance_history(transaction_log, currency)
    rows = transaction_log[transaction_log["currency"] == currency]
    np.testing.assert_allclose(
        history["pnl"] + history["transfers"], rows["change"].cumsum().groupby(level=0).last()
    )
    total = sum(history[name] for name in SOURCES if name != "transfers")
    np.testing.assert_allclose(history["pnl"], total)
    moved = history["cash_balance"].iloc[-1] - history["cash_balance"].iloc[0]
    assert moved == pytest.approx(history["pnl"].iloc[-1] - history["pnl"].iloc[0], abs=1e-6)
    np.testing.assert_allclose(history["funding"].iloc[-1], rows["funding"].sum())
    np.testing.assert_allclose(history["fees"].iloc[-1], -rows["fee"].sum())
    interest = rows[rows["type"] == "INTEREST"]["cash_flow"].sum()
    np.testing.assert_allclose(history["interest"].iloc[-1], interest)
    assert (history["other"] == 0).all()  # every row keeps change = cash_flow + funding - fee


def synthetic_log() -> pd.DataFrame:
    """Four USDT rows: a deposit, a trade with a fee, a funding payment, a withdrawal."""
    times = pd.DatetimeIndex(["2024-06-01 00:00", "2024-06-02 10:00", "2024-06-02 16:00", "2024-06-03 09:00"])
    frame = pd.DataFrame(
        {"currency": "USDT", "type": ["TRANSFER_IN", "TRADE", "SETTLEMENT", "TRANSFER_OUT"],
         "change": [1000.0, 49.0, -2.0, -300.0], "cash_balance": [1000.0, 1049.0, 1047.0, 747.0],
         "cash_flow": [1000.0, 50.0, 0.0, -300.0], "funding": [0.0, 0.0, -2.0, 0.0],
         "fee": [0.0, 1.0, 0.0, 0.0]},
        index=pd.DatetimeIndex(times.tz_localize("UTC"), name="time"),
    )  # fmt: skip
    frame.attrs = {"params": {"startTime": "2024-06-01", "endTime": "2024-06-04"}}
    return frame


def test_transfers_are_not_pnl() -> None:
    history = balance_history(synthetic_log(), "USDT")
    assert history["transfers"].tolist() == [1000.0, 1000.0, 1000.0, 700.0]
    assert history["trading"].tolist() == [0.0, 50.0, 50.0, 50.0]
    assert history["fees"].tolist() == [0.0, -1.0, -1.0, -1.0]
    assert history["funding"].tolist() == [0.0, 0.0, -2.0, -2.0]
    assert history["pnl"].tolist() == [0.0, 49.0, 47.0, 47.0]


def test_figure_rows_per_currency(transaction_log: pd.DataFrame) -> None:
    figure = equity(transaction_log)
    assert isinstance(figure, Figure)
    currencies = sorted(set(transaction_log["currency"]))
    assert len(figure.axes) == 2 * len(currencies)
    title = figure.get_suptitle()
    assert title.startswith(f"cash balance and P&L by source ({', '.join(currencies)}), 20")
    assert [ax.get_ylabel() for ax in figure.axes[:2]] == [
        f"cash balance ({currencies[0]})", f"cumulative change ({currencies[0]})"
    ]  # fmt: skip
    usdc = currencies.index("USDC")
    history = balance_history(transaction_log, "USDC")
    (balance,) = figure.axes[2 * usdc].get_lines()
    np.testing.assert_array_equal(ys(balance)[: len(history)], history["cash_balance"])
    assert balance.get_drawstyle() == "steps-post"
    pnl = [
        line
        for line in figure.axes[2 * usdc + 1].get_lines()
        if line.get_label() == "P&L (all but transfers)"
    ]
    np.testing.assert_allclose(ys(pnl[0])[: len(history)], history["pnl"])
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend[0] == "trades & settlement cash flow" and legend[-1] == "P&L (all but transfers)"
    assert "interest" in legend and "transfers" not in legend
    assert figure.axes[-1].get_xlabel() == "time (UTC)" and figure.axes[0].get_xlabel() == ""


def test_balances_hold_until_the_end_of_the_log_and_transfers_are_marked() -> None:
    figure = equity(synthetic_log())
    left, right = figure.axes
    (line,) = left.get_lines()
    assert ys(line).tolist() == [1000.0, 1049.0, 1047.0, 747.0]
    markers = {str(c.get_label()): np.asarray(c.get_offsets(), dtype=float) for c in left.collections}
    assert sorted(markers) == ["out", "transfer in"]
    assert markers["transfer in"][0][1] == 1000.0 and markers["out"][0][1] == 747.0
    drawn = {str(line.get_label()) for line in right.get_lines()}
    assert {"trades & settlement cash flow", "funding", "fees (paid < 0)", "transfers"} <= drawn
    assert "interest" not in drawn


def test_one_currency_and_ax(transaction_log: pd.DataFrame) -> None:
    assert len(equity(transaction_log, "USDT").axes) == 2
    with pytest.raises(ValueError, match=r"currency='EUR' is not in the transaction log; it holds \['BTC'"):
        equity(transaction_log, "EUR")
    outer = Figure()
    ax = outer.add_subplot()
    with pytest.raises(ValueError, match=r"equity\(ax=...\) draws one currency; pass currency= one of"):
        equity(transaction_log, ax=ax)
    assert equity(transaction_log, "USDT", ax=ax) is outer
    assert ax.get_ylabel() == "cash balance (USDT)"
    assert ax.get_title(loc="left").startswith("cash balance and P&L by source (USDT), ")


def test_an_empty_log_gives_a_titled_figure(log_rows: list[dict[str, Any]]) -> None:
    empty = transaction_log_frame([])
    assert empty.empty and "cash_balance" in empty.columns
    figure = equity(empty)
    assert figure.get_suptitle() == "cash balance and P&L by source"
    assert [t.get_text() for t in figure.axes[0].texts] == ["no data"]
