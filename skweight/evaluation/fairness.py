"""Group fairness metrics on predictions: selection rates and their ratios.

Each metric compares the rate of ``pos_label`` predictions (or, for equal
opportunity, the true positive rate) between the groups of
``sensitive_features``: the unprivileged groups pooled against the privileged
ones when ``privileged`` is given, else the lowest-rate group against the
highest-rate group. Without ``privileged`` they are fairlearn's metrics in
AIF360's orientation (unprivileged minus or over privileged):
``disparate_impact`` is fairlearn's ``demographic_parity_ratio``,
``statistical_parity_difference`` is minus its ``demographic_parity_difference``
and ``equal_opportunity_difference`` minus the between-groups difference of
true positive rates (``tests/evaluation/test_fairlearn_equivalence.py``);
``privileged=`` adds AIF360's pooled comparison, which fairlearn has not.
"""

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .._compat import check_sample_weight
from ..exceptions import renamed_parameters

__all__ = [
    "disparate_impact",
    "equal_opportunity_difference",
    "selection_rates",
    "statistical_parity_difference",
]


def _column(values, name, n_samples=None):
    if isinstance(values, pd.DataFrame):
        raise ValueError(f"{name} must be 1-D; got a DataFrame. Pass one column.")
    if not isinstance(values, (pd.Series, pd.Categorical)):
        values = np.asarray(values)
    if np.ndim(values) != 1:
        raise ValueError(f"{name} must be 1-D; got {np.ndim(values)} dimensions.")
    if n_samples is not None and len(values) != n_samples:
        raise ValueError(f"{name} has {len(values)} rows but y_pred has {n_samples}.")
    return values


def _hits(labels, positive, name):
    """Boolean array ``labels == positive``, guarding against a mistyped label."""
    values = pd.unique(np.asarray(labels, dtype=object))
    numeric = all(isinstance(v, (int, float, np.number, bool, np.bool_)) for v in values)
    present = any(v == positive for v in values)
    if not present and not (numeric and isinstance(positive, (int, float, np.number))):
        shown = sorted(map(str, values))[:10]
        raise ValueError(
            f"pos_label={positive!r} is not among the labels of {name}: {shown}."
        )
    return np.asarray(pd.Series(np.asarray(labels, dtype=object)) == positive)


def _rates(hits, groups, sample_weight, where, privileged):
    """Positive rate per group (privileged=None) or for (unprivileged, privileged)."""
    weight = np.ones(len(hits)) if sample_weight is None else sample_weight
    weight = weight * where if where is not None else weight
    if privileged is None:
        codes, uniques = pd.factorize(groups, sort=True, use_na_sentinel=False)
        index = list(uniques)
    else:
        wanted = (
            list(privileged) if isinstance(privileged, (list, tuple, set)) else [privileged]
        )
        observed = pd.unique(np.asarray(groups, dtype=object))
        missing = [p for p in wanted if not any(p == g for g in observed)]
        if missing:
            raise ValueError(
                f"privileged={privileged!r}: {missing} not among the groups "
                f"{sorted(map(str, observed))}."
            )
        codes = np.asarray(
            pd.Series(np.asarray(groups, dtype=object)).isin(wanted), dtype=np.intp
        )
        if codes.all():
            raise ValueError(
                f"privileged={privileged!r} covers every group; nothing to compare."
            )
        index = ["unprivileged", "privileged"]
    k = len(index)
    total = np.bincount(codes, weights=weight, minlength=k)
    positive = np.bincount(codes, weights=weight * hits, minlength=k)
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = positive / total
    return pd.Series(rates, index=index)


def _prepare(y_pred, groups, sample_weight, positive, y_true=None):
    y_pred = _column(y_pred, "y_pred")
    n_samples = len(y_pred)
    groups = _column(groups, "sensitive_features", n_samples)
    where = None
    if y_true is not None:
        y_true = _column(y_true, "y_true", n_samples)
        where = _hits(y_true, positive, "y_true")
    if sample_weight is not None:
        sample_weight = check_sample_weight(sample_weight, np.empty((n_samples, 0)))
    return _hits(y_pred, positive, "y_pred"), groups, sample_weight, where


def _compare(rates, privileged, how):
    if privileged is None:
        low, high = np.nanmin(rates.to_numpy()), np.nanmax(rates.to_numpy())
    else:
        low, high = rates["unprivileged"], rates["privileged"]
    if how == "difference":
        return float(low - high)
    if high == 0:
        return float("nan") if low == 0 else float("inf")
    return float(low / high)


@renamed_parameters(groups="sensitive_features", positive="pos_label")
def selection_rates(
    y_pred: ArrayLike,
    sensitive_features: ArrayLike,
    *,
    pos_label: Any = 1,
    sample_weight: ArrayLike | None = None,
) -> pd.Series:
    """Rate of ``positive`` predictions in each group.

    Parameters
    ----------
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    sensitive_features : array-like of shape (n_samples,)
        The group of each row (e.g. the ``sex`` column), as in fairlearn.
        (Called ``groups`` before 0.2; that name still works, with a
        ``FutureWarning``.)
    pos_label : object, default=1
        The favourable label (``positive`` before 0.2).
    sample_weight : array-like of shape (n_samples,), default=None
        Row weights; rates become weighted rates.

    Returns
    -------
    rates : pandas.Series
        The positive rate of each group, indexed by the group values.

    Examples
    --------
    >>> from skweight.metrics import selection_rates
    >>> selection_rates([1, 0, 1, 1, 0, 0], ["f", "f", "m", "m", "m", "m"])
    f    0.5
    m    0.5
    dtype: float64
    """
    hits, groups, sample_weight, _ = _prepare(
        y_pred, sensitive_features, sample_weight, pos_label
    )
    return _rates(hits, groups, sample_weight, None, None)


