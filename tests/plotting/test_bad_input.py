"""Every helper refuses a frame of the wrong kind, a missing column or a non-frame with a ValueError naming
the frame it expects, and draws an empty frame of the right kind as an empty, titled figure."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.figure import Figure

from bybit_research import plotting

EXPECTS = {
    "candles": "a klines frame (columns open, high, low, close; DatetimeIndex 'time')",
    "funding": "a funding-rates frame (columns symbol, funding_rate; DatetimeIndex 'time')",
    "open_interest": "an open-interest frame (columns open_interest; DatetimeIndex 'time')",
    "basis": "a linear or inverse tickers frame (columns last_price, index_price, delivery_time, basis, "
    "basis_rate, basis_rate_year)",
    "depth": "an order-book frame (columns side, price, size)",
    "smile": "an option-chain frame (columns expiry, strike, option_type, mark_iv, bid1_iv, ask1_iv, "
    "underlying_price)",
    "term_structure": "an option-chain frame (columns expiry, strike, option_type, mark_price, mark_iv, "
    "underlying_price)",
    "surface": "an option-chain frame (columns expiry, strike, option_type, mark_price, mark_iv, "
    "underlying_price)",
    "equity": "a transaction-log frame (columns currency, type, change, cash_balance, cash_flow, funding, "
    "fee; DatetimeIndex 'time')",
}
HELPERS: dict[str, Callable[..., Figure]] = {name: getattr(plotting, name) for name in EXPECTS}


@pytest.fixture(scope="module")
def frames(
    klines_1m: pd.DataFrame,
    linear_tickers: pd.DataFrame,
    chain: pd.DataFrame,
    book: pd.DataFrame,
    transaction_log: pd.DataFrame,
    client: object,
) -> dict[str, pd.DataFrame]:
    """One real frame of the kind each helper takes."""
    from bybit_research.client import Client

    assert isinstance(client, Client)
    return {
        "candles": klines_1m,
        "funding": client.funding_rates("BTCUSDT", "2024-06-01", "2024-06-03"),
        "open_interest": client.open_interest("BTCUSDT", "1h", "2024-06-01", "2024-06-02"),
        "basis": linear_tickers,
        "depth": book,
        "smile": chain,
        "term_structure": chain,
        "surface": chain,
        "equity": transaction_log,
    }


def wrong_kind(name: str) -> str:
    """A frame of another kind for each helper (tickers to candles, klines to the snapshot helpers...)."""
    return {"candles": "basis", "funding": "candles", "open_interest": "depth", "basis": "candles",
            "depth": "smile", "smile": "depth", "term_structure": "depth", "surface": "candles",
            "equity": "funding"}[name]  # fmt: skip


@pytest.mark.parametrize("name", list(EXPECTS))
def test_a_frame_of_the_wrong_kind_names_the_frame_expected(
    name: str, frames: dict[str, pd.DataFrame]
) -> None:
    other = frames[wrong_kind(name)]
    with pytest.raises(ValueError, match=re.escape(f"{name}() expects {EXPECTS[name]}; got columns [")):
        HELPERS[name](other)


@pytest.mark.parametrize("name", list(EXPECTS))
def test_a_missing_column_is_named(name: str, frames: dict[str, pd.DataFrame]) -> None:
    column = EXPECTS[name].split("columns ")[1].split(",")[0].split(";")[0].rstrip(")")
    with pytest.raises(
        ValueError, match=re.escape(f"{name}() expects {EXPECTS[name]}") + f".*missing {column}$"
    ):
        HELPERS[name](frames[name].drop(columns=column))


@pytest.mark.parametrize("name", list(EXPECTS))
def test_something_else_than_a_frame_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"{name}() expects {EXPECTS[name]}; got list")):
        HELPERS[name]([1, 2, 3])


@pytest.mark.parametrize("name", ["candles", "funding", "open_interest", "equity"])
def test_time_series_need_a_time_index(name: str, frames: dict[str, pd.DataFrame]) -> None:
    flat = frames[name].reset_index(drop=True)
    with pytest.raises(
        ValueError, match=re.escape(EXPECTS[name]) + r".*\(index 'unnamed', RangeIndex\), which"
    ):
        HELPERS[name](flat)


def test_text_in_a_number_column_is_refused(klines_1m: pd.DataFrame) -> None:
    text = klines_1m.assign(close=klines_1m["close"].astype(str))
    with pytest.raises(ValueError, match=r"column 'close' holds str values, not numbers"):
        plotting.candles(text)


@pytest.mark.parametrize("name", list(EXPECTS))
def test_an_empty_frame_gives_an_empty_titled_figure(name: str, frames: dict[str, pd.DataFrame]) -> None:
    empty = frames[name].iloc[:0]
    figure = HELPERS[name](empty)
    assert isinstance(figure, Figure)
    title = figure.get_suptitle() or figure.axes[0].get_title(loc="left")
    assert title
    assert any(t.get_text() in {"no data", "no dated futures", "empty book"} for t in figure.axes[0].texts)
    figure.savefig(io.BytesIO(), format="png")


def test_no_helper_leaves_a_pyplot_figure_open(frames: dict[str, pd.DataFrame]) -> None:
    for name, draw in HELPERS.items():
        kwargs = {"expiry": "28JUN24"} if name == "smile" else {}
        figure = draw(frames[name], **kwargs)
        figure.savefig(io.BytesIO(), format="png")
        assert plt.get_fignums() == [], name
        assert type(figure.canvas).__name__ == "FigureCanvasAgg"


def test_ax_must_be_an_axes(klines_1m: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="ax= must be a matplotlib Axes, got Figure"):
        plotting.candles(klines_1m, ax=Figure())  # type: ignore[arg-type]
