"""Where data that is not in memory goes: a registry of backends.

The engine and the estimators work on in-memory columns. A backend (dask,
lazy SQL frames, ...) registers itself here with a cheap test that recognises
its inputs and a loader that imports it on first use; estimators ask
:func:`backend_for` and hand such inputs over, without ever naming a backend.
A backend implements whichever of these hooks it supports:

- ``count(inputs, roles) -> CountTable``: count the rows of every key
  combination on the engine and collect that small table (``roles`` is a
  :class:`KeyRoles`);
- ``weigh(inputs, weighter, *, fitted_rows) -> lazy weights``: apply a
  fitted (frozen) weighter to the rows, lazily; ``fitted_rows`` says that
  they are the rows it was just fit on (no cell can be unseen);
- ``epochs(inputs, roles, request, draw) -> epoch source``: count the rows
  of every key combination for a resampler (``request`` is an
  :class:`EpochRequest`), call ``draw(table)`` with that
  :class:`CountTable` to have the resampler fit its one drawing plan on it,
  and return an object that draws the plan's epochs on the engine
  (:mod:`skweight.resampling.fitting` says what it holds).

A backend also has ``name`` and ``kind`` (words for messages, e.g. "dask
data"). ``inputs`` is an :class:`Inputs`. Registering a backend touches no
core file: see :mod:`skweight.integrations`.
"""

from collections.abc import Callable
from typing import NamedTuple

__all__ = [
    "CountTable",
    "EpochRequest",
    "Inputs",
    "KeyRoles",
    "backend_for",
    "register_backend",
]


class Inputs(NamedTuple):
    """The data arguments of a fit or weight call, as the caller gave them."""

    X: object
    y: object = None
    sample_weight: object = None
    sensitive_features: object = None
    strata_features: object = None


class KeyRoles(NamedTuple):
    """What a backend needs to know of the estimator that counts.

    Attributes
    ----------
    groups, strata : str, int, list or None
        The estimator's ``groups`` and ``strata`` parameters.
    owner : str
        The estimator's class name, for messages.
    handle_missing : {"error", "category"}
        Whether missing key values are an error.
    """

    groups: object
    strata: object
    owner: str
    handle_missing: str = "error"


class EpochRequest(NamedTuple):
    """What a backend needs to know of the resampler whose epochs it draws.

    Attributes
    ----------
    owner : str
        The resampler's class name, for messages.
    row_id : str, int or None
        The column that ranks the rows of each unit (lazy frames need one).
    """

    owner: str
    row_id: object = None


class CountTable(NamedTuple):
    """One row per key combination, collected from a backend.

    Attributes
    ----------
    inputs : Inputs
        pandas stand-ins for the inputs, one row per key combination: ``X``
        holds the key columns of ``X`` (under their names), ``y`` the label
        (a Series, or a frame of indicator columns), ``sensitive_features``
        and ``strata_features`` the key arrays; ``sample_weight`` is None.
    rows : ndarray of int64
        Rows of each combination.
    weighted : ndarray of float64 or None
        Summed incoming ``sample_weight`` of each combination; None when no
        weights were given.
    n_features : int
        The number of columns of the caller's ``X``.
    feature_names : ndarray of str or None
        Its column names.
    """

    inputs: Inputs
    rows: object
    weighted: object
    n_features: int
    feature_names: object = None


# (name, detect, load): detect(value) -> bool is cheap and imports nothing;
# load() -> backend imports the backend on first use.
_BACKENDS: list[tuple[str, Callable[[object], bool], Callable[[], object]]] = []
_LOADED: dict[str, object] = {}


def register_backend(name, detect, load):
    """Register a backend.

    Parameters
    ----------
    name : str
        A short name for messages.
    detect : callable
        ``detect(value) -> bool``: whether one input value belongs to this
        backend. It must not import the backend's library.
    load : callable
        ``load() -> backend``: import and return the backend object.
    """
    _BACKENDS.append((name, detect, load))


def backend_for(*values):
    """The backend of the first input that one recognises, or None (in memory)."""
    for name, detect, load in _BACKENDS:
        if any(value is not None and detect(value) for value in values):
            if name not in _LOADED:
                _LOADED[name] = load()
            return _LOADED[name]
    return None
