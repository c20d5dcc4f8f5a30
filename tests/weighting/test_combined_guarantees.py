"""Documented guarantees that must hold when options are combined.

- ``max_weight`` and ``trim_quantile`` cap the *final* factors: class weights
  and ``strength`` come before the caps;
- schemes are computed in a numerically safe form: a large ``power`` or
  weights near the ends of the float range give the right normalised
  factors, not zeros or NaN, and normalised factors do not depend on the
  scale of ``sample_weight``.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from skweight import EffectiveNumberWeighter, GroupBalancedWeighter
from tests.conftest import examples


def _data(seed, n=80):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {"s": rng.integers(0, 3, n), "g": rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1])}
    )
    y = rng.choice([0, 1, 2], n, p=[0.7, 0.2, 0.1])
    y[:3] = [0, 1, 2]  # every class the class weights name occurs
    return X, y, rng


def _weighted_mean_factor(weighter, sample_weight):
    table = weighter.weight_table_
    return float(
        (table["weighted_count"] * table["factor"]).sum() / table["weighted_count"].sum()
    )


@settings(max_examples=examples(60), deadline=None)
@given(
    seed=st.integers(0, 2**31),
    mode=st.sampled_from(["label", "joint", "independence"]),
    scheme=st.sampled_from(["inverse", "sqrt_inverse", "log_inverse", "power"]),
    strength=st.sampled_from([1.0, 0.5]),
    cap=st.sampled_from([1.5, 3.0, 10.0]),
    costs=st.sampled_from([{1: 10.0}, {0: 1.0, 1: 0.01}, {2: 5.0, 0: 0.5}]),
    weighted=st.booleans(),
)
def test_the_cap_holds_after_class_weights_and_strength(
    seed, mode, scheme, strength, cap, costs, weighted
):
    X, y, rng = _data(seed)
    groups = None if mode == "label" else "g"  # "groups" takes no class weights
    sw = rng.uniform(0.5, 2.0, len(y)) if weighted else None
    weighter = GroupBalancedWeighter(
        groups=groups,
        strata="s",
        balance=mode,
        scheme=scheme,
        power=2.0,
        strength=strength,
        max_weight=cap,
        class_weight=costs,
    )
    w = weighter.fit_weight(X, y, sample_weight=sw)
    factors = weighter.weight_table_["factor"]
    mean = _weighted_mean_factor(weighter, sw)
    assert factors.max() <= cap * mean * (1 + 1e-9)
    # The weights keep the incoming total (normalize="mean").
    total = len(y) if sw is None else sw.sum()
    assert_allclose(w.sum(), total, rtol=1e-9)


@settings(max_examples=examples(40), deadline=None)
@given(
    seed=st.integers(0, 2**31),
    q=st.sampled_from([0.5, 0.8, 0.95]),
    costs=st.sampled_from([{1: 10.0}, {0: 1.0, 1: 0.01}]),
)
def test_the_quantile_trim_holds_after_class_weights(seed, q, costs):
    X, y, _ = _data(seed)
    params = dict(groups="g", strata="s", balance="joint", class_weight=costs)
    free = GroupBalancedWeighter(**params).fit_weight(X, y)
    bound = max(np.quantile(free, q, method="inverted_cdf") / free.mean(), 1.0)
    trimmed = GroupBalancedWeighter(trim_quantile=q, **params).fit_weight(X, y)
    assert trimmed.max() <= bound * trimmed.mean() * (1 + 1e-9)


def test_class_weights_with_a_cap_by_hand():
    """Two classes of 3 and 1 rows, cost 10 on the rare one, cap 1.5: the cap binds."""
    y = np.array([0, 0, 0, 1])
    w = GroupBalancedWeighter(class_weight={1: 10.0}, max_weight=1.5).fit_weight(None, y)
    # Balanced: 2/3 and 2; with the cost: 2/3 and 20, mean-normalised 4/31 x (1, 30)...
    # capped at 1.5 x the mean (1): the rare row gets 1.5, the others share the rest.
    assert_allclose(w, [5 / 6, 5 / 6, 5 / 6, 1.5])
    assert w.max() <= 1.5 * w.mean()


def test_a_large_power_does_not_underflow():
    """power=200 on classes of 100 and 200 rows: about 3 and 3 / 2**200, not zeros."""
    y = np.repeat([0, 1], [100, 200])
    w = GroupBalancedWeighter(scheme="power", power=200).fit_weight(None, y)
    rare = 300 / (100 + 200 * 2.0**-200)
    assert_allclose(w[:100], rare, rtol=1e-12)
    assert_allclose(w[100:], rare * 2.0**-200, rtol=1e-9)
    assert np.all(w > 0)


@pytest.mark.parametrize("scale", [1e-300, 1e-7, 1e7, 1e290])
def test_normalised_power_factors_do_not_depend_on_the_scale_of_sample_weight(scale):
    rng = np.random.default_rng(0)
    y = rng.choice([0, 1, 2], 300, p=[0.6, 0.3, 0.1])
    sw = rng.uniform(0.5, 2.0, y.size)
    plain = GroupBalancedWeighter(scheme="power", power=40).fit(None, y, sample_weight=sw)
    scaled = GroupBalancedWeighter(scheme="power", power=40).fit(
        None, y, sample_weight=sw * scale
    )
    factors = scaled.weight_table_["factor"].to_numpy()
    assert np.all(np.isfinite(factors)) and np.all(factors > 0)
    assert_allclose(factors, plain.weight_table_["factor"], rtol=1e-9)


def test_effective_number_with_subnormal_weights_is_finite():
    """Weights of 1e-315: ENS tends to the inverse scheme, not NaN."""
    y = np.repeat([0, 1], [100, 200])
    weighter = EffectiveNumberWeighter(beta=0.99)
    w = weighter.fit_weight(None, y, sample_weight=np.full(y.size, 1e-315))
    assert np.all(np.isfinite(w)) and np.all(w > 0)
    factors = weighter.weight_table_["factor"].to_numpy()
    assert_allclose(factors, [1.5, 0.75], rtol=1e-6)


@pytest.mark.parametrize("normalize", [None, "mean"])
@pytest.mark.parametrize(
    "scheme, power", [("power", 2.0), ("power", 200.0), ("sqrt_inverse", 1.0)]
)
def test_independence_ratios_in_log_form_do_not_depend_on_the_scale(
    normalize, scheme, power
):
    """Observed over expected in one log form: the same factors at any weight scale."""
    X = pd.DataFrame({"g": list("aabbbabba"), "s": [0] * 9})
    y = np.array([0, 1, 0, 1, 1, 0, 0, 1, 1])
    sw = np.arange(1, 10.0)

    def factors(scale):
        weighter = GroupBalancedWeighter(
            groups="g",
            strata="s",
            balance="independence",
            normalize=normalize,
            scheme=scheme,
            power=power,
        )
        return weighter.fit(X, y, sample_weight=sw * scale).weight_table_["factor"]

    for scale in (1e-300, 1e300):
        assert_allclose(factors(scale), factors(1.0), rtol=1e-9)
