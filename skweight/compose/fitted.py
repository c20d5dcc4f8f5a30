"""What a fitted weighting pipeline does after ``fit``: scikit-learn's, weighting skipped.

:class:`FittedSteps` is the half of :class:`~skweight.pipeline.Pipeline` used
after fitting: ``predict``, ``transform``, ``score`` (and friends) hand the
fitted steps, each weighting step set to ``"passthrough"``, to a
:class:`sklearn.pipeline.Pipeline`, through its public methods only.
"""

from sklearn.exceptions import NotFittedError
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from .steps import is_passthrough, is_weighting

__all__ = ["FittedSteps", "final_has"]


def final_has(attr):
    def check(self):
        last = self._steps_list()[-1][1] if self._steps_list() else None
        return not is_passthrough(last) and hasattr(last, attr)

    return check


def _can_transform(self):
    last = self._steps_list()[-1][1] if self._steps_list() else None
    return is_passthrough(last) or is_weighting(last) or hasattr(last, "transform")


def _can_inverse_transform(self):
    return all(
        is_passthrough(s) or is_weighting(s) or hasattr(s, "inverse_transform")
        for _, s in self._steps_list()
    )


class FittedSteps:
    """Mixin: the methods of a fitted pipeline, weighting steps skipped.

    The class using it provides ``steps``, ``_steps_list()`` and
    ``_without_weighting()`` (a :class:`sklearn.pipeline.Pipeline` of the
    steps, each weighting step as ``"passthrough"``).
    """

    @available_if(final_has("predict"))
    def predict(self, X, **params):
        """The last step's ``predict`` of ``X`` transformed by the steps before it.

        Parameters
        ----------
        X : iterable
            Data to predict on.
        **params : dict of str -> object
            As in :meth:`sklearn.pipeline.Pipeline.predict`.

        Returns
        -------
        y_pred : ndarray
            The predictions.
        """
        return self._without_weighting().predict(X, **params)

    @available_if(final_has("predict_proba"))
    def predict_proba(self, X, **params):
        """The last step's ``predict_proba`` (see :meth:`predict`).

        Parameters
        ----------
        X : iterable
            Data to predict on.
        **params : dict of str -> object
            As in :meth:`sklearn.pipeline.Pipeline.predict_proba`.

        Returns
        -------
        y_proba : ndarray of shape (n_samples, n_classes)
            The class probabilities.
        """
        return self._without_weighting().predict_proba(X, **params)

    @available_if(final_has("predict_log_proba"))
    def predict_log_proba(self, X, **params):
        """The last step's ``predict_log_proba`` (see :meth:`predict`).

        Parameters
        ----------
        X : iterable
            Data to predict on.
        **params : dict of str -> object
            As in :meth:`sklearn.pipeline.Pipeline.predict_log_proba`.

        Returns
        -------
        y_log_proba : ndarray of shape (n_samples, n_classes)
            The log class probabilities.
        """
        return self._without_weighting().predict_log_proba(X, **params)

    @available_if(final_has("decision_function"))
    def decision_function(self, X, **params):
        """The last step's ``decision_function`` (see :meth:`predict`).

        Parameters
        ----------
        X : iterable
            Data to predict on.
        **params : dict of str -> object
            As in :meth:`sklearn.pipeline.Pipeline.decision_function`.

        Returns
        -------
        y_score : ndarray
            The decision function.
        """
        return self._without_weighting().decision_function(X, **params)

    @available_if(final_has("score_samples"))
    def score_samples(self, X):
        """The last step's ``score_samples`` (see :meth:`predict`).

        Parameters
        ----------
        X : iterable
            Data to score.

        Returns
        -------
        y_score : ndarray of shape (n_samples,)
            The scores.
        """
        return self._without_weighting().score_samples(X)

    @available_if(final_has("score"))
    def score(self, X, y=None, sample_weight=None, **params):
        """The last step's ``score`` (see :meth:`predict`).

        Parameters
        ----------
        X : iterable
            Data to score.
        y : iterable, default=None
            Targets.
        sample_weight : array-like, default=None
            Passed to the last step's ``score``.
        **params : dict of str -> object
            As in :meth:`sklearn.pipeline.Pipeline.score`.

        Returns
        -------
        score : float
            The score.
        """
        return self._without_weighting().score(X, y, sample_weight=sample_weight, **params)

    @available_if(_can_transform)
    def transform(self, X, **params):
        """Transform ``X`` by every step (weighting steps skipped).

        Parameters
        ----------
        X : iterable
            Data to transform.
        **params : dict of str -> object
            As in :meth:`sklearn.pipeline.Pipeline.transform`.

        Returns
        -------
        Xt : array-like
            The transformed data.
        """
        return self._without_weighting().transform(X, **params)

    @available_if(_can_inverse_transform)
    def inverse_transform(self, X, **params):
        """Undo :meth:`transform`, step by step in reverse.

        Parameters
        ----------
        X : array-like
            Transformed data.
        **params : dict of str -> object
            As in :meth:`sklearn.pipeline.Pipeline.inverse_transform`.

        Returns
        -------
        X_original : array-like
            The data before the transforms.
        """
        return self._without_weighting().inverse_transform(X, **params)

    def get_feature_names_out(self, input_features=None):
        """The names of the features the pipeline's ``transform`` returns.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Input feature names.

        Returns
        -------
        feature_names_out : ndarray of str
            The output feature names.
        """
        return self._without_weighting().get_feature_names_out(input_features)

    def set_output(self, *, transform=None):
        """Set the output container of every step that has ``set_output``.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"}, default=None
            As in scikit-learn; None leaves the configuration unchanged.

        Returns
        -------
        self : Pipeline
            This pipeline.
        """
        for _, step in self._steps_list():
            if hasattr(step, "set_output") and not isinstance(step, type):
                step.set_output(transform=transform)
        return self

    @property
    def classes_(self):
        """The classes of the last step."""
        return self.steps[-1][1].classes_

    @property
    def n_features_in_(self):
        """The number of features the first step saw in ``fit``."""
        return self.steps[0][1].n_features_in_

    @property
    def feature_names_in_(self):
        """The feature names the first step saw in ``fit``."""
        return self.steps[0][1].feature_names_in_

    def __sklearn_is_fitted__(self):
        """Whether the last step that is not "passthrough" is fitted."""
        try:
            check_is_fitted(self._without_weighting())
        except NotFittedError:
            return False
        return True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if not self._steps_list():
            return tags
        theirs = get_tags(self._without_weighting())
        tags.estimator_type = theirs.estimator_type
        tags.input_tags.pairwise = theirs.input_tags.pairwise
        tags.input_tags.sparse = theirs.input_tags.sparse
        tags.target_tags.multi_output = theirs.target_tags.multi_output
        tags.classifier_tags = theirs.classifier_tags
        tags.regressor_tags = theirs.regressor_tags
        tags.transformer_tags = theirs.transformer_tags
        return tags
