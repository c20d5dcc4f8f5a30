"""Dask support: weights and per-epoch resampling beyond one machine.

Needs dask (``pip install skweight[dask]``); importing :mod:`skweight` itself
never imports dask.

- The weighters (:class:`~skweight.GroupBalancedWeighter`,
  :class:`~skweight.EffectiveNumberWeighter`) accept dask collections as they
  are: ``fit`` counts the cells in one distributed aggregation and ``weight``
  / ``fit_weight`` return a lazy dask Series aligned with the input's
  partitions. Nothing from this module is needed for that.
- :class:`DaskEpochResampler` is :class:`~skweight.EpochResampler` whose
  epochs are dask DataFrames when it is fitted on one (and pandas or numpy
  rows when fitted in memory, so the same code runs on a laptop and on a
  cluster). Its epochs hold the same rows as the in-memory resampler's.

The code lives in :mod:`skweight.integrations.dask`.
"""

from .integrations.dask import DaskEpochResampler

__all__ = ["DaskEpochResampler"]
