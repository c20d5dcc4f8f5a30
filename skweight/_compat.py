"""The one place where skweight touches scikit-learn's private API.

Everything imported here is private in scikit-learn and may move between minor
releases; keeping it in one module means one place to fix and one test module
(``tests/test_compat.py``) that notices first.
"""

from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight

__all__ = [
    "HasMethods",
    "Interval",
    "StrOptions",
    "check_sample_weight",
    "safe_indexing",
    "validate_params",
]


def validate_params(estimator):
    """Check ``estimator``'s parameters against its ``_parameter_constraints``.

    Raises ``InvalidParameterError`` (a ``ValueError``) whose message names the
    parameter, the accepted values and the value given.
    """
    estimator._validate_params()


def check_sample_weight(sample_weight, X):
    """Validate ``sample_weight`` for ``X``: float64, 1-D, finite, non-negative.

    ``None`` becomes an array of ones. An array that is already valid float64 is
    returned as is (not copied).
    """
    return _check_sample_weight(sample_weight, X, ensure_non_negative=True)


def safe_indexing(X, indices):
    """Return the rows ``indices`` of ``X``, keeping its type.

    Works for numpy arrays, sparse matrices, pandas objects and lists; used to
    follow a resampler's ``sample_indices_`` (scikit-learn documents
    ``_safe_indexing`` publicly despite its leading underscore).
    """
    return _safe_indexing(X, indices, axis=0)
