"""LogitAdjustedClassifier: post-hoc logit adjustment of any classifier."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from skweight import EffectiveNumberWeighter, GroupBalancedWeighter
from skweight.priors import LogitAdjustedClassifier

RNG = np.random.default_rng(1)
X = RNG.normal(size=(600, 3))
Y = np.where(X[:, 0] + 0.8 * RNG.normal(size=600) > 1.5, "rare", "common")


def test_probabilities_are_divided_by_the_priors_and_renormalised():
    clf = LogitAdjustedClassifier(LogisticRegression(), tau=0.7).fit(X, Y)
    p = clf.estimator_.predict_proba(X)
    prior = pd.Series(Y).value_counts(normalize=True)[list(clf.classes_)].to_numpy()
    expected = p * prior**-0.7
    expected /= expected.sum(axis=1, keepdims=True)
    assert_allclose(clf.predict_proba(X), expected)
    assert_allclose(clf.predict_log_proba(X), np.log(expected))
    assert_array_equal(clf.predict(X), clf.classes_[expected.argmax(axis=1)])
    assert_allclose(clf.log_priors_, np.log(prior))


def test_tau_zero_is_the_estimator_itself():
    clf = LogitAdjustedClassifier(LogisticRegression(), tau=0).fit(X, Y)
    assert_allclose(clf.predict_proba(X), clf.estimator_.predict_proba(X))
    assert_array_equal(clf.predict(X), clf.estimator_.predict(X))


def test_adjustment_raises_balanced_accuracy():
    plain = LogisticRegression().fit(X, Y)
    adjusted = LogitAdjustedClassifier(LogisticRegression()).fit(X, Y)
    assert (
        balanced_accuracy_score(Y, adjusted.predict(X))
        > balanced_accuracy_score(Y, plain.predict(X)) + 0.05
    )


def test_sample_weight_reaches_the_estimator_and_the_priors():
    sw = np.where(Y == "rare", 3.0, 1.0)
    clf = LogitAdjustedClassifier(LogisticRegression()).fit(X, Y, sample_weight=sw)
    reference = LogisticRegression().fit(X, Y, sample_weight=sw)
    assert_allclose(clf.estimator_.coef_, reference.coef_)
    shares = pd.Series(sw).groupby(Y).sum()
    assert_allclose(np.exp(clf.log_priors_), (shares / shares.sum()).to_numpy())


def test_any_weighter_gives_the_counts_and_its_groups_are_ignored():
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(g=RNG.integers(0, 2, 600))
    weighter = EffectiveNumberWeighter(groups="g", balance="joint")
    clf = LogitAdjustedClassifier(
        DecisionTreeClassifier(max_depth=3, random_state=0), weighter=weighter
    ).fit(frame, Y)
    assert clf.weighter_.groups is None and weighter.groups == "g"  # a clone
    assert_allclose(np.exp(clf.log_priors_).sum(), 1.0)
    assert list(clf.feature_names_in_) == ["a", "b", "c", "g"]


def test_parameters_are_checked():
    with pytest.raises(ValueError, match="'tau' parameter"):
        LogitAdjustedClassifier(LogisticRegression(), tau=-1).fit(X, Y)
    with pytest.raises(ValueError, match="'estimator' parameter"):
        LogitAdjustedClassifier(GroupBalancedWeighter()).fit(X, Y)


@parametrize_with_checks([LogitAdjustedClassifier(LogisticRegression())])
def test_sklearn_compatible(estimator, check):
    check(estimator)
