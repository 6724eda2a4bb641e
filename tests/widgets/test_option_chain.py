"""option_chain(base_coin): expiry selector, the expiry's calls and puts, the smile, term-structure and
surface tabs; the table as a pure function of the chain."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from bybit_research import widgets as br_widgets
from bybit_research.analytics import options
from bybit_research.client import Client
from bybit_research.errors import InvalidRequestError
from bybit_research.widgets import OptionChainPanel
from bybit_research.widgets.chain_table import CHAIN_FIELDS, default_expiry, expiry_table, live_codes

from .conftest import Spy, present


@pytest.fixture(scope="module")
def chain(session_client: Client) -> pd.DataFrame:
    return session_client.option_chain("BTC")


def test_the_table_puts_calls_and_puts_side_by_side(chain: pd.DataFrame) -> None:
    table = expiry_table(chain, "28jun24")
    rows = chain[chain["expiry_code"] == "28JUN24"]
    assert list(table.index) == sorted(rows["strike"].unique()) and table.index.name == "strike"
    assert list(table.columns) == [(side, f) for side in ("Call", "Put") for f in CHAIN_FIELDS]
    calls = rows[rows["option_type"] == "Call"].set_index("strike")
    np.testing.assert_array_equal(table[("Call", "mark_iv")].reindex(calls.index), calls["mark_iv"])
    puts = rows[rows["option_type"] == "Put"].set_index("strike")
    np.testing.assert_array_equal(table[("Put", "delta")].reindex(puts.index), puts["delta"])
    forward = rows["underlying_price"].median()
    assert table.attrs["forward"] == forward and table.attrs["expiry_code"] == "28JUN24"
    strikes = table.index.to_numpy(dtype=np.float64)
    assert table.attrs["atm_strike"] == strikes[np.argmin(np.abs(strikes - forward))]
    assert table.attrs["expiry"] == "2024-06-28T08:00:00+00:00"
    with pytest.raises(ValueError, match=r"expiry='1JAN25' is not in the chain; it holds \['16JUN24'"):
        expiry_table(chain, "1JAN25")


def test_a_strike_with_one_side_keeps_the_other_missing(chain: pd.DataFrame) -> None:
    rows = chain[chain["expiry_code"] == "28JUN24"]
    lone = rows[~((rows["option_type"] == "Put") & (rows["strike"] == rows["strike"].max()))]
    table = expiry_table(lone, "28JUN24")
    top = table.index.max()
    assert table.loc[top, ("Put", CHAIN_FIELDS)].isna().all() and table.loc[top, ("Call", "mark_iv")] > 0


def test_live_codes_and_the_default_expiry(chain: pd.DataFrame) -> None:
    codes = live_codes(chain)
    assert codes == list(options.term_structure(chain)["expiry_code"]) and len(codes) == 11
    assert default_expiry(chain) == "28JUN24"  # 21JUN24 is 5.8 days away, 28JUN24 12.8
    assert default_expiry(chain, min_days=400) == "27DEC24"  # none that far: the last
    assert live_codes(chain, now="2024-06-20") == codes[3:]


def test_the_panel_shows_an_expiry_and_its_plots(client: Client, chain: pd.DataFrame) -> None:
    panel = br_widgets.option_chain("btc", client=client)
    assert panel.coin.value == "BTC" and panel.error is None
    assert list(panel.expiry.options) == live_codes(chain) and panel.expiry.value == "28JUN24"
    pd.testing.assert_frame_equal(present(panel.frame), expiry_table(chain, "28JUN24"))
    assert "BTC 28JUN24</b>: expiry 2024-06-28 08:00 UTC" in panel.heading.value
    atm = present(panel.frame).attrs["atm_strike"]
    assert f">{atm:,.0f}</td>" in next(c for c in panel.table.value.split("<tr>") if "font-weight:bold" in c)
    assert panel.plots.titles == ("smile", "term structure", "surface")
    smile = present(panel.figure)
    assert smile is panel.figures["smile"] and smile.axes[0].get_title(loc="left").startswith(
        "BTC options 28JUN24"
    )
    assert smile.axes[0].get_xlabel() == "strike (USDC)" and panel.images["smile"].value[:4] == b"\x89PNG"
    panel.x.value = "moneyness"
    assert present(panel.figure).axes[0].get_xlabel() == "moneyness (strike / forward)"
    panel.plots.selected_index = 1
    term = present(panel.figure)
    assert term.axes[0].get_title(loc="left").startswith("BTC options ATM IV term structure")
    assert "expiry 28JUN24" in [str(line.get_label()) for line in term.axes[0].get_lines()]
    panel.expiry.value = "27SEP24"  # the visible tab redraws with the new expiry marked
    assert "expiry 27SEP24" in [str(line.get_label()) for line in present(panel.figure).axes[0].get_lines()]
    assert present(panel.frame).attrs["expiry_code"] == "27SEP24"
    panel.plots.selected_index = 2
    surface = present(panel.figure)
    assert surface.axes[0].get_title(loc="left").startswith("BTC options implied-volatility surface")
    panel.expiry.value = "28JUN24"  # the surface does not depend on the expiry: not redrawn
    assert panel.figure is surface


def test_another_coin_and_a_coin_without_options(spy: Callable[..., Spy], client: Client) -> None:
    recording = spy()
    panel = OptionChainPanel("BTC", recording.as_client())
    btc = panel.chain
    panel.coin.value = "ETH"
    assert panel.chain is not None and set(panel.chain["base_coin"]) == {"ETH"}
    assert (
        panel.heading.value.startswith("<b>ETH ")
        and [c[0] for c in recording.calls].count("option_chain") == 2
    )
    eth = panel.chain
    panel.coin.value = "XRP"
    assert panel.error is not None and panel.error.startswith(
        f"XRP option chain failed: {InvalidRequestError.__name__}: retCode 10001"
    )
    assert "no options on XRP" in panel.status.value and panel.chain is eth  # the ETH chain stays shown
    assert btc is not eth
