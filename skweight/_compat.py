"""The one place where skweight touches scikit-learn's private API.

Everything imported here is private in scikit-learn and may move between minor
releases; keeping it in one module means one place to fix and one test module
(``tests/test_compat.py``) that notices first. Where a newer scikit-learn adds
a hook (fit callbacks, 1.9), the helpers here fall back to doing nothing on
older releases.
"""

import importlib
from contextlib import nullcontext
from numbers import Integral

import numpy as np

from sklearn import pipeline as _sk_pipeline
from sklearn.base import _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions
from sklearn.utils._user_interface import _print_elapsed_time
from sklearn.utils.validation import _check_sample_weight

__all__ = [
    "ColumnKeys",
    "HasMethods",
    "Interval",
    "RegistryOptions",
    "StrOptions",
    "callback_context",
    "check_sample_weight",
    "fit_context",
    "fit_transform_one",
    "import_optional",
    "pandas_column_array",
    "print_elapsed_time",
    "validate_params",
]

fit_context = _fit_context
print_elapsed_time = _print_elapsed_time


# Parameter sets already found valid, per class: only plain values (str,
# numbers, None and tuples of them), compared with their types.
_VALID = {}
_PLAIN = (str, int, float, bool, type(None))


def _plain_key(value):
    if isinstance(value, list):
        value = tuple(value)
    if isinstance(value, tuple):
        parts = tuple(_plain_key(v) for v in value)
        return None if None in parts else ("tuple", parts)
    if type(value) in _PLAIN and value == value:  # not NaN
        return (type(value), value)
    return None


def validate_params(estimator):
    """Check ``estimator``'s parameters against its ``_parameter_constraints``.

    Raises ``InvalidParameterError`` (a ``ValueError``) whose message names the
    parameter, the accepted values and the value given. A set of plain values
    found valid once for a class is not checked again (the checks cost more
    than a small fit).
    """
    parts = tuple(_plain_key(vars(estimator).get(name, None))
                  for name in estimator._parameter_constraints)
    key = None if None in parts else (type(estimator), parts)
    if key is not None and key in _VALID:
        return
    estimator._validate_params()
    if key is not None:
        if len(_VALID) > 4096:
            _VALID.clear()
        _VALID[key] = True


class RegistryOptions(StrOptions):
    """The names of a registry, read when a parameter is checked (at fit).

    A :class:`StrOptions` whose options are the registry's keys at the
    moment of the check, plus ``extra``: a name registered after the class
    was defined is accepted, and the message lists the current names.

    Parameters
    ----------
    registry : dict
        E.g. :data:`~skweight.engine.modes.MODES`.
    extra : set of str, default=()
        Names accepted besides the registry's (e.g. ``"auto"``).
    """

    def __init__(self, registry, extra=()):
        self._registry = registry
        self._extra = frozenset(extra)
        super().__init__(set(self._extra) | set(registry))

    @property
    def options(self):
        return set(self._extra) | set(self._registry)

    @options.setter
    def options(self, value):  # StrOptions.__init__ sets it: the registry rules
        pass


class ColumnKeys(Options):
    """A column key (a str name or an int position, not a bool) or a list of them.

    ``groups=True`` or ``strata=[0.5]`` are refused when the parameters are
    checked, with scikit-learn's message, instead of failing later. (An
    :class:`Options` only because scikit-learn accepts no other kind of
    custom constraint.)
    """

    def __init__(self):
        super().__init__(object, set())

    def is_satisfied_by(self, val):
        keys = val if isinstance(val, (list, tuple)) else [val]
        return all(isinstance(k, (str, Integral)) and not isinstance(k, (bool, np.bool_))
                   for k in keys)

    def __str__(self):
        return "a column name (str), a column position (int) or a list of them"


def check_sample_weight(sample_weight, X):
    """Validate ``sample_weight`` for ``X``: float64, 1-D, finite, non-negative.

    None becomes an array of ones. An array that is already valid float64 is
    returned as is (not copied).
    """
    if sample_weight is not None and not isinstance(sample_weight, np.ndarray):
        try:
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                "sample_weight must hold numbers, one finite non-negative weight per "
                f"row; {exc}.") from None
    elif sample_weight is not None and sample_weight.dtype.kind not in "biuf":
        try:
            sample_weight = sample_weight.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                "sample_weight must hold numbers, one finite non-negative weight per "
                f"row; got an array of dtype {sample_weight.dtype} ({exc}).") from None
    return _check_sample_weight(sample_weight, X, ensure_non_negative=True)


def import_optional(module, *, extra, needed_by):
    """Import an optional dependency, or raise an error that says what to install.

    Parameters
    ----------
    module : str
        The module to import, e.g. ``"dask.dataframe"``.
    extra : str
        The skweight extra that installs it, e.g. ``"dask"``.
    needed_by : str
        What needs it, for the message, e.g. ``"Dask collections"``.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"{needed_by} need(s) {module.split('.')[0]}, which is not installed. "
            f"Install it with `pip install skweight[{extra}]`."
        ) from exc


class _NoCallbacks:
    """The callback context of a scikit-learn without fit callbacks (< 1.9)."""

    def subcontext(self, **kwargs):
        return self

    def call_on_fit_task_begin(self, **kwargs):
        pass

    def call_on_fit_task_end(self, **kwargs):
        pass

    def propagate_callback_context(self, estimator):
        return nullcontext()


def callback_context(estimator, *, task_name="fit", max_subtasks=0):
    """The root fit-callback context of ``estimator`` (a no-op before 1.9)."""
    init = getattr(estimator, "_init_callback_context", None)
    if init is None:
        return _NoCallbacks()
    return init(task_name=task_name, max_subtasks=max_subtasks)


def fit_transform_one(transformer, X, y, *, message, params, caller, callback_ctx):
    """Fit and transform one pipeline step as scikit-learn's Pipeline does.

    Returns ``(Xt, fitted transformer)``. Cached by ``memory`` in the
    pipeline; ``caller`` and ``callback_ctx`` are not part of the result.
    """
    with_callbacks = getattr(_sk_pipeline, "_fit_transform_one_with_callbacks", None)
    if with_callbacks is not None:
        return with_callbacks(transformer, X, y, None, "Pipeline", message, params,
                              caller=caller, callback_ctx=callback_ctx)
    return _sk_pipeline._fit_transform_one(transformer, X, y, None, "Pipeline",
                                           message, params)


def pandas_column_array(frame, position):
    """The array of a pandas frame's column, without building a Series.

    Counting a small frame costs less than building a Series of its column;
    pandas offers no public way to get the array alone, so its private
    ``_get_column_array`` (pandas >= 1.4) is used here, and only here. None
    where it does not exist.
    """
    getter = getattr(frame, "_get_column_array", None)
    return None if getter is None else getter(position)
