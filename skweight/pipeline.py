"""A scikit-learn ``Pipeline`` that accepts weighter and resampler steps.

The code lives in :mod:`skweight.compose.pipeline`.
"""

from .compose.pipeline import Pipeline, make_pipeline

__all__ = ["Pipeline", "make_pipeline"]
