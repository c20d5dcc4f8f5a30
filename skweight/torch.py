"""PyTorch adapters: epoch samplers, weighted datasets and loss weights.

Needs PyTorch (``pip install skweight[torch]``); importing :mod:`skweight`
itself never imports torch. The code lives in
:mod:`skweight.integrations.torch` and :mod:`skweight.integrations.torch_losses`
(the long-tail losses built from a weighter's class counts) and
:mod:`skweight.integrations.torch_stream` (a balanced ``IterableDataset``).
"""

from .integrations.torch import (
    EpochSampler,
    WeightedDataset,
    class_weight_tensor,
    pos_weight_tensor,
    weighted_mean,
)
from .integrations.torch_losses import BalancedSoftmaxLoss, LDAMLoss, LogitAdjustedLoss
from .integrations.torch_stream import BalancedIterableDataset

__all__ = [
    "BalancedIterableDataset",
    "BalancedSoftmaxLoss",
    "EpochSampler",
    "LDAMLoss",
    "LogitAdjustedLoss",
    "WeightedDataset",
    "class_weight_tensor",
    "pos_weight_tensor",
    "weighted_mean",
]
