"""The explorer in a real browser: ``bybit-research explore --notebook notebooks/05_explorer.ipynb`` serves
the tour with Voila on the simulator, Debian's Chromium (driven by Playwright) switches categories, picks
symbols, changes the interval and the option expiry, and checks that the table and the chart change.

One Voila and one page serve the whole module; the tests act on that page in order, each from the state it
finds. Element screenshots go to ``build/screenshots/``; the time of each interaction goes to
``build/screenshots/timings.json`` and is printed: measured, not asserted. Each is measured around the
Playwright calls (from the action until the test sees the result) and, for the chart, by the page itself
("..., in the page": from the user's first input event to the new chart image decoded and painted), which
leaves out the automation's own round trips.
Skipped only when Chromium is absent (``CHROMIUM``, default ``/usr/bin/chromium``).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "05_explorer.ipynb"
SHOTS = ROOT / "build" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
#: the first render runs the whole notebook in a fresh kernel: seconds on two busy cores
SLOW_MS = 90_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (set CHROMIUM=...)"),
]

TIMINGS: dict[str, list[float]] = {}
#: the explorer's candle chart
CHART_IMAGE = ".br-explorer img.br-chart-image"
#: the page's JavaScript errors (``pageerror`` events; console messages about the offline icon font are not)
PAGE_ERRORS: list[str] = []


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def explore_app(*options: str, log_name: str = "voila.log") -> Iterator[str]:
    """``bybit-research explore`` on a free port, in its own process group; its URL while it serves."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BYBIT_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    command = [
        sys.executable,
        "-m",
        "bybit_research.cli",
        "explore",
        "--no-browser",
        f"--port={port}",
        *options,
    ]
    SHOTS.mkdir(parents=True, exist_ok=True)
    log = (SHOTS / log_name).open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"Voila exited with {server.returncode}; see {SHOTS / log_name}")
            try:
                httpx.get(url + "api", timeout=1.0)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="session")
def voila_url() -> Iterator[str]:
    """``bybit-research explore --notebook`` serving the tour notebook."""
    with explore_app(f"--notebook={NOTEBOOK}") as url:
        yield url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright launches Debian's Chromium: ``playwright install`` cannot download one here."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture(scope="module")
