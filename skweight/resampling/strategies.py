"""Resampling strategies: one small class each.

A strategy says which weighter defines the cells, what each unit's target is,
and whether the plan rotates through its rows (``"under"``, ``"over"``) or
draws extras afresh every epoch (``"weights"``). Everything else (the units,
the drawing plan, the epochs) is shared. A new strategy is one class here and
its name in :data:`STRATEGIES`.
"""

import numpy as np

from .targets import check_targets, scale_targets

__all__ = ["STRATEGIES", "Strategy", "fit_row_weights"]


class Strategy:
    """The hooks of a resampling strategy.

    Attributes
    ----------
    name : str
    fresh : bool
        Whether the plan draws extras afresh every epoch (real targets).
    """

    name = None
    fresh = False

    def check_params(self, resampler, sample_weight):
        """Raise for parameters that this strategy would ignore."""
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

    def targets(self, resampler, units, weighter, labels=None):
        """Rows per unit per epoch (``labels``: the fitted labels, in memory)."""
        targets = units.default_targets(self.name)
        if resampler.sampling_strategy is not None:
            # A callable is given y when the units are the classes, as in
            # imbalanced-learn (and the per-unit counts otherwise).
            y = labels if units.label_units else None
            targets = units.user_targets(resampler.sampling_strategy, self.name, y)
        if resampler.n_samples is not None:
            targets = scale_targets(targets, resampler.n_samples)
        check_targets(units, targets, self.name, resampler.n_samples is not None)
        return targets

    def table(self, units, targets, base):
        """The ``cell_table_``: ``base`` (unit keys) with counts and targets."""
        table = base
        table["count"] = units.counts
        table["target"] = targets
        extra = targets % np.maximum(units.counts, 1)
        table["cycle"] = np.where(extra > 0, -(-units.counts // np.maximum(extra, 1)),
                                  np.where(targets > 0, 1, 0))
        return table


class Under(Strategy):
    """Cut every unit to its target, rotating through its rows."""

    name = "under"


class Over(Strategy):
    """Bring every unit up to its target by stratified duplication."""

    name = "over"


class Weights(Strategy):
    """Draw rows in proportion to a weighter's weights (systematic sampling)."""

    name = "weights"
    fresh = True

    def check_params(self, resampler, sample_weight):
        if resampler.sampling_strategy is not None:
            raise ValueError(
                "sampling_strategy sets per-unit targets for strategy='under' or "
                f"'over'; {type(resampler).__name__}(strategy='weights') draws in "
                "proportion to the weights. Set n_samples for the epoch size instead."
            )
        if resampler.weighter is not None and (
                resampler.groups is not None or resampler.strata is not None
                or resampler.balance != "auto"):
            raise ValueError(
                "Both weighter and groups/strata/balance were given; set groups, "
                "strata and balance on the weighter."
            )

    def targets(self, resampler, units, weighter, labels=None):
        """Expected rows per cell: epoch size times the cell's share of weight."""
        table = weighter.weight_table_
        mass = table["factor"].to_numpy() * table["weighted_count"].to_numpy()
        if not np.all(np.isfinite(mass)) or mass.sum() <= 0:
            raise ValueError("The weighter's factors are not finite and positive.")
        size = resampler.n_samples if resampler.n_samples is not None else \
            int(units.counts.sum())
        return size * mass / mass.sum()

    def table(self, units, targets, base):
        table = base
        table["count"] = units.counts
        table["target"] = targets
        return table


STRATEGIES = {cls.name: cls() for cls in (Under, Over, Weights)}


def fit_row_weights(resampler, weighter, weights, n_rows):
    """Fit ``strategy="weights"`` on per-row weights (systematic draws over rows).

    For weights that vary within cells, or a weighter without cells: sets
    the resampler's row weights, epoch size, targets and cell table.
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
    resampler._weights = weights
    resampler._plan = None
    n_samples = resampler.n_samples
    resampler.epoch_size_ = int(n_samples if n_samples is not None else n_rows)
    table = getattr(weighter, "weight_table_", None)
    if table is not None:
        keys = list(weighter.cell_spec_.key_columns)
        table = table[keys + ["count"]].copy()
        fitted = weighter.weight_table_
        table["target"] = (resampler.epoch_size_ / total * fitted["factor"]
                           * fitted["weighted_count"])
        values = [table[c].tolist() for c in keys]
        names = values[0] if len(values) == 1 else list(zip(*values))
        resampler.targets_ = dict(zip(names, table["target"].tolist()))
    else:
        resampler.targets_ = {}
    resampler.sampling_strategy_ = {}
    resampler.cell_table_ = table
