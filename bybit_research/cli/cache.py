"""``bybit-research cache info|clear``: the request cache from the shell."""

from __future__ import annotations

import argparse
import sys

from ..config import default_cache_path
from ..errors import CacheCorruptError, CacheUnavailableError
from ..store.cache_admin import clear, info

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """``bybit-research cache info|clear``: print the cache's contents or clear it; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="bybit-research cache", description="inspect or clear the request cache"
    )
    parser.add_argument("--path", help="cache file (default: BYBIT_RESEARCH_CACHE or the user cache dir)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="entries, bytes and endpoints in the cache")
    clear_parser = sub.add_parser("clear", help="remove cached answers")
    clear_parser.add_argument("--endpoint", help="only this V5 path, e.g. /v5/market/kline")
    clear_parser.add_argument(
        "--older-than", metavar="AGE", help="only answers older than this: seconds, or a duration (7d, 12h)"
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    path = args.path or default_cache_path()
    try:
        if args.command == "info":
            print(info(path=path))
        else:
            older_than = args.older_than
            if older_than is not None and older_than.replace(".", "", 1).isdigit():
                older_than = float(older_than)
            removed = clear(args.endpoint, older_than, path=path)
            print(f"removed {removed} cached answers from {path}")
    except (CacheCorruptError, CacheUnavailableError, ValueError) as exc:
        print(f"bybit-research cache: {exc}", file=sys.stderr)
        return 1
    return 0
