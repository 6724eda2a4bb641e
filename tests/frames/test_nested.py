"""Rows nested in rows (``Endpoint.explode``) and lists inside objects (dotted ``result_key``)."""

from __future__ import annotations

import pytest

from bybit_research.endpoints import Explode
from bybit_research.endpoints.assets import PAY_INFO
from bybit_research.errors import ResponseFormatError
from bybit_research.frames import rows_of
from bybit_research.frames.nested import explode_rows

FEES = Explode((("feeRates", "pro"), ("feeRates", "marketMaker")), label="tier")


def test_each_nested_object_is_a_row_with_its_parents_fields_and_label() -> None:
    group = {"groupName": "G1", "feeRates": {"pro": [{"level": "Pro 1"}, {"level": "Pro 2"}],
                                             "marketMaker": [{"level": "MM 1"}]}}  # fmt: skip
    assert explode_rows([group], FEES) == [
        {"groupName": "G1", "level": "Pro 1", "tier": "pro"},
        {"groupName": "G1", "level": "Pro 2", "tier": "pro"},
        {"groupName": "G1", "level": "MM 1", "tier": "marketMaker"},
    ]  # the other path's list is not carried along as a field


def test_a_row_with_nothing_nested_stays_one_row() -> None:
    bare = {"groupName": "G2", "feeRates": {"pro": [], "marketMaker": []}}
    assert explode_rows([bare, {"groupName": "G3"}], FEES) == [
        {"groupName": "G2", "tier": None},
        {"groupName": "G3", "tier": None},
    ]
    assert explode_rows(["not an object"], FEES) == ["not an object"]


def test_names_that_collide_are_kept_apart() -> None:
    explode = Explode((("categories", "coinDetail"),), rename={"categories.equity": "categoryEquity"})
    account = {"equity": "9", "categories": [{"equity": "5", "coinDetail": [{"coin": "BTC", "equity": "1"}]}]}
    assert explode_rows([account], explode) == [
        {"rowEquity": "9", "categoryEquity": "5", "coin": "BTC", "equity": "1"}
    ]
    plain = Explode((("categories", "coinDetail"),))
    assert explode_rows([account], plain) == [
        {"rowEquity": "9", "categoriesEquity": "5", "coin": "BTC", "equity": "1"}
    ]
    # an object on the way with nothing under it stays a row, renamed as its siblings with children are
    empty = {"categories": [{"equity": "5", "coinDetail": []}]}
    assert explode_rows([empty], explode) == [{"categoryEquity": "5"}]


def test_lists_inside_objects() -> None:
    endpoint = PAY_INFO
    result = {"collateralInfo": {"collateralList": [{"coin": "BTC"}]}, "borrowInfo": {}}
    assert rows_of(endpoint, result) == [{"coin": "BTC"}]
    assert rows_of(endpoint, {}) == [] and rows_of(endpoint, {"collateralInfo": {}}) == []  # empty shells
    with pytest.raises(ResponseFormatError, match=r"result.collateralInfo has no 'collateralList'"):
        rows_of(endpoint, {"collateralInfo": {"other": []}})
    with pytest.raises(ResponseFormatError, match=r"result.collateralInfo is a list, expected an object"):
        rows_of(endpoint, {"collateralInfo": [1]})


def test_an_explode_needs_a_path() -> None:
    with pytest.raises(ValueError, match="at least one non-empty path"):
        Explode(())
    with pytest.raises(ValueError, match="at least one non-empty path"):
        Explode(((),))
