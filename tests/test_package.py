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


#: the public names of the package, pinned: a change here is a change of the public API
PUBLIC_NAMES = [
    "AuthenticationError",
    "BybitError",
    "CacheCorruptError",
    "CacheMissError",
    "CacheUnavailableError",
    "Client",
    "DataStartsLaterWarning",
    "InvalidRequestError",
    "NetworkError",
    "RateLimitError",
    "ResponseFormatError",
    "ServerError",
    "TooManyPagesError",
    "account_info",
    "account_instruments",
    "account_summary",
    "adl_alert",
    "all_coins_balance",
    "api_key_info",
    "asset_overview",
    "borrow_history",
    "cache",
    "closed_options_positions",
    "closed_pnl",
    "coin_balance",
    "coin_greeks",
    "coin_info",
    "collateral_info",
    "collateral_tiers",
    "delivery_prices",
    "delivery_records",
    "executions",
    "fee_groups",
    "fee_rates",
    "full_orderbook",
    "funding_rates",
    "get_default_client",
    "historical_volatility",
    "history",
    "index_price_components",
    "instruments",
    "insurance",
    "klines",
    "long_short_ratio",
    "margin",
    "mmp_state",
    "move_position_history",
    "new_delivery_prices",
    "open_interest",
    "option_asset_info",
    "option_chain",
    "options",
    "order_history",
    "orderbook",
    "orders",
    "pay_info",
    "plot",
    "portfolio_margin",
    "positions",
    "pre_upgrade_closed_pnl",
    "pre_upgrade_delivery_records",
    "pre_upgrade_executions",
    "pre_upgrade_order_history",
    "pre_upgrade_settlement_records",
    "pre_upgrade_transaction_log",
    "price_limit",
    "risk_limits",
    "rpi_orderbook",
    "server_time",
    "set_default_client",
    "settlement_records",
    "sim",
    "spot_margin_tiers",
    "spot_trade_analysis",
    "tickers",
    "trades",
    "transaction_log",
    "user_settings",
    "wallet_balance",
    "widgets",
    "withdrawable",
]


def test_the_public_names_are_pinned() -> None:
    assert br.__all__ == PUBLIC_NAMES


def test_the_lazy_function_names_are_the_registry() -> None:
    from bybit_research import _api

    assert set(br._FUNCTIONS) == set(_api.NAMES)
    assert set(_api.NAMES) <= set(br.__all__)


@pytest.mark.parametrize("name", sorted(br._FUNCTIONS))
def test_each_function_is_the_same_as_module_function_and_method(name: str) -> None:
    import inspect

    from bybit_research import _api

    function = dict(zip(_api.NAMES, _api.FUNCTIONS, strict=True))[name]
    module_level, method = getattr(br, name), getattr(br.Client, name)
    assert method is function  # a plain function bound by the registry, no wrapper
    assert module_level.__doc__ == method.__doc__ and module_level.__name__ == name
    parameters = list(inspect.signature(method).parameters.values())
    assert parameters[0].name == "client"
    assert list(inspect.signature(module_level).parameters.values()) == parameters[1:]
    doc = method.__doc__ or ""
    assert "Calls ``/v5/" in doc and "Returns\n    -------" in doc
    if len(parameters) > 1:  # server_time and account_info take none but the client
        assert "Parameters\n    ----------" in doc


def test_client_has_no_mixins() -> None:
    assert br.Client.__mro__ == (br.Client, object)


def test_the_options_namespace_has_every_pure_name() -> None:
    from bybit_research.analytics import options as pure

    assert br.options.__all__ == pure.__all__
    assert br.options.smile is pure.smile and br.options.iv_vs_realised is not pure.iv_vs_realised
