"""surface(): a heatmap of the options analytics' IV surface, expiries down and moneyness across, blank where
an expiry has no quoted strikes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import QuadMesh
from matplotlib.figure import Figure

from bybit_research.analytics import options
from bybit_research.plotting import surface
from bybit_research.plotting.surface import cell_edges


def mesh_of(figure: Figure) -> QuadMesh:
    (mesh,) = [c for c in figure.axes[0].collections if isinstance(c, QuadMesh)]
    return mesh


def cells_of(figure: Figure) -> np.ma.MaskedArray:
    """The IVs the heatmap draws (percent), blank cells masked."""
    return np.ma.asarray(mesh_of(figure).get_array())


def test_cells_are_the_analytics_surface_in_percent(chain: pd.DataFrame) -> None:
    figure = surface(chain)
    pane, bar = figure.axes
    grid = options.surface(chain)
    cells = cells_of(figure)
    assert cells.shape == grid.shape == (11, 17)
    np.testing.assert_array_equal(np.ma.getmaskarray(cells), grid.isna().to_numpy())
    np.testing.assert_allclose(cells.compressed(), (grid.to_numpy() * 100)[grid.notna().to_numpy()])
    codes = grid.attrs["expiry_codes"]
    assert [t.get_text() for t in pane.get_yticklabels()] == [
        f"{c} ({t * 365:.1f}d)" for c, t in zip(codes, grid.attrs["t_years"], strict=True)
    ]
    assert [t.get_text().split(" ")[0] for t in pane.get_yticklabels()][:2] == ["16JUN24", "17JUN24"]
    assert pane.get_ylim() == (10.5, -0.5)  # nearest expiry on top
    assert pane.get_xlabel() == "moneyness (strike / forward)"
    assert bar.get_ylabel() == "implied volatility (per year)"
    assert (
        pane.get_title(loc="left")
        == "BTC options implied-volatility surface (mark IV), at 2024-06-15 12:34:56 UTC"
    )
    blank = int(grid.isna().to_numpy().sum())
    written = [t.get_text() for t in pane.texts]
    assert len(written) == grid.size - blank + 1
    assert written[-1] == f"{blank} of {grid.size} cells blank: outside the expiry's quoted strikes"
    first = grid.iloc[4].dropna()  # 28JUN24 quotes the whole grid's left edge
    assert f"{first.iloc[0] * 100:.1f}" in written


def test_custom_grid_without_values(chain: pd.DataFrame) -> None:
    grid = [0.9, 0.95, 1.0, 1.1]
    figure = surface(chain, moneyness=grid, values=False)
    pane = figure.axes[0]
    assert cells_of(figure).shape == (11, 4)
    assert [t.get_text() for t in pane.texts if not t.get_text().endswith("strikes")] == []
    assert [t.get_text() for t in pane.get_xticklabels()] == ["0.90", "0.95", "1.00", "1.10"]
    corners = np.asarray(mesh_of(figure).get_coordinates(), dtype=np.float64)
    np.testing.assert_allclose(corners[0, :, 0], [0.875, 0.925, 0.975, 1.05, 1.15])


def test_cell_edges() -> None:
    np.testing.assert_allclose(cell_edges(np.array([1.0, 2.0, 4.0])), [0.5, 1.5, 3.0, 5.0])
    np.testing.assert_allclose(cell_edges(np.array([1.0])), [0.95, 1.05])


def test_bad_grid_and_expired_chain(chain: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="moneyness must be strictly increasing"):
        surface(chain, moneyness=[1.1, 1.0])
    with pytest.raises(ValueError, match=r"every expiry of the chain is at or before now="):
        surface(chain, now="2025-01-01")
