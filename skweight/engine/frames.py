"""The dataframe boundary: key columns of any frame in, the caller's type out.

Estimators read a few *key* columns (groups, strata, sometimes the label) by
name from whatever the caller holds: a pandas, polars or pyarrow table (any
eager frame narwhals knows), a numpy array or list (columns by position), or
a sparse matrix. :class:`FrameView` gives one interface over all of them
without copying data: the number of rows, the column names, one native column
at a time, and rows taken back in the caller's own type.

Lazy and distributed frames are not read here: :mod:`skweight.engine.backends`
hands them to the backend registered for them.
"""

from numbers import Integral

import numpy as np
import pandas as pd

from .._compat import pandas_column_array

__all__ = [
    "ColumnKey",
    "FrameView",
    "as_key_list",
    "is_per_row",
    "key_arrays",
    "n_rows_of",
    "plain_2d",
    "resolve_keys",
    "take_rows",
]

# A column of X named by a weighter or report: a name, an int (position or
# integer label), a list of them, or None.
ColumnKey = str | int | list[str | int] | None


def as_key_list(spec):
    """A ``groups``/``strata`` parameter as a list of column keys."""
    if spec is None:
        return []
    if isinstance(spec, (str, Integral)) and not isinstance(spec, bool):
        return [spec]
    if not isinstance(spec, (list, tuple)):
        raise TypeError(
            "Key columns are named by str, by int position or by a list of "
            f"them; got {spec!r} of type {type(spec).__name__}."
        )
    return list(spec)


def plain_2d(X):
    """A non-empty 2-D numpy array of real or object values (nothing to check)."""
    return (
        type(X) is np.ndarray
        and X.ndim == 2
        and X.shape[0] > 0
        and X.shape[1] > 0
        and X.dtype.kind in "biufO"
    )


def _kind(X):
    """A short name of the container kind of ``X``."""
    import narwhals.stable.v2 as nw

    if X is None:
        return "none"
    if isinstance(X, np.ndarray):
        return "array"
    if isinstance(X, pd.DataFrame):
        return "pandas"
    deps = nw.dependencies
    if deps.is_polars_dataframe(X):
        return "polars"
    if deps.is_pyarrow_table(X):
        return "pyarrow"
    if deps.is_into_dataframe(X) and not deps.is_into_lazyframe(X):
        return "narwhals"
    if hasattr(X, "tocsr") and hasattr(X, "nnz"):
        return "sparse"
    return "array"


