"""Fixtures of the analytics tests: option chains, positions and coin greeks from the simulator at a fixed
clock, fetched once per session (the analytics under test are pure; only the fixtures fetch)."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

# The editable install may map bybit_research as a namespace package; import the real one from the repository.
_REPO = str(Path(__file__).resolve().parents[2])
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

from bybit_research.client import Client  # noqa: E402
from bybit_research.endpoints.account import COIN_GREEKS  # noqa: E402
from bybit_research.endpoints.trade import POSITION_LIST  # noqa: E402
from bybit_research.frames import build_frame  # noqa: E402
from bybit_research.sim import SimConfig, create_app  # noqa: E402

#: the simulator's fixed clock: Saturday 2024-06-15 12:34:56 UTC (as in tests/market)
NOW = pd.Timestamp("2024-06-15 12:34:56", tz="UTC")
NOW_MS = int(NOW.value // 1_000_000)
#: the demo account of this seed holds long and short BTC and ETH options (seed 7, the default, only longs)
POSITIONS_SEED = 6


def positions_frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """The positions frame of raw ``/v5/position/list`` rows (until the account functions exist)."""
    return build_frame(POSITION_LIST, rows, "option")


def _client(seed: int) -> Client:
    return Client(
        env="offline", cache=False, sim_app=create_app(SimConfig(now_ms=NOW_MS, ip_limit=0, seed=seed))
    )


@pytest.fixture(scope="session")
def market_client() -> Iterator[Client]:
    """The default simulated exchange (seed 7) at the fixed clock."""
    client = _client(7)
    yield client
    client.close()


@pytest.fixture(scope="session")
def account_client() -> Iterator[Client]:
    """The exchange whose demo account holds long and short options."""
    client = _client(POSITIONS_SEED)
    yield client
    client.close()


@pytest.fixture(scope="session")
def btc_chain(market_client: Client) -> pd.DataFrame:
    return market_client.option_chain("BTC")


@pytest.fixture(scope="session")
def eth_chain(market_client: Client) -> pd.DataFrame:
    return market_client.option_chain("ETH")


@pytest.fixture
def chain(btc_chain: pd.DataFrame) -> pd.DataFrame:
    """A copy of the BTC chain a test may change."""
    copy = btc_chain.copy()
    copy.attrs = dict(btc_chain.attrs)
    return copy


@pytest.fixture(scope="session")
def hv(market_client: Client) -> pd.DataFrame:
    """BTC realised volatility of four periods over the two days before the clock, concatenated."""
    start = NOW - pd.Timedelta(days=2)
    return pd.concat(
        [market_client.historical_volatility("BTC", p, start=start, end=NOW) for p in (7, 30, 90, 180)]
    )


@pytest.fixture(scope="session")
def account(account_client: Client) -> dict[str, pd.DataFrame]:
    """Option and linear positions, the coin greeks and the BTC chain of the account exchange."""
    rows = account_client.get("/v5/position/list", {"category": "option"}, auth=True)["list"]
    linear = account_client.get("/v5/position/list", {"category": "linear", "settleCoin": "USDT"}, auth=True)
    greeks = account_client.get("/v5/asset/coin-greeks", auth=True)["list"]
    return {
        "options": positions_frame(rows),
        "all": positions_frame([*rows, *linear["list"]]),
        "coin_greeks": build_frame(COIN_GREEKS, greeks),
        "btc_chain": account_client.option_chain("BTC"),
        "eth_chain": account_client.option_chain("ETH"),
    }
