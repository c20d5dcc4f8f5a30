"""The balance report, its plot and the effective sample size, by hand."""

import sys

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression

from skweight import EffectiveNumberWeighter, GroupBalancedWeighter
from skweight.datasets import make_product_reviews
from skweight.diagnostics import (
    ChunkedBalanceReport,
    balance_report,
    effective_sample_size,
    plot_balance,
    weighter_report,
)

# Six rows and weights; the numbers below are worked out from these.
#   row:       0    1    2    3    4    5
#   category:  a    a    a    a    b    b
#   gender:    f    f    f    m    f    m
#   y:         1    0    1    1    1    0
#   w:         1    2    1    4    1    3
# cells (category, gender, y): rows, weight sum
#   (a, f, 0): 1, 2    (a, f, 1): 2, 2    (a, m, 1): 1, 4
#   (b, f, 1): 1, 1    (b, m, 0): 1, 3
# stratum a: 4 rows, weight 8, sum w^2 = 22; stratum b: 2 rows, 4, 10.
X = pd.DataFrame({"category": list("aaaabb"), "gender": list("fffmfm")})
y = pd.Series([1, 0, 1, 1, 1, 0], name="y")
w = np.array([1.0, 2.0, 1.0, 4.0, 1.0, 3.0])

KEYS = ["category", "gender", "y"]
CELLS = [("a", "f", 0), ("a", "f", 1), ("a", "m", 1), ("b", "f", 1), ("b", "m", 0)]


def _by_cell(report, column):
    values = report.set_index(KEYS)[column]
    return np.array([values.loc[cell] for cell in CELLS])


def test_counts_and_shares_by_hand():
    report = balance_report(X, y, w, groups="gender", strata="category")
    assert list(report.columns) == KEYS + [
        "count",
        "weight_sum",
        "share_before",
        "share_after",
        "deviation",
        "max_deviation",
        "stratum_ess",
        "balanceable",
    ]
    assert report["balanceable"].all() and report.attrs["unbalanceable_strata"] == 0
    assert_array_equal(_by_cell(report, "count"), [1, 2, 1, 1, 1])
    assert_allclose(_by_cell(report, "weight_sum"), [2, 2, 4, 1, 3])
    assert_allclose(_by_cell(report, "share_before"), [0.25, 0.5, 0.25, 0.5, 0.5])
    assert_allclose(_by_cell(report, "share_after"), [0.25, 0.25, 0.5, 0.25, 0.75])
    # Kish: (sum w)^2 / sum w^2 per stratum and overall.
    assert_allclose(_by_cell(report, "stratum_ess"), [64 / 22] * 3 + [16 / 10] * 2)
    assert report.attrs["ess"] == pytest.approx(144 / 32)
    assert report.attrs["ess"] == pytest.approx(effective_sample_size(w))
    assert report.attrs["n_samples"] == 6
    assert report.attrs["weight_sum"] == pytest.approx(12.0)
    assert report.attrs["strata"] == ["category"]
    assert report.attrs["groups"] == ["gender"]
    assert report.attrs["label"] == "y"


@pytest.mark.parametrize(
    "balance, deviation, largest",
    [
        # groups: f and m each 1/2 of stratum a; in b f has 1/4, m 3/4.
        ("groups", [0, 0, 0, -0.25, 0.25], 0.25),
        # joint: target 1/3 per cell in a (3 cells), 1/2 in b.
        ("joint", [0.25 - 1 / 3, 0.25 - 1 / 3, 0.5 - 1 / 3, -0.25, 0.25], 0.25),
        # label: class 0 holds 1/4 of a's weight, class 1 3/4; in b 3/4 and 1/4.
        ("label", [-0.25, 0.25, 0.25, -0.25, 0.25], 0.25),
        # independence: share - P(g) P(y), all weighted, within the stratum.
        (
            "independence",
            [
                0.25 - 0.5 * 0.25,
                0.25 - 0.5 * 0.75,
                0.5 - 0.5 * 0.75,
                0.25 - 0.25 * 0.25,
                0.75 - 0.75 * 0.75,
            ],
            0.1875,
        ),
    ],
)
def test_deviation_by_hand(balance, deviation, largest):
    report = balance_report(X, y, w, groups="gender", strata="category", balance=balance)
    assert_allclose(_by_cell(report, "deviation"), deviation, atol=1e-12)
    assert report.attrs["max_deviation"] == pytest.approx(largest)
    assert report.attrs["balance"] == balance


def test_auto_balance_follows_the_weighters_default():
    assert balance_report(X, y, groups="gender").attrs["balance"] == "groups"
    assert balance_report(X, y).attrs["balance"] == "label"


def test_without_weights_after_equals_before():
    report = balance_report(X, y, groups="gender", strata="category")
    assert_allclose(report["share_after"], report["share_before"])
    assert report.attrs["ess"] == pytest.approx(6.0)


