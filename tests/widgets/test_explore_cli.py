"""``bybit-research explore`` (the explorer as a Voila app) and ``make demo``'s pointer to it, without
starting Voila (the browser tests start it for real)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest

from bybit_research import cli
from bybit_research.cli import demo, explore


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What ``subprocess.run`` was asked to start (the command, its environment, the notebook's cell)."""
    runs: list[dict[str, Any]] = []

    def run(command: list[str], env: dict[str, str], check: bool) -> subprocess.CompletedProcess[str]:
        notebook = Path(command[3])
        cells = (
            [c.source for c in nbformat.read(notebook, as_version=4).cells] if notebook.is_file() else None
        )
        runs.append({"command": command, "env": env, "cells": cells, "check": check})
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(explore.subprocess, "run", run)
    return runs


def test_the_voila_command() -> None:
    command = explore.voila_command(Path("/x/app.ipynb"), 8899, open_browser=False)
    assert command == [
        sys.executable, "-m", "voila", "/x/app.ipynb", "--port=8899", "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0", "--MappingKernelManager.cull_idle_timeout=30",
        "--MappingKernelManager.cull_interval=10", "--no-browser",
    ]  # fmt: skip
    assert "--no-browser" not in explore.voila_command(Path("a.ipynb"), 1)


def test_the_app_notebook_holds_only_the_explorer(tmp_path: Path) -> None:
    notebook = nbformat.read(explore.write_app(tmp_path), as_version=4)
    assert [c.source for c in notebook.cells] == ["import bybit_research as br\n\nbr.widgets.explorer()"]
    assert notebook.metadata["kernelspec"]["name"] == "python3"


def test_explore_serves_the_app_on_the_simulator_by_default(
    served: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["explore", "--no-browser", "--port", "8901"]) == 0
    (run,) = served
    assert run["env"]["BYBIT_RESEARCH_ENV"] == "offline" and run["check"] is False
    assert run["cells"] == [explore.APP_SOURCE]  # the notebook existed while Voila ran
    assert run["command"][3].endswith("explorer.ipynb") and not Path(run["command"][3]).exists()
    assert "--port=8901" in run["command"] and "--no-browser" in run["command"]
    assert capsys.readouterr().out.startswith("Explorer on 'offline' at http://127.0.0.1:8901/")


def test_explore_on_mainnet_or_another_notebook(
    served: list[dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tour = Path(__file__).resolve().parents[2] / "notebooks" / "05_explorer.ipynb"
    assert explore.main(["--env", "mainnet", f"--notebook={tour}"]) == 0
    (run,) = served
    assert run["env"]["BYBIT_RESEARCH_ENV"] == "mainnet" and run["command"][3] == str(tour)
    assert "--no-browser" not in run["command"] and "--port=8866" in run["command"]
    assert explore.main(["--notebook", str(tmp_path / "none.ipynb")]) == 2
    assert f"no notebook {tmp_path / 'none.ipynb'}" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        explore.main(["--env", "moon"])
    with pytest.raises(ValueError, match=r"env must be one of \['offline', 'mainnet', 'testnet', 'demo'\]"):
        explore.app_environment("moon")


def test_demo_ends_by_saying_how_to_open_the_app(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nbformat.write(nbformat.v4.new_notebook(), notebooks / "01_tour.ipynb")

    def run_notebook(path: Path, out_dir: Path, timeout: int) -> Path:
        return out_dir / f"{path.stem}.html"

    monkeypatch.setattr(demo, "run_notebook", run_notebook)
    assert demo.main([f"--notebooks={notebooks}", f"--out={tmp_path / 'out'}"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert (
        last
        == "Open the instrument explorer as an app: bybit-research explore  (Voila, http://127.0.0.1:8866/)"
    )
    assert demo.main([f"--notebooks={notebooks}", f"--out={tmp_path / 'out'}", "--env", "mainnet"]) == 0
    assert "bybit-research explore --env mainnet" in capsys.readouterr().out
