"""PyTorch adapters: epoch samplers, weighted datasets and loss weights.

Needs PyTorch (``pip install skweight[torch]``); importing :mod:`skweight`
itself never imports torch. The code lives in
:mod:`skweight.integrations.torch`.
"""

from .integrations.torch import (
    EpochSampler,
    WeightedDataset,
    class_weight_tensor,
    pos_weight_tensor,
    weighted_mean,
)

__all__ = [
    "EpochSampler",
    "WeightedDataset",
    "class_weight_tensor",
    "pos_weight_tensor",
    "weighted_mean",
]
