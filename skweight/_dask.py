"""Weighters on dask collections: one distributed count, lazy weights.

Importing this module never imports dask: :func:`is_dask` recognises a dask
collection by the module of its type, and dask is imported only once one is
given (with an error that says what to install when it is missing).

Fitting on a dask DataFrame is one distributed aggregation:

1. every partition groups its rows by the key columns (strata, groups, label)
   and returns a small frame: one row per key combination it holds, with its
   number of rows, its summed ``sample_weight`` and the position of its first
   row (partition number, row in the partition);
2. the small frames are merged in a tree (concatenate, group, sum), so that
   values seen in only some partitions all reach the table;
3. the merged table, one row per key combination of the whole data set, is
   loaded into the counting engine with its counts
   (``BaseWeighter._fit_ids(..., counts=...)``). Rows are loaded in order of
   first appearance, so each key column gets the levels, in the order, that an
   in-memory fit on the concatenated partitions gives it: the count tables,
   factors and ``weight_table_`` are the in-memory ones. Row counts are exact;
   with fractional ``sample_weight`` the weighted counts are sums taken in
   another order, equal up to rounding.

Weights of a dask DataFrame are computed lazily, partition by partition, by a
frozen copy of the fitted weighter: a dask Series with the input's partitions
and index.
"""

import copy
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from ._cells import MAX_CELLS
from ._compat import validate_params
from ._encode import _RANGE_MIN, _RANGE_SLACK
from ._keys import _as_list, resolve_keys

# The first row of a key combination: (partition << _POS_BITS) + row number.
_POS_BITS = 40
# Small count frames merged per task of the tree reduction.
_SPLIT_EVERY = 16
# Internal column names of the combined frame: _PREFIX + a number.
_PREFIX = "__skweight_"
_ROWS, _FIRST, _WEIGHTED = "__rows__", "__first__", "__weighted__"


def is_dask(*values):
    """Whether any of ``values`` is a dask collection (without importing dask)."""
    for value in values:
        module = type(value).__module__
        if (module == "dask" or module.startswith(("dask.", "dask_expr"))) and hasattr(
            value, "__dask_graph__"
        ):
            return True
    return False


def import_dask(core=False):
    """Return ``dask.dataframe`` (``dask`` with ``core``), or raise an error that
    says what to install."""
    try:
        import dask
        import dask.dataframe as dd
    except ImportError as exc:  # pragma: no cover - exercised without dask only
        raise ImportError(
            "Dask collections need dask's DataFrame support, which is not "
            "installed. Install it with `pip install skweight[dask]` (dask[dataframe] "
            "and distributed)."
        ) from exc
    return dask if core else dd


# ---------------------------------------------------------------------- #
# Weighter entry points (called by BaseWeighter when given dask data)
# ---------------------------------------------------------------------- #
def fit(weighter, X, y, sample_weight, sensitive_features, strata_features):
    """``BaseWeighter.fit`` on dask collections: one distributed count."""
    _fit_counts(weighter, X, y, sample_weight, sensitive_features, strata_features,
                reset=True)
    return weighter


def partial_fit(weighter, X, y, sample_weight, sensitive_features, strata_features):
    """``BaseWeighter.partial_fit`` on dask collections."""
    _fit_counts(weighter, X, y, sample_weight, sensitive_features, strata_features,
                reset=not hasattr(weighter, "_counter"))
    return weighter


def fit_weight(weighter, X, y, sample_weight, sensitive_features, strata_features):
    """Fit (computing the counts now), then return the lazy weights."""
    fit(weighter, X, y, sample_weight, sensitive_features, strata_features)
    return weight(weighter, X, y, sample_weight, sensitive_features, strata_features)


