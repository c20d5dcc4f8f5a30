"""Epochs of a lazy frame (PySpark, polars, DuckDB): one query per epoch.

``EpochResampler(row_id=...).fit`` on a lazy frame runs, through the lazy
backend's ``epochs`` hook (:mod:`skweight.resampling.fitting`), the weighters' one
aggregation (rows per key combination, collected: the cell table is small)
and builds the resampler's one drawing plan
(:class:`~skweight.resampling.plan.DrawingPlan`) from it, exactly as in
memory. An epoch is then a query on the engine, and nothing is collected:

1. each row's unit and cell, by the expressions that map key values to cells
   for the weights (:func:`~skweight.integrations.lazy_cells.cell_codes`);
2. its *rank* among the rows of its unit, in the order of the row key
   ``row_id`` (ties within a unit broken by the cell): a window;
3. how often the plan draws it this epoch, by
   :meth:`~skweight.resampling.plan.DrawingPlan.row_counts`, batch by batch
   in a vectorised function (an Arrow UDF on Spark, ``map_batches`` on
   polars, ``DuckDBPyRelation.map`` on DuckDB);
4. every row kept that many times (0: dropped; 2: repeated), by an explode.

The rank depends only on the row key, so an epoch depends only on the data,
the seed and the epoch number: the same rows on every run and cluster, and
the same rows as :class:`~skweight.EpochResampler` with the same ``row_id``
draws in memory. The rows of an epoch come in no particular order; shuffle
them where they are read (a data loader does).
"""

import copy

import numpy as np

from .lazy_cells import cell_codes, column_name

__all__ = ["LazyEpochs", "lazy_epochs"]

_UNIT, _CELL = "__skweight_unit__", "__skweight_cell__"
_RANK, _DRAWS, _COPY = "__skweight_rank__", "__skweight_draws__", "__skweight_copy__"
_TWICE = "__skweight_twice__"
_HELPERS = [_UNIT, _CELL, _RANK, _TWICE, _DRAWS, _COPY]


def _engine(X):
    module = type(X).__module__
    if module.startswith("pyspark"):
        return "spark"
    if module.startswith("polars"):
        return "polars"
    if module.startswith("duckdb"):
        return "duckdb"
    raise TypeError(
        f"Epochs of a lazy frame are queries on PySpark DataFrames, polars "
        f"LazyFrames and DuckDB relations; got a {type(X).__name__}. Collect the rows first, or weigh them "
        "lazily with a weighter's fit_weight (a weight column)."
    )


def lazy_epochs(backend, inputs, roles, request, draw):
    """Count the cells on the engine, have the plan fit, return :class:`LazyEpochs`."""
    import narwhals.stable.v2 as nw

    X, y = inputs.X, inputs.y
    engine = _engine(X)
    names = nw.from_native(X).collect_schema().names()
    if request.row_id is None:
        raise ValueError(
            f"The rows of a lazy frame have no order: name a stable row key with "
            f"row_id= (e.g. {request.owner}(..., row_id='id')), by which the rows of "
            "each unit are ranked, the same way on every run."
        )
    row_id = column_name(request.row_id, "row_id", names)
    y = column_name(y, "y", names)
    drawing = draw(backend.count(inputs._replace(y=y), roles, row_id=row_id))
    return LazyEpochs(
        drawing.plan, drawing.cell_unit, drawing.weighter, row_id, y, drawing.seed, engine
    )


