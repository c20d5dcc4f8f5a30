"""Multi-output y: the product of per-output weights, as compute_sample_weight.

Ported in spirit from scikit-learn's multi-output cases of
``compute_sample_weight`` (the same inputs give the same weights, side by
side), plus what the weighters add: groups and strata per output, chunks,
incoming weights and the frames y can come in.
"""

import warnings

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.utils.class_weight import compute_sample_weight

from skweight import EffectiveNumberWeighter, EpochResampler, GroupBalancedWeighter
from skweight.exceptions import WeightingWarning

Y2 = np.array([[1, 1], [1, 1], [1, 1], [2, 2], [2, 2], [2, 3]])
RNG = np.random.default_rng(7)
Y3 = np.c_[RNG.integers(0, 3, 60), RNG.integers(0, 2, 60) * 5, RNG.integers(1, 5, 60)]


@pytest.mark.parametrize("y", [Y2, Y3, Y3.astype(float), Y3.astype(str)])
def test_balanced_weights_equal_compute_sample_weight(y):
    assert_allclose(
        GroupBalancedWeighter().fit_weight(None, y), compute_sample_weight("balanced", y)
    )


def test_hand_computed_product():
    # output 0: classes 1, 2 with 3 rows each -> 1, 1; output 1: 1 (3 rows),
    # 2 (2 rows), 3 (1 row) -> 6/9, 1, 2.
    w = GroupBalancedWeighter().fit_weight(None, Y2)
    assert_allclose(w, [2 / 3, 2 / 3, 2 / 3, 1, 1, 2])


def test_one_dict_per_output_as_in_scikit_learn():
    class_weight = [{1: 2.0, 2: 1.0}, {1: 2.0, 2: 1.0, 3: 4.0}]
    plain = GroupBalancedWeighter(
        scheme="power", power=0, normalize=None, class_weight=class_weight
    )
    assert_allclose(plain.fit_weight(None, Y2), compute_sample_weight(class_weight, Y2))
    # None for an output: that output is balanced by the scheme alone.
    mixed = GroupBalancedWeighter(class_weight=[None, {3: 2.0}]).fit_weight(None, Y2)
    first = GroupBalancedWeighter().fit_weight(None, Y2[:, 0])
    second = GroupBalancedWeighter(class_weight={3: 2.0}).fit_weight(None, Y2[:, 1])
    assert_allclose(mixed, first * second)


@pytest.mark.parametrize(
    "class_weight, match",
    [
        ({1: 2.0}, "list of dicts, one per output"),
        ([{1: 2.0}], r"list of 1 dict\(s\) but y has 2 output"),
        ([{1: 2.0}, "balanced"], r"class_weight\[1\] must be a dict"),
    ],
)
def test_class_weight_shape_errors(class_weight, match):
    with pytest.raises(ValueError, match=match):
        GroupBalancedWeighter(class_weight=class_weight).fit(None, Y2)


def test_a_list_for_one_output():
    y = Y2[:, 1]
    assert_allclose(
        GroupBalancedWeighter(class_weight=[{3: 2.0}]).fit_weight(None, y),
        GroupBalancedWeighter(class_weight={3: 2.0}).fit_weight(None, y),
    )
    with pytest.raises(ValueError, match="list of 2 dicts .* y has one output"):
        GroupBalancedWeighter(class_weight=[{3: 2.0}, None]).fit(None, y)


def test_indicator_matrices():
    y = RNG.integers(0, 2, (40, 3))
    # auto: a 0/1 matrix is a multi-label target, one weight per row and class
    assert GroupBalancedWeighter().fit_weight(None, y).shape == (40, 3)
    # multioutput: scikit-learn's reading
    w = GroupBalancedWeighter(target_type="multioutput").fit_weight(None, y)
    assert_allclose(w, compute_sample_weight("balanced", y))
    # a list of dicts can only mean outputs
    class_weight = [{1: 2.0}, None, {0: 3.0}]
    w = GroupBalancedWeighter(
        scheme="power", power=0, normalize=None, class_weight=class_weight
    ).fit_weight(None, y)
    assert_allclose(w, compute_sample_weight(class_weight, y))
    with pytest.raises(ValueError, match="target_type='multilabel'"):
        GroupBalancedWeighter(target_type="multilabel", class_weight=class_weight).fit(
            None, y
        )
    with pytest.raises(ValueError, match="not a binary indicator"):
        GroupBalancedWeighter(target_type="multilabel").fit(None, Y2)


def test_one_dimensional_y_as_one_output():
    y = Y2[:, 1]
    weighter = GroupBalancedWeighter(target_type="multioutput").fit(None, y)
    assert weighter.n_outputs_ == 1
    assert_allclose(weighter.weight(None, y), compute_sample_weight("balanced", y))


