"""``bybit-research sim``: flags, the printed banner, serving, and stopping on Ctrl-C."""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from bybit_research.sim.cli import build_parser, config_from_args, main, parse_now
from bybit_research.sim.core import SimConfig
from bybit_research.sim.credentials import DEMO_API_KEY, DEMO_API_SECRET

URL_PATTERN = re.compile(r"http://127\.0\.0\.1:(\d+)")
REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1717200000000", 1_717_200_000_000),
        ("2024-06-01", 1_717_200_000_000),
        ("2024-06-01T00:00:00Z", 1_717_200_000_000),
        ("2024-06-01T02:00:00+02:00", 1_717_200_000_000),
        ("2024-06-01 00:00:01.5", 1_717_200_001_500),
    ],
)
def test_parse_now(text: str, expected: int) -> None:
    assert parse_now(text) == expected


def test_parse_now_refuses_garbage() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="epoch milliseconds or an ISO time"):
        parse_now("yesterday")


def test_flags_become_the_config() -> None:
    args = build_parser().parse_args(
        [
            *("--host", "127.0.0.1", "--port", "0", "--seed", "9", "--now", "2024-06-01"),
            *("--latency-ms", "5", "--fail-rate", "0.1", "--fail-mode", "mixed", "--stall-s", "2"),
            *("--ip-limit", "100", "--ip-window-ms", "1000", "--ip-ban-ms", "600000"),
            *("--no-uid-limits", "--margin-mode", "PORTFOLIO_MARGIN"),
        ]
    )
    assert (args.host, args.port) == ("127.0.0.1", 0)
    assert config_from_args(args) == SimConfig(
        seed=9,
        now_ms=1_717_200_000_000,
        latency_ms=5.0,
        fail_rate=0.1,
        fail_mode="mixed",
        stall_s=2.0,
        ip_limit=100,
        ip_window_ms=1000,
        ip_ban_ms=600_000,
        uid_limits=False,
        margin_mode="PORTFOLIO_MARGIN",
    )


def test_defaults() -> None:
    args = build_parser().parse_args([])
    assert (args.host, args.port) == ("127.0.0.1", 8765)
    assert config_from_args(args) == SimConfig()


@pytest.mark.parametrize(
    "argv", [["--fail-mode", "500"], ["--fail-rate", "2"], ["--margin-mode", "ISOLATED"], ["--now", "soon"]]
)
def test_bad_flags_exit_with_status_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args(argv)
    assert info.value.code == 2
    assert "bybit-research sim" in capsys.readouterr().err


def test_bad_ip_window_returns_2() -> None:
    assert main(["--ip-window-ms", "0", "--port", "0"]) == 2


@pytest.mark.tcp
def test_main_serves_until_stopped(platform_routes: None, capsys: pytest.CaptureFixture[str]) -> None:
    stop = threading.Event()
    status: list[int] = []
    thread = threading.Thread(
        target=lambda: status.append(main(["--port", "0", "--now", "2024-06-01"], stop=stop))
    )
    thread.start()
    printed = ""
    deadline = time.monotonic() + 20
    while not URL_PATTERN.search(printed) and time.monotonic() < deadline:
        time.sleep(0.02)
        printed += capsys.readouterr().out
    try:
        match = URL_PATTERN.search(printed)
        assert match, printed
        body = httpx.get(match.group(0) + "/v5/market/time").json()
        assert body["result"]["timeSecond"] == "1717200000"
    finally:
        stop.set()
        thread.join(10)
    assert status == [0]
    assert DEMO_API_KEY in printed and DEMO_API_SECRET in printed


@pytest.mark.tcp
def test_port_taken_returns_1(platform_routes: None) -> None:
    from bybit_research.sim.server import Server

    with Server() as server:
        assert main(["--port", str(server.port)]) == 1


@pytest.mark.tcp
@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
def test_command_line_sim_stops_on_ctrl_c() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "bybit_research.cli", "sim", "--port", "0", "--now", "1717200000000"]
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        match = URL_PATTERN.search(first_line)
        assert match, first_line + (process.stderr.read() if process.stderr else "")
        body: Any = httpx.get(match.group(0) + "/v5/market/time", timeout=10).json()
        assert body["time"] == 1_717_200_000_000
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert "stopping" in out
    assert "Traceback" not in err
