"""``bybit-research explore``: the explorer (``br.widgets.explorer()``) as a standalone app in the browser.

Voila serves a notebook holding only the explorer; its kernels fetch from the built-in simulator by default
(``BYBIT_RESEARCH_ENV=offline``: no keys, no network), or from Bybit with ``--env mainnet``. ``--notebook``
serves another notebook instead (the tour, ``notebooks/05_explorer.ipynb``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

__all__ = ["APP_SOURCE", "ENVIRONMENTS", "app_environment", "main", "voila_command", "write_app"]

ENVIRONMENTS = ("offline", "mainnet", "testnet", "demo")
DEFAULT_PORT = 8866
#: the app's one cell (Voila shows outputs only)
APP_SOURCE = "import bybit_research as br\n\nbr.widgets.explorer()"


def write_app(folder: Path) -> Path:
    """Write the app notebook (:data:`APP_SOURCE`) into ``folder`` and return its path."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    notebook.cells = [nbformat.v4.new_code_cell(APP_SOURCE)]
    path = folder / "explorer.ipynb"
    nbformat.write(notebook, path)
    return path


def voila_command(notebook: Path, port: int, *, open_browser: bool = True) -> list[str]:
    """Return the command serving ``notebook`` with Voila on ``127.0.0.1:port`` (the page is ``/``).

    The port is taken or the command fails (no silent move to the next port); kernels idle for 30 s after
    their page closed are shut down, so every page load does not leave a kernel behind.
    """
    command = [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0",
        "--MappingKernelManager.cull_idle_timeout=30",
        "--MappingKernelManager.cull_interval=10",
    ]
    if not open_browser:
        command.append("--no-browser")
    return command


def app_environment(env: str, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return the environment of the Voila server (its kernels inherit it): ``BYBIT_RESEARCH_ENV=env``."""
    if env not in ENVIRONMENTS:
        raise ValueError(f"env must be one of {list(ENVIRONMENTS)}, got {env!r}")
    return {**(os.environ if base is None else base), "BYBIT_RESEARCH_ENV": env}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bybit-research explore", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--env",
        default="offline",
        choices=ENVIRONMENTS,
        help="where the app fetches data: the built-in simulator (default) or a Bybit environment",
    )
    parser.add_argument("--port", default=DEFAULT_PORT, type=int, help="port on 127.0.0.1 (default 8866)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser; just print the URL")
    parser.add_argument("--notebook", type=Path, help="serve this notebook instead of the explorer alone")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Serve the explorer with Voila until interrupted; return Voila's exit status."""
    args = _parser().parse_args(argv)
    if args.notebook is not None and not args.notebook.is_file():
        print(f"bybit-research explore: no notebook {args.notebook}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bybit-research-explore-") as folder:
        notebook = args.notebook or write_app(Path(folder))
        print(f"Explorer on {args.env!r} at http://127.0.0.1:{args.port}/ (Ctrl-C stops it)", flush=True)
        command = voila_command(notebook, args.port, open_browser=not args.no_browser)
        try:
            return subprocess.run(command, env=app_environment(args.env), check=False).returncode
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    sys.exit(main())
