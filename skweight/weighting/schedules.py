"""Weighting schedules: a parameter's value as a function of the epoch.

Long-tail recipes change the weighting during training: deferred
re-weighting (Cao et al. 2019: plain loss first, class-balanced weights from
a late epoch), ramps of the correction's strength, progressive balancing
(Kang et al. 2020: from instance-balanced to class-balanced sampling). A
:class:`Schedule` says which parameter of a weighter changes (``strength``
by default, or ``beta`` of the effective number, or ``power``) and its value
at each epoch; :func:`at_epoch` gives the weighter as it is at an epoch,
from the counts it already has (nothing is fitted again). The loss-weight
helpers of :mod:`skweight.torch` and :class:`~skweight.EpochResampler`
accept the same object, so that the loss weights and the sampler follow one
schedule.
"""

import math
from numbers import Integral, Real
from typing import Any

__all__ = ["Schedule", "at_epoch"]

_KINDS = ("constant", "step", "linear", "cosine")


class Schedule:
    """A value per epoch for one parameter of a weighter.

    Parameters
    ----------
    kind : {"constant", "step", "linear", "cosine"}, default="linear"
        ``"constant"``: ``high`` at every epoch. ``"step"``: ``low`` before
        epoch ``start``, ``high`` from it on (deferred re-weighting).
        ``"linear"`` and ``"cosine"``: ``low`` until ``start``, then a ramp
        (straight, or half a cosine) reaching ``high`` at ``stop``, ``high``
        after.
    start : int >= 0, default=0
        The first epoch of the change.
    stop : int > start, default=None
        The epoch the ramp reaches ``high`` (``"linear"`` and ``"cosine"``
        only).
    low, high : float, default=0.0 and 1.0
        The values before and after the change.
    param : {"strength", "beta", "power"}, default="strength"
        The weighter parameter the schedule sets: ``strength`` (0: no
        correction, 1: the full one), ``beta`` of
        :class:`~skweight.EffectiveNumberWeighter`, ``power`` of
        ``scheme="power"``.

    Examples
    --------
    Deferred re-weighting: unweighted until epoch 160, balanced after.

    >>> from skweight.schedules import Schedule
    >>> drw = Schedule.step(at=160)
    >>> drw(0), drw(159), drw(160)
    (0.0, 0.0, 1.0)
    >>> ramp = Schedule.linear(start=10, stop=20)
    >>> ramp(5), ramp(15), ramp(30)
    (0.0, 0.5, 1.0)
    >>> Schedule.cosine(start=0, stop=4, low=0.9, high=0.999, param="beta")(2)
    0.9495
    """

    def __init__(
        self, kind="linear", *, start=0, stop=None, low=0.0, high=1.0, param="strength"
    ):
        if kind not in _KINDS:
            raise ValueError(f"kind must be one of {_KINDS}; got {kind!r}.")
        if isinstance(start, bool) or not isinstance(start, Integral) or start < 0:
            raise ValueError(f"start must be an int >= 0; got {start!r}.")
        if kind in ("linear", "cosine"):
            if isinstance(stop, bool) or not isinstance(stop, Integral) or stop <= start:
                raise ValueError(
                    f"A {kind} ramp needs stop, an int > start ({start}); got {stop!r}."
                )
        elif stop is not None:
            raise ValueError(f"stop is for the linear and cosine ramps, not {kind!r}.")
        for name, value in (("low", low), ("high", high)):
            if (
                isinstance(value, bool)
                or not isinstance(value, Real)
                or not math.isfinite(value)
            ):
                raise ValueError(f"{name} must be a finite number; got {value!r}.")
        if param not in ("strength", "beta", "power"):
            raise ValueError(f"param must be 'strength', 'beta' or 'power'; got {param!r}.")
        self.kind, self.start, self.stop = kind, int(start), stop
        self.low, self.high, self.param = float(low), float(high), param

    @classmethod
    def constant(cls, value, *, param="strength"):
        """``value`` at every epoch."""
        return cls("constant", high=value, low=value, param=param)

    @classmethod
    def step(cls, at, *, low=0.0, high=1.0, param="strength"):
        """``low`` before epoch ``at``, ``high`` from it on (deferred re-weighting)."""
        return cls("step", start=at, low=low, high=high, param=param)

    @classmethod
    def linear(cls, start, stop, *, low=0.0, high=1.0, param="strength"):
        """A straight ramp from ``low`` at ``start`` to ``high`` at ``stop``."""
        return cls("linear", start=start, stop=stop, low=low, high=high, param=param)

    @classmethod
    def cosine(cls, start, stop, *, low=0.0, high=1.0, param="strength"):
        """Half a cosine from ``low`` at ``start`` to ``high`` at ``stop``."""
        return cls("cosine", start=start, stop=stop, low=low, high=high, param=param)

    def __call__(self, epoch):
        """The value at ``epoch`` (an int >= 0)."""
        if isinstance(epoch, bool) or not isinstance(epoch, Integral) or epoch < 0:
            raise ValueError(f"epoch must be an int >= 0; got {epoch!r}.")
        if self.kind == "constant":
            return self.high
        if epoch < self.start:
            return self.low
        if self.kind == "step" or epoch >= self.stop:
            return self.high
        t = (epoch - self.start) / (self.stop - self.start)
        if self.kind == "cosine":
            t = (1 - math.cos(math.pi * t)) / 2
        return self.low + t * (self.high - self.low)

    def __repr__(self):
        parts = [repr(self.kind)]
        if self.kind != "constant":
            parts.append(f"start={self.start}")
        if self.stop is not None:
            parts.append(f"stop={self.stop}")
        if self.kind != "constant":
            parts.append(f"low={self.low}")
        parts.append(f"high={self.high}")
        if self.param != "strength":
            parts.append(f"param={self.param!r}")
        return f"Schedule({', '.join(parts)})"

    def __eq__(self, other):
        return isinstance(other, Schedule) and vars(self) == vars(other)

    def __hash__(self):
        return hash(tuple(sorted(vars(self).items())))


