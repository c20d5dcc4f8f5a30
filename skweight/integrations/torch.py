"""PyTorch adapters: epoch samplers, weighted datasets and loss weights.

Needs PyTorch (``pip install skweight[torch]``); importing :mod:`skweight`
itself never imports torch.

- :class:`EpochSampler` feeds a fitted :class:`skweight.EpochResampler` to a
  ``DataLoader``: a new balanced (or weighted) epoch after every
  :meth:`~EpochSampler.set_epoch`, sharded across distributed ranks.
- :class:`WeightedDataset` appends each item's weight, for losses computed
  with ``reduction="none"`` and reduced by :func:`weighted_mean`.

The loss weights (:func:`class_weight_tensor`, :func:`pos_weight_tensor`,
:func:`weighted_mean`) live in :mod:`skweight.integrations.torch_weights`.
"""

import array
import math
from numbers import Integral

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._compat import check_sample_weight, import_optional
from ..weighting.schedules import at_epoch

torch = import_optional("torch", extra="torch", needed_by="skweight.torch")
from torch.utils.data import Dataset, Sampler  # noqa: E402 - torch is installed

__all__ = ["EpochSampler", "WeightedDataset"]


class WeightedDataset(Dataset):
    """Wrap a map-style dataset so that items come with their weight appended.

    Parameters
    ----------
    dataset : torch.utils.data.Dataset
        Any map-style dataset (``__getitem__`` and ``__len__``).
    weights : array-like of shape (n_samples,) or (n_samples, n_classes)
        One weight per item (or per item and class, e.g. the weight matrix
        of a multi-label weighter), finite and non-negative.

    Examples
    --------
    >>> import torch
    >>> from torch.utils.data import TensorDataset
    >>> from skweight.torch import WeightedDataset
    >>> data = TensorDataset(torch.tensor([[1.0], [2.0]]), torch.tensor([0, 1]))
    >>> x, y, w = WeightedDataset(data, [0.5, 1.5])[1]
    >>> x, y, w
    (tensor([2.]), tensor(1), tensor(1.5000))
    """

    def __init__(self, dataset, weights):
        values = np.asarray(weights, dtype=np.float32)
        if values.ndim not in (1, 2):
            raise ValueError(
                f"weights must be 1-D (one per item) or 2-D (per item and class); "
                f"got {values.ndim} dimensions."
            )
        if len(values) != len(dataset):
            raise ValueError(
                f"weights has {len(values)} rows but the dataset has {len(dataset)} items."
            )
        if not np.all(np.isfinite(values)) or np.any(values < 0):
            raise ValueError("weights must be finite and non-negative.")
        self.dataset = dataset
        self.weights = torch.from_numpy(values)

    @classmethod
    def from_weighter(
        cls,
        dataset,
        weighter,
        X=None,
        y=None,
        *,
        schedule=None,
        sample_weight=None,
        sensitive_features=None,
        strata_features=None,
    ):
        """The weights of a fitted weighter for the dataset's rows, per epoch.

        With a ``schedule``, :meth:`set_epoch` recomputes the weights as the
        schedule makes the weighter at that epoch (from its cell table and
        each row's cell, found once here). Call it before iterating the
        ``DataLoader`` of that epoch; with ``persistent_workers=True`` the
        workers keep the dataset they were given, so use the default.

        Parameters
        ----------
        dataset : torch.utils.data.Dataset
        weighter : GroupBalancedWeighter or EffectiveNumberWeighter
            Fitted; ``X, y, ...`` are the dataset's rows in order.
        X, y, sample_weight, sensitive_features, strata_features
            As in the weighter's ``weight``.
        schedule : Schedule, default=None
            None: the weighter's weights at every epoch.

        Returns
        -------
        dataset : WeightedDataset
            At epoch 0.

        Examples
        --------
        >>> import torch
        >>> from torch.utils.data import TensorDataset
        >>> from skweight import GroupBalancedWeighter
        >>> from skweight.schedules import Schedule
        >>> from skweight.torch import WeightedDataset
        >>> y = [0, 0, 0, 1]
        >>> data = TensorDataset(torch.zeros(4, 1), torch.tensor(y))
        >>> weighter = GroupBalancedWeighter().fit(None, y)
        >>> ds = WeightedDataset.from_weighter(data, weighter, None, y,
        ...                                    schedule=Schedule.step(at=2))
        >>> ds.weights
        tensor([1., 1., 1., 1.])
        >>> ds.set_epoch(2)
        >>> ds.weights
        tensor([0.6667, 0.6667, 0.6667, 2.0000])
        """
        if hasattr(weighter, "estimators_"):
            raise ValueError(
                "from_weighter needs a weighter of one target; for a multi-output y "
                "pass the product weights: WeightedDataset(dataset, weighter.weight(...))."
            )
        ids = weighter.cell_ids(
            X, y, sensitive_features=sensitive_features, strata_features=strata_features
        )
        incoming = None
        if sample_weight is not None:
            incoming = check_sample_weight(sample_weight, np.empty((ids.size, 0)))
        first = at_epoch(weighter, schedule, 0).cell_weights(ids, incoming)
        self = cls(dataset, first)
        self._schedule = (weighter, schedule, ids, incoming)
        return self

    def set_epoch(self, epoch):
        """Recompute the weights for ``epoch`` (datasets made by :meth:`from_weighter`)."""

        state = getattr(self, "_schedule", None)
        if state is None:
            raise ValueError(
                "This dataset holds fixed weights; make it with "
                "WeightedDataset.from_weighter(..., schedule=...) to change them per "
                "epoch."
            )
        weighter, schedule, ids, incoming = state
        values = at_epoch(weighter, schedule, epoch).cell_weights(ids, incoming)
        self.weights = torch.from_numpy(np.asarray(values, dtype=np.float32))

    def __len__(self):
        return len(self.dataset)

    def __repr__(self):
        shape = "x".join(map(str, self.weights.shape))
        return f"{type(self).__name__}({self.dataset!r}, weights: {shape} float32)"

    def __getitem__(self, index):
        item = self.dataset[index]
        weight = self.weights[index]
        if isinstance(item, tuple):
            return (*item, weight)
        return item, weight

    def __getitems__(self, indices):
        """The items of a batch at once, each with its weight.

        The ``DataLoader`` calls it with a batch's indices (automatic
        batching): the wrapped dataset's own ``__getitems__`` fetches them
        in one call where it has one (e.g. a Hugging Face dataset), and the
        weights are gathered by one index.

        Parameters
        ----------
        indices : list of int

        Returns
        -------
        items : list of tuple
            ``(*item, weight)`` per index, for the ``collate_fn``.
        """
        fetch = getattr(self.dataset, "__getitems__", None)
        items = fetch(indices) if fetch is not None else [self.dataset[i] for i in indices]
        weights = self.weights[torch.as_tensor(indices, dtype=torch.long)]
        return [
            (*item, weight) if isinstance(item, tuple) else (item, weight)
            for item, weight in zip(items, weights)
        ]


