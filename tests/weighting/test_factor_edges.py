"""Factors at their edges: empty strata, tiny weights, zero strata, class weights.

Each test states a behaviour of :mod:`skweight.weighting.factors` that a change
could break without another test noticing: no numerical warning where cells or
strata are empty, the cap relative to the mean factor when a scheme zeroes a
stratum, normalisation for totals below 1, and class weights inside cells.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from skweight import GroupBalancedWeighter
from skweight.exceptions import WeightingWarning


def _strict():
    """Numerical warnings (and skweight's own) become errors."""
    context = warnings.catch_warnings()
    context.__enter__()
    warnings.simplefilter("error")
    warnings.simplefilter("ignore", WeightingWarning)
    return context


def _two_column_strata():
    # Strata a x b with two empty combinations (0, 1) and (1, 0).
    a = np.repeat([0, 1], 40)
    X = pd.DataFrame({"a": a, "b": a, "g": np.tile([0, 0, 0, 1], 20)})
    y = np.tile([0, 1, 1, 0, 0, 1, 0, 0], 10)
    return X, y


@pytest.mark.parametrize("balance", ["independence", "joint", "groups", "label"])
def test_empty_strata_combinations_raise_no_numerical_warning(balance):
    X, y = _two_column_strata()
    context = _strict()
    try:
        w = GroupBalancedWeighter(
            groups=None if balance == "label" else "g",
            strata=["a", "b"],
            balance=balance,
            max_weight=1.5,
        ).fit_weight(X, y)
    finally:
        context.__exit__(None, None, None)
    assert np.all(np.isfinite(w))
    assert_allclose(np.bincount(X["a"], w), np.bincount(X["a"]))


def test_capping_with_an_empty_unit_in_a_capped_stratum_is_quiet_and_exact():
    # Stratum 0 has a group x label cell without rows; its other cells are capped.
    s = np.repeat([0, 1], [50, 50])
    g = np.r_[np.repeat([0, 1], [45, 5]), np.tile([0, 1], 25)]
    y = np.r_[np.zeros(45, int), np.ones(5, int), np.tile([0, 0, 1, 1], 12), [0, 1]]
    X = pd.DataFrame({"s": s, "g": g})
    context = _strict()
    try:
        w = GroupBalancedWeighter(
            groups="g", strata="s", balance="joint", max_weight=2.0
        ).fit_weight(X, y)
    finally:
        context.__exit__(None, None, None)
    assert w.max() <= 2.0 * (1 + 1e-12)
    assert_allclose(np.bincount(s, w), [50, 50])


@pytest.mark.parametrize("scale", [1e-3, 1.0])
def test_capping_tiny_sample_weights_is_the_limit_of_clipping(scale):
    # The closed form against clipping and rescaling again and again, with
    # weights of any scale (remaining weights below 1 included).
    rng = np.random.default_rng(3)
    n = 2000
    s = rng.integers(0, 2, n)
    g = (rng.random(n) < 0.08 + 0.3 * s).astype(int)
    sw = scale * rng.uniform(0.2, 1.0, n)
    X = pd.DataFrame({"s": s, "g": g})
    cap = 1.7
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WeightingWarning)
        w = GroupBalancedWeighter(groups="g", strata="s", max_weight=cap).fit_weight(
            X, sample_weight=sw
        )
        f = (
            GroupBalancedWeighter(groups="g", strata="s").fit_weight(X, sample_weight=sw)
            / sw
        )
    totals = np.bincount(s, sw)
    for _ in range(2000):
        f = np.minimum(f, cap)
        f *= (totals / np.bincount(s, sw * f))[s]
    assert_allclose(w / sw, f, rtol=1e-8)


def test_the_cap_is_a_multiple_of_the_mean_factor_when_a_stratum_weighs_zero():
    # A scheme that gives every unit of 50 rows or more factor 0 zeroes stratum 1
    # (units of 50 and 51 rows); stratum 0 (units of 30 and 10 rows) keeps its
    # total, so the mean factor is 40 / 141 and max_weight=5 caps at 5 * 40 / 141.
    def scheme(counts):
        return np.where(counts >= 50, 0.0, 1.0 / counts)

    s = np.repeat([0, 1], [40, 101])
    g = np.r_[np.repeat([0, 1], [30, 10]), np.tile([0, 1], 50), [0]]
    X = pd.DataFrame({"s": s, "g": g})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WeightingWarning)
        w = GroupBalancedWeighter(
            groups="g", strata="s", scheme=scheme, max_weight=5.0
        ).fit_weight(X)
    mean = 40 / 141
    f0, f1 = 20 / 30, 20 / 10  # 1 / n scaled to the stratum's 40 rows
    cap = 5 * mean
    assert f1 > cap > f0
    scale = (40 - cap * 10) / (30 * f0)  # stratum 0 keeps its total
    expected = np.r_[np.full(30, f0 * scale), np.full(10, cap), np.zeros(101)]
    # normalize="mean" then scales the weights to the 141 rows.
    assert_allclose(w, expected * 141 / 40, rtol=1e-12)
    assert w.max() == pytest.approx(5.0)


def test_class_weights_normalise_over_the_non_empty_cells():
    # balance="joint" in one stratum: the cell (g1, y1) is empty.
    X = pd.DataFrame({"g": [0, 0, 0, 0, 1, 1]})
    y = np.array([0, 1, 1, 0, 0, 0])
    w = GroupBalancedWeighter(
        groups="g", balance="joint", class_weight={0: 1.0, 1: 3.0}, normalize="cells"
    ).fit_weight(X, y)
    # Joint factors 6 / (3 * 2), 6 / (3 * 2), 6 / (3 * 2) (three cells), times
    # the class weights, then scaled to sum to 3 over the three cells.
    cells = np.array([1.0, 3.0, 1.0])
    cells *= 3 / cells.sum()
    assert_allclose(w, cells[[0, 1, 1, 0, 2, 2]])


def test_class_weights_renormalise_totals_below_one():
    y = np.array([0, 0, 1, 1, 1])
    sw = np.full(5, 1e-3)
    w = GroupBalancedWeighter(class_weight={0: 2.0, 1: 1.0}).fit_weight(
        None, y, sample_weight=sw
    )
    assert w.sum() == pytest.approx(sw.sum())
    # Balanced factors 5 / 4 and 5 / 6, times 2 and 1, scaled to keep the total.
    f = np.array([2 * 5 / 4, 5 / 6])
    f *= 5 / (2 * f[0] + 3 * f[1])
    assert_allclose(w, 1e-3 * f[y])
    cells = GroupBalancedWeighter(
        class_weight={0: 0.1, 1: 0.1}, normalize="cells"
    ).fit_weight(None, y)
    assert_allclose(cells, [1.2, 1.2, 0.8, 0.8, 0.8])


def test_class_weights_of_zero_everywhere_give_zeros_and_a_warning():
    y = np.array([0, 0, 1, 1, 1])
    for normalize in ("mean", "cells", None):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            w = GroupBalancedWeighter(
                class_weight={0: 0, 1: 0}, normalize=normalize
            ).fit_weight(None, y)
        assert_allclose(w, 0.0)
        messages = [str(c.message) for c in caught]
        assert messages == [
            "Every weight is 0 (5 rows): a model fit with these weights learns "
            "nothing. Give at least one class (class_weight) or row (sample_weight) "
            "a positive weight."
        ]
        assert all(c.category is WeightingWarning for c in caught)
