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
``skweight.torch``, ``skweight.dask``, ``skweight.pipeline``,
``skweight.metrics`` and ``skweight.diagnostics`` are thin facades.
"""

from . import integrations  # noqa: F401 - registers the backends
from .compose.weighted_estimator import WeightedEstimator
from .resampling.resampler import EpochResampler
from .weighting.base import BaseWeighter
from .weighting.weighters import EffectiveNumberWeighter, GroupBalancedWeighter

__version__ = "0.1.0"

__all__ = [
    "BaseWeighter",
    "EffectiveNumberWeighter",
    "EpochResampler",
    "GroupBalancedWeighter",
    "WeightedEstimator",
    "__version__",
]
