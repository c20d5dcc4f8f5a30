"""The unseen-value and missing-value errors of the cell counter, word for word.

They name the column, list the values (at most ten, then "..."), and say what to
pass instead; a user reads them to find the bad rows.
"""

import re

import numpy as np
import pandas as pd
import pytest

from skweight import GroupBalancedWeighter

Y = np.array([0, 1, 0, 1])
ADVICE = ". Pass handle_unknown='ignore' to give such rows the neutral factor."


def _fitted(groups, **params):
    return GroupBalancedWeighter(groups="g", **params).fit(pd.DataFrame({"g": groups}), Y)


@pytest.mark.parametrize(
    "fit, later, shown",
    [
        (["a", "b", "a", "b"], ["a", "c", "d", "c"], "['c', 'd']"),
        ([0, 1, 0, 1], [0, 5, 7, 5], "[5, 7]"),
        (
            pd.Categorical(["a", "b", "a", "b"]),
            pd.Categorical(["a", "e", "d", "d"]),
            "['e', 'd']",
        ),
    ],
)
def test_unseen_values_are_listed(fit, later, shown):
    message = f"Column 'g' has value(s) not seen during fit: {shown}{ADVICE}"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        _fitted(fit).weight(pd.DataFrame({"g": later}), Y)


def test_at_most_ten_unseen_values_are_listed():
    y = np.array([0, 1] + [0] * 11)
    weighter = GroupBalancedWeighter(groups="g").fit(pd.DataFrame({"g": ["a"] * 13}), y)
    later = pd.DataFrame({"g": [f"v{i}" for i in range(12)] + ["a"]})
    shown = [f"v{i}" for i in range(10)]
    message = f"Column 'g' has value(s) not seen during fit: {shown} ...{ADVICE}"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        weighter.weight(later, y)
    ten = pd.DataFrame({"g": [f"v{i}" for i in range(10)] + ["a"] * 3})
    message = f"Column 'g' has value(s) not seen during fit: {shown}{ADVICE}"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        weighter.weight(ten, y)


def test_missing_values_after_a_fit_without_them():
    message = (
        "Column 'g' has 2 missing value(s) (NaN or None, first at row 1). Fill them, or pass "
        "handle_missing='category' to treat missing as a level of its own."
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        _fitted(["a", "b", "a", "b"]).weight(pd.DataFrame({"g": ["a", None, "b", None]}), Y)
    # With handle_missing="category", a missing value the fit never saw is unseen.
    category = _fitted(["a", "b", "a", "b"], handle_missing="category")
    with pytest.raises(ValueError, match=re.escape("not seen during fit: [nan, 'c']")):
        category.weight(pd.DataFrame({"g": ["a", None, "b", "c"]}), Y)
    ignored = GroupBalancedWeighter(
        groups="g", handle_missing="category", handle_unknown="ignore"
    )
    ignored.fit(pd.DataFrame({"g": ["a", "b", "a", "b"]}), Y)
    weights = ignored.weight(pd.DataFrame({"g": ["a", None, "b", "c"]}), Y)
    assert weights[1] == weights[3] == pytest.approx(1.0)


def test_eleven_unseen_values_are_ten_then_dots():
    y = np.array([0, 1] + [0] * 11)
    weighter = GroupBalancedWeighter(groups="g").fit(pd.DataFrame({"g": ["a"] * 13}), y)
    later = pd.DataFrame({"g": [f"v{i}" for i in range(11)] + ["a"] * 2})
    shown = [f"v{i}" for i in range(10)]
    message = f"Column 'g' has value(s) not seen during fit: {shown} ...{ADVICE}"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        weighter.weight(later, y)


@pytest.mark.parametrize(
    "fit, later, shown",
    [
        ([0, 1, 0, 1], [0, 1, 3, 2], "[3, 2]"),
        (["a", "b", "a", "b"], ["z", "a", "b", "y"], "['z', 'y']"),  # the first row unseen
    ],
)
def test_unseen_classes_of_y_are_listed(fit, later, shown):
    weighter = GroupBalancedWeighter().fit(None, np.asarray(fit))
    message = f"Column 'label' has value(s) not seen during fit: {shown}{ADVICE}"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        weighter.weight(None, np.asarray(later))


@pytest.mark.parametrize("unit", ["ns", "us"])
def test_unseen_dates_are_shown_as_timestamps(unit):
    fit = pd.to_datetime(["2020-01-01", "2020-01-02"] * 2).as_unit(unit)
    message = (
        "Column 'g' has value(s) not seen during fit: "
        f"[Timestamp('2021-03-04 00:00:00')]{ADVICE}"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        _fitted(fit).weight(
            pd.DataFrame(
                {
                    "g": pd.to_datetime(
                        ["2020-01-01", "2021-03-04", "2020-01-02", "2020-01-01"]
                    ).as_unit(unit)
                }
            ),
            Y,
        )


def test_ignored_unseen_rows_of_a_one_level_column_get_the_neutral_factor():
    # Unseen rows point at the first cell, which exists even for one level.
    weighter = GroupBalancedWeighter(groups="g", strata="s", handle_unknown="ignore")
    X = pd.DataFrame({"g": ["a", "b", "a", "b"], "s": ["only"] * 4})
    weighter.fit(X, Y)
    later = pd.DataFrame({"g": ["a", "b", "a", "b"], "s": ["only", "new", "only", "new"]})
    np.testing.assert_allclose(weighter.weight(later, Y), [1.0, 1.0, 1.0, 1.0])
