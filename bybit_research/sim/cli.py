"""``bybit-research sim``: serve the local V5 simulator over TCP until Ctrl-C.

Example::

    bybit-research sim --port 8765 --seed 7 --now 2024-06-01 --fail-rate 0.05 --fail-mode mixed
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from datetime import UTC, datetime

from .core import FAIL_MODES, SimConfig
from .credentials import DEMO_API_KEY, DEMO_API_SECRET, DEMO_RSA_API_KEY
from .server import Server

__all__ = ["build_parser", "config_from_args", "main", "parse_now"]

MARGIN_MODES = ("REGULAR_MARGIN", "PORTFOLIO_MARGIN")


def parse_now(text: str) -> int:
    """Parse ``--now``: epoch milliseconds, or an ISO date/time (naive times are UTC).

    Parameters
    ----------
    text
        ``"1717200000000"``, ``"2024-06-01"``, ``"2024-06-01T12:30:00Z"`` or ``"2024-06-01T12:30:00+02:00"``.

    Returns
    -------
    int
        Epoch milliseconds.

    Raises
    ------
    argparse.ArgumentTypeError
        If the text is neither.
    """
    text = text.strip()
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--now expects epoch milliseconds or an ISO time such as 2024-06-01T00:00:00Z, got {text!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _fraction(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def _non_negative(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``bybit-research sim``."""
    defaults = SimConfig()
    parser = argparse.ArgumentParser(
        prog="bybit-research sim",
        description="Serve the local Bybit V5 simulator (synthetic market data and a demo account) over TCP.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default %(default)s)")
    parser.add_argument(
        "--port", type=int, default=8765, help="port; 0 picks a free one (default %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=defaults.seed, help="seed of market and account data")
    parser.add_argument(
        "--now", type=parse_now, default=None, help="fixed clock: epoch ms or ISO time (default: wall clock)"
    )
    parser.add_argument("--latency-ms", type=_non_negative, default=defaults.latency_ms)
    parser.add_argument(
        "--fail-rate", type=_fraction, default=defaults.fail_rate, help="fraction of failures"
    )
    parser.add_argument("--fail-mode", choices=FAIL_MODES, default=defaults.fail_mode)
    parser.add_argument("--stall-s", type=_non_negative, default=defaults.stall_s, help="length of a stall")
    parser.add_argument(
        "--ip-limit", type=int, default=defaults.ip_limit, help="requests per IP window; 0 disables"
    )
    parser.add_argument("--ip-window-ms", type=int, default=defaults.ip_window_ms)
    parser.add_argument(
        "--ip-ban-ms",
        type=int,
        default=defaults.ip_ban_ms,
        help="ban after an IP-limit breach (Bybit: 600000)",
    )
    parser.add_argument(
        "--no-uid-limits", action="store_true", help="report but do not enforce per-UID endpoint limits"
    )
    parser.add_argument("--margin-mode", choices=MARGIN_MODES, default=defaults.margin_mode)
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request (never headers)")
    return parser


def config_from_args(args: argparse.Namespace) -> SimConfig:
    """Build the :class:`SimConfig` that the parsed command line asks for."""
    if args.ip_limit < 0 or args.ip_window_ms <= 0 or args.ip_ban_ms < 0:
        raise ValueError("--ip-limit and --ip-ban-ms must not be negative, --ip-window-ms must be positive")
    return SimConfig(
        seed=args.seed,
        now_ms=args.now,
        ip_limit=args.ip_limit,
        ip_window_ms=args.ip_window_ms,
        ip_ban_ms=args.ip_ban_ms,
        uid_limits=not args.no_uid_limits,
        latency_ms=args.latency_ms,
        fail_rate=args.fail_rate,
        fail_mode=args.fail_mode,
        stall_s=args.stall_s,
        margin_mode=args.margin_mode,
    )


def main(argv: list[str] | None = None, *, stop: threading.Event | None = None) -> int:
    """Run ``bybit-research sim``: print the base URL and demo credentials, serve until Ctrl-C.

    Parameters
    ----------
    argv
        Command-line arguments after ``sim`` (``sys.argv[2:]`` style); ``None`` reads ``sys.argv[1:]``.
    stop
        Serve until this event is set instead of until Ctrl-C (for embedding and tests).

    Returns
    -------
    int
        The exit status: 0 after a clean stop, 2 for bad arguments (argparse), 1 when the port is taken.
    """
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        config = config_from_args(args)
    except ValueError as exc:
        print(f"bybit-research sim: {exc}", file=sys.stderr)
        return 2
    if args.verbose:
        logging.basicConfig(level=logging.DEBUG, format="%(asctime)s %(name)s %(message)s")
    try:
        server = Server(args.host, args.port, config=config)
    except OSError as exc:
        print(f"bybit-research sim: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    clock = "wall clock" if config.now_ms is None else f"fixed at {config.now_ms} ms"
    print(f"Bybit V5 simulator listening on {server.url}  (seed {config.seed}, clock {clock})")
    print(f"demo API key:     {DEMO_API_KEY}")
    print(f"demo API secret:  {DEMO_API_SECRET}")
    print(f"RSA demo API key: {DEMO_RSA_API_KEY} (private key: bybit_research.sim.DEMO_RSA_PRIVATE_KEY_PEM)")
    print("press Ctrl-C to stop", flush=True)
    waiter = stop or threading.Event()
    with server:
        try:
            while not waiter.wait(0.5):
                pass
        except KeyboardInterrupt:
            print("stopping", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
