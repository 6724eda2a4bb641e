"""margin_grid(): Bybit's scenario P&L per risk unit and price move as drawn cells, each unit's worst cell
(its maximum loss, the driver of its MM) outlined; a unit's expiries and IV shocks below, the shock Bybit
took outlined. Against the simulator's demo-account report and small hand-made reports."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import QuadMesh
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from bybit_research import plotting
from bybit_research.analytics.pm_report import PortfolioMarginReport, parse_portfolio_margin
from bybit_research.plotting.margin_cells import (
    OPTIONS_ROW,
    PERPETUALS_ROW,
    expiry_grid,
    format_usd,
    move_label,
    shock_names,
)
from bybit_research.plotting.style import new_figure

from .drawn import cell

MOVES = [-0.1, -0.08, -0.06, -0.04, -0.02, 0.0, 0.02, 0.04, 0.06, 0.08, 0.1]


def cells(pane: Axes) -> np.ma.MaskedArray:
    (mesh,) = [c for c in pane.collections if isinstance(c, QuadMesh)]
    return np.ma.asarray(mesh.get_array())


def outlined(pane: Axes) -> list[tuple[int, int]]:
    """The (row, column) of every outlined cell."""
    boxes = [p for p in pane.patches if isinstance(p, Rectangle) and not p.get_fill()]
    return sorted((round(b.get_y() + 0.5), round(b.get_x() + 0.5)) for b in boxes)


def written(pane: Axes) -> list[str]:
    return [t.get_text() for t in pane.texts]


def right_labels(pane: Axes) -> list[str]:
    (side,) = pane.child_axes
    return [t.get_text() for t in side.get_yticklabels()]


def pm_unit(coin: str, all_pnls: list[float] | None, mm: str = "0", contingency: str = "0") -> dict[str, Any]:
    """One ``assetPnlRange`` entry as Bybit sends it (numbers as strings), only the ALL part."""
    unit: dict[str, Any] = {
        "baseCoin": coin,
        "asset": {"coin": coin, "assetIM": str(float(mm) * 1.2), "assetMM": mm},
        "contingency": {"contingencyComponents": contingency},
    }
    if all_pnls is not None:
        moves = np.linspace(-0.1, 0.1, len(all_pnls))
        unit["totalPnlRanges"] = {
            "ALL": {
                "pnlRanges": [
                    {"priceScale": f"{m:.2f}", "pnls": [str(p)]} for m, p in zip(moves, all_pnls, strict=True)
                ]
            }
        }
    return unit


def test_one_row_per_unit_the_cells_are_bybits_all_part(pm_report: PortfolioMarginReport) -> None:
    figure = plotting.margin_grid(pm_report)
    pane = figure.axes[0]
    coins = list(pm_report.risk_units.index)
    assert coins == ["BTC", "ETH", "SOL"]
    expected = np.array([pm_report.scenarios[(coin, "ALL")].to_numpy() for coin in coins])
    drawn = cells(pane)
    assert drawn.shape == (3, 11) and not np.ma.getmaskarray(drawn).any()
    np.testing.assert_array_equal(drawn.filled(np.nan), expected)
    assert [t.get_text() for t in pane.get_yticklabels()] == coins
    assert [t.get_text() for t in pane.get_xticklabels()] == [
        "-10%", "-8%", "-6%", "-4%", "-2%", "0%", "+2%", "+4%", "+6%", "+8%", "+10%",
    ]  # fmt: skip
    assert pane.get_ylim() == (2.5, -0.5)  # Bybit's first unit on top
    assert written(pane) == [format_usd(v) for v in expected.ravel()]
    assert written(pane)[:2] == [f"{expected[0, 0]:,.0f}", f"{expected[0, 1]:,.0f}"]  # thousands: no decimals
    bar = figure.axes[1]
    assert bar.get_ylabel() == "P&L (USD)"
    low, high = bar.get_ylim()
    assert low == pytest.approx(-high) and high == pytest.approx(np.abs(expected).max())  # centred on 0


def test_the_worst_cell_of_each_unit_is_outlined_and_sets_its_mm(pm_report: PortfolioMarginReport) -> None:
    pane = plotting.margin_grid(pm_report).axes[0]
    units = pm_report.risk_units
    worst = [int(np.argmin(pm_report.scenarios[(c, "ALL")].to_numpy())) for c in units.index]
    assert outlined(pane) == [(row, column) for row, column in enumerate(worst)]
    for row, coin in enumerate(units.index):
        # the outlined cell is Bybit's max-loss scenario, and its loss plus the contingency is the unit's MM
        assert MOVES[worst[row]] == pytest.approx(cell(units, coin, "max_loss_price_move"))
        loss = -pm_report.scenarios[(coin, "ALL")].min()
        assert loss + cell(units, coin, "contingency_components") == pytest.approx(
            cell(units, coin, "asset_mm"), abs=1e-6
        )
    mm, im, cont = (units[name] for name in ("asset_mm", "asset_im", "contingency_components"))
    losses = -pm_report.scenarios.xs("ALL", axis=1, level="part").min()
    assert right_labels(pane) == [
        f"MM {format_usd(mm[c])} = loss {format_usd(losses[c])} + cont. {format_usd(cont[c])} · "
        f"IM {format_usd(im[c])}"
        for c in units.index
    ]
    assert right_labels(pane)[0] == "MM 5,176 = loss 5,042 + cont. 134.0 · IM 6,211"


def test_the_title_names_the_report_time_and_the_account(pm_report: PortfolioMarginReport) -> None:
    pane = plotting.margin_grid(pm_report).axes[0]
    first, second = pane.get_title(loc="left").split("\n")
    assert first == (
        "portfolio margin: scenario P&L per risk unit and price move (Bybit's ALL part), "
        "at 2024-06-15 12:34:56 UTC"
    )
    assert second == (
        f"account (USD): MM {format_usd(pm_report.account_mm)} · IM {format_usd(pm_report.account_im)} · "
        f"equity {format_usd(pm_report.equity)}"
    )
    assert pane.get_xlabel().startswith(
        "price move of the unit's underlying; outlined: each unit's worst cell"
    )


def test_a_units_expiries_and_iv_shocks_below(pm_report: PortfolioMarginReport) -> None:
    figure = plotting.margin_grid(pm_report, "BTC")
    top, lower, _, _ = figure.axes  # the two heatmaps, then their colour bars
    np.testing.assert_array_equal(
        cells(top).filled(np.nan)[0], pm_report.scenarios[("BTC", "ALL")].to_numpy()
    )
    labels = [t.get_text() for t in lower.get_yticklabels()]
    assert labels == [
        PERPETUALS_ROW,
        "21JUN24 · IV down", "21JUN24 · IV unchanged", "21JUN24 · IV up",
        "26JUL24 · IV down", "26JUL24 · IV unchanged", "26JUL24 · IV up",
        OPTIONS_ROW,
    ]  # fmt: skip
    drawn = cells(lower).filled(np.nan)
    np.testing.assert_array_equal(drawn[0], pm_report.scenarios[("BTC", "PERPETUAL")].to_numpy())
    np.testing.assert_array_equal(drawn[-1], pm_report.scenarios[("BTC", "OPTION")].to_numpy())
    pnl = pm_report.expiry_pnl.xs("BTC", level="base_coin")["pnl"]
    for row, (code, shock) in enumerate([(e, j) for e in ("21JUN24", "26JUL24") for j in range(3)], start=1):
        np.testing.assert_array_equal(
            drawn[row], pnl.xs((code, shock), level=("expiry", "iv_shock_index")).to_numpy()
        )
    # at every price move one shock per expiry is outlined, the same for both, and they add up to OPTION
    boxes = outlined(lower)
    assert len(boxes) == 2 * len(MOVES)
    for column in range(len(MOVES)):
        rows = [r for r, c in boxes if c == column]
        assert len(rows) == 2 and rows[1] - rows[0] == 3
        assert drawn[rows, column].sum() == pytest.approx(drawn[-1, column], abs=1e-6)
    # Bybit's report says the BTC unit's worst case is IV down (-0.2): the outlines sit on "IV down" rows
    assert cell(pm_report.risk_units, "BTC", "max_loss_iv_shock") < 0
    assert {labels[r].split(" · ")[1] for r, _ in boxes} == {"IV down"}
    assert lower.get_title(loc="left").startswith("BTC unit: P&L per part, option expiry and IV shock")


def test_ax_draws_one_heatmap_into_the_given_axes(pm_report: PortfolioMarginReport) -> None:
    figure, (ax,) = new_figure(3.0)
    assert plotting.margin_grid(pm_report, ax=ax) is figure
    assert cells(ax).shape == (3, 11) and len(figure.axes) == 2  # the pane and its colour bar
    other, (ax2,) = new_figure(3.0)
    assert plotting.margin_grid(pm_report, "SOL", ax=ax2) is other
    assert [t.get_text() for t in ax2.get_yticklabels()] == [PERPETUALS_ROW]  # SOL holds no option
    assert isinstance(other, Figure)


def test_expiry_grid_and_the_shock_taken(pm_report: PortfolioMarginReport) -> None:
    grid, chosen = expiry_grid(pm_report, "ETH")
    assert list(grid.index.get_level_values("part").unique()) == [
        PERPETUALS_ROW,
        "5JUL24",
        "26JUL24",
        OPTIONS_ROW,
    ]
    assert list(chosen.index) == MOVES and chosen.dtype == "Int64" and chosen.notna().all()
    rows = {key: values for key, values in zip(grid.index, grid.to_numpy(np.float64), strict=True)}
    option = rows[(OPTIONS_ROW, "")]
    picked = [
        rows[(code, shock_names(3)[int(j)])][m]
        for m, j in enumerate(chosen)
        for code in ("5JUL24", "26JUL24")
    ]
    np.testing.assert_allclose(np.add.reduceat(picked, np.arange(0, 22, 2)), option, atol=1e-6)
    solo, none = expiry_grid(pm_report, "SOL")
    assert list(solo.index) == [(PERPETUALS_ROW, "")] and none.isna().all()


def test_small_reports_gains_only_a_unit_without_cells_and_unnamed_shocks() -> None:
    report = parse_portfolio_margin(
        {
            "wallet": {"accountMM": "3", "accountIM": "3.6", "equity": "1000"},
            "assetPnlRange": [pm_unit("XRP", [5.0, 1.0, 2.0], mm="0"), pm_unit("DOGE", None)],
        },
        time=1718454896000,
    )
    pane = plotting.margin_grid(report).axes[0]
    drawn = cells(pane)
    assert np.ma.getmaskarray(drawn).tolist() == [
        [False] * 3,
        [True] * 3,
    ]  # DOGE sent no cell: grey, unmarked
    assert outlined(pane) == [(0, 1)]  # the lowest P&L, although it is a gain
    assert right_labels(pane)[0] == "MM 0 = loss 0 + cont. 0 · IM 0"
    assert right_labels(pane)[1] == "MM 0 (no scenarios) · IM 0"
    assert [t.get_text() for t in pane.get_xticklabels()] == ["-10%", "0%", "+10%"]
    assert shock_names(3) == ("IV down", "IV unchanged", "IV up")
    assert shock_names(2) == ("IV shock 0", "IV shock 1")


def test_an_empty_report_is_a_titled_empty_figure() -> None:
    report = parse_portfolio_margin({"wallet": {}, "assetPnlRange": []})
    figure = plotting.margin_grid(report)
    pane = figure.axes[0]
    assert (
        pane.get_title(loc="left")
        == "portfolio margin: scenario P&L per risk unit and price move (Bybit's ALL part)"
    )
    assert written(pane) == ["no risk units (no positions under portfolio margin)"]
    assert len(figure.axes) == 1


def test_bad_input(pm_report: PortfolioMarginReport) -> None:
    expects = (
        r"margin_grid\(\) expects a portfolio-margin report \(br.portfolio_margin\(\) or "
        r"br.margin.parse_portfolio_margin\(\): a PortfolioMarginReport with scenarios"
    )
    with pytest.raises(ValueError, match=expects + r".*; got DataFrame"):
        plotting.margin_grid(pm_report.scenarios)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=expects + r".*; got dict"):
        plotting.margin_grid({"wallet": {}})  # type: ignore[arg-type]
    with pytest.raises(
        ValueError, match=r"unit='XRP' is not a risk unit of the report; it holds \['BTC', 'ETH', 'SOL'\]"
    ):
        plotting.margin_grid(pm_report, "XRP")


@pytest.mark.parametrize(
    ("value", "text"),
    [(-3064.580043, "-3,065"), (745.2, "745.2"), (-0.004, "0"), (7.789, "7.79"), (float("nan"), "")],
)
def test_cell_text(value: float, text: str) -> None:
    assert format_usd(value) == text


def test_move_labels() -> None:
    assert [move_label(m) for m in (-0.1, 0.0, 0.02, 0.025, -0.15)] == ["-10%", "0%", "+2%", "+2.5%", "-15%"]


def test_the_worst_cell_follows_the_data_not_a_fixed_place(pm_report: PortfolioMarginReport) -> None:
    moved = pd.DataFrame(pm_report.scenarios.copy())
    moved.loc[0.0, ("ETH", "ALL")] = -10_000.0
    report = PortfolioMarginReport(**{**vars(pm_report), "scenarios": moved})
    pane = plotting.margin_grid(report).axes[0]
    assert outlined(pane)[1] == (1, 5)
