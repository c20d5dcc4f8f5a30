"""Epochs of a dask DataFrame: the one drawing plan, partition by partition.

The fit counts each cell's rows per partition (one distributed aggregation),
and the resampler's own sequence (:mod:`skweight.resampling.fitting`) fixes
the units, their targets and the one drawing plan
(:class:`skweight.resampling.plan.DrawingPlan`) from that table. A row's
*rank* is its position among the rows of its unit in the order of the data
(partition by partition), known inside a partition from the counts of the
partitions before it; each partition asks the plan how often each of its rows
is drawn (:meth:`~skweight.resampling.plan.DrawingPlan.row_counts`).
"""

import copy

import numpy as np

from ...engine.backends import Inputs
from .counting import (
    FIRST,
    POS_BITS,
    ROWS,
    check_keys,
    check_missing,
    combine_inputs,
    count_partition,
    count_table,
)
from .frames import combine, import_dask

dd = import_dask()
import dask  # noqa: E402 - after the check that dask is installed

__all__ = ["DaskEpochs", "dask_epochs"]

# The stream of per-partition shuffles: [seed, epoch, stream, partition]; the
# streams below it belong to skweight.resampling.
STREAM_PARTITION = 3


def dask_epochs(inputs, roles, request, draw):
    """Count each cell's rows per partition, have the plan fit, return :class:`DaskEpochs`."""
    X, y, sample_weight, sensitive_features, strata_features = inputs
    if request.row_id is not None:
        raise ValueError(
            "row_id is for rows in memory and lazy frames; on dask data a row's rank "
            "is its position, partition by partition: leave row_id=None."
        )
    if not isinstance(X, dd.DataFrame):
        raise TypeError(
            f"{request.owner} on dask data needs X as a dask DataFrame; got "
            f"{type(X).__name__}."
        )
    if isinstance(y, str):
        y = X[y]
    inputs = Inputs(X, y, None, sensitive_features, strata_features)
    frame, layout = combine_inputs(inputs, roles)
    if "y" in layout.parts and len(layout.parts["y"][2]) > 1:
        raise ValueError(f"{request.owner} on dask data needs 1-D class labels.")
    check_keys(roles, X, layout)
    # Count on the frame that resample() reads, with every column of X: dask
    # merges partitions when it reads few columns, and the ranks of the plan
    # must refer to the partitions that resample() sees.
    full, full_layout = combine_inputs(inputs, roles, x_columns=list(X.columns))
    keys = layout.keys
    counted = full.map_partitions(
        _count_mapped,
        full_layout.project_to(layout),
        keys,
        meta=count_partition(frame._meta, 0, keys, None),
    )
    table, n_parts = dask.compute(counted, counted.optimize().npartitions)
    check_missing(roles, table, layout)
    order = np.argsort(table[FIRST].to_numpy(), kind="stable")
    table = table.iloc[order].reset_index(drop=True)
    # One table row per (partition, key combination): the engine adds them up.
    drawing = draw(count_table(table, layout, X))
    plan = _PartitionPlan(drawing.plan, drawing.unit_of_cell, drawing.weighter)
    plan.set_partitions(
        table[FIRST].to_numpy() >> POS_BITS,
        drawing.table_units,
        table[ROWS].to_numpy(),
        n_parts,
    )
    plan.seed, plan.shuffle = drawing.seed, drawing.shuffle
    return DaskEpochs(plan)


class DaskEpochs:
    """The epochs of a plan fit on a dask DataFrame: dask DataFrames."""

    fitted_on = (
        "a dask DataFrame: its epochs are dask DataFrames. Use resample(X, y, epoch=...)"
    )

    def __init__(self, plan):
        self.plan = plan
        self.n_partitions = plan.n_parts

    def resample(self, X, y=None, *, epoch, sensitive_features=None, strata_features=None):
        """The rows of ``epoch`` (and of ``y``), lazily, partition by partition."""
        return _epoch_frames(self.plan, X, y, sensitive_features, strata_features, epoch)

    def write(self, X, epochs, folders):
        """Write each epoch's rows, one Parquet file per partition."""
        import os
        import shutil

        for epoch, folder in zip(epochs, folders):
            if os.path.exists(folder):
                shutil.rmtree(folder)
            self.resample(X, epoch=epoch)[0].to_parquet(folder)


def _count_mapped(part, mapping, keys, partition_info=None):
    """Count one partition of the full frame, on the key columns only."""
    number = partition_info["number"] if partition_info else 0
    keyed = part[list(mapping)].rename(columns=mapping)
    return count_partition(keyed, number, keys, None)


