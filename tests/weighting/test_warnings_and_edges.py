"""Weights that warn before they hurt, and the edge cases of extreme inputs."""

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from skweight import EpochResampler, GroupBalancedWeighter
from skweight.datasets import load_adult, make_product_reviews
from skweight.diagnostics import balance_report, effective_sample_size, weight_warnings
from skweight.exceptions import WeightingWarning
from skweight.weighting.health import THRESHOLDS


def _caught(func):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = func()
    return result, [str(w.message) for w in caught if w.category is WeightingWarning]


@pytest.fixture(scope="module")
def adult():
    return load_adult()


# ---------------------------------------------------------------------- #
# WeightingWarning
# ---------------------------------------------------------------------- #
def test_three_blank_cells_carrying_a_third_of_the_weight_warn(adult):
    X = adult[["sex"]].astype(object)
    X.loc[X.index[:3], "sex"] = None
    weighter = GroupBalancedWeighter(groups="sex", handle_missing="category")
    w, messages = _caught(lambda: weighter.fit_weight(X, adult["income"]))
    assert len(messages) == 3
    ess = effective_sample_size(w)
    assert ess < 30
    assert f"effective sample size (Kish) of {ess:,.1f} of 32,561 rows" in messages[0]
    assert "sex=nan (3 rows, 0.01% of the rows, carry 33.3% of the weight)" in messages[1]
    assert "sex=nan (3 row(s)" in messages[2] and "max_weight" in messages[2]
    # The advice works: a cap removes the warnings about weight on few rows.
    capped = GroupBalancedWeighter(groups="sex", handle_missing="category", max_weight=5)
    _, messages = _caught(lambda: capped.fit_weight(X, adult["income"]))
    assert not any("carry a large share" in m for m in messages)


def test_intersectional_groups_within_countries_warn(adult):
    weighter = GroupBalancedWeighter(
        groups=["sex", "race"], strata="native_country", handle_missing="category"
    )
    _, messages = _caught(lambda: weighter.fit(adult, adult["income"]))
    assert any(
        "effective sample size (Kish) of 1,904.6 of 32,561 rows" in m for m in messages
    )
    assert any("up-weighted: native_country='Mexico'" in m for m in messages)


@pytest.mark.parametrize(
    "make",
    [
        lambda r: GroupBalancedWeighter(groups="gender", strata="category").fit(r),
        lambda r: GroupBalancedWeighter().fit(None, np.repeat([0, 1], [4950, 50])),
        lambda r: GroupBalancedWeighter(balance="joint", groups="gender").fit(
            r, r["rating"]
        ),
    ],
)
def test_ordinary_weightings_do_not_warn(make):
    reviews = make_product_reviews(4000, random_state=0)
    _, messages = _caught(lambda: make(reviews))
    assert messages == []


def test_each_check_at_its_threshold():
    # ESS share: two groups, the smaller with share p: ESS / n = 4 p (1 - p).
    p = 0.05  # 4 p (1 - p) = 0.19 < 0.25
    g = np.repeat([0, 1], [int(1000 * (1 - p)), int(1000 * p)])
    weighter = GroupBalancedWeighter(groups=0)
    _, messages = _caught(lambda: weighter.fit(g.reshape(-1, 1)))
    assert any("effective sample size (Kish) of 190.0 of 1,000 rows" in m for m in messages)
    p = 0.1  # 0.36: no warning
    g = np.repeat([0, 1], [900, 100])
    _, messages = _caught(lambda: weighter.fit(g.reshape(-1, 1)))
    assert messages == []
    # A tiny cell: fewer than min_count rows at more than tiny_ratio x the mean.
    y = np.repeat([0, 1], [100 - THRESHOLDS["min_count"] + 1, THRESHOLDS["min_count"] - 1])
    _, messages = _caught(lambda: GroupBalancedWeighter().fit(None, y))
    assert [m.split(":")[0] for m in messages] == [
        "1 cell(s) of fewer than 5 rows are up-weighted"
    ]
    y = np.repeat([0, 1], [95, 5])
    _, messages = _caught(lambda: GroupBalancedWeighter().fit(None, y))
    assert messages == []


def test_partial_fit_does_not_warn_and_weight_warnings_tells_after(adult):
    weighter = GroupBalancedWeighter(
        groups=["sex", "race"], strata="native_country", handle_missing="category"
    )
    _, messages = _caught(
        lambda: [
            weighter.partial_fit(chunk, chunk["income"])
            for chunk in (adult[:10000], adult[10000:])
        ]
    )
    assert messages == []
    _, expected = _caught(
        lambda: GroupBalancedWeighter(**weighter.get_params()).fit(adult, adult["income"])
    )
    assert weight_warnings(weighter) == expected
    with pytest.raises(Exception, match="not fitted"):
        weight_warnings(GroupBalancedWeighter())


