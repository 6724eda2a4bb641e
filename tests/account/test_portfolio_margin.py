"""The portfolio-margin report as a public function: the exchange's answer as the parser's frames, with
provenance, per risk unit, cached for seconds and signed."""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest

from bybit_research import AuthenticationError, Client
from bybit_research.analytics.pm_report import parse_portfolio_margin
from bybit_research.sim import SimConfig, create_app
from tests.conftest import NOW, NOW_MS, MarketClient

PATH = "/v5/asset/portfolio-margin"


@pytest.fixture(scope="module")
def pm_app() -> Any:
    return create_app(SimConfig(now_ms=NOW_MS, ip_limit=0, margin_mode="PORTFOLIO_MARGIN"))


@pytest.fixture
def pm_client(pm_app: Any, tmp_path: Any) -> Client:
    return Client(
        env="offline", cache_path=str(tmp_path / "cache.sqlite"), cache_private=True, sim_app=pm_app
    )


def _frames(report: Any) -> dict[str, pd.DataFrame]:
    return {name: value for name, value in vars(report).items() if isinstance(value, pd.DataFrame)}


def test_the_report_is_the_parsed_answer_with_its_provenance(pm_client: Client) -> None:
    report = pm_client.portfolio_margin()
    reply = pm_client.fetch(PATH, auth=True, refresh=True)
    expected = parse_portfolio_margin(reply.result, time=reply.time_ms)
    for name, frame in _frames(expected).items():
        pd.testing.assert_frame_equal(getattr(report, name), frame, check_exact=True, obj=name)
    assert report.time == expected.time == pd.Timestamp(NOW_MS, unit="ms", tz="UTC")
    assert report.risk_units.index.tolist() == [u["baseCoin"] for u in reply.result["assetPnlRange"]]
    assert str(report.risk_units.index.dtype) == "str" and report.risk_units.index.name == "base_coin"
    assert report.account_mm == float(reply.result["wallet"]["accountMM"]) > 0
    # account IM/MM: the risk units' plus the borrowing's (the demo account borrows); available = equity - IM
    assert report.risk_units["asset_mm"].sum() < report.account_mm
    assert report.risk_units["asset_im"].sum() < report.account_im
    wallet = report.wallet.iloc[0]
    assert wallet["available_balance"] == pytest.approx(wallet["equity"] - wallet["account_im"], abs=1e-8)
    for frame in _frames(report).values():
        assert frame.attrs["endpoint"] == PATH and frame.attrs["params"] == {}
        assert frame.attrs["server_time"] == "2024-06-15T12:34:56.000Z"
        assert frame.attrs["from_cache"] == 0.0  # the share of answers served from the cache


def test_one_risk_unit_and_a_cached_second_call(pm_client: Client, pm_app: Any) -> None:
    units = pm_client.portfolio_margin().risk_units.index.tolist()
    coin = units[0]
    one = pm_client.portfolio_margin(base_coin=coin.lower())
    assert one.risk_units.index.tolist() == [coin]
    assert set(one.perp_positions["base_coin"]) <= {coin} and set(one.option_positions["base_coin"]) <= {coin}
    assert one.wallet.attrs["params"] == {"baseCoin": coin}
    before = pm_app.requests[PATH]
    again = pm_client.portfolio_margin(base_coin=coin)
    assert pm_app.requests[PATH] == before and again.wallet.attrs["from_cache"] == 1.0
    pd.testing.assert_frame_equal(again.scenarios, one.scenarios)
    assert np.isfinite(one.scenarios.to_numpy()).all()


def test_the_regular_margin_account_is_reported_too(client: MarketClient) -> None:
    report = client.portfolio_margin()
    assert report.equity > 0 and len(report.risk_units) > 0
    assert report.time == NOW.floor("ms")


def test_a_client_without_a_key_sends_nothing(pm_app: Any) -> None:
    pm_app.reset_counts()
    keyless = Client(base_url="http://sim.test", transport=httpx.WSGITransport(app=pm_app), cache=False)
    with keyless, pytest.raises(AuthenticationError, match="BYBIT_API_KEY"):
        keyless.portfolio_margin()
    assert sum(pm_app.requests.values()) == 0
