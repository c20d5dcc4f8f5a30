"""Trimming: a cap as a multiple of the mean (max_weight) or at a quantile."""

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from skweight import EffectiveNumberWeighter, GroupBalancedWeighter
from skweight.diagnostics import balance_report

Y = np.repeat([0, 1, 2, 3], [900, 60, 30, 10])


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tiny classes warn; not the subject here
        yield


@pytest.mark.parametrize("q", [0.5, 0.9, 0.95, 0.99])
def test_the_quantile_cap_is_the_weights_quantile_and_holds(q):
    plain = GroupBalancedWeighter().fit_weight(None, Y)
    cap = max(np.quantile(plain, q, method="inverted_cdf"), 1.0)  # never below the mean
    w = GroupBalancedWeighter(trim_quantile=q).fit_weight(None, Y)
    assert w.max() <= cap * (1 + 1e-12)
    assert w.sum() == pytest.approx(len(Y))
    # The same as max_weight at that multiple of the mean weight (1).
    assert_allclose(w, GroupBalancedWeighter(max_weight=cap).fit_weight(None, Y))


def test_with_max_weight_the_lower_cap_applies():
    both = GroupBalancedWeighter(trim_quantile=0.99, max_weight=2.0).fit_weight(None, Y)
    assert_allclose(both, GroupBalancedWeighter(max_weight=2.0).fit_weight(None, Y))
    both = GroupBalancedWeighter(trim_quantile=0.95, max_weight=20.0).fit_weight(None, Y)
    assert_allclose(both, GroupBalancedWeighter(trim_quantile=0.95).fit_weight(None, Y))


def test_capping_keeps_strata_totals_and_costs_balance():
    rng = np.random.default_rng(0)
    s = rng.integers(0, 3, 3000)
    g = (rng.random(3000) < 0.03 + 0.2 * s).astype(int)
    X = pd.DataFrame({"s": s, "g": g})
    for weighter in (
        GroupBalancedWeighter(groups="g", strata="s", trim_quantile=0.9),
        EffectiveNumberWeighter(beta=0.99, groups="g", strata="s", trim_quantile=0.9),
    ):
        w = weighter.fit_weight(X)
        assert_allclose(np.bincount(s, w), np.bincount(s))
        report = balance_report(X, None, w, groups="g", strata="s")
        assert report.attrs["max_deviation"] > 0.01  # the documented trade-off


def test_trim_quantile_needs_normalisation():
    with pytest.raises(ValueError, match="trim_quantile"):
        GroupBalancedWeighter(trim_quantile=0.9, normalize=None).fit(None, Y)
    for bad in (0.0, 1.0, 1.5):
        with pytest.raises(ValueError, match="trim_quantile"):
            GroupBalancedWeighter(trim_quantile=bad).fit(None, Y)


@pytest.mark.parametrize(
    "q, expected", [(0.5, 2 / 3), (0.75, 2 / 3), (0.76, 2.0), (1.0, 2.0), (0.01, 2 / 3)]
)
def test_row_quantile_by_hand(q, expected):
    from skweight.weighting.factors import _row_quantile

    # 3 rows with factor 2/3 and 1 row with factor 2 (an empty cell, factor 100,
    # has no rows and does not count): the q quantile over the 4 rows.
    units = np.array([0.0, 3.0, 1.0])
    factors = np.array([100.0, 2 / 3, 2.0])
    assert _row_quantile(units, factors, q) == pytest.approx(expected)
    # In another unit order, with another empty unit.
    assert _row_quantile(
        np.array([1.0, 0.0, 3.0]), np.array([2.0, 5.0, 2 / 3]), q
    ) == pytest.approx(expected)


@pytest.mark.parametrize("balance", ["label", "groups", "joint", "independence"])
@pytest.mark.parametrize("weighted", [False, True])
def test_max_weight_is_the_limit_of_clipping_in_every_mode(balance, weighted):
    # The closed form against brute force: clip the row factors at the cap and
    # rescale each stratum to its (weighted) total, again and again.
    rng = np.random.default_rng(7)
    n = 3000
    s = rng.integers(0, 3, n)
    g = (rng.random(n) < 0.05 + 0.2 * s).astype(int)
    y = (rng.random(n) < 0.1 + 0.25 * g).astype(int)
    sw = rng.uniform(0.5, 2.0, n) if weighted else np.ones(n)
    X = pd.DataFrame({"s": s, "g": g})
    params = dict(groups=None if balance == "label" else "g", strata="s", balance=balance)
    cap = 1.8
    w = GroupBalancedWeighter(max_weight=cap, **params).fit_weight(X, y, sample_weight=sw)
    f = GroupBalancedWeighter(**params).fit_weight(X, y, sample_weight=sw) / sw
    totals = np.bincount(s, sw)
    for _ in range(3000):
        f = np.minimum(f, cap)
        f *= (totals / np.bincount(s, sw * f))[s]
    assert_allclose(w / sw, f, rtol=1e-8)
    assert (w / sw).max() <= cap * (1 + 1e-12)
    assert_allclose(np.bincount(s, w), totals)
