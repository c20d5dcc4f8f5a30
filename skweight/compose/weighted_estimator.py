"""WeightedEstimator: fit any estimator with a weighter's weights or resampled rows.

The weights are computed inside :meth:`WeightedEstimator.fit`, on the rows it
is given, so that inside ``cross_validate`` or ``GridSearchCV`` they come from
each training fold only, and the weighter is a searchable parameter.
"""

import warnings
from copy import deepcopy

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.utils import get_tags
from sklearn.utils.metadata_routing import (
    UNUSED,
    MetadataRouter,
    MethodMapping,
    get_routing_for_object,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from .._compat import HasMethods, check_sample_weight, validate_params
from ..engine.frames import FrameView
from .core import WeightingState, no_sample_weight_message
from .steps import is_resampler, key_columns, n_rows, routing_enabled

_DELEGATED = (
    "predict",
    "predict_proba",
    "predict_log_proba",
    "decision_function",
    "score",
    "transform",
)
_KEY_KWARGS = ("sensitive_features", "strata_features")


def _estimator_has(attr):
    """For ``available_if``: the fitted (else the given) estimator has ``attr``."""

    def check(self):
        estimator = getattr(self, "estimator_", self.estimator)
        getattr(estimator, attr)
        return True

    return check


def _is_one_dimensional(X):
    shape = getattr(X, "shape", None)
    if shape is not None:
        return len(shape) == 1
    return isinstance(X, (list, tuple)) and len(X) > 0 and np.isscalar(X[0])


class WeightedEstimator(MetaEstimatorMixin, BaseEstimator):
    """Fit an estimator with sample weights (or rows) from a weighter.

    :meth:`fit` computes the weights of the rows it is given with a clone of
    ``weighter``, multiplies them with any incoming ``sample_weight`` and fits
    a clone of ``estimator`` with them. Inside ``cross_validate`` and
    ``GridSearchCV`` the weights therefore come from each training fold only,
    and ``weighter`` (or ``weighter__strength``, ``weighter__scheme``, ...) is
    an ordinary searchable parameter. Prediction methods delegate to the
    fitted estimator; weights play no role there.

    Parameters
    ----------
    estimator : estimator object
        The estimator to fit, e.g. a classifier or a ``Pipeline``. Its ``fit``
        must accept ``sample_weight`` unless ``weighter`` is None or a
        resampler. A pipeline gets the weights at its last step (as
        ``<last step>__sample_weight``, or as ``sample_weight`` routed to the
        steps that request it when metadata routing is enabled).
    weighter : weighter, resampler or None, default=None
        Where the weights come from:

        - a weighter (anything with ``fit_weight``, e.g.
          :class:`~skweight.GroupBalancedWeighter`): its weights for the
          training rows are passed as ``sample_weight``;
        - a resampler (anything with ``fit_resample``, e.g. imbalanced-learn's
          ``RandomUnderSampler``): the estimator is fit on the resampled rows,
          and an incoming ``sample_weight`` follows the rows through the
          resampler's ``sample_indices_``;
        - None: the estimator is fit plainly (the baseline of a search).
    drop_weighting_columns : bool, default=False
        Whether to remove the columns the weighter reads (its ``groups`` and
        ``strata``, by name or position) from ``X`` before the estimator sees
        it, at fit and at prediction time, for models that must not use the
        sensitive attributes as features. It is an error when there is
        nothing to drop (``weighter=None``, or keys passed as
        ``sensitive_features`` arrays): in a search, use the weighter with
        ``strength=0`` as the unweighted baseline, so that every candidate
        sees the same columns.

    Attributes
    ----------
    estimator_ : estimator object
        The fitted clone of ``estimator``.
    weighter_ : weighter, resampler or None
        The fitted clone of ``weighter``; its ``weight_table_`` shows the
        weights of the last fit.
    dropped_columns_ : list
        The columns removed from ``X`` before the estimator (names for a
        DataFrame, positions otherwise); empty unless
        ``drop_weighting_columns=True``.
    classes_ : ndarray of shape (n_classes,)
        The classes of the fitted classifier.
    n_features_in_ : int
        Number of columns of ``X`` during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of ``X`` during fit, when it was a DataFrame.

    See Also
    --------
    skweight.pipeline.Pipeline : Weighters and resamplers as pipeline steps.
    GroupBalancedWeighter : Weights that balance labels, groups or both.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skweight import GroupBalancedWeighter
    >>> from skweight import WeightedEstimator
    >>> X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
    ...                   "sex": ["f", "f", "m", "m", "m", "m"]})
    >>> y = [0, 1, 0, 1, 1, 1]
    >>> model = WeightedEstimator(
    ...     LogisticRegression(),
    ...     GroupBalancedWeighter(groups="sex", balance="independence"),
    ...     drop_weighting_columns=True,
    ... ).fit(X, y)
    >>> model.dropped_columns_
    ['sex']
    >>> model.weighter_.weight_table_
      sex  label  count  weighted_count    factor
    0   f      0      1             1.0  0.666667
    1   f      1      1             1.0  1.333333
    2   m      0      1             1.0  1.333333
    3   m      1      3             3.0  0.888889
    >>> model.estimator_.feature_names_in_
    array(['x'], dtype=object)
    >>> model.predict(X)
    array([0, 1, 1, 1, 1, 1])
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit"])],
        "weighter": [HasMethods(["fit_weight"]), HasMethods(["fit_resample"]), None],
        "drop_weighting_columns": ["boolean"],
    }
    # The group and stratum arrays are routed to the weighter, not consumed here.
    __metadata_request__fit = {key: UNUSED for key in _KEY_KWARGS}

    def __init__(self, estimator, weighter=None, *, drop_weighting_columns=False):
        self.estimator = estimator
        self.weighter = weighter
        self.drop_weighting_columns = drop_weighting_columns

    def fit(
        self,
        X,
        y=None,
        *,
        sample_weight=None,
        sensitive_features=None,
        strata_features=None,
        **fit_params,
    ):
        """Compute the weights of the rows of ``X`` and fit the estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Training rows, including the columns the weighter reads.
        y : array-like of shape (n_samples,), default=None
            Target.
        sample_weight : array-like of shape (n_samples,), default=None
            Incoming (e.g. survey) weights. A weighter counts its cells with
            them and multiplies them into its weights; with a resampler they
            follow the resampled rows; with ``weighter=None`` they are passed
            on as they are.
        sensitive_features, strata_features : array-like, default=None
            Group and stratum columns as arrays, for a weighter that does not
            read them from ``X`` (under metadata routing: when the weighter
            requests them with ``set_fit_request``). Ignored when ``weighter``
            is None.
        **fit_params : dict
            Further parameters of the estimator's ``fit`` (under metadata
            routing: whatever the estimator requests).

        Returns
        -------
        self : WeightedEstimator
            The fitted meta-estimator.
        """
        validate_params(self)
        validate_data(self, X, skip_check_array=True)
        n_samples = n_rows(X)
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, X)
        keys = {
            k: v
            for k, v in zip(_KEY_KWARGS, (sensitive_features, strata_features))
            if v is not None
        }
        weighter_params, estimator_params = self._fit_params(keys, fit_params)

        weighter = None if self.weighter is None else clone(self.weighter)
        X_fit, y_fit = X, y
        if weighter is None:
            weights = sample_weight
        else:
            # A resampler carries the incoming weights along its rows; a
            # weighter counts with them and returns them multiplied in.
            resampler = is_resampler(weighter)
            state = WeightingState(n_samples, sample_weight if resampler else None)
            if sample_weight is not None and not resampler:
                weighter_params = {**weighter_params, "sample_weight": sample_weight}
            X_fit, y_fit = state.apply(weighter, X, y, weighter_params, name="weighter")
            estimator_params = state.follow(estimator_params, owner=type(self).__name__)
            weights = state.weights
        self.weighter_ = weighter
        self.dropped_columns_ = self._columns_to_drop(weighter, X)
        X_fit = self._drop_columns(X_fit)

        estimator = clone(self.estimator)
        if weights is not None:
            state = WeightingState(n_rows(X_fit), weights)
            fit_params = state.with_weights(estimator, estimator_params, {})
            if not state.used:
                raise ValueError(no_sample_weight_message(self, estimator))
            estimator_params = fit_params
        estimator.fit(X_fit, y_fit, **estimator_params)
        self.estimator_ = estimator
        return self

    def _fit_params(self, keys, fit_params):
        """Split fit's metadata into the weighter's and the estimator's."""
        if not routing_enabled():
            return (keys if self.weighter is not None else {}), dict(fit_params)
        if self.weighter is None:
            # The baseline of a search: the keys go where something wants them.
            consumed = get_routing_for_object(self).consumes("fit", list(keys))
            keys = {k: v for k, v in keys.items() if k in consumed}
        routed = process_routing(self, "fit", **keys, **fit_params)
        weighter_params = {}
        if self.weighter is not None:
            weighter_params = dict(routed["weighter"]["fit"])
            weighter_params.pop("sample_weight", None)  # passed by fit itself
        estimator_params = dict(routed["estimator"]["fit"])
        estimator_params.pop("sample_weight", None)
        return weighter_params, estimator_params

    # ------------------------------------------------------------------ #
    # Columns the estimator must not see
    # ------------------------------------------------------------------ #
    def _columns_to_drop(self, weighter, X):
        if not self.drop_weighting_columns:
            return []
        keys = [] if weighter is None else key_columns(weighter)
        if not keys:
            raise ValueError(
                f"drop_weighting_columns=True, but weighter={self.weighter!r} reads "
                "no column of X (no groups or strata), so nothing would be dropped "
                "and the estimator would see the columns the other candidates of a "
                "search do not. As the unweighted baseline, use the weighter with "
                "strength=0, e.g. GroupBalancedWeighter(groups='sex', strength=0)."
            )
        columns = FrameView(X).columns
        if columns is not None:
            return [columns[k] if not isinstance(k, str) else k for k in keys]
        n_features = X.shape[1] if hasattr(X, "shape") else len(X[0])
        return sorted({int(k) % n_features for k in keys})

    def _drop_columns(self, X):
        if not self.dropped_columns_:
            return X
        frame = FrameView(X)
        if frame.columns is not None:
            return frame.drop(self.dropped_columns_)
        if not hasattr(X, "shape"):
            X = np.asarray(X, dtype=object)
        keep = np.setdiff1d(np.arange(X.shape[1]), self.dropped_columns_)
        return X[:, keep]

    # ------------------------------------------------------------------ #
    # Delegated methods
    # ------------------------------------------------------------------ #
    def _estimator_input(self, X):
        """Check ``X`` against the fitted columns; drop the weighting columns."""
        check_is_fitted(self)
        if _is_one_dimensional(X):
            return X  # let the estimator say how to reshape it
        validate_data(self, X, reset=False, skip_check_array=True)
        return self._drop_columns(X)

    def _call(self, method, X, **params):
        X = self._estimator_input(X)
        if routing_enabled():
            params = process_routing(self, method, **params)["estimator"][method]
        return getattr(self.estimator_, method)(X, **params)

    @available_if(_estimator_has("predict"))
    def predict(self, X, **params):
        """Predict with the fitted estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Rows to predict, with the same columns as during fit.
        **params : dict
            Passed to the estimator's ``predict`` (routed when metadata
            routing is enabled).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The estimator's predictions.
        """
        return self._call("predict", X, **params)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X, **params):
        """Class probabilities from the fitted estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Rows to predict.
        **params : dict
            Passed to the estimator's ``predict_proba``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            The estimator's class probabilities.
        """
        return self._call("predict_proba", X, **params)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X, **params):
        """Log class probabilities from the fitted estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Rows to predict.
        **params : dict
            Passed to the estimator's ``predict_log_proba``.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            The estimator's log class probabilities.
        """
        return self._call("predict_log_proba", X, **params)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X, **params):
        """Decision function of the fitted estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Rows to score.
        **params : dict
            Passed to the estimator's ``decision_function``.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The estimator's decision function.
        """
        return self._call("decision_function", X, **params)

    @available_if(_estimator_has("transform"))
    def transform(self, X, **params):
        """Transform with the fitted estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Rows to transform.
        **params : dict
            Passed to the estimator's ``transform``.

        Returns
        -------
        X_out : array-like
            The estimator's output.
        """
        return self._call("transform", X, **params)

    @available_if(_estimator_has("score"))
    def score(self, X, y=None, sample_weight=None, **params):
        """The fitted estimator's ``score`` on ``X, y`` (weights not applied).

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Test rows.
        y : array-like of shape (n_samples,), default=None
            True target.
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to the estimator's ``score``. The weighter is not applied;
            see :func:`skweight.metrics.make_weighted_scorer` for that.
        **params : dict
            Further parameters of the estimator's ``score``.

        Returns
        -------
        score : float
            The estimator's score.
        """
        X = self._estimator_input(X)
        if routing_enabled():
            params = process_routing(self, "score", **params)["estimator"]["score"]
        if sample_weight is not None:
            params["sample_weight"] = sample_weight
        return self.estimator_.score(X, y, **params)

    def set_params(self, **params):
        """Set the parameters of this estimator and of its weighter and estimator.

        As in scikit-learn, ``weighter__*`` parameters need a weighter. A
        grid that compares the plain baseline with weighters lists them apart:
        ``[{"weighter": [None]}, {"weighter": [GroupBalancedWeighter()],
        "weighter__strength": [0.5, 1.0]}]``. (Until 0.3, ``weighter__*``
        given with ``weighter=None`` are dropped with a ``FutureWarning``;
        from 0.3 they raise, as scikit-learn does.)

        Parameters
        ----------
        **params : dict
            Parameter names (``weighter__strength``, ``estimator__C``, ...)
            mapped to their values.

        Returns
        -------
        self : WeightedEstimator
            The estimator.
        """
        dropped = sorted(key for key in params if key.startswith("weighter__"))
        if params.get("weighter", self.weighter) is None and dropped:
            warnings.warn(
                f"set_params: {dropped} set parameters of the weighter, but weighter is "
                "None; they are ignored now and will raise from skweight 0.3, as "
                "scikit-learn does. In a grid, list None apart: [{'weighter': [None]}, "
                "{'weighter': [...], 'weighter__strength': [...]}].",
                FutureWarning,
                stacklevel=2,
            )
            params = {key: value for key, value in params.items() if key not in dropped}
        return super().set_params(**params)

    @property
    def classes_(self):
        """The class labels of the fitted classifier."""
        return self.estimator_.classes_

    # ------------------------------------------------------------------ #
    # scikit-learn protocols
    # ------------------------------------------------------------------ #
    def get_metadata_routing(self):
        """Describe how metadata is routed to the weighter and the estimator.

        ``fit``'s metadata goes to the weighter's ``fit_weight`` (or the
        resampler's ``fit_resample``) as requested with the weighter's
        ``set_fit_request``, e.g. ``set_fit_request(sensitive_features=True)``,
        and to the estimator's methods as the estimator requests. The computed
        weights always reach the estimator as ``sample_weight``.

        Returns
        -------
        routing : sklearn.utils.metadata_routing.MetadataRouter
            The routing information.
        """
        router = MetadataRouter(owner=self).add_self_request(self)
        mapping = MethodMapping().add(caller="fit", callee="fit")
        for method in _DELEGATED:
            mapping.add(caller=method, callee=method)
        router.add(estimator=self.estimator, method_mapping=mapping)
        if self.weighter is not None:
            router.add(
                weighter=self.weighter,
                method_mapping=MethodMapping().add(caller="fit", callee="fit"),
            )
        return router

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = deepcopy(get_tags(self.estimator))
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = inner.classifier_tags
        tags.regressor_tags = inner.regressor_tags
        tags.transformer_tags = inner.transformer_tags
        tags.target_tags = inner.target_tags
        tags.input_tags = inner.input_tags
        if self.weighter is not None:
            weighter = get_tags(self.weighter)
            tags.input_tags.sparse = inner.input_tags.sparse and weighter.input_tags.sparse
            tags.target_tags.required = (
                inner.target_tags.required or weighter.target_tags.required
            )
        return tags
