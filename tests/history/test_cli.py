"""``bybit-research download`` and ``bybit-research history info`` against the simulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from bybit_research import cli
from bybit_research.cli.history import readable_bytes


def test_download_then_info(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "store"
    argv = [
        "download",
        "--symbols",
        "BTCUSDT,ETHUSDT",
        "--interval",
        "60",
        "--start",
        "2024-01-01",
        "--end",
        "2024-03-01",
        "--kinds",
        "klines,funding",
        "--to",
        str(store),
        "--env",
        "offline",
        "--no-progress",
    ]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("written 8 files (3240 rows), kept 0, absent 0 in ") and out.rstrip().endswith(
        str(store)
    )
    assert cli.main(argv) == 0
    assert capsys.readouterr().out.startswith("written 0 files (0 rows), kept 8, absent 0")
    assert cli.main(["history", "info", str(store)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"history store {store}"
    assert lines[1].split() == [
        "kind",
        "category",
        "symbol",
        "interval",
        "first",
        "last",
        "files",
        "complete",
        "rows",
        "size",
    ]
    klines = [line.split() for line in lines if line.split()[:1] == ["klines"]]
    assert [row[2] for row in klines] == ["BTCUSDT", "ETHUSDT"]
    assert (
        klines[0][3:10] == ["60", "2024-01-01", "00:00", "2024-02-29", "23:00", "2", "2"]
        and klines[0][10] == "1440"
    )
    assert lines[-1].startswith("4 series, 8 files, 3240 rows, ")


def test_bad_input_and_an_empty_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = [
        "download",
        "--symbols",
        "BTCUSD",
        "--interval",
        "60",
        "--start",
        "2024-01-01",
        "--to",
        str(tmp_path),
        "--env",
        "offline",
    ]
    assert cli.main(bad) == 1
    assert "symbol 'BTCUSD' is an inverse contract symbol of category 'inverse'" in capsys.readouterr().err
    assert cli.main(["history", "info", str(tmp_path / "nothing")]) == 0
    assert capsys.readouterr().out.splitlines()[1] == "empty: nothing downloaded yet"
    assert cli.main([]) == 0
    usage = capsys.readouterr().out
    assert "download" in usage and "history" in usage


@pytest.mark.parametrize(
    ("count", "text"),
    [(0, "0 B"), (1023, "1023 B"), (1536, "1.5 KiB"), (5 * 1024**2, "5.0 MiB"), (3 * 1024**3, "3.0 GiB")],
)
def test_readable_bytes(count: int, text: str) -> None:
    assert readable_bytes(count) == text
