"""Growable columns append in place, and keep the room of the buffer they start."""

import numpy as np
from numpy.testing import assert_array_equal

from skweight.engine.columns import GrowableColumn, buffer_with_room


def test_a_column_started_in_a_buffer_appends_into_its_room():
    first = buffer_with_room(10, np.float64, 4, [1, 2, 3, 4])
    column = GrowableColumn(np.float64)
    column.extend(first)
    column.extend([5.0, 6.0])  # within the room: no new storage
    assert np.shares_memory(column.view, first)
    assert_array_equal(column.view, [1, 2, 3, 4, 5, 6])
    column.extend(np.arange(7, 20))  # past it: new storage, the values kept
    assert not np.shares_memory(column.view, first)
    assert_array_equal(column.view, np.arange(1, 20))


def test_other_first_values_are_kept_contiguous_in_the_columns_dtype():
    block = np.arange(12).reshape(4, 3)
    column = GrowableColumn(np.intp)
    column.extend(block[:, 1])  # a strided view (what np.unravel_index returns)
    assert column.view.flags.c_contiguous and column.view.dtype == np.intp
    assert_array_equal(column.view, [1, 4, 7, 10])
    column.extend([13])
    assert_array_equal(block[:, 1], [1, 4, 7, 10])  # the block is not written
    base = np.arange(8)
    column = GrowableColumn(np.int64)
    column.extend(base[2:5])  # a view inside its base: the base is not taken
    column.extend([99])
    assert_array_equal(column.view, [2, 3, 4, 99])
    assert_array_equal(base, np.arange(8))
    wrong_type = buffer_with_room(10, np.int64, 2, [1, 2])
    floats = GrowableColumn(np.float64)
    floats.extend(wrong_type)
    assert not np.shares_memory(floats.view, wrong_type)