@renamed_parameters(groups="sensitive_features", positive="pos_label")
def disparate_impact(
    y_pred: ArrayLike,
    sensitive_features: ArrayLike,
    *,
    privileged: Any = None,
    pos_label: Any = 1,
    sample_weight: ArrayLike | None = None,
) -> float:
    """Ratio of positive prediction rates, unprivileged over privileged.

    ``P(y_pred = positive | unprivileged) / P(y_pred = positive | privileged)``;
    1 means parity, and the "four-fifths rule" flags values below 0.8.

    Parameters
    ----------
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    sensitive_features : array-like of shape (n_samples,)
        The group of each row, as in fairlearn (``groups`` before 0.2).
    privileged : object or list, default=None
        The privileged group value(s); all other groups are pooled as the
        unprivileged group. None: the ratio of the lowest to the highest
        group rate.
    pos_label : object, default=1
        The favourable label (``positive`` before 0.2).
    sample_weight : array-like of shape (n_samples,), default=None
        Row weights.

    Returns
    -------
    ratio : float
        The disparate impact; ``nan`` when both rates are 0, ``inf`` when
        only the privileged rate is.

    Examples
    --------
    >>> from skweight.metrics import disparate_impact
    >>> y_pred = [1, 0, 0, 0, 1, 1, 1, 0]
    >>> sex = ["F", "F", "F", "F", "M", "M", "M", "M"]
    >>> disparate_impact(y_pred, sex, privileged="M")
    0.3333333333333333
    """
    hits, groups, sample_weight, _ = _prepare(
        y_pred, sensitive_features, sample_weight, pos_label
    )
    return _compare(
        _rates(hits, groups, sample_weight, None, privileged), privileged, "ratio"
    )


@renamed_parameters(groups="sensitive_features", positive="pos_label")
def statistical_parity_difference(
    y_pred: ArrayLike,
    sensitive_features: ArrayLike,
    *,
    privileged: Any = None,
    pos_label: Any = 1,
    sample_weight: ArrayLike | None = None,
) -> float:
    """Difference of positive prediction rates, unprivileged minus privileged.

    Parameters
    ----------
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    sensitive_features : array-like of shape (n_samples,)
        The group of each row, as in fairlearn (``groups`` before 0.2).
    privileged : object or list, default=None
        The privileged group value(s). None: the lowest minus the highest
        group rate.
    pos_label : object, default=1
        The favourable label (``positive`` before 0.2).
    sample_weight : array-like of shape (n_samples,), default=None
        Row weights.

    Returns
    -------
    difference : float
        0 means parity; negative values disadvantage the unprivileged groups.

    Examples
    --------
    >>> from skweight.metrics import statistical_parity_difference
    >>> y_pred = [1, 0, 0, 0, 1, 1, 1, 0]
    >>> sex = ["F", "F", "F", "F", "M", "M", "M", "M"]
    >>> statistical_parity_difference(y_pred, sex, privileged="M")
    -0.5
    """
    hits, groups, sample_weight, _ = _prepare(
        y_pred, sensitive_features, sample_weight, pos_label
    )
    return _compare(
        _rates(hits, groups, sample_weight, None, privileged), privileged, "difference"
    )


@renamed_parameters(groups="sensitive_features", positive="pos_label")
def equal_opportunity_difference(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    sensitive_features: ArrayLike,
    *,
    privileged: Any = None,
    pos_label: Any = 1,
    sample_weight: ArrayLike | None = None,
) -> float:
    """Difference of true positive rates, unprivileged minus privileged.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    sensitive_features : array-like of shape (n_samples,)
        The group of each row, as in fairlearn (``groups`` before 0.2).
    privileged : object or list, default=None
        The privileged group value(s). None: the lowest minus the highest
        group true positive rate.
    pos_label : object, default=1
        The favourable label (``positive`` before 0.2).
    sample_weight : array-like of shape (n_samples,), default=None
        Row weights.

    Returns
    -------
    difference : float
        0 means equal opportunity; negative values disadvantage the
        unprivileged groups.

    Examples
    --------
    >>> from skweight.metrics import equal_opportunity_difference
    >>> y_true = [1, 1, 0, 0, 1, 1, 0, 0]
    >>> y_pred = [1, 0, 0, 0, 1, 1, 1, 0]
    >>> sex = ["F", "F", "F", "F", "M", "M", "M", "M"]
    >>> equal_opportunity_difference(y_true, y_pred, sex, privileged="M")
    -0.5
    """
    hits, groups, sample_weight, where = _prepare(
        y_pred, sensitive_features, sample_weight, pos_label, y_true=y_true
    )
    return _compare(
        _rates(hits, groups, sample_weight, where, privileged), privileged, "difference"
    )
