"""The imbalanced-learn side of EpochResampler: labels in, seeds, tags.

imbalanced-learn is never imported here: its tags are built only when a
session has imported it already (to use its pipeline or checks), so that
``import skweight`` stays free of it.
"""

import sys
from numbers import Integral

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import validate_data

from .._compat import check_sample_weight
from ..engine.frames import FrameView, n_rows_of, take_rows
from ..engine.modes import GROUP_AXIS, LABEL_AXIS

_ROW_ID_REASONS = {
    "systematic": "strategy='weights' then draws over rows by their weights (with "
    "sample_weight, draw='sequential' or 'random', or a weighter that is not "
    "skweight's), in their order",
    "frequencies": "frequency sample_weight repeats rows, and the repeats would share "
    "their key",
}


def check_row_id(resampler, why):
    """Refuse ``row_id`` where the draws do not rank rows within units."""
    if resampler.row_id is not None:
        raise ValueError(
            f"row_id ranks the rows of the drawing plan, but {_ROW_ID_REASONS[why]}. "
            "Drop row_id (or sample_weight)."
        )


def key_order(resampler, X, unit_of_row, fitted):
    """Rows grouped by unit, ordered by the ``row_id`` column (then by cell).

    The key must be unique within each cell and never missing; its values
    are ordered as the engines order them (numbers by value, strings by
    code point).
    """
    name = type(resampler).__name__
    if X is None:
        raise ValueError("row_id names a column of X, but X is None.")
    _, values = FrameView(X).column(resampler.row_id, param="row_id", estimator_name=name)
    try:
        codes, _ = pd.factorize(np.asarray(values), sort=True, use_na_sentinel=True)
    except TypeError as exc:
        raise TypeError(
            f"row_id {resampler.row_id!r} mixes values that cannot be ordered: {exc}"
        ) from None
    missing = int(np.count_nonzero(codes < 0))
    if missing:
        raise ValueError(
            f"row_id column {resampler.row_id!r} has {missing} missing value(s); the "
            "rows of an epoch are ranked by it: give every row a key."
        )
    row_of_cell = np.zeros(int(fitted.cells.max()) + 1, dtype=np.int64)
    row_of_cell[fitted.cells] = np.arange(fitted.cells.size)
    cell = row_of_cell[fitted.ids]
    pairs = codes.astype(np.int64) * fitted.cells.size + cell
    twice = pairs.size - np.unique(pairs).size
    if twice:
        raise ValueError(
            f"row_id column {resampler.row_id!r} repeats values: {twice} row(s) share "
            "their key with another row of the same cell. Name a column that is "
            "unique per row (e.g. an id), so that every run ranks the rows alike."
        )
    return np.lexsort((cell, codes, unit_of_row)).astype(np.intp)


def as_labels(y, *, multilabel=False):
    """Return y for the engine (pandas kept, else an array): one-hot -> argmax.

    With ``multilabel`` (a strategy that draws by row weights), a 0/1
    indicator matrix is returned as it is.
    """
    if y is None:
        return None
    if isinstance(y, str):
        return y
    if isinstance(y, pd.DataFrame):
        if y.shape[1] == 1:
            return y.iloc[:, 0]
        values = y.to_numpy()
    elif isinstance(y, (pd.Series, pd.Categorical)) or _is_series(y):
        return y
    else:
        values = y.toarray() if sparse.issparse(y) else np.asarray(y)
        if values.ndim != 2 or values.shape[1] == 1:
            return values
    if (
        values.dtype.kind in "biuf"
        and np.all((values == 0) | (values == 1))
        and np.all(values.sum(axis=1) == 1)
    ):
        return values.argmax(axis=1)
    if multilabel and values.dtype.kind in "biuf" and np.all((values == 0) | (values == 1)):
        return values
    raise ValueError(
        "Multilabel and multioutput targets are not supported by EpochResampler "
        "(but by strategy='weights' for a 0/1 multi-label indicator): "
        f"y has {values.shape[1]} columns and is not one-hot. Resample on 1-D "
        "class labels."
    )


def _is_series(y):
    import narwhals.stable.v2 as nw

    deps = nw.dependencies
    return deps.is_polars_series(y) or deps.is_pyarrow_chunked_array(y)


def check_labels(weighter, y):
    """Reject continuous targets and single-class targets when the label is used."""
    classes = getattr(weighter, "classes_", None)
    if classes is None or y is None:
        return
    kind = type_of_target(np.asarray(classes))
    if kind == "continuous":
        raise ValueError(
            "Unknown label type: continuous. EpochResampler balances class labels; "
            "y holds non-integer numbers."
        )
    if len(classes) < 2:
        raise ValueError(
            f"y has one class ({np.asarray(classes).tolist()[0]!r}); balancing the "
            "label needs at least two classes."
        )


def draw_seed(random_state):
    """The int seed of the epochs: ``random_state`` itself, or one drawn from it."""
    if isinstance(random_state, Integral) and not isinstance(random_state, bool):
        return int(random_state)
    return int(check_random_state(random_state).randint(0, 2**32 - 1, dtype=np.int64))


