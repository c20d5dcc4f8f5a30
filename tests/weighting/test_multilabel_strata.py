"""A multi-label target inside strata: each stratum is weighted on its own.

With strata, the weights of a 0/1 indicator matrix are those that fitting every
stratum separately gives (the per-class positive/negative balance, and the groups,
inside each stratum), row by row and class by class.
"""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from skweight import GroupBalancedWeighter

RNG = np.random.default_rng(0)
N = 60
Y = (RNG.random((N, 3)) < [0.5, 0.2, 0.1]).astype(int)
X = pd.DataFrame({"s": RNG.integers(0, 3, N), "g": RNG.choice(["a", "b"], N)})


@pytest.mark.parametrize("params", [dict(), dict(groups="g", balance="joint")])
def test_each_stratum_alone(params):
    weights = GroupBalancedWeighter(strata="s", **params).fit_weight(X, Y)
    assert weights.shape == Y.shape
    for stratum in np.unique(X["s"]):
        rows = (X["s"] == stratum).to_numpy()
        alone = GroupBalancedWeighter(**params).fit_weight(
            X[rows].reset_index(drop=True), Y[rows]
        )
        assert_allclose(weights[rows], alone, rtol=1e-12)