def test_warnings_filter_as_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error", WeightingWarning)
        with pytest.raises(WeightingWarning, match="up-weighted"):
            GroupBalancedWeighter().fit(None, [0] * 98 + [1] * 2)


def test_balance_report_summarises_the_weights():
    reviews = make_product_reviews(2000, random_state=0)
    w = GroupBalancedWeighter(groups="gender", strata="category").fit_weight(reviews)
    attrs = balance_report(reviews, None, w, groups="gender", strata="category").attrs
    assert attrs["ess_share"] == pytest.approx(effective_sample_size(w) / 2000)
    assert attrs["design_effect"] == pytest.approx(1 / attrs["ess_share"])
    assert (attrs["weight_min"], attrs["weight_max"]) == (w.min(), w.max())
    shares = pd.Series(w).groupby([reviews["category"], reviews["gender"]]).sum() / w.sum()
    assert attrs["largest_cell_share"] == pytest.approx(shares.max())


# ---------------------------------------------------------------------- #
# Edge cases, each failing before its fix
# ---------------------------------------------------------------------- #
def test_a_missing_group_unseen_at_fit_is_an_unknown_level():
    X = pd.DataFrame({"g": ["a", "b", "a", "b"]})
    new = pd.DataFrame({"g": ["a", None]})
    ignore = GroupBalancedWeighter(
        groups="g", handle_missing="category", handle_unknown="ignore"
    ).fit(X)
    assert_allclose(ignore.weight(new), [1.0, 1.0])
    strict = GroupBalancedWeighter(groups="g", handle_missing="category").fit(X)
    with pytest.raises(ValueError, match=r"not seen during fit: \[nan\]"):
        strict.weight(new)


@pytest.mark.parametrize("name", ["count", "weighted_count", "factor", "share_after"])
def test_a_key_column_named_like_a_table_column_is_refused(name):
    X = pd.DataFrame({name: ["a", "b", "a", "b"]})
    with pytest.raises(
        ValueError,
        match=f"The key column '{name}' has the name of a "
        "column of GroupBalancedWeighter's tables",
    ):
        GroupBalancedWeighter(groups=name).fit(X)


def test_a_label_named_like_a_column_gets_another_name():
    X = pd.DataFrame({"label": ["a", "b", "a", "b"]})
    table = (
        GroupBalancedWeighter(groups="label", balance="joint")
        .fit(X, pd.Series([0, 1, 1, 0], name="count"))
        .weight_table_
    )
    assert list(table.columns) == ["label", "label_", "count", "weighted_count", "factor"]
    assert table["label"].tolist() == ["a", "a", "b", "b"]


def test_a_callable_scheme_of_zeros_is_refused():
    with pytest.raises(ValueError, match="returned only zeros"):
        GroupBalancedWeighter(scheme=lambda c: np.zeros_like(c, dtype=float)).fit(
            None, [0, 1, 1]
        )


def test_the_epoch_range_is_checked():
    rs = EpochResampler("under", random_state=0).fit(None, [0, 0, 1])
    assert rs.epoch_indices(2**63 - 1).size == 2
    with pytest.raises(ValueError, match=r"epoch must be in \[0, 2\*\*63 - 1\]"):
        rs.epoch_indices(2**63)


@pytest.mark.parametrize(
    "counts, cap", [([51490] + [490] * 99, 2.0), ([9] + [3] * 10, 1.1), ([100, 10, 1], 3.0)]
)
def test_max_weight_holds_exactly(counts, cap):
    y = np.repeat(np.arange(len(counts)), counts)
    w = GroupBalancedWeighter(max_weight=cap).fit_weight(None, y)
    assert w.max() <= cap * w.mean()
    assert w.max() == pytest.approx(cap * w.mean(), rel=1e-12)
    assert w.sum() == pytest.approx(len(y), rel=1e-12)


