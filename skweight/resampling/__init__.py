"""Resampling: strategies, units and targets, the one drawing plan, EpochResampler.

The layer above weighting. :mod:`.strategies` holds one small class per
strategy; :mod:`.targets` the units and their targets; :mod:`.plan` the
drawing plan every backend shares, on the keyed permutations of
:mod:`.permutation`; :mod:`.resampler` the estimator.
"""

from .resampler import EpochResampler

__all__ = ["EpochResampler"]