def weight(weighter, X, y, sample_weight, sensitive_features, strata_features):
    """``BaseWeighter.weight`` on dask collections: a lazy dask Series.

    A dask DataFrame with one column per class for a multi-label target.
    """
    from ._base import _names_keys_only

    check_is_fitted(weighter)
    x_columns = None
    if isinstance(X, _frame_type()) and _names_keys_only(weighter):
        x_columns = key_labels(weighter, X)  # only the key columns are read
    frame, layout = combine(X, y, sample_weight, sensitive_features, strata_features,
                            x_columns=x_columns)
    if frame is None:  # no key column: the engine says what is missing
        weighter.weight(X._meta_nonempty)
    frozen = copy.deepcopy(weighter)  # refitting later must not change these weights
    if frozen._counter.multilabel:
        meta = pd.DataFrame({c: pd.Series(dtype=np.float64) for c in frozen.classes_})
    else:
        meta = pd.Series(dtype=np.float64, name="weight")
    return frame.map_partitions(_weigh_partition, frozen, layout, meta=meta)


def _weigh_partition(part, weighter, layout):
    """The weights of one partition, by the (frozen) fitted weighter."""
    n_classes = weighter._counter.n_classes
    if len(part):
        args = layout.rebuild(part)
        weights = weighter.weight(args.pop("X"), args.pop("y"), **args)
    else:  # the engine refuses empty input
        weights = np.empty((0, n_classes) if n_classes else 0)
    if n_classes:
        return pd.DataFrame(weights, index=part.index, columns=weighter.classes_)
    return pd.Series(weights, index=part.index, name="weight")


# ---------------------------------------------------------------------- #
# Counting
# ---------------------------------------------------------------------- #
def _fit_counts(weighter, X, y, sample_weight, sensitive_features, strata_features,
                *, reset):
    if reset:
        validate_params(weighter)
    frame, layout = combine(X, y, sample_weight, sensitive_features, strata_features,
                            x_columns=key_labels(weighter, X))
    check_keys(weighter, X, layout)
    if frame is None or not layout.keys:  # no key column: the engine says what is missing
        _fit_on_meta(weighter, X)
    merged = tree_count(frame, layout)
    load_counts(weighter, merged, layout, reset=reset)


def key_labels(weighter, X):
    """Labels of the columns of dask DataFrame ``X`` that ``weighter`` reads."""
    labels = []
    if X is None:
        return labels
    for spec in (weighter.groups, weighter.strata):
        for key in _as_list(spec):
            if isinstance(key, Integral) and not isinstance(key, bool):
                if -len(X.columns) <= key < len(X.columns):
                    key = X.columns[key]
            if key in X.columns and key not in labels:
                labels.append(key)
    return labels


def check_keys(weighter, X, layout):
    """Raise the engine's errors for unknown columns before computing anything."""
    name = type(weighter).__name__
    meta = X._meta if X is not None else pd.DataFrame()
    for param, kwarg in (("groups", "sensitive_features"), ("strata", "strata_features")):
        resolve_keys(meta, getattr(weighter, param), layout.meta.get(kwarg), param=param,
                     kwarg=kwarg, estimator_name=name, n_samples=0)


def _fit_on_meta(weighter, X):
    """Raise the engine's error for a fit with no key column (on fake rows)."""
    from sklearn.base import clone

    clone(weighter).fit(X._meta_nonempty if X is not None else None)
    raise ValueError(  # pragma: no cover - the engine raises first
        f"{type(weighter).__name__} has nothing to count: no key column.")


def count_partitions(frame, layout):
    """One delayed small count frame per partition of ``frame``."""
    from dask import delayed

    parts = frame.to_delayed(optimize_graph=True)
    count = delayed(_count_partition, pure=True)
    return [count(part, number, layout.keys, layout.weight_column)
            for number, part in enumerate(parts)]


def tree_count(frame, layout):
    """Compute the merged count frame of all partitions (one computation)."""
    from dask import delayed

    counts = count_partitions(frame, layout)
    merge = delayed(_merge_counts, pure=True)
    while len(counts) > 1:
        counts = [merge(counts[i:i + _SPLIT_EVERY], layout.keys)
                  for i in range(0, len(counts), _SPLIT_EVERY)]
    return counts[0].compute()