def at_epoch(weighter: Any, schedule: Any, epoch: int) -> Any:
    """The fitted weighter as the schedule makes it at ``epoch``.

    A copy with ``schedule.param`` set to ``schedule(epoch)`` and its factors
    computed again from the counts it holds (the cell table only: no row is
    read). ``weighter`` itself is not changed.

    Parameters
    ----------
    weighter : GroupBalancedWeighter or EffectiveNumberWeighter
        A fitted weighter with the parameter the schedule sets.
    schedule : Schedule or None
        None: the weighter itself.
    epoch : int >= 0

    Returns
    -------
    weighter : weighter

    Examples
    --------
    >>> from skweight import GroupBalancedWeighter
    >>> from skweight.schedules import Schedule, at_epoch
    >>> w = GroupBalancedWeighter().fit(None, [0, 0, 0, 1])
    >>> half = at_epoch(w, Schedule.linear(0, 10), 5)
    >>> half.strength, half.weight(None, [0, 1]), w.strength
    (0.5, array([0.83333333, 1.5       ]), 1.0)
    """
    if schedule is None:
        return weighter
    if not isinstance(schedule, Schedule):
        raise TypeError(f"schedule must be a Schedule; got {type(schedule).__name__}.")
    if epoch is None:
        raise ValueError("schedule= needs epoch=, the epoch to weigh for.")
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(weighter, "n_cells_")
    if schedule.param not in weighter.get_params():
        raise ValueError(
            f"The schedule sets {schedule.param!r}, which "
            f"{type(weighter).__name__} does not have."
        )
    if schedule.param == "strength" and getattr(weighter, "normalize", "mean") is None:
        raise ValueError(
            "normalize=None returns the scheme's raw factors, which a strength "
            "schedule cannot act on; use normalize='mean' or 'cells'."
        )
    return weighter.with_params(**{schedule.param: schedule(epoch)})
