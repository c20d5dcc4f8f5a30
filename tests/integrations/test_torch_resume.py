"""Resuming an interrupted epoch: EpochSampler.state_dict / load_state_dict.

A resumed sampler (alone, inside torchdata's StatefulDataLoader with and
without workers, and on two gloo ranks) yields exactly the indices of the
interrupted epoch that were still to come.
"""

import copy
import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch.utils.data import Dataset  # noqa: E402

from skweight import EpochResampler  # noqa: E402
from skweight.torch import EpochSampler  # noqa: E402
from tests.integrations.gloo import run_two_ranks  # noqa: E402

Y = np.repeat([0, 1, 2], [300, 60, 17])


class _Indices(Dataset):
    """Item i is i: batches show which rows were drawn."""

    def __len__(self):
        return len(Y)

    def __getitem__(self, i):
        return i


def _resampler(strategy="under"):
    return EpochResampler(strategy, random_state=3).fit(None, Y)


@pytest.mark.parametrize("strategy", ["under", "over", "weights"])
@pytest.mark.parametrize("stop", [0, 1, 17, 50])
def test_a_resumed_sampler_yields_the_rest_of_the_epoch(strategy, stop):
    rs = _resampler(strategy)
    sampler = EpochSampler(rs)
    sampler.set_epoch(4)
    it = iter(sampler)
    seen = [next(it) for _ in range(stop)]
    state = pickle.loads(pickle.dumps(sampler.state_dict()))
    assert state["epoch"] == 4 and state["yielded"] == stop

    resumed = EpochSampler(_resampler(strategy))  # a fresh process, same fit
    resumed.load_state_dict(state)
    rest = list(resumed)
    assert seen + rest == rs.epoch_indices(4).tolist()
    assert resumed.state_dict()["yielded"] == len(resumed)
    # the next iteration of the same epoch is whole again, as for any sampler
    assert list(resumed) == rs.epoch_indices(4).tolist()


def test_state_of_a_finished_or_fresh_epoch():
    sampler = EpochSampler(_resampler())
    assert sampler.state_dict()["yielded"] == 0
    list(sampler)
    state = sampler.state_dict()
    assert state["yielded"] == len(sampler)
    resumed = EpochSampler(_resampler())
    resumed.load_state_dict(state)
    assert list(resumed) == []  # the epoch was done
    resumed.set_epoch(1)
    assert list(resumed) == _resampler().epoch_indices(1).tolist()


def test_set_epoch_to_another_epoch_starts_it_afresh():
    sampler = EpochSampler(_resampler())
    sampler.load_state_dict({"epoch": 2, "yielded": 10})
    sampler.set_epoch(2)  # the loop's own call: the position is kept
    assert list(sampler) == _resampler().epoch_indices(2).tolist()[10:]
    sampler.load_state_dict({"epoch": 2, "yielded": 10})
    sampler.set_epoch(3)
    assert list(sampler) == _resampler().epoch_indices(3).tolist()


def test_shards_resume_per_rank():
    rs = _resampler("over")
    states, seen = [], []
    for rank in range(3):
        sampler = EpochSampler(rs, num_replicas=3, rank=rank)
        sampler.set_epoch(5)
        it = iter(sampler)
        seen.append([next(it) for _ in range(7)])
        states.append(sampler.state_dict())
    for rank in range(3):
        resumed = EpochSampler(rs, num_replicas=3, rank=rank)
        resumed.load_state_dict(states[rank])
        whole = EpochSampler(rs, num_replicas=3, rank=rank)
        whole.set_epoch(5)
        assert seen[rank] + list(resumed) == list(whole)


@pytest.mark.parametrize(
    "state, match",
    [
        ({"epoch": 0}, r"lacks \['yielded'\]"),
        ({"epoch": 0, "yielded": -1}, r"must be an int in \[0, "),
        ({"epoch": 0, "yielded": 10**6}, r"must be an int in \[0, "),
        ({"epoch": -1, "yielded": 0}, "epoch must be an int >= 0"),
        ({"epoch": 0, "yielded": 0, "num_replicas": 2}, "num_replicas=2"),
        ({"epoch": 0, "yielded": 0, "seed": 4}, "seed=4"),
        ({"epoch": 0, "yielded": 0, "num_samples": 9}, "num_samples=9"),
    ],
)
def test_bad_states_are_refused(state, match):
    with pytest.raises(ValueError, match=match):
        EpochSampler(_resampler()).load_state_dict(state)


def _loader(num_workers, sampler):
    from torchdata.stateful_dataloader import StatefulDataLoader

    return StatefulDataLoader(
        _Indices(), batch_size=8, sampler=sampler, num_workers=num_workers
    )


