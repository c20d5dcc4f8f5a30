"""A balanced ``IterableDataset``: a stream kept or repeated per item (PyTorch).

:class:`BalancedIterableDataset` wraps any iterable (an ``IterableDataset``,
webdataset shards, a Hugging Face streaming dataset) and serves it balanced
by :func:`skweight.streams.balance_stream`, sharded over ``DataLoader``
workers and ``torch.distributed`` ranks so that no two shards share an item.
"""

from numbers import Integral

from .._compat import import_optional
from ..exceptions import renamed_parameters
from ..resampling.stream import balance_stream

torch = import_optional("torch", extra="torch", needed_by="skweight.torch")
from torch.utils.data import IterableDataset, get_worker_info  # noqa: E402

__all__ = ["BalancedIterableDataset"]


class BalancedIterableDataset(IterableDataset):
    """Serve a stream balanced to a weighter's (or a resampler's) targets.

    Each item is kept ``floor(r)`` times plus once more with probability
    ``r - floor(r)``, ``r`` its unit's rate (see :mod:`skweight.streams` for
    the bias and memory bounds). Item ``i`` of ``items`` goes to shard
    ``i % (world_size * num_workers)``: every worker of every rank reads the
    whole stream and keeps its own items, so shards are disjoint and together
    cover the stream.

    Parameters
    ----------
    items : iterable
        The stream (``source`` before 0.2, as in :func:`~skweight.streams.balance_stream`): re-iterable (each ``iter`` starts the stream again), e.g. an
        ``IterableDataset`` or a list.
    keys : callable
        ``keys(item) -> dict`` of the item's key values (group and stratum
        columns, and the label under ``label``).
    weighter : weighter or EpochResampler
        Fitted (its counts are kept) or an unfitted weighter (running counts,
        per shard).
    label : str, default="label"
    chunk_size : int, default=1024
    random_state : int, default=0
        With :meth:`set_epoch`, the draws of every epoch are reproducible.
    shuffle : bool, default=True
        Permute each chunk's output.

    Examples
    --------
    >>> import numpy as np
    >>> from torch.utils.data import DataLoader
    >>> from skweight import GroupBalancedWeighter
    >>> from skweight.torch import BalancedIterableDataset
    >>> labels = np.repeat([0, 1], [900, 100])
    >>> stream = [{"x": float(i), "label": int(y)} for i, y in enumerate(labels)]
    >>> weighter = GroupBalancedWeighter().fit(None, labels)
    >>> data = BalancedIterableDataset(stream, lambda item: {"label": item["label"]},
    ...                                weighter)
    >>> batch = next(iter(DataLoader(data, batch_size=1000)))
    >>> round(float(batch["label"].float().mean()), 1)
    0.5
    """

    @renamed_parameters(source="items")
    def __init__(
        self,
        items,
        keys,
        weighter,
        *,
        label="label",
        chunk_size=1024,
        random_state=0,
        shuffle=True,
    ):
        if isinstance(random_state, bool) or not isinstance(random_state, Integral):
            raise ValueError(
                f"random_state must be an int (every shard seeds from it); got "
                f"{random_state!r}."
            )
        self.items, self.keys, self.weighter = items, keys, weighter
        self.label, self.chunk_size = label, chunk_size
        self.random_state, self.shuffle = int(random_state), bool(shuffle)
        self.epoch = 0

    def set_epoch(self, epoch):
        """Draw the copies of ``epoch`` at the next iteration."""
        if isinstance(epoch, bool) or not isinstance(epoch, Integral) or epoch < 0:
            raise ValueError(f"epoch must be an int >= 0; got {epoch!r}.")
        self.epoch = int(epoch)

    def shard(self):
        """``(index, count)`` of this process and worker."""
        dist = torch.distributed
        rank, world = 0, 1
        if dist.is_available() and dist.is_initialized():
            rank, world = dist.get_rank(), dist.get_world_size()
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        return rank * workers + worker, world * workers

    def __iter__(self):
        return balance_stream(
            iter(self.items),
            self.keys,
            self.weighter,
            label=self.label,
            chunk_size=self.chunk_size,
            random_state=self.random_state,
            epoch=self.epoch,
            shard=self.shard(),
            shuffle=self.shuffle,
        )

    def __repr__(self):
        return (
            f"{type(self).__name__}({type(self.items).__name__}, "
            f"{self.weighter!r}, chunk_size={self.chunk_size}; epoch={self.epoch})"
        )
