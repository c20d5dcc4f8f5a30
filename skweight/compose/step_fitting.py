"""How a weighting pipeline fits a transformer step, times it, and routes to it.

Small pieces of :class:`~skweight.pipeline.Pipeline` written on scikit-learn's
public API: the timing line of ``verbose`` (scikit-learn's format), the
module-level fit of one transformer step that ``memory`` caches, and the
method mapping by which metadata reaches a step.
"""

import time
from contextlib import contextmanager

from sklearn.utils import Bunch
from sklearn.utils.metadata_routing import MethodMapping

__all__ = ["elapsed", "fit_transform_one", "step_mapping", "step_params_by_name"]

_FIT_CALLERS = ("fit", "fit_transform", "fit_predict")


@contextmanager
def elapsed(message):
    """Print how long the block took, in scikit-learn's Pipeline format."""
    if message is None:
        yield
        return
    start = time.perf_counter()
    yield
    seconds = time.perf_counter() - start
    took = f"{seconds / 60:4.1f}min" if seconds > 60 else f" {seconds:5.1f}s"
    head, tail = "[Pipeline] ", f" {message}, total={took}"
    print(head + "." * max(70 - len(head) - len(tail), 0) + tail, flush=True)


def fit_transform_one(transformer, X, y, params, message, caller, ctx):
    """Fit and transform one transformer step; ``(Xt, fitted transformer)``.

    Module-level so that ``memory`` can cache it (``caller`` and ``ctx`` are
    left out of the cache key).
    """
    with ctx.propagate_callback_context(transformer):
        ctx.call_on_fit_task_begin(estimator=caller, X=X, y=y)
        with elapsed(message):
            if hasattr(transformer, "fit_transform"):
                Xt = transformer.fit_transform(X, y, **params.get("fit_transform", {}))
            else:
                Xt = transformer.fit(X, y, **params.get("fit", {})).transform(
                    X, **params.get("transform", {})
                )
        ctx.call_on_fit_task_end(estimator=caller, X=Xt, y=y)
    return Xt, transformer


# How the pipeline's methods reach a step's methods, as in scikit-learn's
# Pipeline: (caller, callee) pairs.
_TRANSFORMER_CALLS = [
    (caller, "transform")
    for caller in (
        "predict",
        "predict_proba",
        "predict_log_proba",
        "decision_function",
        "transform",
        "score",
    )
] + [("inverse_transform", "inverse_transform")]
_FINAL_CALLS = [
    (m, m)
    for m in (
        "fit",
        "predict",
        "fit_predict",
        "predict_proba",
        "predict_log_proba",
        "decision_function",
        "transform",
        "inverse_transform",
        "score",
    )
]


def step_mapping(step, *, last):
    """The :class:`MethodMapping` of a transformer step or of the last step."""
    mapping = MethodMapping()
    if hasattr(step, "fit_transform"):
        fits = [("fit_transform", "fit_transform")]
        if not last:
            fits += [("fit", "fit_transform"), ("fit_predict", "fit_transform")]
    else:
        fits = [("fit", "fit"), ("fit", "transform")]
        if not last:
            fits += [
                (c, m)
                for c in ("fit_transform", "fit_predict")
                for m in ("fit", "transform")
            ]
    for caller, callee in fits + (_FINAL_CALLS if last else _TRANSFORMER_CALLS):
        mapping.add(caller=caller, callee=callee)
    return mapping


def step_params_by_name(caller, params, names):
    """``step__param`` fit parameters, split by step and method (no routing).

    As scikit-learn's Pipeline does without metadata routing: every fit
    method of a step gets the step's parameters.
    """
    routed = Bunch(
        **{name: Bunch(**{m: {} for m in (*_FIT_CALLERS, "transform")}) for name in names}
    )
    for key, value in params.items():
        if "__" not in key:
            raise ValueError(
                f"Pipeline.{caller} does not accept the {key} parameter. You can pass "
                "parameters to specific steps of your pipeline using the "
                "stepname__parameter format, e.g. `Pipeline.fit(X, y, "
                "logisticregression__sample_weight=sample_weight)`."
            )
        step, param = key.split("__", 1)
        if step not in routed:
            raise ValueError(
                f"Pipeline has no step {step!r} for parameter {key!r}; "
                f"its steps are {list(routed)}."
            )
        for method in _FIT_CALLERS:
            routed[step][method][param] = value
    return routed
