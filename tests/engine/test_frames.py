"""FrameView.values: a pandas column's array, the same codes as its Series."""

import numpy as np
import pandas as pd
import pytest

from skweight.engine.codes import native_codes
from skweight.engine.frames import FrameView

COLUMNS = {
    "int64": np.array([3, 1, 3, 0, 2]),
    "Int64": pd.array([3, None, 3, 0, 2], dtype="Int64"),
    "category": pd.Categorical(["b", "a", "b", None, "c"], categories=["c", "b", "a"]),
    "str": pd.array(["x", "y", None, "x", "z"], dtype="str"),
    "object": np.array(["x", 1, "x", None, 2.5], dtype=object),
    "bool": np.array([True, False, True, True, False]),
    "float": np.array([0.5, np.nan, 0.5, 1.0, 2.0]),
    "datetime": pd.to_datetime(
        ["2020-01-01", None, "2020-01-01", "2021-05-05", "2020-01-02"]
    ),
}


@pytest.fixture
def frame():
    return pd.DataFrame(COLUMNS)


@pytest.mark.parametrize("name", list(COLUMNS))
def test_values_give_the_codes_of_the_series(frame, name):
    view = FrameView(frame)
    key, values = view.values(name, param="groups", estimator_name="W")
    assert key == name
    assert not isinstance(values, pd.Series)
    series = frame[name]
    got, expected = native_codes(values), native_codes(series)
    np.testing.assert_array_equal(got.codes, expected.codes)
    assert got.size == expected.size and got.has_missing == expected.has_missing
    if expected.uniques is None:
        assert got.uniques is None
    else:
        pd.testing.assert_index_equal(pd.Index(got.uniques), pd.Index(expected.uniques))


def test_values_share_memory_with_the_frame(frame):
    _, values = FrameView(frame).values("int64", param="groups", estimator_name="W")
    assert np.shares_memory(values, frame["int64"].to_numpy())


@pytest.mark.parametrize("key", ["missing", 9])
def test_values_fall_back_to_column_and_its_errors(frame, key):
    view = FrameView(frame)
    with pytest.raises(ValueError) as values_error:
        view.values(key, param="groups", estimator_name="W")
    with pytest.raises(ValueError) as column_error:
        view.column(key, param="groups", estimator_name="W")
    assert str(values_error.value) == str(column_error.value)


def test_values_of_repeated_or_multiindex_columns_are_series():
    repeated = pd.DataFrame(np.arange(6).reshape(3, 2), columns=["a", "a"])
    with pytest.raises(ValueError) as error:
        FrameView(repeated).values("b", param="groups", estimator_name="W")
    assert "not in X" in str(error.value)
    multi = pd.DataFrame(
        np.arange(6).reshape(3, 2), columns=pd.MultiIndex.from_tuples([("a", 1), ("b", 2)])
    )
    with pytest.raises(ValueError, match="not in X"):
        FrameView(multi).values("a", param="groups", estimator_name="W")


def test_values_by_position_are_the_column(frame):
    key, values = FrameView(frame).values(2, param="groups", estimator_name="W")
    assert key == "category"
    pd.testing.assert_series_equal(values, frame["category"])


@pytest.mark.parametrize("dtype", [">i8", ">i4", ">u2", ">f8"])
def test_big_endian_columns_are_counted_as_native_ones(dtype):
    # Arrays read from files may be big-endian; their codes are those of the values.
    values = np.array([0, 2, 1, 2, 2**15 - 1], dtype=dtype)
    got, expected = (
        native_codes(values),
        native_codes(values.astype(dtype.replace(">", "="))),
    )
    np.testing.assert_array_equal(got.codes, expected.codes)
    assert got.size == expected.size