class _Counted:
    """An iterator that counts what it has yielded (the resumable position)."""

    __slots__ = ("_values", "count")

    def __init__(self, values):
        self._values = values
        self.count = 0

    def __iter__(self):
        return self

    def __next__(self):
        value = next(self._values)
        self.count += 1
        return value


class EpochSampler(Sampler):
    """A ``Sampler`` yielding the indices of a fitted EpochResampler's epochs.

    Like ``DistributedSampler``, call :meth:`set_epoch` at the start of every
    epoch; each epoch is drawn by ``resampler.epoch_indices(epoch)`` in the
    process that iterates the sampler (the DataLoader's main process, also
    with ``num_workers > 0``). With several replicas, every rank draws the
    same epoch and takes every ``num_replicas``-th index from position
    ``rank``: the shards are disjoint and, together, cover the epoch.

    Parameters
    ----------
    resampler : EpochResampler
        A fitted resampler, fitted on the dataset's rows in order. With
        several replicas its ``random_state`` must be an int, so that every
        rank draws the same epoch.
    num_replicas : int, default=None
        Number of processes sharing the epoch. None: the world size of
        ``torch.distributed`` when it is initialised, else 1.
    rank : int, default=None
        This process's rank in ``[0, num_replicas)``. None: the rank of
        ``torch.distributed`` when it is initialised, else 0.
    drop_last : bool, default=False
        When the epoch's size is not a multiple of ``num_replicas``: drop
        its tail so that every shard has ``floor(size / num_replicas)``
        indices (True; shards are empty when there are fewer indices than
        replicas, as with ``DistributedSampler``), or pad the epoch by repeating its first indices
        (wrapping around, as ``DistributedSampler`` does) up to
        ``ceil(size / num_replicas)`` per shard (False; the padded indices
        are drawn twice in that epoch).

    Attributes
    ----------
    epoch : int
        The epoch the next iteration draws.

    Notes
    -----
    **Resuming.** :meth:`state_dict` records the epoch and how many of this
    rank's indices the current iteration has yielded; after
    :meth:`load_state_dict` the next iteration yields exactly the indices that
    were still to come (the epoch is drawn again from the seed, so the state
    is two integers and a fingerprint of the fit, which a load checks). As the sampler of torchdata's
    ``StatefulDataLoader`` its state travels inside the loader's own
    ``state_dict``, with or without workers. The live iterator counts the
    indices it yields (no interpreter internals are read); a plain ``DataLoader``
    with workers draws indices ahead of the batches it has returned, so save
    the state of a ``StatefulDataLoader`` there instead (it accounts for
    prefetching).

    Examples
    --------
    >>> import numpy as np
    >>> from skweight import EpochResampler
    >>> from skweight.torch import EpochSampler
    >>> y = np.array([0] * 6 + [1] * 2)
    >>> rs = EpochResampler("under", random_state=0).fit(None, y)
    >>> sampler = EpochSampler(rs)
    >>> sampler
    EpochSampler(EpochResampler(random_state=0), num_replicas=1, rank=0, drop_last=False; epoch=0, 4 indices per replica)
    >>> len(sampler)
    4
    >>> sampler.set_epoch(1)
    >>> list(sampler) == rs.epoch_indices(1).tolist()
    True
    >>> shards = [list(EpochSampler(rs, num_replicas=3, rank=r)) for r in range(3)]
    >>> [len(s) for s in shards]
    [2, 2, 2]
    """

    def __init__(self, resampler, *, num_replicas=None, rank=None, drop_last=False):
        check_is_fitted(resampler, "epoch_size_")
        dist = torch.distributed
        distributed = dist.is_available() and dist.is_initialized()
        if num_replicas is None:
            num_replicas = dist.get_world_size() if distributed else 1
        if rank is None:
            rank = dist.get_rank() if distributed else 0
        if (
            isinstance(num_replicas, bool)
            or not isinstance(num_replicas, Integral)
            or num_replicas < 1
        ):
            raise ValueError(f"num_replicas must be an int >= 1; got {num_replicas!r}.")
        if (
            isinstance(rank, bool)
            or not isinstance(rank, Integral)
            or not 0 <= rank < num_replicas
        ):
            raise ValueError(
                f"rank must be an int in [0, {num_replicas - 1}]; got {rank!r}."
            )
        seed = resampler.random_state
        shared = isinstance(seed, Integral) and not isinstance(seed, bool)
        if num_replicas > 1 and not shared:
            raise ValueError(
                f"With num_replicas={num_replicas}, every rank must draw the same "
                "epoch: give the EpochResampler an int random_state (got "
                f"{seed!r})."
            )
        self.resampler = resampler
        self.num_replicas = int(num_replicas)
        self.rank = int(rank)
        self.drop_last = bool(drop_last)
        self.epoch = 0
        self._resume = 0  # indices of the epoch to skip at the next iteration
        self._offset = 0  # indices skipped by the live iteration
        self._iterator = None
        self._resize()

    def _resize(self):
        """Shard sizes of the current epoch (a scheduled resampler's vary)."""
        if getattr(self.resampler, "schedule", None) is not None:
            size = self.resampler.epoch_size(self.epoch)
        else:
            size = self.resampler.epoch_size_
        if self.drop_last:
            self.num_samples = size // self.num_replicas
        else:
            self.num_samples = math.ceil(size / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def set_epoch(self, epoch):
        """Set the epoch the next iteration draws.

        Parameters
        ----------
        epoch : int in [0, 2**63 - 1]
        """
        if isinstance(epoch, bool) or not isinstance(epoch, Integral) or epoch < 0:
            raise ValueError(f"epoch must be an int >= 0; got {epoch!r}.")
        if int(epoch) != self.epoch:
            self._resume = 0  # a loaded position belongs to its own epoch
        self.epoch = int(epoch)
        self._resize()

    def state_dict(self):
        """The position of this rank in the current epoch, to resume from.

        Returns
        -------
        state : dict
            ``{"epoch", "yielded", "num_samples", "num_replicas", "seed",
            "fingerprint"}``: the epoch, how many of this rank's indices the
            current (or last) iteration has yielded, and what identifies the
            epochs (the shard length, the number of replicas, the resampler's
            seed and :meth:`~skweight.EpochResampler.fingerprint`: its
            strategy, parameters, fitted cells and rows), which
            :meth:`load_state_dict` checks.

        Examples
        --------
        >>> import numpy as np
        >>> from skweight import EpochResampler
        >>> from skweight.torch import EpochSampler
        >>> rs = EpochResampler("over", random_state=0).fit(None, [0] * 6 + [1] * 2)
        >>> sampler = EpochSampler(rs)
        >>> sampler.set_epoch(3)
        >>> it = iter(sampler)
        >>> first = [next(it) for _ in range(5)]
        >>> state = sampler.state_dict()
        >>> state["epoch"], state["yielded"]
        (3, 5)
        >>> resumed = EpochSampler(rs)
        >>> resumed.load_state_dict(state)
        >>> first + list(resumed) == rs.epoch_indices(3).tolist()
        True
        """
        return {
            "epoch": self.epoch,
            "yielded": self._yielded(),
            "num_samples": self.num_samples,
            "num_replicas": self.num_replicas,
            "seed": int(self.resampler.seed_),
            "fingerprint": self.resampler.fingerprint(),
        }

    def load_state_dict(self, state_dict):
        """Resume from a :meth:`state_dict`: the next iteration yields the rest.

        The next iteration of the saved epoch starts after the indices already
        yielded; :meth:`set_epoch` to another epoch starts that one afresh.

        Parameters
        ----------
        state_dict : dict
            As returned by :meth:`state_dict`, from a sampler over a resampler
            with the same seed and epochs and the same number of replicas.
        """
        missing = {"epoch", "yielded"} - set(state_dict)
        if missing:
            raise ValueError(
                f"state_dict lacks {sorted(missing)}; pass what "
                "EpochSampler.state_dict() returned."
            )
        epoch, yielded = state_dict["epoch"], state_dict["yielded"]
        previous = self.epoch
        self.set_epoch(epoch)  # the shard length may depend on the epoch
        try:
            self._check_state(state_dict)
        except ValueError:
            self.set_epoch(previous)
            raise
        if (
            isinstance(yielded, bool)
            or not isinstance(yielded, Integral)
            or not 0 <= yielded <= self.num_samples
        ):
            raise ValueError(
                f"state_dict['yielded'] must be an int in [0, {self.num_samples}]; "
                f"got {yielded!r}."
            )
        self._resume = int(yielded)
        self._offset, self._iterator = int(yielded), None

    def _check_state(self, state_dict):
        """Raise if the state was saved from other epochs."""
        saved = state_dict.get("fingerprint")
        if saved is not None:
            mine = self.resampler.fingerprint()
            differ = [k for k in mine if k in saved and saved[k] != mine[k]]
            if differ:
                what = {
                    "strategy": "strategy",
                    "parameters": "parameters",
                    "n_samples": "number of rows fit",
                    "cells": "fitted cells (the units, their rows or their targets)",
                    "rows": "rows of each unit",
                }
                raise ValueError(
                    "The state was saved by a sampler over another fit: its "
                    + ", ".join(what.get(k, k) for k in differ)
                    + " differ"
                    + (
                        f" (n_samples: {saved['n_samples']!r} saved, {mine['n_samples']!r} "
                        "here)"
                        if "n_samples" in differ
                        else ""
                    )
                    + ", so this fit's epochs hold other indices. Resume with the "
                    "resampler fit on the same rows with the same parameters."
                )
        for key, mine in (
            ("num_replicas", self.num_replicas),
            ("num_samples", self.num_samples),
            ("seed", int(self.resampler.seed_)),
        ):
            if key in state_dict and state_dict[key] != mine:
                raise ValueError(
                    f"The state was saved by a sampler with {key}={state_dict[key]!r}; "
                    f"this one has {key}={mine!r}, so its epochs hold other indices. "
                    "Resume with the same resampler (same seed and fitted rows) and "
                    "the same number of replicas."
                )

    def _yielded(self):
        """Indices of this rank the live (or last) iteration has yielded."""
        if self._iterator is None:
            return self._offset
        return self._offset + self._iterator.count

    def shard(self):
        """This rank's indices of the current epoch, as an array."""
        return self._sharded(self.resampler.epoch_indices(self.epoch))

    def shard_weights(self):
        """The weights of :meth:`shard`'s indices that keep the strata mix.

        :meth:`skweight.EpochResampler.epoch_weights` of the current epoch,
        sharded as the indices are: entry ``k`` weighs the ``k``-th index this
        rank yields (with :class:`~skweight.torch.EpochBatchSampler`, batch
        ``j`` has the weights ``[j * batch_size:(j + 1) * batch_size]``). For
        a loss with ``reduction="none"``, reduced by
        :func:`~skweight.torch.weighted_mean`.

        Returns
        -------
        weights : torch.Tensor of float32 of shape (num_samples,)
        """
        weights = self.resampler.epoch_weights(self.epoch)
        return torch.from_numpy(self._sharded(weights).astype(np.float32))

    def _sharded(self, values):
        if self.total_size > values.size:  # pad by wrapping around
            values = np.resize(values, self.total_size)
        return values[self.rank : self.total_size : self.num_replicas]

    def __iter__(self):
        # An array of C integers yields Python ints one at a time: no list of
        # int objects is held (a 2**24-row epoch would take hundreds of MB).
        start, self._resume = self._resume, 0
        shard = np.ascontiguousarray(self.shard()[start:], dtype=np.int64)
        indices = array.array("q")
        indices.frombytes(shard.data.cast("B"))
        self._offset, self._iterator = start, _Counted(iter(indices))
        return self._iterator

    def __len__(self):
        return self.num_samples

    def __repr__(self):
        return (
            f"{type(self).__name__}({self.resampler!r}, num_replicas="
            f"{self.num_replicas}, rank={self.rank}, drop_last={self.drop_last}; "
            f"epoch={self.epoch}, {self.num_samples} indices per replica)"
        )
