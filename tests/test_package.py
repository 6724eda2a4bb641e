"""The package's public surface: lazy imports, every advertised name resolves, the command line dispatches."""

from __future__ import annotations

import subprocess
import sys

import pytest

import bybit_research as br
from bybit_research import cli


def test_import_is_lazy() -> None:
    heavy = "('pandas', 'httpx', 'matplotlib')"
    code = f"import sys, bybit_research; print([m for m in {heavy} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("name", br.__all__)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(br, name) is not None


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'kline'"):
        br.kline  # noqa: B018


def test_module_functions_are_client_methods_on_the_default_client() -> None:
    assert br.klines.__doc__ == br.Client.klines.__doc__
    assert "/v5/market/kline" in (br.klines.__doc__ or "")


def test_cli_usage_and_unknown_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 0
    assert "demo" in capsys.readouterr().out
    assert cli.main(["nope"]) == 2
    assert "unknown command 'nope'" in capsys.readouterr().err
