"""Coverage of V5's read surface, so that it cannot silently regress: every entry of the endpoint table is
called by a public function of the registry and served by the simulator, and every GET the simulator serves
is an entry of the table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import bybit_research.sim.routes  # noqa: F401  (registers the routes)
from bybit_research import _api
from bybit_research.endpoints import ENDPOINTS, MARKET_ENDPOINTS, PRIVATE_ENDPOINTS
from bybit_research.errors import BybitError
from bybit_research.sim.core import ROUTES
from tests.conftest import MarketClient
from tests.frames.test_fidelity import SAMPLE_CALLS

#: calls beyond the sample calls that reach the other endpoints of a function (price flavours, the classic
#: log), with the error the simulator's account answers, if any
VARIANTS: list[tuple[str, Callable[[MarketClient], Any], type[Exception] | None]] = [
    ("klines", lambda c: c.klines("BTCUSDT", 60, limit=3, price="mark"), None),
    ("klines", lambda c: c.klines("BTCUSDT", 60, limit=3, price="index"), None),
    ("klines", lambda c: c.klines("BTCUSDT", 60, limit=3, price="premium"), None),
    # a unified account has no classic contract log: Bybit answers retCode 100028
    ("transaction_log", lambda c: c.transaction_log(classic=True), BybitError),
]
#: table entries no public function calls, with the reason (none today: keep it that way)
UNCALLED: dict[str, str] = {}
#: GET paths the simulator serves that the table has no entry for, with the reason (none today)
UNLISTED: dict[str, str] = {}


def test_the_table_lists_every_entry_once() -> None:
    paths = [entry.path for entry in (*MARKET_ENDPOINTS, *PRIVATE_ENDPOINTS)]
    assert len(paths) == len(set(paths)) == len(ENDPOINTS)
    assert all(not entry.auth for entry in MARKET_ENDPOINTS) and all(
        entry.auth for entry in PRIVATE_ENDPOINTS
    )


def test_every_entry_is_called_by_a_public_function(client: MarketClient, app: Any) -> None:
    assert set(SAMPLE_CALLS) == set(_api.NAMES)  # one call of each function of the registry
    calls = [(name, call, None) for name, call in SAMPLE_CALLS.items()] + VARIANTS
    called: dict[str, set[str]] = {}
    for name, call, error in calls:
        app.reset_counts()
        if error is None:
            call(client)
        else:
            with pytest.raises(error):
                call(client)
        for path in app.requests:
            called.setdefault(path, set()).add(name)
    missing = sorted(set(ENDPOINTS) - set(called) - set(UNCALLED))
    assert missing == [], f"table entries no public function calls: {missing}"
    assert set(UNCALLED) <= set(ENDPOINTS) - set(called)  # an exception that no longer applies is removed
    assert set(called) - set(ENDPOINTS) == set()  # nothing outside the table is asked for


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_every_entry_is_served_by_the_simulator(path: str) -> None:
    route = ROUTES.get(("GET", path))
    assert route is not None, f"the simulator has no route for {path}"
    assert route.auth is ENDPOINTS[path].auth, path


def test_every_get_the_simulator_serves_is_in_the_table() -> None:
    served = {path for method, path in ROUTES if method == "GET"}
    assert sorted(served - set(ENDPOINTS) - set(UNLISTED)) == []
    assert set(UNLISTED) <= served - set(ENDPOINTS)