@pytest.mark.parametrize("num_workers", [0, 2])
def test_stateful_dataloader_round_trips_the_sampler(num_workers):
    pytest.importorskip("torchdata")
    rs = _resampler("weights")
    sampler = EpochSampler(rs)
    sampler.set_epoch(6)
    whole = [b.tolist() for b in _loader(num_workers, sampler)]

    sampler = EpochSampler(rs)
    sampler.set_epoch(6)
    loader = _loader(num_workers, sampler)
    batches = iter(loader)
    first = [next(batches).tolist() for _ in range(5)]
    state = copy.deepcopy(loader.state_dict())
    del batches, loader

    resumed_sampler = EpochSampler(_resampler("weights"))
    resumed_sampler.set_epoch(6)
    resumed = _loader(num_workers, resumed_sampler)
    resumed.load_state_dict(state)
    rest = [b.tolist() for b in resumed]
    assert first + rest == whole
    assert len(rest) == len(whole) - 5


_DDP = """
import os, sys, numpy as np, torch, torch.distributed as dist
from skweight import EpochResampler
from skweight.torch import EpochSampler
rank = int(sys.argv[1])
dist.init_process_group("gloo", init_method="file://" + sys.argv[2], rank=rank, world_size=2)
y = np.repeat([0, 1, 2], [300, 60, 17])
rs = EpochResampler("over", random_state=3).fit(None, y)
sampler = EpochSampler(rs)                          # world size and rank from dist
sampler.set_epoch(2)
it = iter(sampler)
first = [next(it) for _ in range(11)]
state = sampler.state_dict()
dist.barrier()
resumed = EpochSampler(rs)
resumed.load_state_dict(state)
rest = list(resumed)
whole = EpochSampler(rs)
whole.set_epoch(2)
assert first + rest == list(whole), rank
gathered = [None, None]
dist.all_gather_object(gathered, first + rest)
if rank == 0:
    covered = sorted(gathered[0] + gathered[1])
    print(covered == sorted(rs.epoch_indices(2).tolist()))
dist.destroy_process_group()
"""


def test_two_gloo_ranks_resume_their_own_shards(tmp_path):
    if not torch.distributed.is_available():
        pytest.skip("torch.distributed is not available")
    outs = run_two_ranks(_DDP, tmp_path, timeout=120)
    assert outs[0].strip() == "True"


def test_a_state_from_another_fit_with_the_same_epoch_size_is_refused():
    """Under-sampling keeps the epoch size when majority rows are added: the state
    of the old fit would resume another epoch; its fingerprint refuses it."""
    y = np.array([0] * 30 + [1] * 10)
    old = EpochResampler("under", random_state=3).fit(None, y)
    new = EpochResampler("under", random_state=3).fit(None, np.r_[y, [0] * 5])
    assert old.epoch_size_ == new.epoch_size_
    sampler = EpochSampler(old)
    it = iter(sampler)
    [next(it) for _ in range(5)]
    state = sampler.state_dict()
    with pytest.raises(
        ValueError,
        match="another fit: its number of rows fit, fitted "
        r"cells .* differ \(n_samples: 40 saved, 45",
    ):
        EpochSampler(new).load_state_dict(state)
    resumed = EpochSampler(old)
    resumed.load_state_dict(state)  # the same fit resumes
    assert len(list(resumed)) == len(sampler) - 5


@pytest.mark.parametrize(
    "change, match",
    [
        (dict(strategy="over"), "strategy, parameters, fitted cells"),
        (dict(shuffle=False), "parameters differ"),
        (dict(permute="rows"), "rows of each unit differ"),
    ],
)
def test_the_fingerprint_names_what_differs(change, match):
    y = np.array([0] * 30 + [1] * 10)
    sampler = EpochSampler(EpochResampler("under", random_state=3).fit(None, y))
    state = sampler.state_dict()
    data = y if "permute" not in change else y[np.random.default_rng(0).permutation(40)]
    params = {"strategy": "under", **{k: v for k, v in change.items() if k != "permute"}}
    other = EpochResampler(random_state=3, **params).fit(None, data)
    state["num_samples"] = EpochSampler(other).num_samples  # isolate the fingerprint
    with pytest.raises(ValueError, match=match):
        EpochSampler(other).load_state_dict(state)


def test_the_fingerprint_is_the_same_in_another_process():
    import subprocess
    import sys

    code = (
        "import numpy as np; from skweight import EpochResampler; "
        "print(EpochResampler('under', random_state=3).fit(None, "
        "np.array([0] * 30 + [1] * 10)).fingerprint())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    here = EpochResampler("under", random_state=3).fit(None, np.array([0] * 30 + [1] * 10))
    assert out == str(here.fingerprint())
