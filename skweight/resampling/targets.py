"""Units and their per-epoch targets, for the rotating strategies.

A *unit* is what the balance mode equalises inside a stratum
(:mod:`skweight.engine.modes`): a ``(stratum, label)`` pair for ``"label"``,
a ``(stratum, group)`` pair for ``"groups"`` and a ``(stratum, group, label)``
cell for ``"joint"`` and ``"independence"``. :class:`Units` derives them from
the fitted cells with integer arithmetic on the small table and numbers them
in canonical order (sorted key values), so the numbering, and with it every
epoch, is the same for every library the data came from.

Default targets (rows per unit per epoch), inside each stratum:

- ``"under"``: the size of the stratum's smallest unit;
- ``"over"``: the size of the stratum's largest unit;
- ``balance="independence"``: the counts a cell would have if the label were
  independent of the group, ``E = n_g * n_y / n`` (the sizes of Kamiran and
  Calders' *uniform sampling*), scaled by the largest factor that needs no
  duplication (``"under"``) or by the smallest factor that drops no row
  (``"over"``).
"""

from functools import cached_property
from numbers import Integral, Real

import numpy as np

from ..engine.cells import Canonical
from ..engine.encode import as_python as _plain
from ..engine.keys import first_of, numbered
from ..weighting.factors import pair_sums, unit_numbers

__all__ = ["SELECTIONS", "Units", "scale_targets"]

# imbalanced-learn's names of which units to resample.
SELECTIONS = ("auto", "all", "majority", "minority", "not majority", "not minority")


