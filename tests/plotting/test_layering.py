"""The plotting package stays in its layer: matplotlib, numpy, pandas, analytics and errors only; nothing that
sends a request (the import-linter contract in ``make lint`` says the same)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "bybit_research" / "plotting"
STDLIB = {"__future__", "collections", "dataclasses", "datetime", "math", "numbers", "re", "typing"}
ALLOWED = ("matplotlib", "numpy", "pandas", "bybit_research.analytics", "bybit_research.errors")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
    return names


def test_plotting_imports_only_what_its_layer_allows() -> None:
    files = sorted(PACKAGE.glob("*.py"))
    assert {f.name for f in files} >= {"__init__.py", "style.py", "checks.py", "labels.py", "candles.py"}
    for path in files:
        for name in imported_modules(path):
            allowed = (
                name.startswith(".")
                or name.split(".")[0] in STDLIB
                or any(name == a or name.startswith(a + ".") for a in ALLOWED)
            )
            assert allowed, f"{path.name} imports {name}"


def test_importing_plotting_loads_no_client_side_module() -> None:
    code = (
        "import sys, bybit_research.plotting; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('httpx', 'requests_cache') "
        "or m.startswith(('bybit_research.client', 'bybit_research.sim', 'bybit_research.market', "
        "'bybit_research.paging', 'bybit_research.transports'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PACKAGE.parents[1]
    )
    assert done.stdout.strip() == "[]"
