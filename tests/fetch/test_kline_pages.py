"""``column_paging.Pipeline``: one thread applying ``work`` to batches of the items put in."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from bybit_research.fetch.kline_pages import Pipeline

BATCH = 32


class Recorder:
    """A ``work`` function that records each batch it is given (and the thread it ran in)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.batches: list[list[Any]] = []
        self.threads: set[str] = set()
        self.delay = delay

    def __call__(self, batch: list[Any]) -> None:
        if self.delay:
            time.sleep(self.delay)
        self.threads.add(threading.current_thread().name)
        self.batches.append(list(batch))

    @property
    def items(self) -> list[Any]:
        return [item for batch in self.batches for item in batch]


def test_every_item_is_worked_on_once_in_order() -> None:
    work = Recorder()
    with Pipeline(work) as pipeline:
        for item in range(1000):
            pipeline.put(item)
    assert work.items == list(range(1000))


def test_batches_hold_at_most_32_items() -> None:
    work = Recorder(delay=0.001)
    with Pipeline(work) as pipeline:
        for item in range(500):
            pipeline.put(item)
    assert work.batches and max(len(batch) for batch in work.batches) <= BATCH
    assert all(len(batch) >= 1 for batch in work.batches)
    assert work.items == list(range(500))


def test_items_queued_before_start_are_split_into_full_batches() -> None:
    work = Recorder()
    pipeline = Pipeline(work)
    for item in range(100):
        pipeline.put(item)
    with pipeline:
        pass
    assert [len(batch) for batch in work.batches] == [32, 32, 32, 4]
    assert work.batches[1] == list(range(32, 64))


def test_no_items_means_no_work() -> None:
    work = Recorder()
    with Pipeline(work):
        pass
    assert work.batches == []


def test_work_runs_in_the_pipeline_thread() -> None:
    work = Recorder()
    with Pipeline(work) as pipeline:
        pipeline.put("x")
    assert work.threads == {"bybit_research-pages"}


def test_put_returns_without_waiting_for_the_work() -> None:
    release = threading.Event()
    seen: list[Any] = []

    def slow(batch: list[Any]) -> None:
        assert release.wait(timeout=10)
        seen.extend(batch)

    with Pipeline(slow) as pipeline:
        pipeline.put(1)
        pipeline.put(2)
        assert seen == []  # still blocked in work, yet put returned
        release.set()
    assert seen == [1, 2]


def test_leaving_the_context_waits_for_the_work_to_finish() -> None:
    work = Recorder(delay=0.05)
    with Pipeline(work) as pipeline:
        for item in range(5):
            pipeline.put(item)
            time.sleep(0.01)
    assert work.items == [0, 1, 2, 3, 4]


def test_items_put_from_many_threads_are_each_worked_on_once() -> None:
    work = Recorder()
    with Pipeline(work) as pipeline:

        def feed(worker: int) -> None:
            for item in range(200):
                pipeline.put((worker, item))

        threads = [threading.Thread(target=feed, args=(worker,)) for worker in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
    assert sorted(work.items) == [(worker, item) for worker in range(8) for item in range(200)]
    for worker in range(8):  # each feeder's items keep their order
        assert [item for who, item in work.items if who == worker] == list(range(200))


def test_error_of_work_is_raised_on_exit() -> None:
    error = ValueError("cannot parse page 3")

    def failing(batch: list[Any]) -> None:
        raise error

    with pytest.raises(ValueError, match="cannot parse page 3") as caught, Pipeline(failing) as pipeline:
        pipeline.put(1)
    assert caught.value is error


def test_error_of_work_is_raised_even_for_a_base_exception() -> None:
    def interrupted(batch: list[Any]) -> None:
        raise KeyboardInterrupt("stop")

    with pytest.raises(KeyboardInterrupt, match="stop"), Pipeline(interrupted) as pipeline:
        pipeline.put(1)


def test_items_after_an_error_are_not_worked_on() -> None:
    calls: list[list[Any]] = []
    failed = threading.Event()

    def fail_first(batch: list[Any]) -> None:
        calls.append(list(batch))
        failed.set()
        raise RuntimeError("first batch failed")

    with pytest.raises(RuntimeError, match="first batch failed"), Pipeline(fail_first) as pipeline:
        pipeline.put("a")
        assert failed.wait(timeout=10)
        for item in range(100):
            pipeline.put(item)
    assert calls == [["a"]]


def test_only_the_first_error_of_work_is_raised() -> None:
    calls: list[list[Any]] = []

    def failing(batch: list[Any]) -> None:
        calls.append(list(batch))
        raise RuntimeError(f"failed on {batch[0]}")

    pipeline = Pipeline(failing)
    for item in range(40):  # two batches queued before the thread starts: 32 then 8
        pipeline.put(item)
    with pytest.raises(RuntimeError, match=r"^failed on 0$"), pipeline:
        pass
    assert calls == [list(range(32))]


def test_error_in_the_body_is_not_masked() -> None:
    work = Recorder()
    with pytest.raises(LookupError, match="body failed"), Pipeline(work) as pipeline:
        pipeline.put(1)
        raise LookupError("body failed")
    assert work.items == [1]  # the work queued before the error was still done


def test_error_in_the_body_wins_over_an_error_of_work() -> None:
    def failing(batch: list[Any]) -> None:
        raise ValueError("work failed")

    with pytest.raises(LookupError, match="body failed") as caught, Pipeline(failing) as pipeline:
        pipeline.put(1)
        raise LookupError("body failed")
    assert type(caught.value) is LookupError


def test_leaving_after_a_body_error_still_waits_for_the_work() -> None:
    work = Recorder(delay=0.05)
    with pytest.raises(OSError, match="network down"), Pipeline(work) as pipeline:
        for item in range(3):
            pipeline.put(item)
        raise OSError("network down")
    assert work.items == [0, 1, 2]
