"""shrinkage=: imbalanced-learn's smoothed bootstrap, the one place rows are made."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import sparse

from skweight import EpochResampler

RNG = np.random.default_rng(0)
Y = np.repeat([0, 1], [900, 100])
X = RNG.normal(size=(1000, 3)) * [1.0, 2.0, 3.0] + Y[:, None]


def _bandwidth(n, p):
    return (4 / ((p + 2) * n)) ** (1 / (p + 4))


def test_noise_has_imbalanced_learns_scale_and_originals_stay():
    rs = EpochResampler("over", shrinkage=1.0, random_state=0)
    X_rows, y_rows = rs.fit_resample(X, Y)
    rows = rs.sample_indices_
    noise = X_rows - X[rows]
    moved = np.any(noise != 0, axis=1)
    assert moved.sum() == len(rows) - len(X)  # every row once unchanged
    assert np.array_equal(np.unique(rows[~moved]), np.arange(len(X)))
    expected = _bandwidth(*X.shape) * X[Y == 1].std(axis=0)
    assert_allclose(noise[moved].std(axis=0), expected, rtol=0.15)
    assert_allclose(noise[moved].mean(axis=0), 0, atol=0.1)
    assert np.array_equal(y_rows, Y[rows])


def test_same_scale_as_random_over_sampler():
    imblearn = pytest.importorskip("imblearn.over_sampling")
    peer = imblearn.RandomOverSampler(shrinkage=2.0, random_state=0)
    X_peer, y_peer = peer.fit_resample(X, Y)
    ours, y_ours = EpochResampler("over", shrinkage=2.0, random_state=0).fit_resample(X, Y)
    assert np.array_equal(np.bincount(y_ours), np.bincount(y_peer))
    # The spread of the minority rows after resampling agrees.
    assert_allclose(
        ours[y_ours == 1].std(axis=0), X_peer[y_peer == 1].std(axis=0), rtol=0.1
    )


def test_zero_shrinkage_and_dicts():
    plain = EpochResampler("over", random_state=0).fit_resample(X, Y)[0]
    zero = EpochResampler("over", shrinkage=0.0, random_state=0).fit_resample(X, Y)[0]
    assert np.array_equal(plain, zero)
    by_unit = EpochResampler("over", shrinkage={1: 0.0}, random_state=0).fit_resample(X, Y)
    assert np.array_equal(by_unit[0], plain)
    with pytest.raises(ValueError, match="missing: \\[1\\]"):
        EpochResampler("over", shrinkage={0: 1.0}).fit_resample(X, Y)


def test_frames_keep_their_other_columns_and_sparse_works():
    frame = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "name": ["x"] * len(X)})
    out, _ = EpochResampler("over", shrinkage=0.5, random_state=0).fit_resample(frame, Y)
    assert list(out.dtypes) == list(frame.dtypes) and (out["name"] == "x").all()
    assert out["a"].nunique() > frame["a"].nunique()
    assert frame["a"].equals(pd.Series(X[:, 0], name="a"))  # the caller's frame untouched
    out, _ = EpochResampler("over", shrinkage=0.5, random_state=0).fit_resample(
        sparse.csr_matrix(X), Y
    )
    assert sparse.issparse(out) and out.shape == (1800, 3)
    dense, _ = EpochResampler("over", shrinkage=0.5, random_state=0).fit_resample(X, Y)
    assert_allclose(out.toarray(), dense)  # the same noise, sparse or dense


def test_shrinkage_is_for_over_and_numbers():
    with pytest.raises(ValueError, match="strategy='over'"):
        EpochResampler("under", shrinkage=1.0).fit(X, Y)
    with pytest.raises(ValueError, match="numeric columns"):
        EpochResampler("over", shrinkage=1.0).fit_resample(
            np.array([["a"]] * 4), [0, 0, 0, 1]
        )
