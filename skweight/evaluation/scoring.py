"""Scorers that see groups, and scorers weighted by a weighter.

:func:`make_group_scorer` computes any scikit-learn score per group and
aggregates it (worst group, mean over groups, or the gap between the best and
the worst group); :func:`make_weighted_scorer` computes a weighter's weights on
the scoring rows themselves (e.g. the test fold) and scores with them. Both
return plain callables ``scorer(estimator, X, y)`` that ``GridSearchCV`` and
``cross_validate`` accept as ``scoring=`` and ``refit=``, and that take part in
scikit-learn's metadata routing.
"""

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.base import clone
from sklearn.metrics import get_scorer
from sklearn.utils.metadata_routing import (
    MetadataRequest,
    MetadataRouter,
    MethodMapping,
)

from ..engine.frames import ColumnKey, is_per_row, resolve_keys, take_rows
from ..engine.frames import n_rows_of as n_rows

__all__ = ["group_scores", "make_group_scorer", "make_weighted_scorer"]

_AGGREGATES = ("min", "mean", "gap")


def _as_scorer(scoring):
    if isinstance(scoring, str):
        return get_scorer(scoring)
    if callable(scoring):
        return scoring
    raise TypeError(
        f"scoring must be a scorer name (e.g. 'accuracy') or a callable "
        f"scorer(estimator, X, y); got {scoring!r}."
    )


def _group_codes(X, groups, sensitive_features, n_samples):
    """Return ``(codes, labels, name)``: each row's group and the group values."""
    pairs = resolve_keys(
        X,
        groups,
        sensitive_features,
        param="groups",
        kwarg="sensitive_features",
        estimator_name="group scorer",
        n_samples=n_samples,
    )
    if not pairs:
        raise ValueError(
            "The group scorer needs groups: name the column(s) of X with groups=, "
            "or pass sensitive_features= (with metadata routing enabled, "
            "GridSearchCV and cross_validate route it to the scorer)."
        )
    names = [name for name, _ in pairs]
    values = [v if isinstance(v, pd.Series) else np.asarray(v) for _, v in pairs]
    if len(values) == 1:
        codes, uniques = pd.factorize(values[0], use_na_sentinel=False)
    else:
        codes, uniques = pd.MultiIndex.from_arrays(values).factorize()
    labels = list(uniques)
    order = _sort_order(labels)
    remap = np.empty(len(labels), dtype=np.intp)
    remap[order] = np.arange(len(labels))
    return remap[codes], [labels[i] for i in order], names


def _sort_order(labels):
    try:
        return sorted(range(len(labels)), key=lambda i: labels[i])
    except TypeError:
        return list(range(len(labels)))


def _per_group(scorer, estimator, X, y, codes, n_groups, kwargs):
    n_samples = n_rows(X)
    scores = np.empty(n_groups)
    for k in range(n_groups):
        rows = np.flatnonzero(codes == k)
        group_kwargs = {
            key: take_rows(value, rows) if is_per_row(value, n_samples) else value
            for key, value in kwargs.items()
        }
        y_k = None if y is None else take_rows(y, rows)
        scores[k] = scorer(estimator, take_rows(X, rows), y_k, **group_kwargs)
    return scores


def group_scores(
    estimator: Any,
    X: Any,
    y: ArrayLike,
    *,
    scoring: str | Callable = "accuracy",
    groups: ColumnKey = None,
    sensitive_features: ArrayLike | None = None,
    **kwargs: Any,
) -> pd.Series:
    """Score a fitted estimator on each group separately.

    Parameters
    ----------
    estimator : estimator object
        A fitted estimator.
    X : {array-like, DataFrame} of shape (n_samples, n_features)
        Rows to score on.
    y : array-like of shape (n_samples,)
        True target.
    scoring : str or callable, default="accuracy"
        A scikit-learn scorer name (``"accuracy"``, ``"roc_auc"``,
        ``"neg_log_loss"``, ...) or a callable ``scorer(estimator, X, y)``
        such as one made with :func:`sklearn.metrics.make_scorer`.
    groups : str, int or list, default=None
        The column(s) of ``X`` holding the groups (names or positions);
        several columns form intersectional groups.
    sensitive_features : array-like or DataFrame, default=None
        The groups as arrays, instead of ``groups``.
    **kwargs : dict
        Passed to the scorer, per-row values restricted to each group's rows
        (e.g. ``sample_weight``).

    Returns
    -------
    scores : pandas.Series
        One score per group, indexed by the group values.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.dummy import DummyClassifier
    >>> from skweight.metrics import group_scores
    >>> X = pd.DataFrame({"sex": ["f", "f", "m", "m", "m"]})
    >>> y = [0, 1, 1, 1, 0]
    >>> model = DummyClassifier(strategy="most_frequent").fit(X, y)
    >>> group_scores(model, X, y, groups="sex")
    sex
    f    0.500000
    m    0.666667
    dtype: float64
    """
    n_samples = n_rows(X)
    codes, labels, names = _group_codes(X, groups, sensitive_features, n_samples)
    scores = _per_group(_as_scorer(scoring), estimator, X, y, codes, len(labels), kwargs)
    index = (
        pd.MultiIndex.from_tuples(labels, names=names)
        if len(names) > 1
        else pd.Index(labels, name=names[0])
    )
    return pd.Series(scores, index=index)


