"""What-if legs, the fine surface against Bybit's grid, the liquidation contour and parameter comparisons.

The demo account's book changes with the simulator's history: every leg here is chosen from what the account
holds (the unit and direction of its worst loss, a unit holding one perpetual, an option of its own chain),
and every expectation is computed from the report's grid or by revaluing the book independently.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bybit_research.analytics import margin
from bybit_research.analytics.black76 import DAYS_PER_YEAR, black76_price
from bybit_research.analytics.margin_symbols import expiry_from_code

from .conftest_margin import NOW, DemoAccount, cell, demo_account


@pytest.fixture(scope="module")
def account() -> DemoAccount:
    return demo_account("PORTFOLIO_MARGIN")


@pytest.fixture(scope="module")
def calibration(account: DemoAccount) -> margin.Calibration:
    """The report's positions with the forwards, IVs and parameters that reproduce its grid exactly."""
    return margin.calibrate(account.report)


def signed_size(positions: pd.DataFrame, symbol: str) -> float:
    """The held position of ``symbol`` (positive long, negative short)."""
    size = cell(positions, symbol, "size")
    return size if positions.at[symbol, "side"] == "Buy" else -size


def test_a_perpetual_against_the_worst_move_lowers_mm(account: DemoAccount, calibration) -> None:
    report, cal = account.report, calibration
    units = report.risk_units
    coin = str(units.loc[units["max_loss_price_move"] != 0, "asset_mm"].idxmax())
    perp = f"{coin}USDT"
    assert perp in cal.positions.index, f"the {coin} unit holds no {perp}"
    mark = cell(cal.market, perp, "mark_price")
    all_row = report.scenarios[(coin, "ALL")]
    moves = all_row.index.to_numpy(dtype=np.float64)
    loss_before = max(0.0, -float(all_row.min()))
    # a linear leg adds q x mark x move at every IV shock, so the chosen shocks stay and ALL shifts by it:
    # the best size follows from Bybit's ALL row alone
    direction = 1.0 if cell(units, coin, "max_loss_price_move") > 0 else -1.0
    sizes = np.round(np.linspace(0.0, 2.0 * loss_before / (mark * moves.max()), 401), 3)
    losses = [max(0.0, -float((all_row + direction * s * mark * moves).min())) for s in sizes]
    size = float(sizes[int(np.argmin(losses))])
    expected_loss = min(losses)
    assert size > 0 and expected_loss < loss_before
    side = "Buy" if direction > 0 else "Sell"
    leg = [{"symbol": perp, "side": side, "size": size}]  # category and mark come from the held position
    result = margin.what_if(cal.positions, add=leg, market=cal.market, params=cal.params, now=cal.now)
    units_change = result.units
    assert cell(units_change, coin, "mm_before") == pytest.approx(cell(units, coin, "asset_mm"), abs=1e-6)
    assert cell(units_change, coin, "max_loss_before") == pytest.approx(loss_before, abs=1e-6)
    assert cell(units_change, coin, "max_loss_after") == pytest.approx(expected_loss, abs=1e-6)
    assert cell(units_change, coin, "mm_after") < cell(units_change, coin, "mm_before")
    # the leg changes only its unit
    assert (units_change.drop(index=coin)["mm_change"] == 0.0).all()
    assert result.after.book.at[perp, "qty"] == pytest.approx(
        signed_size(cal.positions, perp) + direction * size
    )
    assert result.after.book.at[perp, "price"] == mark
    legs = result.legs
    assert list(legs.loc[0, ["action", "symbol", "base_coin", "qty"]]) == [
        "add",
        perp,
        coin,
        direction * size,
    ]
    # one leg: its marginal margin is the whole change, whichever way it is measured
    change = units_change["mm_change"].sum()
    assert legs.at[0, "marginal_mm"] == pytest.approx(change) == legs.at[0, "marginal_mm_last"]
    assert legs.at[0, "marginal_im"] == pytest.approx(cal.params.value("im_factor", coin) * change)
    assert result.account.at["account_mm", "change"] == pytest.approx(change)
    assert set(result.grid.columns.get_level_values("stage")) == {"before", "after"}
    after_all = result.grid[("after", coin, "ALL")]
    np.testing.assert_allclose(
        after_all.to_numpy(), (all_row + direction * size * mark * moves).to_numpy(), atol=1e-6
    )
    assert after_all.min() == pytest.approx(-cell(result.after.units, coin, "max_loss"))


