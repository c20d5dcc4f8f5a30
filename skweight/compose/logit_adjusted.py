"""LogitAdjustedClassifier: post-hoc logit adjustment of any probabilistic classifier.

A classifier trained on skewed classes predicts ``p(y | x)`` under the
training priors. Dividing its probabilities by ``prior ** tau`` (subtracting
``tau * log prior`` from its logits, Menon et al. 2021) targets the balanced
error instead; the priors come from a weighter fit on the same rows.
"""

import warnings
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.utils.validation import check_is_fitted

from .._compat import HasMethods, Interval, validate_params
from ..exceptions import WeightingWarning
from ..weighting.priors import class_priors
from ..weighting.weighters import GroupBalancedWeighter

__all__ = ["LogitAdjustedClassifier"]


class LogitAdjustedClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Post-hoc logit adjustment: a classifier's probabilities over the class priors.

    Fits ``estimator`` as it is, and a weighter on the same labels for the
    class priors ``pi``. :meth:`predict_proba` returns the estimator's
    probabilities times ``pi ** -tau``, renormalised; :meth:`predict` their
    argmax, which is the estimator's logits minus ``tau * log(pi)``.

    Parameters
    ----------
    estimator : classifier with ``predict_proba``
        Fitted on the rows as they are (no weights, no resampling).
    weighter : GroupBalancedWeighter or EffectiveNumberWeighter, default=None
        Fitted (a clone) on ``y`` for the priors; its group and stratum
        columns are not used, only the label's weighted counts. None: a
        ``GroupBalancedWeighter()``.
    tau : float >= 0, default=1.0
        The strength of the adjustment (0: the estimator's own predictions).

    Attributes
    ----------
    estimator_ : classifier
        The fitted estimator.
    weighter_ : weighter
        The fitted weighter.
    classes_ : ndarray of shape (n_classes,)
        The estimator's classes.
    log_priors_ : ndarray of shape (n_classes,)
        ``log(pi)`` in the order of ``classes_``.
    n_features_in_ : int
        Number of features seen during fit (of the estimator).

    References
    ----------
    .. [1] A. K. Menon et al., "Long-tail learning via logit adjustment",
       ICLR 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skweight.priors import LogitAdjustedClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(400, 2))
    >>> y = (X[:, 0] + rng.normal(size=400) > 1.8).astype(int)   # ~10% positives
    >>> clf = LogitAdjustedClassifier(LogisticRegression()).fit(X, y)
    >>> bool(clf.predict(X).mean() > clf.estimator_.predict(X).mean())
    True
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict_proba"])],
        "weighter": [HasMethods(["fit", "weight"]), None],
        "tau": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, estimator, *, weighter=None, tau=1.0):
        self.estimator = estimator
        self.weighter = weighter
        self.tau = tau

    def fit(self, X, y, *, sample_weight=None, **fit_params):
        """Fit the estimator and the priors on ``X, y``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to both the estimator and the weighter (the priors are
            then weighted shares).
        **fit_params : dict
            Passed to the estimator's ``fit``.

        Returns
        -------
        self : object
        """
        validate_params(self)
        weighter = (
            clone(self.weighter) if self.weighter is not None else GroupBalancedWeighter()
        )
        if sample_weight is not None:
            fit_params["sample_weight"] = sample_weight
        self.estimator_ = clone(self.estimator).fit(X, y, **fit_params)
        weighter.set_params(groups=None, strata=None, balance="label")
        with warnings.catch_warnings():  # only its counts are used, not its weights
            warnings.simplefilter("ignore", WeightingWarning)
            self.weighter_ = weighter.fit(None, y, sample_weight=sample_weight)
        self.classes_ = self.estimator_.classes_
        priors = class_priors(self.weighter_)
        order = _positions(self.weighter_.classes_, self.classes_)
        with np.errstate(divide="ignore"):
            self.log_priors_ = np.log(priors[order])
        if hasattr(self.estimator_, "n_features_in_"):
            self.n_features_in_ = self.estimator_.n_features_in_
        if hasattr(self.estimator_, "feature_names_in_"):
            self.feature_names_in_ = self.estimator_.feature_names_in_
        return self

    def predict_log_proba(self, X):
        """Adjusted log-probabilities: ``log p - tau * log pi``, renormalised."""
        check_is_fitted(self, "estimator_")
        with np.errstate(divide="ignore"):
            logits = np.log(self.estimator_.predict_proba(X))
        adjusted = logits - self.tau * self.log_priors_
        top = adjusted.max(axis=1, keepdims=True)
        top = np.where(np.isfinite(top), top, 0.0)
        total = np.log(np.exp(adjusted - top).sum(axis=1, keepdims=True)) + top
        return adjusted - total

    def predict_proba(self, X):
        """Adjusted probabilities: ``p * pi ** -tau``, renormalised per row."""
        return np.exp(self.predict_log_proba(X))

    def predict(self, X):
        """The class of the largest adjusted probability."""
        scores = self.predict_log_proba(X)
        return self.classes_[np.argmax(scores, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        from sklearn.utils import get_tags

        inner = get_tags(self.estimator)
        tags.input_tags = inner.input_tags
        return tags


def _positions(weighter_classes, classes):
    """Where each of ``classes`` sits in ``weighter_classes``."""
    lookup = {
        c.item() if hasattr(c, "item") else c: i
        for i, c in enumerate(np.asarray(weighter_classes).tolist())
    }
    try:
        return np.array([lookup[c] for c in np.asarray(classes).tolist()], dtype=np.intp)
    except KeyError as missing:  # pragma: no cover - both fit on the same y
        raise ValueError(f"Class {missing} of the estimator has no prior.") from None
