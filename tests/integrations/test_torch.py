"""skweight.torch: samplers, weighted datasets and loss weights on CPU."""

import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.utils.class_weight import compute_class_weight

torch = pytest.importorskip("torch")
from torch.utils.data import DataLoader, Dataset, DistributedSampler, TensorDataset  # noqa: E402

from skweight import EpochResampler, GroupBalancedWeighter  # noqa: E402
from skweight.torch import (  # noqa: E402
    EpochSampler,
    WeightedDataset,
    class_weight_tensor,
    pos_weight_tensor,
    weighted_mean,
)

y = np.repeat([0, 1, 2], [70, 20, 13])


class _Indices(Dataset):
    """A dataset whose items are their own index (costs nothing)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i


# --------------------------------------------------------------------------- #
# EpochSampler
# --------------------------------------------------------------------------- #
def test_sampler_yields_the_resampler_epochs():
    rs = EpochResampler(random_state=0).fit(None, y)
    sampler = EpochSampler(rs)
    assert len(sampler) == rs.epoch_size_ == 39
    for epoch in (0, 3):
        sampler.set_epoch(epoch)
        assert list(sampler) == rs.epoch_indices(epoch).tolist()
        assert list(sampler) == list(sampler)  # the same epoch again


@pytest.mark.parametrize("strategy", ["under", "over", "weights"])
@pytest.mark.parametrize("replicas", [1, 2, 3, 4, 7])
@pytest.mark.parametrize("drop_last", [False, True])
def test_shards_are_disjoint_equal_and_cover_the_epoch(strategy, replicas, drop_last):
    rs = EpochResampler(strategy, random_state=1).fit(None, y)
    samplers = [
        EpochSampler(rs, num_replicas=replicas, rank=r, drop_last=drop_last)
        for r in range(replicas)
    ]
    for epoch in (0, 5):
        for s in samplers:
            s.set_epoch(epoch)
        shards = [list(s) for s in samplers]
        assert len({len(s) for s in shards}) == 1 and len(shards[0]) == len(samplers[0])
        epoch_idx = rs.epoch_indices(epoch).tolist()
        size = len(epoch_idx)
        # Shards take disjoint positions of the (padded) epoch: interleaving
        # them back gives the epoch, padded by wrapping or cut at the tail.
        merged = [shard[i] for i in range(len(shards[0])) for shard in shards]
        if drop_last:
            assert merged == epoch_idx[: size - size % replicas]
        else:
            total = -(-size // replicas) * replicas
            assert merged == (epoch_idx * 2)[:total]
            assert sorted(set(merged)) == sorted(set(epoch_idx))


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 300), st.integers(1, 9), st.booleans())
def test_shard_property(size, replicas, drop_last):
    """Protects DDP: equal shard lengths, disjoint positions, full coverage."""
    labels = np.arange(size) % 2 if size > 1 else np.array([0])
    rs = EpochResampler("weights", balance="groups", random_state=0)
    rs.fit(None, None, sensitive_features=labels)
    samplers = [
        EpochSampler(rs, num_replicas=replicas, rank=r, drop_last=drop_last)
        for r in range(replicas)
    ]
    # The shard length of DistributedSampler (empty shards included).
    peer = DistributedSampler(
        range(size), num_replicas=replicas, rank=0, drop_last=drop_last
    )
    assert all(len(s) == len(peer) for s in samplers)
    shards = [s.shard() for s in samplers]
    if drop_last and size < replicas:
        assert all(s.size == 0 for s in shards) and list(samplers[0]) == []
        return
    lengths = {s.size for s in shards}
    assert len(lengths) == 1
    covered = np.bincount(np.concatenate(shards), minlength=size)
    expected = np.bincount(rs.epoch_indices(0), minlength=size)
    if drop_last:
        assert (covered <= expected).all() and covered.sum() >= size - replicas + 1
    else:
        assert (covered >= expected).all() and covered.sum() - size < replicas


def test_distributed_world_size_and_rank_are_read(monkeypatch):
    rs = EpochResampler(random_state=0).fit(None, y)
    monkeypatch.setattr(torch.distributed, "is_available", lambda: True)
    monkeypatch.setattr(torch.distributed, "is_initialized", lambda: True)
    monkeypatch.setattr(torch.distributed, "get_world_size", lambda: 4)
    monkeypatch.setattr(torch.distributed, "get_rank", lambda: 2)
    sampler = EpochSampler(rs)
    assert (sampler.num_replicas, sampler.rank, len(sampler)) == (4, 2, 10)


def test_dataloader_with_workers_and_pickling():
    rs = EpochResampler("over", random_state=0).fit(None, y)
    sampler = EpochSampler(rs)
    sampler.set_epoch(2)
    again = pickle.loads(pickle.dumps(sampler))
    assert list(again) == list(sampler)
    loader = DataLoader(_Indices(len(y)), batch_size=16, sampler=sampler, num_workers=2)
    seen = torch.cat(list(loader)).numpy()
    assert_array_equal(seen, rs.epoch_indices(2))


def test_sampling_at_2_to_the_24_plus_one_rows():
    # torch.multinomial (WeightedRandomSampler) refuses more than 2**24 categories.
    n = 2**24 + 1
    # The last row is in the minority class: it is drawn about 48 times.
    labels = ((n - 1 - np.arange(n)) % 97 == 0).astype(np.int8)
    rs = EpochResampler("weights", random_state=0).fit(None, labels)
    sampler = EpochSampler(rs, num_replicas=2, rank=1)
    assert len(sampler) == (n + 1) // 2
    shard = sampler.shard()
    assert shard.max() == 2**24 and shard.min() >= 0
    # Classes are balanced in expectation: about half of the draws are minority.
    assert abs(labels[shard].mean() - 0.5) < 0.01
    loader = DataLoader(_Indices(n), batch_size=4096, sampler=sampler)
    first = next(iter(loader))
    assert_array_equal(first.numpy(), shard[:4096])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"num_replicas": 0}, "num_replicas must be an int >= 1"),
        ({"num_replicas": 2, "rank": 2}, r"rank must be an int in \[0, 1\]"),
        ({"rank": -1}, r"rank must be an int in \[0, 0\]"),
    ],
)
def test_sampler_bad_arguments(kwargs, match):
    rs = EpochResampler(random_state=0).fit(None, y)
    with pytest.raises(ValueError, match=match):
        EpochSampler(rs, **kwargs)


def test_sampler_needs_a_shared_seed_and_a_fitted_resampler():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(ValueError, match="give the EpochResampler an int random_state"):
        EpochSampler(EpochResampler().fit(None, y), num_replicas=2, rank=0)
    with pytest.raises(NotFittedError):
        EpochSampler(EpochResampler())
    with pytest.raises(ValueError, match="epoch must be an int >= 0"):
        EpochSampler(EpochResampler(random_state=0).fit(None, y)).set_epoch(-1)


# --------------------------------------------------------------------------- #
# WeightedDataset, weighted_mean and a training run
# --------------------------------------------------------------------------- #
def test_weighted_dataset_appends_weights():
    base = TensorDataset(torch.arange(6.0).reshape(3, 2), torch.tensor([0, 1, 1]))
    data = WeightedDataset(base, np.array([0.5, 1.0, 2.0]))
    assert len(data) == 3
    x, label, w = data[2]
    assert_array_equal(x.numpy(), [4.0, 5.0])
    assert int(label) == 1 and float(w) == 2.0
    single = WeightedDataset(_Indices(2), [[1.0, 2.0], [3.0, 4.0]])
    assert single[1][0] == 1 and single[1][1].tolist() == [3.0, 4.0]
    batch = next(iter(DataLoader(data, batch_size=3)))
    assert batch[2].dtype == torch.float32 and batch[2].shape == (3,)


@pytest.mark.parametrize(
    "weights, match",
    [
        ([1.0, 2.0], "weights has 2 rows but the dataset has 3"),
        ([1.0, -1.0, 2.0], "finite and non-negative"),
        ([1.0, np.nan, 2.0], "finite and non-negative"),
        (np.ones((3, 2, 2)), "got 3 dimensions"),
    ],
)
def test_weighted_dataset_bad_weights(weights, match):
    with pytest.raises(ValueError, match=match):
        WeightedDataset(_Indices(3), weights)


def test_weighted_mean():
    loss = torch.tensor([1.0, 2.0, 6.0], requires_grad=True)
    w = torch.tensor([1.0, 1.0, 2.0])
    out = weighted_mean(loss, w)
    assert out.item() == pytest.approx(15.0 / 4.0)
    out.backward()
    assert_allclose(loss.grad.numpy(), [0.25, 0.25, 0.5])
    per_class = torch.tensor([[1.0, 3.0], [5.0, 7.0]])
    assert weighted_mean(per_class, torch.tensor([3.0, 1.0])).item() == pytest.approx(
        (3 * 4 + 1 * 12) / 8
    )
    assert weighted_mean(per_class, torch.ones(2, 2)).item() == pytest.approx(4.0)
    assert weighted_mean(loss, torch.zeros(3)).item() == 0.0
    with pytest.raises(ValueError, match="does not match the leading dimensions"):
        weighted_mean(loss, torch.ones(2))


def test_training_loss_decreases_on_cpu():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    n = 600
    labels = (rng.random(n) < 0.15).astype(np.int64)
    X = (rng.normal(size=(n, 4)) + labels[:, None] * 3.0).astype(np.float32)
    rs = EpochResampler("under", random_state=0).fit(None, labels)
    weights = GroupBalancedWeighter().fit_weight(None, labels)
    data = WeightedDataset(
        TensorDataset(torch.from_numpy(X), torch.from_numpy(labels)), weights
    )
    sampler = EpochSampler(rs)
    loader = DataLoader(data, batch_size=32, sampler=sampler)
    model = torch.nn.Linear(4, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    criterion = torch.nn.CrossEntropyLoss(reduction="none")
    Xt, yt, wt = torch.from_numpy(X), torch.from_numpy(labels), data.weights

    def full_loss():
        with torch.no_grad():
            return weighted_mean(criterion(model(Xt), yt), wt).item()

    before = full_loss()
    for epoch in range(10):
        sampler.set_epoch(epoch)
        for xb, yb, wb in loader:
            optimizer.zero_grad()
            weighted_mean(criterion(model(xb), yb), wb).backward()
            optimizer.step()
    assert full_loss() < 0.5 * before


# --------------------------------------------------------------------------- #
# Loss weights
# --------------------------------------------------------------------------- #
def test_class_weight_tensor_equals_balanced_class_weights():
    labels = np.array(["b", "a", "c", "a", "a", "b"])
    w = GroupBalancedWeighter().fit(None, labels)
    expected = compute_class_weight("balanced", classes=np.array(["a", "b", "c"]), y=labels)
    assert_allclose(class_weight_tensor(w).numpy(), expected, rtol=1e-6)
    reordered = class_weight_tensor(w, ["c", "a", "b"], dtype=torch.float64)
    assert reordered.dtype == torch.float64
    assert_allclose(reordered.numpy(), expected[[2, 0, 1]])
    loss = torch.nn.CrossEntropyLoss(weight=class_weight_tensor(w))
    assert loss.weight.shape == (3,)


def test_class_weight_tensor_errors():
    frame = pd.DataFrame({"g": list("aabbbb")})
    labels = np.array([0, 1, 0, 1, 1, 1])
    joint = GroupBalancedWeighter(groups="g", balance="joint").fit(frame, labels)
    with pytest.raises(
        ValueError, match="factor of class 1 varies from 0.5 to 1.5 across groups"
    ):
        class_weight_tensor(joint)
    with pytest.raises(ValueError, match="does not use the label"):
        class_weight_tensor(GroupBalancedWeighter(groups="g").fit(frame, labels))
    with pytest.raises(ValueError, match=r"Class\(es\) \[5\] were not seen"):
        class_weight_tensor(GroupBalancedWeighter().fit(None, labels), [0, 5])
    tags = GroupBalancedWeighter().fit(None, np.eye(2)[labels])  # multi-label: per tag
    assert_allclose(class_weight_tensor(tags).numpy(), tags.tag_weights_, rtol=1e-6)


def test_pos_weight_tensor():
    Y = np.array([[1, 0, 1], [0, 1, 1], [0, 0, 1], [0, 1, 0]])
    pw = pos_weight_tensor(GroupBalancedWeighter().fit(None, Y))
    assert_allclose(pw.numpy(), [3.0, 1.0, 1 / 3], rtol=1e-6)
    assert torch.nn.BCEWithLogitsLoss(pos_weight=pw).pos_weight.shape == (3,)
    with pytest.raises(ValueError, match=r"Class\(es\) \[1\] have no positive rows"):
        pos_weight_tensor(GroupBalancedWeighter().fit(None, Y * [1, 0, 1]))
    with pytest.raises(ValueError, match="fit it on a multi-label"):
        pos_weight_tensor(GroupBalancedWeighter().fit(None, y))


def test_import_error_says_what_to_install():
    # skweight (and scikit-learn) first, then make torch unimportable.
    code = (
        "import sys, skweight, sklearn.utils.validation; skweight.EpochResampler\n"
        "sys.modules['torch'] = None\n"
        "try:\n    import skweight.torch\n"
        "except ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": ":".join(sys.path)},
    ).stdout
    assert "pip install skweight[torch]" in out


def test_reprs_say_what_they_hold():
    y = np.array([0] * 6 + [1] * 2)
    rs = EpochResampler("over", random_state=1).fit(None, y)
    sampler = EpochSampler(rs, num_replicas=2, rank=1)
    sampler.set_epoch(3)
    assert repr(sampler) == (
        "EpochSampler(EpochResampler(random_state=1, strategy='over'), num_replicas=2, "
        "rank=1, drop_last=False; epoch=3, 6 indices per replica)"
    )
    data = torch.utils.data.TensorDataset(torch.zeros(2, 1))
    assert repr(WeightedDataset(data, [1.0, 2.0])).endswith("weights: 2 float32)")
