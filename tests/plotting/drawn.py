"""Reading back what a figure drew, as float arrays (matplotlib's stubs type these getters loosely)."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.collections import Collection
from matplotlib.lines import Line2D


def xs(line: Line2D) -> np.ndarray:
    """The x data of a line."""
    return np.asarray(line.get_xdata(), dtype=np.float64)


def ys(line: Line2D) -> np.ndarray:
    """The y data of a line."""
    return np.asarray(line.get_ydata(), dtype=np.float64)


def verts(collection: Collection) -> np.ndarray:
    """The vertices of a collection of same-shaped polygons, ``(n, k, 2)``."""
    return np.array([path.vertices for path in collection.get_paths()], dtype=np.float64)


def faces(collection: Any) -> np.ndarray:
    """The RGBA face colours of a collection, ``(n, 4)``."""
    return np.asarray(collection.get_facecolor(), dtype=np.float64)


def cell(frame: Any, row: Any, column: Any) -> float:
    """``frame.at[row, column]`` as a float (pandas-stubs type ``.at`` as any scalar)."""
    value: Any = frame.at[row, column]
    return float(value)
