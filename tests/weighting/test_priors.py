"""Class priors, logit adjustments and LDAM margins read from a weighter's table."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from skweight import EffectiveNumberWeighter, GroupBalancedWeighter
from skweight.priors import class_priors, ldam_margins, logit_adjustment

pytestmark = pytest.mark.filterwarnings("ignore::skweight.exceptions.WeightingWarning")

RNG = np.random.default_rng(5)
X = pd.DataFrame({"s": RNG.integers(0, 3, 500), "g": RNG.choice(["f", "m", "x"], 500)})
Y = RNG.choice(["cat", "dog", "eel"], 500, p=[0.7, 0.25, 0.05])


@pytest.mark.parametrize(
    "weighter",
    [
        GroupBalancedWeighter(),
        GroupBalancedWeighter(groups="g", strata="s", balance="joint", max_weight=3.0),
        EffectiveNumberWeighter(beta=0.99, strata="s"),
    ],
)
def test_priors_are_the_fitted_class_shares(weighter):
    weighter.fit(X, Y)
    expected = pd.Series(Y).value_counts(normalize=True).sort_index().to_numpy()
    assert_allclose(class_priors(weighter), expected)
    assert_allclose(logit_adjustment(weighter), np.log(expected))
    assert_allclose(logit_adjustment(weighter, tau=0.5), 0.5 * np.log(expected))


def test_priors_with_sample_weight_are_weighted_shares():
    sw = RNG.uniform(0.1, 3.0, 500)
    weighter = GroupBalancedWeighter().fit(X, Y, sample_weight=sw)
    expected = pd.Series(sw).groupby(Y).sum()
    assert_allclose(class_priors(weighter), (expected / expected.sum()).to_numpy())


def test_priors_per_group():
    weighter = GroupBalancedWeighter(groups="g", strata="s", balance="joint").fit(X, Y)
    expected = pd.crosstab(X["g"], Y, normalize="index")
    got = class_priors(weighter, by="groups")
    assert list(got.columns) == ["cat", "dog", "eel"]
    assert_allclose(got.to_numpy(), expected.to_numpy())
    assert list(got.index) == ["f", "m", "x"]
    offsets = logit_adjustment(weighter, by="groups", tau=2.0)
    assert_allclose(offsets.to_numpy(), 2.0 * np.log(expected.to_numpy()))


def test_a_class_a_group_lacks_has_prior_zero_and_offset_minus_inf():
    Xs = pd.DataFrame({"g": ["a", "a", "b", "b"]})
    weighter = GroupBalancedWeighter(groups="g", balance="joint").fit(Xs, [0, 1, 1, 1])
    priors = class_priors(weighter, by="groups")
    assert priors.loc["b"].tolist() == [0.0, 1.0]
    assert logit_adjustment(weighter, by="groups").loc["b", 0] == -np.inf


def test_several_group_columns_index_by_tuples():
    weighter = GroupBalancedWeighter(groups=["g", "s"], balance="joint").fit(X, Y)
    priors = class_priors(weighter, by="groups")
    assert priors.index.names == ["g", "s"] and len(priors) == 9
    assert_allclose(priors.sum(axis=1), 1.0)


def test_chunks_give_the_same_priors():
    whole = GroupBalancedWeighter().fit(None, Y)
    chunked = GroupBalancedWeighter().partial_fit(None, Y[:100]).partial_fit(None, Y[100:])
    assert_allclose(class_priors(chunked), class_priors(whole))


def test_ldam_margins_hand_computed():
    weighter = GroupBalancedWeighter().fit(None, [0] * 80 + [1] * 5 + [2] * 405)
    margins = ldam_margins(weighter, max_margin=0.5)
    counts = np.array([80, 5, 405], dtype=float)
    assert_allclose(margins, 0.5 * (5 / counts) ** 0.25)
    assert margins.argmax() == 1 and margins.max() == 0.5
    assert_allclose(ldam_margins(weighter, max_margin=1.0), 2 * margins)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda w: class_priors(w, by="strata"), "by must be None or 'groups'"),
        (lambda w: logit_adjustment(w, tau=-1), "tau must be a finite number >= 0"),
        (lambda w: logit_adjustment(w, tau=np.inf), "tau must be a finite number >= 0"),
        (lambda w: ldam_margins(w, max_margin=0), "max_margin must be a finite number > 0"),
        (lambda w: class_priors(w, by="groups"), "needs a weighter with group columns"),
    ],
)
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call(GroupBalancedWeighter().fit(None, Y))


def test_weighters_without_class_counts_are_refused():
    with pytest.raises(ValueError, match="does not use the label"):
        class_priors(GroupBalancedWeighter(groups="g").fit(X))
    with pytest.raises(ValueError, match="multi-label"):
        class_priors(GroupBalancedWeighter().fit(None, np.eye(3, dtype=int)))
    with pytest.raises(ValueError, match="multi-output"):
        class_priors(GroupBalancedWeighter().fit(None, np.c_[Y, Y[::-1]]))
