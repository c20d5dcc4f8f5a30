"""strategy="weights" on per-row weights: what a weighter may return, and the tables.

A weighter without cells (any object with ``fit_weight``), or weights that vary
within cells (``sample_weight``), are drawn row by row; these tests state what
is refused, with which message, and what ``targets_`` and ``cell_table_`` hold.
"""

import re

import numpy as np
import pytest
from sklearn.base import BaseEstimator

from skweight import EpochResampler, GroupBalancedWeighter

Y = np.array([0, 0, 0, 1, 1, 1])


class FixedWeights(BaseEstimator):
    """A weighter without cells: returns the weights it holds."""

    def __init__(self, values=None):
        self.values = values

    def fit_weight(self, X, y=None, **kwargs):
        return np.asarray(self.values)


def _fit(values):
    return EpochResampler("weights", weighter=FixedWeights(values), random_state=0).fit(
        None, Y
    )


def test_one_weight_per_row_is_needed():
    message = (
        "strategy='weights' needs one weight per row; the weighter returned "
        "shape (6, 2). A multi-label target gives one weight per row and class: "
        "resample on 1-D labels instead."
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        _fit(np.ones((6, 2)))


@pytest.mark.parametrize(
    "values", [[1, 1, -1, 1, 1, 1], [1, 1, np.nan, 1, 1, 1], [1, np.inf, 1, 1, 1, 1]]
)
def test_negative_or_non_finite_weights_are_refused(values):
    with pytest.raises(
        ValueError,
        match=r"^The weighter returned negative or "
        r"non-finite weights\.$",
    ):
        _fit(values)


def test_weights_summing_to_zero_are_refused():
    with pytest.raises(
        ValueError,
        match=r"^The weighter's weights sum to 0: nothing "
        r"to draw\.$",
    ):
        _fit(np.zeros(6))


def test_small_weights_are_drawn_in_proportion():
    # A total below 1 is a scale like any other: 6 draws, expected counts 1, 1, 1,
    # 0, 0, 3, drawn exactly (systematic sampling of whole expectations).
    rs = _fit([0.05, 0.05, 0.05, 0.0, 0.0, 0.15])
    assert rs.epoch_size_ == 6
    assert np.bincount(rs.epoch_indices(2), minlength=6).tolist() == [1, 1, 1, 0, 0, 3]
    assert rs.targets_ == {} and rs.cell_table_ is None and rs.sampling_strategy_ == {}


def test_row_weights_of_a_weighter_with_cells_fill_the_tables():
    # sample_weight varies within cells: rows are drawn one by one, and the cell
    # table says what each cell gets on average.
    sw = np.array([1.0, 2.0, 3.0, 1.0, 1.0, 4.0])
    rs = EpochResampler(
        "weights", weighter=GroupBalancedWeighter(), n_samples=12, random_state=0
    ).fit(None, Y, sample_weight=sw)
    # Balanced: each class carries half of the 12 draws.
    assert rs.targets_ == {0: pytest.approx(6.0), 1: pytest.approx(6.0)}
    table = rs.cell_table_
    assert table.columns.tolist() == ["label", "count", "target"]
    assert table["count"].tolist() == [3, 3]
    np.testing.assert_allclose(table["target"], [6.0, 6.0])
    drawn = rs.epoch_indices(0)
    assert drawn.size == 12
    assert np.bincount(Y[drawn]).tolist() == [6, 6]


def test_row_weights_name_cells_by_all_their_keys():
    import pandas as pd

    X = pd.DataFrame({"g": ["a", "b", "a", "b", "a", "b"]})
    sw = np.array([1.0, 1.0, 2.0, 1.0, 1.0, 2.0])
    rs = EpochResampler(
        "weights",
        weighter=GroupBalancedWeighter(groups="g", balance="joint"),
        random_state=0,
    ).fit(X, Y, sample_weight=sw)
    # Four group x label cells, each a quarter of the 6 draws.
    assert rs.targets_ == {
        ("a", 0): pytest.approx(1.5),
        ("a", 1): pytest.approx(1.5),
        ("b", 0): pytest.approx(1.5),
        ("b", 1): pytest.approx(1.5),
    }
    assert rs.cell_table_.columns.tolist() == ["g", "label", "count", "target"]
