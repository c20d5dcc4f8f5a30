"""EpochBatchSampler: whole batches of the epochs EpochSampler yields, one tensor each."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from skweight import EpochResampler, GroupBalancedWeighter  # noqa: E402
from skweight.torch import EpochBatchSampler, EpochSampler, WeightedDataset  # noqa: E402

Y = np.repeat([0, 1, 2], [61, 23, 9])


def _resampler(strategy):
    return EpochResampler(strategy, random_state=3).fit(None, Y)


@pytest.mark.parametrize("strategy", ["under", "over", "weights"])
@pytest.mark.parametrize("num_replicas", [1, 2, 3])
@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("batch_size", [1, 7, 64])
def test_the_batches_are_the_shard_epoch_sampler_yields(
    strategy, num_replicas, drop_last, batch_size
):
    rs = _resampler(strategy)
    for rank in range(num_replicas):
        kw = {"num_replicas": num_replicas, "rank": rank, "drop_last": drop_last}
        batches = EpochBatchSampler(rs, batch_size, **kw)
        indices = EpochSampler(rs, **kw)
        for epoch in (0, 5):
            batches.set_epoch(epoch)
            indices.set_epoch(epoch)
            got = list(batches)
            assert all(b.dtype == torch.int64 and len(b) <= batch_size for b in got)
            assert all(len(b) == batch_size for b in got[:-1])
            joined = torch.cat(got).tolist() if got else []
            assert joined == list(indices)
            assert len(batches) == len(got) == math.ceil(len(indices) / batch_size)


def test_resuming_starts_right_after_the_indices_yielded():
    rs = _resampler("over")
    sampler = EpochBatchSampler(rs, 10)
    sampler.set_epoch(2)
    it = iter(sampler)
    first = [next(it), next(it)]
    state = sampler.state_dict()
    assert state["epoch"] == 2 and state["yielded"] == 20
    resumed = EpochBatchSampler(rs, 10)
    resumed.load_state_dict(state)
    rest = list(resumed)
    assert torch.cat(first + rest).tolist() == rs.epoch_indices(2).tolist()
    assert len(list(resumed)) == len(resumed)  # the next iteration is whole again


def test_a_dataloader_gathers_whole_batches_with_their_weights():
    rs = _resampler("under")
    X = torch.arange(len(Y), dtype=torch.float32).reshape(-1, 1)
    weights = GroupBalancedWeighter().fit_weight(None, Y)
    data = WeightedDataset(TensorDataset(X, torch.from_numpy(Y)), weights)
    loader = DataLoader(data, sampler=EpochBatchSampler(rs, 8), batch_size=None)
    seen = []
    for x, y, w in loader:
        assert x.shape[1:] == (1,) and len(x) == len(y) == len(w) <= 8
        np.testing.assert_allclose(w.numpy(), weights[x[:, 0].long().numpy()], rtol=1e-6)
        seen += x[:, 0].long().tolist()
    assert seen == rs.epoch_indices(0).tolist()


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, None])
def test_batch_size_is_checked(bad):
    with pytest.raises(ValueError, match="batch_size must be an int >= 1"):
        EpochBatchSampler(_resampler("under"), bad)


def test_repr_names_the_batches():
    assert "batch_size=8" in repr(EpochBatchSampler(_resampler("under"), 8))


class _Rows(torch.utils.data.Dataset):
    """A dataset of dict rows that fetches a batch at once (counts its calls)."""

    def __init__(self, n):
        self.n, self.batched, self.single = n, 0, 0

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        self.single += 1
        return {"x": torch.tensor([float(i)])}

    def __getitems__(self, indices):
        self.batched += 1
        return [{"x": torch.tensor([float(i)])} for i in indices]


def test_weighted_dataset_fetches_whole_batches_through_getitems():
    rows = _Rows(len(Y))
    weights = GroupBalancedWeighter().fit_weight(None, Y)
    data = WeightedDataset(rows, weights)
    batches = list(DataLoader(data, batch_size=8, shuffle=False))
    assert rows.batched == len(batches) and rows.single == 0
    x = torch.cat([b[0]["x"] for b in batches]).squeeze(1).numpy()
    w = torch.cat([b[1] for b in batches]).numpy()
    np.testing.assert_array_equal(x, np.arange(len(Y)))
    np.testing.assert_allclose(w, weights.astype(np.float32))
    # a plain TensorDataset: the same batches as item by item
    tensors = TensorDataset(torch.arange(len(Y)), torch.from_numpy(Y))
    wrapped = WeightedDataset(tensors, weights)
    got = wrapped.__getitems__([4, 0, 90])
    assert [tuple(map(float, item)) for item in got] == [
        tuple(map(float, wrapped[i])) for i in (4, 0, 90)
    ]
