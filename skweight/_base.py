"""The public sequence shared by every weighter.

:class:`BaseWeighter` validates the input, finds the key columns, drives the
counting engine (:mod:`skweight._cells`) and turns counts into factors
(:mod:`skweight._schemes`). A concrete weighter only says which scheme it uses
(:meth:`BaseWeighter._scheme`).
"""

from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _dask
from ._cells import _CellCounter
from ._compat import Interval, StrOptions, check_sample_weight, validate_params
from ._keys import check_label, resolve_keys
from ._schemes import BALANCE_MODES, balanced_factors

_KEY_SPEC = [None, str, Integral, list, tuple]
_NEEDS_LABEL = ("label", "joint", "independence")
_NEEDS_GROUPS = ("groups", "joint", "independence")


class BaseWeighter(BaseEstimator, metaclass=ABCMeta):
    """Base class for weighters: fit on keys, return ``sample_weight``.

    Subclasses implement ``_scheme()`` returning ``(func, exact_inverse)``
    as :func:`skweight._schemes.make_scheme` does. Not for direct use.
    """

    _parameter_constraints = {
        "groups": _KEY_SPEC,
        "strata": _KEY_SPEC,
        "balance": [StrOptions({"auto", *BALANCE_MODES})],
        "normalize": [StrOptions({"mean", "cells"}), None],
        "strength": [Interval(Real, 0, 1, closed="both")],
        "max_weight": [Interval(Real, 1, None, closed="left"), None],
        "handle_unknown": [StrOptions({"error", "ignore"})],
        "handle_missing": [StrOptions({"error", "category"})],
    }

    # ------------------------------------------------------------------ #
    # Public API
    # ------------------------------------------------------------------ #
    def fit(self, X, y=None, *, sample_weight=None, sensitive_features=None,
            strata_features=None):
        """Learn the weight table from the cell counts of ``X, y``.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Rows to count. Only the columns named by ``groups`` and
            ``strata`` are read.
        y : array-like of shape (n_samples,) or (n_samples, n_classes), \
                default=None
            Class labels, or a 0/1 indicator matrix for a multi-label
            target. Needed unless ``balance="groups"``.
        sample_weight : array-like of shape (n_samples,), default=None
            Incoming (e.g. survey) weights: cell counts become weighted counts
            and the learned factors multiply them.
        sensitive_features : array-like or DataFrame, default=None
            Group columns as arrays, instead of naming them with ``groups``.
        strata_features : array-like or DataFrame, default=None
            Stratum columns as arrays, instead of naming them with ``strata``.

        Returns
        -------
        self : object
            The fitted weighter.
        """
        if _dask.is_dask(X, y, sample_weight, sensitive_features, strata_features):
            return _dask.fit(self, X, y, sample_weight, sensitive_features,
                             strata_features)
        self._fit_ids(X, y, sample_weight, sensitive_features, strata_features,
                      reset=True)
        return self

    def partial_fit(self, X, y=None, *, sample_weight=None,
                    sensitive_features=None, strata_features=None):
        """Add the cell counts of one chunk of rows to the weight table.

        Counts from successive chunks add up exactly, so the factors after the
        last chunk equal those of :meth:`fit` on all rows at once.

        Parameters
        ----------
        X, y, sample_weight, sensitive_features, strata_features
            As in :meth:`fit`, for one chunk.

        Returns
        -------
        self : object
            The weighter, with counts accumulated.
        """
        if _dask.is_dask(X, y, sample_weight, sensitive_features, strata_features):
            return _dask.partial_fit(self, X, y, sample_weight, sensitive_features,
                                     strata_features)
        reset = not hasattr(self, "_counter")
        self._fit_ids(X, y, sample_weight, sensitive_features, strata_features,
                      reset=reset)
        return self

    def fit_weight(self, X, y=None, *, sample_weight=None,
                   sensitive_features=None, strata_features=None):
        """Fit, then return the weights of the same rows.

        Equal to ``fit(X, y).weight(X, y)``, in one pass over the rows.

        Parameters
        ----------
        X, y, sample_weight, sensitive_features, strata_features
            As in :meth:`fit`.

        Returns
        -------
        weights : ndarray of shape (n_samples,) or (n_samples, n_classes)
            One weight per row (per row and class for a multi-label target),
            ready for ``fit(X, y, sample_weight=weights)``.
        """
        if _dask.is_dask(X, y, sample_weight, sensitive_features, strata_features):
            return _dask.fit_weight(self, X, y, sample_weight, sensitive_features,
                                    strata_features)
        ids, _, sample_weight = self._fit_ids(
            X, y, sample_weight, sensitive_features, strata_features, reset=True
        )
        return self._gather(ids, None, sample_weight)

    def weight(self, X, y=None, *, sample_weight=None, sensitive_features=None,
               strata_features=None):
        """Return the weights the fitted table gives to the rows of ``X``.

        Parameters
        ----------
        X, y, sample_weight, sensitive_features, strata_features
            As in :meth:`fit`; any rows, e.g. a later batch.

        Returns
        -------
        weights : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The learned factor of each row's cell, times ``sample_weight``.
        """
        if _dask.is_dask(X, y, sample_weight, sensitive_features, strata_features):
            return _dask.weight(self, X, y, sample_weight, sensitive_features,
                                strata_features)
        check_is_fitted(self)
        keys = self._prepare(X, y, sample_weight, sensitive_features,
                             strata_features, reset=False)
        strata, groups, label, sample_weight = keys
        ids, unknown = self._counter.encode(
            strata, groups, label, learn=False,
            handle_missing=self.handle_missing, handle_unknown=self.handle_unknown,
        )
        return self._gather(ids, unknown, sample_weight, check_unseen=True)

    def _fit_cells(self, X, y=None, *, sample_weight=None,
                   sensitive_features=None, strata_features=None):
        """Fit, and return each row's cell for the resamplers.

        Returns
        -------
        ids : ndarray of shape (n_samples,)
            Flat index of each row's cell in a table of shape ``shape3``:
            ``ids == (s * n_groups + g) * n_labels + y``.
        shape3 : tuple of int
            ``(n_strata, n_groups, n_labels)``; ``n_groups`` is 1 without
            groups and ``n_labels`` is 1 when the label is not used.
        """
        ids, _, _ = self._fit_ids(X, y, sample_weight, sensitive_features,
                                  strata_features, reset=True)
        if self._counter.multilabel:
            raise ValueError(
                "Resampling needs 1-D class labels; got a multi-label indicator "
                "matrix. Use a weighter's (n_samples, n_classes) weights instead."
            )
        return ids, self._counter.shape3

    def balance_report(self, *, balance=None):
        """The balance report of the rows this weighter was fit on.

        Shares per stratum x group x label cell before and after weighting,
        the deviation from balance and the Kish effective sample size,
        computed from ``weight_table_`` alone; see
        :func:`skweight.diagnostics.weighter_report`.

        Parameters
        ----------
        balance : {"label", "groups", "joint", "independence"}, default=None
            The balance the ``deviation`` column measures; None: this
            weighter's.

        Returns
        -------
        report : pandas.DataFrame
            One row per non-empty cell.
        """
        from .diagnostics import weighter_report

        return weighter_report(self, balance=balance)

    def _key_names(self):
        """Names of the fitted key columns: ``(strata, groups, label or None)``.

        They are the key columns of ``weight_table_``.
        """
        counter = self._counter
        label = counter.label.name if counter.label is not None else None
        return ([e.name for e in counter.strata], [e.name for e in counter.groups],
                label)

    # ------------------------------------------------------------------ #
    # Internals shared by the methods above
    # ------------------------------------------------------------------ #
    @abstractmethod
    def _scheme(self):
        """Return ``(func, exact_inverse)`` as ``make_scheme`` does."""

    def _balance_mode(self, has_groups):
        if self.balance != "auto":
            return self.balance
        return "groups" if has_groups else "label"

    def _fit_ids(self, X, y, sample_weight, sensitive_features, strata_features,
                 *, reset, counts=None):
        if reset:
            validate_params(self)
            if self.normalize is None and (self.strength != 1
                                           or self.max_weight is not None):
                raise ValueError(
                    "normalize=None returns the scheme's raw factors, which "
                    "strength and max_weight cannot act on; got strength="
                    f"{self.strength!r}, max_weight={self.max_weight!r}. Use "
                    "normalize='mean' or 'cells' with them."
                )
            for attr in ("_counter", "_spec", "_weight_table", "classes_",
                         "pos_weight_", "n_cells_"):
                if attr in vars(self):
                    delattr(self, attr)
        strata, groups, label, sample_weight = self._prepare(
            X, y, sample_weight, sensitive_features, strata_features, reset=reset
        )
        ids, _ = self._counter.encode(
            strata, groups, label, learn=True,
            handle_missing=self.handle_missing, handle_unknown="error",
        )
        if counts is None:
            self._counter.add(ids, sample_weight)
        else:  # rows aggregated elsewhere: (rows, weighted) per row of X
            self._counter.add_counts(ids, *counts)
        self._update_factors()
        return ids, label, sample_weight

    def _prepare(self, X, y, sample_weight, sensitive_features, strata_features,
                 *, reset):
        """Validate inputs; return ``(strata, groups, label, sample_weight)``."""
        name = type(self).__name__
        if X is None:
            X = _placeholder_X(y, sensitive_features, strata_features, name)
        if isinstance(X, pd.DataFrame):
            # Applying a fitted table needs only the key columns, by name.
            if reset or not _names_keys_only(self):
                X = validate_data(self, X, reset=reset, skip_check_array=True)
            if X.shape[0] == 0:
                raise ValueError(
                    f"Found array with 0 sample(s) (shape={X.shape}) while a "
                    f"minimum of 1 is required by {name}."
                )
        else:
            X = validate_data(self, X, reset=reset, dtype=None,
                              ensure_all_finite=False)
        n_samples = X.shape[0]
        groups = resolve_keys(X, self.groups, sensitive_features, param="groups",
                              kwarg="sensitive_features", estimator_name=name,
                              n_samples=n_samples)
        strata = resolve_keys(X, self.strata, strata_features, param="strata",
                              kwarg="strata_features", estimator_name=name,
                              n_samples=n_samples)
        balance = self._balance_mode(bool(groups))
        overlap = {n for n, _ in groups} & {n for n, _ in strata}
        if overlap:
            raise ValueError(
                f"Column(s) {sorted(overlap)} are both groups and strata; a "
                "column can play one role only."
            )
        if balance in _NEEDS_GROUPS and not groups:
            raise ValueError(
                f"balance={balance!r} needs group columns: set groups= (column "
                "names or positions of X) or pass sensitive_features= to fit."
            )
        if balance == "label" and groups:
            raise ValueError(
                "balance='label' balances classes only and would ignore the "
                "group columns; drop groups, or choose balance='joint' or "
                "'independence' to use them."
            )
        n_classes = label_names = None
        if balance in _NEEDS_LABEL:
            if y is None:
                raise ValueError(
                    f"{name} requires y to be passed, but the target y is None "
                    f"(balance={balance!r} uses the label)."
                )
            y, n_classes, label_names = check_label(y, n_samples)
        else:
            y = None
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, X)

        spec = (balance, [n for n, _ in strata], [n for n, _ in groups],
                y is not None, n_classes)
        if reset:
            self._spec = spec
            self._make_counter(y, strata, groups, n_classes, label_names)
        elif spec != self._spec:
            raise ValueError(self._spec_mismatch(spec))
        return ([v for _, v in strata], [v for _, v in groups], y, sample_weight)

    def _spec_mismatch(self, spec):
        old = self._spec
        what = ["balance mode", "stratum columns", "group columns",
                "use of the label", "number of label columns"]
        diffs = [f"{w}: {a!r} at fit, {b!r} now"
                 for w, a, b in zip(what, old, spec) if a != b]
        return ("These rows do not match what the weighter was fit on ("
                + "; ".join(diffs) + ").")

    def _make_counter(self, y, strata, groups, n_classes, label_names):
        names = {n for n, _ in strata} | {n for n, _ in groups}
        label_name = None
        if y is not None:
            label_name = "label"
            y_name = getattr(y, "name", None)
            if isinstance(y_name, str) and y_name not in names and n_classes is None:
                label_name = y_name
        self._label_names = label_names
        self._counter = _CellCounter([n for n, _ in strata], [n for n, _ in groups],
                                     label_name, n_classes)

    def _update_factors(self):
        counter = self._counter
        balance = self._spec[0]
        scheme, exact_inverse = self._scheme()
        counts3 = counter.weighted.reshape(counter.shape3)
        factors = balanced_factors(
            counts3, balance=balance, scheme=scheme, exact_inverse=exact_inverse,
            strength=self.strength, max_weight=self.max_weight,
            normalize=self.normalize,
        ).reshape(counter.shape)
        factors[counter.rows == 0] = np.nan
        self._factors = factors.ravel()
        # The factor of a row whose cell is unknown: the mean factor of a row.
        total = counter.weighted.sum()
        self._neutral = (
            float(np.nansum(counter.weighted * factors) / total) if total > 0 else 1.0
        )
        self._weight_table = None  # built on first access of weight_table_
        if counter.multilabel:
            classes = self._label_names or np.arange(counter.n_classes)
            self.classes_ = np.asarray(classes)
            pos = counter.weighted.reshape(counter.shape3)
            pos = pos.reshape(-1, counter.n_classes, pos.shape[1], 2).sum(axis=(0, 2))
            with np.errstate(divide="ignore"):
                self.pos_weight_ = pos[:, 0] / pos[:, 1]
        elif counter.label is not None:
            present = counter.rows.sum(axis=tuple(range(counter.rows.ndim - 1))) > 0
            self.classes_ = _sorted_levels(counter.label.levels[present])
        self.n_cells_ = int(np.count_nonzero(counter.rows))

    @property
    def weight_table_(self):
        """One row per non-empty cell: keys, counts and factor (see class doc)."""
        check_is_fitted(self, "n_cells_")
        if self._weight_table is None:
            counter = self._counter
            table = counter.cell_frame(self._factors.reshape(counter.shape))
            if counter.multilabel:
                table["class"] = self.classes_[table["class"].to_numpy()]
            self._weight_table = table
        return self._weight_table

    def _gather(self, ids, unknown, sample_weight, check_unseen=False):
        factors = np.take(self._factors, ids)
        if check_unseen:
            unseen = np.isnan(factors)
            if unknown is not None:
                unseen |= unknown if factors.ndim == 1 else unknown[:, None]
            if unseen.any():
                if self.handle_unknown == "error":
                    raise ValueError(self._unseen_message(ids, unseen))
                factors[unseen] = self._neutral
        if sample_weight is not None:
            if factors.ndim == 2:
                factors *= sample_weight[:, None]
            else:
                factors *= sample_weight
        return factors

    def _unseen_message(self, ids, unseen):
        rows = np.flatnonzero(unseen.any(axis=1) if unseen.ndim == 2 else unseen)
        flat = ids[rows[0]] if ids.ndim == 1 else ids[rows[0]][unseen[rows[0]]][0]
        cell = np.unravel_index(flat, self._counter.shape)
        keys = self._counter.encoders
        axes = list(range(len(self._counter.strata)))
        if self._counter.multilabel:
            axes += list(range(len(axes) + 1, len(cell) - 1))
        else:
            axes += list(range(len(axes), len(cell)))
        desc = ", ".join(
            f"{e.name}={e.levels[cell[a]]!r}" for e, a in zip(keys, axes)
        )
        return (
            f"{rows.size} row(s) fall in cells that had no rows during fit "
            f"(first at row {rows[0]}: {desc}). Pass handle_unknown='ignore' to "
            "give them the neutral factor."
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # X's columns are keys (any hashable values), never numbers to compute with.
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        has_groups = self.groups is not None
        tags.target_tags.required = self._balance_mode(has_groups) in _NEEDS_LABEL
        return tags


def _sorted_levels(levels):
    """Return levels as an array, sorted when their values allow it."""
    values = np.asarray(levels)
    try:
        return np.sort(values)
    except TypeError:
        return values


def _placeholder_X(y, sensitive_features, strata_features, name):
    """An empty-column frame standing in for ``X=None`` (labels-only use)."""
    for values in (y, sensitive_features, strata_features):
        if values is not None:
            n_samples = len(values) if not isinstance(values, dict) else len(
                next(iter(values.values())))
            return pd.DataFrame(index=pd.RangeIndex(n_samples))
    raise ValueError(
        f"{name} got X=None and nothing else to count: pass X, y, or "
        "sensitive_features."
    )


def _names_keys_only(weighter):
    """Whether the weighter names every key column it reads by name."""
    specs = [weighter.groups, weighter.strata]
    keys = [k for spec in specs if spec is not None
            for k in ([spec] if isinstance(spec, (str, Integral)) else spec)]
    return all(isinstance(k, str) for k in keys)
