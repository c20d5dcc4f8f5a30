"""Balancing streams: items kept or repeated to reach a weighter's balance.

:func:`balance_stream` turns any iterable into a balanced one, chunk by
chunk, sharded without overlap; :class:`skweight.torch.BalancedIterableDataset`
wraps it for a ``DataLoader`` (workers and distributed ranks). The code lives
in :mod:`skweight.resampling.stream`.
"""

from .resampling.stream import balance_stream

__all__ = ["balance_stream"]
