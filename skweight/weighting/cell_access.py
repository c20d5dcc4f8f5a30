"""The cells of a fitted weighter: the protocol resamplers, samplers and backends use.

:class:`CellAccessMixin` gives every weighter five public methods that work
on cells rather than on rows, so that a resampler, a torch dataset, a stream
or a backend needs nothing private of a weighter:

- :meth:`~CellAccessMixin.fit_cells`: fit on rows in memory and say which
  cell each row is in (a :class:`~skweight.engine.cells.FittedCells`);
- :meth:`~CellAccessMixin.fit_counts`: the same from a backend's
  :class:`~skweight.engine.backends.CountTable` (one row per key
  combination, counted on its engine);
- :meth:`~CellAccessMixin.cell_ids`: the fitted cell of each row of new data;
- :meth:`~CellAccessMixin.cell_weights`: the weights of rows given their cells;
- :meth:`~CellAccessMixin.with_params`: a copy with other weighting
  parameters over the same counts (what a schedule changes per epoch).
"""

import copy

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._compat import check_sample_weight
from ..engine.backends import Inputs
from ..engine.cells import FittedCells
from ..engine.encode import as_python as _plain
from .class_weight import tag_row_weights
from .health import (
    balances_groups,
    describe_cells,
    lacking_units,
    unbalanceable_message,
    weight_issues,
    weight_warnings,
)

__all__ = ["CellAccessMixin"]

# Parameters that change which cells the rows fall in.
_CELL_PARAMS = {"groups", "strata", "balance", "handle_missing", "target_type"}


