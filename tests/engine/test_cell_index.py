"""The cell index finds every counted combination, and no other, in all its runs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

import skweight.engine.index as index_module
from skweight.engine.index import CellIndex
from tests.conftest import examples


def _unique_rows(rng, n, dims):
    codes = np.stack([rng.integers(0, d, n) for d in dims], axis=1)
    return np.unique(codes, axis=0)  # sorted, first axis first


@pytest.mark.parametrize("merges", [(1 << 12, 8), (2, 2)], ids=["default", "frequent"])
@settings(max_examples=examples(40), deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    sorted_first=st.booleans(),
    n_batches=st.integers(1, 6),
    grow=st.booleans(),
)
def test_find_equals_a_dictionary_after_any_additions(
    merges, seed, sorted_first, n_batches, grow
):
    with pytest.MonkeyPatch.context() as patch:  # how often delta merges into main
        patch.setattr(index_module, "DELTA_MIN", merges[0])
        patch.setattr(index_module, "DELTA_SHARE", merges[1])
        _check_against_a_dictionary(seed, sorted_first, n_batches, grow)


def _check_against_a_dictionary(seed, sorted_first, n_batches, grow):
    rng = np.random.default_rng(seed)
    dims = [int(rng.integers(1, 40)), int(rng.integers(1, 5)), int(rng.integers(1, 3))]
    first = _unique_rows(rng, int(rng.integers(1, 60)), dims)
    if not sorted_first:
        first = first[rng.permutation(len(first))]
    table = {tuple(row): i for i, row in enumerate(first)}
    cells = [first]
    index = CellIndex()

    def columns():
        stacked = np.concatenate(cells)
        return [np.ascontiguousarray(stacked[:, a]) for a in range(3)]

    n_sorted = len(first) if sorted_first else 0
    for _ in range(n_batches):
        if grow:  # new levels of some axis: the packed keys need more bits
            dims[int(rng.integers(0, 3))] *= 3
        queries = np.stack([rng.integers(0, d, 50) for d in dims], axis=1)
        found = index.find(queries.T, columns(), tuple(dims), n_sorted=n_sorted)
        expected = [table.get(tuple(q), -1) for q in queries]
        assert_array_equal(found, expected)
        new = np.unique(queries[found < 0], axis=0)
        new = new[rng.permutation(len(new))]  # appended in no order
        added = np.arange(len(table), len(table) + len(new))
        for row, cell in zip(new, added):
            table[tuple(row)] = cell
        cells.append(new.reshape(-1, 3))
        index.added(list(new.T), added, tuple(dims), columns())
    every = np.array(list(table))
    found = index.find(every.T, columns(), tuple(dims), n_sorted=n_sorted)
    assert_array_equal(found, list(table.values()))


def test_a_sorted_table_is_searched_without_packing_its_keys(monkeypatch):
    # 100,000 cells stored sorted: a search of 10 queries packs O(10 log n)
    # keys, not the table's.
    rng = np.random.default_rng(0)
    dims = (100_000, 2, 2)
    first = _unique_rows(rng, 300_000, dims)
    columns = [np.ascontiguousarray(first[:, a]) for a in range(3)]
    packed = []
    real_pack = index_module.pack
    monkeypatch.setattr(
        index_module,
        "pack",
        lambda codes, w: packed.append(codes[0].size) or real_pack(codes, w),
    )
    queries = first[rng.integers(0, len(first), 10)]
    found = CellIndex().find(queries.T, columns, dims, n_sorted=len(first))
    assert_array_equal(first[found], queries)
    assert max(packed) == 10 and sum(packed) < 10 * 40
