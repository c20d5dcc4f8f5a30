"""Resampling strategies: one small class each, and their registry.

A strategy holds everything its name means: which weighter defines the
cells, each unit's default and user targets, which ``draw`` values it takes,
how an epoch's rows are drawn, what a schedule moves, and which parameters
it refuses. The resampler, the stream, Keras, dask and lazy frames call
these hooks and never test a strategy's name; everything else (the units,
the drawing plan, the epochs) is shared. A new strategy is one class,
registered with :func:`register_strategy`.

Examples
--------
A strategy that keeps half of every unit, every epoch (rotating):

>>> import numpy as np
>>> from skweight import EpochResampler
>>> from skweight.resampling.strategies import (STRATEGIES, Under,
...                                             register_strategy)
>>> class Half(Under):
...     name = "half"
...     def default_targets(self, units):
...         return (units.counts + 1) // 2
>>> _ = register_strategy(Half())
>>> rs = EpochResampler("half", random_state=0).fit(None, [0] * 6 + [1] * 2)
>>> rs.targets_
{0: 3, 1: 1}
>>> _ = STRATEGIES.pop("half")
"""

import warnings

import numpy as np
from sklearn.base import clone

from ..engine.encode import as_python as _plain
from ..engine.modes import MODES, resolve_mode
from ..weighting.schedules import at_epoch
from ..weighting.weighters import GroupBalancedWeighter
from .plan import (
    independent_rows,
    systematic_rows,
    weighted_distinct_rows,
    weighted_random_rows,
)
from .targets import scale_targets

__all__ = [
    "STRATEGIES",
    "Over",
    "Strategy",
    "Under",
    "Weights",
    "fit_row_weights",
    "is_indicator",
    "register_strategy",
]