def target_required(weighter):
    """Whether ``weighter`` needs y, as its tags say."""
    try:
        return bool(weighter.__sklearn_tags__().target_tags.required)
    except AttributeError:
        return True


def sampler_tags(tags):
    """Return imbalanced-learn's tags (with ``sampler_tags``) when it is in use.

    ``tags`` (scikit-learn's) are returned unchanged when imblearn has not
    been imported: its checks read ``tags.sampler_tags``, which only its own
    ``Tags`` class has.
    """
    if "imblearn" not in sys.modules:
        return tags
    try:
        from imblearn.utils._tags import InputTags, SamplerTags, Tags
    except ImportError:  # pragma: no cover - older imblearn
        return tags
    fields = (
        "estimator_type",
        "target_tags",
        "transformer_tags",
        "classifier_tags",
        "regressor_tags",
        "array_api_support",
        "no_validation",
        "non_deterministic",
        "requires_fit",
        "_skip_test",
    )
    inputs = {
        name: getattr(tags.input_tags, name)
        for name in InputTags.__dataclass_fields__
        if hasattr(tags.input_tags, name)
    }
    inputs["dataframe"] = True
    return Tags(
        **{name: getattr(tags, name) for name in fields},
        input_tags=InputTags(**inputs),
        sampler_tags=SamplerTags(sample_indices=True),
    )


def frequencies(sample_weight, n_rows, strategy):
    """``sample_weight`` of "under"/"over" as whole numbers of copies per row (int64)."""
    weights = check_sample_weight(sample_weight, np.empty((n_rows, 0)))
    if not np.array_equal(weights, np.floor(weights)) or weights.max() > 2**31:
        bad = weights[weights != np.floor(weights)]
        raise ValueError(
            f"strategy={strategy!r} takes sample_weight as frequency weights, whole "
            "numbers: a row of weight k counts as k rows (0: never drawn); got "
            f"{(bad[0] if bad.size else weights.max()).item()!r}. For real-valued "
            "weights, use strategy='weights'."
        )
    return weights.astype(np.int64)


def keep_rows(kept, X_keys, labels, kwargs):
    """The key columns (and labels, key arrays) of the rows ``kept`` only."""
    X_keys = take_rows(X_keys, kept) if X_keys is not None else None
    labels = take_rows(labels, kept) if labels is not None else None
    kwargs = {k: (take_rows(v, kept) if v is not None else None) for k, v in kwargs.items()}
    return X_keys, labels, kwargs


def check_rows(estimator, X, y, sensitive_features, strata_features):
    """Validate X (sets ``n_features_in_``); return it and the number of rows."""
    if X is None:
        for values in (y, sensitive_features, strata_features):
            if values is not None:
                n_rows = n_rows_of(values)
                break
        else:
            raise ValueError(
                f"{type(estimator).__name__} got X=None and nothing else to count: "
                "pass X, y, or sensitive_features."
            )
        X_checked = None
    elif FrameView(X).kind in ("pandas", "polars", "pyarrow", "narwhals"):
        X_checked = validate_data(estimator, X, skip_check_array=True)
        n_rows = FrameView(X).n_rows
    else:
        X_checked = validate_data(
            estimator, X, accept_sparse=["csr", "csc"], dtype=None, ensure_all_finite=False
        )
        n_rows = X_checked.shape[0]
    if n_rows == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape=({n_rows}, ...)) while a "
            f"minimum of 1 is required by {type(estimator).__name__}."
        )
    if y is not None and n_rows_of(y) != n_rows:
        raise ValueError(f"y has {n_rows_of(y)} rows but X has {n_rows}.")
    return X_checked, n_rows


def keys_view(X_checked, n_rows, weighter):
    """What the weighter reads: X when it names columns, else a row-count frame."""
    names_columns = (
        getattr(weighter, "groups", None) is not None
        or getattr(weighter, "strata", None) is not None
    )
    if names_columns and X_checked is not None:
        return X_checked
    return pd.DataFrame(index=pd.RangeIndex(n_rows)) if X_checked is not None else None


def unit_columns(spec, mode):
    """The cell-table columns that name a unit of ``mode``."""
    columns = list(spec.strata)
    if GROUP_AXIS in mode.unit_axes:
        columns += spec.groups
    if LABEL_AXIS in mode.unit_axes and spec.label is not None:
        columns.append(spec.label)
    return columns


# Epochs are numbered by 64-bit integers (as numpy's seeds and keys are).
MAX_EPOCH = 2**63 - 1


def check_epoch(epoch):
    """An epoch number as a Python int in ``[0, MAX_EPOCH]``."""
    if isinstance(epoch, bool) or not isinstance(epoch, Integral):
        raise TypeError(f"epoch must be an int; got {type(epoch).__name__}.")
    if not 0 <= epoch <= MAX_EPOCH:
        raise ValueError(f"epoch must be in [0, 2**63 - 1]; got {epoch}.")
    return int(epoch)