def _count_partition(part, number, keys, weight_column):
    """Rows, weight and first row of each key combination of one partition."""
    n = len(part)
    first = np.arange(n, dtype=np.int64) + (np.int64(number) << _POS_BITS)
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
    table = part[keys].assign(**{_FIRST: first, _WEIGHTED: weights})
    if not keys:
        return pd.DataFrame({_ROWS: [n], _FIRST: [first[0] if n else np.iinfo(np.int64).max],
                             _WEIGHTED: [weights.sum()]})
    grouped = table.groupby(keys, dropna=False, sort=False, observed=True)
    return grouped.agg(**{_ROWS: (_FIRST, "size"), _FIRST: (_FIRST, "min"),
                          _WEIGHTED: (_WEIGHTED, "sum")}).reset_index()


def _merge_counts(frames, keys):
    """Merge small count frames: concatenate, group by the keys, sum."""
    table = concat_counts(frames)
    if not keys:
        return pd.DataFrame({_ROWS: [table[_ROWS].sum()], _FIRST: [table[_FIRST].min()],
                             _WEIGHTED: [table[_WEIGHTED].sum()]})
    grouped = table.groupby(keys, dropna=False, sort=False, observed=True)
    return grouped.agg(**{_ROWS: (_ROWS, "sum"), _FIRST: (_FIRST, "min"),
                          _WEIGHTED: (_WEIGHTED, "sum")}).reset_index()


def concat_counts(frames):
    """Concatenate count frames in order; categories are unioned in order of
    appearance, as dask does when it concatenates partitions."""
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


def load_counts(weighter, merged, layout, *, reset):
    """Load a merged count frame into ``weighter``'s engine; return each row's cell.

    Returns
    -------
    ids : ndarray of shape (len(merged),)
        The flat cell id of each row of ``merged`` (in its original order).
    """
    order = np.argsort(merged[_FIRST].to_numpy(), kind="stable")
    table = merged.iloc[order].reset_index(drop=True)
    _check_missing(weighter, table, layout)
    rows = table[_ROWS].to_numpy(dtype=np.int64)
    weighted = (table[_WEIGHTED].to_numpy(dtype=np.float64)
                if layout.weight_column is not None else rows.astype(np.float64))
    primer = _primer(table, layout, int(rows.sum())) if reset else table.iloc[:0]
    if len(primer):
        table = pd.concat([primer, table], ignore_index=True)
        zeros = np.zeros(len(primer))
        rows, weighted = np.r_[zeros.astype(np.int64), rows], np.r_[zeros, weighted]
    args = layout.rebuild(table, table=True)
    ids, _, _ = weighter._fit_ids(args["X"], args["y"], None, args["sensitive_features"],
                                  args["strata_features"], reset=reset,
                                  counts=(rows, weighted))
    out = np.empty(len(order), dtype=ids.dtype)
    out[order] = ids[len(primer):] if ids.ndim == 1 else ids[len(primer):, 0]
    return out


def _check_missing(weighter, table, layout):
    """The engine's missing-value errors, with row counts of the whole data set."""
    rows = table[_ROWS].to_numpy()
    for column, name in layout.encoded_columns():
        missing = pd.isna(table[column]).to_numpy()
        if not missing.any():
            continue
        count = int(rows[missing].sum())
        if name is None:
            raise ValueError(
                f"y has {count} missing label(s); every row needs a label."
            )
        if weighter.handle_missing == "error":
            raise ValueError(
                f"Column {name!r} has {count} missing value(s). Fill them, or pass "
                "handle_missing='category' to treat missing as a level of its own."
            )


