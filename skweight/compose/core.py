"""The weighting-step core shared by WeightedEstimator and the Pipeline.

A *weighting step* is a weighter (anything with ``fit_weight``) or a
resampler (anything with ``fit_resample``). :class:`WeightingState` follows
what such steps do to the training rows: a weighter multiplies the running
weights; a resampler replaces the rows, and the running weights and per-row
fit parameters follow them through its ``sample_indices_``. The state then
hands the weights to the ``fit`` of the steps after it.
"""

import numpy as np

from .steps import (
    follow_rows,
    is_passthrough,
    is_resampler,
    sample_weight_kwargs,
    take_rows,
)

__all__ = ["WeightingState", "no_sample_weight_message"]


class WeightingState:
    """The rows and running weights after the weighting steps so far.

    Parameters
    ----------
    n_rows : int
        Rows of the input.
    weights : ndarray or None, default=None
        Incoming weights that are to follow the rows (WeightedEstimator's
        ``sample_weight`` in front of a resampler).

    Attributes
    ----------
    weights : ndarray or None
        The product of the weights so far, one per current row.
    rows : ndarray or None
        The input row behind each current row (None: all rows, in order).
    rows_known : bool
        False once a resampler did not say which rows it kept.
    weighters : list of str
        Names of the weighter steps applied.
    """

    def __init__(self, n_rows, weights=None):
        self.n_rows = n_rows
        self.weights = weights
        self.rows = None
        self.rows_known = True
        self.weighters = []
        self.used = False
        self._consumed = set()  # ids of sample_weight arrays already in weights

    def apply(self, step, X, y, params, *, name):
        """Fit one weighting step on ``X, y``; return the rows after it.

        ``params`` are the step's own fit parameters (already following the
        rows of earlier resamplers).
        """
        if is_resampler(step):
            X, y = step.fit_resample(X, y, **params)[:2]
            kept = getattr(step, "sample_indices_", None)
            if kept is None:
                if self.weights is not None:
                    raise ValueError(
                        f"{type(step).__name__} ({name}) did not set sample_indices_, "
                        "so the weights before it cannot follow its rows. Put the "
                        "weighter after it, or use a resampler that sets "
                        "sample_indices_."
                    )
                self.rows_known = False
            else:
                self.rows = kept if self.rows is None else take_rows(self.rows, kept)
                if self.weights is not None:
                    self.weights = take_rows(self.weights, kept)
            return X, y
        given = params.get("sample_weight")
        if given is not None:
            self._consumed.add(id(given))
        weights = np.asarray(step.fit_weight(X, y, **params))
        if weights.ndim != 1:
            raise ValueError(
                f"{type(step).__name__} ({name}) returned weights of shape "
                f"{weights.shape} (one per row and class, for a multi-label target), "
                "but fit takes one sample_weight per row."
            )
        self.weights = weights if self.weights is None else self.weights * weights
        self.weighters.append(name)
        return X, y

    def follow(self, params, *, owner):
        """Per-row fit parameters (given for the input rows) for the current rows."""
        if self.rows is None and self.rows_known:
            return dict(params)
        return follow_rows(
            params, self.rows if self.rows_known else None, self.n_rows, owner=owner
        )

    def with_weights(self, step, params, own):
        """``params`` plus the running weights, if ``step.fit`` takes them.

        ``own`` are the parameters given to this step; a ``sample_weight``
        among them multiplies the running weights unless it already went
        into a weighter.
        """
        if self.weights is None:
            return params
        kwargs = sample_weight_kwargs(step, self.weights)
        if kwargs is None:
            return params
        params = dict(params)
        given = own.get("sample_weight")
        if (
            "sample_weight" in kwargs
            and given is not None
            and id(given) not in self._consumed
        ):
            kwargs["sample_weight"] = self.weights * params["sample_weight"]
        params.update(kwargs)
        self.used = True
        return params

    def unused_message(self, name, step):
        """Why the weights of the weighter steps cannot reach the last step."""
        from sklearn.utils.metadata_routing import (
            MetadataRouter,
            get_routing_for_object,
        )

        from .steps import routing_enabled

        names = self.weighters
        if is_passthrough(step):
            return (
                f"Weighter step(s) {names} computed sample weights, but no step "
                "after them accepts sample_weight in fit, so they would be lost. "
                "Add an estimator that takes sample_weight, or use a resampler step "
                "instead."
            )
        request = get_routing_for_object(step) if routing_enabled() else None
        if request is not None and not isinstance(request, MetadataRouter):
            hint = (
                "Metadata routing is enabled, and its fit has no sample_weight or "
                "it opted out with set_fit_request(sample_weight=False); request "
                "it, or use a resampler step instead."
            )
        elif request is not None:
            hint = (
                "Metadata routing is enabled: call "
                "set_fit_request(sample_weight=True) on the step inside it that "
                "should get the weights."
            )
        else:
            hint = (
                "Its fit does not accept sample_weight: use a resampler step "
                "instead (e.g. skweight's EpochResampler or imbalanced-learn's "
                "RandomUnderSampler), or an estimator whose fit takes "
                "sample_weight."
            )
        return (
            f"Weighter step(s) {names} computed sample weights, but they cannot "
            f"reach the last step {name!r} ({type(step).__name__}), so they would "
            f"be lost. {hint}"
        )


def no_sample_weight_message(owner, estimator):
    """Why ``owner`` cannot pass weights to ``estimator.fit``."""
    from .steps import routing_enabled

    name = type(estimator).__name__
    if routing_enabled() and getattr(estimator, "steps", None) is not None:
        return (
            f"Metadata routing is enabled, but no step of the {name} requests "
            "sample_weight in fit, so the weights would be lost. Call "
            "set_fit_request(sample_weight=True) on the step that should get "
            "them (e.g. the final estimator)."
        )
    steps = getattr(estimator, "steps", None)
    if isinstance(steps, list) and steps:
        last = steps[-1][1]
        name = f"The last step of the {name}, {type(last).__name__}, has a fit that"
    else:
        name = f"{name}.fit"
    return (
        f"{name} does not accept sample_weight, so {type(owner).__name__} cannot "
        "pass the weights to it. Use a resampler as the weighter instead (e.g. "
        "skweight's EpochResampler(strategy='weights', weighter=...) or "
        "imbalanced-learn's RandomUnderSampler), which fits the estimator on "
        "resampled rows without weights."
    )
