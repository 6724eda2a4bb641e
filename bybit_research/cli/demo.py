"""``bybit-research demo``: execute the tour notebooks and write HTML copies to ``build/demo/``.

By default the notebooks run against the built-in simulator (``BYBIT_RESEARCH_ENV=offline``), so the demo
needs no keys and no network; ``--env mainnet`` runs the same notebooks against api.bybit.com instead.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ENVIRONMENTS = ("offline", "mainnet", "testnet", "demo")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bybit-research demo", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--env",
        default="offline",
        choices=ENVIRONMENTS,
        help="where the notebooks fetch data: the built-in simulator (default) or a Bybit environment",
    )
    parser.add_argument("--notebooks", default="notebooks", type=Path, help="folder of .ipynb files to run")
    parser.add_argument("--out", default=Path("build/demo"), type=Path, help="folder for the HTML copies")
    parser.add_argument("--timeout", default=600, type=int, help="seconds a single cell may run")
    return parser


def run_notebook(path: Path, out_dir: Path, timeout: int) -> Path:
    """Execute one notebook in a fresh kernel and write it as HTML.

    Parameters
    ----------
    path
        The ``.ipynb`` file; it is executed with its own folder as the working directory.
    out_dir
        Folder that receives ``<name>.html``.
    timeout
        Seconds a single cell may run before the execution fails.

    Returns
    -------
    Path
        The HTML file written.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    html, _ = HTMLExporter().from_notebook_node(notebook)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{path.stem}.html"
    target.write_text(html, encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    """Run every notebook of ``--notebooks`` and report where the HTML copies are."""
    args = _parser().parse_args(argv)
    notebooks = sorted(args.notebooks.glob("*.ipynb"))
    if not notebooks:
        print(f"bybit-research demo: no notebooks found in {args.notebooks}/", file=sys.stderr)
        return 2
    # The kernels inherit this environment: the notebooks' default client follows BYBIT_RESEARCH_ENV.
    os.environ["BYBIT_RESEARCH_ENV"] = args.env
    print(f"Running {len(notebooks)} notebook(s) against {args.env!r}")
    for path in notebooks:
        started = time.perf_counter()
        target = run_notebook(path, args.out, args.timeout)
        print(f"  {path.name:<32} {time.perf_counter() - started:6.1f} s -> {target}")
    print(f"Open {args.out / notebooks[0].with_suffix('.html').name} in a browser to read the tour.")
    env = "" if args.env == "offline" else f" --env {args.env}"
    # the HTML copies hold widget state, which renders only with a live kernel: the explorer is an app
    print(
        f"Open the instrument explorer as an app: bybit-research explore{env}  (Voila, http://127.0.0.1:8866/)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