class CellAccessMixin:
    """Cell-level access to a weighter (see the module's docstring)."""

    def fit_cells(
        self,
        X,
        y=None,
        *,
        sample_weight=None,
        sensitive_features=None,
        strata_features=None,
    ):
        """Fit, and return the cells of the rows.

        Parameters
        ----------
        X, y, sample_weight, sensitive_features, strata_features
            As in :meth:`fit`; rows in memory, one 1-D target.

        Returns
        -------
        fitted : FittedCells
            The cell of each row (``ids``), and the cells in canonical order
            with their rows and ``(stratum, group, label)`` numbers.

        Examples
        --------
        >>> from skweight import GroupBalancedWeighter
        >>> fitted = GroupBalancedWeighter().fit_cells(None, ["a", "b", "a"])
        >>> fitted.ids.tolist(), fitted.rows.tolist()
        ([0, 1, 0], [2, 1])
        """
        inputs = Inputs(X, y, sample_weight, sensitive_features, strata_features)
        located, keys = self._fit(inputs, reset=True, backend=False)
        return self._fitted_cells(located, keys is None)

    def fit_counts(self, table):
        """Fit on a backend's count table, and return the cells of its rows.

        Parameters
        ----------
        table : CountTable
            One row per key combination with its rows (and weighted rows),
            as a backend collects it from its engine.

        Returns
        -------
        fitted : FittedCells
            As in :meth:`fit_cells`, one ``ids`` entry per row of ``table``.
        """
        self._reset()
        located, _ = self._count(
            table.inputs, reset=True, rows=table.rows, weighted=table.weighted
        )
        self.n_features_in_ = table.n_features
        if table.feature_names is not None:
            self.feature_names_in_ = table.feature_names
        return self._fitted_cells(located, False)

    def cell_ids(self, X, y=None, *, sensitive_features=None, strata_features=None):
        """The fitted cell of each row (an index into the weighter's cells).

        Parameters
        ----------
        X, y, sensitive_features, strata_features
            As in :meth:`weight`: rows in memory.

        Returns
        -------
        ids : ndarray of int of shape (n_samples,)

        Raises
        ------
        ValueError
            When a row falls in a cell that had no rows during fit.
        """
        check_is_fitted(self, "n_cells_")
        keys = self._read_keys(
            Inputs(X, y, None, sensitive_features, strata_features), reset=False
        )
        located = self._counter.encode(
            keys.strata,
            keys.groups,
            keys.label.codes if keys.label else None,
            learn=False,
            handle_missing=self.handle_missing,
            handle_unknown="error",
        )
        ids = located.cell_ids()
        unseen = ids < 0
        if unseen.any():
            raise ValueError(self._unseen_message(located, unseen))
        return ids

    def tag_row_weights(self, Y, *, reduce="mean"):
        """One weight per row of a multi-label target: its positive tags' weights.

        For a weighter fitted on a 0/1 indicator matrix: the mean (or the
        largest) of :attr:`tag_weights_` over each row's positive tags, so
        rows that carry rare tags weigh more; a row without positive tags
        weighs 1. ``EpochResampler("weights")`` fitted on a multi-label ``y``
        draws rows by these weights (their mean), so rare tags come more
        often in every epoch; ``torch.utils.data.WeightedRandomSampler``
        takes them too.

        Parameters
        ----------
        Y : array-like of 0/1 of shape (n_samples, n_tags)
            The indicator matrix, its columns in the order of ``classes_``.
        reduce : {"mean", "max"}, default="mean"

        Returns
        -------
        row_weights : ndarray of shape (n_samples,)

        Examples
        --------
        >>> import numpy as np
        >>> from skweight import GroupBalancedWeighter
        >>> Y = np.array([[1, 0], [1, 0], [1, 0], [1, 1]])
        >>> w = GroupBalancedWeighter().fit(None, Y)
        >>> w.tag_weights_  # INS: 1/4 and 1/1, scaled to sum to 2 tags
        array([0.4, 1.6])
        >>> w.tag_row_weights(Y)
        array([0.4, 0.4, 0.4, 1. ])
        >>> w.tag_row_weights(Y, reduce="max")
        array([0.4, 0.4, 0.4, 1.6])
        """
        check_is_fitted(self, "n_cells_")
        weights = getattr(self, "tag_weights_", None)
        if weights is None:
            raise ValueError(
                "tag_row_weights is for a weighter fitted on a multi-label 0/1 "
                "indicator target; this one has one label per row (its weights are "
                "fit_weight's)."
            )
        return tag_row_weights(Y, weights, reduce=reduce)

    def cell_weights(self, ids, sample_weight=None):
        """The weights of rows given their cells (from :meth:`cell_ids`).

        Parameters
        ----------
        ids : array-like of int of shape (n_samples,)
            The cell of each row.
        sample_weight : array-like of shape (n_samples,), default=None
            Incoming weights, multiplied in.

        Returns
        -------
        weights : ndarray of shape (n_samples,)

        Examples
        --------
        >>> from skweight import GroupBalancedWeighter
        >>> y = [0, 0, 0, 1]
        >>> w = GroupBalancedWeighter().fit(None, y)
        >>> w.cell_weights(w.cell_ids(None, y)).round(3).tolist()
        [0.667, 0.667, 0.667, 2.0]
        """
        check_is_fitted(self, "n_cells_")
        ids = np.asarray(ids)
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, np.empty((ids.size, 0)))
        return self._gather(ids, sample_weight)

    def with_params(self, **params):
        """A copy with other weighting parameters, over the same counts.

        Nothing is counted again: the copy's factors are computed from the
        fitted cells with the new parameters (e.g. a ``strength`` or
        ``beta`` of a :class:`~skweight.schedules.Schedule`).

        Parameters
        ----------
        **params
            Parameters of the weighter that do not change its cells.

        Returns
        -------
        weighter : weighter
            A fitted copy; this weighter is unchanged.

        Examples
        --------
        >>> from skweight import GroupBalancedWeighter
        >>> w = GroupBalancedWeighter().fit(None, [0, 0, 0, 1])
        >>> w.with_params(strength=0.0).weight_table_["factor"].tolist()
        [1.0, 1.0]
        """
        check_is_fitted(self, "n_cells_")
        cells = sorted(set(params) & _CELL_PARAMS)
        if cells:
            raise ValueError(
                f"with_params cannot change {cells}, which define the "
                "cells: fit again instead."
            )
        changed = copy.copy(self)  # shares the counts, which it does not change
        changed.set_params(**params)
        changed._validate()
        if hasattr(self, "estimators_"):
            changed.estimators_ = [e.with_params(**params) for e in self.estimators_]
            changed._weight_table = None
        else:
            changed._update_factors()
        return changed

    # ------------------------------------------------------------------ #
    def _fitted_cells(self, located, multioutput):
        if multioutput:
            raise ValueError(
                "Resampling needs 1-D class labels; got a multi-output y. Resample "
                "on one output, or use a weighter's product weights instead."
            )
        counter = self._counter
        if counter.multilabel:
            raise ValueError(
                "Resampling needs 1-D class labels; got a multi-label indicator "
                "matrix. Use a weighter's (n_samples, n_classes) weights instead."
            )
        canonical = counter.canonical()
        cells = canonical.order
        return FittedCells(
            located.cell_ids(),
            canonical.shape3,
            cells,
            counter.rows[cells],
            counter.spec,
            (canonical.stratum, canonical.group, canonical.label),
        )

    def _gather(self, located, sample_weight, check_unseen=False):
        """The factor of each row times its weight.

        ``located``: where the rows fall (:class:`~skweight.engine.cells.Located`),
        or the cell of each row (from :meth:`cell_ids`).
        """
        if hasattr(located, "slots") and not check_unseen:
            # The rows just counted: every slot a row has is a cell (slots of no
            # row may be -1, and no row reads them).
            factors = np.take(
                np.take(self._factors, located.cells, mode="wrap"), located.ids
            )
            unknown = None
        elif hasattr(located, "slots"):
            with_unseen = np.append(self._factors, np.nan)  # cell -1: no such cell
            factors = np.take(np.take(with_unseen, located.cells), located.ids)
            unknown = located.unknown
        else:
            with_unseen = np.append(self._factors, np.nan)  # cell -1: no such cell
            factors, unknown = np.take(with_unseen, located), None
        if check_unseen:
            unseen = np.isnan(factors)
            if unknown is not None:
                unseen |= unknown if factors.ndim == 1 else unknown[:, None]
            if unseen.any():
                if self.handle_unknown == "error":
                    raise ValueError(self._unseen_message(located, unseen))
                factors[unseen] = 0.0 if self.handle_unknown == "zero" else self._neutral()
        if sample_weight is not None:
            if factors.ndim == 2:
                factors *= sample_weight[:, None]
            else:
                factors *= sample_weight
        return factors

    def _neutral(self):
        """The factor of a row whose cell is unknown: the mean factor of a row."""
        weighted = self._counter.weighted
        total = weighted.sum()
        if total <= 0:
            return 1.0
        return float(np.sum(weighted * self._factors) / total)

    def _unseen_message(self, located, unseen):
        rows = np.flatnonzero(unseen.any(axis=1) if unseen.ndim == 2 else unseen)
        ids = located.ids
        slot = ids[rows[0]] if ids.ndim == 1 else ids[rows[0]][unseen[rows[0]]][0]
        keys = self._counter.slot_keys(located, slot)
        multilabel = self._counter.multilabel
        desc = ", ".join(
            f"{name}={_plain(values[0])!r}"
            for name, values in keys.items()
            if name != self._counter.spec.label or not multilabel
        )
        return (
            f"{rows.size} row(s) fall in cells that had no rows during fit "
            f"(first at row {rows[0]}: {desc}). Pass handle_unknown='ignore' to "
            "give them the neutral factor."
        )

    def _issues(self):
        """The weight issues of this weighter's own cells (none for multi-label).

        For a multi-output target, the issues of each output's weighter,
        each message naming its output (:func:`~.health.weight_warnings`).
        """
        if hasattr(self, "estimators_"):
            return weight_warnings(self)
        counter = self._counter
        if counter.multilabel:
            return []
        mode = self._mode
        canonical = counter.canonical()  # messages list cells in output order
        counts, factors = self._canonical_factors()
        issues = weight_issues(
            canonical.gather(counter.rows),
            counts,
            factors,
            lambda cells: describe_cells(counter, canonical.order[cells]),
            groups=balances_groups(mode),
            thresholds=getattr(self, "warn_thresholds", None),
        )
        del counts, factors
        lacking = lacking_units(canonical.stratum, canonical.group, canonical.label, mode)
        strata = list(counter.spec.strata) + (["class"] if counter.multilabel else [])

        def strata_names(numbers):
            # Stratum numbers do not decrease along the canonical order.
            first = np.searchsorted(canonical.stratum, numbers)
            keys = counter.cell_keys(canonical.order[first])
            return [
                ", ".join(f"{name}={_plain(keys[name][i])!r}" for name in strata)
                for i in range(len(numbers))
            ]

        # With target shares, a unit a stratum lacks is warned about (or meant:
        # share 0) where the shares are read.
        unbalanceable = (
            None
            if getattr(self, "_cell_targets", None) is not None
            else unbalanceable_message(lacking, strata_names, mode)
        )
        return [*issues, *([unbalanceable] if unbalanceable else [])]
