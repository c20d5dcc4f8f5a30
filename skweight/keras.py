"""Keras 3 adapters: epochs that redraw, and class weights for ``model.fit``.

Needs Keras 3 (``pip install skweight[keras]``), on any backend; importing
:mod:`skweight` itself never imports Keras. The code lives in
:mod:`skweight.integrations.keras`.
"""

from .integrations.keras import EpochDataset, class_weight_dict

__all__ = ["EpochDataset", "class_weight_dict"]
