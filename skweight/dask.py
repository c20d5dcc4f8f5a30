"""Dask support: weights and per-epoch resampling beyond one machine.

Needs dask (``pip install skweight[dask]``); importing :mod:`skweight` itself
never imports dask. The weighters accept dask collections as they are;
:class:`DaskEpochResampler` draws each epoch as a dask DataFrame, the same rows
as :class:`~skweight.EpochResampler` in memory. The code and the full story live
in :mod:`skweight.integrations.dask`.
"""

from .integrations.dask import DaskEpochResampler

__all__ = ["DaskEpochResampler"]
