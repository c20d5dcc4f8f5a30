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
from sklearn import get_config
from sklearn.base import _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions
from sklearn.utils.validation import _check_sample_weight

try:  # fit callbacks: scikit-learn >= 1.9
    from sklearn.callback import CallbackSupportMixin, with_callbacks
except ImportError:  # pragma: no cover - older scikit-learn

    class CallbackSupportMixin:  # type: ignore[no-redef]
        """No fit callbacks before scikit-learn 1.9."""

    def with_callbacks(method):
        """No fit callbacks before scikit-learn 1.9: the method as it is."""
        return method


__all__ = [
    "CallbackSupportMixin",
    "ColumnKeys",
    "HasMethods",
    "Interval",
    "RegistryOptions",
    "StrOptions",
    "callback_context",
    "check_sample_weight",
    "fit_context",
    "import_optional",
    "pandas_column_array",
    "validate_params",
    "with_callbacks",
]

fit_context = _fit_context


def validate_params(estimator):
    """Check ``estimator``'s parameters against its ``_parameter_constraints``.

    Raises ``InvalidParameterError`` (a ``ValueError``) whose message names the
    parameter, the accepted values and the value given. Skipped, as in
    scikit-learn, inside ``sklearn.config_context(skip_parameter_validation=True)``.
    """
    if get_config().get("skip_parameter_validation", False):
        return
    estimator._validate_params()


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
        return all(
            isinstance(k, (str, Integral)) and not isinstance(k, (bool, np.bool_))
            for k in keys
        )

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
                f"row; {exc}."
            ) from None
    elif sample_weight is not None and sample_weight.dtype.kind not in "biuf":
        try:
            sample_weight = sample_weight.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                "sample_weight must hold numbers, one finite non-negative weight per "
                f"row; got an array of dtype {sample_weight.dtype} ({exc})."
            ) from None
    checked = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
    if checked.size and not checked.any():  # scikit-learn >= 1.7 says so itself
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return checked


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


def pandas_column_array(frame, position):
    """The array of a pandas frame's column, without building a Series.

    Counting a small frame costs less than building a Series of its column;
    pandas offers no public way to get the array alone, so its private
    ``_get_column_array`` (pandas >= 1.4) is used here, and only here. None
    where it does not exist.
    """
    getter = getattr(frame, "_get_column_array", None)
    return None if getter is None else getter(position)
