"""smile, term_structure and risk_reversal_butterfly on the simulator's BTC chain at the fixed clock."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bybit_research.analytics.black76 import black76_greeks
from bybit_research.analytics.smile import risk_reversal_butterfly, smile, term_structure

from .conftest import NOW


def _expiry(chain: pd.DataFrame, code: str) -> pd.DataFrame:
    return chain[chain["expiry_code"] == code]


def test_smile_reads_the_out_of_the_money_contract(btc_chain: pd.DataFrame) -> None:
    rows = _expiry(btc_chain, "21JUN24")
    forward = rows["underlying_price"].iloc[0]
    table = smile(btc_chain, "21jun24", now=NOW)
    assert table.index.name == "strike" and table.index.is_monotonic_increasing
    assert table.index.tolist() == sorted(rows["strike"].unique())
    assert list(table.columns) == [
        *("moneyness", "log_moneyness", "iv_type", "iv", "bid_iv", "ask_iv"),
        *("call_iv", "put_iv", "call_delta", "put_delta"),
    ]
    np.testing.assert_allclose(table["moneyness"], table.index / forward)
    below = table.index < forward
    assert (table.loc[below, "iv_type"] == "Put").all() and (table.loc[~below, "iv_type"] == "Call").all()
    by_contract = {(r["strike"], r["option_type"]): r for r in rows.to_dict("records")}
    for strike, row in zip(table.index, table.to_dict("records"), strict=True):
        contract = by_contract[(strike, row["iv_type"])]
        assert row["iv"] == contract["mark_iv"]
        assert row["bid_iv"] == contract["bid1_iv"] and row["ask_iv"] == contract["ask1_iv"]
        assert row["call_iv"] == by_contract[(strike, "Call")]["mark_iv"]
    t = (rows["expiry"].iloc[0] - NOW).total_seconds() / (365 * 86_400)
    assert table.attrs == {
        "expiry": "2024-06-21T08:00:00+00:00",
        "expiry_code": "21JUN24",
        "forward": forward,
        "t_years": pytest.approx(t),
        "now": NOW.isoformat(),
        "base_coin": "BTC",
    }
    expected = black76_greeks(forward, table.index.to_numpy(), t, table["call_iv"].to_numpy(), True)["delta"]
    np.testing.assert_allclose(table["call_delta"], expected)
    np.testing.assert_allclose(table["call_delta"] - table["put_delta"], 1.0)
    # a smile: highest in the wings, lowest near the money
    assert table["iv"].idxmin() > table.index[0] and table["iv"].idxmin() < table.index[-1]


def test_smile_by_date_and_bid_without_quote(chain: pd.DataFrame) -> None:
    by_code = smile(chain, "21JUN24", now=NOW)
    pd.testing.assert_frame_equal(smile(chain, "2024-06-21", now=NOW), by_code)
    pd.testing.assert_frame_equal(smile(chain, pd.Timestamp("2024-06-21 08:00", tz="UTC"), now=NOW), by_code)
    symbol = _expiry(chain, "21JUN24").query("strike == 150000 and option_type == 'Put'").index[0]
    chain.loc[symbol, ["bid1_price", "bid1_iv"]] = [0.0, 0.0]  # an empty bid side
    table = smile(chain, "21JUN24", now=NOW)
    bid_iv, ask_iv = table[["bid_iv", "ask_iv"]].to_numpy()[table.index == 150000.0][0]
    assert np.isnan(bid_iv) and ask_iv > 0


def test_term_structure_interpolates_at_the_forward(btc_chain: pd.DataFrame) -> None:
    terms = term_structure(btc_chain, now=NOW)
    assert terms.index.name == "expiry" and terms.index.is_monotonic_increasing
    assert str(terms.index.dtype) == "datetime64[ms, UTC]"
    by_expiry = btc_chain.drop_duplicates("expiry").sort_values("expiry")
    assert terms["expiry_code"].tolist() == by_expiry["expiry_code"].tolist()
    assert len(terms) == 11
    assert terms["strikes"].dtype == "Int64"
    for expiry, row in terms.iterrows():
        rows = btc_chain[btc_chain["expiry"] == expiry]
        forward = rows["underlying_price"].iloc[0]
        assert row["forward"] == forward and row["parity_forward"] == pytest.approx(forward, abs=0.01)
        strikes = np.sort(rows["strike"].unique())
        if strikes.max() < forward:
            assert np.isnan(row["atm_iv"]) and np.isnan(row["upper_strike"])
            continue
        lower, upper = strikes[strikes <= forward].max(), strikes[strikes >= forward].min()
        assert (row["lower_strike"], row["upper_strike"]) == (lower, upper)
        iv_low = rows.query("strike == @lower and option_type == 'Put'")["mark_iv"].iloc[0]
        iv_up = rows.query("strike == @upper and option_type == 'Call'")["mark_iv"].iloc[0]
        assert min(iv_low, iv_up) <= row["atm_iv"] <= max(iv_low, iv_up)
        weight = np.log(forward / lower) / np.log(upper / lower)
        assert row["atm_iv"] == pytest.approx(iv_low + weight * (iv_up - iv_low), rel=1e-12)
        assert row["atm_variance"] == pytest.approx(row["atm_iv"] ** 2 * row["t_years"])
    # the simulator lists strikes around the forward of every expiry, so every one has an ATM IV
    assert terms.attrs["no_atm"] == [] and terms["atm_iv"].notna().all()
    assert terms.attrs["expired"] == [] and terms.attrs["base_coin"] == "BTC"
    # the simulator's term structure falls with time to expiry
    assert terms["atm_iv"].dropna().is_monotonic_decreasing


def test_term_structure_leaves_out_expired_expiries(btc_chain: pd.DataFrame) -> None:
    later = pd.Timestamp("2024-06-16 08:00", tz="UTC")  # the moment 16JUN24 delivers
    terms = term_structure(btc_chain, now=later)
    assert terms.attrs["expired"] == ["16JUN24"] and terms["expiry_code"].iloc[0] == "17JUN24"
    assert terms["t_days"].iloc[0] == pytest.approx(1.0)


def test_risk_reversal_and_butterfly(btc_chain: pd.DataFrame) -> None:
    wings = risk_reversal_butterfly(btc_chain, now=NOW)
    terms = term_structure(btc_chain, now=NOW)
    assert wings.index.equals(terms.index)
    pd.testing.assert_series_equal(wings["atm_iv"], terms["atm_iv"])
    np.testing.assert_allclose(wings["risk_reversal"], wings["call_iv"] - wings["put_iv"])
    np.testing.assert_allclose(wings["butterfly"], (wings["call_iv"] + wings["put_iv"]) / 2 - wings["atm_iv"])
    complete = wings.dropna()

    def reaches_both_wings(expiry: pd.Timestamp) -> bool:
        table = smile(btc_chain, expiry, now=NOW)
        forward = table.attrs["forward"]
        calls, puts = table[table.index >= forward], table[table.index <= forward]
        return bool((calls["call_delta"] <= 0.25).any() and (puts["put_delta"] >= -0.25).any())

    reached = [row["expiry_code"] for expiry, row in wings.iterrows() if reaches_both_wings(expiry)]
    assert complete["expiry_code"].tolist() == reached and len(reached) >= 5
    assert wings.attrs["no_wing"] == [code for code in wings["expiry_code"] if code not in reached]
    # the simulator's smile is skewed to puts and convex
    assert (complete["risk_reversal"] < 0).all() and (complete["butterfly"] > 0).all()
    for expiry, row in complete.iterrows():
        table = smile(btc_chain, expiry, now=NOW)
        calls = table[table.index >= table.attrs["forward"]]
        # the 25-delta call lies between the two out-of-the-money calls whose deltas bracket 0.25
        above = calls[calls["call_delta"] >= 0.25].index.max()
        below = calls[calls["call_delta"] <= 0.25].index.min()
        assert above <= row["call_strike"] <= below
        ivs = calls.loc[[above, below], "call_iv"]
        assert ivs.min() <= row["call_iv"] <= ivs.max()
        puts = table[table.index <= table.attrs["forward"]]
        assert puts["put_delta"].min() <= -0.25 <= puts["put_delta"].max()
        assert puts.index.min() <= row["put_strike"] <= puts.index.max()


def test_wider_delta_reaches_further_into_the_wings(btc_chain: pd.DataFrame) -> None:
    narrow = risk_reversal_butterfly(btc_chain, delta=0.4, now=NOW)
    wide = risk_reversal_butterfly(btc_chain, delta=0.15, now=NOW)
    both = narrow["butterfly"].notna() & wide["butterfly"].notna()
    assert both.sum() >= 2 and wide.attrs["delta"] == 0.15
    assert (wide.loc[both, "call_strike"] > narrow.loc[both, "call_strike"]).all()
    assert (wide.loc[both, "put_strike"] < narrow.loc[both, "put_strike"]).all()
    assert (wide.loc[both, "butterfly"] > narrow.loc[both, "butterfly"]).all()
