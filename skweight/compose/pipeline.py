"""A scikit-learn ``Pipeline`` that accepts weighter and resampler steps.

:class:`Pipeline` subclasses :class:`sklearn.pipeline.Pipeline` and changes
only what weighting steps need: fitting runs scikit-learn's own step loop
(validation, metadata routing and ``transform_input``, ``memory``, timing,
fit callbacks) with the weighting-step core of :mod:`.core` at the weighting
steps, and the steps are listed without the weighting ones everywhere else,
so that scikit-learn's own ``predict``, ``transform``, ``score`` (and
friends) skip them.
"""

from sklearn import pipeline as _sk_pipeline
from sklearn.base import clone
from sklearn.utils.metadata_routing import MethodMapping
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_memory

from .._compat import (
    callback_context,
    fit_context,
    fit_transform_one,
    print_elapsed_time,
)
from .core import WeightingState
from .steps import (
    check_key_columns,
    is_passthrough,
    is_resampler,
    is_weighter,
    n_rows,
    routing_enabled,
)

__all__ = ["Pipeline", "make_pipeline"]

_FIT_CALLERS = ("fit", "fit_transform", "fit_predict")


def is_weighting(step):
    """Whether a step is a weighter or a resampler."""
    return is_weighter(step) or is_resampler(step)


def _can_fit_transform(self):
    last = self._final_estimator
    return last == "passthrough" or hasattr(last, "transform") or hasattr(
        last, "fit_transform")


def _final_has(attr):
    def check(self):
        return hasattr(self._final_estimator, attr)
    return check


