"""``TextMemo`` (a bounded LRU of texts) and the simulator's memo of closed kline pages."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

import httpx
import pytest

from bybit_research.sim import create_app
from bybit_research.sim.core import ROUTES, Request
from bybit_research.sim.memo import TextMemo

NOW = 1_717_200_000_000  # 2024-06-01 00:00 UTC, on a minute and a day boundary
MINUTE = 60_000
DAY = 86_400_000
KLINE = "/v5/market/kline"


class Maker:
    """``make`` functions that count their calls."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, text: str) -> Callable[[], str]:
        def make() -> str:
            self.calls.append(text)
            return text

        return make


# -- TextMemo ------------------------------------------------------------------------------------------------


def test_get_or_make_returns_the_made_text() -> None:
    assert TextMemo().get_or_make("k", lambda: "[1,2]") == "[1,2]"


def test_get_or_make_calls_make_once_per_key() -> None:
    memo, make = TextMemo(), Maker()
    assert [memo.get_or_make("k", make("first")) for _ in range(3)] == ["first"] * 3
    assert make.calls == ["first"]


def test_get_or_make_returns_the_kept_text_not_a_new_one() -> None:
    memo = TextMemo()
    memo.get_or_make("k", lambda: "kept")
    assert memo.get_or_make("k", lambda: "other") == "kept"


def test_keys_are_independent() -> None:
    memo, make = TextMemo(), Maker()
    assert memo.get_or_make(("linear", 1), make("a")) == "a"
    assert memo.get_or_make(("linear", 2), make("b")) == "b"
    assert memo.get_or_make(("linear", 1), make("x")) == "a"
    assert make.calls == ["a", "b"]
    assert len(memo) == 2


def test_an_empty_text_is_kept_too() -> None:
    memo, make = TextMemo(), Maker()
    memo.get_or_make("k", make(""))
    assert memo.get_or_make("k", make("")) == ""
    assert make.calls == [""]
    assert len(memo) == 1


def test_len_of_a_new_memo_is_zero() -> None:
    assert len(TextMemo()) == 0


def test_len_counts_the_kept_texts() -> None:
    memo = TextMemo()
    for key in range(5):
        memo.get_or_make(key, lambda: "text")
    assert len(memo) == 5


def test_default_limit_is_64_mebichars() -> None:
    assert TextMemo().max_chars == 64 * 1024 * 1024


def test_texts_up_to_max_chars_in_total_are_all_kept() -> None:
    memo, make = TextMemo(max_chars=12), Maker()
    for key in "abc":
        memo.get_or_make(key, make(key * 4))  # 12 chars in all
    assert len(memo) == 3
    for key in "abc":
        memo.get_or_make(key, make("new"))
    assert make.calls == ["aaaa", "bbbb", "cccc"]


def test_the_oldest_text_is_dropped_past_max_chars() -> None:
    memo, make = TextMemo(max_chars=10), Maker()
    memo.get_or_make("a", make("aaaa"))
    memo.get_or_make("b", make("bbbb"))
    memo.get_or_make("c", make("cccc"))  # 12 > 10: "a" goes
    assert len(memo) == 2
    assert memo.get_or_make("b", make("new b")) == "bbbb"
    assert memo.get_or_make("c", make("new c")) == "cccc"
    assert memo.get_or_make("a", make("new a")) == "new a"
    assert make.calls == ["aaaa", "bbbb", "cccc", "new a"]


def test_a_get_makes_a_text_the_most_recently_used() -> None:
    memo, make = TextMemo(max_chars=10), Maker()
    memo.get_or_make("a", make("aaaa"))
    memo.get_or_make("b", make("bbbb"))
    assert memo.get_or_make("a", make("unused")) == "aaaa"  # "a" is now newer than "b"
    memo.get_or_make("c", make("cccc"))  # "b" is the least recently used
    assert memo.get_or_make("a", make("new a")) == "aaaa"
    assert memo.get_or_make("b", make("new b")) == "new b"
    assert make.calls == ["aaaa", "bbbb", "cccc", "new b"]