class Units:
    """The units of a set of fitted cells and their row counts.

    Parameters
    ----------
    fitted : FittedCells
        The cells of the rows, from the weighter that defines them.
    mode : Mode
        The balance mode.
    table : pandas.DataFrame
        The weighter's ``weight_table_``: one row per cell of
        ``fitted.cells``, in that order.
    key_columns : list of str
        The columns of ``table`` that name a unit.

    Attributes
    ----------
    unit_of_cell : ndarray of int64
        Unit of each cell of the weighter (indexed as ``fitted.ids``).
    counts : ndarray of int64 of shape (n_units,)
    stratum : ndarray of int of shape (n_units,)
    keys : list
        One key per unit: a value, or a tuple when several columns name it.
    table_rows : ndarray of int of shape (n_units,)
        Row of ``table`` of each unit's first cell.
    """

    def __init__(self, fitted, mode, table, key_columns):
        self.mode = mode
        s, g, lab = fitted.ranks3
        unit_of = unit_numbers(
            Canonical(fitted.cells, s, g, lab, fitted.shape3), mode.unit_axes
        )
        if unit_of is None:  # each cell its own unit
            unit_of = np.arange(fitted.cells.size, dtype=np.intp)
        first = first_of(unit_of, int(unit_of.max()) + 1 if unit_of.size else 0)
        self.unit_of_cell = np.full(fitted.cells.size, -1, dtype=np.int64)
        self.unit_of_cell[fitted.cells] = unit_of
        self.counts = np.bincount(
            unit_of, weights=fitted.rows, minlength=first.size
        ).astype(np.int64)
        self.stratum = s[first]
        self.table_rows = first
        self.cells = fitted.cells
        self.cell_unit = unit_of
        self._ranks3 = (s, g, lab)
        if len(table) != fitted.cells.size:  # pragma: no cover - engine invariant
            raise RuntimeError("weight_table_ does not list the non-empty cells.")
        self._table = table
        self._key_columns = list(key_columns)
        # The units are the classes (keyed by class label alone).
        self.label_units = fitted.spec.label is not None and self._key_columns == [
            fitted.spec.label
        ]
        self._spec = fitted.spec
        self._rows = fitted.rows

    @cached_property
    def keys(self):
        """One key per unit (Python values): built when first needed."""
        columns = [
            self._table[c].to_numpy()[self.table_rows].tolist() for c in self._key_columns
        ]
        return columns[0] if len(columns) == 1 else list(zip(*columns))

    def __len__(self):
        return self.counts.size

    def unit_of_rows(self, ids):
        """The unit of each row, given its cell (``FittedCells.ids``)."""
        return self.unit_of_cell[ids]

    def as_dict(self, values):
        """Map each unit's key to ``values[unit]`` (as Python numbers)."""
        return dict(zip(self.keys, np.asarray(values).tolist()))

    # ------------------------------------------------------------------ #
    def stratum_extreme(self, largest):
        """Per unit: the size of its stratum's largest (or smallest) unit."""
        return self._per_stratum_extreme(self.counts, largest)

    def _per_stratum_extreme(self, values, largest):
        """Per unit: the largest (smallest) of ``values`` in its stratum (NaN skipped)."""
        n_strata = int(self.stratum.max()) + 1 if self.stratum.size else 0
        values = np.asarray(values)
        if values.dtype.kind == "f":
            pick = np.full(n_strata, -np.inf if largest else np.inf)
            (np.fmax if largest else np.fmin).at(pick, self.stratum, values)
        else:
            info = np.iinfo(values.dtype)
            pick = np.full(n_strata, info.min if largest else info.max, dtype=values.dtype)
            (np.maximum if largest else np.minimum).at(pick, self.stratum, values)
        return pick[self.stratum]

    def independent_targets(self, grow):
        """The counts independence expects, scaled to drop (or add) no row."""
        s, g, lab = self._ranks3
        n = self._rows.astype(np.float64)
        n_sg = pair_sums(n, s, g)
        n_sl = pair_sums(n, s, lab)
        n_s = np.bincount(s, weights=n)[s]
        expected = n_sg * n_sl / n_s
        self._check_expected_cells(s, g, lab)
        # Joint units: one cell each, in canonical order.
        e = np.zeros(len(self))
        e[self.cell_unit] = expected
        ratio = self.counts / e
        n_strata = int(self.stratum.max()) + 1
        if grow:
            scale = np.zeros(n_strata)
            np.maximum.at(scale, self.stratum, ratio)
            targets = np.maximum(np.rint(scale[self.stratum] * e), self.counts)
            return targets.astype(np.int64)
        scale = np.full(n_strata, np.inf)
        np.minimum.at(scale, self.stratum, ratio)
        targets = np.minimum(np.rint(scale[self.stratum] * e), self.counts)
        return targets.astype(np.int64)

    def _check_expected_cells(self, s, g, lab):
        """Refuse a stratum where a group x label pair that independence expects is empty.

        Independence expects rows in every (group, label) pair of a stratum
        whose group and label both occur there; a stratum has
        ``groups x labels`` such pairs and, when all have rows, as many cells.
        """
        n_groups = _pairs_per_stratum(s, g)
        n_labels = _pairs_per_stratum(s, lab)
        n_cells = np.bincount(s)
        short = np.flatnonzero(n_groups * n_labels > n_cells)
        if not short.size:
            return
        stratum = short[0]
        cells = np.flatnonzero(s == stratum)  # few: one stratum's cells
        have = set(zip(g[cells].tolist(), lab[cells].tolist()))
        groups = np.unique(g[cells])
        labels = np.unique(lab[cells])
        missing = next(
            (a, b) for a in groups.tolist() for b in labels.tolist() if (a, b) not in have
        )
        same_group = cells[np.flatnonzero(g[cells] == missing[0])[0]]
        same_label = cells[np.flatnonzero(lab[cells] == missing[1])[0]]
        n = self._rows.astype(np.float64)
        n_sg = n[cells][g[cells] == missing[0]].sum()
        n_sl = n[cells][lab[cells] == missing[1]].sum()
        expected = n_sg * n_sl / n[cells].sum()
        row_g, row_l = self._table.iloc[same_group], self._table.iloc[same_label]
        spec = self._spec
        parts = [f"{c}={_plain(row_g[c])!r}" for c in (*spec.strata, *spec.groups)]
        parts.append(f"{spec.label}={_plain(row_l[spec.label])!r}")
        raise ValueError(
            "balance='independence' needs every group x label combination "
            "that independence expects to have rows, but the cell "
            f"{', '.join(parts)} has none (expected {expected:.3g} rows). Resampling "
            "cannot create rows of an empty cell: use strategy='weights', or "
            "balance='joint'."
        )

    # ------------------------------------------------------------------ #
    def user_targets(self, spec, strategy, y=None):
        """Targets from ``sampling_strategy``, with imbalanced-learn's meanings.

        ``spec`` is a dict, a callable (given ``y`` when the units are the
        classes, else the per-unit counts), a ratio in (0, 1] or one of
        :data:`SELECTIONS`. ``strategy`` is the rotating
        :class:`~.strategies.Strategy` (its ``grows`` says the direction).
        """
        if isinstance(spec, str):
            return self._selected_targets(spec, strategy)
        if isinstance(spec, Real) and not isinstance(spec, bool):
            return self._ratio_targets(float(spec), strategy)
        if callable(spec):
            result = spec(y if y is not None else self.as_dict(self.counts))
            if not isinstance(result, dict):
                raise TypeError(
                    "A callable sampling_strategy must return a dict mapping unit "
                    f"keys to targets; got {type(result).__name__}."
                )
            spec = result
        targets = np.array(self.counts, dtype=np.int64)
        self.selected = np.zeros(len(self), dtype=bool)
        index = {key: i for i, key in enumerate(self.keys)}
        for key, value in spec.items():
            key = _plain(key)
            if key not in index:
                shown = ", ".join(map(repr, self.keys[:10]))
                raise ValueError(
                    f"sampling_strategy names the unit {key!r}, which has no rows. "
                    f"Units are keyed by {self._key_columns}; the fitted ones are: "
                    f"{shown}{' ...' if len(self) > 10 else ''}."
                )
            if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
                raise ValueError(
                    f"sampling_strategy[{key!r}] must be a non-negative int; got {value!r}."
                )
            targets[index[key]] = int(value)
            self.selected[index[key]] = True
        return targets

    def share_targets(self, shares, grow):
        """Targets whose shares within each stratum are ``shares`` (one per unit).

        The largest epoch that needs no duplication (``grow=False``: each
        target at most its unit's rows) or the smallest that drops no row
        (``grow=True``), rounded down (up) to whole rows.
        """
        shares = np.asarray(shares, dtype=np.float64)
        positive = shares > 0
        if grow and not positive.all():
            i = int(np.flatnonzero(~positive)[0])
            raise ValueError(
                f"strategy='over' keeps every row, but target_shares gives the unit "
                f"{_plain(self.keys[i])!r} a share of 0; use strategy='under' to "
                "drop its rows."
            )
        with np.errstate(divide="ignore"):
            rows_per_share = np.where(positive, self.counts / shares, np.nan)
        exact = shares * self._per_stratum_extreme(rows_per_share, grow)
        if grow:
            targets = np.maximum(np.ceil(exact * (1 - 1e-12)), self.counts)
        else:
            targets = np.minimum(np.floor(exact * (1 + 1e-12)), self.counts)
        return np.where(positive, targets, 0).astype(np.int64)

    def _extreme(self, largest):
        """Per unit: whether it is its stratum's largest (smallest) unit.

        Ties go to the first unit in canonical order, as imbalanced-learn
        picks the first class in sorted order.
        """
        n_strata = int(self.stratum.max()) + 1
        key = -self.counts if largest else self.counts
        order = np.lexsort((np.arange(len(self)), key, self.stratum))
        first = np.ones(order.size, dtype=bool)
        first[1:] = self.stratum[order][1:] != self.stratum[order][:-1]
        chosen = np.zeros(len(self), dtype=bool)
        chosen[order[first]] = True
        pick = np.zeros(n_strata, dtype=np.int64)
        pick[self.stratum[order[first]]] = self.counts[order[first]]
        return chosen, pick[self.stratum]

    def _selected_targets(self, name, strategy):
        """imbalanced-learn's strings: which units of a stratum are resampled."""
        if self.mode.independence and name not in ("auto", "all"):
            raise ValueError(
                f"sampling_strategy={name!r} picks units by size, but with "
                "balance='independence' the targets are the counts independence "
                "expects; use 'auto', a dict or a callable."
            )
        grows = strategy.grows
        if name == ("majority" if grows else "minority"):
            raise ValueError(
                f"sampling_strategy={name!r} cannot be used with strategy="
                f"{strategy.name!r}: it would {'cut' if grows else 'grow'} "
                "that unit."
            )
        if name in ("auto", "all") and self.mode.independence:
            # selected: the units it changes
            return self.independent_targets(grow=grows)
        majority, n_max = self._extreme(largest=True)
        minority, n_min = self._extreme(largest=False)
        if name == "auto":
            name = "not majority" if grows else "not minority"
        chosen = {
            "majority": majority,
            "minority": minority,
            "not minority": ~minority,
            "not majority": ~majority,
            "all": np.ones(len(self), dtype=bool),
        }[name]
        goal = n_max if grows else n_min
        self.selected = chosen
        return np.where(chosen, goal, self.counts).astype(np.int64)

    def _ratio_targets(self, ratio, strategy):
        """imbalanced-learn's float: the minority-to-majority ratio after resampling.

        Inside each stratum, ``"under"`` cuts every unit but the smallest to
        ``int(n_min / ratio)`` rows and ``"over"`` grows every unit but the
        largest to ``int(ratio * n_max)``; as in imbalanced-learn, a ratio
        that would need the other direction is an error.
        """
        # The parameter's constraint has checked 0 < ratio <= 1.
        if self.mode.independence:
            raise ValueError(
                "A ratio as sampling_strategy does not apply to balance="
                "'independence' (the targets are the counts independence expects)."
            )
        if strategy.grows:
            majority, n_max = self._extreme(largest=True)
            targets = np.where(majority, self.counts, (ratio * n_max).astype(np.int64))
            bad = targets < self.counts
            direction = "remove rows from a smaller unit while over-sampling"
        else:
            minority, n_min = self._extreme(largest=False)
            # selected: every unit but the minority (imblearn_strategy's default)
            targets = np.where(minority, self.counts, (n_min / ratio).astype(np.int64))
            bad = targets > self.counts
            direction = "generate rows in a larger unit while under-sampling"
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"sampling_strategy={ratio!r} would {direction}: unit "
                f"{_plain(self.keys[i])!r} has {self.counts[i]} rows and would get "
                f"{targets[i]}. Choose another ratio, or a dict of targets."
            )
        return targets.astype(np.int64)

    def imblearn_strategy(self, targets, strategy):
        """``sampling_strategy_`` as imbalanced-learn defines it.

        The units ``sampling_strategy`` selects (by name, by ratio, in its
        dict; ``"auto"`` when None), with the rows kept (a strategy that
        drops rows) or the rows added (one that grows units).
        """
        selected = getattr(self, "selected", None)
        if selected is None:  # the defaults: "auto" (or, for independence, changed)
            if self.mode.independence:
                selected = targets != self.counts
            else:
                extreme, _ = self._extreme(largest=strategy.grows)
                selected = ~extreme
        values = targets - self.counts if strategy.grows else targets
        return {
            key: int(v)
            for key, v, c in zip(self.keys, values.tolist(), selected.tolist())
            if c
        }


def scale_targets(targets, total):
    """Scale integer targets to sum to ``total`` (largest remainders)."""
    current = int(targets.sum())
    if current == 0:
        raise ValueError(
            f"Cannot scale the per-unit targets to n_samples={total}: they are all zero."
        )
    exact = targets * (total / current)
    scaled = np.floor(exact).astype(np.int64)
    short = total - int(scaled.sum())
    if short > 0:
        order = np.argsort(-(exact - scaled), kind="stable")
        scaled[order[:short]] += 1
    return scaled


def _pairs_per_stratum(stratum, other):
    """How many distinct values of ``other`` each stratum has (one per cell's stratum)."""
    pair, n = numbered([stratum, other])
    return np.bincount(stratum[first_of(pair, n)], minlength=int(stratum.max()) + 1)
