"""epoch_weights: rotated epochs weighted back to the strata mix of the full data."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from skweight import EpochResampler

RNG = np.random.default_rng(0)
N = 3000
CATEGORY = RNG.choice(20, N, p=RNG.dirichlet(np.ones(20)))
# The gender mix differs by category, as in the product-rating story.
FEMALE_SHARE = RNG.uniform(0.1, 0.9, 20)[CATEGORY]
X = pd.DataFrame(
    {"category": CATEGORY, "gender": np.where(RNG.random(N) < FEMALE_SHARE, "f", "m")}
)
Y = RNG.integers(0, 2, N)


def _shares(values, weights, levels):
    return np.array([weights[values == v].sum() for v in levels]) / weights.sum()


@pytest.mark.parametrize("strategy", ["under", "over"])
@pytest.mark.parametrize("epoch", [0, 1, 7])
def test_the_weighted_epoch_has_the_full_datas_strata_mix(strategy, epoch):
    rs = EpochResampler(strategy, groups="gender", strata="category", random_state=0).fit(
        X, Y
    )
    rows, weights = rs.epoch_indices(epoch), rs.epoch_weights(epoch)
    assert weights.shape == rows.shape
    category = CATEGORY[rows]
    levels = np.unique(CATEGORY)
    full = np.array([(CATEGORY == c).mean() for c in levels])
    unweighted = np.array([(category == c).mean() for c in levels])
    assert np.abs(unweighted - full).max() > 0.01  # the epoch alone changes the mix
    assert_allclose(_shares(category, weights, levels), full, atol=1e-12)
    assert weights.mean() == pytest.approx(1.0)
    gender = X["gender"].to_numpy()[rows]
    for c in levels:  # groups stay balanced inside every category
        inside = category == c
        assert_allclose(
            _shares(gender[inside], weights[inside], ["f", "m"]), [0.5, 0.5], atol=1e-12
        )


def test_frequency_weights_count_in_the_full_mix():
    counts = RNG.integers(0, 4, N)
    rs = EpochResampler("under", groups="gender", strata="category", random_state=0).fit(
        X, Y, sample_weight=counts
    )
    rows, weights = rs.epoch_indices(0), rs.epoch_weights(0)
    levels = np.unique(CATEGORY[counts > 0])
    full = np.array([counts[CATEGORY == c].sum() for c in levels]) / counts.sum()
    assert_allclose(_shares(CATEGORY[rows], weights, levels), full, atol=1e-12)


def test_weights_epochs_are_refused_with_a_reason():
    rs = EpochResampler("weights", draw="random", random_state=0).fit(None, Y)
    with pytest.raises(ValueError, match="draws by row weights"):
        rs.epoch_weights(0)


def test_the_torch_sampler_shards_the_weights_with_the_indices():
    torch = pytest.importorskip("torch")
    from skweight.torch import EpochSampler

    rs = EpochResampler("under", groups="gender", strata="category", random_state=0).fit(
        X, Y
    )
    full = dict(zip(rs.epoch_indices(2).tolist(), rs.epoch_weights(2).tolist()))
    for rank in range(3):
        sampler = EpochSampler(rs, num_replicas=3, rank=rank)
        sampler.set_epoch(2)
        weights = sampler.shard_weights()
        assert weights.dtype == torch.float32 and len(weights) == len(sampler)
        for index, weight in zip(list(sampler), weights.tolist()):
            assert weight == pytest.approx(full[index], rel=1e-6)
