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

How an epoch is drawn on a dask DataFrame: the fit counts each unit's rows
per partition (one distributed aggregation) and fixes the global per-unit
targets exactly as the in-memory resampler does. A row's *rank* is its
position among the rows of its unit in the order of the data (partition by
partition), known inside a partition from the counts of the partitions
before it. Each epoch, every partition keeps ``floor(target / n)`` copies of
each row plus the rows whose rank a keyed pseudo-random permutation of the
unit maps into that epoch's block of positions, the block rotating as in
:class:`~skweight.EpochResampler` (``"under"``/``"over"``) or drawn afresh
(``"weights"``). The rows drawn therefore meet the global targets exactly,
every row of a unit is drawn once per cycle, and an epoch depends only on the
data, the seed and the epoch number: not on the partitioning, the cluster or
the order in which partitions run. Only the order of rows inside a partition
(``shuffle=True``) depends on the partitioning.
"""

import copy
from numbers import Integral

import numpy as np
from sklearn.utils.validation import check_is_fitted

from . import _dask
from ._compat import validate_params
from ._draw import cycle_keys, domain, permute
from ._protocol import check_labels, draw_seed, take_rows
from ._resample import EpochResampler, _unit_columns
from ._targets import Units, check_targets, scale_targets

dd = _dask.import_dask()
dask = _dask.import_dask(core=True)

__all__ = ["DaskEpochResampler"]

_NEEDS_LABEL = ("label", "joint", "independence")
# Units up to this size are permuted exactly (sorted hashes), larger ones by
# keyed Feistel networks, as in skweight._draw.
_SMALL = 64
# Streams of per-epoch generators: [seed, epoch, stream, ...]; 0-2 are used
# by skweight._draw.
_STREAM_SELECT = 0
_STREAM_PARTITION = 3


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
    seed_, epoch_size_, sampling_strategy_, cell_table_, weighter_, \
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
    >>> rs.sampling_strategy_
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
        if not _dask.is_dask(X, y, sample_weight, sensitive_features, strata_features):
            return super().fit(X, y, sample_weight=sample_weight,
                               sensitive_features=sensitive_features,
                               strata_features=strata_features)
        self._plan_dask = _fit_plan(self, X, y, sample_weight, sensitive_features,
                                    strata_features)
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
        epoch : int >= 0
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
        epoch = _check_epoch(epoch)
        plan = getattr(self, "_plan_dask", None)
        if plan is None:
            if _dask.is_dask(X, y, sensitive_features, strata_features):
                raise TypeError(
                    f"This {type(self).__name__} was fitted on in-memory data; fit it "
                    "on the dask DataFrame to resample dask rows."
                )
            rows = self.epoch_indices(epoch)
            return (take_rows(X, None, rows),
                    None if y is None else take_rows(y, None, rows))
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
        if not _dask.is_dask(X, y, sample_weight, sensitive_features, strata_features):
            self._plan_dask = None
            self.n_partitions_ = None
            return super().fit_resample(X, y, sample_weight=sample_weight, **kwargs)
        self.fit(X, y, sample_weight=sample_weight, **kwargs)
        return self.resample(X, y, epoch=0, **kwargs)

    def epoch_indices(self, epoch):
        """Row indices of one epoch (in-memory fits only).

        Parameters
        ----------
        epoch : int >= 0

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
# Fitting on dask
# ---------------------------------------------------------------------- #
def _fit_plan(rs, X, y, sample_weight, sensitive_features, strata_features):
    """Count units per partition, set the fitted attributes, return the plan."""
    rs._reset(sample_weight)
    if not isinstance(X, dd.DataFrame):
        raise TypeError(
            f"{type(rs).__name__} on dask data needs X as a dask DataFrame; got "
            f"{type(X).__name__}."
        )
    if rs.strategy == "weights" and sample_weight is not None:
        raise ValueError(
            "strategy='weights' with sample_weight draws rows by weights that "
            "vary within cells, which is not supported on dask data. Drop "
            "sample_weight, or compute the epochs in memory."
        )
    weighter, mode = rs._unit_weighter(y, sensitive_features)
    if rs.strategy == "weights":
        if not hasattr(weighter, "_fit_cells"):
            raise TypeError(
                "strategy='weights' on dask data needs a skweight weighter (weights "
                f"constant within cells); got {type(weighter).__name__}."
            )
        mode = "joint"
    validate_params(weighter)
    frame, layout = _dask.combine(X, y, None, sensitive_features, strata_features,
                                  x_columns=_dask.key_labels(weighter, X))
    if "y" in layout.parts and len(layout.parts["y"][2]) > 1:
        raise ValueError(f"{type(rs).__name__} on dask data needs 1-D class labels.")
    _dask.check_keys(weighter, X, layout)
    # Count on the frame that resample() reads, with every column of X: dask
    # merges partitions when it reads few columns, and the ranks of the plan
    # must refer to the partitions that resample() sees.
    full, full_layout = _dask.combine(X, y, None, sensitive_features, strata_features,
                                      x_columns=None)
    keys = layout.keys
    counted = full.map_partitions(
        _count_mapped, full_layout.project_to(layout), keys,
        meta=_dask._count_partition(frame._meta, 0, keys, None))
    table, n_parts = dask.compute(counted, counted.optimize().npartitions)
    grouped = table.groupby(keys, dropna=False, sort=False, observed=True)
    combo = grouped.ngroup().to_numpy()
    merged = _dask._merge_counts([table], keys)
    cell_of_combo = _dask.load_counts(weighter, merged, layout, reset=True)
    if weighter._counter.multilabel:
        raise ValueError("Resampling needs 1-D class labels; got a multi-label target.")
    check_labels(weighter, y)

    counter = weighter._counter
    counts3 = counter.rows.reshape(counter.shape3)
    wtable = weighter.weight_table_
    key_columns = (list(wtable.columns[:-3]) if rs.strategy == "weights"
                   else _unit_columns(weighter, mode))
    units, unit_of_cell = _units_from_counts(counts3, "joint" if rs.strategy == "weights"
                                             else mode, wtable, key_columns)
    n_rows = int(units.counts.sum())
    if rs.strategy == "weights":
        targets = _cell_weight_targets(rs, units, wtable, key_columns, n_rows)
    else:
        targets = _rotation_targets(rs, units, wtable, key_columns)
    plan = _EpochPlan(weighter, unit_of_cell, units.counts, targets,
                      fresh=rs.strategy == "weights")
    plan.set_partitions(table[_dask._FIRST].to_numpy() >> _dask._POS_BITS,
                        unit_of_cell[cell_of_combo[combo]],
                        table[_dask._ROWS].to_numpy(), n_parts)

    rs.weighter_ = weighter
    rs.n_samples_fit_ = n_rows
    rs.seed_ = draw_seed(rs.random_state)
    rs._shuffle = bool(rs.shuffle)
    plan.seed, plan.shuffle = rs.seed_, rs._shuffle
    rs.n_features_in_ = len(X.columns)
    if all(isinstance(c, str) for c in X.columns):
        rs.feature_names_in_ = np.asarray(X.columns, dtype=object)
    return plan


