"""The one fit sequence of an epoch resampler, in memory and on every backend.

:class:`EpochFitMixin` holds it: validate the parameters, let the strategy
(:mod:`.strategies`) name the unit weighter, count the cells, fit the units,
their targets and the one :class:`~.plan.DrawingPlan`, and draw the seed.

Rows in memory are counted here. Inputs that a backend recognises
(:func:`~skweight.engine.backends.backend_for`: dask, lazy frames) are counted
on the backend's engine, through its public ``epochs`` hook::

    source = backend.epochs(inputs, roles, request, draw)

The backend checks the :class:`~skweight.engine.backends.EpochRequest`,
counts the rows of every key combination into a
:class:`~skweight.engine.backends.CountTable` and calls ``draw(table)``,
which fits the resampler on it and returns a :class:`Drawing`: the plan and
what a backend needs to apply it to its rows. The backend returns its epoch
source, an object with ``resample(X, y, *, epoch, sensitive_features,
strata_features)``, ``write(X, epochs, folders)`` and ``fitted_on`` (words
for messages). Neither side reads or writes the other's private state.
"""

import hashlib
from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from .._compat import validate_params
from ..engine.backends import EpochRequest, KeyRoles, backend_for
from ..engine.frames import FrameView
from .plan import DrawingPlan, FrequencyOrder, group_rows
from .protocol import (
    as_labels,
    check_labels,
    check_row_id,
    check_rows,
    draw_seed,
    frequencies,
    keep_rows,
    key_order,
    keys_view,
    unit_columns,
)
from .scheduling import ScheduledDraws, check_schedule
from .strategies import STRATEGIES, fit_row_weights, is_indicator
from .targets import Units

__all__ = ["Drawing", "EpochFitMixin"]


class Drawing(NamedTuple):
    """A fitted plan and what a backend needs to draw its epochs.

    Attributes
    ----------
    plan : DrawingPlan
        The resampler's one drawing plan (``row_counts`` says how often a
        row of a unit, by its rank, is drawn in an epoch).
    unit_of_cell : ndarray of int64
        The unit of each cell of the weighter (as ``weighter.cell_ids``
        numbers them).
    cell_unit : ndarray of int64
        The unit of each row of the weighter's ``weight_table_``.
    table_units : ndarray of int64
        The unit of each row of the count table the plan was fit on.
    weighter : weighter
        The fitted unit weighter (it maps key values to cells).
    seed : int
    shuffle : bool
    """

    plan: DrawingPlan
    unit_of_cell: np.ndarray
    cell_unit: np.ndarray
    table_units: np.ndarray
    weighter: object
    seed: int
    shuffle: bool


class _UnitDicts:
    """``targets_`` and ``sampling_strategy_``, built from the units when first read."""

    def __init__(self, units=None, targets=None, strategy=None):
        self._units, self._targets, self._strategy = units, targets, strategy
        self._dicts = None if units is not None else (targets, {})

    def _built(self):
        if self._dicts is None:
            self._dicts = (
                self._units.as_dict(self._targets),
                self._strategy.sampling_strategy(self._units, self._targets),
            )
        return self._dicts

    @property
    def targets(self):
        return self._built()[0]

    @property
    def sampling_strategy(self):
        return self._built()[1]


