"""One dask DataFrame holding every input of a call, and how to take it apart.

The inputs of a fit (``X``, ``y``, ``sample_weight``, the key arrays) arrive as
separate dask collections partitioned alike. :func:`combine` puts the columns
that are read side by side in one dask DataFrame under internal names, and
its :class:`Layout` rebuilds the pandas inputs from any partition of it, or
from the small count table collected from it.
"""

import numpy as np
import pandas as pd

from ..._compat import import_optional
from ..detect import is_dask

__all__ = ["Layout", "combine", "import_dask", "is_dask"]

# Internal column names of the combined frame: _PREFIX + a number.
_PREFIX = "__skweight_"


def import_dask():
    """Return ``dask.dataframe``, or raise an error that says what to install."""
    return import_optional("dask.dataframe", extra="dask", needed_by="Dask collections")


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
    layout : Layout
        How to rebuild the inputs from a partition of ``frame``.
    """
    dd = import_dask()
    inputs = {
        "X": X,
        "y": y,
        "sample_weight": sample_weight,
        "sensitive_features": sensitive_features,
        "strata_features": strata_features,
    }
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
    layout = Layout()
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


class Layout:
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
        series = (
            [value] if isinstance(value, dd.Series) else [value[c] for c in value.columns]
        )
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
        return [
            c
            for name, (_, _, cols) in self.parts.items()
            if name != "sample_weight"
            for c in cols
        ]

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
        args = dict.fromkeys(
            ("X", "y", "sample_weight", "sensitive_features", "strata_features")
        )
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
            data = [X.iloc[:, read.index(c)] if c in read else zeros for c in self.x_labels]
            X = pd.DataFrame(dict(enumerate(data)), index=part.index, copy=False)
            X.columns = pd.Index(self.x_labels)
            args["X"] = X
        return args