def page(browser: Any, voila_url: str) -> Iterator[Any]:
    """One page of the tour, rendered: the explorer's chart and the chain panel are on it."""
    page = browser.new_page(viewport={"width": 1280, "height": 1400})
    page.on("pageerror", lambda error: PAGE_ERRORS.append(str(error)))
    # offline machine: Voila's icon font from a CDN would only fail slowly
    page.route("**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url else route.abort())
    started = time.perf_counter()
    page.goto(voila_url, timeout=SLOW_MS)
    page.locator(".br-explorer .br-chart-caption", has_text="rows of /v5/market/kline").wait_for(
        timeout=SLOW_MS
    )
    page.locator(".br-option-chain .br-chain-title", has_text="expiry").first.wait_for(timeout=SLOW_MS)
    TIMINGS["first render (whole notebook, fresh kernel)"] = [time.perf_counter() - started]
    yield page
    (SHOTS / "timings.json").write_text(json.dumps(TIMINGS, indent=2))
    print(
        "\nbrowser interaction timings (s):",
        json.dumps({k: [round(t, 3) for t in v] for k, v in TIMINGS.items()}),
    )
    page.close()


#: in the page: note when the user's action starts (its first pointer, key or change event) and when the
#: image at ``selector`` shows new bytes (its new ``src`` loaded, then the next frame painted)
_STOPWATCH = """(selector) => {
  const watch = {t0: null, t1: null};
  window.__watch = watch;
  const start = () => { if (watch.t0 === null) watch.t0 = performance.now(); };
  for (const type of ["pointerdown", "mousedown", "keydown", "input", "change"]) {
    document.addEventListener(type, start, {capture: true, once: true});
  }
  const image = document.querySelector(selector);
  const before = image.src;
  const seen = new MutationObserver(() => {
    if (image.src === before) return;
    seen.disconnect();
    const painted = () => requestAnimationFrame(() => { watch.t1 = performance.now(); });
    image.decode().then(painted, painted);
  });
  seen.observe(image, {attributes: true, attributeFilter: ["src"]});
}"""


@contextmanager
def timed(name: str, page: Any = None, image: str | None = None) -> Iterator[None]:
    """Record the seconds the block takes (an action and the wait for the page to show its result).

    With ``page`` and ``image`` (a selector), the page itself also times the user's action, from its first
    input event to the new image painted (``<name>, in the page``): the wall time around the block adds
    the automation's own round trips (Playwright to Chromium, about 0.3 s here) that no user waits for.
    """
    if page is not None and image is not None:
        page.evaluate(_STOPWATCH, image)
    started = time.perf_counter()
    yield
    TIMINGS.setdefault(name, []).append(time.perf_counter() - started)
    if page is not None and image is not None:
        page.wait_for_function(
            "() => window.__watch.t0 !== null && window.__watch.t1 !== null", timeout=SLOW_MS
        )
        watch = page.evaluate("() => window.__watch")
        TIMINGS.setdefault(f"{name}, in the page", []).append((watch["t1"] - watch["t0"]) / 1000)


def wait_src_change(page: Any, selector: str, before: str) -> None:
    """Wait until the image at ``selector`` shows other bytes than ``before`` (a new blob URL)."""
    page.wait_for_function(
        "([selector, before]) => document.querySelector(selector).src !== before", arg=[selector, before]
    )


def explorer(page: Any, selector: str) -> Any:
    return page.locator(f".br-explorer {selector}").first


def caption(page: Any) -> str:
    return str(explorer(page, ".br-chart-caption").inner_text())


def image_src(page: Any, selector: str) -> str:
    return str(explorer(page, selector).get_attribute("src"))


def wait_text(page: Any, selector: str, text: str) -> None:
    explorer(page, selector).filter(has_text=text).wait_for(timeout=SLOW_MS)


def tab_titles(page: Any) -> list[str]:
    """The titles of the explorer's own tabs (not those of the chain panel inside them)."""
    return list(page.locator(".br-explorer .br-tabs > .lm-TabBar .lm-TabBar-tab").all_inner_texts())


def click_category(page: Any, name: str) -> None:
    explorer(page, ".br-category").get_by_role("button", name=name, exact=True).click()


def test_first_render_shows_linear_instruments_and_a_chart(page: Any) -> None:
    assert explorer(page, ".br-count").inner_text().endswith("linear instruments")
    table = explorer(page, ".br-table").inner_text()
    assert "BTCUSDT" in table and "LinearPerpetual" in table and "funding_rate" in table
    assert explorer(page, ".br-symbol select").input_value() == "BTCUSDT"
    assert caption(page).startswith("BTCUSDT (linear) last-price 1h klines")
    assert image_src(page, "img.br-chart-image").startswith("blob:")
    assert tab_titles(page) == ["chart", "funding", "open interest", "margin"]
    explorer(page, ".br-chart").screenshot(path=SHOTS / "explorer_chart_linear.png")
    explorer(page, ".br-table").screenshot(path=SHOTS / "explorer_table_linear.png")
    assert PAGE_ERRORS == []


def test_switching_categories_changes_the_table_and_the_chart(page: Any) -> None:
    for round_ in ("cold", "warm", "warm"):
        for category, symbol in (("spot", "BTCUSDT (spot)"), ("linear", "BTCUSDT (linear)")):
            before = image_src(page, "img.br-chart-image")
            with timed(f"category switch to {category} ({round_} cache)", page, CHART_IMAGE):
                click_category(page, category)
                wait_text(page, ".br-chart-caption", symbol)
                wait_src_change(page, ".br-explorer img.br-chart-image", before)
            assert explorer(page, ".br-count").inner_text().endswith(f"{category} instruments")
            if round_ == "cold" and category == "spot":
                table = explorer(page, ".br-table").inner_text()
                assert "quote_coin" in table and "LinearPerpetual" not in table
                assert tab_titles(page) == ["chart"]
                page.locator(".br-explorer").first.screenshot(path=SHOTS / "explorer_spot.png")
    assert PAGE_ERRORS == []


def test_picking_a_symbol_redraws_its_chart_and_details(page: Any) -> None:
    for round_, symbol in (
        ("cold", "ETHUSDT"),
        ("cold", "SOLUSDT"),
        ("warm", "ETHUSDT"),
        ("warm", "SOLUSDT"),
    ):
        with timed(f"symbol change ({round_} cache)", page, CHART_IMAGE):  # the caption follows the image
            explorer(page, ".br-symbol select").select_option(symbol)
            wait_text(page, ".br-chart-caption", f"{symbol} (linear)")
        assert explorer(page, ".br-details").inner_text().startswith(f"{symbol} (linear): instrument")
        assert f"{symbol}: ticker" in explorer(page, ".br-ticker").inner_text()
    explorer(page, ".br-details").screenshot(path=SHOTS / "explorer_details.png")
    assert PAGE_ERRORS == []


def test_changing_the_interval_refetches_the_candles(page: Any) -> None:
    before = image_src(page, "img.br-chart-image")
    with timed("interval change to 15m (cold cache)", page, CHART_IMAGE):
        explorer(page, ".br-interval select").select_option(label="15m")
        wait_text(page, ".br-chart-caption", "15m klines")
    assert image_src(page, "img.br-chart-image") != before
    assert "672 rows" in caption(page) or "673 rows" in caption(page)  # a week of 15-minute candles
    explorer(page, ".br-chart").screenshot(path=SHOTS / "explorer_chart_15m.png")
    assert PAGE_ERRORS == []


def test_options_open_the_chain_and_the_expiry_changes_it(page: Any) -> None:
    with timed("category switch to option (cold cache)"):
        click_category(page, "option")
        explorer(page, ".br-option-chain img.br-smile-image").wait_for(timeout=SLOW_MS)
        wait_text(page, ".br-option-chain .br-chain-title", "expiry")
    assert tab_titles(page) == ["chain", "chart", "margin"]
    assert explorer(page, ".br-count").inner_text().endswith("option instruments (BTC options)")
    expiry = explorer(page, ".br-option-chain .br-expiry select")
    codes = expiry.locator("option").all_inner_texts()
    first, other = expiry.input_value(), codes[-1]
    assert first in codes and other != first
    smile = image_src(page, ".br-option-chain img.br-smile-image")
    table = explorer(page, ".br-option-chain .br-chain-table").inner_text()
    with timed("option expiry change (table and smile)"):
        expiry.select_option(other)
        wait_text(page, ".br-option-chain .br-chain-title", f"BTC {other}")
        wait_src_change(page, ".br-explorer .br-option-chain img.br-smile-image", smile)
    assert explorer(page, ".br-option-chain .br-chain-table").inner_text() != table
    assert "Call" in table and "mark_iv" in table
    explorer(page, ".br-option-chain").screenshot(path=SHOTS / "explorer_option_chain.png")
    assert PAGE_ERRORS == []


def test_the_standalone_chain_panel_is_on_the_page(page: Any) -> None:
    standalone = page.locator(".br-option-chain:not(.br-explorer .br-option-chain)")
    assert standalone.count() == 1  # the tour's own, beside the one the explorer shows for options
    assert standalone.locator(".br-chain-title").inner_text().startswith("BTC ")
    standalone.screenshot(path=SHOTS / "option_chain.png")
    assert PAGE_ERRORS == []


def margin_panel(page: Any) -> Any:
    """The tour's own margin panel (not the one in the explorer's margin tab)."""
    return page.locator(STANDALONE_MARGIN).first


def margin_numbers(panel: Any) -> list[float]:
    """The numbers of the what-if's IM/MM table, row by row (``1,234.56`` -> 1234.56)."""
    cells = panel.locator(".br-whatif-units td").all_inner_texts()
    return [float(text.replace(",", "")) for text in cells if text and text[0] in "-0123456789"]


def wait_changed(page: Any, selector: str, before: str) -> None:
    """Wait until the text of the tour's margin panel's ``selector`` is no longer ``before``."""
    page.wait_for_function(
        "([selector, before]) => { const e = document.querySelector(selector); "
        "return e !== null && e.innerText !== before; }",
        arg=[f"{STANDALONE_MARGIN} {selector}", before],
        timeout=SLOW_MS,
    )


#: the tour's own margin panel (the explorer's margin tab holds another)
STANDALONE_MARGIN = ".br-margin:not(.br-explorer .br-margin)"


def what_if_rows(panel: Any) -> list[list[float]]:
    """The what-if's IM/MM table, one row per risk unit (mm_ and im_ before, after, change)."""
    numbers = margin_numbers(panel)
    assert len(numbers) % 6 == 0 and numbers, numbers
    return [numbers[i : i + 6] for i in range(0, len(numbers), 6)]


def change_what_if(page: Any, panel: Any, name: str, act: Any) -> None:
    """Do ``act``, timing until the what-if's table changed, then until its figure did."""
    table = panel.locator(".br-whatif-units").inner_text()
    image = str(panel.locator("img.br-whatif-image").get_attribute("src"))
    started = time.perf_counter()
    act()
    wait_changed(page, ".br-whatif-units", table)
    TIMINGS.setdefault(f"margin what-if: {name} (table)", []).append(time.perf_counter() - started)
    page.wait_for_function(
        "([selector, before]) => document.querySelector(selector).src !== before",
        arg=[f"{STANDALONE_MARGIN} img.br-whatif-image", image],
        timeout=SLOW_MS,
    )
    TIMINGS.setdefault(f"margin what-if: {name} (table and figure)", []).append(time.perf_counter() - started)


def test_the_margin_panel_what_if_follows_size_and_side(page: Any) -> None:
    panel = margin_panel(page)
    panel.locator(".br-whatif-units", has_text="mm_change").wait_for(timeout=SLOW_MS)
    units = panel.locator(".br-margin-units").inner_text()
    assert "asset_mm" in units and "BTC" in units
    assert str(panel.locator("img.br-margin-grid-image").get_attribute("src")).startswith("blob:")
    symbol = panel.locator(".br-whatif-symbol input").input_value()
    size_box = panel.locator(".br-whatif-size input")
    size = float(size_box.input_value())
    before = what_if_rows(panel)
    panel.screenshot(path=SHOTS / "margin_panel.png")

    def double_the_size() -> None:
        size_box.fill(f"{2 * size:g}")
        size_box.press("Enter")

    change_what_if(page, panel, "size change", double_the_size)
    doubled = what_if_rows(panel)
    assert doubled != before and len(doubled) == len(before)
    assert [r[0] for r in doubled] == [r[0] for r in before]  # the book as it is did not change
    legs = panel.locator(".br-whatif-legs").inner_text()
    assert symbol in legs and f"{2 * size:g}" in legs.replace(",", "")
    side = panel.locator(".br-whatif-side")
    active = side.locator("button.mod-active").inner_text().strip()
    assert active in ("Buy", "Sell")
    other = "Buy" if active == "Sell" else "Sell"
    change_what_if(
        page, panel, "side change", lambda: side.get_by_role("button", name=other, exact=True).click()
    )
    flipped = what_if_rows(panel)
    assert flipped != doubled and [r[0] for r in flipped] == [r[0] for r in doubled]
    assert any(abs(r[2]) > 0.005 for r in flipped)
    assert all(abs(r[1] - r[0] - r[2]) < 0.02 and abs(r[4] - r[3] - r[5]) < 0.02 for r in flipped)
    panel.locator(".br-whatif-units").screenshot(path=SHOTS / "margin_whatif_table.png")
    panel.locator("img.br-whatif-image").screenshot(path=SHOTS / "margin_whatif_figure.png")
    panel.locator("img.br-margin-grid-image").screenshot(path=SHOTS / "margin_grid.png")
    assert PAGE_ERRORS == []


def test_the_explorers_margin_tab_values_the_selected_option(page: Any) -> None:
    assert tab_titles(page) == ["chain", "chart", "margin"]  # the explorer is at options (an earlier test)
    symbol = explorer(page, ".br-symbol select").input_value()
    with timed("explorer margin tab (first show: report and calibration)"):
        page.locator(".br-explorer .br-tabs > .lm-TabBar .lm-TabBar-tab", has_text="margin").click()
        explorer(page, ".br-margin .br-whatif-legs").filter(has_text=symbol).wait_for(timeout=SLOW_MS)
    assert explorer(page, ".br-margin .br-whatif-symbol input").input_value() == symbol
    explorer(page, ".br-margin").screenshot(path=SHOTS / "explorer_margin_tab.png")
    assert PAGE_ERRORS == []


def test_the_app_alone_is_the_explorer_on_the_simulator(browser: Any) -> None:
    """``bybit-research explore`` as a user starts it: its own notebook (the explorer alone), offline."""
    with explore_app(log_name="voila-app.log") as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.route(
            "**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url else route.abort()
        )
        try:
            page.goto(url, timeout=SLOW_MS)
            page.locator(".br-explorer .br-chart-caption", has_text="rows of /v5/market/kline").wait_for(
                timeout=SLOW_MS
            )
            assert page.locator(".br-explorer").count() == 1 and page.locator(".br-option-chain").count() == 0
            assert "BTCUSDT (linear)" in caption(page)
            chart = page.locator(CHART_IMAGE).first
            chart.evaluate("image => image.decode()")
            assert chart.evaluate("image => image.naturalWidth") > 600  # the candles, drawn
            page.screenshot(path=str(SHOTS / "explore_app.png"))
        finally:
            page.close()
