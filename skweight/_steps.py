"""The bookkeeping of :class:`skweight.pipeline.Pipeline`'s steps.

Checking the steps, splitting fit parameters per step (``step__param`` names,
or scikit-learn's metadata routing), describing the routing, the messages for
weights that cannot reach the last step, and the verbose timer.
"""

import time

from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    get_routing_for_object,
    process_routing,
)

from ._compose import is_passthrough, is_resampler, is_weighter, routing_enabled

FIT_CALLERS = ("fit", "fit_transform", "fit_predict")
PREDICT_CALLERS = ("predict", "predict_proba", "predict_log_proba",
                   "decision_function", "score", "transform")


def is_weighting(step):
    """Whether a step is a weighter or a resampler."""
    return is_weighter(step) or is_resampler(step)


def fit_transform_one(transformer, X, y, fit_params, transform_params):
    """Fit a transformer and transform ``X`` (a function, so joblib can cache it)."""
    if hasattr(transformer, "fit_transform"):
        return transformer.fit_transform(X, y, **fit_params), transformer
    Xt = transformer.fit(X, y, **fit_params).transform(X, **transform_params)
    return Xt, transformer


def check_steps(steps, reserved_names):
    """Raise a clear error for steps that cannot form a pipeline."""
    if not steps:
        raise ValueError("The pipeline is empty. Please add steps.")
    try:
        names, _ = zip(*steps)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"steps must be a list of (name, estimator) tuples; got {steps!r}."
        ) from exc
    if len(set(names)) != len(names):
        raise ValueError(f"Names provided are not unique: {list(names)!r}")
    reserved = set(names) & set(reserved_names)
    if reserved:
        raise ValueError(
            f"Estimator names conflict with constructor arguments: {sorted(reserved)}"
        )
    for name in names:
        if not isinstance(name, str) or "__" in name:
            raise ValueError(f"Step names must be strings without '__'; got {name!r}.")
    for name, step in steps[:-1]:
        if is_passthrough(step) or is_weighting(step):
            continue
        if not (hasattr(step, "fit") or hasattr(step, "fit_transform")) or not (
                hasattr(step, "transform")):
            raise TypeError(
                f"Step {name!r} ({type(step).__name__}) is not a transformer (fit "
                "and transform), a weighter (fit_weight), a resampler "
                "(fit_resample) or 'passthrough'."
            )
    name, last = steps[-1]
    if is_weighting(last):
        raise TypeError(
            f"The last step {name!r} is a {type(last).__name__}; weighter and "
            "resampler steps need an estimator after them to use their result."
        )
    if not is_passthrough(last) and not hasattr(last, "fit"):
        raise TypeError(
            f"The last step {name!r} ({type(last).__name__}) must implement fit or "
            "be 'passthrough'."
        )


def route_fit_params(pipeline, params, caller):
    """``{step name: {method: params}}`` for the fit methods of every step.

    Without metadata routing, ``step__param`` keys go to the step's fit
    methods (never to its ``transform``), as in scikit-learn's Pipeline.
    """
    methods = (*FIT_CALLERS, "transform")
    if routing_enabled():
        routed = process_routing(pipeline, caller, **params)
        return {name: {m: dict(routed[name].get(m, {})) for m in methods}
                for name, step in pipeline.steps if not is_passthrough(step)}
    per_step = {name: {} for name, _ in pipeline.steps}
    for key, value in params.items():
        name, sep, param = key.partition("__")
        if not sep or name not in per_step:
            raise ValueError(
                f"Pipeline.{caller} does not accept the {key!r} parameter. Pass "
                "parameters to steps as stepname__parameter, e.g. "
                f"{pipeline.steps[-1][0]}__sample_weight=w (steps: {list(per_step)})."
            )
        per_step[name][param] = value
    return {name: {m: (dict(p) if m != "transform" else {}) for m in methods}
            for name, p in per_step.items()}


def steps_routing(owner, steps):
    """The ``MetadataRouter`` of a pipeline with weighting steps.

    Transformers and the last step are routed as in scikit-learn's Pipeline;
    a weighter or resampler step receives, in every fit method, what it
    requests for ``fit`` (``fit_weight`` and ``fit_resample`` take the same
    metadata as ``fit``).
    """
    router = MetadataRouter(owner=owner)
    for name, step in steps[:-1]:
        if is_passthrough(step):
            continue
        mapping = MethodMapping()
        if is_weighting(step):
            for caller in FIT_CALLERS:
                mapping.add(caller=caller, callee="fit")
        else:
            fit_callees = (("fit_transform",) if hasattr(step, "fit_transform")
                           else ("fit", "transform"))
            for caller in FIT_CALLERS:
                for callee in fit_callees:
                    mapping.add(caller=caller, callee=callee)
            for caller in PREDICT_CALLERS:
                mapping.add(caller=caller, callee="transform")
            mapping.add(caller="inverse_transform", callee="inverse_transform")
        router.add(method_mapping=mapping, **{name: step})
    name, last = steps[-1]
    if is_passthrough(last):
        return router
    mapping = MethodMapping().add(caller="fit", callee="fit")
    if hasattr(last, "fit_transform"):
        mapping.add(caller="fit_transform", callee="fit_transform")
    else:
        mapping.add(caller="fit_transform", callee="fit")
        mapping.add(caller="fit_transform", callee="transform")
    mapping.add(caller="fit_predict", callee="fit_predict")
    for method in (*PREDICT_CALLERS, "inverse_transform"):
        mapping.add(caller=method, callee=method)
    return router.add(method_mapping=mapping, **{name: last})


def unused_weights_message(weighter_names, name, step):
    """Why the weights of the weighter steps cannot reach the last step."""
    if is_passthrough(step):
        return (
            f"Weighter step(s) {weighter_names} computed sample weights, but no "
            "step after them accepts sample_weight in fit, so they would be lost. "
            "Add an estimator that takes sample_weight, or use a resampler step "
            "instead."
        )
    request = get_routing_for_object(step) if routing_enabled() else None
    if request is not None and not isinstance(request, MetadataRouter):
        hint = ("Metadata routing is enabled, and its fit has no sample_weight or it "
                "opted out with set_fit_request(sample_weight=False); request it, or "
                "use a resampler step instead.")
    elif request is not None:
        hint = ("Metadata routing is enabled: call set_fit_request(sample_weight=True) "
                "on the step inside it that should get the weights.")
    else:
        hint = ("Its fit does not accept sample_weight: use a resampler step instead "
                "(e.g. skweight's EpochResampler or imbalanced-learn's "
                "RandomUnderSampler), or an estimator whose fit takes sample_weight.")
    return (
        f"Weighter step(s) {weighter_names} computed sample weights, but they cannot "
        f"reach the last step {name!r} ({type(step).__name__}), so they would be "
        f"lost. {hint}"
    )


class Timer:
    """Print how long a step took, as scikit-learn's verbose pipelines do."""

    def __init__(self, pipeline, idx):
        self.pipeline = pipeline
        self.idx = idx

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        if self.pipeline.verbose and exc[0] is None:
            name = self.pipeline.steps[self.idx][0]
            message = (f"(step {self.idx + 1} of {len(self.pipeline.steps)}) "
                       f"Processing {name}")
            elapsed = time.perf_counter() - self.start
            print(f"[Pipeline] {message.ljust(60, '.')} total={elapsed:5.1f}s")
        return False
