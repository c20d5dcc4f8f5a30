"""Integer ids numbered by one packed sort (``codes._sorted_int_codes``, ``keys.packed_sort``)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from skweight import GroupBalancedWeighter
from skweight.engine import codes as codes_module
from skweight.engine import keys as keys_module
from skweight.engine.codes import native_codes

SAMPLE = 64


@pytest.fixture
def small_thresholds(monkeypatch):
    """The sort route for columns of 128 rows and more, sampled at 64 rows."""
    monkeypatch.setattr(codes_module, "SORT_MIN", 2 * SAMPLE)
    monkeypatch.setattr(codes_module, "_SORT_SAMPLE", SAMPLE)


def _ids(rng, n, dtype, n_distinct):
    info = np.iinfo(dtype)
    pool = rng.integers(info.min, info.max, n_distinct, dtype=dtype, endpoint=True)
    return pool[rng.integers(0, n_distinct, n)]


@pytest.mark.parametrize(
    "dtype", [np.int16, np.int32, np.int64, np.uint16, np.uint32, np.uint64]
)
def test_codes_are_ranks_among_sorted_distinct_values(small_thresholds, dtype):
    rng = np.random.default_rng(0)
    values = _ids(rng, 5000, dtype, 4000)
    before = values.copy()
    raw = codes_module._sorted_int_codes(values)
    assert_array_equal(values, before)  # the caller's column is not changed
    if np.dtype(dtype).itemsize == 8:
        # Values spread over the whole 64-bit range leave no bits for the rows.
        assert raw is None
        values = values // (1 << 20)
        raw = codes_module._sorted_int_codes(values)
    assert raw is not None
    assert raw.uniques.dtype == values.dtype
    assert_array_equal(raw.uniques.to_numpy(), np.unique(values))
    assert_array_equal(raw.uniques.to_numpy()[raw.codes], values)
    assert raw.size == np.unique(values).size
    assert not raw.has_missing


@settings(max_examples=40, deadline=None)
@given(
    low=st.integers(-(2**62), 2**62),
    span=st.integers(1, 2**40),
    n=st.integers(2 * SAMPLE, 600),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_offset_and_span(low, span, n, seed):
    rng = np.random.default_rng(seed)
    values = (low + rng.integers(0, span, n, endpoint=True)).astype(np.int64)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(codes_module, "SORT_MIN", 2 * SAMPLE)
        mp.setattr(codes_module, "_SORT_SAMPLE", SAMPLE)
        mp.setattr(codes_module, "_scattered_ids", lambda arr: True)
        raw = codes_module._sorted_int_codes(values)
    assert raw is not None
    assert_array_equal(raw.uniques.to_numpy(), np.unique(values))
    assert_array_equal(raw.uniques.to_numpy()[raw.codes], values)


def test_row_numbers_are_added_block_by_block():
    keys = np.full(10, 1 << 8, dtype=np.uint64)
    keys_module._add_positions(keys, block=3)
    assert_array_equal(keys, (1 << 8) + np.arange(10, dtype=np.uint64))


def test_only_scattered_many_distinct_values_are_sorted(small_thresholds):
    rng = np.random.default_rng(1)
    ids = rng.choice(10**12, 10_000, replace=False)
    scattered = codes_module._scattered_ids
    assert scattered(ids)
    assert not scattered(np.sort(ids))  # sorted: hashing them is fast
    assert not scattered(np.sort(ids)[::-1])  # either way
    assert not scattered(np.repeat(ids[:2500], 4))  # in runs: lookups repeat
    assert not scattered(ids[rng.integers(0, 20, ids.size)])  # few distinct
    # A sample at most 70% distinct: too few distinct values.
    half = ids[: int(0.7 * SAMPLE)]
    assert not scattered(half[rng.integers(0, half.size, ids.size)])


def test_route_is_taken_only_past_the_thresholds(small_thresholds):
    rng = np.random.default_rng(2)
    ids = rng.choice(10**12, 1000, replace=False)
    assert native_codes(ids).uniques.is_monotonic_increasing  # sorted route
    assert not native_codes(ids[: 2 * SAMPLE - 1]).uniques.is_monotonic_increasing
    floats = ids.astype(np.float64)
    assert not native_codes(floats).uniques.is_monotonic_increasing  # ints only
    assert native_codes(pd.Series(ids)).uniques.is_monotonic_increasing  # pandas too
    pa = pytest.importorskip("pyarrow")
    pl = pytest.importorskip("polars")
    for column in (pa.array(ids), pa.chunked_array([ids[:500], ids[500:]]), pl.Series(ids)):
        raw = native_codes(column)
        assert raw.uniques.is_monotonic_increasing
        assert_array_equal(raw.uniques.to_numpy()[raw.codes], ids)


def test_weights_equal_the_hashed_route(small_thresholds, monkeypatch):
    rng = np.random.default_rng(3)
    n = 3000
    frame = pd.DataFrame(
        {"user": rng.choice(10**12, 2000, replace=False)[rng.integers(0, 2000, n)]}
    )
    frame["g"] = rng.integers(0, 2, n)
    y = rng.integers(0, 3, n)
    est = GroupBalancedWeighter(groups="g", strata="user", balance="joint")
    sorted_route = est.fit_weight(frame, y)
    table = est.weight_table_
    applied = est.weight(frame.iloc[::-1], y[::-1])
    monkeypatch.setattr(codes_module, "SORT_MIN", 10**9)
    hashed = est.fit_weight(frame, y)
    assert_array_equal(sorted_route, hashed)
    pd.testing.assert_frame_equal(table, est.weight_table_)
    assert_array_equal(applied, hashed[::-1])


@pytest.mark.parametrize("block", [1, 3, 7, 1000])
def test_numbering_runs_over_block_boundaries(block):
    rng = np.random.default_rng(4)
    values = rng.integers(0, 50, 200).astype(np.uint64)
    shift = 8
    keys = np.sort((values << np.uint64(shift)) | np.arange(200, dtype=np.uint64))
    codes, uniques = keys_module.number_sorted(keys, shift, block=block)
    assert_array_equal(uniques, np.unique(values))
    assert_array_equal(uniques[codes], values)
    assert codes.dtype == np.int32


@pytest.mark.parametrize(
    ("sample", "n_distinct", "sorted_route"),
    [(SAMPLE, 57, False), (SAMPLE, 58, True), (10, 8, False), (10, 9, True)],
)
def test_the_sample_must_be_nine_tenths_distinct(
    monkeypatch, sample, n_distinct, sorted_route
):
    monkeypatch.setattr(codes_module, "_SORT_SAMPLE", sample)
    rng = np.random.default_rng(5)
    ids = rng.choice(10**12, 10_000, replace=False)
    sampled = np.arange(sample) * (ids.size // sample)
    # The sampled rows repeat the first n_distinct sampled values; no other row
    # has them, and no row equals the next.
    ids[sampled] = ids[sampled[np.arange(sample) % n_distinct]]
    assert codes_module._scattered_ids(ids) is sorted_route


@pytest.mark.parametrize(("n_equal", "sorted_route"), [(16, True), (17, False)])
def test_at_most_a_quarter_of_the_sample_may_equal_the_next_row(
    small_thresholds, n_equal, sorted_route
):
    rng = np.random.default_rng(7)
    ids = rng.choice(10**12, 10_000, replace=False)
    sampled = np.arange(SAMPLE) * (ids.size // SAMPLE)
    ids[sampled[:n_equal] + 1] = ids[sampled[:n_equal]]  # the sample stays distinct
    assert codes_module._scattered_ids(ids) is sorted_route


def test_pairs_of_equal_rows_are_runs(small_thresholds):
    rng = np.random.default_rng(8)
    ids = rng.choice(10**12, 5000, replace=False)
    assert 10_000 // SAMPLE % 2 == 0  # every sampled row starts a pair
    assert not codes_module._scattered_ids(np.repeat(ids, 2))


def test_default_thresholds_sort_a_million_ids():
    rng = np.random.default_rng(6)
    ids = rng.choice(10**12, 1 << 19, replace=False)[rng.integers(0, 1 << 19, 1 << 20)]
    raw = native_codes(ids)
    assert raw.uniques.is_monotonic_increasing
    assert_array_equal(raw.uniques.to_numpy()[raw.codes], ids)
    assert native_codes(ids[: (1 << 20) - 1]).uniques.is_monotonic_increasing is False
