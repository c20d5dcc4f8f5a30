"""Flat cell ids and back: numpy's ravel_multi_index / unravel_index, faster."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from skweight.engine.cells import flat_ids
from skweight.engine.keys import unravel
from tests.conftest import examples

CODE_TYPES = [np.int8, np.uint8, np.int16, np.int32, np.int64, np.uint64, np.intp]


@settings(max_examples=examples(60), deadline=None)
@given(
    shape=st.lists(st.integers(1, 300), min_size=1, max_size=4),
    n_rows=st.integers(0, 50),
    seed=st.integers(0, 2**32 - 1),
    types=st.lists(st.sampled_from(CODE_TYPES), min_size=4, max_size=4),
)
def test_flat_ids_are_ravel_multi_index(shape, n_rows, seed, types):
    """Protects every count: ids past 255 or 65535 cells (wider types), codes
    of every integer type, the last cell of the table."""
    rng = np.random.default_rng(seed)
    codes = []
    for size, dtype in zip(shape, types):
        top = min(size - 1, np.iinfo(dtype).max)
        column = rng.integers(0, top + 1, n_rows)
        if n_rows:
            column[0] = top  # the largest code of the axis
        codes.append(column.astype(dtype))
    shape = tuple(min(size, np.iinfo(t).max + 1) for size, t in zip(shape, types))
    ids = flat_ids(codes, shape)
    assert ids.dtype == np.intp
    assert_array_equal(ids, np.ravel_multi_index([c.astype(np.intp) for c in codes], shape))


def test_flat_ids_hand_computed():
    # (2, 3, 300): 1800 cells, built in uint16.
    ids = flat_ids(
        [
            np.array([1, 0]),
            np.array([2, 1], dtype=np.int8),
            np.array([299, 5], dtype=np.int16),
        ],
        (2, 3, 300),
    )
    assert_array_equal(ids, [1 * 900 + 2 * 300 + 299, 0 * 900 + 1 * 300 + 5])
    assert_array_equal(flat_ids([np.array([4, 0, 2])], (5,)), [4, 0, 2])


def test_flat_ids_at_the_edges_of_each_type():
    """256 cells fit uint8, 257 do not; the last id of each table survives."""
    for n_cells in (255, 256, 257, 65536, 65537):
        ids = flat_ids([np.array([n_cells - 1, 0])], (n_cells,))
        assert_array_equal(ids, [n_cells - 1, 0])
    ids = flat_ids([np.array([1]), np.array([128])], (2, 129))  # 258 cells
    assert_array_equal(ids, [257])


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(st.integers(0, 2**62), max_size=300), st.booleans(), st.integers(0, 6))
def test_argsort_ints_is_a_stable_argsort(values, small, repeat):
    """Packed-key sort or the stable argsort beyond 63 bits: the same permutation."""
    from skweight.engine.keys import argsort_ints

    keys = np.asarray(values, dtype=np.int64)
    if small:
        keys = keys % 7  # many ties: stability matters
    keys = np.tile(keys, repeat)
    assert_array_equal(argsort_ints(keys), np.argsort(keys, kind="stable"))
    assert_array_equal(
        argsort_ints(keys.astype(np.uint64)), np.argsort(keys, kind="stable")
    )


@settings(max_examples=examples(40), deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)), min_size=1, max_size=200
    )
)
def test_numbered_sparse_combinations_in_sorted_order(pairs):
    """Past the table range, combinations are numbered by a sort: np.unique's inverse."""
    from skweight.engine.keys import numbered

    a, b = (np.array(p, dtype=np.int64) for p in zip(*pairs))
    ids, n = numbered([a, b])
    uniques, expected = np.unique(a * (10**6 + 1) + b, return_inverse=True)
    assert n == uniques.size
    assert_array_equal(ids, expected.ravel())


def test_flat_ids_with_an_axis_one_past_the_narrow_type():
    """Shape (1, 256): ids fit uint8, the second size does not; no overflow."""
    codes = [np.zeros(3, dtype=np.int8), np.array([0, 255, 7], dtype=np.uint8)]
    assert_array_equal(flat_ids(codes, (1, 256)), [0, 255, 7])


@pytest.mark.parametrize("dims", [(3,), (4, 5), (7, 1, 3, 2), (1, 1), (1000, 2, 2)])
def test_unravel_is_numpys_in_contiguous_arrays(dims):
    flat = np.random.default_rng(0).integers(0, np.prod(dims), 200)
    codes = unravel(flat, dims)
    assert len(codes) == len(dims)
    for ours, theirs in zip(codes, np.unravel_index(flat, dims)):
        assert_array_equal(ours, theirs)
        assert ours.flags.c_contiguous and ours.dtype == np.intp


@pytest.mark.parametrize("high", [3, 10**4])
def test_numbered_counts_alone_as_it_numbers(high):
    from skweight.engine.keys import numbered

    rng = np.random.default_rng(9)
    parts = [rng.integers(0, high, 500), rng.integers(0, 7, 500)]
    ids, n = numbered(parts)
    counted_ids, counted = numbered(parts, count_only=True)
    assert counted == n == len({(a, b) for a, b in zip(*parts)})
    if counted_ids is not None:  # a sort numbers them anyway
        assert_array_equal(counted_ids, ids)