def _count_mapped(part, mapping, keys, partition_info=None):
    """Count one partition of the full frame, on the key columns only."""
    number = partition_info["number"] if partition_info else 0
    keyed = part[list(mapping)].rename(columns=mapping)
    return _dask._count_partition(keyed, number, keys, None)


def _units_from_counts(counts3, mode, table, key_columns):
    """The :class:`Units` of a count table; and the unit of every cell (-1: empty)."""
    cells = np.flatnonzero(counts3.ravel())
    # One id per non-empty cell gives the units' structure; their sizes come
    # from the counts.
    units = Units(cells, counts3.shape, mode, table, key_columns)
    units.counts3 = counts3
    units.counts = np.bincount(units.unit_of_row, weights=counts3.ravel()[cells],
                               minlength=len(units)).astype(np.int64)
    unit_of_cell = np.full(counts3.size, -1, dtype=np.int64)
    unit_of_cell[cells] = units.unit_of_row
    return units, unit_of_cell


def _rotation_targets(rs, units, wtable, key_columns):
    """Targets of "under"/"over", as EpochResampler fixes them; sets attributes."""
    targets = units.default_targets(rs.strategy)
    if rs.sampling_strategy is not None:
        targets = units.user_targets(rs.sampling_strategy, units.counts)
    if rs.n_samples is not None:
        targets = scale_targets(targets, rs.n_samples)
    check_targets(units, targets, rs.strategy, rs.n_samples is not None)
    extra = targets % np.maximum(units.counts, 1)
    cycle = np.where(extra > 0, -(-units.counts // np.maximum(extra, 1)),
                     np.where(targets > 0, 1, 0))
    table = wtable.iloc[units.table_rows][key_columns].reset_index(drop=True)
    table["count"] = units.counts
    table["target"] = targets
    table["cycle"] = cycle
    rs.cell_table_ = table
    rs.sampling_strategy_ = units.as_dict(targets)
    rs.epoch_size_ = int(targets.sum())
    return targets


def _cell_weight_targets(rs, units, wtable, key_columns, n_rows):
    """Expected rows per cell for "weights"; sets attributes."""
    mass = wtable["factor"].to_numpy() * units.counts
    if not np.all(np.isfinite(mass)) or mass.sum() <= 0:
        raise ValueError("The weighter's factors are not finite and positive.")
    rs.epoch_size_ = int(rs.n_samples if rs.n_samples is not None else n_rows)
    expected = rs.epoch_size_ * mass / mass.sum()
    table = wtable[key_columns].reset_index(drop=True)
    table["count"] = units.counts
    table["target"] = expected
    rs.cell_table_ = table
    rs.sampling_strategy_ = units.as_dict(expected)
    return expected


def _check_epoch(epoch):
    if isinstance(epoch, bool) or not isinstance(epoch, Integral):
        raise TypeError(f"epoch must be an int; got {type(epoch).__name__}.")
    if epoch < 0:
        raise ValueError(f"epoch must be >= 0; got {epoch}.")
    return int(epoch)


# ---------------------------------------------------------------------- #
# Drawing an epoch, partition by partition
# ---------------------------------------------------------------------- #
def _epoch_frames(plan, X, y, sensitive_features, strata_features, epoch):
    if not isinstance(X, dd.DataFrame):
        raise TypeError(f"X must be the dask DataFrame of the fit; got {type(X).__name__}.")
    if y is None and plan.weighter._spec[3]:
        raise ValueError("The units of this resampler use the label: pass y.")
    frame, layout = _dask.combine(X, y, None, sensitive_features, strata_features,
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
    weighter = plan.weighter
    strata, groups, label, _ = weighter._prepare(
        args["X"], args["y"], None, args["sensitive_features"], args["strata_features"],
        reset=False)
    try:
        ids, _ = weighter._counter.encode(strata, groups, label, learn=False,
                                          handle_missing=weighter.handle_missing,
                                          handle_unknown="error")
    except ValueError as exc:
        raise mismatch from exc
    unit = plan.unit_of_cell[ids]
    seen = np.bincount(unit[unit >= 0], minlength=plan.n.size)
    if (unit < 0).any() or not np.array_equal(seen[units], counts):
        raise mismatch
    # Rank of each row among the rows of its unit, over the whole data set.
    order = np.argsort(unit, kind="stable")
    sorted_units = unit[order]
    starts = np.flatnonzero(np.r_[True, sorted_units[1:] != sorted_units[:-1]])
    sizes = np.diff(np.r_[starts, sorted_units.size])
    offset = np.zeros(plan.n.size, dtype=np.int64)
    offset[units] = offsets
    rank = np.empty_like(order)
    rank[order] = (np.arange(order.size) - np.repeat(starts, sizes)
                   + offset[sorted_units])
    rows = np.repeat(np.arange(len(part)), plan.row_counts(unit, rank, epoch))
    if plan.shuffle:
        np.random.default_rng([plan.seed, epoch, _STREAM_PARTITION, number]).shuffle(rows)
    return part.iloc[rows]


class _EpochPlan:
    """What every partition needs to draw its share of an epoch.

    Parameters
    ----------
    weighter : fitted weighter
        Encodes a partition's rows into cells (a frozen copy is kept).
    unit_of_cell : ndarray of int
        Unit of each flat cell id (-1 for empty cells).
    counts : ndarray of int64 of shape (n_units,)
        Rows per unit.
    targets : ndarray of shape (n_units,)
        Rows per unit per epoch: int (rotation) or float (``fresh``).
    fresh : bool
        Draw the extras afresh each epoch (systematic over units), as
        ``strategy="weights"`` does; else rotate them.
    """

    def __init__(self, weighter, unit_of_cell, counts, targets, *, fresh):
        self.weighter = copy.deepcopy(weighter)
        self.unit_of_cell = unit_of_cell
        self.n = np.asarray(counts, dtype=np.int64)
        self.fresh = fresh
        self.seed, self.shuffle = None, True
        nmax = np.maximum(self.n, 1)
        if fresh:
            targets = np.asarray(targets, dtype=np.float64)
            size = int(round(targets.sum()))
            self.copies = np.floor(targets / nmax).astype(np.int64)
            self.extra = np.clip(targets - self.copies * self.n, 0, None)
            full = self.extra >= self.n - 1e-9 * np.maximum(targets, 1)  # rounding
            self.copies[full & (self.n > 0)] += 1
            self.extra[full] = 0.0
            self.n_extra = size - int((self.copies * self.n).sum())
            self.cycle = None
        else:
            targets = np.asarray(targets, dtype=np.int64)
            self.copies = targets // nmax
            self.extra = targets - self.copies * self.n
            self.cycle = -(-self.n // np.maximum(self.extra, 1))
        digits = [domain(int(v)) if v > _SMALL else (None, 0, 0) for v in self.n]
        self.lo_bits = np.array([d[1] for d in digits], dtype=np.int64)
        self.radix = np.array([d[2] for d in digits], dtype=np.int64)

    def set_partitions(self, partition, unit, rows, n_parts):
        """Rows per (partition, unit) and each one's first global rank."""
        n_units = self.n.size
        key, inverse = np.unique(partition * n_units + unit, return_inverse=True)
        counts = np.bincount(inverse, weights=rows).astype(np.int64)
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

    def row_counts(self, unit, rank, epoch):
        """How many times each row (given its unit and rank) is drawn in ``epoch``."""
        counts = self.copies[unit]
        if self.fresh:
            extra = self._fresh_extras(epoch)
            active = np.flatnonzero(extra[unit] > 0)
        else:
            extra = self.extra
            active = np.flatnonzero(extra[unit] > 0)
        if not active.size:
            return counts
        u, k = unit[active], rank[active]
        n, r = self.n[u], extra[u]
        if self.fresh:
            cycle, start = np.int64(epoch), np.zeros_like(u)
        else:
            cycle, block = np.divmod(np.int64(epoch), self.cycle[u])
            start = block * r
        positions = self._positions(u, k, cycle_keys(self.seed, u, cycle))
        # The epoch's block of positions, wrapping to the start of the
        # permutation in the last epoch of a cycle.
        counts[active] += (positions - start) % n < r
        return counts

    def _fresh_extras(self, epoch):
        """Extras per unit this epoch: systematic sampling over the units."""
        extra = np.zeros(self.n.size, dtype=np.int64)
        if self.n_extra <= 0:
            return extra
        rng = np.random.default_rng([self.seed, epoch, _STREAM_SELECT])
        edges = np.cumsum(self.extra)
        np.minimum(edges, self.n_extra, out=edges)  # rounding must not pass the end
        edges[-1] = self.n_extra
        edges = np.floor(edges + rng.random()).astype(np.int64)
        return np.diff(edges, prepend=0)

    def _positions(self, u, k, keys):
        """Position of rank ``k`` in the keyed permutation of its unit ``u``."""
        out = np.empty(u.size, dtype=np.int64)
        n = self.n[u]
        small = n <= _SMALL
        if small.any():
            out[small] = _small_positions(u[small], k[small], n[small], keys[small])
        lo_bits = self.lo_bits[u]
        for bits in np.unique(lo_bits[~small]):
            sel = np.flatnonzero(~small & (lo_bits == bits))
            word = np.uint32 if bits <= 16 else np.uint64
            values = permute(k[sel].astype(word), n[sel].astype(word),
                             keys[sel].astype(word), self.radix[u[sel]].astype(word),
                             int(bits))
            out[sel] = values.astype(np.int64)
        return out


def _small_positions(u, k, n, keys):
    """Positions in exact permutations (ranks of hashes) of units of <= 64 rows."""
    uniq, first, inverse = np.unique(u, return_index=True, return_inverse=True)
    sizes = n[first]
    starts = np.cumsum(sizes) - sizes
    local = np.arange(int(sizes.sum()), dtype=np.int64) - np.repeat(starts, sizes)
    group = np.repeat(np.arange(uniq.size), sizes)
    hashes = _hash(np.repeat(keys[first], sizes) ^ local.astype(np.uint64))
    order = np.lexsort((hashes, group))
    position = np.empty_like(local)
    position[order] = np.arange(local.size) - np.repeat(starts, sizes)
    return position[starts[inverse] + k]


def _hash(z):
    """A bijective avalanche of uint64 values (the splitmix64 finaliser)."""
    z = z * np.uint64(0x9E3779B97F4A7C15)
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z
