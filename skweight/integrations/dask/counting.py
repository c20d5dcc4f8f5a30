"""Counting dask rows: one distributed aggregation into a small count table.

Every partition groups its rows by the key columns and returns a small frame
(one row per key combination it holds, with its rows, summed
``sample_weight`` and first position); the small frames are merged in a
tree. :mod:`.backend` hands the merged table to a weighter as a
:class:`~skweight.engine.backends.CountTable`; :mod:`.epochs` keeps the
per-partition counts to place each partition's rows in the one drawing plan.
"""

from numbers import Integral

import numpy as np
import pandas as pd

from ...engine.backends import CountTable, Inputs, KeyRoles
from ...engine.frames import FrameView, as_key_list, resolve_keys
from .frames import combine, import_dask

__all__ = [
    "FIRST",
    "POS_BITS",
    "ROWS",
    "check_keys",
    "check_missing",
    "combine_inputs",
    "count_partition",
    "count_table",
    "key_labels",
    "roles_of",
    "tree_count",
]

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
        resolve_keys(
            meta,
            getattr(roles, param),
            layout.meta.get(kwarg),
            param=param,
            kwarg=kwarg,
            estimator_name=roles.owner,
            n_samples=0,
        )


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
    return grouped.agg(
        **{ROWS: (FIRST, "size"), FIRST: (FIRST, "min"), WEIGHTED: (WEIGHTED, "sum")}
    ).reset_index()


def merge_counts(frames, keys):
    """Merge small count frames: concatenate, group by the keys, sum."""
    table = concat_counts(frames)
    grouped = table.groupby(keys, dropna=False, sort=False, observed=True)
    return grouped.agg(
        **{ROWS: (ROWS, "sum"), FIRST: (FIRST, "min"), WEIGHTED: (WEIGHTED, "sum")}
    ).reset_index()


def concat_counts(frames):
    """Concatenate count frames in order; categories are unioned."""
    frames = [f for f in frames if len(f)] or list(frames[:1])
    for column in frames[0].columns:
        dtypes = [f[column].dtype for f in frames]
        if isinstance(dtypes[0], pd.CategoricalDtype) and any(
            d != dtypes[0] for d in dtypes[1:]
        ):
            union = pd.api.types.union_categoricals(
                [
                    f[column]
                    for f in frames
                    if isinstance(f[column].dtype, pd.CategoricalDtype)
                ]
            )
            dtype = pd.CategoricalDtype(union.categories)
            frames = [f.assign(**{column: f[column].astype(dtype)}) for f in frames]
    return pd.concat(frames, ignore_index=True)


def tree_count(frame, layout):
    """Compute the merged count frame of all partitions (one computation)."""
    from dask import delayed

    parts = frame.to_delayed(optimize_graph=True)
    count = delayed(count_partition, pure=True)
    counts = [
        count(part, number, layout.keys, layout.weight_column)
        for number, part in enumerate(parts)
    ]
    merge = delayed(merge_counts, pure=True)
    while len(counts) > 1:
        counts = [
            merge(counts[i : i + _SPLIT_EVERY], layout.keys)
            for i in range(0, len(counts), _SPLIT_EVERY)
        ]
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
    weighted = (
        table[WEIGHTED].to_numpy(dtype=np.float64)
        if layout.weight_column is not None
        else None
    )
    args = layout.rebuild(table, table=True)
    names = None
    if X is not None and all(isinstance(c, str) for c in X.columns):
        names = np.asarray(X.columns, dtype=object)
    return CountTable(
        Inputs(
            args["X"], args["y"], None, args["sensitive_features"], args["strata_features"]
        ),
        rows,
        weighted,
        len(X.columns) if X is not None else 0,
        names,
    )


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
    return combine(
        X, y, sample_weight, sensitive_features, strata_features, x_columns=x_columns
    )


def roles_of(estimator):
    """The :class:`~skweight.engine.backends.KeyRoles` of a weighter."""
    if hasattr(estimator, "key_params"):  # a weighter
        groups, strata, _ = estimator.key_params()
    else:
        groups = getattr(estimator, "groups", None)
        strata = getattr(estimator, "strata", None)
    return KeyRoles(
        groups,
        strata,
        type(estimator).__name__,
        getattr(estimator, "handle_missing", "error"),
    )
