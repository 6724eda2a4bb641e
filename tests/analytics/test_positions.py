"""position_greeks and compare_coin_greeks on the simulator's demo account (long and short options)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bybit_research.analytics.positions import compare_coin_greeks, position_greeks

from .conftest import NOW

GREEKS = ["delta", "gamma", "vega", "theta"]


def test_the_account_holds_long_and_short_options(account: dict[str, pd.DataFrame]) -> None:
    options = account["options"]
    assert set(options["side"]) == {"Buy", "Sell"}
    assert options.index.str.split("-").str[0].tolist() == ["BTC", "BTC", "ETH", "ETH"]
    # the simulator quotes position greeks per position: a short call's delta is negative
    short_calls = options[(options["side"] == "Sell") & options.index.str.endswith("-C")]
    assert len(short_calls) and (short_calls["delta"] < 0).all()


def test_sums_per_coin_match_bybits_coin_greeks(account: dict[str, pd.DataFrame]) -> None:
    ours = position_greeks(account["all"])
    options = account["options"]
    assert ours.index.tolist() == ["BTC", "ETH"] and ours.index.name == "base_coin"
    assert list(ours.columns) == [*GREEKS, "positions"]
    assert ours["positions"].dtype == "Int64" and ours["positions"].tolist() == [2, 2]
    coins = options.index.str.split("-").str[0]
    for name in GREEKS:
        np.testing.assert_allclose(ours[name], options.groupby(coins)[name].sum().loc[ours.index], rtol=1e-15)
    # perpetuals and futures carry no greeks: out of the sums, but named
    assert ours.attrs == {
        "basis": "position",
        "not_options": ["BTCUSDT", "BTCUSDT-27SEP24", "ETHUSDT", "SOLUSDT"],
    }
    check = compare_coin_greeks(ours, account["coin_greeks"], rtol=0.0)  # one instant: the fixed clock
    assert check.index.tolist() == ["BTC", "ETH"] and check["match"].all()
    assert check.attrs == {"greek_step": 1e-8, "rtol": 0.0}
    assert check[["in_ours", "in_bybit"]].all().all()
    for name in GREEKS:
        assert (check[f"{name}_residual"].abs() <= 3e-8).all()  # 8-decimal rows and totals
        np.testing.assert_allclose(check[f"total_{name}"], account["coin_greeks"][f"total_{name}"])


def test_per_contract_rows_are_multiplied_by_the_signed_size(account: dict[str, pd.DataFrame]) -> None:
    options = account["options"].copy()
    signed = options["size"] * options["side"].map({"Buy": 1.0, "Sell": -1.0})
    per_contract = options.assign(**{name: options[name] / signed for name in GREEKS})
    pd.testing.assert_frame_equal(
        position_greeks(per_contract, basis="contract")[GREEKS], position_greeks(options)[GREEKS], rtol=1e-12
    )
    # read per position instead, the contracts' greeks would not add up to the account's
    wrong = compare_coin_greeks(position_greeks(per_contract), account["coin_greeks"])
    assert not wrong["match"].any()


def test_a_chain_adds_our_greeks_and_tells_the_basis_apart(account: dict[str, pd.DataFrame]) -> None:
    options = account["options"]
    chain = pd.concat([account["btc_chain"], account["eth_chain"]])  # the positions' contracts
    ours = position_greeks(options, chain, now=NOW)
    assert list(ours.columns) == [*GREEKS, "positions", *(f"b76_{g}" for g in GREEKS), "matched"]
    assert ours["matched"].tolist() == [2, 2] and ours.attrs["not_in_chain"] == []
    np.testing.assert_allclose(ours["b76_delta"], ours["delta"], atol=5e-4)
    for name in ("gamma", "vega", "theta"):
        # Bybit rounds each position's greeks to 8 decimals: 1e-8 per position on top of 0.2 %
        np.testing.assert_allclose(
            ours[f"b76_{name}"], ours[name], rtol=2e-3, atol=1e-8 * ours["matched"].max()
        )
    assert position_greeks(options, chain, basis="auto", now=NOW).attrs["basis"] == "position"
    signed = options["size"] * options["side"].map({"Buy": 1.0, "Sell": -1.0})
    per_contract = options.assign(**{name: options[name] / signed for name in GREEKS})
    found = position_greeks(per_contract, chain, basis="auto", now=NOW)
    assert found.attrs["basis"] == "contract"
    np.testing.assert_allclose(found["delta"], ours["delta"], rtol=1e-12)


def test_positions_missing_from_the_chain_are_named(account: dict[str, pd.DataFrame]) -> None:
    ours = position_greeks(account["options"], account["btc_chain"], now=NOW)
    assert ours["matched"].tolist() == [2, 0]
    assert ours.attrs["not_in_chain"] == account["options"].index[2:].tolist()
    eth = ours.index == "ETH"
    assert np.isnan(ours["b76_delta"].to_numpy()[eth]).all()
    assert ours["delta"].to_numpy()[eth][0] == pytest.approx(account["options"]["delta"].iloc[2:].sum())


def test_coins_on_one_side_only_do_not_match(account: dict[str, pd.DataFrame]) -> None:
    btc_only = position_greeks(account["options"].iloc[:2])
    check = compare_coin_greeks(btc_only, account["coin_greeks"])
    assert check.loc["BTC", "match"] and not check.loc["ETH", "match"]
    assert not check.loc["ETH", "in_ours"] and check.loc["ETH", "in_bybit"]
    assert np.isnan(check["delta"].to_numpy()[check.index == "ETH"]).all()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"size": -1.0}, "size must not be negative"),
        ({"side": "Long"}, r"side must be 'Buy', 'Sell' or '' \(flat\), got \['Long'\]"),
    ],
)
def test_bad_positions_are_refused(
    account: dict[str, pd.DataFrame], change: dict[str, object], message: str
) -> None:
    bad = account["options"].copy()
    first = np.arange(len(bad)) == 0
    for column, value in change.items():
        bad[column] = bad[column].where(~first, value)
    with pytest.raises(ValueError, match=message):
        position_greeks(bad)


def test_bad_arguments_are_refused(account: dict[str, pd.DataFrame]) -> None:
    options = account["options"]
    with pytest.raises(ValueError, match=r"basis must be one of \['position', 'contract', 'auto'\]"):
        position_greeks(options, basis="per_coin")
    with pytest.raises(ValueError, match="basis='auto' needs the chain"):
        position_greeks(options, basis="auto")
    with pytest.raises(ValueError, match=r"positions .* lacks the columns \['vega'\]"):
        position_greeks(options.drop(columns="vega"))
    with pytest.raises(ValueError, match=r"coin_greeks .* lacks the columns \['total_theta'\]"):
        compare_coin_greeks(position_greeks(options), account["coin_greeks"].drop(columns="total_theta"))
