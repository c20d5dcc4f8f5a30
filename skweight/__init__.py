"""skweight: scikit-learn-compatible sample weighting and resampling.

Estimators that fit on a label plus sensitive-group or stratum columns and
return ``sample_weight`` arrays (weighters) or resampled row indices
(resamplers).

The package is layered; each layer imports only the ones below it:
:mod:`skweight.engine` (columns -> codes -> cells -> counts),
:mod:`skweight.weighting`, :mod:`skweight.resampling`,
:mod:`skweight.compose` and :mod:`skweight.evaluation` (the faces), and
:mod:`skweight.integrations` (torch, dask, lazy frames), which register
themselves with the engine. The public import paths below and
``skweight.torch``, ``skweight.keras``, ``skweight.dask``, ``skweight.pipeline``,
``skweight.metrics``, ``skweight.diagnostics``, ``skweight.priors`` and
``skweight.schedules`` are thin
facades.
"""

import importlib
import typing

from . import integrations  # noqa: F401 - registers the backends (imports nothing heavy)

__version__ = "0.1.0"

# The estimators are imported on first use (PEP 562), so that ``import
# skweight`` and ``skweight --help`` do not load scikit-learn.
_LAZY = {
    "BaseWeighter": ".weighting.base",
    "EffectiveNumberWeighter": ".weighting.weighters",
    "EpochResampler": ".resampling.resampler",
    "GroupBalancedWeighter": ".weighting.weighters",
    "RakingWeighter": ".weighting.raking",
    "WeightedEstimator": ".compose.weighted_estimator",
    "shares_of": ".weighting.shares",
    "show_versions": "._show_versions",
}

__all__ = [
    "BaseWeighter",
    "EffectiveNumberWeighter",
    "EpochResampler",
    "GroupBalancedWeighter",
    "RakingWeighter",
    "WeightedEstimator",
    "__version__",
    "shares_of",
    "show_versions",
]

if typing.TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from ._show_versions import show_versions
    from .compose.weighted_estimator import WeightedEstimator
    from .resampling.resampler import EpochResampler
    from .weighting.base import BaseWeighter
    from .weighting.raking import RakingWeighter
    from .weighting.shares import shares_of
    from .weighting.weighters import EffectiveNumberWeighter, GroupBalancedWeighter


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
