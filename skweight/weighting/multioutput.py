"""Multi-output targets: one weighter per output, weights multiplied.

scikit-learn's ``compute_sample_weight`` weighs a 2-D ``y`` of several
outputs (columns of class labels) by the product of each output's weights,
with one ``class_weight`` dict per output. A weighter does the same when its
target is multi-output (see ``target_type``): :func:`fit_outputs` fits a clone
of the weighter on each output column (same groups, strata, scheme and
options; that output's ``class_weight``) and returns them; the weighter keeps
them in its ``estimators_`` and :func:`weigh_outputs` multiplies their public
``weight``, times ``sample_weight`` once. Nothing here writes a weighter's
attributes.
"""

import warnings

import numpy as np
import pandas as pd
from sklearn.base import clone

from .._compat import check_sample_weight
from ..engine.frames import as_key_list
from ..engine.modes import MODES, resolve_mode
from ..exceptions import WeightingWarning

__all__ = ["fit_outputs", "output_table", "outputs_of", "weigh_outputs"]


def outputs_of(weighter, inputs):
    """The output columns of ``y`` when the weighter treats it as multi-output.

    Returns None when ``y`` is one label or a multi-label indicator matrix
    (the weighter's own path), or when the balance mode does not use the
    label; else the list of 1-D output columns.
    """
    y = inputs.y
    target_type = getattr(weighter, "target_type", "auto")
    groups, _, balance = weighter.key_params()
    has_groups = bool(as_key_list(groups)) or inputs.sensitive_features is not None
    if balance not in MODES and balance != "auto":
        return None  # the parameter check reports it
    if not resolve_mode(balance, has_groups).needs_label:
        return None
    if y is None or isinstance(y, str):
        if target_type == "multioutput" and y is not None:
            return [y]
        return None
    columns = _columns(y)
    class_weight = getattr(weighter, "class_weight", None)
    if columns is None:  # 1-D
        if target_type == "multioutput":
            return [y]
        return None
    if target_type == "multilabel":
        if isinstance(class_weight, list):
            raise ValueError(
                "class_weight is a list (one dict per output) but "
                "target_type='multilabel' reads y as one multi-label target; use "
                "target_type='multioutput', or one dict."
            )
        return None
    if target_type == "auto" and not isinstance(class_weight, list) and _is_indicator(y):
        return None
    return columns


