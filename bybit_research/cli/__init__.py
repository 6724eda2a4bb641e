"""The ``bybit-research`` command: ``demo``, ``sim``, ``cache``, ``download``, ``history`` and ``explore``
sub-commands."""

from __future__ import annotations

import importlib
import sys

#: sub-command -> module whose ``main(argv)`` runs it
_COMMANDS = {
    "demo": (
        "bybit_research.cli.demo",
        "run the notebooks against the simulator and write HTML to build/demo/",
    ),
    "sim": ("bybit_research.sim.cli", "serve the local V5 simulator over TCP"),
    "cache": ("bybit_research.cli.cache", "inspect or clear the on-disk request cache"),
    "download": ("bybit_research.cli.download", "download history into a Parquet store"),
    "history": ("bybit_research.cli.history", "inspect a Parquet history store (history info DIR)"),
    "explore": (
        "bybit_research.cli.explore",
        "open the instrument explorer as an app (Voila, simulator by default)",
    ),
}


def _usage() -> str:
    lines = ["usage: bybit-research COMMAND [options]", "", "commands:"]
    lines += [f"  {name:<8} {help_}" for name, (_, help_) in _COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the ``bybit-research`` command line and return its exit status."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in {"-h", "--help"}:
        print(_usage())
        return 0
    entry = _COMMANDS.get(args[0])
    if entry is None:
        print(f"bybit-research: unknown command {args[0]!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(entry[0])
    return int(module.main(args[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main())
