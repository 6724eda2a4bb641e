"""The README's function table lists every public function of the registry with the endpoint it calls."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bybit_research import _api
from bybit_research.endpoints import ENDPOINTS

README = Path(__file__).resolve().parents[1] / "README.md"
_ROW = re.compile(r"^\| `(?P<function>[A-Za-z_.]+)\(")
_PATH = re.compile(r"/v5/[A-Za-z0-9_/-]+")


def table() -> dict[str, str]:
    """Function name -> its row, from the table under "Functions and their V5 endpoints"."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Functions and their V5 endpoints", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        found = _ROW.match(line)
        if found:
            assert found["function"] not in rows, f"{found['function']} is listed twice"
            rows[found["function"]] = line
    return rows


def test_every_registry_function_has_a_row_and_every_row_a_function() -> None:
    rows = table()
    assert sorted(set(_api.NAMES) - set(rows)) == []
    assert sorted(set(rows) - set(_api.NAMES)) == ["Client.get"]  # the escape hatch for what V5 adds next


def test_the_rows_name_endpoints_of_the_table() -> None:
    for name, row in table().items():
        for path in _PATH.findall(row):
            assert path in ENDPOINTS, f"the row of {name} names {path}, which the endpoint table lacks"


@pytest.mark.parametrize("name", _api.NAMES)
def test_each_row_names_the_endpoint_its_function_calls(name: str) -> None:
    function = dict(zip(_api.NAMES, _api.FUNCTIONS, strict=True))[name]
    called = re.search(r"Calls ``(/v5/[^`]+)``", function.__doc__ or "")
    assert called is not None, f"{name}'s docstring names no endpoint"
    assert called.group(1) in table()[name], f"the README row of {name} does not name {called.group(1)}"
