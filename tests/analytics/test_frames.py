"""Every frame of the options analytics survives to_parquet() with its attrs (the DataFrame contract)."""

from __future__ import annotations

import io
from collections.abc import Callable

import pandas as pd
import pytest

from bybit_research.analytics import options
from bybit_research.analytics.chain_inputs import valuation_time

from .conftest import NOW

FRAMES: dict[str, Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame]] = {
    "chain_analytics": lambda chain, hv: options.chain_analytics(chain, now=NOW),
    "parity_forward": lambda chain, hv: options.parity_forward(chain),
    "greeks_check": lambda chain, hv: options.greeks_check(chain, now=NOW),
    "smile": lambda chain, hv: options.smile(chain, "21JUN24", now=NOW),
    "term_structure": lambda chain, hv: options.term_structure(chain, now=NOW),
    "risk_reversal_butterfly": lambda chain, hv: options.risk_reversal_butterfly(chain, now=NOW),
    "surface": lambda chain, hv: options.surface(chain, now=NOW),
    "iv_vs_realised": lambda chain, hv: options.iv_vs_realised(chain, hv, now=NOW),
}


@pytest.mark.parametrize("name", list(FRAMES))
def test_frames_survive_parquet_with_their_attrs(
    btc_chain: pd.DataFrame, hv: pd.DataFrame, name: str
) -> None:
    frame = FRAMES[name](btc_chain, hv)
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    buffer.seek(0)
    back = pd.read_parquet(buffer)
    pd.testing.assert_frame_equal(back, frame)
    assert back.attrs == frame.attrs and len(back.attrs) >= 2


def test_the_chains_times_stay_iso_strings(btc_chain: pd.DataFrame) -> None:
    frame = options.chain_analytics(btc_chain, now=NOW)
    assert (
        isinstance(btc_chain.attrs["server_time"], str)
        and pd.Timestamp(btc_chain.attrs["server_time"]) == NOW
    )
    assert frame.attrs["fetched_at"] == btc_chain.attrs["fetched_at"]
    # the exchange's clock serves as the frame's default valuation time
    assert valuation_time(frame) == NOW
