"""Warnings of skweight, and the deprecation of renamed parameters.

Filter them as any warning, e.g. ``warnings.simplefilter("error",
WeightingWarning)`` to make a degraded weighting stop a pipeline.
"""

import functools
import inspect
import warnings
from pathlib import Path

__all__ = ["WeightingWarning", "renamed_parameters"]


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


def renamed_parameters(**old_to_new):
    """Decorator: keyword parameters renamed, the old names warned about for a release.

    A call with an old name gets a ``FutureWarning`` that names the new one
    and works as before; a call with both names is refused. The changelog
    lists every rename.

    Parameters
    ----------
    **old_to_new : str
        Old name -> new name.

    Examples
    --------
    >>> import warnings
    >>> from skweight.exceptions import renamed_parameters
    >>> @renamed_parameters(seed="random_state")
    ... def draw(*, random_state=0):
    ...     return random_state
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     draw(seed=3)
    3
    >>> print(caught[0].message)
    draw(): the parameter 'seed' was renamed 'random_state' in skweight 0.2; the old name will be removed in 0.3.
    """

    def decorate(function):
        name = function.__qualname__.removesuffix(".__init__")

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            for old, new in old_to_new.items():
                if old not in kwargs:
                    continue
                if new in kwargs:
                    raise TypeError(
                        f"{name}() got both {old!r} (its old name) and {new!r}."
                    )
                warnings.warn(
                    f"{name}(): the parameter {old!r} was renamed {new!r} in "
                    "skweight 0.2; the old name will be removed in 0.3.",
                    FutureWarning,
                    stacklevel=2,
                )
                kwargs[new] = kwargs.pop(old)
            return function(*args, **kwargs)

        return wrapper

    return decorate


_PACKAGE = str(Path(__file__).resolve().parent)


def caller_stacklevel():
    """The ``stacklevel`` that points a warning at the first frame outside skweight.

    For ``warnings.warn(..., stacklevel=caller_stacklevel())`` from any depth
    of the package: the warning names the user's line.
    """
    here = inspect.currentframe()
    level, frame = 1, here.f_back if here is not None else None
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        level, frame = level + 1, frame.f_back
    return level
