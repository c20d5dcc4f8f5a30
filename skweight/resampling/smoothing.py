"""The smoothed bootstrap of ``EpochResampler("over", shrinkage=...)``.

The one place skweight makes new rows: in ``fit_resample``, every repeated
row but one occurrence gets Gaussian noise on its numeric columns, of
standard deviation ``shrinkage * h * std`` per column, where ``std`` is the
column's standard deviation in the row's unit and
``h = (4 / ((p + 2) n)) ** (1 / (p + 4))`` the bandwidth imbalanced-learn's
``RandomOverSampler(shrinkage=...)`` uses (``p`` numeric columns, ``n``
rows). Indices (``epoch_indices``) are unchanged: the noise is added to the
rows returned, never to ``X``.
"""

from numbers import Real

import numpy as np
import pandas as pd
from scipy import sparse

__all__ = ["check_shrinkage", "smoothed"]

# The generator stream of the noise: np.random.default_rng([seed, 0, stream]).
_STREAM_NOISE = 3


def check_shrinkage(shrinkage, resampled_keys):
    """Per resampled unit key: its shrinkage factor (``shrinkage`` a number or dict)."""
    if isinstance(shrinkage, Real) and not isinstance(shrinkage, bool):
        factors = dict.fromkeys(resampled_keys, float(shrinkage))
    else:
        missing = [k for k in resampled_keys if k not in shrinkage]
        if missing:
            raise ValueError(
                "shrinkage must give a factor for each unit that is over-sampled; "
                f"missing: {missing!r}."
            )
        factors = {k: shrinkage[k] for k in resampled_keys}
    for key, value in factors.items():
        if isinstance(value, bool) or not isinstance(value, Real) or not value >= 0:
            raise ValueError(f"shrinkage for {key!r} must be a number >= 0; got {value!r}.")
    return factors


def _numeric(X):
    """``(values, columns)``: the numeric columns of ``X`` as float64 (dense or sparse)."""
    if isinstance(X, pd.DataFrame):
        columns = [
            c
            for c in X.columns
            if pd.api.types.is_numeric_dtype(X[c]) and not pd.api.types.is_bool_dtype(X[c])
        ]
        return X[columns].to_numpy(dtype=np.float64), columns
    if sparse.issparse(X):
        return X.astype(np.float64), None
    if not isinstance(X, (np.ndarray, list)):
        raise TypeError(
            "shrinkage works on numpy arrays, sparse matrices and pandas DataFrames; "
            f"got {type(X).__name__}. Convert X (e.g. to_pandas()) first."
        )
    values = np.asarray(X)
    if values.dtype.kind not in "iuf":
        raise ValueError(
            "shrinkage adds noise to numeric columns; X holds "
            f"{values.dtype} values. Pass numeric X, or a DataFrame (its other "
            "columns are copied as they are)."
        )
    return values.astype(np.float64), None


def smoothed(X, X_rows, indices, unit_of_row, factors_by_unit, seed):
    """Add the smoothed-bootstrap noise to the repeated rows of ``X_rows``.

    Parameters
    ----------
    X : the fitted rows (for the per-unit standard deviations).
    X_rows : ``X`` taken at ``indices`` (the epoch's rows), a new object.
    indices : ndarray of int
    unit_of_row : ndarray of int of shape (n_rows,)
    factors_by_unit : ndarray of float of shape (n_units,)
        Shrinkage per unit (0: no noise).
    seed : int
    """
    values, columns = _numeric(X)
    n, p = values.shape
    if p == 0 or n == 0:
        return X_rows
    repeated = np.ones(indices.size, dtype=bool)
    repeated[np.unique(indices, return_index=True)[1]] = False  # one stays exact
    units = unit_of_row[indices]
    scale = factors_by_unit[units]
    repeated &= scale > 0
    if not repeated.any():
        return X_rows
    bandwidth = (4 / ((p + 2) * n)) ** (1 / (p + 4))
    n_units = factors_by_unit.size
    if sparse.issparse(values):
        # Per-unit means of x and x**2 as products with the unit indicator.
        member = sparse.csr_matrix(
            (np.ones(n), (unit_of_row, np.arange(n))), shape=(n_units, n)
        )
        counts = np.maximum(np.bincount(unit_of_row, minlength=n_units), 1)[:, None]
        mean = np.asarray((member @ values).todense()) / counts
        square = np.asarray((member @ values.multiply(values)).todense()) / counts
        std = np.sqrt(np.maximum(square - mean**2, 0))
    else:
        counts = np.maximum(np.bincount(unit_of_row, minlength=n_units), 1)
        std = np.empty((n_units, p))
        for j in range(p):  # per column (few): one pass, bincount
            column = values[:, j]
            mean = np.bincount(unit_of_row, column, n_units) / counts
            centred = column - mean[unit_of_row]
            std[:, j] = np.sqrt(
                np.bincount(unit_of_row, centred * centred, n_units) / counts
            )
    rng = np.random.default_rng([seed, 0, _STREAM_NOISE])
    where = np.flatnonzero(repeated)
    noise = rng.standard_normal((where.size, p)) * (
        scale[where, None] * bandwidth * std[units[where]]
    )
    if isinstance(X_rows, pd.DataFrame):
        block = np.array(X_rows[columns], dtype=np.float64)  # a writeable copy
        block[where] += noise
        X_rows = X_rows.copy()
        X_rows[columns] = block
        return X_rows
    if sparse.issparse(X_rows):
        dense = X_rows.toarray().astype(np.float64)
        dense[where] += noise
        return type(X_rows)(dense)
    out = np.asarray(X_rows, dtype=np.float64).copy()
    out[where] += noise
    return out
