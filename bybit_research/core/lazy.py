"""``lazy_attribute``: ``functools.cached_property`` without the lock.

On Python 3.11 ``cached_property`` takes one lock per decorated function, shared by every instance of the
class: threads computing the value for *different* pages wait for each other (a paged download spent 40 % of
its worker time there). Here nothing is locked; two threads computing the same instance's value at once both
get a correct value and the last one is kept, which is harmless for values derived from immutable data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

__all__ = ["lazy_attribute"]

T = TypeVar("T")


class lazy_attribute(Generic[T]):
    """Compute the attribute on first access and store it in the instance ``__dict__``."""

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> lazy_attribute[T]: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...

    def __get__(self, instance: object | None, owner: type | None = None) -> T | lazy_attribute[T]:
        if instance is None:
            return self
        value = self.func(instance)
        instance.__dict__[self.name] = value
        return value