def _primer(table, layout, n_rows):
    """Rows of zero count that give integer key columns their in-memory levels.

    In memory, small non-negative integers are their own codes (levels
    ``0..max``) when ``max < 2 * n_rows + 65536``; the merged table is far
    shorter than the data, so integer columns that would miss that test on
    their own get leading rows holding ``0..max``. Every other column repeats
    its first value there, which leaves its order of first appearance as is.
    """
    if not len(table):
        return table
    sizes = {}
    for column, _ in layout.encoded_columns():
        values = table[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            continue
        arr = values.to_numpy()
        if arr.dtype.kind not in "iu":
            continue
        vmin, vmax = int(arr.min()), int(arr.max())
        in_memory = vmin >= 0 and vmax < _RANGE_SLACK * n_rows + _RANGE_MIN
        merged_alone = vmax < _RANGE_SLACK * len(table) + _RANGE_MIN
        if in_memory and not merged_alone:
            sizes[column] = vmax + 1
    length = max(sizes.values(), default=0)
    if not length or length > MAX_CELLS:  # too many levels: the engine refuses them
        return table.iloc[:0]
    primer = table.iloc[np.zeros(length, dtype=np.intp)].reset_index(drop=True)
    for column, size in sizes.items():
        values = np.minimum(np.arange(length), size - 1)
        primer[column] = values.astype(table[column].dtype)
    return primer


# ---------------------------------------------------------------------- #
# One dask DataFrame holding every input
# ---------------------------------------------------------------------- #
def _frame_type():
    return import_dask().DataFrame


def combine(X, y, sample_weight, sensitive_features, strata_features, *, x_columns):
    """Put the inputs side by side in one dask DataFrame.

    Parameters
    ----------
    X : dask DataFrame or None
    y, sample_weight, sensitive_features, strata_features : dask collections
        Series, DataFrames or arrays, or None; partitioned like ``X``.
    x_columns : list or None
        The columns of ``X`` to keep (None: all).

    Returns
    -------
    frame : dask DataFrame or None
        With internal column names; None when no column is read.
    layout : _Layout
        How to rebuild the inputs from a partition of ``frame``.
    """
    dd = import_dask()
    inputs = {"X": X, "y": y, "sample_weight": sample_weight,
              "sensitive_features": sensitive_features,
              "strata_features": strata_features}
    for name, value in inputs.items():
        if value is not None and not is_dask(value):
            raise TypeError(
                f"{name} is a {type(value).__name__}, but other inputs are dask "
                "collections. Pass every input as a dask collection partitioned "
                f"like X (e.g. a column of the same dask DataFrame), or none."
            )
        if isinstance(value, dict):  # pragma: no cover - dicts are not dask
            raise TypeError(f"{name} cannot be a dict of dask collections.")
    if X is not None and not isinstance(X, dd.DataFrame):
        raise TypeError(
            f"X must be a dask DataFrame (or None); got a {type(X).__name__}. "
            "Convert a dask Array with dask.dataframe.from_dask_array."
        )
    # Arrays are laid along the partitions of a frame or series given, if any.
    given = [v for v in inputs.values() if v is not None]
    base = next((v for v in given if not _is_dask_array(v)), None)
    base = base if base is not None else dd.from_dask_array(given[0])
    layout = _Layout()
    columns = {}
    for name, value in inputs.items():
        if value is None:
            continue
        if name == "X" and x_columns is not None:
            value = value[list(x_columns)]
        ndim = None
        if _is_dask_array(value):
            ndim = value.ndim
            value = _array_to_frame(dd, value, base, name)
        columns.update(layout.add(name, value, array_ndim=ndim))
    if X is not None:
        layout.x_labels = list(X.columns)
    items = list(columns.items())
    if not items:  # no column read at all
        return None, layout
    frame = items[0][1].to_frame(name=items[0][0]).assign(**dict(items[1:]))
    return frame, layout


def _is_dask_array(value):
    return type(value).__module__.startswith("dask.array")


def _array_to_frame(dd, array, base, name):
    if array.ndim not in (1, 2):
        raise ValueError(f"{name} must be 1-D or 2-D; got {array.ndim} dimensions.")
    try:
        return dd.from_dask_array(array, index=base.index)
    except ValueError as exc:
        raise ValueError(
            f"{name} is a dask Array whose chunks do not match the partitions of X "
            f"({exc}). Rechunk it to X's partition lengths, or pass a column of X."
        ) from exc


class _Layout:
    """Which internal columns of the combined frame hold which input.

    Each input is recorded as ``(kind, names, columns, meta)``: ``kind`` is
    ``"frame"`` or ``"series"`` (``names`` its column labels / its name) or
    ``"array"`` (``names``: the number of dimensions); ``columns`` are the
    internal column names; ``meta`` an empty pandas stand-in for validation.
    """

    def __init__(self):
        self.parts = {}
        self.meta = {}
        self.x_labels = None  # every column of X, for placeholders

    def add(self, name, value, *, array_ndim=None):
        """Record one dask Series or DataFrame; return its internal columns.

        ``array_ndim``: the number of dimensions of the dask Array ``value``
        was made from (it is rebuilt as a numpy array), or None.
        """
        dd = import_dask()
        start = sum(len(p[2]) for p in self.parts.values())
        series = ([value] if isinstance(value, dd.Series)
                  else [value[c] for c in value.columns])
        if array_ndim is not None:
            kind, names = "array", array_ndim
            self.meta[name] = np.empty((0, len(series))[:array_ndim])
        elif isinstance(value, dd.Series):
            kind, names = "series", value.name
            self.meta[name] = value._meta
        else:
            kind, names = "frame", list(value.columns)
            self.meta[name] = value._meta
        columns = [f"{_PREFIX}{start + i}" for i in range(len(series))]
        self.parts[name] = (kind, names, columns)
        return dict(zip(columns, series))

    def project_to(self, other):
        """Map this layout's columns to those of ``other``, a layout of the
        same inputs with fewer columns of X."""
        mapping = {}
        for name, (_, names, columns) in other.parts.items():
            _, own_names, own_columns = self.parts[name]
            if name == "X":
                columns_of = dict(zip(own_names, own_columns))
                mapping.update({columns_of[label]: c for label, c in zip(names, columns)})
            else:
                mapping.update(zip(own_columns, columns))
        return mapping

    @property
    def keys(self):
        """Internal columns that are grouped on (all but sample_weight)."""
        return [c for name, (_, _, cols) in self.parts.items()
                if name != "sample_weight" for c in cols]

    @property
    def weight_column(self):
        part = self.parts.get("sample_weight")
        return None if part is None else part[2][0]

    def encoded_columns(self):
        """``(column, name)`` of each column the engine encodes into levels.

        ``name`` is None for the label.
        """
        out = []
        for name, (kind, names, columns) in self.parts.items():
            if name == "sample_weight":
                continue
            if name == "y":
                if len(columns) == 1:
                    out.append((columns[0], None))
                continue
            if kind == "array":
                labels = [f"{name}_{i}" for i in range(len(columns))]
            else:
                labels = [names] if kind == "series" else names
            out.extend(zip(columns, map(str, labels)))
        return out

    def rebuild(self, part, *, table=False):
        """The pandas inputs held by ``part``, a partition or a count table.

        For a count ``table`` (no sample_weight column), X gets every column
        it had (zeros in those not read), so that positions and feature names
        resolve as in memory.
        """
        args = dict.fromkeys(("X", "y", "sample_weight", "sensitive_features",
                              "strata_features"))
        for name, (kind, names, columns) in self.parts.items():
            if name == "sample_weight":
                if not table:
                    args[name] = part[columns[0]].to_numpy(dtype=np.float64)
            elif kind == "series":
                args[name] = part[columns[0]].rename(names)
            elif kind == "array":
                values = part[columns].to_numpy()
                args[name] = values[:, 0] if names == 1 else values
            else:
                frame = part[columns]
                frame.columns = pd.Index(names) if names else frame.columns[:0]
                if name == "y" and frame.shape[1] == 1:
                    frame = frame.iloc[:, 0]
                args[name] = frame
        X = args["X"]
        if table and X is not None and list(X.columns) != self.x_labels:
            zeros = pd.Series(np.zeros(len(part), dtype=np.int8), index=part.index)
            read = list(X.columns)
            data = [X.iloc[:, read.index(c)] if c in read else zeros
                    for c in self.x_labels]
            X = pd.DataFrame(dict(enumerate(data)), index=part.index, copy=False)
            X.columns = pd.Index(self.x_labels)
            args["X"] = X
        return args
