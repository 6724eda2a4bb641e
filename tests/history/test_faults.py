"""Faults during a download (timeouts, HTTP 5xx and 429, retCode 10016, Ctrl-C): reruns give a store equal
to a clean run, no row lost or duplicated."""

from __future__ import annotations

import _thread
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import bybit_research as br
from bybit_research.sim import SimConfig, create_app, serve
from tests.conftest import NOW_MS, MarketClient
from tests.history.conftest import assert_same_store

RANGE = ("2024-04-01", "2024-06-01")
SYMBOLS = ["BTCUSDT", "ETHUSDT"]


def clean_store(client: MarketClient, root: Path, **options: Any) -> Path:
    br.history.download(SYMBOLS, "60", *RANGE, path=root, client=client, progress=False, **options)
    return root


@pytest.mark.tcp
def test_timeouts_gateway_errors_and_10016_are_retried_or_resumed(
    client: MarketClient, app: Any, tmp_path: Path
) -> None:
    days = ("2024-05-30", "2024-06-01")
    app.reset_counts()
    clean = clean_store(client, tmp_path / "clean", kinds=["klines", "funding"])
    br.history.download(SYMBOLS, None, *days, kinds="trades", path=clean, client=client, progress=False)
    needed = sum(app.requests.values())
    # 30 % of the answers fail: 10016, 502, 503, 429, or a stall longer than the client waits
    faulty = create_app(SimConfig(now_ms=NOW_MS, ip_limit=0, fail_rate=0.3, fail_mode="mixed", stall_s=3.0))
    runs, failures = 0, 0
    with (
        serve(app=faulty) as url,
        MarketClient(base_url=url, cache=False, timeout=2.0, max_attempts=3, retry_max_time=20.0) as flaky,
    ):
        assert flaky.archive_url == url
        while runs < 6:
            runs += 1
            try:
                br.history.download(
                    SYMBOLS,
                    "60",
                    *RANGE,
                    kinds=["klines", "funding"],
                    path=tmp_path / "flaky",
                    client=flaky,
                    progress=False,
                )
                br.history.download(
                    SYMBOLS,
                    None,
                    *days,
                    kinds="trades",
                    path=tmp_path / "flaky",
                    client=flaky,
                    progress=False,
                )
                break
            except br.history.HistoryDownloadError as error:
                failures += 1
                assert (error.report["action"] == "failed").sum() >= 1
    assert failures < runs <= 6
    assert sum(faulty.requests.values()) > needed * 1.2  # failed answers were asked again
    assert_same_store(tmp_path / "flaky", clean)


def test_a_failure_stops_the_run_and_a_rerun_resumes(client: MarketClient, tmp_path: Path) -> None:
    clean = clean_store(client, tmp_path / "clean", workers=1)
    failing = create_app(SimConfig(now_ms=NOW_MS, ip_limit=0, fail_rate=0.5, fail_mode="10016", seed=7))
    with (
        MarketClient(env="offline", cache=False, sim_app=failing, max_attempts=1) as fragile,
        pytest.raises(br.history.HistoryDownloadError, match=r"download stopped: ServerError") as caught,
    ):
        br.history.download(
            SYMBOLS, "60", *RANGE, path=tmp_path / "resumed", client=fragile, progress=False, workers=1
        )
    report = caught.value.report
    actions = report["action"].tolist()
    assert actions.count("failed") == 1 and "written" not in actions[actions.index("failed") :]
    assert (
        report.attrs["failed"] == 1 and report.attrs["not_run"] == len(actions) - 1 - report.attrs["written"]
    )
    resumed = br.history.download(
        SYMBOLS, "60", *RANGE, path=tmp_path / "resumed", client=client, progress=False
    )
    assert resumed.attrs["kept"] == report.attrs["written"]
    assert_same_store(tmp_path / "resumed", clean)


class SlowApp:
    """The simulator answering each request after ``delay_s``."""

    def __init__(self, app: Any, delay_s: float) -> None:
        self.app, self.delay_s = app, delay_s

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        time.sleep(self.delay_s)
        return self.app(environ, start_response)


def test_ctrl_c_leaves_whole_files_and_a_rerun_completes(
    client: MarketClient, app: Any, tmp_path: Path
) -> None:
    months = ("2024-01-01", "2024-06-01")
    br.history.download(SYMBOLS, "60", *months, path=tmp_path / "clean", client=client, progress=False)
    store = tmp_path / "interrupted"

    def interrupt_after_two_files() -> None:
        deadline = time.monotonic() + 30
        while len(list(store.rglob("data.parquet"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.005)
        _thread.interrupt_main()

    with MarketClient(env="offline", cache=False, sim_app=SlowApp(app, 0.2)) as slow:
        slow.server_now_ms()
        threading.Thread(target=interrupt_after_two_files, daemon=True).start()
        with pytest.raises(KeyboardInterrupt):
            br.history.download(SYMBOLS, "60", *months, path=store, client=slow, progress=False, workers=2)
    written = len(list(store.rglob("data.parquet")))
    # stopped within a poll of the workers: the months in flight were finished, then nothing more started
    assert 2 <= written <= 6
    report = br.history.download(SYMBOLS, "60", *months, path=store, client=client, progress=False)
    assert report.attrs["kept"] == written and report.attrs["written"] == 10 - written
    assert_same_store(store, tmp_path / "clean")
