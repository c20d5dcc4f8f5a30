"""The dask backend: one distributed count aggregation, lazy weights.

Counting a dask DataFrame is one distributed aggregation: every partition
groups its rows by the key columns and returns a small frame (one row per key
combination it holds, with its rows and summed ``sample_weight``); the small
frames are merged in a tree, and the merged table, one row per key
combination of the whole data set, is handed to the weighter as a
:class:`~skweight.engine.backends.CountTable`. The engine orders every table
canonically, so the weights and ``weight_table_`` are the in-memory ones.
Row counts are exact; with fractional ``sample_weight`` the weighted counts are
sums taken in another order, equal up to rounding.

Weights of a dask DataFrame are computed lazily, partition by partition, by a
frozen copy of the fitted weighter: a dask Series with the input's partitions
and index.
"""

import copy
from numbers import Integral

import numpy as np
import pandas as pd

from ...engine.backends import CountTable, Inputs
from ...engine.frames import FrameView, as_key_list, resolve_keys
from .frames import combine, import_dask

__all__ = ["DaskBackend"]

# The first row of a key combination: (partition << POS_BITS) + row number.
POS_BITS = 40
# Small count frames merged per task of the tree reduction.
_SPLIT_EVERY = 16
ROWS, FIRST, WEIGHTED = "__rows__", "__first__", "__weighted__"


def key_labels(roles, X, y):
    """Labels of the columns of dask DataFrame ``X`` that are read as keys."""
    labels = []
    if X is None:
        return labels
    keys = as_key_list(roles.groups) + as_key_list(roles.strata)
    if isinstance(y, str):
        keys.append(y)
    for key in keys:
        if isinstance(key, Integral) and not isinstance(key, bool):
            if -len(X.columns) <= key < len(X.columns):
                key = X.columns[key]
        if key in X.columns and key not in labels:
            labels.append(key)
    return labels


def check_keys(roles, X, layout):
    """Raise the engine's errors for unknown columns before computing anything."""
    meta = FrameView(X._meta if X is not None else None, 0)
    for param, kwarg in (("groups", "sensitive_features"), ("strata", "strata_features")):
        resolve_keys(meta, getattr(roles, param), layout.meta.get(kwarg), param=param,
                     kwarg=kwarg, estimator_name=roles.owner, n_samples=0)


def count_partition(part, number, keys, weight_column):
    """Rows, weight and first row of each key combination of one partition."""
    n = len(part)
    first = np.arange(n, dtype=np.int64) + (np.int64(number) << POS_BITS)
    if weight_column is None:
        weights = np.ones(n)
    else:
        weights = part[weight_column].to_numpy(dtype=np.float64)
        bad = ~np.isfinite(weights) | (weights < 0)
        if bad.any():
            raise ValueError(
                f"sample_weight has {int(bad.sum())} negative or non-finite "
                f"value(s) in partition {number}; weights must be finite and >= 0."
            )
    table = part[keys].assign(**{FIRST: first, WEIGHTED: weights})
    grouped = table.groupby(keys, dropna=False, sort=False, observed=True)
    return grouped.agg(**{ROWS: (FIRST, "size"), FIRST: (FIRST, "min"),
                          WEIGHTED: (WEIGHTED, "sum")}).reset_index()


def merge_counts(frames, keys):
    """Merge small count frames: concatenate, group by the keys, sum."""
    table = concat_counts(frames)
    grouped = table.groupby(keys, dropna=False, sort=False, observed=True)
    return grouped.agg(**{ROWS: (ROWS, "sum"), FIRST: (FIRST, "min"),
                          WEIGHTED: (WEIGHTED, "sum")}).reset_index()


def concat_counts(frames):
    """Concatenate count frames in order; categories are unioned."""
    frames = [f for f in frames if len(f)] or list(frames[:1])
    for column in frames[0].columns:
        dtypes = [f[column].dtype for f in frames]
        if (isinstance(dtypes[0], pd.CategoricalDtype)
                and any(d != dtypes[0] for d in dtypes[1:])):
            union = pd.api.types.union_categoricals(
                [f[column] for f in frames if isinstance(f[column].dtype,
                                                         pd.CategoricalDtype)])
            dtype = pd.CategoricalDtype(union.categories)
            frames = [f.assign(**{column: f[column].astype(dtype)}) for f in frames]
    return pd.concat(frames, ignore_index=True)


def tree_count(frame, layout):
    """Compute the merged count frame of all partitions (one computation)."""
    from dask import delayed

    parts = frame.to_delayed(optimize_graph=True)
    count = delayed(count_partition, pure=True)
    counts = [count(part, number, layout.keys, layout.weight_column)
              for number, part in enumerate(parts)]
    merge = delayed(merge_counts, pure=True)
    while len(counts) > 1:
        counts = [merge(counts[i:i + _SPLIT_EVERY], layout.keys)
                  for i in range(0, len(counts), _SPLIT_EVERY)]
    return counts[0].compute()


