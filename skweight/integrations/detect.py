"""Cheap tests that recognise a backend's inputs without importing its library."""

__all__ = ["is_dask", "is_lazy"]


def is_dask(value):
    """Whether ``value`` is a dask collection (without importing dask)."""
    module = type(value).__module__
    return (module == "dask" or module.startswith(("dask.", "dask_expr"))) and hasattr(
        value, "__dask_graph__"
    )


# Libraries with lazy frames (a first, cheap test on the type's module).
_LAZY_MODULES = ("polars", "duckdb", "pyspark", "sqlframe", "ibis", "narwhals")


def is_lazy(value):
    """Whether ``value`` is a lazy frame narwhals knows (polars, DuckDB, Spark, ...)."""
    if not type(value).__module__.startswith(_LAZY_MODULES):
        return False
    import narwhals.stable.v2 as nw

    return nw.dependencies.is_into_lazyframe(value)
