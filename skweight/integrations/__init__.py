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


def is_dask(value):
    """Whether ``value`` is a dask collection (without importing dask)."""
    module = type(value).__module__
    return (module == "dask" or module.startswith(("dask.", "dask_expr"))) and hasattr(
        value, "__dask_graph__")


def _load_dask():
    from .dask.backend import DaskBackend

    return DaskBackend()


# Libraries with lazy frames (a first, cheap test on the type's module).
_LAZY_MODULES = ("polars", "duckdb", "pyspark", "sqlframe", "ibis", "narwhals")


def _is_lazy(value):
    if not type(value).__module__.startswith(_LAZY_MODULES):
        return False
    import narwhals as nw

    return nw.dependencies.is_into_lazyframe(value)


def _load_lazy():
    from .lazy import LazyBackend

    return LazyBackend()


register_backend("dask", is_dask, _load_dask)
register_backend("lazy", _is_lazy, _load_lazy)
