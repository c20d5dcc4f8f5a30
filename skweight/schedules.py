"""Weighting schedules shared by the loss weights and the epochs.

:class:`Schedule` gives one weighter parameter (``strength``, ``beta`` or
``power``) a value per epoch: constant, a step (deferred re-weighting), a
linear or cosine ramp. :func:`at_epoch` applies it to a fitted weighter;
:class:`~skweight.EpochResampler` (``schedule=``) and the helpers of
:mod:`skweight.torch` take it directly. The code lives in
:mod:`skweight.weighting.schedules`.
"""

from .weighting.schedules import Schedule, at_epoch

__all__ = ["Schedule", "at_epoch"]
