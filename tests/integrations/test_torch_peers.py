"""Side by side with torch's own samplers (ported in spirit from torch's sampler tests).

``DistributedSampler`` (shuffle off) over an epoch's indices shards them exactly as
``EpochSampler`` does, padding and ``drop_last`` included; ``WeightedRandomSampler``
with and without replacement draws rows with the same probabilities as the
``"weights"`` strategy.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch.utils.data import DistributedSampler, WeightedRandomSampler  # noqa: E402

from skweight import EpochResampler, GroupBalancedWeighter  # noqa: E402
from skweight.torch import EpochSampler  # noqa: E402


@pytest.mark.parametrize("strategy", ["under", "over", "weights"])
@pytest.mark.parametrize("replicas", [1, 2, 3, 7])
@pytest.mark.parametrize("drop_last", [False, True])
def test_shards_are_distributed_samplers_over_the_epoch(strategy, replicas, drop_last):
    y = np.repeat([0, 1, 2], [40, 11, 5])
    rs = EpochResampler(strategy, random_state=2).fit(None, y)
    epoch = rs.epoch_indices(3)
    for rank in range(replicas):
        ours = EpochSampler(rs, num_replicas=replicas, rank=rank, drop_last=drop_last)
        ours.set_epoch(3)
        peer = DistributedSampler(
            range(len(epoch)),
            num_replicas=replicas,
            rank=rank,
            shuffle=False,
            drop_last=drop_last,
        )
        assert list(ours) == [int(epoch[i]) for i in peer]
        assert len(ours) == len(peer)


def _weights(n=12):
    w = np.linspace(0.2, 3.0, n)
    w[[2, 7]] = 0.0  # never drawn, by either
    return w


def _resampler(weights, size, replacement):
    """Draws in proportion to ``weights``: a weighter with no correction (power 0)
    times the rows' sample weights."""
    rs = EpochResampler(
        "weights",
        weighter=GroupBalancedWeighter(scheme=None),
        n_samples=size,
        draw="random" if replacement else "sequential",
        random_state=0,
    )
    return rs.fit(None, np.arange(len(weights)) % 2, sample_weight=weights)


@pytest.mark.parametrize("replacement", [True, False])
def test_inclusion_frequencies_match_weighted_random_sampler(replacement):
    weights, size, draws = _weights(), 5, 3000
    rs = _resampler(weights, size, replacement)
    ours = np.zeros(len(weights))
    for epoch in range(draws):
        rows = rs.epoch_indices(epoch)
        if not replacement:
            assert len(set(rows.tolist())) == size  # distinct, as torch's
        ours += np.bincount(rows, minlength=len(weights))
    generator = torch.Generator().manual_seed(0)
    peer = np.zeros(len(weights))
    sampler = WeightedRandomSampler(
        weights.tolist(), size, replacement=replacement, generator=generator
    )
    for _ in range(draws):
        peer += np.bincount(list(sampler), minlength=len(weights))
    assert ours[[2, 7]].sum() == 0 and peer[[2, 7]].sum() == 0
    ours, peer = ours / draws, peer / draws  # expected copies per epoch
    assert np.allclose(ours, peer, atol=0.08)
    if replacement:  # proportional to the weights
        assert np.allclose(ours, size * weights / weights.sum(), atol=0.08)