def test_groups_only_and_label_only():
    groups = balance_report(X, sample_weight=w, groups="gender")
    assert list(groups.columns[:1]) == ["gender"]
    assert_array_equal(groups["count"], [4, 2])
    assert_allclose(groups["share_after"], [5 / 12, 7 / 12])
    labels = balance_report(None, y, w)
    assert list(labels.columns[:1]) == ["y"]
    assert_allclose(labels.set_index("y")["weight_sum"].loc[[0, 1]], [5, 7])


def test_keys_as_arrays():
    report = balance_report(
        None, y, w, sensitive_features=X["gender"], strata_features=X["category"]
    )
    expected = balance_report(X, y, w, groups="gender", strata="category")
    pd.testing.assert_frame_equal(report, expected)


def test_balanced_weights_have_no_deviation():
    reviews = make_product_reviews(3000, random_state=0)
    for balance in ("groups", "joint", "independence"):
        weighter = GroupBalancedWeighter(
            groups="gender", strata="category", balance=balance
        )
        weights = weighter.fit_weight(reviews, reviews["rating"])
        report = balance_report(
            reviews,
            reviews["rating"],
            weights,
            groups="gender",
            strata="category",
            balance=balance,
        )
        assert report.attrs["max_deviation"] < 1e-12
        # Each stratum keeps its share of the total weight.
        by_stratum = report.groupby("category")[["count", "weight_sum"]].sum()
        assert_allclose(by_stratum["weight_sum"], by_stratum["count"])


def test_weighter_report_equals_report_of_its_weights():
    reviews = make_product_reviews(2000, random_state=1)
    weighter = EffectiveNumberWeighter(
        beta=0.99, groups="gender", strata="category", balance="joint"
    )
    weights = weighter.fit_weight(reviews, reviews["rating"])
    from_table = weighter_report(weighter)
    from_rows = balance_report(
        reviews,
        reviews["rating"],
        weights,
        groups="gender",
        strata="category",
        balance="joint",
    )
    pd.testing.assert_frame_equal(from_table, from_rows, check_exact=False, rtol=1e-10)
    assert from_table.attrs["ess"] == pytest.approx(effective_sample_size(weights))


def test_weighter_report_with_incoming_weights():
    weighter = GroupBalancedWeighter(groups="gender").fit(X, y, sample_weight=w)
    report = weighter_report(weighter)
    # before: shares of the incoming weights (f: 5, m: 7); after: balanced.
    assert_allclose(report["share_before"], [5 / 12, 7 / 12])
    assert_allclose(report["share_after"], [0.5, 0.5])
    # ESS of the factors over the weighted counts: (sum W f)^2 / sum W f^2.
    factor = weighter.weight_table_["factor"].to_numpy()
    counts = np.array([5.0, 7.0])
    expected = (counts @ factor) ** 2 / (counts @ factor**2)
    assert report.attrs["ess"] == pytest.approx(expected)


def test_weighter_report_balance_override_and_unfitted():
    weighter = GroupBalancedWeighter(groups="gender", balance="joint").fit(X, y)
    assert weighter_report(weighter).attrs["balance"] == "joint"
    assert weighter_report(weighter, balance="label").attrs["balance"] == "label"
    assert weighter_report(weighter, balance="auto").attrs["balance"] == "joint"
    with pytest.raises(ValueError, match="parameter of weighter_report"):
        weighter_report(weighter, balance="cells")
    with pytest.raises(NotFittedError):
        weighter_report(GroupBalancedWeighter())
    with pytest.raises(NotFittedError):
        weighter_report(LogisticRegression())


def test_multilabel_classes_are_strata():
    Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0], [1, 0], [0, 1]])
    report = balance_report(X, Y, groups="gender")
    assert report.attrs["strata"] == ["class"]
    assert report.attrs["n_samples"] == 6
    # Inside class 0: rows 0, 2, 4 positive (all f), rows 1, 3, 5 negative.
    class0 = report[report["class"] == 0]
    assert class0["count"].sum() == 6


