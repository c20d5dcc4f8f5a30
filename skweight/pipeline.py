"""A scikit-learn ``Pipeline`` that accepts weighter and resampler steps.

During ``fit`` a weighter step (anything with ``fit_weight``) computes weights
on the data as it reaches that step; the weights of all weighter steps,
multiplied together, go to every later step whose ``fit`` accepts
``sample_weight``. A resampler step (anything with ``fit_resample``) replaces
``X`` and ``y`` by its resampled rows, and the running weights and per-row fit
parameters follow them through its ``sample_indices_``. At prediction,
transform and score time both kinds of step are skipped.

Only scikit-learn's public API is used: :meth:`Pipeline.fit` runs its own loop
over the steps, and the prediction methods delegate to a plain
:class:`sklearn.pipeline.Pipeline` of the fitted steps in which the weighting
steps are ``"passthrough"``. Parameters keep their ``step__param`` names, so
the pipeline works in ``GridSearchCV`` and ``cross_validate`` as any other.
"""

import numpy as np
from sklearn import pipeline as _sk_pipeline
from sklearn.base import clone
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, check_memory

from ._compat import HasMethods, validate_params
from ._compose import (
    check_key_columns,
    follow_rows,
    is_passthrough,
    is_resampler,
    is_weighter,
    n_rows,
    sample_weight_kwargs,
    take_rows,
)
from ._steps import (
    FIT_CALLERS,
    Timer,
    check_steps,
    fit_transform_one,
    is_weighting,
    route_fit_params,
    steps_routing,
    unused_weights_message,
)

__all__ = ["Pipeline", "make_pipeline"]


def _final_has(attr):
    """For ``available_if``: the last step has ``attr``."""
    def check(self):
        last = self.steps[-1][1]
        if is_passthrough(last):
            return attr in ("transform", "fit_transform")
        return hasattr(last, attr)
    return check


def _all_have(attr):
    """For ``available_if``: every transformer step has ``attr``."""
    def check(self):
        return all(hasattr(step, attr) for _, step in self.steps
                   if not is_passthrough(step) and not is_weighting(step))
    return check


