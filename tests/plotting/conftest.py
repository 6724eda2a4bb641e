"""Fixtures of the plotting tests: frames from the simulator at a fixed clock, and a check that no pyplot
figure is ever left open."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot: tests import it only to read get_fignums()

import matplotlib.pyplot as plt
import pandas as pd
import pytest

# The editable install may map bybit_research as a namespace package; import the real one from the repository.
_REPO = str(Path(__file__).resolve().parents[2])
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

from bybit_research.client import Client  # noqa: E402
from bybit_research.endpoints.account import TRANSACTION_LOG  # noqa: E402
from bybit_research.frames import build_frame  # noqa: E402
from bybit_research.sim import SimConfig, create_app  # noqa: E402

#: the simulator's fixed clock: Saturday 2024-06-15 12:34:56 UTC
NOW = pd.Timestamp("2024-06-15 12:34:56", tz="UTC")
NOW_MS = int(NOW.value // 1_000_000)
DAY_MS = 86_400_000


@pytest.fixture(autouse=True)
def no_pyplot_figures() -> Iterator[None]:
    """Every test ends with pyplot holding no figure: the helpers never register one."""
    assert plt.get_fignums() == []
    yield
    assert plt.get_fignums() == []


@pytest.fixture(scope="session")
def client() -> Iterator[Client]:
    """An uncached client over one in-process simulator at :data:`NOW` (its market is deterministic)."""
    app = create_app(SimConfig(now_ms=NOW_MS, ip_limit=0))
    session = Client(env="offline", cache=False, sim_app=app)
    yield session
    session.close()


def raw_transactions(client: Client, days: int) -> list[dict[str, Any]]:
    """The raw rows of ``/v5/account/transaction-log`` over the ``days`` before :data:`NOW`, newest first,
    through 7-day windows and their cursors (as the API sends them)."""
    rows: list[dict[str, Any]] = []
    end = NOW_MS
    for _ in range(0, days, 7):
        start = end - 7 * DAY_MS
        cursor = ""
        while True:
            params = {
                "startTime": start,
                "endTime": end,
                "limit": 50,
                **({"cursor": cursor} if cursor else {}),
            }
            page = client.get("/v5/account/transaction-log", params, auth=True)
            rows.extend(page["list"])
            cursor = page["nextPageCursor"]
            if not cursor:
                break
        end = start
    return rows


def transaction_log_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The transaction-log frame of raw rows (stands in for the account function, which comes later)."""
    return build_frame(TRANSACTION_LOG, rows)


@pytest.fixture(scope="session")
def log_rows(client: Client) -> list[dict[str, Any]]:
    return raw_transactions(client, 21)


@pytest.fixture(scope="session")
def transaction_log(log_rows: list[dict[str, Any]]) -> pd.DataFrame:
    return transaction_log_frame(log_rows)


@pytest.fixture(scope="session")
def klines_1m(client: Client) -> pd.DataFrame:
    """Three hours of BTCUSDT 1-minute candles (180 rows, fewer than the price pane's pixels)."""
    return client.klines("BTCUSDT", "1", start="2024-06-10", end="2024-06-10 03:00")


@pytest.fixture(scope="session")
def week_1m(client: Client) -> pd.DataFrame:
    """A week of BTCUSDT 1-minute candles (10 080 rows: drawn as bars)."""
    return client.klines("BTCUSDT", "1", start="2024-06-01", end="2024-06-08")


@pytest.fixture(scope="session")
def linear_tickers(client: Client) -> pd.DataFrame:
    return client.tickers("linear")


@pytest.fixture(scope="session")
def chain(client: Client) -> pd.DataFrame:
    return client.option_chain("BTC")


@pytest.fixture(scope="session")
def book(client: Client) -> pd.DataFrame:
    return client.orderbook("BTCUSDT", limit=200)


@pytest.fixture(scope="session")
def pm_report(client: Client) -> Any:
    """The simulator's demo account's portfolio-margin report at :data:`NOW` (``br.portfolio_margin()``)."""
    return client.portfolio_margin()


@pytest.fixture(scope="session")
def calibration(pm_report: Any) -> Any:
    """The margin replica calibrated on :func:`pm_report` (``br.margin.calibrate``)."""
    from bybit_research.analytics.margin import calibrate

    return calibrate(pm_report)