class LazyEpochs:
    """What an epoch query needs of a resampler fitted on a lazy frame.

    Parameters
    ----------
    plan : DrawingPlan
        The resampler's one drawing plan.
    cell_unit : ndarray of int64
        Unit of each row of the weighter's ``weight_table_``.
    weighter : fitted weighter
        Maps key values to cells (a frozen copy is kept).
    row_id, y : str
        The row key and label columns (``y`` may be None).
    seed : int
    engine : {"spark", "polars", "duckdb"}
    """

    def __init__(self, plan, cell_unit, weighter, row_id, y, seed, engine):
        self.plan = plan
        self.cell_unit = np.asarray(cell_unit, dtype=np.int64)
        self.weighter = copy.deepcopy(weighter)
        self.row_id, self.y, self.seed, self.engine = row_id, y, int(seed), engine

    def ranked(self, X, y=None):
        """``X`` with each row's unit, cell and rank (a narwhals lazy frame)."""
        import narwhals.stable.v2 as nw

        module = type(X).__module__
        if not (
            module.startswith(self.engine.replace("spark", "pyspark"))
            and not (self.engine == "polars" and hasattr(X, "shape"))
        ):
            kind = {
                "spark": "PySpark DataFrame",
                "polars": "polars LazyFrame",
                "duckdb": "DuckDB relation",
            }[self.engine]
            raise TypeError(
                f"The resampler was fit on a {kind}: resample that frame; got a "
                f"{type(X).__name__}."
            )
        lf = nw.from_native(X)
        names = lf.collect_schema().names()
        clash = [c for c in names if c in _HELPERS]
        if clash:
            raise ValueError(f"X has columns {clash}, which skweight uses; rename them.")
        row_id = column_name(self.row_id, "row_id", names)
        y = self.y if y is None else column_name(y, "y", names)
        lf_codes, codes, cell, table_cell, temp = cell_codes(lf, self.weighter, y)
        unknown = nw.any_horizontal(*[c < 0 for c in codes], ignore_nulls=True)
        rows = table_cell.tolist()

        def lookup(values):
            mapped = cell.replace_strict(rows, values, default=-1, return_dtype=nw.Int64)
            return nw.when(unknown).then(nw.lit(-1)).otherwise(mapped)

        lf = lf_codes.with_columns(
            lookup(list(range(len(rows)))).alias(_CELL),
            lookup(self.cell_unit.tolist()).alias(_UNIT),
        ).drop(temp)
        order = [row_id, _CELL]
        rank = nw.col(row_id).cum_count().over(_UNIT, order_by=order) - 1
        # A key twice in one cell: the row after it in the same window has it too.
        twice = (nw.col(row_id).shift(1).over(_UNIT, order_by=order) == nw.col(row_id)) & (
            nw.col(_CELL).shift(1).over(_UNIT, order_by=order) == nw.col(_CELL)
        )
        return lf.with_columns(
            rank.cast(nw.Int64).alias(_RANK), twice.fill_null(False).alias(_TWICE)
        )

    fitted_on = (
        "a lazy frame: its epochs are queries on the engine, not indices. "
        "Use resample(X, epoch=...)"
    )

    def resample(self, X, y=None, *, epoch, sensitive_features=None, strata_features=None):
        """The rows of ``epoch``: the caller's kind of lazy frame, lazily; and None."""
        return self.draw(self.ranked(X, y).to_native(), epoch), None

    def write(self, X, epochs, folders):
        """Write the epochs' rows, one Parquet folder each (the rows ranked once)."""
        for rows, folder in zip(self.epochs(X, epochs), folders):
            _write(rows, folder, self.engine)

    def epochs(self, X, epochs):
        """The rows of several epochs, ranked once: a generator of frames.

        On Spark the ranked rows are persisted (memory and disk) while the
        generator runs, so the window that ranks them runs once, not once
        per epoch; each epoch is then a map over them.
        """
        ranked = self.ranked(X).to_native()
        if self.engine == "spark":
            ranked = ranked.persist()
        try:
            for epoch in epochs:
                yield self.draw(ranked, epoch)
        finally:
            if self.engine == "spark":
                ranked.unpersist()

    def draw(self, native, epoch):
        """The rows of ``epoch`` from a frame ranked by :meth:`ranked`."""
        draws = _row_draws(self.plan, self.seed, epoch, self.row_id)
        # No row drawn twice (under-sampling): a filter, no explode.
        plan = self.plan
        once = int(plan.copies.max(initial=0)) + (1 if plan.active.size else 0) <= 1
        if self.engine == "spark":
            return _spark_epoch(native, draws, once)
        if self.engine == "duckdb":
            return _duckdb_epoch(native, draws)
        return _polars_epoch(native, draws, once)


