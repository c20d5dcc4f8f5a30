"""Epochs that follow a :class:`~skweight.weighting.schedules.Schedule`.

With ``EpochResampler(schedule=...)`` the epoch's draw depends on the
schedule's value at that epoch:

- ``"under"`` and ``"over"`` (a ``strength`` schedule): each unit's target
  moves linearly from its own size (strength 0: every row once, the plain
  epoch) to the fitted target (strength 1), ``round(n + s * (t - n))``;
- ``"weights"``: the weighter as the schedule makes it at that epoch (its
  ``strength``, or ``beta`` / ``power``) gives the epoch's draw weights; a
  strength ramp from 0 to 1 is progressive balancing (Kang et al. 2020),
  from instance-balanced to class-balanced sampling.

Each strategy says what its targets are at a value
(:meth:`~.strategies.Strategy.scheduled_targets`). Plans are cached by value,
so a step schedule builds two and a ramp one per distinct value; the rows'
order and the seed are the resampler's.
"""

from collections import OrderedDict

import numpy as np

from ..weighting.schedules import Schedule, at_epoch
from .plan import DrawingPlan

__all__ = ["ScheduledDraws", "check_schedule"]

_CACHED = 32


def check_schedule(resampler, strategy, weighter):
    """Raise for a schedule the resampler (and its strategy) cannot follow."""
    schedule = resampler.schedule
    if not isinstance(schedule, Schedule):  # pragma: no cover - the constraint says so
        raise TypeError(f"schedule must be a Schedule; got {schedule!r}.")
    strategy.check_schedule(schedule, weighter)
    if schedule.param in ("strength", "beta", "power"):
        low, high = min(schedule.low, schedule.high), max(schedule.low, schedule.high)
        if schedule.param == "strength" and not (0 <= low and high <= 1):
            raise ValueError(
                f"A strength schedule must stay in [0, 1]; got low={schedule.low}, "
                f"high={schedule.high}."
            )


class ScheduledDraws:
    """What one epoch draws from, at the schedule's value for that epoch.

    Parameters
    ----------
    schedule : Schedule
    strategy : Strategy
    units : Units or None
        The fitted units (plan-based draws).
    targets : ndarray or None
        The fitted targets (strength 1).
    weighter : weighter
        The fitted unit weighter (``"weights"``).
    labels : array-like or None
        The fitted labels, for a callable ``sampling_strategy``.
    ids, sample_weight : ndarray or None
        Each row's cell and incoming weight (row-weight draws).
    """

    def __init__(
        self,
        schedule,
        strategy,
        *,
        units=None,
        targets=None,
        weighter=None,
        labels=None,
        ids=None,
        sample_weight=None,
    ):
        self.schedule = schedule
        self.strategy = strategy
        self.units, self.targets = units, targets
        self.weighter, self.labels = weighter, labels
        self.ids, self.sample_weight = ids, sample_weight
        self._cache = OrderedDict()

    def at(self, resampler, epoch):
        """``(plan, row_weights, size)`` for ``epoch``: one of the two is None."""
        value = self.schedule(epoch)
        if value in self._cache:
            self._cache.move_to_end(value)
            return self._cache[value]
        if self.ids is not None:  # row weights: the weighter at this value
            weights = at_epoch(self.weighter, self.schedule, epoch).cell_weights(
                self.ids, self.sample_weight
            )
            if not np.all(np.isfinite(weights)) or weights.sum() <= 0:
                raise ValueError(
                    f"At epoch {epoch} (schedule value {value}) the weighter's weights "
                    "sum to 0 or are not finite: nothing to draw."
                )
            entry = (None, np.asarray(weights, dtype=np.float64), resampler.epoch_size_)
            self._cache.clear()  # one row-sized vector at a time
        else:
            targets = self.strategy.scheduled_targets(self, resampler, epoch, value)
            plan = DrawingPlan(self.units.counts, targets, fresh=self.strategy.fresh)
            entry = (plan, None, plan.size)
        self._cache[value] = entry
        if len(self._cache) > _CACHED:
            self._cache.popitem(last=False)
        return entry
