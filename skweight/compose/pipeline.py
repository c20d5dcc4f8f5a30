"""A pipeline whose steps may be weighters and resamplers, on scikit-learn's public API.

:class:`Pipeline` is a composition, not a subclass of scikit-learn's: it
holds the steps, fits them one after the other with the weighting-step core
of :mod:`.core`, and for everything after fitting (``predict``,
``transform``, ``score``, ``get_feature_names_out`` and friends) hands the
fitted steps, with each weighting step set to ``"passthrough"``, to a
:class:`sklearn.pipeline.Pipeline`. Only public scikit-learn names are used
here (``process_routing``, ``MetadataRouter``, ``check_memory``, ``clone``,
``get_tags``); what differs between scikit-learn releases lives in
:mod:`skweight._compat`.
"""

from sklearn import pipeline as sk_pipeline
from sklearn.base import BaseEstimator, clone
from sklearn.utils import Bunch
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    get_routing_for_object,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_memory

from .._compat import (
    CallbackSupportMixin,
    HasMethods,
    callback_context,
    fit_context,
    with_callbacks,
)
from .core import WeightingState
from .fitted import FittedSteps, final_has
from .step_fitting import elapsed, fit_transform_one, step_mapping, step_params_by_name
from .steps import (
    check_key_columns,
    is_passthrough,
    is_weighter,
    is_weighting,
    n_rows,
    routing_enabled,
)

__all__ = ["Pipeline", "make_pipeline"]

_FIT_CALLERS = ("fit", "fit_transform", "fit_predict")
_OWN_PARAMS = ("steps", "transform_input", "memory", "verbose")


def _can_fit_transform(self):
    last = self._steps_list()[-1][1] if self._steps_list() else None
    return (
        is_passthrough(last) or hasattr(last, "transform") or hasattr(last, "fit_transform")
    )


