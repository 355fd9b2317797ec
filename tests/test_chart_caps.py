"""No chart ships more marks than a browser can draw (issue 16): the capped scatter at a million
points, and the density grid that replaces it, which must count every point."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from alliance_metrics.charts import DENSITY_BINS, MAX_POINTS, density_grid, relation_scatter


def marks(figure: go.Figure) -> int:
    """What the browser draws: one mark per point of a scatter, one per cell of a heatmap."""
    total = 0
    for trace in figure.data:
        if trace.type == "heatmap":
            total += np.asarray(trace.z, dtype="float64").size
        else:
            total += len(trace.x)
    return total


def points(n: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 1.0, n)
    return pd.DataFrame({"x": x, "y": 0.5 * x + rng.normal(0.0, 1.0, n)})


def scatter(frame: pd.DataFrame) -> go.Figure:
    return relation_scatter(frame, "x", "y", "X", "Y", slope=0.5, intercept=0.0, title="X and Y",
                            dots="Sessions")


def test_a_million_points_become_a_density_that_counts_them_all():
    frame = points(1_000_000)
    figure = scatter(frame)
    assert marks(figure) <= MAX_POINTS
    heatmap = [trace for trace in figure.data if trace.type == "heatmap"]
    assert len(heatmap) == 1
    assert np.nansum(np.asarray(heatmap[0].z, dtype="float64")) == 1_000_000
    assert np.asarray(heatmap[0].z).shape == (DENSITY_BINS, DENSITY_BINS)
    assert "1,000,000 sessions" in figure.layout.title.text
    assert [trace.type for trace in figure.data] == ["heatmap", "scatter"]   # the trend line stays


def test_missing_values_are_neither_drawn_nor_counted():
    frame = points(MAX_POINTS + 10)
    frame.loc[:19, "y"] = np.nan                      # 20 points lose their y: MAX_POINTS − 10 remain
    figure = scatter(frame)
    assert [trace.type for trace in figure.data] == ["scatter", "scatter"]   # the dots, the trend line
    assert figure.data[0].mode == "markers" and len(figure.data[0].x) == MAX_POINTS - 10


def test_up_to_the_cap_every_point_is_drawn_as_a_dot_of_its_own():
    figure = scatter(points(MAX_POINTS))
    assert figure.data[0].type == "scatter" and figure.data[0].mode == "markers"   # SVG: no WebGL context
    assert len(figure.data[0].x) == MAX_POINTS
    assert "too many" not in figure.layout.title.text


def test_one_point_over_the_cap_is_a_density():
    figure = scatter(points(MAX_POINTS + 1))
    assert figure.data[0].type == "heatmap"
    assert np.nansum(np.asarray(figure.data[0].z, dtype="float64")) == MAX_POINTS + 1


@pytest.mark.parametrize("n", [0, 1, 3])
def test_few_points_and_none(n):
    figure = scatter(points(n))
    assert len(figure.data[0].x) == n


def test_density_grid_puts_each_point_in_its_cell():
    grid = density_grid([0.0, 0.0, 1.0, 2.0], [0.0, 0.0, 0.0, 2.0], bins=2)
    assert grid.x_edges.tolist() == [0.0, 1.0, 2.0] and grid.y_edges.tolist() == [0.0, 1.0, 2.0]
    assert grid.counts.tolist() == [[2.0, 0.0], [1.0, 1.0]]   # x = 1.0 falls in the upper cell
    assert grid.total == 4


def test_density_grid_of_equal_values():
    grid = density_grid([3.0] * 5, [1.0] * 5, bins=4)
    assert grid.total == 5
