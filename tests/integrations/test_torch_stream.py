"""BalancedIterableDataset: a balanced stream sharded over workers and ranks."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch.utils.data import DataLoader, IterableDataset  # noqa: E402

from skweight import EpochResampler, GroupBalancedWeighter  # noqa: E402
from skweight.torch import BalancedIterableDataset  # noqa: E402
from tests.integrations.gloo import run_two_ranks  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::skweight.exceptions.WeightingWarning")

LABELS = np.repeat([0, 1, 2], [1500, 300, 60])
ORDER = np.random.default_rng(0).permutation(len(LABELS))
LABELS = LABELS[ORDER]


class _Stream(IterableDataset):
    """A source that can only be iterated: (id, label) pairs."""

    def __iter__(self):
        return ((i, int(y)) for i, y in enumerate(LABELS))


def _keys(item):
    return {"label": item[1]}


def test_the_stream_is_balanced_in_a_dataloader():
    weighter = GroupBalancedWeighter().fit(None, LABELS)
    data = BalancedIterableDataset(_Stream(), _keys, weighter, chunk_size=256)
    labels = torch.cat([y for _, y in DataLoader(data, batch_size=100)]).numpy()
    shares = np.bincount(labels) / len(labels)
    assert np.allclose(shares, 1 / 3, atol=0.03)
    assert "chunk_size=256" in repr(data)


def test_workers_take_disjoint_items():
    rs = EpochResampler("over", random_state=0).fit(None, LABELS)  # every item >= once
    data = BalancedIterableDataset(_Stream(), _keys, rs, random_state=3)
    ids = torch.cat([i for i, _ in DataLoader(data, batch_size=64, num_workers=2)]).numpy()
    counts = np.bincount(ids, minlength=len(LABELS))
    rates = np.array([rs.targets_[c] / np.sum(LABELS == c) for c in (0, 1, 2)])[LABELS]
    # overlapping shards would give an item twice its copies
    assert np.all((counts == np.floor(rates)) | (counts == np.ceil(rates)))


def test_epochs_draw_anew_and_reproducibly():
    weighter = GroupBalancedWeighter().fit(None, LABELS)
    data = BalancedIterableDataset(_Stream(), _keys, weighter, random_state=1)
    first = [i for i, _ in data]
    assert [i for i, _ in data] == first
    data.set_epoch(1)
    assert [i for i, _ in data] != first
    with pytest.raises(ValueError, match="epoch must be an int >= 0"):
        data.set_epoch(-1)
    with pytest.raises(ValueError, match="random_state must be an int"):
        BalancedIterableDataset(_Stream(), _keys, weighter, random_state=None)


_DDP = """
import sys, numpy as np, torch, torch.distributed as dist
from torch.utils.data import DataLoader
from skweight import EpochResampler
from skweight.torch import BalancedIterableDataset
rank = int(sys.argv[1])
dist.init_process_group("gloo", init_method="file://" + sys.argv[2], rank=rank, world_size=2)
labels = np.repeat([0, 1, 2], [600, 120, 30])
rs = EpochResampler("over", random_state=0).fit(None, labels)
stream = [(i, int(y)) for i, y in enumerate(labels)]
data = BalancedIterableDataset(stream, lambda item: {"label": item[1]}, rs)
ids = sorted(set(torch.cat([i for i, _ in DataLoader(data, batch_size=50,
                                                        num_workers=2)]).tolist()))
gathered = [None, None]
dist.all_gather_object(gathered, ids)
if rank == 0:
    a, b = map(set, gathered)
    print(not (a & b), sorted(a | b) == list(range(len(labels))))
dist.destroy_process_group()
"""


def test_two_gloo_ranks_with_two_workers_each_share_no_item(tmp_path):
    if not torch.distributed.is_available():
        pytest.skip("torch.distributed is not available")
    outs = run_two_ranks(_DDP, tmp_path)
    assert outs[0].split() == ["True", "True"]


def test_source_is_now_items_and_the_old_name_warns():
    stream = [{"label": i % 2} for i in range(20)]
    weighter = GroupBalancedWeighter().fit(None, [item["label"] for item in stream])
    with pytest.warns(
        FutureWarning,
        match=r"BalancedIterableDataset\(\): the parameter "
        "'source' was renamed 'items'",
    ):
        data = BalancedIterableDataset(
            source=stream, keys=lambda item: item, weighter=weighter
        )
    assert data.items is stream
