"""The level encoder: codes, learned levels, unseen and missing values."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

from skweight.engine.encode import MISSING, UNKNOWN
from skweight.engine.encode import LevelEncoder as _LevelEncoder


def test_small_ints_are_their_own_codes():
    enc = _LevelEncoder("y")
    values = np.array([3, 0, 3, 1])
    codes, has_neg = enc.encode(values, learn=True)
    assert_array_equal(codes, values)
    assert not has_neg
    assert isinstance(enc.levels, pd.RangeIndex) and len(enc.levels) == 4
    assert not codes.flags.writeable  # may share memory with the caller's array


def test_range_levels_grow_and_flag_unknown():
    enc = _LevelEncoder("y")
    enc.encode(np.array([0, 1]), learn=True)
    enc.encode(np.array([5]), learn=True)
    assert len(enc.levels) == 6
    codes, has_neg = enc.encode(np.array([2, 9]), learn=False)
    assert has_neg and codes[1] == UNKNOWN


def test_sparse_and_negative_ints_are_hashed():
    enc = _LevelEncoder("y")
    codes, _ = enc.encode(np.array([10**12, -4, 10**12]), learn=True)
    assert_array_equal(codes, [0, 1, 0])
    assert list(enc.levels) == [10**12, -4]


def test_switch_from_range_to_hashed_keeps_codes():
    enc = _LevelEncoder("y")
    enc.encode(np.array([0, 1, 2]), learn=True)
    codes, _ = enc.encode(np.array([2, -1]), learn=True)
    assert_array_equal(codes, [2, 3])
    assert list(enc.levels) == [0, 1, 2, -1]


def test_strings_merge_across_chunks():
    enc = _LevelEncoder("g")
    enc.encode(np.array(["a", "b"]), learn=True)
    codes, _ = enc.encode(np.array(["c", "a"], dtype=object), learn=True)
    assert_array_equal(codes, [2, 0])
    codes, has_neg = enc.encode(["d", "b"], learn=False)
    assert has_neg
    assert_array_equal(codes, [UNKNOWN, 1])


def test_categorical_codes_and_remap():
    enc = _LevelEncoder("g")
    first = pd.Categorical(["x", "y", None], categories=["x", "y"])
    codes, has_neg = enc.encode(first, learn=True)
    assert_array_equal(codes, [0, 1, MISSING])
    assert has_neg
    other = pd.Series(pd.Categorical(["y", "z"], categories=["z", "y"]))
    codes, _ = enc.encode(other, learn=True)
    assert_array_equal(codes, [1, 2])


def test_missing_as_category():
    enc = _LevelEncoder("g")
    codes, has_neg = enc.encode(
        np.array(["a", None, "a"], dtype=object), learn=True, missing="category"
    )
    assert not has_neg
    assert_array_equal(codes, [0, 1, 0])
    assert pd.isna(enc.levels[1])


@pytest.mark.parametrize("values", [np.array([True, False]), [1.5, 2.5]])
def test_other_dtypes(values):
    enc = _LevelEncoder("g")
    codes, has_neg = enc.encode(values, learn=True)
    assert_array_equal(enc.decode(codes), values)
    assert len(enc.levels) == 2
    assert not has_neg
