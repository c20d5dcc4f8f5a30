"""The drawing plan: its two faces (draw and row_counts) agree, targets hold."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from skweight.resampling.plan import DrawingPlan, _ranges, group_rows
from tests.conftest import examples

SETTINGS = settings(max_examples=examples(40), deadline=None)


def _rows_by_unit(unit_of_row, n_units):
    order = group_rows(unit_of_row, n_units)
    counts = np.bincount(unit_of_row, minlength=n_units)
    return order, np.cumsum(counts) - counts, counts


def _ranks(unit_of_row, order, starts):
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size) - np.repeat(starts, np.bincount(
        unit_of_row, minlength=starts.size))
    return rank


units_and_targets = st.lists(
    st.tuples(st.integers(1, 300), st.integers(0, 700)), min_size=1, max_size=5)


@SETTINGS
@given(units_and_targets, st.integers(0, 2**32), st.integers(0, 40), st.booleans())
def test_draw_and_row_counts_agree(spec, seed, epoch, fresh):
    """Protects the same rows for every backend: the gather of an epoch (in
    memory) equals the row-by-row counts (dask partitions, lazy queries)."""
    counts = np.array([n for n, _ in spec])
    targets = np.array([t for _, t in spec], dtype=np.float64 if fresh else np.int64)
    if fresh:
        targets = targets + 0.5
        targets *= np.rint(targets.sum()) / targets.sum()
    rng = np.random.default_rng(seed)
    unit_of_row = rng.permutation(np.repeat(np.arange(counts.size), counts))
    order, starts, _ = _rows_by_unit(unit_of_row, counts.size)
    plan = DrawingPlan(counts, targets, fresh=fresh)
    drawn = np.bincount(plan.draw(seed, epoch, order, starts), minlength=unit_of_row.size)
    ranks = _ranks(unit_of_row, order, starts)
    assert_array_equal(plan.row_counts(seed, epoch, unit_of_row, ranks), drawn)


@SETTINGS
@given(units_and_targets, st.integers(0, 2**32), st.integers(0, 5))
def test_rotation_meets_targets_and_covers_every_row(spec, seed, cycle_number):
    """Protects the rotation's promise: t rows per unit per epoch, every row
    drawn once per cycle of ceil(n / r) epochs (twice at most, at the wrap)."""
    counts = np.array([n for n, _ in spec])
    targets = np.array([t for _, t in spec])
    unit_of_row = np.repeat(np.arange(counts.size), counts)
    order, starts, _ = _rows_by_unit(unit_of_row, counts.size)
    plan = DrawingPlan(counts, targets)
    for u in range(counts.size):
        q, r = divmod(int(targets[u]), int(counts[u]))
        m = int(plan.cycle[u])
        total = np.zeros(unit_of_row.size, dtype=np.int64)
        for epoch in range(cycle_number * m, (cycle_number + 1) * m):
            rows = plan.draw(seed, epoch, order, starts)
            assert_array_equal(np.bincount(unit_of_row[rows], minlength=counts.size),
                               targets)
            total += np.bincount(rows, minlength=unit_of_row.size)
        mine = total[unit_of_row == u]
        low = q * m + (1 if r else 0)
        assert mine.min() >= low and mine.max() <= low + (1 if r else 0)


def test_fresh_extras_are_systematic():
    """Protects "weights": each unit gets floor or ceil of its expected rows."""
    counts = np.array([10, 10, 10])
    targets = np.array([2.5, 4.25, 3.25])
    plan = DrawingPlan(counts, targets, fresh=True)
    unit_of_row = np.repeat(np.arange(3), counts)
    order, starts, _ = _rows_by_unit(unit_of_row, 3)
    seen = []
    for epoch in range(200):
        per_unit = np.bincount(unit_of_row[plan.draw(7, epoch, order, starts)],
                               minlength=3)
        assert per_unit.sum() == 10
        assert ((per_unit == np.floor(targets)) | (per_unit == np.ceil(targets))).all()
        seen.append(per_unit)
    assert np.allclose(np.mean(seen, axis=0), targets, atol=0.1)


def test_ranges():
    assert_array_equal(_ranges([2, 0, 3]), [0, 1, 0, 1, 2])
    assert _ranges([]).size == 0
    assert_array_equal(_ranges([0, 1]), [0])
