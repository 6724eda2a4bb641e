"""``bybit-research history info DIR``: what a Parquet history store holds."""

from __future__ import annotations

import argparse
import sys

__all__ = ["main", "readable_bytes"]


def readable_bytes(count: int) -> str:
    """``1536`` -> ``"1.5 KiB"``."""
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


def main(argv: list[str] | None = None) -> int:
    """Run ``bybit-research history info [DIR]``: print the store's series; return the exit status."""
    parser = argparse.ArgumentParser(prog="bybit-research history", description="inspect a history store")
    sub = parser.add_subparsers(dest="command", required=True)
    info_parser = sub.add_parser("info", help="symbols, ranges, rows and size on disk")
    info_parser.add_argument("path", nargs="?", help="the store (default: the user data dir)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    from ..store.history import info

    try:
        frame = info(args.path)
    except ValueError as exc:
        print(f"bybit-research history: {exc}", file=sys.stderr)
        return 1
    print(f"history store {frame.attrs['path']}")
    if frame.empty:
        print("empty: nothing downloaded yet")
        return 0
    shown = frame.assign(
        first=frame["first"].dt.strftime("%Y-%m-%d %H:%M"),
        last=frame["last"].dt.strftime("%Y-%m-%d %H:%M"),
        size=[readable_bytes(int(b)) for b in frame["bytes"]],
    ).drop(columns=["bytes"])
    print(shown.to_string(index=False))
    total = readable_bytes(int(frame["bytes"].sum()))
    print(f"{len(frame)} series, {int(frame['files'].sum())} files, {int(frame['rows'].sum())} rows, {total}")
    return 0