def test_removing_every_position_leaves_no_margin(account: DemoAccount) -> None:
    symbols = list(account.positions.index)
    result = margin.what_if(account.positions, remove=symbols, market=account.chain, now=NOW, outside_mm=7.0)
    assert result.after.units.empty
    assert result.units["mm_after"].tolist() == [0.0] * len(account.report.risk_units)
    assert result.units["mm_change"].tolist() == (-result.units["mm_before"]).tolist()
    assert result.after.account["account_mm"] == 7.0
    assert len(result.legs) == len(symbols) and set(result.legs["action"]) == {"remove"}


def _single_perpetual_unit(account: DemoAccount) -> tuple[str, str]:
    """A risk unit of the account that holds one position, a perpetual: (coin, symbol)."""
    report = account.report
    for coin in report.risk_units.index:
        perps = report.perp_positions[report.perp_positions["base_coin"] == coin]
        options = report.option_positions[report.option_positions["base_coin"] == coin]
        if len(perps) == 1 and options.empty and perps["contract_type"].iloc[0] == 1:
            return str(coin), str(perps.index[0])
    raise AssertionError("the demo account has no risk unit holding a single perpetual")


def test_marginal_margins_add_up_across_units_not_within_one(account: DemoAccount) -> None:
    positions, chain = account.positions, account.chain
    single, perp = _single_perpetual_unit(account)
    others = [coin for coin in account.report.risk_units.index if coin != single]
    # one leg per unit: the single unit's perpetual, an option of another coin's chain, a perpetual of a third
    option_coin = next(coin for coin in others if (chain["base_coin"] == coin).any())
    options = chain[chain["base_coin"] == option_coin]
    first = options[options["expiry"] == options["expiry"].min()]
    option = str((first["strike"] - first["underlying_price"]).abs().idxmin())
    third = next(coin for coin in others if coin != option_coin)
    legs = [
        {"symbol": perp, "side": "Sell", "size": 1.0},
        {"symbol": option, "side": "Buy", "size": 1.0, "category": "option"},
        {"symbol": f"{third}USDT", "side": "Buy", "size": 0.1},
    ]
    result = margin.what_if(positions, add=legs, market=chain, now=NOW)
    per_coin = result.legs.set_index("base_coin")
    assert list(per_coin.index) == [single, option_coin, third]
    for coin in per_coin.index:
        assert per_coin.at[coin, "marginal_mm"] == pytest.approx(result.units.at[coin, "mm_change"], abs=1e-9)
    assert result.legs["marginal_mm"].sum() == pytest.approx(result.account.at["account_mm", "change"])
    # two legs in one unit do not add up: each alone closes the position (MM falls to 0), both together turn
    # it round to the same size the other way (MM as before on a symmetric grid); the two measures bracket
    # the true change of 0
    held = signed_size(positions, perp)
    close = {"symbol": perp, "side": "Sell" if held > 0 else "Buy", "size": abs(held)}
    both = margin.what_if(positions, add=[close, close], market=chain, now=NOW)
    unit_mm = cell(both.units, single, "mm_before")
    assert unit_mm > 0
    assert both.after.book.at[perp, "qty"] == pytest.approx(-held)
    assert both.units.at[single, "mm_change"] == pytest.approx(0.0, abs=1e-9)
    assert both.legs["marginal_mm"].tolist() == pytest.approx([-unit_mm, -unit_mm])
    assert both.legs["marginal_mm_last"].tolist() == pytest.approx([unit_mm, unit_mm])


