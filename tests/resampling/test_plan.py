"""The drawing plan: its two faces (draw and row_counts) agree, targets hold."""

import numpy as np
import pytest
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
    rank[order] = np.arange(order.size) - np.repeat(
        starts, np.bincount(unit_of_row, minlength=starts.size)
    )
    return rank


units_and_targets = st.lists(
    st.tuples(st.integers(1, 300), st.integers(0, 700)), min_size=1, max_size=5
)


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
            assert_array_equal(
                np.bincount(unit_of_row[rows], minlength=counts.size), targets
            )
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
        per_unit = np.bincount(unit_of_row[plan.draw(7, epoch, order, starts)], minlength=3)
        assert per_unit.sum() == 10
        assert ((per_unit == np.floor(targets)) | (per_unit == np.ceil(targets))).all()
        seen.append(per_unit)
    assert np.allclose(np.mean(seen, axis=0), targets, atol=0.1)


def test_ranges():
    assert_array_equal(_ranges([2, 0, 3]), [0, 1, 0, 1, 2])
    assert _ranges([]).size == 0
    assert_array_equal(_ranges([0, 1]), [0])


@pytest.mark.parametrize("fresh", [False, True])
def test_large_units_draw_what_row_counts_say(fresh):
    """Protects units of 2**16 rows and more, drawn one by one: positions
    that wrap past the end of a unit, the unit's place in the row order, and
    where the rows of the units after it go."""
    counts = np.array([5, 70_000, 3, 66_000, 4])
    # Copies and extras for the small units; blocks that wrap for the large
    # ones (rotation: 30,000 of 70,000 and 50,000 of 66,000 rows per epoch).
    targets = np.array([12, 30_000, 2, 50_000, 9])
    if fresh:
        targets = targets + np.array([0.5, 0.25, 0.25, 0.5, 0.5])  # sum 80,025
    rng = np.random.default_rng(0)
    unit_of_row = rng.permutation(np.repeat(np.arange(counts.size), counts))
    order, starts, _ = _rows_by_unit(unit_of_row, counts.size)
    ranks = _ranks(unit_of_row, order, starts)
    plan = DrawingPlan(counts, targets, fresh=fresh)
    for epoch in range(4):
        rows = plan.draw(7, epoch, order, starts)
        assert rows.size == plan.size
        drawn = np.bincount(rows, minlength=unit_of_row.size)
        assert_array_equal(plan.row_counts(7, epoch, unit_of_row, ranks), drawn)
        per_unit = np.bincount(unit_of_row[rows], minlength=counts.size)
        if fresh:
            assert (np.abs(per_unit - targets) < 1).all()
        else:
            assert_array_equal(per_unit, targets)
            # a rotation block never takes a row twice in one epoch
            assert drawn[unit_of_row == 1].max() == 1


def test_the_copies_follow_the_order_they_are_given():
    """The cached copies belong to one row order: another order (another
    fit's rows) gets its own."""
    counts, targets = np.array([3, 2, 4]), np.array([6, 4, 1])
    starts = np.array([0, 3, 5])
    plan = DrawingPlan(counts, targets)
    first = plan.draw(0, 0, np.arange(9), starts)
    second = plan.draw(0, 0, np.arange(9) + 100, starts)
    assert_array_equal(second, first + 100)
    assert_array_equal(plan.draw(0, 0, np.arange(9), starts), first)