class Pipeline(_sk_pipeline.Pipeline):
    """A pipeline whose steps may also be weighters and resamplers.

    Behaves as :class:`sklearn.pipeline.Pipeline` (same ``steps``,
    ``step__param`` names, ``memory``, ``verbose``, slicing), plus:

    - a *weighter step* (anything with ``fit_weight``, e.g.
      :class:`~skweight.GroupBalancedWeighter`) computes, during ``fit``, the
      weights of the rows reaching it, from the data as transformed by the
      steps before it. Later steps whose ``fit`` accepts ``sample_weight`` get
      the product of the weights of all weighter steps before them (times the
      ``sample_weight`` given to that step, unless the same array already
      went into a weighter);
    - a *resampler step* (anything with ``fit_resample``, e.g.
      imbalanced-learn's ``RandomUnderSampler``) replaces ``X`` and ``y`` by
      its resampled rows during ``fit``; the running weights and the per-row
      fit parameters of later steps follow the rows through the resampler's
      ``sample_indices_``;
    - at ``predict``, ``transform``, ``score`` (and friends) both kinds of
      step are skipped. Set one to ``"passthrough"`` to switch it off, e.g. as
      a baseline in a grid search.

    Parameters
    ----------
    steps : list of tuple
        ``(name, step)`` pairs: transformers, weighters or resamplers, or
        ``"passthrough"``/None, and a last step that is an estimator (or
        ``"passthrough"``). The last step may not be a weighter or resampler.
    memory : str or object with the joblib.Memory interface, default=None
        Caches the fitted transformers (not the weighting steps), as in
        scikit-learn.
    verbose : bool, default=False
        Print the time each step takes to fit.

    Attributes
    ----------
    named_steps : Bunch
        The steps by name; after ``fit`` the weighter steps hold their fitted
        weight tables.

    See Also
    --------
    make_pipeline : Build a pipeline, naming the steps after their classes.
    skweight.WeightedEstimator : Weight a single estimator.

    Notes
    -----
    Fit-time metadata: without metadata routing, pass ``step__param=value``
    (e.g. ``groupbalancedweighter__sensitive_features=s`` or
    ``groupbalancedweighter__sample_weight=survey_weights``). With metadata
    routing enabled, a weighter or resampler gets what it requests with its
    ``set_fit_request`` (e.g. ``set_fit_request(sensitive_features=True)``);
    the computed weights go to the later steps that accept ``sample_weight``
    and have not opted out with ``set_fit_request(sample_weight=False)``
    (steps that are themselves routers, e.g. a nested pipeline, get them only
    where they request them).

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skweight import GroupBalancedWeighter
    >>> from skweight.pipeline import make_pipeline
    >>> X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
    ...                   "sex": [0, 0, 0, 0, 0, 0, 1, 1]})
    >>> y = [0, 0, 0, 1, 1, 1, 1, 1]
    >>> pipe = make_pipeline(GroupBalancedWeighter(groups="sex"),
    ...                      LogisticRegression()).fit(X, y)
    >>> pipe.named_steps["groupbalancedweighter"].weight_table_
       sex  count  weighted_count    factor
    0    0      6             6.0  0.666667
    1    1      2             2.0  2.000000
    >>> pipe.predict(X)
    array([0, 0, 0, 1, 1, 1, 1, 1])
    >>> pipe.set_params(groupbalancedweighter="passthrough").fit(X, y).score(X, y)
    1.0
    """

    _parameter_constraints = {
        "steps": [list],
        "memory": [None, str, HasMethods(["cache"])],
        "verbose": ["boolean"],
    }

    def __init__(self, steps, *, memory=None, verbose=False):
        self.steps = steps
        self.memory = memory
        self.verbose = verbose

    # ------------------------------------------------------------------ #
    # Fitting
    # ------------------------------------------------------------------ #
    def fit(self, X, y=None, **params):
        """Fit the steps one after the other, weighting and resampling on the way.

        Parameters
        ----------
        X : iterable
            Training data, as the first step expects it.
        y : iterable, default=None
            Training target.
        **params : dict of str -> object
            Without metadata routing: ``step__param`` for the ``fit`` of each
            step (``fit_weight``/``fit_resample`` for weighting steps). With
            metadata routing: metadata routed as the steps request.

        Returns
        -------
        self : Pipeline
            The fitted pipeline.
        """
        Xt, yt, final = self._fit_steps(X, y, params, "fit")
        if final is not None:
            name, step, step_params = final
            with Timer(self, len(self.steps) - 1):
                step.fit(Xt, yt, **step_params["fit"])
        return self

    @available_if(_final_has("fit_transform"))
    def fit_transform(self, X, y=None, **params):
        """Fit the pipeline, and return the last step's transform of the data.

        Parameters
        ----------
        X : iterable
            Training data.
        y : iterable, default=None
            Training target.
        **params : dict of str -> object
            As in :meth:`fit`.

        Returns
        -------
        Xt : array-like
            The transformed training rows (after any resampling).
        """
        Xt, yt, final = self._fit_steps(X, y, params, "fit_transform")
        if final is None:
            return Xt
        name, step, step_params = final
        with Timer(self, len(self.steps) - 1):
            if hasattr(step, "fit_transform"):
                return step.fit_transform(Xt, yt, **step_params["fit_transform"])
            return step.fit(Xt, yt, **step_params["fit"]).transform(
                Xt, **step_params["transform"])

    @available_if(_final_has("fit_predict"))
    def fit_predict(self, X, y=None, **params):
        """Fit the pipeline, and return the last step's ``fit_predict``.

        Parameters
        ----------
        X : iterable
            Training data.
        y : iterable, default=None
            Training target.
        **params : dict of str -> object
            As in :meth:`fit`.

        Returns
        -------
        y_pred : ndarray
            Predictions for the training rows (after any resampling).
        """
        Xt, yt, final = self._fit_steps(X, y, params, "fit_predict")
        name, step, step_params = final
        with Timer(self, len(self.steps) - 1):
            return step.fit_predict(Xt, yt, **step_params["fit_predict"])

    def _fit_steps(self, X, y, params, caller):
        """Fit every step but the last; return ``(Xt, yt, final)``.

        ``final`` is None for a ``"passthrough"`` last step, else
        ``(name, estimator, {method: params})`` with the weights included.
        """
        validate_params(self)
        check_steps(self.steps, self.get_params(deep=False))
        self.steps = list(self.steps)
        routed = route_fit_params(self, params, caller)
        memory = check_memory(self.memory)
        cache = memory.location is not None if hasattr(memory, "location") else True
        fit_transform_cached = memory.cache(fit_transform_one)

        n_start = n_rows(X)
        rows = None  # the rows of X still present; None: all, in order
        rows_known = True
        weights = None
        weighter_names = []
        weights_used = False
        consumed = set()  # ids of sample_weight arrays already in `weights`
        Xt, yt = X, y
        for idx, (name, step) in enumerate(self.steps[:-1]):
            if is_passthrough(step):
                continue
            own = routed[name]
            step_params = self._follow(own, rows, rows_known, n_start, name)
            with Timer(self, idx):
                if is_resampler(step):
                    step = clone(step) if cache else step
                    Xt, yt = step.fit_resample(Xt, yt, **step_params["fit"])[:2]
                    kept = getattr(step, "sample_indices_", None)
                    if kept is None:
                        rows_known = False
                        if weights is not None:
                            raise ValueError(
                                f"Resampler step {name!r} did not set sample_indices_, "
                                "so the weights of the weighter steps before it "
                                "cannot follow its rows. Put the weighter after it."
                            )
                    else:
                        rows = kept if rows is None else take_rows(rows, kept)
                        if weights is not None:
                            weights = take_rows(weights, kept)
                elif is_weighter(step):
                    check_key_columns(step, Xt, where=f"step {name!r} of the Pipeline")
                    step = clone(step) if cache else step
                    given = own["fit"].get("sample_weight")
                    if given is not None:
                        consumed.add(id(given))
                    w = np.asarray(step.fit_weight(Xt, yt, **step_params["fit"]))
                    if w.ndim != 1:
                        raise ValueError(
                            f"Weighter step {name!r} returned weights of shape "
                            f"{w.shape} (one per row and class, for a multi-label "
                            "target), but fit takes one sample_weight per row."
                        )
                    weights = w if weights is None else weights * w
                    weighter_names.append(name)
                else:
                    step = clone(step) if cache else step
                    key = "fit_transform" if hasattr(step, "fit_transform") else "fit"
                    fit_params, used = self._with_weights(
                        step, step_params[key], own[key], weights, consumed)
                    weights_used = weights_used or used
                    Xt, step = fit_transform_cached(step, Xt, yt, fit_params,
                                                    step_params["transform"])
            self.steps[idx] = (name, step)

        name, step = self.steps[-1]
        if is_passthrough(step):
            if weights is not None and not weights_used:
                raise ValueError(unused_weights_message(weighter_names, name, step))
            return Xt, yt, None
        own = routed[name]
        step_params = self._follow(own, rows, rows_known, n_start, name)
        if weights is not None:
            for method in FIT_CALLERS:
                step_params[method], used = self._with_weights(
                    step, step_params[method], own[method], weights, consumed)
            if not used:
                raise ValueError(unused_weights_message(weighter_names, name, step))
        return Xt, yt, (name, step, step_params)

    def _with_weights(self, step, step_params, own, weights, consumed):
        """Add the running weights to a step's fit parameters.

        Returns ``(params, used)``; ``used`` tells whether the step got them.
        """
        if weights is None:
            return step_params, False
        kwargs = sample_weight_kwargs(step, weights)
        if kwargs is None:
            return step_params, False
        step_params = dict(step_params)
        given = own.get("sample_weight")
        fresh = given is not None and id(given) not in consumed
        if "sample_weight" in kwargs and fresh:
            kwargs["sample_weight"] = weights * step_params["sample_weight"]
        step_params.update(kwargs)
        return step_params, True

    def _follow(self, own, rows, rows_known, n_start, name):
        """A step's parameters with per-row values subset to the current rows."""
        if rows is None and rows_known:
            return {method: dict(p) for method, p in own.items()}
        owner = f"Pipeline step {name!r}"
        return {method: follow_rows(p, rows if rows_known else None, n_start,
                                    owner=owner)
                for method, p in own.items()}

    # ------------------------------------------------------------------ #
    # Prediction: the fitted steps without the weighting ones
    # ------------------------------------------------------------------ #
    def _inference_pipeline(self):
        """A scikit-learn Pipeline of the fitted steps, weighting steps skipped."""
        check_is_fitted(self)
        steps = [(name, "passthrough" if is_weighting(step) else step)
                 for name, step in self.steps]
        return _sk_pipeline.Pipeline(steps)

    @available_if(_final_has("predict"))
    def predict(self, X, **params):
        """Transform ``X`` through the steps and predict with the last one.

        Parameters
        ----------
        X : iterable
            Data to predict on.
        **params : dict of str -> object
            As for :meth:`sklearn.pipeline.Pipeline.predict`.

        Returns
        -------
        y_pred : ndarray
            The last step's predictions.
        """
        return self._inference_pipeline().predict(X, **params)

    @available_if(_final_has("predict_proba"))
    def predict_proba(self, X, **params):
        """Transform ``X`` and return the last step's class probabilities.

        Parameters
        ----------
        X : iterable
            Data to predict on.
        **params : dict of str -> object
            As for :meth:`sklearn.pipeline.Pipeline.predict_proba`.

        Returns
        -------
        y_proba : ndarray of shape (n_samples, n_classes)
            The last step's ``predict_proba``.
        """
        return self._inference_pipeline().predict_proba(X, **params)

    @available_if(_final_has("predict_log_proba"))
    def predict_log_proba(self, X, **params):
        """Transform ``X`` and return the last step's log class probabilities.

        Parameters
        ----------
        X : iterable
            Data to predict on.
        **params : dict of str -> object
            As for :meth:`sklearn.pipeline.Pipeline.predict_log_proba`.

        Returns
        -------
        y_log_proba : ndarray of shape (n_samples, n_classes)
            The last step's ``predict_log_proba``.
        """
        return self._inference_pipeline().predict_log_proba(X, **params)

    @available_if(_final_has("decision_function"))
    def decision_function(self, X, **params):
        """Transform ``X`` and return the last step's decision function.

        Parameters
        ----------
        X : iterable
            Data to predict on.
        **params : dict of str -> object
            As for :meth:`sklearn.pipeline.Pipeline.decision_function`.

        Returns
        -------
        y_score : ndarray
            The last step's ``decision_function``.
        """
        return self._inference_pipeline().decision_function(X, **params)

    @available_if(_final_has("score_samples"))
    def score_samples(self, X):
        """Transform ``X`` and return the last step's ``score_samples``.

        Parameters
        ----------
        X : iterable
            Data to score.

        Returns
        -------
        y_score : ndarray of shape (n_samples,)
            The last step's ``score_samples``.
        """
        return self._inference_pipeline().score_samples(X)

    @available_if(_final_has("score"))
    def score(self, X, y=None, sample_weight=None, **params):
        """Transform ``X`` and return the last step's ``score``.

        Parameters
        ----------
        X : iterable
            Test data.
        y : iterable, default=None
            True target.
        sample_weight : array-like, default=None
            Passed to the last step's ``score`` (weighter steps are not
            applied; see :func:`skweight.metrics.make_weighted_scorer`).
        **params : dict of str -> object
            As for :meth:`sklearn.pipeline.Pipeline.score`.

        Returns
        -------
        score : float
            The last step's score.
        """
        return self._inference_pipeline().score(X, y, sample_weight=sample_weight,
                                                **params)

    @available_if(_final_has("transform"))
    def transform(self, X, **params):
        """Transform ``X`` through every step (weighting steps skipped).

        Parameters
        ----------
        X : iterable
            Data to transform.
        **params : dict of str -> object
            As for :meth:`sklearn.pipeline.Pipeline.transform`.

        Returns
        -------
        Xt : array-like
            The transformed data.
        """
        return self._inference_pipeline().transform(X, **params)

    @available_if(_all_have("inverse_transform"))
    def inverse_transform(self, X, **params):
        """Apply ``inverse_transform`` of the steps in reverse order.

        Parameters
        ----------
        X : array-like
            Data in the output space of the pipeline.
        **params : dict of str -> object
            As for :meth:`sklearn.pipeline.Pipeline.inverse_transform`.

        Returns
        -------
        X_original : array-like
            Data in the input space.
        """
        return self._inference_pipeline().inverse_transform(X, **params)

    def get_feature_names_out(self, input_features=None):
        """Output feature names of the transformer steps (weighting steps skipped).

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names.

        Returns
        -------
        feature_names_out : ndarray of str
            Transformed feature names.
        """
        return self._inference_pipeline().get_feature_names_out(input_features)

    # ------------------------------------------------------------------ #
    # Metadata routing
    # ------------------------------------------------------------------ #
    def get_metadata_routing(self):
        """Describe how metadata is routed to the steps.

        Transformers and the last step are routed as in scikit-learn's
        ``Pipeline``. A weighter or resampler step receives, in every fit
        method, what it requests for ``fit`` (its ``fit_weight`` and
        ``fit_resample`` take the same metadata).

        Returns
        -------
        routing : sklearn.utils.metadata_routing.MetadataRouter
            The routing information.
        """
        return steps_routing(self, self.steps)


def make_pipeline(*steps, memory=None, verbose=False):
    """Build a :class:`Pipeline` from steps, naming them after their classes.

    Names are the lowercased class names, numbered when a class repeats, as
    in :func:`sklearn.pipeline.make_pipeline`.

    Parameters
    ----------
    *steps : list of estimators
        Transformers, weighters, resamplers and a last estimator.
    memory : str or object with the joblib.Memory interface, default=None
        Caches the fitted transformers.
    verbose : bool, default=False
        Print the time each step takes to fit.

    Returns
    -------
    pipeline : Pipeline
        The pipeline.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skweight import EffectiveNumberWeighter
    >>> from skweight.pipeline import make_pipeline
    >>> pipe = make_pipeline(StandardScaler(), EffectiveNumberWeighter(beta=0.99),
    ...                      LogisticRegression())
    >>> [name for name, _ in pipe.steps]
    ['standardscaler', 'effectivenumberweighter', 'logisticregression']
    """
    names = [name for name, _ in _sk_pipeline.make_pipeline(*steps).steps]
    return Pipeline(list(zip(names, steps)), memory=memory, verbose=verbose)
