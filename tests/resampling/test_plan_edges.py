"""Edges of the drawing plan's helpers that the statistical tests cannot see."""

import pickle
import warnings

import numpy as np
import pytest

from skweight import EpochResampler, GroupBalancedWeighter
from skweight.resampling.plan import (
    STREAM_SELECT,
    DrawingPlan,
    group_rows,
    weighted_distinct_rows,
)


@pytest.mark.parametrize("size", [1, 2, 7, 29, 30])
def test_distinct_rows_are_the_smallest_exponential_keys(size):
    # Efraimidis-Spirakis: the size smallest keys E / w, in increasing order.
    weights = np.r_[np.random.default_rng(1).uniform(0.1, 3.0, 30), 0.0]
    rows = weighted_distinct_rows(weights, size, 4, 2)
    rng = np.random.default_rng([4, 2, STREAM_SELECT])
    keys = rng.standard_exponential(30) / weights[:30]
    assert rows.tolist() == np.argsort(keys)[:size].tolist()


def test_a_one_row_unit_is_drawn_as_itself_with_replacement():
    y = np.array([0] * 5 + [1])
    rows = (
        EpochResampler("over", draw="random", random_state=0).fit(None, y).epoch_indices(3)
    )
    assert sorted(rows[y[rows] == 1].tolist()) == [5] * 5


def test_a_pickled_plan_leaves_its_cache_behind():
    counts = np.array([5, 3])
    plan = DrawingPlan(counts, np.array([3, 3]))
    order = group_rows(np.repeat([0, 1], counts), 2)
    starts = np.array([0, 5])
    drawn = plan.draw(0, 1, order, starts)
    assert "_copied_cache" in vars(plan)
    copied = pickle.loads(pickle.dumps(plan))
    assert "_copied_cache" not in vars(copied)
    assert np.array_equal(copied.draw(0, 1, order, starts), drawn)


def test_max_weight_is_a_multiple_of_the_mean_weight_with_cells_normalisation():
    y = np.array([0] * 20 + [1] * 2 + [2] * 5)
    w = GroupBalancedWeighter(normalize="cells", max_weight=1.5).fit_weight(None, y)
    assert w.mean() != pytest.approx(1.0)  # "cells" does not keep the mean at 1
    assert w.max() / w.mean() == pytest.approx(1.5)


def test_independence_with_an_empty_cell_warns_nothing_numerical():
    groups = np.array(["a"] * 6 + ["b"] * 4)
    y = np.array([0, 0, 0, 1, 1, 1, 0, 0, 0, 0])  # group b has no label 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        w = GroupBalancedWeighter(balance="independence").fit_weight(
            None, y, sensitive_features=groups
        )
    assert np.isfinite(w).all() and w.sum() == pytest.approx(len(y))