def fit_outputs(weighter, estimators, inputs, outputs, *, partial):
    """Fit one weighter per output; return them (a new list).

    Parameters
    ----------
    weighter : weighter
        The template: each output's weighter is a clone of it with that
        output's ``class_weight``, when ``estimators`` is None.
    estimators : list of weighters or None
        The outputs' weighters of an earlier ``partial_fit`` (None: fit new
        ones).
    inputs : Inputs
    outputs : list
        The output columns of ``y``.
    partial : bool
        Add the rows' counts (``partial_fit``) instead of fitting.
    """
    X, _, sample_weight, sensitive_features, strata_features = inputs
    if getattr(weighter, "target_shares", None) is not None:
        raise ValueError(
            "target_shares gives the shares of one target's units; y has "
            f"{len(outputs)} outputs. Fit one weighter per output, each with its "
            "own target_shares."
        )
    if estimators is None:
        class_weights = _class_weights(weighter.class_weight, len(outputs))
        estimators = [
            clone(weighter).set_params(class_weight=cw, target_type="auto")
            for cw in class_weights
        ]
    elif len(outputs) != len(estimators):
        raise ValueError(
            f"y has {len(outputs)} output(s) but the weighter was fit on "
            f"{len(estimators)} output(s)."
        )
    for estimator, column in zip(estimators, outputs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", WeightingWarning)  # the parent warns
            method = estimator.partial_fit if partial else estimator.fit
            method(
                X,
                column,
                sample_weight=sample_weight,
                sensitive_features=sensitive_features,
                strata_features=strata_features,
            )
    return list(estimators)


def weigh_outputs(weighter, inputs):
    """The product of the outputs' factors for the rows of ``inputs``."""
    X, y, sample_weight, sensitive_features, strata_features = inputs
    if y is None:
        raise ValueError(
            f"{type(weighter).__name__} was fit on a multi-output y; weight() needs y too."
        )
    outputs = _columns(y) if not isinstance(y, str) else None
    outputs = [y] if outputs is None else outputs
    if len(outputs) != weighter.n_outputs_:
        raise ValueError(
            f"y has {len(outputs)} output(s) but the weighter was fit on "
            f"{weighter.n_outputs_} output(s)."
        )
    weights = None
    for k, (estimator, column) in enumerate(zip(weighter.estimators_, outputs)):
        try:
            factors = estimator.weight(
                X,
                column,
                sensitive_features=sensitive_features,
                strata_features=strata_features,
            )
        except ValueError as error:
            raise ValueError(f"Output {k}: {error}") from None
        weights = factors if weights is None else weights * factors
    if sample_weight is not None:
        weights *= check_sample_weight(sample_weight, np.empty((len(weights), 0)))
    return weights


def output_table(weighter):
    """The outputs' weight tables, stacked, with an ``output`` column first."""
    tables = []
    for k, estimator in enumerate(weighter.estimators_):
        table = estimator.weight_table_.rename(
            columns={estimator.cell_spec_.label: "label"}
        )
        name = "output"
        while name in table.columns:
            name += "_"
        table.insert(0, name, k)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def _class_weights(class_weight, n_outputs):
    """One class_weight (dict or None) per output."""
    if class_weight is None:
        return [None] * n_outputs
    if isinstance(class_weight, dict):
        if n_outputs == 1:
            return [class_weight]
        raise ValueError(
            f"For a multi-output y ({n_outputs} outputs), class_weight must be a "
            "list of dicts, one per output, as in scikit-learn; got one dict."
        )
    if len(class_weight) != n_outputs:
        raise ValueError(
            f"class_weight is a list of {len(class_weight)} dict(s) but y has "
            f"{n_outputs} output(s); give one dict (or None) per output."
        )
    for k, value in enumerate(class_weight):
        if value is not None and not isinstance(value, dict):
            raise ValueError(
                f"class_weight[{k}] must be a dict of class weights or None; got {value!r}."
            )
    return list(class_weight)


def _columns(y):
    """The columns of a 2-D ``y`` of several columns, else None (1-D)."""
    import narwhals.stable.v2 as nw

    if type(y) is np.ndarray and y.ndim == 1:
        return None
    deps = nw.dependencies
    if isinstance(y, pd.DataFrame):
        return [y.iloc[:, k] for k in range(y.shape[1])] if y.shape[1] > 1 else None
    if deps.is_polars_dataframe(y) or deps.is_pyarrow_table(y):
        frame = nw.from_native(y, eager_only=True)
        if len(frame.columns) < 2:
            return None
        return [frame.get_column(name).to_native() for name in frame.columns]
    if (
        isinstance(y, (pd.Series, pd.Index, pd.Categorical))
        or deps.is_polars_series(y)
        or deps.is_pyarrow_chunked_array(y)
    ):
        return None
    if hasattr(y, "toarray"):
        y = y.toarray()
    values = np.asarray(y)
    if values.ndim == 2 and values.shape[1] > 1:
        return [values[:, k] for k in range(values.shape[1])]
    if values.ndim > 2:
        raise ValueError(f"y must be 1-D or 2-D; got {values.ndim} dimensions.")
    return None


def _is_indicator(y):
    """Whether a 2-D ``y`` is a 0/1 indicator matrix (a multi-label target)."""
    if hasattr(y, "toarray"):
        y = y.toarray()
    elif not isinstance(y, (np.ndarray, pd.DataFrame, list, tuple)):
        import narwhals.stable.v2 as nw

        y = nw.from_native(y, eager_only=True).to_numpy()
    values = np.asarray(y)
    return values.dtype.kind in "biuf" and bool(((values == 0) | (values == 1)).all())
