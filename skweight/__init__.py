"""skweight: scikit-learn-compatible sample weighting and resampling.

Estimators that fit on a label plus sensitive-group or stratum columns and
return ``sample_weight`` arrays (weighters) or resampled row indices
(resamplers).
"""

from ._base import BaseWeighter
from ._meta import WeightedEstimator
from ._resample import EpochResampler
from ._weighters import EffectiveNumberWeighter, GroupBalancedWeighter

__version__ = "0.1.0"

__all__ = [
    "BaseWeighter",
    "EffectiveNumberWeighter",
    "EpochResampler",
    "GroupBalancedWeighter",
    "WeightedEstimator",
    "__version__",
]
