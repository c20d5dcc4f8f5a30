"""Whole batches of an epoch at once, for ``DataLoader(..., batch_size=None)``.

Per-index sampling makes a ``DataLoader`` fetch and collate one item at a
time, which dominates the epoch of a tabular model. :class:`EpochBatchSampler`
yields each batch of a fitted :class:`~skweight.EpochResampler`'s epoch as one
index tensor; a dataset that takes a tensor of indices (``TensorDataset``,
:class:`~skweight.torch.WeightedDataset` over one, any tensor-indexed
dataset) then gathers the batch in one call. The indices are those
:class:`~skweight.torch.EpochSampler` yields, in the same order and shards.
"""

import math
from numbers import Integral

import numpy as np

from .._compat import import_optional
from .torch import EpochSampler

torch = import_optional("torch", extra="torch", needed_by="skweight.torch")

__all__ = ["EpochBatchSampler"]


class _Batches:
    """Slices of an index tensor, ``size`` at a time; counts the indices yielded."""

    __slots__ = ("_indices", "_size", "_start", "count")

    def __init__(self, indices, size):
        self._indices, self._size, self._start, self.count = indices, size, 0, 0

    def __iter__(self):
        return self

    def __next__(self):
        start = self._start
        if start >= len(self._indices):
            raise StopIteration
        batch = self._indices[start : start + self._size]  # a view, not a copy
        self._start = start + self._size
        self.count += len(batch)
        return batch


class EpochBatchSampler(EpochSampler):
    """Batches of a fitted EpochResampler's epochs, each one index tensor.

    The sampler of ``DataLoader(dataset, sampler=..., batch_size=None)``:
    each item it yields is the ``int64`` tensor of one batch's indices, so a
    dataset indexed by a tensor returns the whole batch in one gather instead
    of ``batch_size`` calls and a collation. The batches of an epoch, one
    after the other, are exactly this rank's shard of
    ``resampler.epoch_indices(epoch)`` that :class:`EpochSampler` yields
    (same ``num_replicas``, ``rank`` and ``drop_last``), cut every
    ``batch_size`` indices; the last batch may be shorter.

    Parameters
    ----------
    resampler : EpochResampler
        A fitted resampler (see :class:`EpochSampler`).
    batch_size : int >= 1
        Indices per batch.
    drop_last : bool, default=False
        As in :class:`EpochSampler`: how an epoch that does not divide among
        the replicas is sharded.
    num_replicas, rank : int, default=None
        As in :class:`EpochSampler` (``torch.distributed``'s when None).

    Attributes
    ----------
    epoch : int
        The epoch the next iteration draws.

    Notes
    -----
    :meth:`set_epoch`, :meth:`state_dict` and :meth:`load_state_dict` are
    those of :class:`EpochSampler`: the state counts the indices yielded, and
    a resumed iteration starts its batches right after them. ``len`` is the
    number of batches.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from torch.utils.data import DataLoader, TensorDataset
    >>> from skweight import EpochResampler
    >>> from skweight.torch import EpochBatchSampler
    >>> y = np.array([0] * 90 + [1] * 10)
    >>> rs = EpochResampler("under", random_state=0).fit(None, y)
    >>> data = TensorDataset(torch.arange(100.0), torch.from_numpy(y))
    >>> sampler = EpochBatchSampler(rs, batch_size=8)
    >>> loader = DataLoader(data, sampler=sampler, batch_size=None)
    >>> [len(x) for x, _ in loader]
    [8, 8, 4]
    >>> order = torch.cat([x for x, _ in loader]).long().tolist()
    >>> order == rs.epoch_indices(0).tolist()
    True
    """

    def __init__(
        self, resampler, batch_size, *, drop_last=False, num_replicas=None, rank=None
    ):
        if (
            isinstance(batch_size, bool)
            or not isinstance(batch_size, Integral)
            or batch_size < 1
        ):
            raise ValueError(f"batch_size must be an int >= 1; got {batch_size!r}.")
        self.batch_size = int(batch_size)
        super().__init__(
            resampler, num_replicas=num_replicas, rank=rank, drop_last=drop_last
        )

    def __iter__(self):
        start, self._resume = self._resume, 0
        shard = np.ascontiguousarray(self.shard()[start:], dtype=np.int64)
        self._offset = start
        self._iterator = _Batches(torch.from_numpy(shard), self.batch_size)
        return self._iterator

    def __len__(self):
        return math.ceil(self.num_samples / self.batch_size)

    def __repr__(self):
        return (
            f"{type(self).__name__}({self.resampler!r}, batch_size={self.batch_size}, "
            f"num_replicas={self.num_replicas}, rank={self.rank}, drop_last="
            f"{self.drop_last}; epoch={self.epoch}, {len(self)} batches per replica)"
        )
