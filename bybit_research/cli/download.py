"""``bybit-research download``: fill a Parquet history store from the shell (see ``br.history.download``)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ..errors import BybitError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["main"]

ENVIRONMENTS = ("mainnet", "testnet", "demo", "offline")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bybit-research download",
        description="download klines, funding, open interest or archive trades into a Parquet history store; "
        "a rerun fetches only what the store does not hold",
    )
    parser.add_argument("--symbols", required=True, help="comma-separated symbols, e.g. BTCUSDT,ETHUSDT")
    parser.add_argument("--interval", help="kline interval: 1 3 5 15 30 60 120 240 360 720 D W M (or 1h, 1d)")
    parser.add_argument("--start", required=True, help="first day (UTC), e.g. 2024-01-01")
    parser.add_argument("--end", help="end, exclusive (UTC; default now)")
    parser.add_argument(
        "--kinds",
        default="klines",
        help="comma-separated: klines, mark_klines, index_klines, premium_klines, funding, open_interest, "
        "trades (default klines)",
    )
    parser.add_argument("--category", default="linear", help="linear (default), inverse, spot or option")
    parser.add_argument(
        "--price", default="last", help="flavour of 'klines': last (default), mark, index, premium"
    )
    parser.add_argument("--open-interest-interval", help="5min, 15min, 30min, 1h, 4h or 1d")
    parser.add_argument("--to", dest="path", help="the store: a folder or a URL (default: the user data dir)")
    parser.add_argument(
        "--env", choices=ENVIRONMENTS, help="where to fetch (default BYBIT_RESEARCH_ENV or mainnet)"
    )
    parser.add_argument("--workers", type=int, help="symbols fetched at once (default up to 4)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``bybit-research download``; print what was written and return the exit status."""
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    from ..client import Client, get_default_client
    from ..history import HistoryDownloadError, download

    symbols = [s for s in args.symbols.split(",") if s.strip()]
    try:
        client = Client(env=args.env) if args.env else get_default_client()
        report = download(
            symbols,
            args.interval,
            args.start,
            args.end,
            category=args.category,
            price=args.price,
            kinds=args.kinds,
            path=args.path,
            progress=not args.no_progress,
            client=client,
            workers=args.workers,
            open_interest_interval=args.open_interest_interval,
        )
    except (ValueError, HistoryDownloadError, BybitError) as exc:
        print(f"bybit-research download: {exc}", file=sys.stderr)
        return 1
    print(summary(report))
    return 0


def summary(report: pd.DataFrame) -> str:
    """One line of what a download did, from its report."""
    attrs = report.attrs
    rows = int(report.loc[report["action"] == "written", "rows"].sum())
    return (
        f"written {attrs.get('written', 0)} files ({rows} rows), kept {attrs.get('kept', 0)}, "
        f"absent {attrs.get('absent', 0)} in {attrs.get('seconds', 0)} s -> {attrs.get('path', '')}"
    )