class Strategy:
    """The hooks of a resampling strategy.

    Subclass it (or :class:`Under`, :class:`Over`, :class:`Weights`) and
    register an instance with :func:`register_strategy`.

    Attributes
    ----------
    name : str
        The ``strategy=`` value.
    fresh : bool
        Whether the plan draws a unit's extra rows afresh every epoch (real
        targets) instead of rotating through the unit (whole targets).
    grows : bool
        Whether the targets are at least the units' sizes (rows are
        duplicated) rather than at most (rows are dropped).
    smooths : bool
        Whether ``shrinkage`` (a smoothed bootstrap of the added rows)
        applies.
    draws : tuple of str
        The ``draw=`` values it takes; the first is its own (``draw=None``),
        the only one other backends than memory draw.
    legacy_draws : dict
        The draw each value of the deprecated ``replacement=`` meant.
    scheduled_size : bool
        Whether a schedule may change the epoch size.
    """

    name: str | None = None
    fresh = False
    grows = False
    smooths = False
    multilabel = False  # whether a 0/1 multi-label y is drawn from (row weights)
    draws: tuple[str, ...] = ("rotate", "random")
    legacy_draws = {True: "random", False: "rotate"}
    scheduled_size = True

    @property
    def default_draw(self):
        """The draw of ``draw=None``."""
        return self.draws[0]

    def resolve_draw(self, resampler):
        """The draw ``resampler`` asks for, the deprecated ``replacement`` mapped."""
        draw = resampler.draw
        if resampler.replacement is not None:
            legacy = self.legacy_draws[bool(resampler.replacement)]
            warnings.warn(
                f"replacement={resampler.replacement!r} is deprecated since skweight 0.2 "
                f"and will be removed in 0.3; for strategy={self.name!r} it is "
                f"draw={legacy!r}.",
                FutureWarning,
                stacklevel=4,
            )
            if draw is not None and draw != legacy:
                raise ValueError(
                    f"replacement={resampler.replacement!r} (draw={legacy!r}) and "
                    f"draw={draw!r} disagree; drop replacement."
                )
            draw = legacy
        if draw is None:
            return self.default_draw
        if draw not in self.draws:
            raise ValueError(
                f"draw={draw!r} is not a way strategy={self.name!r} draws; it draws "
                f"{', '.join(map(repr, self.draws))}."
            )
        return draw

    # -- parameters ------------------------------------------------------- #
    def check_params(self, resampler, sample_weight):
        """Raise for parameters that this strategy would ignore.

        ``sample_weight`` is None in memory (where it is frequency weights)
        and the caller's weights on other backends.
        """
        self._check_shrinkage(resampler)
        if resampler.weighter is not None:
            raise ValueError(
                f"weighter is only used by strategy='weights'; got "
                f"strategy={self.name!r}. Drop weighter, or use strategy='weights'."
            )
        if sample_weight is not None:
            raise ValueError(
                f"strategy={self.name!r} takes sample_weight as frequency weights "
                "in memory only; on this backend, use strategy='weights' (its "
                "sample_weight multiplies the weighter's weights)."
            )

    def _check_shrinkage(self, resampler):
        if resampler.shrinkage is not None and not self.smooths:
            raise ValueError(
                f"shrinkage smooths the repeated rows of strategy='over'; got "
                f"strategy={self.name!r}."
            )

    def check_schedule(self, schedule, weighter):
        """Raise for a schedule this strategy cannot follow."""
        if schedule.param != "strength":
            raise ValueError(
                f"strategy={self.name!r} follows a strength schedule (the "
                f"targets move from the unit sizes to the balanced ones); got "
                f"param={schedule.param!r}, which only strategy='weights' can use."
            )

    # -- fitting ---------------------------------------------------------- #
    def unit_weighter(self, resampler, y, sensitive_features):
        """Return ``(weighter, mode)``: the unfitted weighter whose cells are drawn."""
        mode = resolve_mode(
            resampler.balance,
            resampler.groups is not None or sensitive_features is not None,
        )
        if mode.needs_label and y is None:
            raise ValueError(
                f"{type(resampler).__name__} requires y to be passed, but the target "
                f"y is None (balance={mode.name!r} uses the label)."
            )
        return GroupBalancedWeighter(
            groups=resampler.groups,
            strata=resampler.strata,
            balance=mode.name,
            target_shares=resampler.target_shares,
        ), mode

    def by_row_weights(self, resampler, sample_weight, weighter, labels=None):
        """Whether this fit draws over rows by per-row weights (not by cells)."""
        return False

    def row_weights(self, weighter, X, labels, sample_weight, kwargs):
        """The per-row weights a fit by row weights draws by (fits ``weighter``)."""
        return weighter.fit_weight(X, labels, sample_weight=sample_weight, **kwargs)

    def default_targets(self, units):
        """Per-unit targets when the user gives none.

        The size of the stratum's largest unit (a strategy that grows units)
        or smallest (one that drops rows); for ``balance="independence"``
        the counts independence expects, scaled to add (drop) no row.
        """
        if units.mode.independence:
            return units.independent_targets(grow=self.grows)
        return units.stratum_extreme(largest=self.grows)

    def share_targets(self, units, weighter):
        """Per-unit targets with the shares of the weighter's ``target_shares``."""
        shares = weighter.weight_table_["target_share"].to_numpy()[units.table_rows]
        return units.share_targets(shares, grow=self.grows)

    def targets(self, resampler, units, weighter, labels=None):
        """Rows per unit per epoch (``labels``: the fitted labels, in memory)."""
        if resampler.target_shares is not None:
            if resampler.sampling_strategy is not None:
                raise ValueError(
                    "Both target_shares and sampling_strategy set the rows of each "
                    "unit; give one."
                )
            targets = self.share_targets(units, weighter)
        else:
            targets = self.default_targets(units)
        if resampler.sampling_strategy is not None:
            # A callable is given y when the units are the classes, as in
            # imbalanced-learn (and the per-unit counts otherwise).
            y = labels if units.label_units else None
            targets = units.user_targets(resampler.sampling_strategy, self, y)
        if resampler.n_samples is not None:
            targets = scale_targets(targets, resampler.n_samples)
        self.check_targets(units, targets, resampler.n_samples is not None)
        return targets

    def check_targets(self, units, targets, scaled):
        """Raise when a target breaks the strategy's promise."""
        how = " after scaling to n_samples" if scaled else ""
        if self.grows:
            bad = np.flatnonzero(targets < units.counts)
            promise = (
                "keeps every row, so a unit's target cannot be below its "
                "rows; use strategy='under' to drop rows"
            )
        else:
            bad = np.flatnonzero(targets > units.counts)
            promise = (
                "draws without replacement, so a unit's target cannot exceed "
                "its rows; use strategy='over' to duplicate rows"
            )
        if bad.size:
            i = bad[0]
            raise ValueError(
                f"strategy={self.name!r} {promise}. Unit {_plain(units.keys[i])!r} "
                f"has {units.counts[i]} rows and a target of {targets[i]}{how}."
            )
        if targets.sum() == 0:
            raise ValueError("Every unit has a target of 0: the epochs would be empty.")

    def sampling_strategy(self, units, targets):
        """``sampling_strategy_``: imbalanced-learn's dict of the resampled units."""
        return units.imblearn_strategy(targets, self)

    def table(self, units, targets, base):
        """The ``cell_table_``: ``base`` (unit keys) with counts, targets, cycles."""
        table = base
        table["count"] = units.counts
        table["target"] = targets
        extra = targets % np.maximum(units.counts, 1)
        table["cycle"] = np.where(
            extra > 0, -(-units.counts // np.maximum(extra, 1)), np.where(targets > 0, 1, 0)
        )
        return table

    def scheduled_targets(self, draws, resampler, epoch, value):
        """The targets at a schedule's ``value``: from the sizes (0) to the fit's (1)."""
        counts = draws.units.counts.astype(np.float64)
        targets = np.floor(counts + value * (draws.targets - counts) + 0.5)
        return targets.astype(np.int64)

    # -- drawing ---------------------------------------------------------- #
    def rows(self, plan, weights, size, seed, epoch, order, starts, draw):
        """The rows one epoch draws, grouped by unit (not shuffled).

        ``plan`` is the :class:`~.plan.DrawingPlan` (None for row weights),
        ``order`` the rows grouped by unit and ``starts`` each unit's first
        position in it; ``draw`` one of :attr:`draws`.
        """
        if draw == "random":
            return independent_rows(plan, seed, epoch, order, starts, keep_all=self.grows)
        return plan.draw(seed, epoch, order, starts)


class Under(Strategy):
    """Cut every unit to its target, rotating through its rows."""

    name = "under"


class Over(Strategy):
    """Bring every unit up to its target by stratified duplication."""

    name = "over"
    grows = True
    smooths = True


class Weights(Strategy):
    """Draw rows in proportion to a weighter's weights (systematic sampling)."""

    name = "weights"
    fresh = True
    multilabel = True
    draws = ("systematic", "sequential", "random")
    legacy_draws = {True: "systematic", False: "sequential"}
    scheduled_size = False

    def check_params(self, resampler, sample_weight):
        self._check_shrinkage(resampler)
        if resampler.sampling_strategy is not None:
            raise ValueError(
                "sampling_strategy sets per-unit targets for strategy='under' or "
                f"'over'; {type(resampler).__name__}(strategy='weights') draws in "
                "proportion to the weights. Set n_samples for the epoch size instead."
            )
        if resampler.weighter is not None and (
            resampler.groups is not None
            or resampler.strata is not None
            or resampler.balance != "auto"
            or resampler.target_shares is not None
        ):
            raise ValueError(
                "Both weighter and groups/strata/balance/target_shares were given; "
                "set groups, strata, balance and target_shares on the weighter."
            )

    def check_schedule(self, schedule, weighter):
        if schedule.param not in weighter.get_params():
            raise ValueError(
                f"The schedule sets {schedule.param!r}, which the weighter "
                f"{type(weighter).__name__} does not have."
            )

    def unit_weighter(self, resampler, y, sensitive_features):
        weighter = (
            clone(resampler.weighter)
            if resampler.weighter is not None
            else GroupBalancedWeighter(
                groups=resampler.groups,
                strata=resampler.strata,
                balance=resampler.balance,
                target_shares=resampler.target_shares,
            )
        )
        return weighter, MODES["joint"]

    def by_row_weights(self, resampler, sample_weight, weighter, labels=None):
        # Weights that vary within cells, a draw other than the systematic
        # one, or a weighter without cells: drawn over rows.
        return (
            sample_weight is not None
            or resampler.draw_ != "systematic"
            or not hasattr(weighter, "fit_cells")
            or is_indicator(labels)
        )

    def row_weights(self, weighter, X, labels, sample_weight, kwargs):
        if not is_indicator(labels):
            return super().row_weights(weighter, X, labels, sample_weight, kwargs)
        # A multi-label indicator: each row by its positive tags' weights (their
        # mean), so that rows with rare tags come more often.
        weighter.fit(X, labels, sample_weight=sample_weight, **kwargs)
        weights = weighter.tag_row_weights(labels)
        return weights if sample_weight is None else weights * sample_weight

    def targets(self, resampler, units, weighter, labels=None):
        """Expected rows per cell: epoch size times the cell's share of weight."""
        table = weighter.weight_table_
        mass = table["factor"].to_numpy() * table["weighted_count"].to_numpy()
        if not np.all(np.isfinite(mass)) or mass.sum() <= 0:
            raise ValueError("The weighter's factors are not finite and positive.")
        size = (
            resampler.n_samples
            if resampler.n_samples is not None
            else int(units.counts.sum())
        )
        return size * mass / mass.sum()

    def sampling_strategy(self, units, targets):
        return {}

    def table(self, units, targets, base):
        table = base
        table["count"] = units.counts
        table["target"] = targets
        return table

    def scheduled_targets(self, draws, resampler, epoch, value):
        scheduled = at_epoch(draws.weighter, draws.schedule, epoch)
        return self.targets(resampler, draws.units, scheduled, draws.labels)

    def rows(self, plan, weights, size, seed, epoch, order, starts, draw):
        if weights is None:
            return plan.draw(seed, epoch, order, starts)
        if draw == "sequential":
            return weighted_distinct_rows(weights, size, seed, epoch)
        if draw == "random":
            return weighted_random_rows(weights, size, seed, epoch)
        return systematic_rows(weights, size, seed, epoch)


def is_indicator(labels):
    """Whether ``labels`` is a multi-label indicator matrix (two columns or more)."""
    return np.ndim(labels) == 2 and np.shape(labels)[1] > 1


STRATEGIES = {cls.name: cls() for cls in (Under, Over, Weights)}


def register_strategy(strategy):
    """Register a resampling strategy under its ``name``.

    Parameters
    ----------
    strategy : Strategy
        An instance of a :class:`Strategy` subclass with a new ``name``.

    Returns
    -------
    strategy : Strategy
        The registered strategy (so it can be used as a decorator's result).
    """
    if not isinstance(strategy, Strategy):
        raise TypeError(
            f"register_strategy takes a Strategy instance; got {type(strategy).__name__}."
        )
    if not isinstance(strategy.name, str) or not strategy.name:
        raise ValueError("A strategy needs a non-empty str name.")
    if strategy.name in STRATEGIES:
        raise ValueError(f"A strategy named {strategy.name!r} is already registered.")
    STRATEGIES[strategy.name] = strategy
    return strategy


def fit_row_weights(weighter, weights, n_rows, n_samples):
    """What ``strategy="weights"`` draws on per-row weights (systematic draws).

    For weights that vary within cells, or a weighter without cells.

    Returns
    -------
    weights : ndarray of float64
        The checked row weights.
    epoch_size : int
    targets : dict
        The expected rows of each cell, by its key (empty without cells).
    table : pandas.DataFrame or None
        The ``cell_table_``.
    """
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != (n_rows,):
        raise ValueError(
            "strategy='weights' needs one weight per row; the weighter returned "
            f"shape {weights.shape}. A multi-label target gives one weight per "
            "row and class: resample on 1-D labels instead."
        )
    if not np.all(np.isfinite(weights)) or weights.min() < 0:
        raise ValueError("The weighter returned negative or non-finite weights.")
    total = weights.sum()
    if total <= 0:
        raise ValueError("The weighter's weights sum to 0: nothing to draw.")
    epoch_size = int(n_samples if n_samples is not None else n_rows)
    table = getattr(weighter, "weight_table_", None)
    if getattr(weighter, "tag_weights_", None) is not None:
        table = None  # multi-label: rows are drawn by their tags, not by cells
    targets = {}
    if table is not None:
        keys = list(weighter.cell_spec_.key_columns)
        fitted = table
        table = table[keys + ["count"]].copy()
        table["target"] = epoch_size / total * fitted["factor"] * fitted["weighted_count"]
        values = [table[c].tolist() for c in keys]
        names = values[0] if len(values) == 1 else list(zip(*values))
        targets = dict(zip(names, table["target"].tolist()))
    return weights, epoch_size, targets, table
