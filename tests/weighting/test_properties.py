"""Invariants of the weighting engine, checked over random inputs."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from sklearn.utils.class_weight import compute_sample_weight

from skweight import EffectiveNumberWeighter, GroupBalancedWeighter
from tests.conftest import examples

SETTINGS = settings(max_examples=examples(60), deadline=None)


@st.composite
def tables(draw, min_rows=1, max_rows=60):
    """Rows with a stratum, a group, a label and an optional base weight."""
    n = draw(st.integers(min_rows, max_rows))
    ints = lambda k: st.lists(st.integers(0, k - 1), min_size=n, max_size=n)  # noqa
    frame = pd.DataFrame(
        {
            "stratum": draw(ints(draw(st.integers(1, 4)))),
            "group": np.array(["f", "m", "x"])[draw(ints(draw(st.integers(1, 3))))],
        }
    )
    y = np.array(draw(ints(draw(st.integers(1, 4)))))
    weights = draw(
        st.one_of(
            st.none(),
            st.lists(st.floats(0.1, 10.0), min_size=n, max_size=n).map(np.array),
        )
    )
    return frame, y, weights


def _sums(w, *keys):
    return pd.Series(w).groupby([np.asarray(k) for k in keys]).sum()


@SETTINGS
@given(tables())
def test_groups_equal_within_strata_and_strata_totals_kept(data):
    """Protects the user story: gender balanced inside each category, the
    category mix unchanged."""
    X, y, sw = data
    w = GroupBalancedWeighter(groups="group", strata="stratum")
    w = w.fit_weight(X, y, sample_weight=sw)
    base = np.ones(len(y)) if sw is None else sw
    assert_allclose(_sums(w, X["stratum"]), _sums(base, X["stratum"]), rtol=1e-9)
    per_cell = _sums(w, X["stratum"], X["group"])
    for _, shares in per_cell.groupby(level=0):
        assert_allclose(shares, shares.iloc[0], rtol=1e-9)


@SETTINGS
@given(tables())
def test_independence_makes_label_independent_of_group(data):
    """Protects Kamiran-Calders: weighted P(y, g) = P(y) P(g) per stratum,
    wherever every group x label cell of the stratum has rows."""
    X, y, sw = data
    w = GroupBalancedWeighter(groups="group", strata="stratum", balance="independence")
    w = w.fit_weight(X, y, sample_weight=sw)
    for s in np.unique(X["stratum"]):
        rows = (X["stratum"] == s).to_numpy()
        g, lab, ws = X["group"].to_numpy()[rows], y[rows], w[rows]
        joint = pd.crosstab(g, lab, values=ws, aggfunc="sum").fillna(0.0)
        if (pd.crosstab(g, lab) == 0).to_numpy().any():
            continue  # independence cannot be reached with an empty cell
        p = joint.to_numpy() / ws.sum()
        assert_allclose(p, np.outer(p.sum(1), p.sum(0)), atol=1e-9)


@SETTINGS
@given(tables())
def test_joint_cells_equal_within_strata(data):
    X, y, sw = data
    w = GroupBalancedWeighter(groups="group", strata="stratum", balance="joint")
    w = w.fit_weight(X, y, sample_weight=sw)
    for _, cells in _sums(w, X["stratum"], X["group"], y).groupby(level=0):
        assert_allclose(cells, cells.iloc[0], rtol=1e-9)


@SETTINGS
@given(tables())
def test_mean_normalization_keeps_incoming_total(data):
    X, y, sw = data
    base = np.ones(len(y)) if sw is None else sw
    for est in (
        GroupBalancedWeighter(groups="group", balance="joint", scheme="sqrt_inverse"),
        EffectiveNumberWeighter(strata="stratum", beta=0.99),
    ):
        assert_allclose(est.fit_weight(X, y, sample_weight=sw).sum(), base.sum())


@SETTINGS
@given(tables(), st.data())
def test_integer_weights_equal_repeated_rows(data, draw):
    """Protects scikit-learn's sample-weight semantics: weight k == k copies."""
    X, y, _ = data
    k = np.array(draw.draw(st.lists(st.integers(0, 3), min_size=len(y), max_size=len(y))))
    if k.sum() == 0:
        return
    est = GroupBalancedWeighter(
        groups="group", strata="stratum", balance="independence", scheme="log_inverse"
    )
    w = est.fit_weight(X, y, sample_weight=k)
    rows = np.repeat(np.arange(len(y)), k)
    w_rep = est.fit_weight(X.iloc[rows], y[rows])
    kept = k > 0
    assert_allclose(w[kept] / k[kept], w_rep[np.cumsum(k)[kept] - 1], rtol=1e-9)


@SETTINGS
@given(tables())
def test_label_inverse_is_sklearn_balanced(data):
    _, y, _ = data
    assert_allclose(
        GroupBalancedWeighter().fit_weight(None, y),
        compute_sample_weight("balanced", y),
        rtol=0,
        atol=0,
    )


@SETTINGS
@given(tables(min_rows=2))
def test_effective_number_limits(data):
    """beta -> 0: uniform weights; beta -> 1: inverse-frequency weights."""
    X, y, _ = data
    near_zero = EffectiveNumberWeighter(beta=1e-9, strata="stratum").fit_weight(X, y)
    assert_allclose(near_zero, 1.0, rtol=1e-6)
    near_one = EffectiveNumberWeighter(beta=1 - 1e-9, strata="stratum").fit_weight(X, y)
    inverse = GroupBalancedWeighter(strata="stratum").fit_weight(X, y)
    assert_allclose(near_one, inverse, rtol=1e-5)


@SETTINGS
@given(tables(min_rows=2), st.data())
def test_partial_fit_chunks_equal_fit(data, draw):
    """Protects out-of-core use: counts from chunks merge exactly."""
    X, y, sw = data
    cuts = sorted(draw.draw(st.lists(st.integers(1, len(y) - 1), max_size=3)))
    bounds = [0, *cuts, len(y)]

    def make():
        return GroupBalancedWeighter(
            groups="group", strata="stratum", balance="independence"
        )

    chunked = make()
    for a, b in zip(bounds[:-1], bounds[1:]):
        if a == b:
            continue
        part_w = None if sw is None else sw[a:b]
        chunked.partial_fit(X.iloc[a:b], y[a:b], sample_weight=part_w)
    whole = make().fit(X, y, sample_weight=sw)
    assert_allclose(
        chunked.weight(X, y, sample_weight=sw),
        whole.weight(X, y, sample_weight=sw),
        rtol=1e-12,
    )


@SETTINGS
@given(tables(), st.floats(0.0, 1.0))
def test_strength_keeps_strata_totals(data, strength):
    X, y, _ = data
    w = GroupBalancedWeighter(
        groups="group", strata="stratum", strength=strength
    ).fit_weight(X, y)
    assert_allclose(_sums(w, X["stratum"]), _sums(np.ones(len(y)), X["stratum"]))


@SETTINGS
@given(tables(), st.floats(1.0, 5.0))
def test_max_weight_keeps_strata_totals(data, cap):
    X, y, _ = data
    w = GroupBalancedWeighter(strata="stratum", balance="label", max_weight=cap).fit_weight(
        X, y
    )
    assert_allclose(_sums(w, X["stratum"]), _sums(np.ones(len(y)), X["stratum"]))