def test_the_fine_surface_agrees_with_the_33_point_grid(account: DemoAccount) -> None:
    replica = margin.replicate(account.positions, account.chain, now=NOW)
    coin = "ETH"
    surface = margin.margin_surface(account.positions, account.chain, now=NOW, base_coin=coin)
    assert surface.pnl.shape == (41, 9)
    assert surface.pnl.index.name == "price_move" and surface.pnl.columns.name == "iv_shock"
    grid = replica.grids[coin]
    for i, move in enumerate(grid.moves):
        for j, shock in enumerate(grid.shocks):
            assert surface.pnl.at[round(move, 12), round(shock, 12)] == pytest.approx(
                grid.total[i, j], abs=1e-9
            )
    assert surface.grid_max_loss == pytest.approx(replica.units.at[coin, "max_loss"])
    assert surface.max_loss >= surface.grid_max_loss
    assert surface.grid_mm == pytest.approx(replica.units.at[coin, "asset_mm"])
    assert surface.worst.min() == pytest.approx(-surface.max_loss)


def test_a_long_straddle_loses_most_between_bybits_points() -> None:
    expiry = "12JUL24"  # four weeks after the clock
    call, put = f"BTC-{expiry}-100000-C", f"BTC-{expiry}-100000-P"
    straddle = pd.DataFrame(
        [(call, "option", "Buy", 1.0, 0.0), (put, "option", "Buy", 1.0, 0.0)],
        columns=["symbol", "category", "side", "size", "mark_price"],
    ).set_index("symbol")
    chain = pd.DataFrame(
        {"underlying_price": 101_000.0, "mark_iv": 0.5, "index_price": 100_900.0}, index=straddle.index
    )
    fine = margin.margin_surface(straddle, chain, now=NOW, price_points=81, iv_points=17)
    assert fine.max_loss_iv_shock == -0.2
    # the straddle is cheapest where its delta is 0: F (1 + m) = K exp(-vol^2 t / 2), vol 0.5 x 0.8
    t_years = (expiry_from_code(expiry) - NOW) / pd.Timedelta(days=DAYS_PER_YEAR)
    cheapest = 100_000.0 * np.exp(-(0.4**2) * t_years / 2) / 101_000.0 - 1.0
    assert -0.02 < cheapest < 0.0  # between two of Bybit's points
    assert abs(fine.max_loss_price_move - cheapest) <= 0.0025 / 2  # the fine grid's half step
    assert fine.max_loss > fine.grid_max_loss


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