def _row_draws(plan, seed, epoch, row_id):
    """``f(unit, rank, twice) -> draws`` on numpy arrays, for the engine's batches."""

    def draws(unit, rank, twice):
        if np.any(twice):
            raise ValueError(
                f"row_id column {row_id!r} repeats values: {int(np.sum(twice))} row(s) "
                "of this batch share their key with another row of the same cell. "
                "Name a column that is unique per row (e.g. an id), so that every run "
                "ranks the rows alike."
            )
        unit = np.asarray(unit, dtype=np.int64)
        if unit.size and unit.min() < 0:
            raise ValueError(
                f"{int((unit < 0).sum())} row(s) of this batch fall in cells that had "
                "no rows during fit: resample the rows the resampler was fit on."
            )
        return plan.row_counts(seed, epoch, unit, np.asarray(rank, dtype=np.int64))

    return draws


def _spark_epoch(frame, draws, once):
    from pyspark.sql import functions as F

    if hasattr(F, "arrow_udf"):  # pyspark >= 4.1: Arrow arrays, no pandas in between
        import pyarrow as pa

        def batch(unit: pa.Array, rank: pa.Array, twice: pa.Array) -> pa.Array:
            return pa.array(
                draws(
                    unit.to_numpy(), rank.to_numpy(), twice.to_numpy(zero_copy_only=False)
                )
            )

        udf = F.arrow_udf(batch, "long")
    else:  # pragma: no cover - older pyspark
        import pandas as pd

        def batch(unit: pd.Series, rank: pd.Series, twice: pd.Series) -> pd.Series:
            return pd.Series(draws(unit.to_numpy(), rank.to_numpy(), twice.to_numpy()))

        udf = F.pandas_udf(batch, "long")
    # Deterministic in fact; marked otherwise so that Spark evaluates it once
    # instead of again inside the filter that reads its result.
    udf = udf.asNondeterministic()
    counted = frame.withColumn(_DRAWS, udf(F.col(_UNIT), F.col(_RANK), F.col(_TWICE)))
    kept = counted.filter(F.col(_DRAWS) > 0)
    if not once:
        kept = kept.withColumn(
            _COPY, F.explode(F.sequence(F.lit(1).cast("long"), F.col(_DRAWS)))
        )
    return kept.drop(*[c for c in _HELPERS if c in kept.columns])


def _duckdb_epoch(relation, draws):
    names = [c for c in relation.columns if c not in _HELPERS]
    types = dict(zip(relation.columns, relation.types))

    def chunk_draws(chunk):
        copies = draws(
            chunk[_UNIT].to_numpy(), chunk[_RANK].to_numpy(), chunk[_TWICE].to_numpy()
        )
        return (
            chunk[names]
            .iloc[np.repeat(np.arange(len(chunk)), copies)]
            .reset_index(drop=True)
        )

    return relation.map(chunk_draws, schema={name: types[name] for name in names})


def _polars_epoch(frame, draws, once):
    import polars as pl

    def draws_batch(batch):
        fields = [batch.struct.field(name).to_numpy() for name in (_UNIT, _RANK, _TWICE)]
        return pl.Series(draws(*fields), dtype=pl.Int64)

    counted = frame.with_columns(
        pl.struct(_UNIT, _RANK, _TWICE)
        .map_batches(draws_batch, return_dtype=pl.Int64, is_elementwise=True)
        .alias(_DRAWS)
    )
    kept = counted.filter(pl.col(_DRAWS) > 0)
    if not once:
        kept = kept.with_columns(pl.int_ranges(pl.col(_DRAWS)).alias(_COPY)).explode(_COPY)
    return kept.drop([c for c in _HELPERS if c in kept.collect_schema().names()])


def _write(rows, folder, engine):
    """Write one epoch's rows (a lazy frame of ``engine``) to ``folder``."""
    import os
    import shutil

    if engine == "spark":  # by the cluster
        rows.write.mode("overwrite").parquet(folder)
        return
    if os.path.exists(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    target = os.path.join(folder, "part-0.parquet")
    if engine == "polars":
        try:
            rows.sink_parquet(target)
        except Exception as error:  # polars < 1.23 streams fewer queries
            if "not yet supported" not in str(error):
                raise
            rows.collect().write_parquet(target)
    else:  # DuckDB
        rows.write_parquet(target)
