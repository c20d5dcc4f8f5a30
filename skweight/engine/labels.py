"""The target: class labels or a multi-label indicator matrix, checked once.

:func:`read_label` accepts what scikit-learn accepts for ``y`` (arrays,
lists, pandas, polars and pyarrow series, a one-column frame, a sparse or
dense 0/1 indicator matrix) and also the name of a column of ``X``. One-
dimensional labels come back as :class:`~skweight.engine.codes.RawCodes`,
ready for the counter.
"""

from typing import NamedTuple

import numpy as np
import pandas as pd

from .codes import RawCodes, native_codes

__all__ = ["Label", "read_label"]


class Label(NamedTuple):
    """A checked target.

    Attributes
    ----------
    codes : RawCodes or ndarray or None
        1-D labels as raw codes, or a 2-D 0/1 ``intp`` indicator matrix.
    name : str or None
        The name the target carries (a series name or the column name).
    classes : tuple or None
        For an indicator matrix, the names of its columns (their positions
        when unnamed); else None.
    """

    codes: "RawCodes | np.ndarray | None"
    name: "str | None"
    classes: "tuple | None"

    @property
    def multilabel(self):
        return self.classes is not None


def read_label(y, frame, n_samples):
    """Check ``y`` for ``n_samples`` rows; return a :class:`Label`.

    Parameters
    ----------
    y : array-like, series, frame, sparse matrix or str
        A str names a column of ``frame``.
    frame : FrameView
        The rows the label belongs to.
    n_samples : int
    """
    if type(y) is np.ndarray and y.ndim == 1:  # the common case: nothing to probe
        return _label_of(y, None, n_samples)
    import narwhals.stable.v2 as nw

    name = None
    if isinstance(y, str):
        name, y = frame.column(y, param="y", estimator_name="the target")
    deps = nw.dependencies
    if deps.is_polars_dataframe(y) or deps.is_pyarrow_table(y):
        y = nw.from_native(y, eager_only=True).to_pandas()
    if isinstance(y, pd.DataFrame):
        if y.shape[1] == 1:
            y = y.iloc[:, 0]
        else:
            return _indicator(y.to_numpy(), n_samples, tuple(map(str, y.columns)))
    if hasattr(y, "toarray"):
        y = y.toarray()
    if (
        isinstance(y, (pd.Series, pd.Index, pd.Categorical))
        or deps.is_polars_series(y)
        or deps.is_pyarrow_chunked_array(y)
    ):
        values = y
        name = name or getattr(y, "name", None)
    else:
        values = np.asarray(y)
        if values.ndim == 2 and values.shape[1] == 1:
            values = values.ravel()
        if values.ndim == 0:
            raise ValueError(f"y must be 1-D or 2-D; got a scalar {y!r}.")
        if values.ndim == 2:
            return _indicator(values, n_samples, None)
        if values.ndim != 1:
            raise ValueError(f"y must be 1-D or 2-D; got {values.ndim} dimensions.")
    return _label_of(values, name, n_samples)


def _label_of(values, name, n_samples):
    """The :class:`Label` of 1-D label values."""
    if len(values) != n_samples:
        raise ValueError(f"y has {len(values)} rows but X has {n_samples}.")
    raw = native_codes(values)
    _check_not_continuous(raw)
    if raw.has_missing:
        missing = np.flatnonzero(raw.codes < 0)
        raise ValueError(
            f"y has {missing.size} missing label(s) (first at row {missing[0]}); "
            "every row needs a label."
        )
    return Label(raw, name if isinstance(name, str) else None, None)


def _check_not_continuous(raw):
    """Refuse float labels with fractional values: classes are expected."""
    uniques = raw.uniques
    if uniques is None:
        return
    values = np.asarray(uniques)
    if values.dtype.kind != "f":
        return
    fractional = values[np.isfinite(values) & (np.mod(values, 1) != 0)]
    if fractional.size:
        raise ValueError(
            "Unknown label type: continuous. y looks continuous: "
            f"{values.size} distinct float values, some not whole numbers (e.g. "
            f"{fractional[0].item()!r}); skweight weights and resamples classes. "
            "Bin it first, e.g. pandas.cut(y, bins=5) or "
            "sklearn.preprocessing.KBinsDiscretizer, or pass the class labels."
        )


def _indicator(values, n_samples, names):
    """A 2-D target: it must be a 0/1 indicator matrix (multi-label)."""
    from sklearn.utils.multiclass import is_multilabel

    if len(values) != n_samples:
        raise ValueError(f"y has {len(values)} rows but X has {n_samples}.")
    is_binary = values.dtype.kind in "biuf" and bool(((values == 0) | (values == 1)).all())
    if not is_binary or not is_multilabel(values):
        raise ValueError(
            f"y is 2-D with {values.shape[1]} columns but is not a binary "
            "indicator matrix (a multi-label target of 0/1 values). Pass 1-D "
            "class labels, or a 0/1 indicator matrix."
        )
    classes = names if names is not None else tuple(range(values.shape[1]))
    return Label(values.astype(np.intp, copy=False), None, classes)
