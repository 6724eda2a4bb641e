"""What-if legs, the fine surface against Bybit's grid, the liquidation contour and parameter comparisons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bybit_research.analytics import margin

from .conftest_margin import NOW, cell, demo_account


@pytest.fixture(scope="module")
def account():
    return demo_account("PORTFOLIO_MARGIN")


def test_a_long_perp_hedges_the_short_call_and_lowers_mm(account) -> None:
    # ETH: long ETHUSDT, long puts, short 3.7 calls; the unit's worst case is a rally with IV up
    eth_mark = cell(account.positions, "ETHUSDT", "mark_price")
    leg = [{"symbol": "ETHUSDT", "side": "Buy", "size": 1.0}]  # category and mark come from the held position
    result = margin.what_if(account.positions, add=leg, market=account.chain, now=NOW)
    units = result.units
    assert cell(units, "ETH", "mm_after") < cell(units, "ETH", "mm_before")
    # the leg changes only its unit
    assert units.loc[["BTC", "SOL"], "mm_change"].tolist() == [0.0, 0.0]
    assert result.after.book.at["ETHUSDT", "qty"] == pytest.approx(2.31 + 1.0)
    assert result.after.book.at["ETHUSDT", "price"] == eth_mark
    legs = result.legs
    assert list(legs.loc[0, ["action", "symbol", "base_coin", "qty"]]) == ["add", "ETHUSDT", "ETH", 1.0]
    # one leg: its marginal margin is the whole change, whichever way it is measured
    change = units["mm_change"].sum()
    assert legs.at[0, "marginal_mm"] == pytest.approx(change) == legs.at[0, "marginal_mm_last"]
    assert legs.at[0, "marginal_im"] == pytest.approx(1.2 * change)
    assert result.account.at["account_mm", "change"] == pytest.approx(change)
    assert set(result.grid.columns.get_level_values("stage")) == {"before", "after"}
    after_all = result.grid[("after", "ETH", "ALL")]
    assert after_all.min() == pytest.approx(-cell(result.after.units, "ETH", "max_loss"))


def test_removing_every_position_leaves_no_margin(account) -> None:
    symbols = list(account.positions.index)
    result = margin.what_if(account.positions, remove=symbols, market=account.chain, now=NOW, outside_mm=7.0)
    assert result.after.units.empty
    assert result.units["mm_after"].tolist() == [0.0, 0.0, 0.0]
    assert result.units["mm_change"].tolist() == (-result.units["mm_before"]).tolist()
    assert result.after.account["account_mm"] == 7.0
    assert len(result.legs) == len(symbols) and set(result.legs["action"]) == {"remove"}


def test_marginal_margins_add_up_across_units_not_within_one(account) -> None:
    legs = [
        {"symbol": "SOLUSDT", "side": "Sell", "size": 50.0},
        {"symbol": "ETH-25JUN27-4750-C", "side": "Buy", "size": 1.0, "category": "option"},
        {"symbol": "BTCUSDT", "side": "Buy", "size": 0.1},
    ]
    result = margin.what_if(account.positions, add=legs, market=account.chain, now=NOW)
    per_coin = result.legs.set_index("base_coin")
    # one leg per unit: each leg's marginal MM is its unit's change, and they sum to the account's change
    for coin in ("SOL", "ETH", "BTC"):
        assert per_coin.at[coin, "marginal_mm"] == pytest.approx(result.units.at[coin, "mm_change"], abs=1e-9)
    assert result.legs["marginal_mm"].sum() == pytest.approx(result.account.at["account_mm", "change"])
    # two legs in one unit do not add up: each sell alone closes the long (MM falls to 0), both together turn
    # it into a short of the same size (MM as before); the two measures bracket the true change of 0
    sell = {"symbol": "SOLUSDT", "side": "Sell", "size": 126.9}
    both = margin.what_if(account.positions, add=[sell, sell], market=account.chain, now=NOW)
    sol_mm = cell(both.units, "SOL", "mm_before")
    assert both.units.at["SOL", "mm_change"] == pytest.approx(0.0, abs=1e-9)
    assert both.legs["marginal_mm"].tolist() == pytest.approx([-sol_mm, -sol_mm])
    assert both.legs["marginal_mm_last"].tolist() == pytest.approx([sol_mm, sol_mm])


def test_the_fine_surface_agrees_with_the_33_point_grid(account) -> None:
    replica = margin.replicate(account.positions, account.chain, now=NOW)
    surface = margin.margin_surface(account.positions, account.chain, now=NOW, base_coin="ETH")
    assert surface.pnl.shape == (41, 9)
    assert surface.pnl.index.name == "price_move" and surface.pnl.columns.name == "iv_shock"
    grid = replica.grids["ETH"]
    for i, move in enumerate(grid.moves):
        for j, shock in enumerate(grid.shocks):
            assert surface.pnl.at[round(move, 12), round(shock, 12)] == pytest.approx(
                grid.total[i, j], abs=1e-9
            )
    assert surface.grid_max_loss == pytest.approx(replica.units.at["ETH", "max_loss"])
    assert surface.max_loss >= surface.grid_max_loss
    assert surface.grid_mm == pytest.approx(replica.units.at["ETH", "asset_mm"])
    assert surface.worst.min() == pytest.approx(-surface.max_loss)
    # between Bybit's points: a long straddle loses most at no move, IV down, on Bybit's grid and off it
    straddle = pd.DataFrame(
        [
            ("BTC-25DEC26-100000-C", "option", "Buy", 1.0, 0.0),
            ("BTC-25DEC26-100000-P", "option", "Buy", 1.0, 0.0),
        ],
        columns=["symbol", "category", "side", "size", "mark_price"],
    ).set_index("symbol")
    chain = pd.DataFrame(
        {"underlying_price": 101_000.0, "mark_iv": 0.5, "index_price": 100_900.0}, index=straddle.index
    )
    fine = margin.margin_surface(straddle, chain, now=NOW, price_points=81, iv_points=17)
    assert fine.max_loss_iv_shock == -0.2
    # the straddle is cheapest where its delta is 0: F (1 + m) = K exp(-vol^2 t / 2), vol 0.5 x 0.8, t 24 d
    cheapest = 100_000.0 * np.exp(-(0.4**2) * (24 / 365) / 2) / 101_000.0 - 1.0
    assert abs(fine.max_loss_price_move - cheapest) <= 0.0025 / 2
    assert fine.max_loss > fine.grid_max_loss  # -1.5 % lies between Bybit's -2 % and 0


def test_the_liquidation_contour_of_a_long_perp() -> None:
    positions = pd.DataFrame(
        [("BTCUSDT", "linear", "Buy", 1.0, 100_000.0)],
        columns=["symbol", "category", "side", "size", "mark_price"],
    ).set_index("symbol")
    moves = np.round(np.arange(-0.3, 0.3001, 0.001), 6)
    surface = margin.liquidation_surface(
        positions, now=NOW, equity=20_000.0, price_moves=moves, iv_shifts=[0.0, 0.3]
    )
    # MM after a move M: (0.1 + 0.0002) x 100000 (1 + M); equity 20000 + 100000 M; rate 1 at M = -9980 / 89980
    equity_after = 20_000.0 + 100_000.0 * moves
    with np.errstate(divide="ignore"):
        expected_rate = np.where(equity_after > 0, 10_020.0 * (1 + moves) / equity_after, np.inf)
    np.testing.assert_allclose(surface.mm_rate[0.0].to_numpy(), expected_rate, rtol=1e-9)
    assert np.isinf(cell(surface.mm_rate, -0.25, 0.0))  # equity gone below -20 %
    assert surface.current_rate == pytest.approx(10_020.0 / 20_000.0)
    assert surface.distance.at[0.0, "down"] == pytest.approx(-9_980.0 / 89_980.0, abs=1e-4)
    assert np.isnan(cell(surface.distance, 0.0, "up"))
    # a perp has no vega: the IV shift changes nothing
    np.testing.assert_allclose(surface.mm_rate[0.3], surface.mm_rate[0.0])
    assert surface.equity.at[0.1, 0.0] == pytest.approx(30_000.0)


def test_the_liquidation_contour_of_the_demo_book(account) -> None:
    equity = 60_000.0  # the demo book on a thinner account than the simulator's (325k)
    surface = margin.liquidation_surface(
        account.positions,
        account.chain,
        now=NOW,
        equity=equity,
        base_coin="BTC",
        price_moves=np.linspace(-0.9, 0.9, 37),
        iv_shifts=[-0.3, 0.0, 0.3],
    )
    assert surface.mm_rate.shape == (37, 3)
    replica = margin.replicate(account.positions, account.chain, now=NOW)
    assert surface.current_rate == pytest.approx(replica.account["account_mm"] / equity, rel=1e-12)
    assert surface.mm_rate.at[0.0, 0.0] == pytest.approx(surface.current_rate, rel=1e-12)
    # the BTC unit is net short: a rally eats equity and raises the rate; a fall lowers it
    at_zero = cell(surface.mm_rate, 0.0, 0.0)
    assert cell(surface.mm_rate, 0.5, 0.0) > at_zero > cell(surface.mm_rate, -0.5, 0.0)
    up = cell(surface.distance, 0.0, "up")
    assert 0 < up <= 0.9 and np.isnan(cell(surface.distance, 0.0, "down"))
    assert float(surface.mm_rate[0.0].loc[: up - 0.05].max()) < 1.0


def test_the_same_book_under_two_parameter_sets(account) -> None:
    table = margin.compare_params(
        account.positions,
        {"since 2025-01-10": margin.DEFAULT_PARAMS, "before": margin.PRE_2025_PARAMS},
        market=account.chain,
        now=NOW,
    )
    assert table.columns.names == ["params", "field"]
    assert table.at["SOL", ("before", "asset_mm")] == pytest.approx(
        table.at["SOL", ("since 2025-01-10", "asset_mm")]
    )
    for coin in ("BTC", "ETH"):
        assert cell(table, coin, ("before", "asset_mm")) > cell(table, coin, ("since 2025-01-10", "asset_mm"))
    assert table.at["BTC", ("before", "max_loss_price_move")] == 0.15