class Pipeline(_sk_pipeline.Pipeline):
    """A pipeline whose steps may also be weighters and resamplers.

    A subclass of :class:`sklearn.pipeline.Pipeline` that keeps all of it
    (``steps``, ``step__param`` names, ``transform_input``, ``memory``,
    ``verbose``, fit callbacks, slicing, metadata routing), plus:

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
    transform_input : list of str, default=None
        Metadata to transform by the steps before the step that receives it,
        as in scikit-learn (needs metadata routing; weighting steps do not
        transform).
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


    # ------------------------------------------------------------------ #
    # The steps without the weighting ones, for everything but fitting
    # ------------------------------------------------------------------ #
    def _iter(self, with_final=True, filter_passthrough=True):
        """``(idx, name, step)``; with ``filter_passthrough``, weighting steps
        are skipped too (they act during fit only)."""
        for idx, name, step in super()._iter(with_final, filter_passthrough):
            if filter_passthrough and is_weighting(step):
                continue
            yield idx, name, step

    @property
    def _final_estimator(self):
        # A slice that ends in a weighting step transforms as if it ended in
        # "passthrough" (fitting it is refused by _validate_steps).
        last = super()._final_estimator
        return "passthrough" if is_weighting(last) else last

    def _validate_steps(self):
        name, last = self.steps[-1] if self.steps else (None, None)
        if is_weighting(last):
            raise TypeError(
                f"The last step {name!r} is a {type(last).__name__}; weighter and "
                "resampler steps need an estimator after them to use their result."
            )
        if self.steps:
            self._validate_names([n for n, _ in self.steps])
        for step_name, step in self.steps[:-1]:
            if is_passthrough(step) or is_weighting(step):
                continue
            if not (hasattr(step, "fit") or hasattr(step, "fit_transform")) \
                    or not hasattr(step, "transform"):
                raise TypeError(
                    f"Step {step_name!r} ({type(step).__name__}) is not a transformer "
                    "(fit and transform), a weighter (fit_weight), a resampler "
                    "(fit_resample) or 'passthrough'."
                )
        # scikit-learn's own checks, with the weighting steps standing aside.
        steps = self.steps
        try:
            self.steps = [(n, "passthrough" if is_weighting(s) else s) for n, s in steps]
            super()._validate_steps()
        finally:
            self.steps = steps

    # ------------------------------------------------------------------ #
    # Fitting
    # ------------------------------------------------------------------ #
    @fit_context(prefer_skip_nested_validation=False)
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
        def final(step, Xt, yt, step_params):
            step.fit(Xt, yt, **step_params["fit"])
        self._fit_all("fit", X, y, params, final)
        return self

    @available_if(_can_fit_transform)
    @fit_context(prefer_skip_nested_validation=False)
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
        def final(step, Xt, yt, step_params):
            if hasattr(step, "fit_transform"):
                return step.fit_transform(Xt, yt, **step_params["fit_transform"])
            return step.fit(Xt, yt, **step_params["fit"]).transform(
                Xt, **step_params["transform"])
        return self._fit_all("fit_transform", X, y, params, final)

    @available_if(_final_has("fit_predict"))
    @fit_context(prefer_skip_nested_validation=False)
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
        def final(step, Xt, yt, step_params):
            return step.fit_predict(Xt, yt, **step_params.get("fit_predict", {}))
        return self._fit_all("fit_predict", X, y, params, final)

    def _fit_all(self, caller, X, y, params, final):
        """scikit-learn's fit sequence, with the weighting steps' state."""
        task = caller.replace("_", "-")
        ctx = callback_context(self, task_name=task, max_subtasks=len(self.steps))
        ctx.call_on_fit_task_begin(estimator=self, X=X, y=y)
        if not routing_enabled() and self.transform_input is not None:
            raise ValueError(
                "The `transform_input` parameter can only be set if metadata "
                "routing is enabled. You can enable metadata routing using "
                "`sklearn.set_config(enable_metadata_routing=True)`."
            )
        routed = self._check_method_params(method=caller, props=params)
        Xt, yt, state = self._fit_steps(X, y, routed, params, ctx)
        name, last = self.steps[-1]
        result = Xt
        with print_elapsed_time("Pipeline", self._log_message(len(self.steps) - 1)):
            sub = ctx.subcontext(task_name=f"{task}-final-estimator")
            if is_passthrough(last):
                if state.weights is not None and not state.used:
                    raise ValueError(state.unused_message(name, last))
                sub.call_on_fit_task_begin(estimator=self, X=Xt, y=yt)
                sub.call_on_fit_task_end(estimator=self, X=Xt, y=yt)
            else:
                with sub.propagate_callback_context(last):
                    sub.call_on_fit_task_begin(estimator=self, X=Xt, y=yt)
                    own = self._get_metadata_for_step(
                        step_idx=len(self) - 1, step_params=routed[name],
                        all_params=params)
                    step_params = self._with_state(state, last, own, name)
                    if state.weights is not None and not state.used:
                        raise ValueError(state.unused_message(name, last))
                    result = final(last, Xt, yt, step_params)
                    sub.call_on_fit_task_end(estimator=self, X=Xt, y=yt)
        ctx.call_on_fit_task_end(estimator=self, X=Xt, y=yt)
        return result

    def _with_state(self, state, step, own, name):
        """A step's routed parameters for the current rows, with the weights."""
        owner = f"Pipeline step {name!r}"
        step_params = {method: state.follow(p, owner=owner) for method, p in own.items()}
        for method in _FIT_CALLERS:
            if method in step_params:
                step_params[method] = state.with_weights(step, step_params[method],
                                                         own.get(method, {}))
        return step_params

    def _fit_steps(self, X, y, routed, raw_params, ctx):
        """Fit every step but the last; return ``(Xt, yt, state)``."""
        self.steps = list(self.steps)
        self._validate_steps()
        memory = check_memory(self.memory)
        cache = not (hasattr(memory, "location") and memory.location is None)
        fit_transform_cached = memory.cache(fit_transform_one,
                                            ignore=["caller", "callback_ctx"])
        state = WeightingState(n_rows(X))
        for idx, name, step in self._iter(with_final=False, filter_passthrough=False):
            sub = ctx.subcontext(task_name=f"fit-transform-{name}")
            if is_passthrough(step):
                with print_elapsed_time("Pipeline", self._log_message(idx)):
                    sub.call_on_fit_task_begin(estimator=self, X=X, y=y)
                    sub.call_on_fit_task_end(estimator=self, X=X, y=y)
                continue
            step = clone(step) if cache else step
            own = self._get_metadata_for_step(step_idx=idx, step_params=routed[name],
                                              all_params=raw_params)
            if is_weighting(step):
                if is_weighter(step):
                    check_key_columns(step, X, where=f"step {name!r} of the Pipeline")
                fit_params = state.follow(own["fit"], owner=f"Pipeline step {name!r}")
                with print_elapsed_time("Pipeline", self._log_message(idx)), \
                        sub.propagate_callback_context(step):
                    sub.call_on_fit_task_begin(estimator=self, X=X, y=y)
                    X, y = state.apply(step, X, y, fit_params, name=f"step {name!r}")
                    sub.call_on_fit_task_end(estimator=self, X=X, y=y)
            else:
                step_params = self._with_state(state, step, own, name)
                X, step = fit_transform_cached(
                    step, X, y, message=self._log_message(idx), params=step_params,
                    caller=self, callback_ctx=sub)
            self.steps[idx] = (name, step)
        return X, y, state

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
        router = super().get_metadata_routing()
        for _, name, step in super()._iter(with_final=False, filter_passthrough=True):
            if is_weighting(step):
                mapping = MethodMapping()
                for caller in _FIT_CALLERS:
                    mapping.add(caller=caller, callee="fit")
                router.add(method_mapping=mapping, **{name: step})
        return router


def make_pipeline(*steps, memory=None, transform_input=None, verbose=False):
    """Build a :class:`Pipeline` from steps, naming them after their classes.

    Names are the lowercased class names, numbered when a class repeats, as
    in :func:`sklearn.pipeline.make_pipeline`.

    Parameters
    ----------
    *steps : list of estimators
        Transformers, weighters, resamplers and a last estimator.
    memory : str or object with the joblib.Memory interface, default=None
        Caches the fitted transformers.
    transform_input : list of str, default=None
        As in :class:`Pipeline`.
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
    return Pipeline(list(zip(names, steps)), memory=memory,
                    transform_input=transform_input, verbose=verbose)