def test_as_many_old_texts_as_needed_are_dropped() -> None:
    memo, make = TextMemo(max_chars=10), Maker()
    for key in "abcde":
        memo.get_or_make(key, make(key * 2))  # 10 chars in all
    memo.get_or_make("big", make("x" * 7))  # 17 > 10: a, b, c and d go (17 - 8 = 9)
    assert len(memo) == 2
    assert memo.get_or_make("e", make("new e")) == "ee"
    assert memo.get_or_make("big", make("new big")) == "x" * 7
    assert make.calls == ["aa", "bb", "cc", "dd", "ee", "x" * 7]


def test_a_text_of_exactly_max_chars_is_kept_alone() -> None:
    memo, make = TextMemo(max_chars=10), Maker()
    memo.get_or_make("a", make("aaaa"))
    assert memo.get_or_make("full", make("f" * 10)) == "f" * 10
    assert len(memo) == 1
    assert memo.get_or_make("full", make("again")) == "f" * 10
    assert make.calls == ["aaaa", "f" * 10]


def test_a_text_longer_than_max_chars_is_returned_but_not_kept() -> None:
    memo, make = TextMemo(max_chars=10), Maker()
    memo.get_or_make("a", make("aaaa"))
    assert memo.get_or_make("huge", make("h" * 11)) == "h" * 11
    assert len(memo) == 1  # nothing was dropped for it either
    assert memo.get_or_make("a", make("new a")) == "aaaa"
    assert memo.get_or_make("huge", make("h" * 11)) == "h" * 11
    assert make.calls == ["aaaa", "h" * 11, "h" * 11]


def test_a_memo_of_zero_chars_keeps_nothing_but_empty_texts() -> None:
    memo, make = TextMemo(max_chars=0), Maker()
    assert memo.get_or_make("a", make("a")) == "a"
    assert memo.get_or_make("a", make("a")) == "a"
    assert len(memo) == 0
    assert make.calls == ["a", "a"]


def test_an_error_of_make_is_raised_and_nothing_kept() -> None:
    memo = TextMemo()

    def failing() -> str:
        raise ValueError("cannot format")

    with pytest.raises(ValueError, match="cannot format"):
        memo.get_or_make("k", failing)
    assert len(memo) == 0
    assert memo.get_or_make("k", lambda: "ok") == "ok"