class FrameView:
    """Column access to the rows ``X`` of an eager frame or array.

    Parameters
    ----------
    X : DataFrame, Table, array-like, sparse matrix or None
        The rows. None stands for "no columns" (keys come as arrays).
    n_rows : int, default=None
        The number of rows when ``X`` is None.
    """

    def __init__(self, X, n_rows=None):
        self.native = X
        self.kind = _kind(X)
        if self.kind == "array":
            arr = (
                X
                if isinstance(X, np.ndarray)
                else np.asarray(X, dtype=object)
                if _is_ragged(X)
                else np.asarray(X)
            )
            if arr.ndim == 1:
                arr = arr.reshape(-1, 1)
            self.array = arr
        else:
            self.array = None
        self._n_rows = n_rows
        self._columns = False

    # ------------------------------------------------------------------ #
    @property
    def n_rows(self):
        if self.kind == "none":
            return self._n_rows
        if self.kind == "array":
            return self.array.shape[0]
        if self.kind == "narwhals":
            import narwhals.stable.v2 as nw

            return len(nw.from_native(self.native, eager_only=True))
        return self.native.shape[0]

    @property
    def n_features(self):
        if self.kind == "none":
            return 0
        if self.kind == "array":
            return self.array.shape[1]
        return len(self.columns) if self.columns is not None else self.native.shape[1]

    @property
    def columns(self):
        """Column names as a list, or None for arrays without names."""
        if self._columns is False:
            self._columns = self._column_names()
        return self._columns

    def _column_names(self):
        if self.kind == "pandas":  # Index.tolist is slow on arrow strings
            return self.native.columns.to_numpy(dtype=object).tolist()
        if self.kind == "polars":
            return list(self.native.columns)
        if self.kind == "pyarrow":
            return list(self.native.column_names)
        if self.kind == "narwhals":
            import narwhals.stable.v2 as nw

            return list(nw.from_native(self.native, eager_only=True).columns)
        return None

    def column(self, key, *, param, estimator_name):
        """Return ``(name, values)`` of the column named by ``key``.

        ``values`` is the native 1-D column (pandas Series, polars Series,
        pyarrow ChunkedArray or numpy array), never a copy where the library
        allows it.
        """
        if isinstance(key, bool) or not isinstance(key, (str, Integral)):
            raise TypeError(
                f"The {param!r} parameter of {estimator_name} must name columns by "
                f"str (a DataFrame column) or int (a position); got {key!r} of type "
                f"{type(key).__name__}."
            )
        columns = self.columns
        if isinstance(key, str):
            if columns is None:
                raise ValueError(
                    f"{param}={key!r} names a column, but X is a "
                    f"{type(self.native).__name__} without column names. Pass a "
                    "DataFrame (pandas, polars, pyarrow, ...), or integer positions."
                )
            if key not in columns:
                raise ValueError(
                    f"Column {key!r} given in {param} is not in X. X has columns: "
                    f"{columns}."
                )
            if self.kind == "pandas" and self.native.columns.is_unique:
                return key, self.native[key]
            self._check_unique(key, columns, param)
            return key, self._get(key, columns.index(key))
        labels = [
            c for c in columns or () if isinstance(c, Integral) and not isinstance(c, bool)
        ]
        if labels and labels != list(range(len(columns))):
            # Integer column labels that are not the positions: an int names a
            # label, as in X[key], never silently another column's position.
            if key not in labels:
                raise ValueError(
                    f"Column {key!r} given in {param} is not in X. X's columns are "
                    f"labelled by integers ({columns[:10]}), so an int names a label, "
                    "not a position."
                )
            self._check_unique(key, columns, param)
            position = columns.index(key)
            return str(key), self._get(key, position)
        n_features = self.n_features
        if not -n_features <= key < n_features:
            raise ValueError(
                f"Column position {key} given in {param} is out of range: X has "
                f"{n_features} feature(s)."
            )
        position = key % n_features
        if columns is not None:
            return str(columns[position]), self._get(columns[position], position)
        return f"x{position}", self._get(None, position)

    @staticmethod
    def _check_unique(key, columns, param):
        count = columns.count(key)
        if count > 1:
            raise ValueError(
                f"Column {key!r} given in {param} appears {count} times in X: "
                "duplicate column names make it ambiguous. Rename the columns, "
                "e.g. with X.columns = [...]."
            )

    def values(self, key, *, param, estimator_name):
        """Return ``(name, values)`` like :meth:`column`, for counting only.

        A pandas column comes as its array (numpy or extension array, e.g.
        ``Categorical`` or arrow strings) instead of a Series: building a
        Series costs more than counting a small frame. Other kinds are as
        :meth:`column` gives them.
        """
        X = self.native
        if self.kind == "pandas" and isinstance(key, str) and X.columns.is_unique:
            try:
                position = X.columns.get_loc(key)
            except KeyError:
                position = None  # column() says what is wrong
            if isinstance(position, Integral):  # not a MultiIndex level's slice
                array = pandas_column_array(X, position)
                if array is not None:
                    return key, array
        return self.column(key, param=param, estimator_name=estimator_name)

    def _get(self, name, position):
        X = self.native
        if self.kind == "pandas":
            return X.iloc[:, position]
        if self.kind == "polars":
            return X.to_series(position)
        if self.kind == "pyarrow":
            return X.column(position)
        if self.kind == "narwhals":
            import narwhals.stable.v2 as nw

            return nw.from_native(X, eager_only=True).get_column(name).to_native()
        if self.kind == "sparse":
            if getattr(X, "format", None) in _NO_ROW_INDEX:  # no column indexing either
                X = X.tocsc()
            return np.asarray(X[:, [position]].toarray()).ravel()
        return self.array[:, position]

    def drop(self, names):
        """``X`` without the columns ``names``, in its own type."""
        X = self.native
        if self.kind == "pandas":
            return X.drop(columns=names)
        import narwhals.stable.v2 as nw

        return nw.from_native(X, eager_only=True).drop(names).to_native()

    def take(self, rows):
        """The rows ``rows`` of ``X`` in its own type (pandas keeps its index)."""
        return take_rows(self.native, rows, array=self.array)


def _is_ragged(X):
    try:
        np.asarray(X)
    except ValueError:
        return True
    return False


def n_rows_of(values):
    """Number of rows of an array-like, frame, sparse matrix, list or dict."""
    shape = getattr(values, "shape", None)
    if shape is not None and len(shape) > 0:
        return int(shape[0])
    if isinstance(values, dict):
        first = next(iter(values.values()), None)
        return 0 if first is None else n_rows_of(first)
    if hasattr(values, "__len__"):
        return len(values)
    return np.asarray(values).shape[0]


def is_per_row(value, n_samples):
    """Whether a parameter holds one value per row (so it must follow the rows)."""
    if value is None or isinstance(value, (str, bytes, dict)) or np.isscalar(value):
        return False
    try:
        return n_rows_of(value) == n_samples
    except TypeError:
        return False


