"""class_weight= as scikit-learn means it, combinable with the schemes.

Ported in spirit from scikit-learn's tests of ``compute_sample_weight`` and
``compute_class_weight``: the same inputs give the same weights.
"""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from sklearn.utils.class_weight import compute_sample_weight

from skweight import EffectiveNumberWeighter, GroupBalancedWeighter

Y_INT = np.repeat([1, 2, 3], [6, 3, 1])
Y_STR = np.repeat(["cat", "dog", "eel"], [6, 3, 1])


def _plain(class_weight):
    """The weighter that gives compute_sample_weight(class_weight, y) exactly."""
    return GroupBalancedWeighter(scheme=None, normalize=None, class_weight=class_weight)


@pytest.mark.parametrize(
    "y, class_weight",
    [
        (Y_INT, {1: 1.0, 2: 2.0, 3: 3.0}),
        (Y_INT, {2: 5.0}),  # a partial dict: others weigh 1
        (Y_INT, {1: 0.0, 2: 1.0, 3: 1.0}),  # zero is a weight
        (Y_INT, {1: 1.0, 2: 2.0, 3: 3.0, 4: 9.0}),  # every class named: extras ignored
        (Y_STR, {"dog": 2.5, "eel": 10.0}),
        (pd.Series(Y_STR, dtype="category"), {"cat": 0.5}),
    ],
)
def test_same_weights_as_compute_sample_weight(y, class_weight):
    expected = compute_sample_weight(class_weight, np.asarray(y))
    assert_allclose(_plain(class_weight).fit_weight(None, y), expected)


def test_an_unknown_class_is_an_error_as_in_scikit_learn():
    with pytest.raises(ValueError):
        compute_sample_weight({4: 2.0}, Y_INT)
    with pytest.raises(ValueError, match=r"class_weight names \[4\], which y does not"):
        GroupBalancedWeighter(class_weight={4: 2.0}).fit(None, Y_INT)


@pytest.mark.parametrize("value", [-1.0, np.inf, "2", True])
def test_class_weights_are_finite_non_negative_numbers(value):
    with pytest.raises(ValueError, match=r"class_weight\[2\] must be a finite number"):
        GroupBalancedWeighter(class_weight={2: value}).fit(None, Y_INT)


def test_they_multiply_the_balanced_weights_and_keep_the_mean():
    class_weight = {1: 1.0, 2: 4.0, 3: 2.0}
    w = GroupBalancedWeighter(class_weight=class_weight).fit_weight(None, Y_INT)
    expected = compute_sample_weight("balanced", Y_INT) * compute_sample_weight(
        class_weight, Y_INT
    )
    assert_allclose(w, expected / expected.mean())
    w = EffectiveNumberWeighter(beta=0.9, class_weight=class_weight).fit_weight(None, Y_INT)
    plain = EffectiveNumberWeighter(beta=0.9).fit_weight(None, Y_INT)
    expected = plain * compute_sample_weight(class_weight, Y_INT)
    assert_allclose(w, expected / expected.mean())


def test_with_groups_strata_and_chunks():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"s": rng.integers(0, 3, 300), "g": rng.integers(0, 2, 300)})
    y = rng.integers(0, 3, 300)
    class_weight = {0: 1.0, 1: 3.0}
    weighter = GroupBalancedWeighter(
        groups="g", strata="s", balance="joint", class_weight=class_weight
    )
    w = weighter.fit_weight(X, y)
    base = GroupBalancedWeighter(groups="g", strata="s", balance="joint").fit_weight(X, y)
    expected = base * compute_sample_weight(class_weight, y)
    assert_allclose(w, expected / expected.mean())
    chunked = GroupBalancedWeighter(**weighter.get_params())
    chunked.partial_fit(X[:100], y[:100]).partial_fit(X[100:], y[100:])
    assert_allclose(chunked.weight(X, y), w)


def test_class_weight_needs_one_dimensional_labels():
    with pytest.raises(ValueError, match="multi-label target"):
        GroupBalancedWeighter(class_weight={0: 2.0}).fit(None, np.eye(3, dtype=int))
    X = pd.DataFrame({"g": ["a", "b", "b"]})
    with pytest.raises(ValueError, match="does not use the label"):
        GroupBalancedWeighter(groups="g", class_weight={0: 2.0}).fit(X)


def test_partial_fit_accepts_classes_of_later_chunks():
    weighter = GroupBalancedWeighter(class_weight={3: 2.0})
    weighter.partial_fit(None, Y_INT[:6]).partial_fit(None, Y_INT[6:])
    whole = GroupBalancedWeighter(class_weight={3: 2.0}).fit(None, Y_INT)
    assert_allclose(weighter.weight(None, Y_INT), whole.weight(None, Y_INT))


@pytest.mark.parametrize("balance", ["label", "groups", "joint", "independence"])
def test_no_scheme_is_none_or_power_zero(balance):
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"g": rng.choice(["a", "b", "c"], 60), "s": rng.choice([0, 1], 60)})
    y = rng.choice([0, 1], 60, p=[0.8, 0.2])
    kw = {"strata": "s", "balance": balance, "class_weight": {1: 3.0}}
    if balance != "label":
        kw["groups"] = "g"
    if balance == "groups":
        kw["class_weight"] = None
    none = GroupBalancedWeighter(scheme=None, **kw).fit_weight(X, y)
    named = GroupBalancedWeighter(scheme="none", **kw).fit_weight(X, y)
    power0 = GroupBalancedWeighter(scheme="power", power=0, **kw).fit_weight(X, y)
    assert_allclose(none, named)
    assert_allclose(none, power0)
    # No balancing: only the class weights are left (then the usual scaling).
    ratio = 1.0 if balance == "groups" else 3.0
    for s in (0, 1):
        rows = X["s"].to_numpy() == s
        assert_allclose(none[rows][y[rows] == 1] / none[rows][y[rows] == 0][0], ratio)
