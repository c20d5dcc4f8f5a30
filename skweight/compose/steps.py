"""Helpers shared by the meta-estimator and the pipeline.

How a weighting step is recognised (duck typing: ``fit_weight`` or
``fit_resample``), how per-row arrays follow a resampler's rows, and how
``sample_weight`` reaches an estimator's ``fit`` (directly, or as
``<last step>__sample_weight`` for a pipeline when metadata routing is off).
"""

from sklearn import get_config
from sklearn.utils.metadata_routing import MetadataRouter, get_routing_for_object
from sklearn.utils.validation import has_fit_parameter

from ..engine.frames import FrameView, as_key_list, is_per_row, n_rows_of, take_rows


def is_passthrough(step):
    """Whether a pipeline step is ``None`` or ``"passthrough"``."""
    return isinstance(step, str) and step == "passthrough" or step is None


def is_resampler(obj):
    """Anything with ``fit_resample`` (imbalanced-learn's protocol)."""
    return not isinstance(obj, str) and hasattr(obj, "fit_resample")


def is_weighter(obj):
    """Anything with ``fit_weight`` that is not a resampler."""
    return not isinstance(obj, str) and hasattr(obj, "fit_weight") and not is_resampler(obj)


def is_weighting(step):
    """Whether a step is a weighter or a resampler."""
    return is_weighter(step) or is_resampler(step)


def routing_enabled():
    """Whether scikit-learn's metadata routing is switched on."""
    return bool(get_config().get("enable_metadata_routing", False))


def n_rows(X):
    """Number of rows of an array-like, DataFrame, sparse matrix or list."""
    return n_rows_of(X)


def follow_rows(params, rows, n_samples, *, owner):
    """Subset every per-row value of ``params`` to ``rows``.

    ``rows`` maps the current rows to the rows the parameters were given for;
    None means a resampler did not say which rows it kept.
    """
    out = {}
    for key, value in params.items():
        if is_per_row(value, n_samples) and rows is not None:
            value = take_rows(value, rows)
        elif is_per_row(value, n_samples) and rows is None:
            raise ValueError(
                f"{owner} cannot pass {key!r} (one value per row) on: a resampler "
                "before it did not set sample_indices_, so it is unknown which "
                "rows were kept."
            )
        out[key] = value
    return out


def sample_weight_kwargs(estimator, sample_weight):
    """The keyword arguments that give ``sample_weight`` to ``estimator.fit``.

    Returns None when ``estimator.fit`` cannot take it. A consumer whose
    ``fit`` has a ``sample_weight`` parameter gets it directly (unless it set
    ``set_fit_request(sample_weight=False)`` under metadata routing); a router
    such as a ``Pipeline`` gets it as ``sample_weight`` when metadata routing
    is on and one of its steps requests it, else as
    ``<last step>__sample_weight``.
    """
    routing = routing_enabled()
    if routing:
        request = get_routing_for_object(estimator)
        if isinstance(request, MetadataRouter):
            if request.consumes("fit", ["sample_weight"]):
                return {"sample_weight": sample_weight}
            return None
        if request.fit.requests.get("sample_weight", None) is False:
            return None
    if has_fit_parameter(estimator, "sample_weight"):
        return {"sample_weight": sample_weight}
    steps = getattr(estimator, "steps", None)
    if not routing and isinstance(steps, list) and steps:
        name, last = steps[-1]
        if is_passthrough(last):
            return None
        inner = sample_weight_kwargs(last, sample_weight)
        if inner is not None:
            return {f"{name}__{key}": value for key, value in inner.items()}
    return None


def key_columns(weighter):
    """The columns of ``X`` a weighter or resampler reads (groups and strata)."""
    return [
        key
        for attr in ("groups", "strata")
        for key in as_key_list(getattr(weighter, attr, None))
    ]


def check_key_columns(weighter, X, *, where):
    """Raise a clear error when the columns ``weighter`` reads are not in ``X``.

    ``where`` describes the position, e.g. ``"step 'w' of the Pipeline"``.
    """
    names = [key for key in key_columns(weighter) if isinstance(key, str)]
    if not names:
        return
    kind = type(weighter).__name__
    columns = FrameView(X).columns
    if columns is None:
        raise ValueError(
            f"{kind} at {where} reads column(s) {names} by name, but the data "
            f"reaching it is a {type(X).__name__} without column names (an "
            "earlier step, e.g. a ColumnTransformer, turned the DataFrame into "
            "an array). Put the weighting step before that step, give positions "
            "instead of names, or pass sensitive_features= to fit."
        )
    missing = [name for name in names if name not in columns]
    if missing:
        raise ValueError(
            f"{kind} at {where} reads column(s) {missing}, which are not in the "
            f"data reaching it (columns: {columns}); an earlier step "
            "dropped or renamed them. Put the weighting step before that step, "
            "or pass sensitive_features= to fit."
        )