def take_rows(values, rows, *, array=None):
    """Rows ``rows`` of ``values``, keeping its type.

    pandas objects keep their index labels (repeated for repeated rows);
    polars, pyarrow and other narwhals frames and series come back in their
    own type; lists as lists; numpy arrays and sparse matrices as such (a
    DIA matrix as CSR).
    """
    import narwhals.stable.v2 as nw

    if values is None:
        return None
    if isinstance(values, (pd.DataFrame, pd.Series)):
        return values.iloc[rows]
    if isinstance(values, list):
        base = array if array is not None else np.asarray(values, dtype=object)
        return np.take(base, rows, axis=0).tolist()
    deps = nw.dependencies
    if deps.is_polars_dataframe(values) or deps.is_polars_series(values):
        return values[rows]
    if deps.is_pyarrow_table(values) or deps.is_pyarrow_chunked_array(values):
        return values.take(rows)
    if deps.is_into_dataframe(values) and not deps.is_into_lazyframe(values):
        return nw.from_native(values, eager_only=True)[rows].to_native()
    if isinstance(values, np.ndarray):
        return np.take(values, rows, axis=0)  # far faster than values[rows] in 2-D
    if hasattr(values, "tocsr") and getattr(values, "format", None) in _NO_ROW_INDEX:
        # Sparse formats without row indexing: rows of their CSR form, back in
        # the same format (COO, BSR), or as CSR for DIA, whose diagonals would
        # grow with the rows drawn.
        chosen = values.tocsr()[rows]
        return chosen if values.format == "dia" else chosen.asformat(values.format)
    if isinstance(values, pd.Categorical) or hasattr(values, "tocsr"):
        return values[rows]
    return np.asarray(values)[rows]


_NO_ROW_INDEX = ("coo", "dia", "bsr")


def key_arrays(values, kwarg, n_samples):
    """Split a fit-time keyword array into ``(name, 1-D values)`` pairs.

    ``values`` is a 1-D array or series (one column), a 2-D array or frame
    (one column per feature) or a dict of columns.
    """
    import narwhals.stable.v2 as nw

    deps = nw.dependencies
    if isinstance(values, pd.Series):
        name = values.name
        pairs = [(str(name) if name is not None else f"{kwarg}_0", values)]
    elif isinstance(values, pd.DataFrame):
        pairs = [(str(c), values.iloc[:, i]) for i, c in enumerate(values.columns)]
    elif isinstance(values, dict):
        pairs = [(str(k), v) for k, v in values.items()]
    elif deps.is_polars_series(values):
        pairs = [(values.name or f"{kwarg}_0", values)]
    elif deps.is_polars_dataframe(values):
        pairs = [(str(c), values.to_series(i)) for i, c in enumerate(values.columns)]
    elif deps.is_pyarrow_table(values):
        pairs = [(str(c), values.column(i)) for i, c in enumerate(values.column_names)]
    elif deps.is_pyarrow_chunked_array(values):
        pairs = [(f"{kwarg}_0", values)]
    else:
        arr = np.asarray(values)
        if arr.ndim == 1:
            pairs = [(f"{kwarg}_0", arr)]
        elif arr.ndim == 2:
            pairs = [(f"{kwarg}_{i}", arr[:, i]) for i in range(arr.shape[1])]
        else:
            raise ValueError(
                f"{kwarg} must be 1-D or 2-D (one column per feature); got an "
                f"array with {arr.ndim} dimensions."
            )
    for name, col in pairs:
        if len(col) != n_samples:
            raise ValueError(
                f"{kwarg} ({name!r}) has {len(col)} rows but X has {n_samples}."
            )
        if getattr(col, "ndim", 1) != 1 or (isinstance(col, list) and np.ndim(col) != 1):
            raise ValueError(f"{kwarg} ({name!r}) must be 1-D per column.")
    if not pairs:
        raise ValueError(f"{kwarg} holds no column.")
    return pairs


def resolve_keys(
    frame, spec, fit_values, *, param, kwarg, estimator_name, n_samples, arrays=False
):
    """The ``(name, values)`` pairs of one role (groups or strata).

    Parameters
    ----------
    frame : FrameView or anything FrameView takes
        The rows, for columns named by ``spec``.
    spec : str, int, list or None
        The estimator's parameter (``groups`` or ``strata``).
    fit_values : array-like, frame, dict or None
        The same columns passed as arrays at fit time.
    param, kwarg : str
        The parameter's and the keyword's names, for messages.
    arrays : bool, default=False
        Give pandas columns as their arrays (:meth:`FrameView.values`), not
        as Series: for callers that only count them.
    """
    if not isinstance(frame, FrameView):
        frame = FrameView(frame, n_samples)
    if spec is not None and fit_values is not None:
        raise ValueError(
            f"Both {param}={spec!r} and {kwarg}= were given. Name the columns "
            f"with {param}, or pass them as arrays with {kwarg}, not both."
        )
    if fit_values is not None:
        return key_arrays(fit_values, kwarg, n_samples)
    if isinstance(spec, bool):
        raise TypeError(
            f"The {param!r} parameter of {estimator_name} must name columns by str "
            f"or int, or be a list of them; got {spec!r}."
        )
    read = frame.values if arrays else frame.column
    pairs = [
        read(key, param=param, estimator_name=estimator_name) for key in as_key_list(spec)
    ]
    names = [n for n, _ in pairs]
    if len(set(names)) != len(names):
        raise ValueError(f"{param} names a column more than once: {names}.")
    return pairs
