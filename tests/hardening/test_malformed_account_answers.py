"""Malformed answers of the account parsers that unfold fields the endpoint table keeps whole (the
portfolio-margin report, the withdrawal map): a ``ResponseFormatError`` naming the endpoint and the part that
was wrong, never ``TypeError``, ``ValueError`` or ``BadValues`` from inside the parser, and never a frame
made up from a value of the wrong type. Each case is an answer the property tests of
``test_call_properties.py`` found, or one a reviewer sent."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from bybit_research.analytics.pm_report import ReportFormatError, parse_portfolio_margin
from bybit_research.client import Client
from bybit_research.errors import BybitError, ResponseFormatError
from tests.hardening.conftest import Scripted, envelope

PM = "/v5/asset/portfolio-margin"
WITHDRAWAL = "/v5/account/withdrawal"

ROW = {"priceScale": "0.1", "pnls": ["-5", "0", "5"]}


def unit(**fields: Any) -> dict[str, Any]:
    return {"baseCoin": "BTC", **fields}


#: (name, result, message): the report's malformations and what the error says of each
REPORTS: list[tuple[str, Any, str]] = [
    ("units a boolean", {"assetPnlRange": True}, "assetPnlRange is bool True, expected a list"),
    ("units an object", {"assetPnlRange": {"BTC": {}}}, "assetPnlRange is an object, expected a list"),
    ("wallet text", {"wallet": "x"}, "wallet is str 'x', expected an object"),
    ("wallet a list", {"wallet": [1]}, "wallet is a list, expected an object"),
    ("wallet a boolean", {"wallet": True}, "wallet is bool True, expected an object"),
    ("wallet '0'", {"wallet": "0"}, "wallet is str '0', expected an object"),
    (
        "wallet beyond float range",
        {"wallet": {"equity": "1e999"}},
        "wallet field 'equity' holds '1e999', not a finite number",
    ),
    (
        "a unit without baseCoin",
        {"assetPnlRange": [{"asset": {}}]},
        r"assetPnlRange\[0\] needs a baseCoin \(one entry per risk unit\), got null",
    ),
    (
        "a baseCoin that is a number",
        {"assetPnlRange": [{"baseCoin": 1}]},
        r"assetPnlRange\[0\] needs a baseCoin \(one entry per risk unit\), got int 1",
    ),
    ("a unit a number", {"assetPnlRange": [5]}, r"assetPnlRange\[0\] is int 5, expected an object"),
    (
        "a unit twice",
        {"assetPnlRange": [unit(), unit()]},
        r"assetPnlRange\[1\].baseCoin 'BTC' repeats assetPnlRange\[0\]'s \(one entry per unit\)",
    ),
    (
        "totals a boolean",
        {"assetPnlRange": [unit(totalPnlRanges=True)]},
        r"assetPnlRange\[0\].totalPnlRanges is bool True, expected an object",
    ),
    (
        "a part a list",
        {"assetPnlRange": [unit(totalPnlRanges={"ALL": [ROW]})]},
        r"assetPnlRange\[0\].totalPnlRanges.ALL is a list, expected an object",
    ),
    (
        "a P&L that is text",
        {"assetPnlRange": [unit(totalPnlRanges={"ALL": {"pnlRanges": [{**ROW, "pnls": ["abc"]}]}})]},
        r"assetPnlRange\[0\].totalPnlRanges.ALL.pnlRanges\[0\].pnls\[0\] is str 'abc', expected a finite "
        "number",
    ),
    (
        "pnls an object",
        {"assetPnlRange": [unit(spotHedgeInfo={"pnlRanges": [{**ROW, "pnls": {"a": 1}}]})]},
        r"assetPnlRange\[0\].spotHedgeInfo.pnlRanges\[0\].pnls is an object, expected a list",
    ),
    (
        "a price move beyond float range",
        {
            "assetPnlRange": [
                unit(
                    perpPositionPnlRanges=[
                        {"symbolName": "BTCUSDT", "pnlRanges": [{**ROW, "priceScale": "1e999"}]}
                    ]
                )
            ]
        },
        r"assetPnlRange\[0\].perpPositionPnlRanges\[0\].pnlRanges\[0\].priceScale is str '1e999', expected "
        "a finite number",
    ),
    (
        "a price move twice",
        {"assetPnlRange": [unit(totalPnlRanges={"ALL": {"pnlRanges": [ROW, ROW]}})]},
        r"assetPnlRange\[0\].totalPnlRanges.ALL.pnlRanges\[1\].priceScale 0.1 repeats "
        r"assetPnlRange\[0\].totalPnlRanges.ALL.pnlRanges\[0\]'s",
    ),
    (
        "a P&L row without its price move",
        {"assetPnlRange": [unit(totalPnlRanges={"ALL": {"pnlRanges": [{"pnls": ["1"]}]}})]},
        r"assetPnlRange\[0\].totalPnlRanges.ALL.pnlRanges\[0\] has no priceScale",
    ),
    (
        "a symbol that is an object",
        {
            "assetPnlRange": [
                unit(
                    optionExpiryDatePnlRanges=[
                        {
                            "expiryDateRepresentation": "28JUN24",
                            "optionPositionPnlRanges": [{"symbolName": {"a": 1}}],
                        }
                    ]
                )
            ]
        },
        r"assetPnlRange\[0\].optionExpiryDatePnlRanges\[0\].optionPositionPnlRanges\[0\].symbolName is an "
        "object, expected text",
    ),
    (
        "an expiry that is a list",
        {"assetPnlRange": [unit(optionExpiryDatePnlRanges=[{"expiryDateRepresentation": ["28JUN24"]}])]},
        r"assetPnlRange\[0\].optionExpiryDatePnlRanges\[0\].expiryDateRepresentation is a list, expected "
        "text",
    ),
    (
        "IV shocks text",
        {"assetPnlRange": [unit(maxLossIvShockList="0.1")]},
        r"assetPnlRange\[0\].maxLossIvShockList is str '0.1', expected a list",
    ),
    (
        "an IV shock that is a boolean",
        {"assetPnlRange": [unit(maxLossIvShockList=[True])]},
        r"assetPnlRange\[0\].maxLossIvShockList\[0\] is bool True, expected a finite number",
    ),
]


#: reports only a user can give (the client decodes an integer beyond 64 bits of an answer as a float)
USER_REPORTS: list[tuple[str, Any, str]] = [
    (
        "wallet beyond int64",
        {"wallet": {"accountType": 2**70}},
        f"wallet field 'account_type' holds {2**70}, not an integer within int64",
    ),
]


@pytest.mark.parametrize(("name", "result", "message"), REPORTS, ids=[case[0] for case in REPORTS])
def test_a_malformed_report_is_a_response_format_error_naming_the_endpoint_and_the_part(
    scripted: tuple[Client, Scripted], name: str, result: Any, message: str
) -> None:
    client, exchange = scripted
    exchange.answers[PM] = envelope(result)
    with pytest.raises(ResponseFormatError, match=f"^malformed answer from {PM}: {message}$") as info:
        client.portfolio_margin()
    assert info.value.endpoint == PM and info.value.ret_code is None
    assert [request.url.path for request in exchange.requests].count(PM) == 1  # refused, not retried


@pytest.mark.parametrize(
    ("name", "result", "message"), REPORTS + USER_REPORTS, ids=[case[0] for case in REPORTS + USER_REPORTS]
)
def test_a_malformed_report_given_by_a_user_is_a_report_format_error(
    name: str, result: Any, message: str
) -> None:
    with pytest.raises(ReportFormatError, match=f"^{message}$") as info:
        parse_portfolio_margin(result)
    assert isinstance(info.value, ValueError) and not isinstance(info.value, BybitError)


def test_a_report_without_units_or_wallet_is_an_empty_report(scripted: tuple[Client, Scripted]) -> None:
    client, exchange = scripted
    exchange.answers[PM] = envelope({"wallet": None, "assetPnlRange": None})
    report = client.portfolio_margin()
    assert report.risk_units.empty and report.scenarios.empty and list(report.wallet.columns) == []
    assert np.isnan(report.equity) and report.wallet.attrs["endpoint"] == PM


def test_a_well_formed_unit_still_parses(scripted: tuple[Client, Scripted]) -> None:
    client, exchange = scripted
    exchange.answers[PM] = envelope(
        {"wallet": {"equity": "100.5"}, "assetPnlRange": [unit(totalPnlRanges={"ALL": {"pnlRanges": [ROW]}})]}
    )
    report = client.portfolio_margin()
    assert report.equity == 100.5
    assert report.scenarios[("BTC", "ALL_2")].tolist() == [5.0]
    assert report.scenarios.index.tolist() == [0.1]


#: (name, result, message): the withdrawal map's malformations
WITHDRAWALS: list[tuple[str, Any, str]] = [
    (
        "an amount that is text",
        {"availableWithdrawal": "1", "availableWithdrawalMap": {"USDT": "abc"}},
        "availableWithdrawalMap holds amounts that are not a finite number: 'abc'",
    ),
    (
        "an amount beyond float range",
        {"availableWithdrawalMap": {"USDT": "1e999"}},
        "availableWithdrawalMap holds amounts that are not a finite number: '1e999'",
    ),
    (
        "an amount that is a boolean",
        {"availableWithdrawalMap": {"USDT": False}},
        "availableWithdrawalMap holds amounts that are not a finite number: False",
    ),
    (
        "an amount that is a list",
        {"availableWithdrawalMap": {"USDT": []}},
        r"availableWithdrawalMap holds amounts that are .*\[\]",
    ),
    (
        "an amount that is an object",
        {"availableWithdrawalMap": {"USDT": {}}},
        r"availableWithdrawalMap holds amounts that are .*\{\}",
    ),
    (
        "the map a list",
        {"availableWithdrawalMap": [1, 2]},
        r"availableWithdrawalMap is a list, expected an object coin -> amount",
    ),
    (
        "the map a number",
        {"availableWithdrawalMap": 5},
        r"availableWithdrawalMap is int 5, expected an object coin -> amount",
    ),
]


@pytest.mark.parametrize(("name", "result", "message"), WITHDRAWALS, ids=[case[0] for case in WITHDRAWALS])
def test_a_malformed_withdrawal_map_is_a_response_format_error(
    scripted: tuple[Client, Scripted], name: str, result: Any, message: str
) -> None:
    client, exchange = scripted
    exchange.answers[WITHDRAWAL] = envelope(result)
    with pytest.raises(ResponseFormatError, match=f"^malformed answer from {WITHDRAWAL}: {message}$") as info:
        client.withdrawable(["USDT", "BTC"])
    assert info.value.endpoint == WITHDRAWAL
    assert [request.url.path for request in exchange.requests].count(WITHDRAWAL) == 1


def test_a_well_formed_withdrawal_map_is_a_frame(scripted: tuple[Client, Scripted]) -> None:
    client, exchange = scripted
    exchange.answers[WITHDRAWAL] = envelope(
        {"availableWithdrawal": "12.5", "availableWithdrawalMap": {"USDT": "12.5", "BTC": 3}}
    )
    frame = client.withdrawable(["USDT", "BTC"])
    pd.testing.assert_series_equal(
        frame["available_withdrawal"],
        pd.Series(
            [12.5, 3.0],
            index=pd.Index(["USDT", "BTC"], dtype="str", name="coin"),
            name="available_withdrawal",
        ),
    )
    assert frame.attrs["summary"] == {"available_withdrawal": 12.5}


def test_a_withdrawal_answer_without_its_map_is_an_empty_frame(scripted: tuple[Client, Scripted]) -> None:
    client, exchange = scripted
    exchange.answers[WITHDRAWAL] = envelope({"availableWithdrawal": ""})
    frame = client.withdrawable("USDT")
    assert frame.empty and frame["available_withdrawal"].dtype == np.float64
    assert frame.attrs["summary"] == {"available_withdrawal": None}