def test_each_output_is_balanced_within_strata_and_groups():
    X = pd.DataFrame({"s": RNG.integers(0, 2, 60), "g": RNG.integers(0, 2, 60)})
    params = dict(groups="g", strata="s", balance="joint", max_weight=4.0)
    w = GroupBalancedWeighter(**params).fit_weight(X, Y3[:, :2])
    expected = np.prod(
        [GroupBalancedWeighter(**params).fit_weight(X, Y3[:, k]) for k in range(2)], axis=0
    )
    assert_allclose(w, expected)
    w = EffectiveNumberWeighter(beta=0.9, strata="s").fit_weight(X, Y3)
    expected = np.prod(
        [
            EffectiveNumberWeighter(beta=0.9, strata="s").fit_weight(X, Y3[:, k])
            for k in range(3)
        ],
        axis=0,
    )
    assert_allclose(w, expected)


def test_balance_groups_does_not_use_y():
    X = pd.DataFrame({"g": ["a", "a", "b", "b", "b", "b"]})
    w = GroupBalancedWeighter(groups="g").fit_weight(X, Y2)
    assert_allclose(w, GroupBalancedWeighter(groups="g").fit_weight(X))


def test_sample_weight_multiplies_the_product_once():
    sw = RNG.uniform(0.5, 2.0, len(Y3))
    w = GroupBalancedWeighter().fit_weight(None, Y3, sample_weight=sw)
    factors = np.prod(
        [
            GroupBalancedWeighter()
            .fit(None, Y3[:, k], sample_weight=sw)
            .weight(None, Y3[:, k])
            for k in range(3)
        ],
        axis=0,
    )
    assert_allclose(w, factors * sw)


def test_chunks_add_up_to_fit():
    whole = GroupBalancedWeighter().fit(None, Y3)
    chunked = GroupBalancedWeighter()
    for part in np.array_split(np.arange(len(Y3)), 3):
        chunked.partial_fit(None, Y3[part])
    assert_allclose(chunked.weight(None, Y3), whole.weight(None, Y3))
    pd.testing.assert_frame_equal(chunked.weight_table_, whole.weight_table_)
    with pytest.raises(ValueError, match="3 output"):
        chunked.partial_fit(None, Y3[:, :2])
    with pytest.raises(ValueError, match="cannot be mixed"):
        chunked.partial_fit(None, Y3[:, 0])
    single = GroupBalancedWeighter().partial_fit(None, Y3[:, 0])
    with pytest.raises(ValueError, match="cannot be mixed"):
        single.partial_fit(None, Y3)


@pytest.mark.parametrize(
    "make",
    [
        lambda y: pd.DataFrame(y, columns=["a", "b", "c"]),
        lambda y: pl.DataFrame(y, schema=["a", "b", "c"], orient="row"),
        lambda y: pa.table({"a": y[:, 0], "b": y[:, 1], "c": y[:, 2]}),
        lambda y: y.tolist(),
    ],
)
def test_y_in_any_frame(make):
    assert_allclose(
        GroupBalancedWeighter().fit_weight(None, make(Y3)),
        compute_sample_weight("balanced", Y3),
    )


def test_fitted_attributes_and_table():
    y = pd.DataFrame({"colour": ["r", "r", "b"], "size": [1, 2, 2]})
    weighter = GroupBalancedWeighter().fit(None, y)
    assert weighter.n_outputs_ == 2
    assert [list(c) for c in weighter.classes_] == [["b", "r"], [1, 2]]
    table = weighter.weight_table_
    assert list(table.columns) == ["output", "label", "count", "weighted_count", "factor"]
    assert table["output"].tolist() == [0, 0, 1, 1]
    assert weighter.n_cells_ == 4
    assert weighter.balance_mode_ == "label"
    with pytest.raises(ValueError, match="estimators_"):
        weighter.balance_report()
    refit = clone(weighter).fit(None, y["colour"])
    assert not hasattr(refit, "estimators_") and not hasattr(refit, "n_outputs_")


def test_weight_needs_the_same_outputs():
    weighter = GroupBalancedWeighter().fit(None, Y2)
    with pytest.raises(ValueError, match="needs y too"):
        weighter.weight(None)
    with pytest.raises(ValueError, match="1 output"):
        weighter.weight(None, Y2[:, 0])
    with pytest.raises(ValueError, match=r"^Output 1: Column 'label' has value"):
        weighter.weight(None, [[1, 9]])
    zero = GroupBalancedWeighter(handle_unknown="zero").fit(None, Y2)
    assert_allclose(zero.weight(None, [[1, 9], [1, 1]]), [0.0, 2 / 3])


def test_warnings_name_their_output():
    y = np.c_[np.r_[np.zeros(98), [1, 1]], np.r_[np.ones(50), np.full(50, 2)]]
    with pytest.warns(WeightingWarning, match="^Output 0: 1 cell"):
        GroupBalancedWeighter().fit(None, y.astype(int))
    with warnings.catch_warnings():
        warnings.simplefilter("error", WeightingWarning)
        GroupBalancedWeighter().fit(None, y[:, [1, 1]].astype(int))


def test_resampling_refuses_multi_output():
    with pytest.raises(ValueError, match="multioutput targets are not supported"):
        EpochResampler("under").fit(np.zeros((6, 1)), Y2)
