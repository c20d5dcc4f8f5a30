"""Dask: weights and per-epoch resampling beyond one machine.

:mod:`.frames` puts a call's dask inputs in one frame, :mod:`.backend` counts
and weighs on it (registered with the engine by :mod:`skweight.integrations`),
and :mod:`.resampler` holds :class:`DaskEpochResampler`. Importing this
package imports dask.
"""

from .resampler import DaskEpochResampler

__all__ = ["DaskEpochResampler"]
