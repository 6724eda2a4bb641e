"""The progress bar of long downloads (tqdm), shown only when a call needs many pages."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..endpoints import Endpoint

__all__ = ["PROGRESS_THRESHOLD", "progress_bar"]

#: a progress bar appears when a call needs more pages than this (unless ``progress=False``)
PROGRESS_THRESHOLD = 20


@contextmanager
def progress_bar(
    total: int | None, progress: bool | None, endpoint: Endpoint
) -> Iterator[Callable[[], None]]:
    """Yield a function to call once per finished page.

    A tqdm bar is shown when ``progress`` is True, or (``progress=None``) once the call needs more than
    :data:`PROGRESS_THRESHOLD` pages: at once when ``total`` is known, else from the page that passes it.
    """
    if progress is False or (progress is None and total is not None and total <= PROGRESS_THRESHOLD):
        yield lambda: None
        return
    lock = threading.Lock()
    state: dict[str, Any] = {"bar": None, "done": 0}

    def open_bar() -> None:
        from tqdm.auto import tqdm

        name = endpoint.path.rsplit("/v5/", 1)[-1]
        state["bar"] = tqdm(total=total, initial=state["done"], desc=name, unit="page", leave=False)

    def tick() -> None:
        with lock:
            state["done"] += 1
            if state["bar"] is None and state["done"] > PROGRESS_THRESHOLD:
                open_bar()
            elif state["bar"] is not None:
                state["bar"].update(1)

    if progress is True or total is not None:
        open_bar()
    try:
        yield tick
    finally:
        if state["bar"] is not None:
            state["bar"].close()
