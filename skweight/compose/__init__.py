"""Composition with scikit-learn: WeightedEstimator and the weighting Pipeline.

Both rest on one weighting-step core (:mod:`.core`): how a weighter's weights
or a resampler's rows reach the estimator after it.
"""