def test_max_weight_is_the_limit_of_clipping_and_rescaling():
    rng = np.random.default_rng(4)
    s = rng.integers(0, 5, 4000)
    g = (rng.random(4000) < 0.03 + 0.15 * s).astype(int)
    X = pd.DataFrame({"s": s, "g": g})
    cap = 2.5
    w = GroupBalancedWeighter(groups="g", strata="s", max_weight=cap).fit_weight(X)
    # The same by brute force: clip and rescale each stratum until it holds.
    f = GroupBalancedWeighter(groups="g", strata="s").fit_weight(X)
    for _ in range(2000):
        f = np.minimum(f, cap)
        f *= np.bincount(s)[s] / np.bincount(s, f)[s]
    assert_allclose(w, f, rtol=1e-9)
    assert w.max() <= cap
    assert_allclose(np.bincount(s, w), np.bincount(s))


def test_extreme_magnitudes():
    X = pd.DataFrame({"s": [0] * 4 + [1] * 4, "g": [0, 1] * 4})
    sw = np.array([1e-300, 1e300, 1, 1, 1, 1, 1, 1.0])
    w = GroupBalancedWeighter(groups="g", strata="s", balance="independence").fit_weight(
        X, [0, 0, 1, 1, 0, 1, 1, 0], sample_weight=sw
    )
    assert np.all(np.isfinite(w)) and np.all(w > 0)
    assert_allclose(w[4:], 1.0)  # the other stratum untouched
    with pytest.raises(ValueError, match="weighted counts overflow"):
        GroupBalancedWeighter().fit(None, [0, 1, 0, 1], sample_weight=[1e308] * 3 + [1])
    assert effective_sample_size([1e200, 1e200]) == 2.0
    assert effective_sample_size([1e-200, 1e-200]) == 2.0
    assert effective_sample_size([3, 1, 1, 1]) == 3.0


def test_partial_fit_agrees_with_fit_as_documented():
    y, sw = np.array([0, 0, 0, 1]), np.array([0.1, 0.2, 0.3, 1.0])
    whole = GroupBalancedWeighter().fit(None, y, sample_weight=sw)
    chunks = GroupBalancedWeighter().partial_fit(None, y[:1], sample_weight=sw[:1])
    chunks.partial_fit(None, y[1:], sample_weight=sw[1:])
    assert_allclose(
        chunks.weight(None, y, sample_weight=sw),
        whole.weight(None, y, sample_weight=sw),
        rtol=1e-15,
    )
    ints = np.array([1, 2, 3, 4])  # whole numbers: bit for bit
    whole = GroupBalancedWeighter().fit(None, y, sample_weight=ints)
    chunks = GroupBalancedWeighter().partial_fit(None, y[:1], sample_weight=ints[:1])
    chunks.partial_fit(None, y[1:], sample_weight=ints[1:])
    assert np.array_equal(chunks.weight(None, y), whole.weight(None, y))


@pytest.mark.parametrize("y", [np.linspace(0, 1, 7), pd.Series([0.5, 1.0, 2.0])])
def test_continuous_y_is_refused_with_a_hint(y):
    with pytest.raises(ValueError, match=r"y looks continuous.*pandas.cut"):
        GroupBalancedWeighter().fit(None, y)
    assert_allclose(
        GroupBalancedWeighter().fit_weight(None, np.array([0.0, 1.0, 1.0])),
        [1.5, 0.75, 0.75],
    )


def test_unseen_classes_can_weigh_zero_as_in_scikit_learn():
    from sklearn.utils.class_weight import compute_sample_weight

    y = np.repeat([0, 1, 2], [30, 10, 5])
    indices = np.r_[0:30, 30:40]  # a subsample without class 2
    expected = compute_sample_weight("balanced", y, indices=indices)
    weighter = GroupBalancedWeighter(handle_unknown="zero").fit(None, y[indices])
    assert_allclose(weighter.weight(None, y), expected, rtol=1e-12)
    assert np.all(expected[y == 2] == 0)


def test_a_callable_scheme_may_return_any_numbers_and_bad_ones_are_named():
    from fractions import Fraction

    from sklearn.utils.class_weight import compute_sample_weight

    y = np.repeat([0, 1], [3, 1])
    w = GroupBalancedWeighter(scheme=lambda n: [Fraction(1, int(c)) for c in n]).fit_weight(
        None, y
    )
    assert np.allclose(w, compute_sample_weight("balanced", y))
    many = np.repeat(np.arange(7), 2)
    with pytest.raises(
        ValueError,
        match=r"must return finite, non-negative factors; "
        r"got \[-1\. -1\. -1\. -1\. -1\.\]\.$",
    ):
        GroupBalancedWeighter(scheme=lambda n: -np.ones_like(n, dtype=float)).fit(
            None, many
        )
    with pytest.raises(ValueError, match=r"got \[nan\]\.$"):
        GroupBalancedWeighter(scheme=lambda n: np.r_[np.nan, np.ones(len(n) - 1)]).fit(
            None, many
        )
    with pytest.raises(
        ValueError,
        match=r"returned only zeros: every weight would be 0\. "
        r"Return a positive factor for at least one count\.$",
    ):
        GroupBalancedWeighter(scheme=lambda n: np.zeros(len(n))).fit(None, many)
    zero_and_one = GroupBalancedWeighter(scheme=lambda n: (n > 2).astype(float))
    assert zero_and_one.fit_weight(None, np.repeat([0, 1], [3, 2])).tolist() == [
        5 / 3,
        5 / 3,
        5 / 3,
        0,
        0,
    ]