def test_chunks_add_up_to_one_go_even_with_zero_weight_chunks():
    weights = w.copy()
    weights[:2] = 0.0
    totals = ChunkedBalanceReport(groups="gender", strata="category", use_label=True)
    for rows in (slice(0, 2), slice(2, 4), slice(4, 6)):
        totals.add(X.iloc[rows], y.iloc[rows], weights[rows])
    chunked = totals.report().set_index(KEYS).sort_index()
    whole = (
        balance_report(X, y, weights, groups="gender", strata="category")
        .set_index(KEYS)
        .sort_index()
    )
    pd.testing.assert_frame_equal(chunked, whole, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((X,), {}, "needs groups, a label or both"),
        ((X, None, w), {"groups": "gender", "balance": "joint"}, "needs the label"),
        ((X, y, w), {"balance": "groups"}, "needs groups"),
        (
            (X, y, w),
            {"groups": "gender", "balance": "both"},
            "The 'balance' parameter of balance_report must be one of .* Got 'both'",
        ),
        ((X, y, np.ones((6, 2))), {"groups": "gender"}, "sample_weight must be 1-D"),
        (
            (X, y, -w),
            {"groups": "gender"},
            "sample_weight must hold finite, non-negative numbers; row 0",
        ),
        ((X, y, w), {"groups": "gendr"}, "Column 'gendr' given in groups is not in X"),
    ],
)
def test_bad_inputs(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        balance_report(*args, **kwargs)


def test_missing_values_as_a_category():
    X_missing = X.assign(gender=["f", None, "f", "m", "f", "m"])
    with pytest.raises(ValueError, match="Column 'gender' has 1 missing"):
        balance_report(X_missing, y, groups="gender")
    report = balance_report(X_missing, y, groups="gender", handle_missing="category")
    assert report["gender"].isna().sum() == 1


def test_effective_sample_size():
    assert effective_sample_size(np.ones(7)) == 7.0
    assert effective_sample_size([2.0, 0.0]) == 1.0
    assert effective_sample_size([0.0, 0.0]) == 0.0
    with pytest.raises(ValueError, match="1-D"):
        effective_sample_size(np.ones((2, 2)))
    with pytest.raises(ValueError, match="non-negative"):
        effective_sample_size([1.0, -1.0])


def test_plot_balance():
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    report = balance_report(X, y, w, groups="gender", strata="category")
    figure = plot_balance(report, sample_weight=w)
    assert isinstance(figure, Figure)
    before, after, hist = figure.axes[:3]
    # The most unbalanced stratum before weighting on top.
    labels = [t.get_text() for t in before.get_yticklabels()]
    spread = {
        s: abs(
            report[report.category == s].groupby("gender")["share_before"].sum() - 0.5
        ).max()
        for s in ("a", "b")
    }
    assert labels == sorted(spread, key=spread.get, reverse=True)
    # Stacked bars: one per stratum and group; widths are the group shares.
    widths = {(p.get_y(), round(p.get_x(), 6)): p.get_width() for p in after.patches}
    assert_allclose(sorted(widths.values()), sorted([0.5, 0.25, 0.5, 0.75]))
    assert sum(p.get_height() for p in hist.patches) == pytest.approx(6)
    # Without weights: each cell's rows at their mean weight.
    figure = plot_balance(balance_report(X, y, strata="category"))
    assert sum(p.get_height() for p in figure.axes[2].patches) == pytest.approx(6)


def test_plot_balance_at_many_strata_is_capped_sorted_and_readable():
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(0)
    n = 6000
    stratum = rng.integers(0, 60, n)
    female = rng.random(n) < 0.05 + 0.9 * stratum / 59
    X60 = pd.DataFrame(
        {"s": [f"s{k:02d}" for k in stratum], "g": np.where(female, "f", "m")}
    )
    report = balance_report(X60, None, groups="g", strata="s")
    figure = plot_balance(report, max_strata=20)
    before = figure.axes[0]
    labels = [t.get_text() for t in before.get_yticklabels()]
    assert len(labels) == 20 and "20 of 60 strata" in figure.get_suptitle()
    shares = report.groupby(["s", "g"])["share_before"].sum().unstack()
    spread = (shares - 0.5).abs().max(axis=1).sort_values(ascending=False)
    assert set(labels) == set(spread.index[:20])
    width, height = figure.get_size_inches()
    assert width == 12 and height < 10  # not a 2400-px-wide strip
    assert len(figure.axes[2].get_xticks()) <= 7
    assert len(plot_balance(report, max_strata=None).axes[0].get_yticks()) == 60
    with pytest.raises(ValueError, match="max_strata"):
        plot_balance(report, max_strata=0)


def test_plot_balance_names_multilabel_classes():
    pytest.importorskip("matplotlib")
    Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    report = balance_report(None, Y)
    figure = plot_balance(report, class_names=["toxic", "spam"])
    labels = {t.get_text() for t in figure.axes[0].get_yticklabels()}
    assert labels == {"toxic", "spam"}
    legend = [t.get_text() for t in figure.axes[1].get_legend().get_texts()]
    assert legend == ["absent", "present"]


def test_plot_balance_needs_a_report_and_matplotlib(monkeypatch):
    with pytest.raises(ValueError, match="from balance_report or weighter_report"):
        plot_balance(pd.DataFrame({"count": [1]}))
    report = balance_report(X, y, groups="gender")
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install skweight\[plot\]"):
        plot_balance(report)


def test_chunked_report_refuses_chunks_of_other_cells_and_bad_weights():
    report = ChunkedBalanceReport(groups="gender", strata="category")
    report.add(X.iloc[:3], y.iloc[:3], w[:3])
    with pytest.raises(ValueError, match="These rows make the cells"):
        report.add(X.iloc[3:], y.iloc[3:].rename("other"), w[3:])  # another label
    with pytest.raises(ValueError, match="sample_weight must hold finite, non-negative"):
        report.add(X.iloc[3:], y.iloc[3:], np.array([1.0, np.inf, 1.0]))
    with pytest.raises(ValueError, match="3 weights for 2 rows"):
        report.add(X.iloc[4:], y.iloc[4:], np.ones(3))
    with pytest.raises(ValueError, match="No rows were added"):
        ChunkedBalanceReport(groups="gender").report()
