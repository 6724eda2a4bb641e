"""Fixtures of the widget tests: panels over the simulator at the fixed clock of tests/conftest.py, a client
that records what the panel showed while it was called (or fails on purpose), no pyplot figure left open."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import matplotlib

matplotlib.use("Agg")  # before pyplot: tests import it only to read get_fignums()

import matplotlib.pyplot as plt
import pytest

from bybit_research.client import Client
from bybit_research.widgets.panel import Panel

T = TypeVar("T")


def present(value: T | None) -> T:
    """``value``, which the test expects to be there (a panel's frame or figure)."""
    assert value is not None
    return value


@pytest.fixture(autouse=True)
def no_pyplot_figures() -> Iterator[None]:
    """Panels draw with Figure objects only: pyplot never holds one."""
    yield
    assert plt.get_fignums() == []


@dataclass
class Spy:
    """A stand-in client: forwards to ``client``, records ``(name, panel busy, panel status text)`` of each
    public function called, and raises ``error`` from the functions named in ``failing``."""

    client: Client
    failing: set[str] = field(default_factory=set)
    error: Exception = field(default_factory=lambda: RuntimeError("the exchange is down"))
    panel: Panel | None = None
    calls: list[tuple[str, bool, str]] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.client, name)
        if not callable(target) or name in ("server_now_ms",):
            return target

        def call(*args: Any, **kwargs: Any) -> Any:
            panel = self.panel
            self.calls.append((name, bool(panel and panel.busy), panel.status.value if panel else ""))
            if name in self.failing:
                raise self.error
            return target(*args, **kwargs)

        return call

    def as_client(self) -> Client:
        return cast(Client, self)


@pytest.fixture
def spy(client: Client) -> Callable[..., Spy]:
    def make(**kwargs: Any) -> Spy:
        return Spy(client, **kwargs)

    return make