def test_only_the_bad_factors_are_shown():
    many = np.repeat(np.arange(3), 2)
    with pytest.raises(ValueError, match=r"got \[-2\.\]\.$"):
        GroupBalancedWeighter(scheme=lambda n: np.array([0.0, -2.0, 0.5])).fit(None, many)


def test_warn_thresholds_are_parameters_not_process_state():
    y = np.repeat([0, 1], [97, 3])  # a class of 3 rows, up-weighted
    with pytest.warns(WeightingWarning, match="fewer than 5 rows"):
        GroupBalancedWeighter().fit(None, y)
    quiet = GroupBalancedWeighter(warn_thresholds={"min_count": 2})
    with warnings.catch_warnings():
        warnings.simplefilter("error", WeightingWarning)
        quiet.fit(None, y)  # 3 rows is not fewer than 2: no warning
    assert weight_warnings(quiet) == []
    assert weight_warnings(quiet, thresholds={"min_count": 5})[0].startswith(
        "1 cell(s) of fewer than 5 rows"
    )
    with pytest.raises(TypeError):
        THRESHOLDS["min_count"] = 2  # read-only: no global switch
    with pytest.raises(ValueError, match=r"Unknown warning threshold\(s\) \['min_rows'\]"):
        weight_warnings(quiet, thresholds={"min_rows": 2})
    with pytest.raises(ValueError, match="warn_thresholds"):
        GroupBalancedWeighter(warn_thresholds=[1]).fit(None, y)


def test_many_tiny_cells_name_the_three_heaviest_ties_in_table_order():
    # 40 strata, each with 50 rows of group 0 and k of group 1 (k = 1 in strata
    # 5, 17, 23 and 30, else 2 to 4): 40 tiny cells, the heaviest (k = 1) named
    # in the table's order, the rest counted.
    k = np.array([2, 3, 4, 2, 3, 2, 4, 2] * 5)
    k[[5, 17, 23, 30]] = 1
    s = np.repeat(np.arange(40), 50 + k)
    g = np.concatenate([np.repeat([0, 1], [50, n]) for n in k])
    X = pd.DataFrame({"s": s, "g": g})
    _, messages = _caught(
        lambda: GroupBalancedWeighter(groups="g", strata="s").fit(X, np.zeros(len(s)))
    )
    tiny = [m for m in messages if "up-weighted" in m]
    assert len(tiny) == 1
    assert tiny[0].startswith("40 cell(s) of fewer than 5 rows are up-weighted: ")
    shown = tiny[0].split(": ", 1)[1].split(" and 37 more")[0].split("; ")
    assert [part.split(" (")[0] for part in shown] == ["s=5, g=1", "s=17, g=1", "s=23, g=1"]


def test_lacking_units_count_the_combinations_that_occur_anywhere():
    from skweight.engine.modes import MODES
    from skweight.weighting.health import lacking_units

    joint = MODES["joint"]
    # Groups {0, 1} x labels {0, 1}, but only (0, 0) and (1, 1) occur: no stratum
    # lacks a unit; with (0, 1) in a third stratum, the first two lack it.
    stratum, group, label = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), [0, 1, 0, 1]
    assert lacking_units(stratum, group, np.array(label), joint).tolist() == [0, 0]
    stratum, group = np.append(stratum, 2), np.append(group, 0)
    label = np.array([*label, 1])
    assert lacking_units(stratum, group, label, joint).tolist() == [1, 1, 2]
    # A stratum with every combination: the others lack what it has.
    full = lacking_units(
        np.array([0, 0, 0, 0, 1]),
        np.array([0, 0, 1, 1, 1]),
        np.array([0, 1, 0, 1, 0]),
        joint,
    )
    assert full.tolist() == [0, 3]