# ---------------------------------------------------------------------- #
# Drawing an epoch, partition by partition
# ---------------------------------------------------------------------- #
def _epoch_frames(plan, X, y, sensitive_features, strata_features, epoch):
    if not isinstance(X, dd.DataFrame):
        raise TypeError(f"X must be the dask DataFrame of the fit; got {type(X).__name__}.")
    if y is None and plan.weighter.cell_spec_.label is not None:
        raise ValueError("The units of this resampler use the label: pass y.")
    if isinstance(y, str):
        y = X[y]
    frame, layout = combine(X, y, None, sensitive_features, strata_features, x_columns=None)
    out = frame.map_partitions(
        _epoch_partition,
        dask.delayed(plan, pure=True),
        layout,
        epoch,
        meta=frame._meta,
        clear_divisions=plan.shuffle,
    )
    n_parts = out.optimize().npartitions
    if n_parts != plan.n_parts:
        raise ValueError(
            f"X has {n_parts} partitions but the resampler was fit on "
            f"{plan.n_parts}; resample the rows of the fit, partitioned alike."
        )
    kind, names, columns = layout.parts["X"]
    X_res = out[columns].rename(columns=dict(zip(columns, names)))
    y_res = None
    if "y" in layout.parts:
        kind, names, columns = layout.parts["y"]
        y_res = out[columns[0]].rename(
            names if kind == "series" else (names[0] if kind == "frame" else None)
        )
    return X_res, y_res


def _epoch_partition(part, plan, layout, epoch, partition_info=None):
    number = partition_info["number"] if partition_info else 0
    units, counts, offsets = plan.partition(number)
    mismatch = ValueError(
        f"Partition {number} does not hold the rows the resampler was fit on "
        f"({len(part)} rows; {int(counts.sum())} at fit). Resample the rows of the "
        "fit, in the same order and partitions."
    )
    if len(part) != counts.sum():
        raise mismatch
    if len(part) == 0:
        return part
    args = layout.rebuild(part)
    try:
        ids = plan.weighter.cell_ids(
            args["X"],
            args["y"],
            sensitive_features=args["sensitive_features"],
            strata_features=args["strata_features"],
        )
    except ValueError as exc:
        raise mismatch from exc
    unit = plan.unit_of_cell[ids]
    seen = np.bincount(unit[unit >= 0], minlength=plan.n_units)
    if (unit < 0).any() or not np.array_equal(seen[units], counts):
        raise mismatch
    # Rank of each row among the rows of its unit, over the whole data set.
    order = np.argsort(unit, kind="stable")
    sorted_units = unit[order]
    starts = np.flatnonzero(np.r_[True, sorted_units[1:] != sorted_units[:-1]])
    sizes = np.diff(np.r_[starts, sorted_units.size])
    offset = np.zeros(plan.n_units, dtype=np.int64)
    offset[units] = offsets
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size) - np.repeat(starts, sizes) + offset[sorted_units]
    copies = plan.drawing.row_counts(plan.seed, epoch, unit, rank)
    rows = np.repeat(np.arange(len(part)), copies)
    if plan.shuffle:
        np.random.default_rng([plan.seed, epoch, STREAM_PARTITION, number]).shuffle(rows)
    return part.iloc[rows]


class _PartitionPlan:
    """What every partition needs to draw its share of an epoch.

    Parameters
    ----------
    drawing : DrawingPlan
        The resampler's one drawing plan.
    unit_of_cell : ndarray of int
        Unit of each flat cell id (-1 for empty cells).
    weighter : fitted weighter
        Encodes a partition's rows into cells (a frozen copy is kept).
    """

    def __init__(self, drawing, unit_of_cell, weighter):
        self.drawing = drawing
        self.unit_of_cell = unit_of_cell
        self.weighter = copy.deepcopy(weighter)
        self.n_units = drawing.n.size
        self.seed, self.shuffle = None, True

    def set_partitions(self, partition, unit, rows, n_parts):
        """Rows per (partition, unit) and each one's first global rank."""
        n_units = self.n_units
        key, inverse = np.unique(partition * n_units + unit, return_inverse=True)
        counts = np.bincount(inverse.ravel(), weights=rows).astype(np.int64)
        part, unit = np.divmod(key, n_units)
        by_unit = np.lexsort((part, unit))
        before = np.cumsum(counts[by_unit]) - counts[by_unit]
        first = np.flatnonzero(np.r_[True, unit[by_unit][1:] != unit[by_unit][:-1]])
        sizes = np.diff(np.r_[first, by_unit.size])
        offsets = np.empty_like(counts)
        offsets[by_unit] = before - np.repeat(before[first], sizes)
        self.n_parts = int(n_parts)
        self.bounds = np.searchsorted(part, np.arange(n_parts + 1))
        self.part_units, self.part_counts, self.part_offsets = unit, counts, offsets

    def partition(self, number):
        """``(units, rows, first ranks)`` of one partition."""
        sl = slice(self.bounds[number], self.bounds[number + 1])
        return self.part_units[sl], self.part_counts[sl], self.part_offsets[sl]
