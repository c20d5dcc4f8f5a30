"""Targets and draws at their edges.

One-row strata under independence, empty strata combinations, the empty cell
an error names, ties between many units when scaling, integer targets from a
ratio, and distinct weighted draws from many rows.
"""

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from skweight import EpochResampler
from skweight.exceptions import WeightingWarning
from skweight.resampling.plan import STREAM_SELECT, weighted_distinct_rows
from skweight.resampling.targets import scale_targets


def _rows(cells, columns=("s", "g", "y")):
    return pd.DataFrame([c[:-1] for c in cells for _ in range(c[-1])], columns=columns)


@pytest.mark.parametrize("strategy", ["under", "over"])
def test_independence_keeps_a_stratum_of_one_row(strategy):
    # Stratum 0 is balanced already (independence expects its counts); stratum 1
    # has one row, which independence expects exactly once.
    X = _rows(
        [(0, "a", 0, 2), (0, "a", 1, 2), (0, "b", 0, 2), (0, "b", 1, 2), (1, "a", 0, 1)]
    )
    rs = EpochResampler(
        strategy, groups="g", strata="s", balance="independence", random_state=0
    ).fit(X, "y")
    assert rs.targets_ == {
        (0, "a", 0): 2,
        (0, "a", 1): 2,
        (0, "b", 0): 2,
        (0, "b", 1): 2,
        (1, "a", 0): 1,
    }
    assert all(type(v) is int for v in rs.targets_.values())


@pytest.mark.parametrize("strategy", ["under", "over"])
def test_independence_with_empty_strata_combinations_is_quiet(strategy):
    # Strata s x t where (0, 1) and (1, 0) have no rows.
    X = _rows(
        [
            (0, 0, "a", 0, 4),
            (0, 0, "a", 1, 2),
            (0, 0, "b", 0, 2),
            (0, 0, "b", 1, 1),
            (1, 1, "a", 0, 1),
            (1, 1, "a", 1, 1),
            (1, 1, "b", 0, 1),
            (1, 1, "b", 1, 1),
        ],
        columns=("s", "t", "g", "y"),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", WeightingWarning)
        rs = EpochResampler(
            strategy, groups="g", strata=["s", "t"], balance="independence", random_state=0
        ).fit(X, "y")
    # Stratum (1, 1) is independent already; stratum (0, 0): e = [4, 2, 2, 1].
    assert rs.targets_ == {
        (0, 0, "a", 0): 4,
        (0, 0, "a", 1): 2,
        (0, 0, "b", 0): 2,
        (0, 0, "b", 1): 1,
        (1, 1, "a", 0): 1,
        (1, 1, "a", 1): 1,
        (1, 1, "b", 0): 1,
        (1, 1, "b", 1): 1,
    }


def test_the_empty_cell_is_named_from_its_neighbours_without_strata():
    # One stratum: the cell g='b', y=1 is empty; its label comes from a cell of the
    # same label, not from the first cell (g='a', y=0).
    X = _rows([("a", 0, 3), ("a", 1, 3), ("b", 0, 3)], columns=("g", "y"))
    message = (
        "balance='independence' needs every group x label combination that "
        "independence expects to have rows, but the cell g='b', y=1 has none "
        "(expected 1 rows)."
    )
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        EpochResampler("over", groups="g", balance="independence").fit(X, "y")


def test_many_tied_units_scale_in_their_order():
    # 20 units of equal targets: 205 rows share 5 remainders of 0.25 each; the
    # first five units (in order) get them, whatever the sort does with ties.
    scaled = scale_targets(np.full(20, 10, dtype=np.int64), 205)
    assert scaled.tolist() == [11] * 5 + [10] * 15


@pytest.mark.parametrize(
    "strategy, ratio, expected",
    [
        ("under", 0.5, {0: 20, 1: 10}),
        ("over", 0.5, {0: 40, 1: 20}),
    ],
)
def test_a_ratio_gives_integer_targets(strategy, ratio, expected):
    y = np.repeat([0, 1], [40, 10])
    rs = EpochResampler(strategy, sampling_strategy=ratio, random_state=0).fit(None, y)
    assert rs.targets_ == expected
    assert all(type(v) is int for v in rs.targets_.values())
    assert rs.cell_table_["target"].dtype == np.int64
    assert np.bincount(y[rs.epoch_indices(0)]).tolist() == list(expected.values())


@pytest.mark.parametrize("size", [1, 499, 500, 999, 1000])
def test_distinct_rows_from_many_are_the_smallest_keys(size):
    # The size smallest exponential keys, from 1,000 rows (argpartition must cut
    # exactly there).
    weights = np.random.default_rng(1).uniform(0.1, 3.0, 1000)
    rows = weighted_distinct_rows(weights, size, 11, 5)
    rng = np.random.default_rng([11, 5, STREAM_SELECT])
    keys = rng.standard_exponential(1000) / weights
    np.testing.assert_array_equal(rows, np.argsort(keys, kind="stable")[:size])


def test_tied_remainders_among_others_go_to_the_first_units():
    # 40 units of targets 1, 2, 3, 1, 2 (repeated), 72 rows scaled to 79: the
    # eight units of 3 have the largest remainder (0.29) and seven extra rows to
    # share, so the first seven of them get one each, in their order.
    scaled = scale_targets(np.tile([1, 2, 3, 1, 2], 8), 79)
    expected = np.tile([1, 2, 4, 1, 2], 8)
    expected[37] = 3
    assert scaled.tolist() == expected.tolist()
