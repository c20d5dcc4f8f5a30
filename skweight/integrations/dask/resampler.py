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
  cluster).

How an epoch is drawn on a dask DataFrame: the fit counts each cell's rows
per partition (one distributed aggregation), and the in-memory resampler's
own code fixes the units, their targets and the one drawing plan
(:class:`skweight.resampling.plan.DrawingPlan`). A row's *rank* is its
position among the rows of its unit in the order of the data (partition by
partition), known inside a partition from the counts of the partitions before
it; each partition asks the plan how often each of its rows is drawn
(:meth:`~skweight.resampling.plan.DrawingPlan.row_counts`). The rows drawn
are therefore exactly those :class:`~skweight.EpochResampler` draws from the
same rows in memory, for every strategy and seed; an epoch depends only on the
data, the seed and the epoch number, not on the partitioning, the cluster or
the order in which partitions run. Only the order of rows inside a partition
(``shuffle=True``) depends on the partitioning.
"""

import copy

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..._compat import validate_params
from ...engine.backends import Inputs
from ...engine.frames import take_rows
from ...resampling.protocol import check_labels
from ...resampling.resampler import EpochResampler, check_epoch
from .backend import (
    FIRST,
    POS_BITS,
    ROWS,
    check_keys,
    check_missing,
    combine_inputs,
    count_partition,
    count_table,
    roles_of,
)
from .frames import combine, import_dask, is_dask

dd = import_dask()
import dask  # noqa: E402 - after the check that dask is installed

__all__ = ["DaskEpochResampler"]

# The stream of per-partition shuffles: [seed, epoch, stream, partition]; the
# streams below it belong to skweight.resampling.
STREAM_PARTITION = 3


class DaskEpochResampler(EpochResampler):
    """EpochResampler whose epochs are dask DataFrames when fitted on one.

    Takes the parameters of :class:`~skweight.EpochResampler` and behaves as
    it on in-memory data. Fitted on a dask DataFrame, it counts the rows of
    every unit per partition in one distributed aggregation, and
    :meth:`resample` returns each epoch's rows as a lazy dask DataFrame,
    sampled partition by partition so that the rows drawn meet the global
    per-unit targets exactly.

    Parameters
    ----------
    strategy, groups, strata, balance, weighter, sampling_strategy, \
n_samples, shuffle, random_state
        As in :class:`~skweight.EpochResampler`. On dask data,
        ``strategy="weights"`` needs a skweight weighter (its weights are
        constant within cells) and no ``sample_weight``. ``random_state``
        should be an int there: each epoch then depends only on the data,
        the seed and the epoch number.

    Attributes
    ----------
    seed_, epoch_size_, targets_, cell_table_, weighter_, \
