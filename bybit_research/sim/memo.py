"""A bounded memo of answer texts that can no longer change (pages of closed candles).

The simulator computes and formats a kline page in a few milliseconds of Python; Bybit serves the same page
from its stores. Keeping the JSON text of pages whose candles have all closed makes a repeated page cost
what a real server's does, so benchmarks measure the client, not the stand-in's arithmetic.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

__all__ = ["TextMemo"]


class TextMemo:
    """Texts by key; the least recently used are dropped once the texts exceed ``max_chars`` in total."""

    def __init__(self, max_chars: int = 64 << 20) -> None:
        self.max_chars = max_chars
        self._texts: OrderedDict[Hashable, str] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def get_or_make(self, key: Hashable, make: Callable[[], str]) -> str:
        """Return the text kept under ``key``, or ``make()`` it (outside the lock) and keep it."""
        with self._lock:
            text = self._texts.get(key)
            if text is not None:
                self._texts.move_to_end(key)
                return text
        text = make()
        with self._lock:
            if key not in self._texts and len(text) <= self.max_chars:
                self._texts[key] = text
                self._chars += len(text)
                while self._chars > self.max_chars:
                    _, dropped = self._texts.popitem(last=False)
                    self._chars -= len(dropped)
        return text

    def __len__(self) -> int:
        with self._lock:
            return len(self._texts)