def _moved(
    account: DemoAccount, coin: str, move: float, iv_shift: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The account's positions and chain after ``coin``'s prices moved by ``move`` and its IVs by ``iv_shift``
    (relative), built from the frames themselves rather than from the replica's arrays."""
    # Bybit's vegas describe the market as it is: after a move the replica's stand in (as in the surface)
    positions, chain = account.positions.drop(columns="vega"), account.chain.drop(columns="vega")
    held = np.array([symbol.startswith(coin) for symbol in positions.index])
    positions.loc[held, "mark_price"] *= 1.0 + move
    rows = chain["base_coin"] == coin
    for name in ("underlying_price", "index_price"):
        chain.loc[rows, name] *= 1.0 + move
    chain.loc[rows, "mark_iv"] *= 1.0 + iv_shift
    return positions, chain


def _unit_pnl(book: pd.DataFrame, coin: str, move: float, iv_shift: float) -> float:
    """USD P&L of ``coin``'s positions when its prices move by ``move`` and its IVs by ``iv_shift``."""
    rows = book[book["base_coin"] == coin]
    linear = rows[rows["kind"] != "option"]
    notional = np.where(linear["inverse"], linear["qty"], linear["qty"] * linear["price"])
    options = rows[rows["kind"] == "option"]
    args = (options["strike"], options["dte"] / DAYS_PER_YEAR)
    before = black76_price(options["price"], *args, options["iv"], options["is_call"])
    after = black76_price(
        options["price"] * (1 + move), *args, options["iv"] * (1 + iv_shift), options["is_call"]
    )
    return float((notional * move).sum() + (options["qty"] * (after - before)).sum())


def test_the_liquidation_contour_of_the_demo_book(account: DemoAccount) -> None:
    coin = "BTC"
    replica = margin.replicate(account.positions, account.chain, now=NOW)
    equity = 1.25 * float(replica.account["account_mm"])  # a thin account: 80 % of the way to liquidation
    moves, shifts = np.round(np.linspace(-0.6, 0.6, 13), 12), [-0.3, 0.0, 0.3]
    surface = margin.liquidation_surface(
        account.positions,
        account.chain,
        now=NOW,
        equity=equity,
        base_coin=coin,
        price_moves=moves,
        iv_shifts=shifts,
    )
    assert surface.mm_rate.shape == (13, 3)
    assert surface.current_rate == pytest.approx(0.8, rel=1e-12)
    assert surface.mm_rate.at[0.0, 0.0] == pytest.approx(surface.current_rate, rel=1e-12)
    # each cell: the unit revalued and its margin recomputed from moved frames, the other units unchanged
    others = float(replica.units["asset_mm"].drop(coin).sum())
    for move in (-0.6, -0.2, 0.3, 0.6):
        for shift in (-0.3, 0.3):
            positions, chain = _moved(account, coin, move, shift)
            unit_mm = cell(margin.replicate(positions, chain, now=NOW).units, coin, "asset_mm")
            equity_after = equity + _unit_pnl(replica.book, coin, move, shift)
            assert surface.equity.at[move, shift] == pytest.approx(equity_after, rel=1e-9)
            assert surface.mm.at[move, shift] == pytest.approx(unit_mm + others, rel=1e-9)
            expected = (unit_mm + others) / equity_after if equity_after > 0 else np.inf
            assert surface.mm_rate.at[move, shift] == pytest.approx(expected, rel=1e-9)
    # where the contour is crossed, the rates between 0 and the distance are below 100 %, the next is not
    distance = surface.distance
    assert distance.notna().to_numpy().any()  # 1.25 x MM is thin enough to be crossed within +-60 %
    for shift in shifts:
        rates = surface.mm_rate[shift]
        for side in ("down", "up"):
            crossing = cell(distance, shift, side)
            if np.isnan(crossing) or crossing == 0.0:
                continue
            away = rates.index.to_numpy() * np.sign(crossing)  # moves measured in the crossing's direction
            assert (rates[(away > 0) & (away < abs(crossing))] < 1.0).all()
            assert rates[away >= abs(crossing)].iloc[0 if side == "up" else -1] >= 1.0


def test_the_same_book_under_two_parameter_sets(account: DemoAccount) -> None:
    sets = {"since 2025-01-10": margin.DEFAULT_PARAMS, "before": margin.PRE_2025_PARAMS}
    table = margin.compare_params(account.positions, sets, market=account.chain, now=NOW)
    assert table.columns.names == ["params", "field"]
    fields = ["asset_mm", "asset_im", "max_loss", "max_loss_price_move", "contingency_components"]
    for label, params in sets.items():
        alone = margin.replicate(account.positions, account.chain, params, now=NOW).units[fields]
        ours = table.xs(label, axis=1, level="params")
        assert isinstance(ours, pd.DataFrame)
        pd.testing.assert_frame_equal(ours, alone, check_names=False)
    # SOL keeps +-10 % before 2025 as after; BTC and ETH were stressed over +-15 % in 3 % steps
    assert table.at["SOL", ("before", "asset_mm")] == pytest.approx(
        table.at["SOL", ("since 2025-01-10", "asset_mm")]
    )
    for coin in ("BTC", "ETH"):
        assert table.at[coin, ("before", "max_loss_price_move")] in set(
            np.round(margin.PRE_2025_PARAMS.price_moves(coin), 12)
        )
        assert cell(table, coin, ("before", "max_loss")) != pytest.approx(
            cell(table, coin, ("since 2025-01-10", "max_loss"))
        )
