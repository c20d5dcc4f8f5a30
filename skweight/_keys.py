"""Find the key columns (groups, strata, label) of a weighting problem.

Group and stratum columns are named by the estimator's parameters (column
names of a DataFrame ``X``, or integer positions) or passed as arrays at fit
time; this module turns either into a list of ``(name, values)`` pairs without
copying data, and checks the label.
"""

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils.multiclass import is_multilabel


def _as_list(spec):
    if spec is None:
        return []
    if isinstance(spec, (str, Integral)) and not isinstance(spec, bool):
        return [spec]
    return list(spec)


def _column_of(X, key, param, estimator_name):
    """Return ``(name, values)`` of one column of ``X`` named by ``key``."""
    is_frame = isinstance(X, pd.DataFrame)
    n_features = X.shape[1]
    if isinstance(key, bool) or not isinstance(key, (str, Integral)):
        raise TypeError(
            f"The {param!r} parameter of {estimator_name} must name columns by "
            f"str (a DataFrame column) or int (a position); got {key!r} of type "
            f"{type(key).__name__}."
        )
    if isinstance(key, str):
        if not is_frame:
            raise ValueError(
                f"{param}={key!r} names a column, but X is a {type(X).__name__} "
                "without column names. Pass a pandas DataFrame, or integer "
                "positions."
            )
        if key not in X.columns:
            raise ValueError(
                f"Column {key!r} given in {param} is not in X. X has columns: "
                f"{list(X.columns)}."
            )
        return key, X[key]
    if not -n_features <= key < n_features:
        raise ValueError(
            f"Column position {key} given in {param} is out of range: X has "
            f"{n_features} feature(s)."
        )
    if is_frame:
        return str(X.columns[key]), X.iloc[:, key]
    return f"x{key % n_features}", X[:, key]


def _columns_of_array(values, kwarg, n_samples):
    """Split a fit-time keyword array into ``(name, 1-D values)`` pairs."""
    if isinstance(values, pd.Series):
        pairs = [(str(values.name) if values.name is not None else f"{kwarg}_0", values)]
    elif isinstance(values, pd.DataFrame):
        pairs = [(str(c), values.iloc[:, i]) for i, c in enumerate(values.columns)]
    elif isinstance(values, dict):
        pairs = [(str(k), v) for k, v in values.items()]
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
        if np.ndim(col) != 1:
            raise ValueError(f"{kwarg} ({name!r}) must be 1-D per column.")
    if not pairs:
        raise ValueError(f"{kwarg} holds no column.")
    return pairs


def resolve_keys(X, spec, fit_values, *, param, kwarg, estimator_name, n_samples):
    """Return the ``(name, values)`` pairs for one role (groups or strata)."""
    if spec is not None and fit_values is not None:
        raise ValueError(
            f"Both {param}={spec!r} and {kwarg}= were given. Name the columns "
            f"with {param}, or pass them as arrays with {kwarg}, not both."
        )
    if fit_values is not None:
        return _columns_of_array(fit_values, kwarg, n_samples)
    keys = _as_list(spec)
    pairs = [_column_of(X, key, param, estimator_name) for key in keys]
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names):
        raise ValueError(f"{param} names a column more than once: {names}.")
    return pairs


def check_label(y, n_samples, *, multilabel_ok=True):
    """Validate the target; return ``(y, n_classes or None, names or None)``.

    A 1-D array (or column vector) holds class labels; a 2-D 0/1 matrix with
    several columns is a multi-label indicator target.
    """
    names = None
    if isinstance(y, pd.DataFrame):
        if y.shape[1] == 1:
            y = y.iloc[:, 0]
        else:
            names = list(map(str, y.columns))
    if not isinstance(y, (pd.Series, pd.Categorical)):
        if hasattr(y, "toarray"):
            y = y.toarray()
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
    if np.ndim(y) == 0:
        raise ValueError(f"y must be 1-D or 2-D; got a scalar {y!r}.")
    if len(y) != n_samples:
        raise ValueError(f"y has {len(y)} rows but X has {n_samples}.")
    if np.ndim(y) == 2:
        values = np.asarray(y)
        is_binary = values.dtype.kind in "biuf" and bool(
            ((values == 0) | (values == 1)).all()
        )
        if not multilabel_ok or not is_binary or not is_multilabel(values):
            raise ValueError(
                f"y is 2-D with {values.shape[1]} columns but is not a binary "
                "indicator matrix (a multi-label target of 0/1 values). Pass 1-D "
                "class labels, or a 0/1 indicator matrix."
            )
        return values.astype(np.intp, copy=False), values.shape[1], names
    if np.ndim(y) != 1:
        raise ValueError(f"y must be 1-D or 2-D; got {np.ndim(y)} dimensions.")
    dtype = y.dtype
    if dtype.kind in "fcOUSmM" or isinstance(dtype, pd.api.extensions.ExtensionDtype):
        missing = pd.isna(y)
        if np.any(missing):
            first = int(np.flatnonzero(np.asarray(missing))[0])
            raise ValueError(
                f"y has {int(np.sum(missing))} missing label(s) (first at row "
                f"{first}); every row needs a label."
            )
    return y, None, None