def test_the_same_key_made_by_two_threads_at_once_is_counted_once() -> None:
    memo = TextMemo(max_chars=10)
    both_making = threading.Barrier(2, timeout=10)
    results: list[str] = []

    def make() -> str:
        both_making.wait()  # both threads are in make() for the same key
        return "six ch"

    threads = [threading.Thread(target=lambda: results.append(memo.get_or_make("k", make))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert results == ["six ch", "six ch"]
    # counted twice, 12 chars would exceed 10 and drop the text
    assert len(memo) == 1
    assert memo.get_or_make("k", lambda: "other") == "six ch"
    memo.get_or_make("four", lambda: "4444")  # 6 + 4 = 10: both fit
    assert len(memo) == 2


def test_make_runs_outside_the_lock() -> None:
    memo = TextMemo()
    inner: list[str] = []

    def make_outer() -> str:
        # a make() that uses the memo itself would deadlock if it ran under the lock
        inner.append(memo.get_or_make("inner", lambda: "in"))
        return "out"

    worker = threading.Thread(target=lambda: memo.get_or_make("outer", make_outer), daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert inner == ["in"] and len(memo) == 2


# -- closed kline pages through the app ----------------------------------------------------------------------


class CountingMemo(TextMemo):
    """A ``TextMemo`` recording the keys it is asked for and the keys it had to make."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[Hashable] = []
        self.made: list[Hashable] = []

    def get_or_make(self, key: Hashable, make: Callable[[], str]) -> str:
        self.asked.append(key)

        def counted() -> str:
            self.made.append(key)
            return make()

        return super().get_or_make(key, counted)


def app_and_client(connect: Callable[..., httpx.Client]) -> tuple[Any, httpx.Client]:
    app = create_app(now_ms=NOW, ip_limit=0)
    return app, connect(app)


def closed_params(**overrides: Any) -> dict[str, Any]:
    """Minute candles of one day ago: all closed."""
    params = {
        "category": "linear",
        "symbol": "BTCUSDT",
        "interval": "1",
        "start": NOW - DAY - 200 * MINUTE,
        "end": NOW - DAY,
        "limit": 1000,
    }
    return {**params, **overrides}


def handler_result(path: str, params: dict[str, Any]) -> Any:
    """The page computed by the handler without the app (list of lists, never memoized)."""
    app = create_app(now_ms=NOW, ip_limit=0)
    query = {name: str(value) for name, value in params.items()}
    result = ROUTES[("GET", path)].handler(app.exchange, Request("GET", path, "", query, {}, now_ms=NOW))
    assert len(app.exchange.closed_pages) == 0
    return result


def test_a_closed_page_is_memoized_once(connect: Callable[..., httpx.Client]) -> None:
    app, http = app_and_client(connect)
    assert len(app.exchange.closed_pages) == 0
    first = http.get(KLINE, params=closed_params())
    assert first.json()["retCode"] == 0
    assert len(app.exchange.closed_pages) == 1
    second = http.get(KLINE, params=closed_params())
    assert len(app.exchange.closed_pages) == 1
    assert second.json()["result"]["list"] == first.json()["result"]["list"]
    assert len(first.json()["result"]["list"]) == 201
    assert second.content == first.content  # the fixed clock makes the whole body identical


def test_a_repeated_closed_page_is_not_computed_again(connect: Callable[..., httpx.Client]) -> None:
    app, http = app_and_client(connect)
    memo = app.exchange.closed_pages = CountingMemo()
    for _ in range(3):
        http.get(KLINE, params=closed_params())
    assert len(memo.asked) == 3 and len(memo.made) == 1
    assert memo.asked[0] == memo.made[0]


def test_the_memoized_page_equals_a_page_computed_without_memo(connect: Callable[..., httpx.Client]) -> None:
    _, http = app_and_client(connect)
    http.get(KLINE, params=closed_params())
    from_memo = http.get(KLINE, params=closed_params())  # served from the memo

    fresh, fresh_http = app_and_client(connect)
    fresh.exchange.closed_pages = TextMemo(max_chars=0)  # keeps nothing: every page is computed
    computed = fresh_http.get(KLINE, params=closed_params())
    assert len(fresh.exchange.closed_pages) == 0
    assert from_memo.content == computed.content
    assert from_memo.json()["result"] == handler_result(KLINE, closed_params())


def test_the_memoized_page_equals_the_first_page_of_a_fresh_app(connect: Callable[..., httpx.Client]) -> None:
    _, http = app_and_client(connect)
    http.get(KLINE, params=closed_params(interval="5"))
    from_memo = http.get(KLINE, params=closed_params(interval="5"))
    _, fresh_http = app_and_client(connect)
    assert fresh_http.get(KLINE, params=closed_params(interval="5")).content == from_memo.content


def test_rows_of_a_memoized_page_are_newest_first_strings(connect: Callable[..., httpx.Client]) -> None:
    _, http = app_and_client(connect)
    http.get(KLINE, params=closed_params())
    rows = http.get(KLINE, params=closed_params()).json()["result"]["list"]
    starts = [int(row[0]) for row in rows]
    assert starts[0] == NOW - DAY and starts[-1] == NOW - DAY - 200 * MINUTE
    assert starts == sorted(starts, reverse=True)
    assert all(len(row) == 7 and all(isinstance(value, str) for value in row) for row in rows)


@pytest.mark.parametrize("end", [NOW - MINUTE, NOW - 1])
def test_a_page_ending_on_the_last_closed_candle_is_memoized(
    connect: Callable[..., httpx.Client], end: int
) -> None:
    app, http = app_and_client(connect)
    body = http.get(KLINE, params=closed_params(start=NOW - 10 * MINUTE, end=end)).json()
    assert int(body["result"]["list"][0][0]) == NOW - MINUTE
    assert len(app.exchange.closed_pages) == 1


@pytest.mark.parametrize("end", [NOW, NOW + 1, NOW + DAY])
def test_a_page_reaching_now_is_not_memoized(connect: Callable[..., httpx.Client], end: int) -> None:
    app, http = app_and_client(connect)
    for _ in range(2):
        body = http.get(KLINE, params=closed_params(start=NOW - 10 * MINUTE, end=end)).json()
        assert body["retCode"] == 0 and int(body["result"]["list"][0][0]) == NOW
    assert len(app.exchange.closed_pages) == 0


def test_a_page_without_end_is_not_memoized(connect: Callable[..., httpx.Client]) -> None:
    app, http = app_and_client(connect)
    params = closed_params()
    del params["end"]
    body = http.get(KLINE, params={**params, "limit": 5}).json()
    assert len(body["result"]["list"]) == 5
    assert len(app.exchange.closed_pages) == 0


def test_a_day_candle_is_memoized_only_once_the_day_is_over(connect: Callable[..., httpx.Client]) -> None:
    app, http = app_and_client(connect)
    http.get(KLINE, params=closed_params(interval="D", start=NOW - 5 * DAY, end=NOW - 1))
    assert len(app.exchange.closed_pages) == 1
    http.get(KLINE, params=closed_params(interval="D", start=NOW - 5 * DAY, end=NOW))
    assert len(app.exchange.closed_pages) == 1


def test_each_endpoint_limit_and_symbol_is_its_own_page(connect: Callable[..., httpx.Client]) -> None:
    app, http = app_and_client(connect)
    http.get(KLINE, params=closed_params())
    http.get(KLINE, params=closed_params(limit=50))
    http.get(KLINE, params=closed_params(symbol="ETHUSDT"))
    http.get("/v5/market/mark-price-kline", params=closed_params())
    http.get("/v5/market/index-price-kline", params=closed_params())
    assert len(app.exchange.closed_pages) == 5
    assert len(http.get(KLINE, params=closed_params(limit=50)).json()["result"]["list"]) == 50
    assert len(app.exchange.closed_pages) == 5


def test_mark_price_page_from_the_memo_has_its_own_rows(connect: Callable[..., httpx.Client]) -> None:
    _, http = app_and_client(connect)
    http.get(KLINE, params=closed_params())
    mark = http.get("/v5/market/mark-price-kline", params=closed_params())
    mark_again = http.get("/v5/market/mark-price-kline", params=closed_params())
    assert mark_again.content == mark.content
    rows = mark_again.json()["result"]["list"]
    assert len(rows[0]) == 5
    assert mark_again.json()["result"] == handler_result("/v5/market/mark-price-kline", closed_params())


def test_a_failed_request_memoizes_nothing(connect: Callable[..., httpx.Client]) -> None:
    app, http = app_and_client(connect)
    body = http.get(KLINE, params=closed_params(interval="2")).json()
    assert body["retCode"] == 10001 and "interval invalid" in body["retMsg"]
    assert len(app.exchange.closed_pages) == 0


def test_start_after_end_is_an_empty_page_not_memoized(connect: Callable[..., httpx.Client]) -> None:
    app, http = app_and_client(connect)
    body = http.get(KLINE, params=closed_params(start=NOW - DAY, end=NOW - 2 * DAY)).json()
    assert body["retCode"] == 0 and body["result"]["list"] == []
    assert len(app.exchange.closed_pages) == 0


def test_each_app_has_its_own_memo(connect: Callable[..., httpx.Client]) -> None:
    one, one_http = app_and_client(connect)
    two, _ = app_and_client(connect)
    one_http.get(KLINE, params=closed_params())
    assert (len(one.exchange.closed_pages), len(two.exchange.closed_pages)) == (1, 0)