class _RoutableScorer:
    """Request handling shared by the scorers: ``set_score_request`` and routing."""

    def __init__(self, requests):
        self._requests = dict(requests)

    def set_score_request(self, **requests):
        """Request metadata for ``score`` under metadata routing.

        Parameters
        ----------
        **requests : bool, str or None
            For each metadata name this scorer consumes: True (request it),
            False (do not), None (unset), or a string alias.

        Returns
        -------
        self : object
            The scorer.
        """
        unknown = set(requests) - set(self._requests)
        if unknown:
            raise TypeError(
                f"Unexpected metadata {sorted(unknown)}; this scorer consumes "
                f"{sorted(self._requests)}."
            )
        self._requests.update(requests)
        return self

    def _self_request(self):
        request = MetadataRequest(owner=self)
        for param, alias in self._requests.items():
            request.score.add_request(param=param, alias=alias)
        return request


class _GroupScorer(_RoutableScorer):
    """Per-group score aggregated over groups; see :func:`make_group_scorer`."""

    def __init__(self, scoring, groups, aggregate):
        super().__init__({} if groups is not None else {"sensitive_features": True})
        self._scoring = scoring
        self._scorer = _as_scorer(scoring)
        self._groups = groups
        self._aggregate = aggregate

    def __call__(self, estimator, X, y_true, sensitive_features=None, **kwargs):
        n_samples = n_rows(X)
        codes, labels, _ = _group_codes(X, self._groups, sensitive_features, n_samples)
        scores = _per_group(self._scorer, estimator, X, y_true, codes, len(labels), kwargs)
        if self._aggregate == "min":
            return float(scores.min())
        if self._aggregate == "mean":
            return float(scores.mean())
        return -float(scores.max() - scores.min())

    def get_metadata_routing(self):
        """Metadata this scorer consumes (the groups) and routes to its scorer.

        Returns
        -------
        routing : sklearn.utils.metadata_routing.MetadataRouter
            The routing information.
        """
        router = MetadataRouter(owner=self).add_self_request(self._self_request())
        return router.add(
            scorer=self._scorer,
            method_mapping=MethodMapping().add(caller="score", callee="score"),
        )

    def __repr__(self):
        return (
            f"make_group_scorer({self._scoring!r}, groups={self._groups!r}, "
            f"aggregate={self._aggregate!r})"
        )


