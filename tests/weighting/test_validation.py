"""Bad inputs and the errors they get: each names what is wrong."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skweight import EffectiveNumberWeighter, GroupBalancedWeighter

X = pd.DataFrame({"category": list("aabb"), "gender": list("fmfm"), "x": [1.0] * 4})
y = np.array([0, 1, 1, 0])


@pytest.mark.parametrize(
    "make, args, kwargs, error, match",
    [
        # lengths
        (
            lambda: GroupBalancedWeighter(),
            (X, y[:3]),
            {},
            ValueError,
            "y has 3 rows but X has 4",
        ),
        (
            lambda: GroupBalancedWeighter(),
            (X, y),
            {"sample_weight": [1, 2]},
            ValueError,
            "sample_weight.shape == \\(2,\\), expected \\(4,\\)",
        ),
        (
            lambda: GroupBalancedWeighter(balance="groups"),
            (X, y),
            {"sensitive_features": ["f", "m"]},
            ValueError,
            "sensitive_features .* has 2 rows but X has 4",
        ),
        # columns
        (
            lambda: GroupBalancedWeighter(groups="gendr"),
            (X, y),
            {},
            ValueError,
            "Column 'gendr' given in groups is not in X. X has columns: "
            "\\['category', 'gender', 'x'\\]",
        ),
        (
            lambda: GroupBalancedWeighter(groups="gender"),
            (X.to_numpy(), y),
            {},
            ValueError,
            "groups='gender' names a column, but X is a ndarray",
        ),
        (
            lambda: GroupBalancedWeighter(groups=7),
            (X, y),
            {},
            ValueError,
            "position 7 given in groups is out of range: X has 3 feature",
        ),
        (
            lambda: GroupBalancedWeighter(groups=1.5),
            (X, y),
            {},
            ValueError,
            "The 'groups' parameter of GroupBalancedWeighter must be None or a column "
            r"name \(str\), a column position \(int\) or a list of them. Got 1.5",
        ),
        (
            lambda: GroupBalancedWeighter(groups=["gender", 1.5]),
            (X, y),
            {},
            ValueError,
            "The 'groups' parameter .* Got \\['gender', 1.5\\] instead",
        ),
        (
            lambda: GroupBalancedWeighter(groups=True),
            (X, y),
            {},
            ValueError,
            "The 'groups' parameter .* Got True instead",
        ),
        (
            lambda: GroupBalancedWeighter(strata=(0, False)),
            (X, y),
            {},
            ValueError,
            "The 'strata' parameter .* Got \\(0, False\\) instead",
        ),
        (
            lambda: GroupBalancedWeighter(groups="gender", strata="gender"),
            (X, y),
            {},
            ValueError,
            "both groups and strata",
        ),
        (
            lambda: GroupBalancedWeighter(groups="gender"),
            (X, y),
            {"sensitive_features": X["gender"]},
            ValueError,
            "not both",
        ),
        # sample_weight values
        (
            lambda: GroupBalancedWeighter(),
            (X, y),
            {"sample_weight": [1, -1, 1, 1]},
            ValueError,
            "Negative values in data passed to `sample_weight`",
        ),
        (
            lambda: GroupBalancedWeighter(),
            (X, y),
            {"sample_weight": [1, np.nan, 1, 1]},
            ValueError,
            "NaN",
        ),
        # empty input
        (
            lambda: GroupBalancedWeighter(),
            (X.iloc[:0], y[:0]),
            {},
            ValueError,
            "0 sample\\(s\\)",
        ),
        (
            lambda: GroupBalancedWeighter(),
            (np.empty((0, 2)), y[:0]),
            {},
            ValueError,
            "0 sample\\(s\\)",
        ),
        # targets
        (
            lambda: GroupBalancedWeighter(target_type="multilabel"),
            (X, np.array([[0, 2], [1, 0], [3, 1], [0, 0]])),
            {},
            ValueError,
            "not a binary indicator matrix",
        ),
        (
            lambda: GroupBalancedWeighter(),
            (X, None),
            {},
            ValueError,
            "requires y to be passed",
        ),
        (
            lambda: GroupBalancedWeighter(),
            (X, [0, None, 1, 1]),
            {},
            ValueError,
            "y has 1 missing label",
        ),
        # balance modes that need what is not there
        (
            lambda: GroupBalancedWeighter(balance="joint"),
            (X, y),
            {},
            ValueError,
            "balance='joint' needs group columns",
        ),
        (
            lambda: GroupBalancedWeighter(groups="gender", balance="label"),
            (X, y),
            {},
            ValueError,
            "would ignore the group columns",
        ),
        # missing values in keys
        (
            lambda: GroupBalancedWeighter(groups="gender"),
            (X.assign(gender=["f", None, "m", "m"]), y),
            {},
            ValueError,
            "Column 'gender' has 1 missing value\\(s\\) \\(NaN or None, first at row 1\\)",
        ),
        # parameters
        (
            lambda: GroupBalancedWeighter(scheme="inv"),
            (X, y),
            {},
            ValueError,
            "The 'scheme' parameter of GroupBalancedWeighter must be",
        ),
        (
            lambda: GroupBalancedWeighter(strength=1.5),
            (X, y),
            {},
            ValueError,
            "The 'strength' parameter",
        ),
        (
            lambda: GroupBalancedWeighter(max_weight=0.5),
            (X, y),
            {},
            ValueError,
            "The 'max_weight' parameter",
        ),
        (
            lambda: EffectiveNumberWeighter(beta=1.0),
            (X, y),
            {},
            ValueError,
            "The 'beta' parameter of EffectiveNumberWeighter",
        ),
        (
            lambda: GroupBalancedWeighter(scheme=lambda n: n[:1]),
            (X, y),
            {},
            ValueError,
            "must return one factor per count",
        ),
        (
            lambda: GroupBalancedWeighter(scheme=lambda n: -n),
            (X, y),
            {},
            ValueError,
            "finite, non-negative",
        ),
        (
            lambda: GroupBalancedWeighter(),
            (None, None),
            {},
            ValueError,
            "nothing else to count",
        ),
        (
            lambda: GroupBalancedWeighter(normalize=None, strength=0.5),
            (X, y),
            {},
            ValueError,
            "normalize=None returns the scheme's raw factors",
        ),
    ],
)
def test_bad_fit_input(make, args, kwargs, error, match):
    with pytest.raises(error, match=match):
        make().fit(*args, **kwargs)


def test_unseen_value_in_weight():
    est = GroupBalancedWeighter(groups="gender").fit(X, y)
    with pytest.raises(
        ValueError, match="Column 'gender' has value\\(s\\) not seen during fit: \\['x'\\]"
    ):
        est.weight(pd.DataFrame({"gender": ["f", "x"]}))


def test_unseen_label_in_weight():
    est = GroupBalancedWeighter().fit(X, y)
    with pytest.raises(ValueError, match="not seen during fit: \\[5\\]"):
        est.weight(X, [0, 1, 5, 0])


def test_weight_before_fit():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        GroupBalancedWeighter().weight(X, y)


def test_partial_fit_with_other_columns():
    est = GroupBalancedWeighter(groups="gender").partial_fit(X, y)
    with pytest.raises(
        ValueError, match="group columns: \\['gender'\\] at fit, \\['g'\\] now"
    ):
        est.set_params(groups=None).partial_fit(
            X, y, sensitive_features=pd.Series(X["gender"].to_numpy(), name="g")
        )


def test_a_huge_product_of_levels_is_only_its_cells():
    # 300**4 = 8.1e9 combinations could occur; 300 do: 300 cells, each its own
    # stratum with one group.
    n = 300
    Xw = pd.DataFrame({f"c{i}": np.arange(n) for i in range(4)})
    est = GroupBalancedWeighter(groups=["c0", "c1", "c2"], strata="c3")
    w = est.fit_weight(Xw)
    assert est.n_cells_ == n and len(est.weight_table_) == n
    assert_allclose(w, 1.0)


def test_multilabel_values_and_class_without_positives():
    Y = np.array([[1, 0], [0, 0], [1, 0], [0, 0]])
    with pytest.raises(ValueError, match="not a binary indicator"):
        GroupBalancedWeighter(target_type="multilabel").fit(X, Y * 2)
    est = GroupBalancedWeighter().fit(X, Y)
    assert np.isinf(est.pos_weight_[1])


# ---------------------------------------------------------------------- #
# Ambiguous or malformed keys and weights: errors that name what is wrong
# ---------------------------------------------------------------------- #
def test_duplicate_column_names_are_refused():
    X = pd.DataFrame([["a", "x"], ["b", "y"], ["a", "y"]], columns=["g", "g"])
    with pytest.raises(ValueError, match="Column 'g' given in groups appears 2 times"):
        GroupBalancedWeighter(groups="g").fit(X, [0, 1, 0])


def test_duplicate_column_names_in_a_pyarrow_table_are_refused():
    pa = pytest.importorskip("pyarrow")
    table = pa.table([pa.array(["a", "b"]), pa.array(["x", "y"])], names=["s", "s"])
    with pytest.raises(ValueError, match="Column 's' given in strata appears 2 times"):
        GroupBalancedWeighter(strata="s").fit(table, [0, 1])


def test_an_int_names_an_integer_column_label_not_a_position():
    X = pd.DataFrame({1: ["a", "a", "a", "b"], 0: ["x", "y", "y", "y"]})
    w = GroupBalancedWeighter(groups=1).fit_weight(X, [0, 1, 0, 1])
    # Groups from the column labelled 1 (a, a, a, b), not position 1 (x, y, y, y).
    assert_array_equal(
        w, GroupBalancedWeighter().fit_weight(None, [0, 1, 0, 1], sensitive_features=X[1])
    )
    with pytest.raises(ValueError, match="labelled by integers .* an int names a label"):
        GroupBalancedWeighter(groups=2).fit(
            pd.DataFrame({5: ["a", "b"], 7: ["x", "y"]}), [0, 1]
        )


def test_default_integer_columns_are_positions_negative_ones_too():
    X = pd.DataFrame([["a", "x"], ["b", "y"], ["a", "y"]])
    assert_array_equal(
        GroupBalancedWeighter(groups=-1).fit_weight(X, [0, 1, 0]),
        GroupBalancedWeighter(groups=1).fit_weight(X, [0, 1, 0]),
    )


@pytest.mark.parametrize(
    "sample_weight", [["a", "b", "c"], np.array(["1", "2", "x"]), [1.0, {}, 2.0]]
)
def test_sample_weight_that_is_not_numbers_is_named(sample_weight):
    with pytest.raises(ValueError, match="sample_weight must hold numbers"):
        GroupBalancedWeighter().fit(None, [0, 1, 1], sample_weight=sample_weight)


def test_infinite_and_unhashable_keys_are_refused_by_name():
    X = pd.DataFrame({"g": [1.0, np.inf, 2.0]})
    with pytest.raises(
        ValueError,
        match=r"Column 'g' has 1 infinite value\(s\) \(inf, "
        "first at row 1\\)",
    ):
        GroupBalancedWeighter(groups="g").fit(X, [0, 1, 0])
    X = pd.DataFrame({"g": [{"a": 1}, "b", "b"]})
    with pytest.raises(TypeError, match="Column 'g' holds values of type dict"):
        GroupBalancedWeighter(groups="g").fit(X, [0, 1, 0])


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "dia", "bsr", "lil"])
def test_keys_of_every_sparse_format(fmt):
    sp = pytest.importorskip("scipy.sparse")
    dense = np.array([[0, 1.0], [1, 2.0], [1, 0.0], [1, 3.0]])
    X = getattr(sp, f"{fmt}_matrix")(dense)
    assert_array_equal(
        GroupBalancedWeighter(groups=0).fit_weight(X, [0, 1, 0, 1]),
        GroupBalancedWeighter(groups=0).fit_weight(dense, [0, 1, 0, 1]),
    )