n_samples_fit_, n_features_in_, feature_names_in_
        As in :class:`~skweight.EpochResampler`; the same values in memory
        and on dask.
    n_partitions_ : int
        Partitions of the dask DataFrame of the fit (None when fitted in
        memory); :meth:`resample` needs the same partitions.

    See Also
    --------
    skweight.EpochResampler : The in-memory resampler.

    Examples
    --------
    >>> import pandas as pd
    >>> import dask.dataframe as dd
    >>> from skweight.dask import DaskEpochResampler
    >>> df = pd.DataFrame({"x": range(8), "y": [0, 0, 0, 0, 0, 0, 1, 1]})
    >>> ddf = dd.from_pandas(df, npartitions=3)
    >>> rs = DaskEpochResampler("under", random_state=0).fit(ddf, ddf["y"])
    >>> rs.targets_
    {0: 2, 1: 2}
    >>> X_e, y_e = rs.resample(ddf, ddf["y"], epoch=0)
    >>> y_e.compute().value_counts().sort_index().tolist()
    [2, 2]

    The same code on pandas rows:

    >>> rs = DaskEpochResampler("under", random_state=0).fit(df, df["y"])
    >>> rs.resample(df, df["y"], epoch=0)[1].value_counts().sort_index().tolist()
    [2, 2]
    """

    def fit(self, X, y=None, *, sample_weight=None, sensitive_features=None,
            strata_features=None):
        """Learn the units, their targets and the seed.

        Parameters
        ----------
        X : dask DataFrame, or as in :meth:`EpochResampler.fit`
            The rows; only the key columns are read to fit.
        y : dask Series or array, or as in :meth:`EpochResampler.fit`
            Class labels, partitioned like ``X``.
        sample_weight, sensitive_features, strata_features
            As in :meth:`EpochResampler.fit` (dask collections partitioned
            like ``X`` when ``X`` is a dask DataFrame).

        Returns
        -------
        self : object
            The fitted resampler.
        """
        self._plan_dask = None
        self.n_partitions_ = None
        if not _any_dask(X, y, sample_weight, sensitive_features, strata_features):
            return super().fit(X, y, sample_weight=sample_weight,
                               sensitive_features=sensitive_features,
                               strata_features=strata_features)
        self._plan_dask = _fit_plan(self, Inputs(X, y, sample_weight, sensitive_features,
                                                 strata_features))
        self.n_partitions_ = self._plan_dask.n_parts
        return self

    def resample(self, X, y=None, *, epoch, sensitive_features=None,
                 strata_features=None):
        """Return the rows of one epoch.

        Parameters
        ----------
        X : dask DataFrame, DataFrame or array-like
            The rows of the fit, in the same order (and, for dask, the same
            partitions).
        y : dask Series, Series or array-like, default=None
            The labels of the fit, returned resampled alike.
        epoch : int in [0, 2**63 - 1]
            The epoch number; the same epoch always gives the same rows.
        sensitive_features, strata_features : default=None
            The key arrays passed to :meth:`fit`, if any (needed on dask to
            find each row's unit).

        Returns
        -------
        X_resampled : dask DataFrame, or the type of ``X``
            The epoch's rows, with their index labels (repeated for
            duplicated rows); shuffled within each partition when
            ``shuffle=True``.
        y_resampled : dask Series, the type of ``y``, or None
        """
        check_is_fitted(self, "seed_")
        epoch = check_epoch(epoch)
        plan = getattr(self, "_plan_dask", None)
        if plan is None:
            if _any_dask(X, y, sensitive_features, strata_features):
                raise TypeError(
                    f"This {type(self).__name__} was fitted on in-memory data; fit it "
                    "on the dask DataFrame to resample dask rows."
                )
            rows = self.epoch_indices(epoch)
            return take_rows(X, rows), take_rows(y, rows)
        return _epoch_frames(plan, X, y, sensitive_features, strata_features, epoch)

    def fit_resample(self, X, y, *, sample_weight=None, sensitive_features=None,
                     strata_features=None):
        """Fit, then return the rows of epoch 0.

        Parameters
        ----------
        X, y, sample_weight, sensitive_features, strata_features
            As in :meth:`fit`.

        Returns
        -------
        X_resampled, y_resampled
            As :meth:`resample` returns them for epoch 0.
        """
        kwargs = dict(sensitive_features=sensitive_features,
                      strata_features=strata_features)
        if not _any_dask(X, y, sample_weight, sensitive_features, strata_features):
            self._plan_dask = None
            self.n_partitions_ = None
            return super().fit_resample(X, y, sample_weight=sample_weight, **kwargs)
        self.fit(X, y, sample_weight=sample_weight, **kwargs)
        return self.resample(X, y, epoch=0, **kwargs)

    def epoch_indices(self, epoch):
        """Row indices of one epoch (in-memory fits only).

        Parameters
        ----------
        epoch : int in [0, 2**63 - 1]

        Returns
        -------
        indices : ndarray of intp of shape (epoch_size_,)
        """
        if getattr(self, "_plan_dask", None) is not None:
            raise TypeError(
                f"This {type(self).__name__} was fitted on a dask DataFrame: its "
                "epochs are dask DataFrames. Use resample(X, y, epoch=...)."
            )
        return super().epoch_indices(epoch)


# ---------------------------------------------------------------------- #
# Fitting on dask: the partitions' share of the one plan
# ---------------------------------------------------------------------- #
def _any_dask(*values):
    return any(v is not None and is_dask(v) for v in values)


def _fit_plan(rs, inputs):
    """Count cells per partition, fit units and plan, return the dask plan."""
    X, y, sample_weight, sensitive_features, strata_features = inputs
    strategy = rs._reset(sample_weight)
    if rs.replacement not in (None, strategy.replacement):
        raise ValueError(
            f"replacement={rs.replacement} changes how strategy={strategy.name!r} "
            "draws, in memory only; on a dask DataFrame leave replacement=None (or "
            "compute the frame first)."
        )
    if rs.row_id is not None:
        raise ValueError(
            "row_id is for rows in memory and lazy frames; on dask data a row's rank "
            "is its position, partition by partition: leave row_id=None.")
    if not isinstance(X, dd.DataFrame):
        raise TypeError(
            f"{type(rs).__name__} on dask data needs X as a dask DataFrame; got "
            f"{type(X).__name__}."
        )
    if strategy.fresh and sample_weight is not None:
        raise ValueError(
            "strategy='weights' with sample_weight draws rows by weights that "
            "vary within cells, which is not supported on dask data. Drop "
            "sample_weight, or compute the epochs in memory."
        )
    if isinstance(y, str):
        y = X[y]
    weighter, mode = rs._unit_weighter(y, sensitive_features)
    if strategy.fresh and not hasattr(weighter, "_fit_cells"):
        raise TypeError(
            "strategy='weights' on dask data needs a skweight weighter (weights "
            f"constant within cells); got {type(weighter).__name__}."
        )
    validate_params(weighter)
    roles = roles_of(weighter)
    inputs = Inputs(X, y, None, sensitive_features, strata_features)
    frame, layout = combine_inputs(inputs, roles)
    if "y" in layout.parts and len(layout.parts["y"][2]) > 1:
        raise ValueError(f"{type(rs).__name__} on dask data needs 1-D class labels.")
    check_keys(roles, X, layout)
    # Count on the frame that resample() reads, with every column of X: dask
    # merges partitions when it reads few columns, and the ranks of the plan
    # must refer to the partitions that resample() sees.
    full, full_layout = combine_inputs(inputs, roles, x_columns=list(X.columns))
    keys = layout.keys
    counted = full.map_partitions(
        _count_mapped, full_layout.project_to(layout), keys,
        meta=count_partition(frame._meta, 0, keys, None))
    table, n_parts = dask.compute(counted, counted.optimize().npartitions)
    check_missing(roles, table, layout)
    order = np.argsort(table[FIRST].to_numpy(), kind="stable")
    table = table.iloc[order].reset_index(drop=True)
    # One table row per (partition, key combination): the engine adds them up.
    fitted = weighter._fitted_cells(weighter._fit_table(count_table(table, layout, X)))
    check_labels(weighter, y)
    units = rs._fit_units(weighter, fitted, mode, strategy)
    plan = _PartitionPlan(rs._plan, units.unit_of_cell, weighter)
    plan.set_partitions(table[FIRST].to_numpy() >> POS_BITS,
                        units.unit_of_rows(fitted.ids), table[ROWS].to_numpy(), n_parts)
    rs._fitted(weighter, int(units.counts.sum()))
    plan.seed, plan.shuffle = rs.seed_, rs._shuffle
    rs.n_features_in_ = len(X.columns)
    if all(isinstance(c, str) for c in X.columns):
        rs.feature_names_in_ = np.asarray(X.columns, dtype=object)
    return plan


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
        raise TypeError(
            f"X must be the dask DataFrame of the fit; got {type(X).__name__}.")
    if y is None and plan.weighter.cell_spec_.label is not None:
        raise ValueError("The units of this resampler use the label: pass y.")
    if isinstance(y, str):
        y = X[y]
    frame, layout = combine(X, y, None, sensitive_features, strata_features,
                            x_columns=None)
    out = frame.map_partitions(_epoch_partition, dask.delayed(plan, pure=True), layout,
                               epoch, meta=frame._meta, clear_divisions=plan.shuffle)
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
        y_res = out[columns[0]].rename(names if kind == "series" else
                                       (names[0] if kind == "frame" else None))
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
        ids = plan.weighter._cell_ids(Inputs(args["X"], args["y"], None,
                                             args["sensitive_features"],
                                             args["strata_features"]))
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
