"""The one registry of public functions: each bound as a :class:`~bybit_research.Client` method and as a
module-level function on the default client.

A public function is a plain function whose first parameter is the fetcher (``klines(client, symbol, ...)``).
As a class attribute a plain function is a method, so ``Client(...).klines(symbol, ...)`` passes the client
as that first argument; :func:`on_default_client` makes ``br.klines(symbol, ...)``, which passes the default
client. Both keep the function's name, docstring and signature (less the fetcher).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from . import account, market

__all__ = ["FUNCTIONS", "NAMES", "bind_methods", "module_functions", "on_default_client"]

#: every public function of the package, market then account
FUNCTIONS: tuple[Callable[..., Any], ...] = (*market.FUNCTIONS, *account.FUNCTIONS)
#: their names
NAMES: tuple[str, ...] = tuple(function.__name__ for function in FUNCTIONS)
assert len(set(NAMES)) == len(NAMES), "public function names must be unique"

C = TypeVar("C", bound=type)


def bind_methods(cls: C) -> C:
    """Class decorator: every registered function becomes a method of ``cls`` under its own name."""
    for function in FUNCTIONS:
        if function.__name__ in vars(cls):
            raise TypeError(f"{cls.__name__}.{function.__name__} is defined twice")
        setattr(cls, function.__name__, function)
    return cls


def on_default_client(function: Callable[..., Any], get_client: Callable[[], Any]) -> Callable[..., Any]:
    """``function`` called on ``get_client()``: same name, docstring and signature less the fetcher."""

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        return function(get_client(), *args, **kwargs)

    signature = inspect.signature(function)
    call.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=list(signature.parameters.values())[1:]
    )
    del call.__wrapped__
    call.__module__ = "bybit_research"
    return call


def module_functions(get_client: Callable[[], Any]) -> dict[str, Callable[..., Any]]:
    """Every registered function bound to the client ``get_client()`` returns, by name."""
    return {function.__name__: on_default_client(function, get_client) for function in FUNCTIONS}