class EpochFitMixin:
    """The fit sequence of :class:`~skweight.EpochResampler`."""

    def _fit(self, inputs):
        """Fit; return ``(X checked, y)`` (``(None, None)`` off memory)."""
        backend = backend_for(*inputs)
        if backend is not None:
            return self._fit_on_backend(backend, inputs)
        X, y, sample_weight, sensitive_features, strata_features = inputs
        strategy = self._reset(sample_weight, in_memory=True)
        if isinstance(y, str):
            y = FrameView(X).column(y, param="y", estimator_name=type(self).__name__)[1]
        labels = as_labels(y, multilabel=strategy.multilabel)
        X_checked, n_rows = check_rows(self, X, labels, sensitive_features, strata_features)
        weighter, mode = strategy.unit_weighter(self, labels, sensitive_features)
        X_keys = keys_view(X_checked, n_rows, weighter)
        kwargs = dict(
            sensitive_features=sensitive_features, strata_features=strata_features
        )
        if strategy.by_row_weights(self, sample_weight, weighter, labels):
            check_row_id(self, "systematic")
            if self.schedule is not None and is_indicator(labels):
                raise ValueError(
                    "schedule= moves a weighter's cells per epoch; a multi-label y is "
                    "drawn by its rows' tag weights. Drop the schedule."
                )
            weights = strategy.row_weights(weighter, X_keys, labels, sample_weight, kwargs)
            check_labels(weighter, labels)
            self._weights, self.epoch_size_, targets, self.cell_table_ = fit_row_weights(
                weighter, weights, n_rows, self.n_samples
            )
            self._unit_dicts = _UnitDicts(targets=targets)
            self._plan = None
            if self.schedule is not None:
                check_schedule(self, strategy, weighter)
                ids = weighter.cell_ids(X_keys, labels, **kwargs)
                self._scheduled = ScheduledDraws(
                    self.schedule,
                    strategy,
                    weighter=weighter,
                    ids=ids,
                    sample_weight=None
                    if sample_weight is None
                    else np.asarray(sample_weight, dtype=np.float64),
                )
        else:
            counts = kept = None
            if sample_weight is not None:  # frequency weights: a row of weight k is k rows
                check_row_id(self, "frequencies")
                if self.shrinkage is not None:
                    raise ValueError("shrinkage and sample_weight cannot be combined.")
                counts = frequencies(sample_weight, n_rows, strategy.name)
                if not counts.all():  # rows of weight 0 are no rows: left out
                    kept = np.flatnonzero(counts)
                    X_keys, labels, kwargs = keep_rows(kept, X_keys, labels, kwargs)
            fitted = weighter.fit_cells(
                X_keys,
                labels,
                sample_weight=None
                if counts is None
                else (counts if kept is None else counts[kept]),
                **kwargs,
            )
            check_labels(weighter, labels)
            if counts is not None:  # a unit holds the sum of its rows' weights
                weighted = weighter.weight_table_["weighted_count"].to_numpy()
                fitted = fitted._replace(rows=np.rint(weighted).astype(np.int64))
            units = self._fit_units(weighter, fitted, mode, strategy, labels=labels)
            unit_of_row = units.unit_of_rows(fitted.ids)
            self._order = (
                group_rows(unit_of_row, len(units))
                if self.row_id is None
                else key_order(self, X_checked, unit_of_row, fitted)
            )
            if counts is not None:  # row k once per unit of its weight, unexpanded
                rows = self._order if kept is None else kept[self._order]
                self._order = FrequencyOrder(rows, counts)
            if self.shrinkage is not None:
                self._unit_of_row = unit_of_row
            # Each input row's unit, for epoch_weights, in the narrowest type
            # (one byte a row below 256 units); a row of frequency weight 0
            # is never drawn, so its entry does not matter.
            narrow = np.min_scalar_type(max(len(units) - 1, 0))
            if kept is None:
                self._row_unit = unit_of_row.astype(narrow)
            else:
                self._row_unit = np.zeros(n_rows, dtype=narrow)
                self._row_unit[kept] = unit_of_row
            self._starts = np.cumsum(units.counts) - units.counts
        self._fitted(weighter, n_rows)
        return X_checked, y

    def _fit_on_backend(self, backend, inputs):
        """Count on the backend's engine; the rest of the sequence is shared."""
        X, y, sample_weight, sensitive_features, strata_features = inputs
        where = backend.kind
        if self.schedule is not None:
            raise ValueError(
                f"schedule= is for rows in memory; on {where} the epochs are fixed."
            )
        strategy = self._reset(sample_weight)
        if strategy.fresh and sample_weight is not None:
            raise ValueError(
                f"strategy={strategy.name!r} with sample_weight draws each row by its "
                f"own weight (sample_weight varies within cells), which is not "
                f"supported on {where}. Drop sample_weight, or bring the rows into "
                "memory first."
            )
        if self.draw_ != strategy.default_draw:
            raise ValueError(
                f"draw={self.draw_!r} changes how strategy={strategy.name!r} draws, in "
                f"memory only; on {where} leave draw=None (or bring the rows into "
                "memory first)."
            )
        if self.shrinkage is not None:
            raise ValueError(
                f"shrinkage={self.shrinkage!r} changes how strategy={strategy.name!r} "
                f"draws, in memory only; on {where} leave shrinkage=None (or bring the "
                "rows into memory first)."
            )
        weighter, mode = strategy.unit_weighter(self, y, sensitive_features)
        if not hasattr(weighter, "fit_counts"):
            raise TypeError(
                f"strategy={strategy.name!r} on {where} needs a skweight weighter "
                f"(weights constant within cells); got {type(weighter).__name__}."
            )
        validate_params(weighter)
        groups, strata, _ = weighter.key_params()
        roles = KeyRoles(groups, strata, type(weighter).__name__, weighter.handle_missing)
        request = EpochRequest(type(self).__name__, self.row_id)

        def draw(table):
            fitted = weighter.fit_counts(table)
            check_labels(weighter, y)
            units = self._fit_units(weighter, fitted, mode, strategy)
            self._fitted(weighter, int(units.counts.sum()))
            self.n_features_in_ = table.n_features
            if table.feature_names is not None and all(
                isinstance(c, str) for c in table.feature_names
            ):
                self.feature_names_in_ = np.asarray(table.feature_names, dtype=object)
            return Drawing(
                self._plan,
                units.unit_of_cell,
                units.cell_unit,
                units.unit_of_rows(fitted.ids),
                weighter,
                self.seed_,
                self._shuffle,
            )

        self._epochs = backend.epochs(inputs, roles, request, draw)
        return None, None

    @property
    def targets_(self):
        """Rows per epoch of each unit, by its key (built on first access)."""
        return self._fitted_dicts().targets

    @property
    def sampling_strategy_(self):
        """imbalanced-learn's dict of the resampled units (built on first access)."""
        return self._fitted_dicts().sampling_strategy

    def fingerprint(self):
        """What this fit's epochs are drawn from, as short digests.

        A saved position in an epoch (:meth:`skweight.torch.EpochSampler.state_dict`)
        carries it, so that resuming on another fit, whose epochs hold other
        indices, is refused with a message that says what differs.

        Returns
        -------
        fingerprint : dict
            ``"strategy"``; ``"parameters"``: a digest of the parameters that
            shape the epochs (all but ``random_state``, whose seed is checked
            on its own); ``"n_samples"``: the rows fit; ``"cells"``: a digest
            of ``cell_table_`` (each unit's key, rows and target);
            ``"rows"``: a digest of which rows belong to which unit (None off
            memory, where the rows stay on their engine).

        Examples
        --------
        >>> from skweight import EpochResampler
        >>> a = EpochResampler("under", random_state=0).fit(None, [0, 0, 0, 1])
        >>> b = EpochResampler("under", random_state=0).fit(None, [0, 0, 0, 1, 0])
        >>> a.fingerprint()["cells"] == b.fingerprint()["cells"]
        False
        >>> a.fingerprint() == a.fingerprint()
        True
        """
        check_is_fitted(self, "epoch_size_")
        cached = vars(self).get("_fingerprint")
        if cached is None:
            params = {
                k: v for k, v in self.get_params(deep=False).items() if k != "random_state"
            }
            order = vars(self).get("_order")
            cached = {
                "strategy": str(self.strategy),
                "parameters": _digest(
                    repr(sorted((k, _stable(v)) for k, v in params.items())).encode()
                ),
                "n_samples": int(self.n_samples_fit_),
                "cells": _digest(_table_bytes(self.cell_table_)),
                "rows": None
                if order is None
                else _digest(
                    np.ascontiguousarray(order, dtype=np.int64).tobytes()
                    if isinstance(order, np.ndarray)
                    else order.digest_bytes()
                ),
            }
            self._fingerprint = cached
        return dict(cached)

    def _fitted_dicts(self):
        dicts = vars(self).get("_unit_dicts")
        if dicts is None:
            raise AttributeError(
                f"This {type(self).__name__} is not fitted yet: "
                "targets_ and sampling_strategy_ are learned by fit."
            )
        return dicts

    def _reset(self, sample_weight, in_memory=False):
        """Validate the parameters, forget an earlier fit; return the strategy.

        In memory, "under" and "over" take ``sample_weight`` as frequency
        weights; other backends do not.
        """
        validate_params(self)
        strategy = STRATEGIES[self.strategy]
        strategy.check_params(self, None if in_memory else sample_weight)
        self.draw_ = strategy.resolve_draw(self)
        for attr in ("sample_indices_", "n_features_in_", "feature_names_in_"):
            if hasattr(self, attr):
                delattr(self, attr)
        self._weights = None
        self._unit_dicts = None
        self._fingerprint = None
        self._order = None
        self._row_unit = None
        self._scheduled = None
        self._epochs = None
        self._strategy = strategy
        return strategy

    def _fitted(self, weighter, n_rows):
        self.weighter_ = weighter
        self.n_samples_fit_ = int(n_rows)
        self.seed_ = draw_seed(self.random_state)
        self._shuffle = bool(self.shuffle)

    def _fit_units(self, weighter, fitted, mode, strategy, labels=None):
        """Units, targets, plan and tables from fitted cells (every backend)."""
        table = weighter.weight_table_
        key_columns = unit_columns(fitted.spec, mode)
        units = Units(fitted, mode, table, key_columns)
        targets = strategy.targets(self, units, weighter, labels)
        self._plan = DrawingPlan(units.counts, targets, fresh=strategy.fresh)
        base = table.iloc[units.table_rows][key_columns].reset_index(drop=True)
        self.cell_table_ = strategy.table(units, targets, base)
        # Dicts of Python keys cost ~200 bytes a unit: built when first read.
        self._unit_dicts = _UnitDicts(units, targets, strategy)
        self.epoch_size_ = self._plan.size
        self._units = units
        if self.schedule is not None:
            check_schedule(self, strategy, weighter)
            self._scheduled = ScheduledDraws(
                self.schedule,
                strategy,
                units=units,
                targets=np.asarray(targets),
                weighter=weighter,
                labels=labels,
            )
        return units


def _digest(data):
    """A short, stable digest of bytes (the same in every process)."""
    return hashlib.blake2b(data, digest_size=8).hexdigest()


def _stable(value):
    """A parameter as text that is the same in every process (no addresses)."""
    if isinstance(value, np.generic):  # numpy 1 and 2 print scalars differently
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return repr(value)
    if isinstance(value, dict):
        return repr(sorted((repr(k), _stable(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return repr([_stable(v) for v in value])
    if hasattr(value, "get_params"):
        return type(value).__name__ + _stable(value.get_params(deep=False))
    return type(value).__qualname__


def _table_bytes(table):
    """The content of a table as bytes, for its digest."""
    try:
        hashed = pd.util.hash_pandas_object(table, index=False).to_numpy()
    except TypeError:  # values pandas cannot hash (mixed, unhashable): their text
        return table.to_csv(index=False).encode()
    return np.ascontiguousarray(hashed).tobytes() + repr(list(table.columns)).encode()