def make_group_scorer(
    scoring: str | Callable = "accuracy",
    *,
    groups: ColumnKey = None,
    aggregate: str = "min",
) -> Callable:
    """Make a scorer that scores each group and aggregates over groups.

    The result works as ``scoring=`` (alone or in a dict of scorers) and as a
    ``refit=`` target in ``GridSearchCV``, ``cross_validate`` and friends,
    so that a search over weighting schemes can pick, e.g., the model with
    the best worst-group accuracy.

    Parameters
    ----------
    scoring : str or callable, default="accuracy"
        A scikit-learn scorer name or a callable ``scorer(estimator, X, y)``
        (for a metric function, wrap it with :func:`sklearn.metrics.make_scorer`).
    groups : str, int or list, default=None
        The column(s) of ``X`` holding the groups (names or positions). When
        None, the groups come as ``sensitive_features`` metadata: with
        metadata routing enabled, ``GridSearchCV(...).fit(X, y,
        sensitive_features=s)`` routes the test rows' part of ``s`` to the
        scorer, which requests it by default.
    aggregate : {"min", "mean", "gap"}, default="min"
        ``"min"``: the worst group's score; ``"mean"``: the unweighted mean
        over groups; ``"gap"``: the best minus the worst group's score,
        returned negated (0 is best) so that greater is better, as
        scikit-learn's ``neg_*`` scorers.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y, **metadata)`` returning a float.

    See Also
    --------
    group_scores : The per-group scores themselves.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.dummy import DummyClassifier
    >>> from skweight.metrics import make_group_scorer
    >>> X = pd.DataFrame({"sex": ["f", "f", "m", "m", "m"]})
    >>> y = [0, 1, 1, 1, 0]
    >>> model = DummyClassifier(strategy="most_frequent").fit(X, y)
    >>> worst = make_group_scorer("accuracy", groups="sex")
    >>> round(worst(model, X, y), 3)
    0.5
    >>> round(make_group_scorer(groups="sex", aggregate="gap")(model, X, y), 3)
    -0.167
    """
    if aggregate not in _AGGREGATES:
        raise ValueError(
            f"The 'aggregate' parameter of make_group_scorer must be one of "
            f"{set(_AGGREGATES)}. Got {aggregate!r} instead."
        )
    return _GroupScorer(scoring, groups, aggregate)


class _WeightedScorer(_RoutableScorer):
    """Score weighted by a weighter fit on the scoring rows."""

    def __init__(self, scoring, weighter):
        super().__init__(
            {"sample_weight": None, "sensitive_features": None, "strata_features": None}
        )
        self._scoring = scoring
        self._scorer = _as_scorer(scoring)
        self._weighter = weighter

    def __call__(
        self,
        estimator,
        X,
        y_true,
        sample_weight=None,
        sensitive_features=None,
        strata_features=None,
    ):
        weights = clone(self._weighter).fit_weight(
            X,
            y_true,
            sample_weight=sample_weight,
            sensitive_features=sensitive_features,
            strata_features=strata_features,
        )
        return self._scorer(estimator, X, y_true, sample_weight=weights)

    def get_metadata_routing(self):
        """Metadata this scorer consumes: ``sample_weight`` and the key arrays.

        Returns
        -------
        routing : sklearn.utils.metadata_routing.MetadataRequest
            The request (all unset by default; see :meth:`set_score_request`).
        """
        return self._self_request()

    def __repr__(self):
        return f"make_weighted_scorer({self._scoring!r}, {self._weighter!r})"


def make_weighted_scorer(scoring: str | Callable, weighter: Any) -> Callable:
    """Make a scorer weighted by a weighter fit on the rows being scored.

    At each call a clone of ``weighter`` is fit on the scoring rows (the test
    fold in a cross-validation), and its weights are passed to the scorer as
    ``sample_weight``. The test fold is thus weighted by its own group and
    label mix, never by the training rows'.

    Parameters
    ----------
    scoring : str or callable
        A scikit-learn scorer name or a callable
        ``scorer(estimator, X, y, sample_weight=...)``.
    weighter : weighter
        Anything with ``fit_weight``, e.g.
        :class:`~skweight.GroupBalancedWeighter`.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y, sample_weight=None, sensitive_features=None,
        strata_features=None)`` returning a float. Under metadata routing it
        requests nothing by default; use ``set_score_request`` for the
        metadata it should receive.

    Examples
    --------
    Accuracy with label-balancing weights is balanced accuracy:

    >>> from sklearn.dummy import DummyClassifier
    >>> from skweight import GroupBalancedWeighter
    >>> from skweight.metrics import make_weighted_scorer
    >>> X, y = [[0]] * 4, [0, 0, 0, 1]
    >>> model = DummyClassifier(strategy="most_frequent").fit(X, y)
    >>> make_weighted_scorer("accuracy", GroupBalancedWeighter())(model, X, y)
    0.5
    """
    if not hasattr(weighter, "fit_weight"):
        raise TypeError(
            f"weighter must have a fit_weight method (e.g. GroupBalancedWeighter); "
            f"got {weighter!r}."
        )
    return _WeightedScorer(scoring, weighter)
