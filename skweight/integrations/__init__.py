"""Integrations: the optional libraries, each imported only when used.

- :mod:`.torch`: samplers, datasets and loss weights for PyTorch;
- :mod:`.dask`: the dask backend and :class:`~.dask.DaskEpochResampler`;
- :mod:`.lazy`: the backend of lazy frames (polars ``LazyFrame``, DuckDB,
  ...), through narwhals.

This module registers the backends with the engine
(:func:`skweight.engine.backends.register_backend`): each with a test that
recognises its inputs without importing its library, and a loader that
imports it on first use. A new backend is one module and one line here.
"""

from ..engine.backends import register_backend
from .detect import is_dask, is_lazy


def _load_dask():
    from .dask.backend import DaskBackend

    return DaskBackend()


def _load_lazy():
    from .lazy import LazyBackend

    return LazyBackend()


register_backend("dask", is_dask, _load_dask)
register_backend("lazy", is_lazy, _load_lazy)
