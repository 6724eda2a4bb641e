"""Regenerate the gallery of ``br.plot`` figures (``docs/gallery/*.png``) from the local simulator.

Run from the repository root::

    PYTHONPATH=. .venv/bin/python docs/gallery/make_gallery.py            # every image
    PYTHONPATH=. .venv/bin/python docs/gallery/make_gallery.py surface    # only these

The simulator runs in-process at a fixed clock (2024-06-15 12:34:56 UTC), so the data, and therefore the
images, are the same on every run. Images are written at 100 dpi, the width of a notebook cell. Look at them
after regenerating: they are documentation, and nothing checks them but a person.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bybit_research import margin, plotting  # noqa: E402
from bybit_research.client import Client  # noqa: E402
from bybit_research.endpoints.account import TRANSACTION_LOG  # noqa: E402
from bybit_research.frames import build_frame  # noqa: E402
from bybit_research.sim import SimConfig, create_app  # noqa: E402

OUT = Path(__file__).resolve().parent
NOW = pd.Timestamp("2024-06-15 12:34:56", tz="UTC")
DAY_MS = 86_400_000


def transaction_log(client: Client, days: int) -> pd.DataFrame:
    """The last ``days`` of the simulator's transaction log, through 7-day windows and their cursors."""
    rows: list[dict[str, Any]] = []
    end = int(NOW.value // 1_000_000)
    for _ in range(0, days, 7):
        start = end - 7 * DAY_MS
        cursor = ""
        while True:
            params = {
                "startTime": start,
                "endTime": end,
                "limit": 50,
                **({"cursor": cursor} if cursor else {}),
            }
            page = client.get("/v5/account/transaction-log", params, auth=True)
            rows.extend(page["list"])
            cursor = page["nextPageCursor"]
            if not cursor:
                break
        end = start
    return build_frame(TRANSACTION_LOG, rows)


def snapshot(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` stamped with the simulator's clock: ``attrs["fetched_at"]`` is the machine's wall clock,
    while the simulated exchange (its expiries and deliveries) lives at :data:`NOW`."""
    frame.attrs["fetched_at"] = NOW
    return frame


def hedged(client: Client) -> Any:
    """A what-if on the demo account: sell 0.2 BTCUSDT and buy 20 SOLUSDT against the units' worst moves."""
    cal = margin.calibrate(client.portfolio_margin())
    legs = [
        {"symbol": "BTCUSDT", "side": "Sell", "size": 0.2},
        {"symbol": "SOLUSDT", "side": "Buy", "size": 20},
    ]
    account = {"equity": cal.equity, "outside_im": cal.outside_im, "outside_mm": cal.outside_mm}
    return margin.what_if(
        cal.positions, add=legs, market=cal.market, params=cal.params, now=cal.now, **account
    )


def figures(client: Client) -> dict[str, Callable[[], Any]]:
    """Gallery name -> a function drawing it."""
    chain = snapshot(client.option_chain("BTC"))
    days = (pd.DatetimeIndex(chain["expiry"]) - NOW) / pd.Timedelta(days=1)
    # the first expiry a week or more away whose strikes bracket its forward
    spans = chain.groupby("expiry_code").agg(
        low=("strike", "min"), high=("strike", "max"), forward=("underlying_price", "median")
    )
    expiry = next(
        code
        for code in dict.fromkeys(chain["expiry_code"][days >= 7])
        if spans.loc[code, "low"] < spans.loc[code, "forward"] < spans.loc[code, "high"]
    )
    funding = pd.concat(
        [client.funding_rates(s, "2024-05-15", "2024-06-15") for s in ("BTCUSDT", "SOLUSDT", "SUIUSDT")]
    ).sort_index(kind="stable")
    funding.attrs = {"category": "linear"}
    return {
        "candles": lambda: plotting.candles(
            client.klines("BTCUSDT", "5", start="2024-06-14", end="2024-06-15")
        ),
        "candles_year": lambda: plotting.candles(
            client.klines("BTCUSDT", "1", start="2023-06-01", end="2024-06-01", progress=False)
        ),
        "funding": lambda: plotting.funding(funding),
        "open_interest": lambda: plotting.open_interest(
            client.open_interest("BTCUSDT", "1h", "2024-06-01", "2024-06-15"),
            client.klines("BTCUSDT", "60", start="2024-06-01", end="2024-06-15"),
        ),
        "basis": lambda: plotting.basis(snapshot(client.tickers("linear")), "perp"),
        "depth": lambda: plotting.depth(client.orderbook("BTCUSDT", limit=200)),
        "smile": lambda: plotting.smile(chain, expiry),
        "term_structure": lambda: plotting.term_structure(chain, expiry=expiry),
        "surface": lambda: plotting.surface(chain),
        "equity": lambda: plotting.equity(transaction_log(client, 28)),
        "margin_grid": lambda: plotting.margin_grid(client.portfolio_margin(), "BTC"),
        "what_if": lambda: plotting.what_if(hedged(client)),
    }


def main(argv: list[str] | None = None) -> int:
    """Draw every image, or only those named on the command line (``make_gallery.py smile surface``)."""
    wanted = sys.argv[1:] if argv is None else argv
    app = create_app(SimConfig(now_ms=int(NOW.value // 1_000_000), ip_limit=0))
    client = Client(env="offline", cache=False, sim_app=app)
    try:
        drawings = figures(client)
        unknown = sorted(set(wanted) - set(drawings))
        if unknown:
            print(f"unknown gallery images {unknown}; there are {sorted(drawings)}", file=sys.stderr)
            return 2
        for name, draw in drawings.items():
            if wanted and name not in wanted:
                continue
            started = time.perf_counter()
            figure = draw()
            path = OUT / f"{name}.png"
            figure.savefig(path, dpi=100)
            took = time.perf_counter() - started
            print(f"{path.relative_to(ROOT)}  {path.stat().st_size / 1024:.0f} KB  {took:.2f} s")
    finally:
        client.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