def check_missing(roles, table, layout):
    """The engine's missing-value errors, with row counts of the whole data set."""
    rows = table[ROWS].to_numpy()
    for column, name in layout.encoded_columns():
        missing = pd.isna(table[column]).to_numpy()
        if not missing.any():
            continue
        count = int(rows[missing].sum())
        if name is None:
            raise ValueError(f"y has {count} missing label(s); every row needs a label.")
        if roles.handle_missing == "error":
            raise ValueError(
                f"Column {name!r} has {count} missing value(s). Fill them, or pass "
                "handle_missing='category' to treat missing as a level of its own."
            )


def count_table(table, layout, X):
    """The :class:`CountTable` of a merged count frame."""
    rows = table[ROWS].to_numpy(dtype=np.int64)
    weighted = (table[WEIGHTED].to_numpy(dtype=np.float64)
                if layout.weight_column is not None else None)
    args = layout.rebuild(table, table=True)
    names = None
    if X is not None and all(isinstance(c, str) for c in X.columns):
        names = np.asarray(X.columns, dtype=object)
    return CountTable(Inputs(args["X"], args["y"], None, args["sensitive_features"],
                             args["strata_features"]),
                      rows, weighted, len(X.columns) if X is not None else 0, names)


_KEYS = object()


def combine_inputs(inputs, roles, *, x_columns=_KEYS):
    """``combine`` the inputs of a call (a column name as ``y`` resolved).

    ``x_columns``: the columns of ``X`` to keep; by default its key columns,
    None for all.
    """
    dd = import_dask()
    X, y, sample_weight, sensitive_features, strata_features = inputs
    if X is not None and not isinstance(X, dd.DataFrame):
        raise TypeError(
            f"X must be a dask DataFrame (or None); got a {type(X).__name__}. "
            "Convert a dask Array with dask.dataframe.from_dask_array."
        )
    if isinstance(y, str):
        if X is None or y not in X.columns:
            raise ValueError(f"y={y!r} names a column, but X has no such column.")
        y = X[y]
    if x_columns is _KEYS:
        x_columns = key_labels(roles, X, None)
    return combine(X, y, sample_weight, sensitive_features,
                   strata_features, x_columns=x_columns)


class DaskBackend:
    """Counts and weights on dask collections (see the module docstring)."""

    name = "dask"

    def count(self, inputs, roles):
        frame, layout = combine_inputs(inputs, roles)
        check_keys(roles, inputs.X, layout)
        if frame is None or not layout.keys:
            # No key column: fake rows let the weighter say what is missing.
            X = inputs.X._meta_nonempty if inputs.X is not None else None
            n = len(X) if X is not None else 0
            return CountTable(Inputs(X), np.ones(n, np.int64), None,
                              X.shape[1] if X is not None else 0, None)
        table = tree_count(frame, layout)
        check_missing(roles, table, layout)
        order = np.argsort(table[FIRST].to_numpy(), kind="stable")
        table = table.iloc[order].reset_index(drop=True)
        return count_table(table, layout, inputs.X)

    def weigh(self, inputs, weighter, *, fitted_rows):
        """A lazy dask Series of weights (a DataFrame per class, multi-label)."""
        roles = roles_of(weighter)
        x_columns = None
        keys = as_key_list(weighter.groups) + as_key_list(weighter.strata)
        if inputs.X is not None and all(isinstance(k, str) for k in keys):
            x_columns = key_labels(roles, inputs.X, None)  # only the keys are read
        frame, layout = combine_inputs(inputs, roles, x_columns=x_columns)
        frozen = copy.deepcopy(weighter)  # refitting later must not change these
        if frame is None:  # no key column: the engine says what is missing
            frozen.weight(inputs.X._meta_nonempty)
        if getattr(frozen, "pos_weight_", None) is not None:
            meta = pd.DataFrame({c: pd.Series(dtype=np.float64) for c in frozen.classes_})
        else:
            meta = pd.Series(dtype=np.float64, name="weight")
        return frame.map_partitions(_weigh_partition, frozen, layout, meta=meta)

    def fit_resampler(self, resampler, inputs):
        raise TypeError(
            f"{type(resampler).__name__} works on in-memory data; for a dask DataFrame "
            "use skweight.dask.DaskEpochResampler, which takes the same parameters "
            "and returns each epoch's rows as a dask DataFrame."
        )


def roles_of(estimator):
    from ...engine.backends import KeyRoles

    return KeyRoles(getattr(estimator, "groups", None),
                    getattr(estimator, "strata", None), type(estimator).__name__,
                    getattr(estimator, "handle_missing", "error"))


def _weigh_partition(part, weighter, layout):
    """The weights of one partition, by the (frozen) fitted weighter."""
    multilabel = getattr(weighter, "pos_weight_", None) is not None
    n_classes = len(weighter.classes_) if multilabel else None
    if len(part):
        args = layout.rebuild(part)
        weights = weighter.weight(args.pop("X"), args.pop("y"), **args)
    else:  # the engine refuses empty input
        weights = np.empty((0, n_classes) if n_classes else 0)
    if n_classes:
        return pd.DataFrame(weights, index=part.index, columns=weighter.classes_)
    return pd.Series(weights, index=part.index, name="weight")
