"""Warnings of skweight (and, one day, its own errors).

Filter them as any warning, e.g. ``warnings.simplefilter("error",
WeightingWarning)`` to make a degraded weighting stop a pipeline.
"""

__all__ = ["WeightingWarning"]


class WeightingWarning(UserWarning):
    """Fitted weights degrade the data: few effective rows, or few rows carrying much.

    Raised by a weighter's ``fit`` and ``fit_weight``, and reported by the
    command line (which exits non-zero with ``--strict``). The message names
    the cells and says what to do; the checks and their thresholds are
    listed in the user guide (checking weights).

    Examples
    --------
    >>> import warnings
    >>> from skweight import GroupBalancedWeighter
    >>> from skweight.exceptions import WeightingWarning
    >>> y = [0] * 98 + [1] * 2
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = GroupBalancedWeighter().fit(None, y)
    >>> any(issubclass(w.category, WeightingWarning) for w in caught)
    True
    """
