"""PyTorch adapters: epoch samplers, weighted datasets and loss weights.

Needs PyTorch (``pip install skweight[torch]``); importing :mod:`skweight`
itself never imports torch. The code lives in
:mod:`skweight.integrations.torch`, :mod:`skweight.integrations.torch_weights`
(loss weights), :mod:`skweight.integrations.torch_batches` (whole batches of an
epoch), :mod:`skweight.integrations.torch_losses` (the long-tail losses built from
a weighter's class counts) and
:mod:`skweight.integrations.torch_stream` (a balanced ``IterableDataset``).
"""

from .integrations.torch import EpochSampler, WeightedDataset
from .integrations.torch_batches import EpochBatchSampler
from .integrations.torch_losses import BalancedSoftmaxLoss, LDAMLoss, LogitAdjustedLoss
from .integrations.torch_stream import BalancedIterableDataset
from .integrations.torch_weights import (
    class_weight_tensor,
    pos_weight_tensor,
    weighted_mean,
)

__all__ = [
    "BalancedIterableDataset",
    "BalancedSoftmaxLoss",
    "EpochBatchSampler",
    "EpochSampler",
    "LDAMLoss",
    "LogitAdjustedLoss",
    "WeightedDataset",
    "class_weight_tensor",
    "pos_weight_tensor",
    "weighted_mean",
]
