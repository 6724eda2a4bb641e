"""A download process killed (SIGKILL) while it runs, and one that dies in the middle of writing a file: the
store holds only whole files, readers ignore what the dead process left, and a rerun gives the store of a
clean run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import bybit_research as br
from tests.conftest import NOW_MS, MarketClient
from tests.history.conftest import assert_same_store

REPO = Path(__file__).resolve().parents[2]
SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
RANGE = ("2024-01-01", "2024-06-01")
FILES = len(SYMBOLS) * 5 * 2  # symbols x months x (klines, funding)

DOWNLOAD = """
import sys
sys.path.insert(0, {repo!r})
import bybit_research as br
from bybit_research.sim import SimConfig, create_app

{before}
app = create_app(SimConfig(now_ms={now}, ip_limit=0, latency_ms={latency}))
client = br.Client(env="offline", cache=False, sim_app=app)
br.history.download({symbols!r}, "60", *{range!r}, kinds=["klines", "funding"], path={path!r}, client=client,
                    progress=False, workers={workers})
print("finished")
"""


def start(path: Path, latency_ms: float, before: str = "", workers: int = 2) -> subprocess.Popen[str]:
    code = DOWNLOAD.format(
        workers=workers,
        repo=str(REPO),
        now=NOW_MS,
        latency=latency_ms,
        symbols=SYMBOLS,
        range=RANGE,
        path=str(path),
        before=textwrap.dedent(before),
    )
    return subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def clean_store(client: MarketClient, root: Path) -> Path:
    br.history.download(
        SYMBOLS, "60", *RANGE, kinds=["klines", "funding"], path=root, client=client, progress=False
    )
    return root


def resume(client: MarketClient, root: Path) -> None:
    report = br.history.download(
        SYMBOLS, "60", *RANGE, kinds=["klines", "funding"], path=root, client=client, progress=False
    )
    assert report.attrs["written"] + report.attrs["kept"] == FILES


@pytest.mark.slow
def test_a_killed_download_resumes_to_the_clean_store(client: MarketClient, tmp_path: Path) -> None:
    store = tmp_path / "killed"
    process = start(store, latency_ms=40)
    deadline = time.monotonic() + 90
    while (
        len(list(store.rglob("data.parquet"))) < 4 and time.monotonic() < deadline and process.poll() is None
    ):
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    _, errors = process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL, errors[-2000:]  # killed, not finished
    left = list(store.rglob("data.parquet"))
    assert 4 <= len(left) < FILES
    for path in left:  # whole files only
        assert pq.read_table(path).num_rows > 0
    stored = br.history.dataset(store)  # readers see whole files, never a temporary one
    assert stored.count_rows() == sum(pq.read_metadata(p).num_rows for p in left if "klines" in str(p))
    resume(client, store)
    assert_same_store(store, clean_store(client, tmp_path / "clean"))


@pytest.mark.slow
def test_a_process_dying_mid_write_leaves_no_partial_file(client: MarketClient, tmp_path: Path) -> None:
    store = tmp_path / "crashed"
    # the fifth file write dies halfway: part of the temporary file is on disk when the process is killed; one
    # worker, so that no other write is in flight at that moment (with two, the other's temporary file may be
    # there too, and the count of whole files depends on which finished first)
    crash = """
    import os, signal
    import pyarrow.parquet as pq
    real, calls = pq.write_table, []
    def dying(table, where, **options):
        calls.append(where)
        if len(calls) == 5:
            real(table.slice(0, len(table) // 2), where, **options)
            os.kill(os.getpid(), signal.SIGKILL)
        return real(table, where, **options)
    pq.write_table = dying
    """
    process = start(store, latency_ms=0, before=crash, workers=1)
    _, errors = process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL, errors[-2000:]
    assert len(list(store.rglob("data.parquet"))) == 4
    partial = list(store.rglob("*.tmp"))
    assert len(partial) == 1 and partial[0].name.startswith(".data.parquet.")
    whole = [p for p in store.rglob("data.parquet") if "klines" in str(p)]
    assert br.history.dataset(store).count_rows() == sum(pq.read_metadata(p).num_rows for p in whole)
    resume(client, store)
    assert not list(store.rglob("*.tmp"))  # its writer is gone: removed by the rerun
    assert_same_store(store, clean_store(client, tmp_path / "clean"))
