"""class_weight combined with the balanced scheme, by hand, for every normalize.

y = [0, 0, 0, 1] has balanced factors 4 / (2 * 3) = 2/3 and 4 / (2 * 1) = 2;
class_weight {0: 1, 1: 2} makes them 2/3 and 4 before the final scaling.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skweight import GroupBalancedWeighter

Y = np.array([0, 0, 0, 1])
CW = {0: 1, 1: 2}


@pytest.mark.parametrize(
    "normalize, expected",
    [
        # mean 1: the products 2/3 and 4 total 3 * 2/3 + 4 = 6 over 4 rows -> x 4/6
        ("mean", [4 / 9, 4 / 9, 4 / 9, 8 / 3]),
        # cells: the two cells' factors sum to 2 -> x 2 / (2/3 + 4)
        ("cells", [2 / 7, 2 / 7, 2 / 7, 12 / 7]),
    ],
)
def test_class_weight_times_balanced(normalize, expected):
    w = GroupBalancedWeighter(class_weight=CW, normalize=normalize).fit_weight(None, Y)
    assert_allclose(w, expected, rtol=1e-15)


def test_class_weight_keeps_the_incoming_total():
    # Weighted counts 4 and 1 of 5: factors 5/8 and 5/2, times 1 and 2, total
    # 4 * 5/8 + 5 = 7.5 -> x 5 / 7.5; each row's weight is its factor x its weight.
    w = GroupBalancedWeighter(class_weight=CW).fit_weight(
        None, Y, sample_weight=[1, 1, 2, 1]
    )
    assert_allclose(w, [5 / 12, 5 / 12, 10 / 12, 10 / 3], rtol=1e-15)
    assert w.sum() == pytest.approx(5.0)


def test_class_weight_with_joint_cells():
    # Cells (a,0): 2 rows, (b,0): 1, (b,1): 1; joint factors 2/3, 4/3, 4/3;
    # times 1, 1, 2; total 2 * 2/3 + 4/3 + 8/3 = 16/3 over 4 rows -> x 3/4.
    groups = np.array(["a", "b", "a", "b"])
    w = GroupBalancedWeighter(class_weight=CW, balance="joint").fit_weight(
        None, Y, sensitive_features=groups
    )
    assert_allclose(w, [0.5, 1.0, 0.5, 2.0], rtol=1e-15)