class Pipeline(FittedSteps, CallbackSupportMixin, BaseEstimator):
    """A pipeline whose steps may also be weighters and resamplers.

    It takes the steps and parameters of :class:`sklearn.pipeline.Pipeline`
    and keeps what users rely on (``step__param`` names, ``memory``,
    ``verbose``, ``transform_input``, slicing, metadata routing,
    ``set_output``, ``get_feature_names_out``, fit callbacks), plus:

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

    _parameter_constraints = {
        "steps": [list],
        "transform_input": [list, None],
        "memory": [None, str, HasMethods(["cache"])],
        "verbose": ["boolean"],
    }

    def __init__(self, steps, *, transform_input=None, memory=None, verbose=False):
        self.steps = steps
        self.transform_input = transform_input
        self.memory = memory
        self.verbose = verbose

    # ------------------------------------------------------------------ #
    # Steps, parameters, slicing
    # ------------------------------------------------------------------ #
    def _steps_list(self):
        """The ``(name, step)`` pairs, or [] where ``steps`` is not such a list."""
        steps = self.steps
        if isinstance(steps, list) and all(
            isinstance(s, tuple) and len(s) == 2 for s in steps
        ):
            return steps
        return []

    @property
    def named_steps(self):
        """The steps by name (a :class:`~sklearn.utils.Bunch`)."""
        return Bunch(**dict(self._steps_list()))

    def __len__(self):
        """The number of steps."""
        return len(self.steps)

    def __getitem__(self, ind):
        """A step (by position or name), or a sub-pipeline (by slice).

        A slice shares the fitted steps with this pipeline, as in
        scikit-learn; a slice that ends in a weighting step transforms as if
        that step were ``"passthrough"``.
        """
        if isinstance(ind, slice):
            if ind.step not in (1, None):
                raise ValueError("Pipeline slicing only supports a step of 1")
            return type(self)(self.steps[ind], memory=self.memory, verbose=self.verbose)
        try:
            return self.steps[ind][1]
        except TypeError:
            return self.named_steps[ind]

    def get_params(self, deep=True):
        """The parameters: own ones, and with ``deep`` each step and its parameters.

        Parameters
        ----------
        deep : bool, default=True
            Also return each step (by name) and its parameters
            (``name__param``).

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        out = super().get_params(deep=False)
        if not deep:
            return out
        steps = self._steps_list()
        out.update(steps)
        for name, step in steps:
            if hasattr(step, "get_params") and not isinstance(step, type):
                out.update(
                    (f"{name}__{key}", value)
                    for key, value in step.get_params(deep=True).items()
                )
        return out

    def set_params(self, **params):
        """Set parameters: own ones, whole steps by name, or ``name__param``.

        Parameters
        ----------
        **params : dict
            E.g. ``verbose=True``, ``clf=LogisticRegression()``,
            ``w="passthrough"`` or ``clf__C=10``.

        Returns
        -------
        self : Pipeline
            This pipeline.
        """
        if "steps" in params:
            self.steps = params.pop("steps")
        names = [name for name, _ in self._steps_list()]
        for key in [k for k in params if "__" not in k and k in names]:
            value = params.pop(key)
            self.steps = [(n, value if n == key else s) for n, s in self.steps]
        if params:
            super().set_params(**params)
        return self

    def _check_steps(self):
        """Refuse steps that cannot be fitted, with scikit-learn's messages."""
        if not self.steps:
            raise ValueError("The pipeline is empty. Please add steps.")
        steps = self._steps_list()
        if len(steps) != len(self.steps):
            raise TypeError("steps must be a list of (name, estimator) tuples.")
        names = [name for name, _ in steps]
        if len(set(names)) != len(names):
            raise ValueError(f"Names provided are not unique: {names!r}")
        clash = sorted(set(names) & set(_OWN_PARAMS))
        if clash:
            raise ValueError(
                f"Estimator names conflict with constructor arguments: {clash!r}"
            )
        bad = [name for name in names if "__" in name]
        if bad:
            raise ValueError(f"Estimator names must not contain __: got {bad!r}")
        name, last = steps[-1]
        if is_weighting(last):
            raise TypeError(
                f"The last step {name!r} is a {type(last).__name__}; weighter and "
                "resampler steps need an estimator after them to use their result."
            )
        if not is_passthrough(last) and not hasattr(last, "fit"):
            raise TypeError(
                "Last step of Pipeline should implement fit or be the string "
                f"'passthrough'. {last!r} (type {type(last)}) doesn't"
            )
        for step_name, step in steps[:-1]:
            if is_passthrough(step) or is_weighting(step):
                continue
            if not (hasattr(step, "fit") or hasattr(step, "fit_transform")) or not hasattr(
                step, "transform"
            ):
                raise TypeError(
                    f"Step {step_name!r} ({type(step).__name__}) is not a transformer "
                    "(fit and transform), a weighter (fit_weight), a resampler "
                    "(fit_resample) or 'passthrough'."
                )
        for _, step in steps:
            if isinstance(step, type):
                raise TypeError(
                    f"Expected an estimator instance ({step.__name__}()), "
                    f"got estimator class instead ({step.__name__})."
                )

    def _without_weighting(self, stop=None):
        """A scikit-learn Pipeline of the steps, weighting steps as "passthrough".

        It shares the (fitted) steps; ``stop`` keeps the steps before it.
        """
        steps = [
            (name, "passthrough" if is_weighting(step) else step)
            for name, step in self._steps_list()[:stop]
        ]
        return sk_pipeline.Pipeline(steps, transform_input=self.transform_input)

    # ------------------------------------------------------------------ #
    # Fitting
    # ------------------------------------------------------------------ #
    @fit_context(prefer_skip_nested_validation=False)
    @with_callbacks
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
    @with_callbacks
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
                Xt, **step_params["transform"]
            )

        return self._fit_all("fit_transform", X, y, params, final)

    @available_if(final_has("fit_predict"))
    @fit_context(prefer_skip_nested_validation=False)
    @with_callbacks
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

    def _message(self, idx):
        if not self.verbose:
            return None
        return f"(step {idx + 1} of {len(self.steps)}) Processing {self.steps[idx][0]}"

    def _routed(self, caller, params):
        """Each step's parameters per method, as scikit-learn's Pipeline routes them."""
        if routing_enabled():
            return process_routing(self, caller, **params)
        return step_params_by_name(caller, params, [name for name, _ in self.steps])

    def _step_metadata(self, idx, step_params, all_params, cache):
        """``step_params`` with the ``transform_input`` ones transformed by the
        fitted steps before step ``idx`` (weighting steps leave them as they are)."""
        if not self.transform_input or not all_params or idx == 0:
            return step_params
        out = {}
        for method, values in step_params.items():
            out[method] = Bunch()
            for key, value in values.items():
                if key in self.transform_input:
                    if (idx, key) not in cache:
                        cache[idx, key] = self._transform_upto(idx, value, all_params)
                    value = cache[idx, key]
                out[method][key] = value
        return out

    def _transform_upto(self, idx, value, all_params):
        """``value`` transformed by the fitted transformer steps before ``idx``,
        each given the metadata its ``transform`` requests."""
        for _, step in self.steps[:idx]:
            if is_passthrough(step) or is_weighting(step):
                continue
            wanted = get_routing_for_object(step).consumes(
                method="transform", params=all_params.keys()
            )
            value = step.transform(value, **{key: all_params[key] for key in wanted})
        return value

    def _fit_all(self, caller, X, y, params, final):
        """Fit every step; the last with ``final``; return what ``final`` returns."""
        self._check_steps()
        task = caller.replace("_", "-")
        ctx = callback_context(self, task_name=task, max_subtasks=len(self.steps))
        ctx.call_on_fit_task_begin(estimator=self, X=X, y=y)
        if not routing_enabled() and self.transform_input is not None:
            raise ValueError(
                "The `transform_input` parameter can only be set if metadata "
                "routing is enabled. You can enable metadata routing using "
                "`sklearn.set_config(enable_metadata_routing=True)`."
            )
        routed = self._routed(caller, params)
        cache = {}
        Xt, yt, state = self._fit_steps(X, y, routed, params, ctx, cache)
        name, last = self.steps[-1]
        result = Xt
        with elapsed(self._message(len(self.steps) - 1)):
            sub = ctx.subcontext(task_name=f"{task}-final-estimator")
            if is_passthrough(last):
                if state.weights is not None and not state.used:
                    raise ValueError(state.unused_message(name, last))
                sub.call_on_fit_task_begin(estimator=self, X=Xt, y=yt)
                sub.call_on_fit_task_end(estimator=self, X=Xt, y=yt)
            else:
                with sub.propagate_callback_context(last):
                    sub.call_on_fit_task_begin(estimator=self, X=Xt, y=yt)
                    own = self._step_metadata(
                        len(self.steps) - 1, routed[name], params, cache
                    )
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
                step_params[method] = state.with_weights(
                    step, step_params[method], own.get(method, {})
                )
        return step_params

    def _fit_steps(self, X, y, routed, raw_params, ctx, cache):
        """Fit every step but the last; return ``(Xt, yt, state)``."""
        self.steps = list(self.steps)
        memory = check_memory(self.memory)
        cloning = not (hasattr(memory, "location") and memory.location is None)
        fit_transform = memory.cache(fit_transform_one, ignore=["caller", "ctx"])
        state = WeightingState(n_rows(X))
        for idx, (name, step) in enumerate(self.steps[:-1]):
            sub = ctx.subcontext(task_name=f"fit-transform-{name}")
            if is_passthrough(step):
                with elapsed(self._message(idx)):
                    sub.call_on_fit_task_begin(estimator=self, X=X, y=y)
                    sub.call_on_fit_task_end(estimator=self, X=X, y=y)
                continue
            step = clone(step) if cloning else step
            own = self._step_metadata(idx, routed[name], raw_params, cache)
            if is_weighting(step):
                if is_weighter(step):
                    check_key_columns(step, X, where=f"step {name!r} of the Pipeline")
                fit_params = state.follow(own["fit"], owner=f"Pipeline step {name!r}")
                with elapsed(self._message(idx)), sub.propagate_callback_context(step):
                    sub.call_on_fit_task_begin(estimator=self, X=X, y=y)
                    X, y = state.apply(step, X, y, fit_params, name=f"step {name!r}")
                    sub.call_on_fit_task_end(estimator=self, X=X, y=y)
            else:
                X, step = fit_transform(
                    step,
                    X,
                    y,
                    self._with_state(state, step, own, name),
                    self._message(idx),
                    caller=self,
                    ctx=sub,
                )
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
        router = MetadataRouter(owner=self)
        steps = self._steps_list()
        for name, step in steps:
            if is_passthrough(step):
                continue
            if is_weighting(step):
                mapping = MethodMapping()
                for caller in _FIT_CALLERS:
                    mapping.add(caller=caller, callee="fit")
                router.add(method_mapping=mapping, **{name: step})
            else:
                last = step is steps[-1][1]
                router.add(method_mapping=step_mapping(step, last=last), **{name: step})
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
    names = [name for name, _ in sk_pipeline.make_pipeline(*steps).steps]
    return Pipeline(
        list(zip(names, steps)),
        memory=memory,
        transform_input=transform_input,
        verbose=verbose,
    )
