"""Strata that cannot be balanced are said so: a warning, a report column, --strict.

A category where a gender is absent or alone has a deviation of 0 (nothing to
compare), which read as "balanced"; balancing did nothing there.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from skweight import GroupBalancedWeighter
from skweight.diagnostics import balance_report, weight_warnings, weighter_report
from skweight.exceptions import WeightingWarning

# category a: f and m; b: only f (m absent); c: f, m
X = pd.DataFrame({"category": list("aaabbbccc"), "gender": list("fmfffffmm")})
y = np.array([0, 1, 0, 1, 0, 1, 0, 1, 1])


def _messages(weighter, *args):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        weighter.fit(*args)
    return [str(w.message) for w in caught if issubclass(w.category, WeightingWarning)]


def test_a_stratum_without_a_group_is_warned_and_named():
    messages = _messages(GroupBalancedWeighter(groups="gender", strata="category"), X)
    assert any(
        "1 of 3 strata cannot be balanced" in m and "category='b'" in m for m in messages
    ), messages


def test_the_same_from_weight_warnings_after_partial_fit():
    weighter = GroupBalancedWeighter(groups="gender", strata="category")
    weighter.partial_fit(X.iloc[:4]).partial_fit(X.iloc[4:])
    assert any("category='b' (which lacks 1 group)" in m for m in weight_warnings(weighter))


@pytest.mark.parametrize(
    "balance, lacks", [("label", "class"), ("joint", "group x label cell")]
)
def test_label_and_joint_units(balance, lacks):
    # category b has only label 1 for f... joint: (b, m, *) cells are absent
    messages = _messages(
        GroupBalancedWeighter(
            groups="gender" if balance != "label" else None,
            strata="category",
            balance=balance,
        ),
        X,
        np.where(X["category"] == "b", 1, y),
    )
    assert any(
        f"which lacks 1 {lacks}" in m or f"which lacks 2 {lacks}s" in m for m in messages
    ), messages


def test_every_stratum_its_own_row_balances_nothing_and_says_so():
    """--strata category,id: each stratum one row, every weight 1; not "balanced"."""
    X2 = X.assign(id=range(len(X)))
    weighter = GroupBalancedWeighter(groups="gender", strata=["category", "id"])
    messages = _messages(weighter, X2)
    assert np.all(weighter.fit_weight(X2) == 1.0)
    assert any(f"{len(X)} of {len(X)} strata cannot be balanced" in m for m in messages)
    report = weighter_report(weighter)
    assert report.attrs["max_deviation"] == 0.0
    assert report.attrs["unbalanceable_strata"] == len(X)
    assert not report["balanceable"].any()


def test_balanced_strata_do_not_warn():
    full = X[X["category"] != "b"]
    messages = _messages(GroupBalancedWeighter(groups="gender", strata="category"), full)
    assert not any("cannot be balanced" in m for m in messages)
    assert (
        weighter_report(
            GroupBalancedWeighter(groups="gender", strata="category").fit(full)
        ).attrs["unbalanceable_strata"]
        == 0
    )


def test_the_report_column_marks_the_strata():
    w = GroupBalancedWeighter(groups="gender", strata="category").fit_weight(X)
    report = balance_report(X, sample_weight=w, groups="gender", strata="category")
    by_stratum = report.groupby("category")["balanceable"].first().to_dict()
    assert by_stratum == {"a": True, "b": False, "c": True}
    assert report.attrs["unbalanceable_strata"] == 1


def test_strict_fails_on_a_stratum_that_cannot_be_balanced(tmp_path, capsys):
    from skweight.cli.main import main

    X.assign(rating=y).to_csv(tmp_path / "data.csv", index=False)
    status = main(
        [
            "weigh",
            str(tmp_path / "data.csv"),
            "--groups",
            "gender",
            "--strata",
            "category",
            "-o",
            str(tmp_path / "w.csv"),
            "--strict",
        ]
    )
    err = capsys.readouterr().err
    assert status != 0
    assert "cannot be balanced" in err
    assert not (tmp_path / "w.csv").exists()


def test_the_summary_says_strata_cannot_be_balanced(tmp_path, capsys):
    from skweight.cli.main import main

    X.assign(rating=y).to_csv(tmp_path / "data.csv", index=False)
    status = main(
        ["report", str(tmp_path / "data.csv"), "--groups", "gender", "--strata", "category"]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert "but 1 strata cannot be balanced" in out
