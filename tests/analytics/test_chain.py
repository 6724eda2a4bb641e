"""chain_analytics and parity_forward on the simulator's BTC chain at the fixed clock."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bybit_research.analytics.chain import chain_analytics, parity_forward
from bybit_research.analytics.chain_inputs import valuation_time

from .conftest import NOW, NOW_MS

ADDED = [
    *("t_years", "t_days", "moneyness", "log_moneyness", "parity_forward", "iv_from_mark"),
    *("b76_delta", "b76_gamma", "b76_vega", "b76_theta"),
]


def test_chain_analytics_adds_columns_with_their_values(btc_chain: pd.DataFrame) -> None:
    frame = chain_analytics(btc_chain, now=NOW)
    assert list(frame.columns) == [*btc_chain.columns, *ADDED]
    assert frame.index.equals(btc_chain.index)
    assert (frame.dtypes[ADDED] == np.float64).all()
    pd.testing.assert_frame_equal(frame[btc_chain.columns], btc_chain)  # the chain itself untouched
    # ACT/365 to the delivery time, 08:00 UTC
    assert (pd.DatetimeIndex(btc_chain["expiry"]).hour == 8).all()
    seconds = (pd.DatetimeIndex(btc_chain["expiry"]) - NOW).total_seconds().to_numpy()
    np.testing.assert_allclose(frame["t_years"], seconds / (365 * 86_400), rtol=1e-15)
    np.testing.assert_allclose(frame["t_days"], seconds / 86_400, rtol=1e-15)
    np.testing.assert_allclose(frame["moneyness"], btc_chain["strike"] / btc_chain["underlying_price"])
    np.testing.assert_allclose(frame["log_moneyness"], np.log(frame["moneyness"]))
    assert frame.attrs["now"] == NOW.isoformat() and frame.attrs["base_coin"] == "BTC"
    assert frame.attrs["expired"] == [] and frame.attrs["iv_missing"] == {}
    assert frame.attrs["endpoint"] == btc_chain.attrs["endpoint"]


def test_our_iv_and_greeks_reproduce_bybits(btc_chain: pd.DataFrame) -> None:
    frame = chain_analytics(btc_chain, now=NOW)
    # mark_iv is rounded to 4 decimals, underlying_price to 2 and mark_price to 8: the mark price gives the
    # IV back within half an IV step plus what half a step of the forward (times delta) and of the price
    # move it, over the vega per 1.0 of vol
    vega = frame["b76_vega"] * 100.0
    bound = 0.5e-4 + (0.005 * frame["b76_delta"].abs() + 0.5e-8) / vega
    assert ((frame["iv_from_mark"] - frame["mark_iv"]).abs() <= bound).all()
    assert (bound < 1e-4).sum() > 300  # tight for all but the deepest in-the-money contracts
    np.testing.assert_allclose(frame["b76_delta"], frame["delta"], atol=2e-4)
    for name in ("gamma", "vega", "theta"):
        np.testing.assert_allclose(frame[f"b76_{name}"], frame[name], rtol=3e-3, atol=1e-8)


def test_parity_forward_gives_back_the_forward(btc_chain: pd.DataFrame) -> None:
    marks = parity_forward(btc_chain)
    expiries = pd.DatetimeIndex(pd.unique(btc_chain["expiry"])).sort_values()
    assert marks.index.equals(pd.DatetimeIndex(expiries, name="expiry"))
    assert list(marks.columns) == [
        "expiry_code",
        "underlying_price",
        "parity_forward",
        "parity_gap",
        "strikes_used",
    ]
    assert marks["strikes_used"].dtype == "Int64" and (marks["strikes_used"] == 5).all()
    # Bybit prices its marks on the forward; parity returns it within the rounding of underlying_price
    assert np.max(np.abs(marks["parity_gap"])) < 0.006
    np.testing.assert_allclose(marks["parity_gap"], marks["parity_forward"] - marks["underlying_price"])
    # the market's forward from mid quotes (tick 5): within a few ticks
    mids = parity_forward(btc_chain, price="mid", strikes=3)
    assert np.max(np.abs(mids["parity_gap"])) < 10.0 and mids.attrs == {"price": "mid", "strikes": 3}


def test_parity_forward_by_hand_for_one_expiry(btc_chain: pd.DataFrame) -> None:
    rows = btc_chain[btc_chain["expiry_code"] == "21JUN24"]
    forward = rows["underlying_price"].iloc[0]
    calls = rows[rows["option_type"] == "Call"].set_index("strike")["mark_price"]
    puts = rows[rows["option_type"] == "Put"].set_index("strike")["mark_price"]
    nearest = (calls.index.to_series() - forward).abs().sort_values().index[:5]
    expected = float(np.median(nearest + (calls - puts).loc[nearest]))
    assert parity_forward(btc_chain).loc[rows["expiry"].iloc[0], "parity_forward"] == pytest.approx(expected)


def test_valuation_time_default_and_forms(btc_chain: pd.DataFrame) -> None:
    assert valuation_time(btc_chain) == NOW  # the exchange's clock (attrs["server_time"]) at the fixed clock
    served = btc_chain.copy()
    served.attrs = {"fetched_at": "2024-06-15T12:35:00.000Z"}
    assert valuation_time(served) == pd.Timestamp("2024-06-15 12:35", tz="UTC")
    assert valuation_time(btc_chain, NOW_MS) == NOW
    assert valuation_time(btc_chain, "2024-06-15 12:34:56") == NOW  # naive = UTC
    assert valuation_time(btc_chain, NOW.tz_convert("Asia/Tokyo").to_pydatetime()) == NOW
    bare = btc_chain.copy()
    bare.attrs = {}
    assert abs(valuation_time(bare) - pd.Timestamp.now(tz="UTC")) < pd.Timedelta(minutes=1)


def test_expired_expiries_are_kept_with_no_time_left(btc_chain: pd.DataFrame) -> None:
    later = pd.Timestamp("2024-06-17 09:00", tz="UTC")  # after 16JUN24 and 17JUN24
    frame = chain_analytics(btc_chain, now=later)
    assert frame.attrs["expired"] == ["16JUN24", "17JUN24"]
    gone = frame["expiry"] <= later
    assert (frame.loc[gone, "t_years"] == 0).all() and (frame.loc[~gone, "t_years"] > 0).all()
    assert frame.loc[gone, "iv_from_mark"].isna().all()
    assert frame.attrs["iv_missing"] == {"expired": int(gone.sum())}
    assert set(frame.loc[gone, "b76_delta"].abs()) <= {0.0, 1.0}


def test_a_clock_after_every_expiry_is_refused(btc_chain: pd.DataFrame) -> None:
    # the simulator's chain carries the wall-clock fetch time: valuing it then is after all its expiries
    with pytest.raises(ValueError, match=r"every expiry of the chain is at or before now=.*pass now="):
        chain_analytics(btc_chain, now="2025-01-01")
