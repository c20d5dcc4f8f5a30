"""The public sequence shared by every weighter.

:class:`BaseWeighter` validates the input, reads the key columns through the
engine's dataframe boundary, counts cells and turns counts into factors. A
concrete weighter only says which scheme it uses (:meth:`BaseWeighter._scheme`).
Inputs that are not in memory (dask, lazy frames) go to the backend registered
for them (:mod:`skweight.engine.backends`), which counts on its engine and
hands back a small :class:`~skweight.engine.backends.CountTable`.
"""

from abc import ABCMeta, abstractmethod
from numbers import Real
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

from .._compat import ColumnKeys, Interval, RegistryOptions, StrOptions, validate_params
from ..engine.backends import Inputs, KeyRoles, backend_for
from ..engine.cells import CellCounter, FittedCells
from ..engine.frames import FrameView, as_key_list, plain_2d
from ..engine.modes import MODES, resolve_mode
from ..engine.reading import frame_of, read_keys
from .cell_access import CellAccessMixin
from .class_weight import class_factors, tag_factors
from .factors import counter_factors
from .health import warn_issues
from .multioutput import fit_outputs, output_table, outputs_of, weigh_outputs
from .report import weighter_report
from .shares import cell_target_shares

__all__ = ["BaseWeighter", "FittedCells"]

KEY_SPEC = [None, ColumnKeys()]


_W = TypeVar("_W", bound="BaseWeighter")


class BaseWeighter(CellAccessMixin, BaseEstimator, metaclass=ABCMeta):
    """Base class for weighters: fit on keys, return ``sample_weight``.

    Subclasses implement ``_scheme()`` returning a
    :class:`~skweight.weighting.schemes.Scheme`. Not for direct use.
    """

    _parameter_constraints = {
        "groups": KEY_SPEC,
        "strata": KEY_SPEC,
        "balance": [RegistryOptions(MODES, extra={"auto"})],
        "normalize": [StrOptions({"mean", "cells"}), None],
        "strength": [Interval(Real, 0, 1, closed="both")],
        "max_weight": [Interval(Real, 1, None, closed="left"), None],
        "trim_quantile": [Interval(Real, 0, 1, closed="neither"), None],
        "handle_unknown": [StrOptions({"error", "ignore", "zero"})],
        "handle_missing": [StrOptions({"error", "category"})],
        "class_weight": [dict, list, None],
        "target_type": [StrOptions({"auto", "multilabel", "multioutput"})],
        "warn_thresholds": [dict, None],
        "target_shares": [dict, None],
    }

    # ------------------------------------------------------------------ #
    # Public API
    # ------------------------------------------------------------------ #
    def fit(
        self: _W,
        X: Any,
        y: ArrayLike | None = None,
        *,
        sample_weight: ArrayLike | None = None,
        sensitive_features: ArrayLike | None = None,
        strata_features: ArrayLike | None = None,
    ) -> _W:
        """Learn the weight table from the cell counts of ``X, y``.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features) or None
            Rows to count: any dataframe (pandas, polars, pyarrow; dask and
            lazy frames are counted on their engine), an array or None. Only
            the columns named by ``groups`` and ``strata`` are read.
        y : array-like of shape (n_samples,) or (n_samples, n_classes), \
                or str, default=None
            Class labels, or a 0/1 indicator matrix for a multi-label
            target, or the name of the label's column in ``X``. Needed
            unless ``balance="groups"``.
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
        self._fit(
            Inputs(X, y, sample_weight, sensitive_features, strata_features), reset=True
        )
        warn_issues(self._issues(), stacklevel=3)
        return self

    def partial_fit(
        self: _W,
        X: Any,
        y: ArrayLike | None = None,
        *,
        sample_weight: ArrayLike | None = None,
        sensitive_features: ArrayLike | None = None,
        strata_features: ArrayLike | None = None,
    ) -> _W:
        """Add the cell counts of one chunk of rows to the weight table.

        Counts from successive chunks add up exactly, so the factors after the
        last chunk equal those of :meth:`fit` on all rows at once, bit for
        bit whatever the order of the chunks and of their rows; with
        fractional ``sample_weight`` the weighted counts are float sums taken
        in another order, equal to :meth:`fit`'s to within about ``n * 1e-16``
        relative, ``n`` the rows of the largest cell (the bound of float
        summation; see the user guide on larger-than-memory data). A
        chunk costs its own rows: the factors are computed from the cells
        when weights are next asked for.
        Unlike :meth:`fit`, it does not warn about degraded weights (the
        table is not complete yet): call
        :func:`skweight.diagnostics.weight_warnings` after the last chunk.

        Parameters
        ----------
        X, y, sample_weight, sensitive_features, strata_features
            As in :meth:`fit`, for one chunk.

        Returns
        -------
        self : object
            The weighter, with counts accumulated.
        """
        self._partial = True  # class_weight may name classes of later chunks
        try:
            self._fit(
                Inputs(X, y, sample_weight, sensitive_features, strata_features),
                reset=not (hasattr(self, "_counter") or hasattr(self, "estimators_")),
            )
        finally:
            del self._partial
        return self

    def fit_weight(
        self,
        X: Any,
        y: ArrayLike | None = None,
        *,
        sample_weight: ArrayLike | None = None,
        sensitive_features: ArrayLike | None = None,
        strata_features: ArrayLike | None = None,
    ) -> np.ndarray:
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
            ready for ``fit(X, y, sample_weight=weights)``. For a dask
            DataFrame, a lazy dask Series (DataFrame for a multi-label
            target); for a lazy frame, the frame with a ``weight`` column.
        """
        inputs = Inputs(X, y, sample_weight, sensitive_features, strata_features)
        backend = backend_for(*inputs)
        if backend is not None:
            self._fit(inputs, reset=True, backend=backend)
            warn_issues(self._issues(), stacklevel=3)
            return backend.weigh(inputs, self, fitted_rows=True)
        located, keys = self._fit(inputs, reset=True, backend=False)
        warn_issues(self._issues(), stacklevel=3)
        if keys is None:  # a multi-output target
            return weigh_outputs(self, inputs)
        return self._gather(located, keys.sample_weight)

    def weight(
        self,
        X: Any,
        y: ArrayLike | None = None,
        *,
        sample_weight: ArrayLike | None = None,
        sensitive_features: ArrayLike | None = None,
        strata_features: ArrayLike | None = None,
    ) -> np.ndarray:
        """Return the weights the fitted table gives to the rows of ``X``.

        Parameters
        ----------
        X, y, sample_weight, sensitive_features, strata_features
            As in :meth:`fit`; any rows, e.g. a later batch.

        Returns
        -------
        weights : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The learned factor of each row's cell, times ``sample_weight``;
            lazy for dask and lazy frames, as in :meth:`fit_weight`.
        """
        check_is_fitted(self)
        inputs = Inputs(X, y, sample_weight, sensitive_features, strata_features)
        backend = backend_for(*inputs)
        if backend is not None:
            return backend.weigh(inputs, self, fitted_rows=False)
        if hasattr(self, "estimators_"):
            return weigh_outputs(self, inputs)
        keys = self._read_keys(inputs, reset=False)
        located = self._counter.encode(
            keys.strata,
            keys.groups,
            keys.label.codes if keys.label else None,
            learn=False,
            handle_missing=self.handle_missing,
            handle_unknown=self.handle_unknown,
        )
        return self._gather(located, keys.sample_weight, check_unseen=True)

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
        return weighter_report(self, balance=balance)

    @property
    def weight_table_(self):
        """One row per non-empty cell: keys, counts and factor (see class doc)."""
        check_is_fitted(self, "n_cells_")
        if self._weight_table is None and hasattr(self, "estimators_"):
            self._weight_table = output_table(self)
        if self._weight_table is None:
            table = self._counter.cell_frame(self._factors)
            if getattr(self, "_cell_targets", None) is not None:
                table["target_share"] = self._cell_targets
            self._weight_table = table
        return self._weight_table

    # ------------------------------------------------------------------ #
    # The layer's protocol for resamplers and backends
    # ------------------------------------------------------------------ #
    @property
    def cell_spec_(self):
        """The fitted :class:`~skweight.engine.cells.CellSpec` (key columns)."""
        check_is_fitted(self, "n_cells_")
        if hasattr(self, "estimators_"):
            raise ValueError(
                "This weighter was fit on a multi-output y: each output has its own "
                "cells, in estimators_[k] (e.g. estimators_[0].balance_report())."
            )
        return self._counter.spec

    @property
    def balance_mode_(self):
        """The fitted balance mode, ``"auto"`` resolved."""
        check_is_fitted(self, "n_cells_")
        if hasattr(self, "estimators_"):
            return self.estimators_[0].balance_mode_
        return self._mode.name

    def _count_table(self, table, *, reset):
        """Count a backend's :class:`~skweight.engine.backends.CountTable`.

        Returns where the table's rows (one per key combination) fall.
        """
        if reset:
            self._reset()
        located, _ = self._count(
            table.inputs, reset=reset, rows=table.rows, weighted=table.weighted
        )
        if reset:
            self.n_features_in_ = table.n_features
            if table.feature_names is not None:
                self.feature_names_in_ = table.feature_names
        return located

    # ------------------------------------------------------------------ #
    # Fitting
    # ------------------------------------------------------------------ #
    @abstractmethod
    def _scheme(self):
        """Return the :class:`~skweight.weighting.schemes.Scheme` to apply."""

    def key_params(self):
        """The key columns this weighter reads, and its balance mode.

        Its ``groups``, ``strata`` and ``balance`` parameters, or what a
        weighter whose cells come from other parameters (the margins of
        :class:`~skweight.RakingWeighter`) reads: engines and resamplers ask.

        Returns
        -------
        groups, strata : str, int, list or None
            The group and stratum columns, as the ``groups`` and ``strata``
            parameters take them.
        balance : str
            A balance mode's name, or ``"auto"``.
        """
        return self.groups, self.strata, self.balance

    def _validate(self):
        """Validate the parameters (a valid set of plain values is checked once)."""
        validate_params(self)
        self._check_params()

    def _check_params(self):
        """Checks of parameters that depend on each other."""
        trim = getattr(self, "trim_quantile", None)
        if self.normalize is None and (
            self.strength != 1 or self.max_weight is not None or trim is not None
        ):
            raise ValueError(
                "normalize=None returns the scheme's raw factors, which strength, "
                f"max_weight and trim_quantile cannot act on; got strength={self.strength!r}"
                f", max_weight={self.max_weight!r}, trim_quantile={trim!r}. Use "
                "normalize='mean' or 'cells' with them."
            )

    def _reset(self, validated=False):
        if not validated:
            self._validate()
        for attr in (
            "_counter",
            "_mode",
            "_weight_table",
            "_factor_table",
            "classes_",
            "pos_weight_",
            "tag_weights_",
            "n_cells_",
            "n_features_in_",
            "feature_names_in_",
            "estimators_",
            "n_outputs_",
        ):
            if attr in vars(self):
                delattr(self, attr)

    def _fit(self, inputs, *, reset, backend=None):
        """Count the rows of ``inputs``; return ``(ids, keys)`` (in memory)."""
        if backend is None:
            backend = backend_for(*inputs)
        if not backend:
            if reset:
                self._validate()
            outputs = outputs_of(self, inputs)
            if outputs is not None or (not reset and hasattr(self, "estimators_")):
                if outputs is None or (not reset and hasattr(self, "_counter")):
                    raise ValueError(
                        "These rows' y does not match the fit: a multi-output y "
                        "and a single target cannot be mixed in partial_fit."
                    )
                self._fit_outputs(inputs, outputs, reset=reset)
                return None, None
        if backend:
            if reset:
                self._validate()  # before anything runs on the engine
            groups, strata, _ = self.key_params()
            roles = KeyRoles(groups, strata, type(self).__name__, self.handle_missing)
            self._count_table(backend.count(inputs, roles), reset=reset)
            return None, None
        if reset:
            self._reset(validated=True)
        return self._count(inputs, reset=reset)

    def _fit_outputs(self, inputs, outputs, *, reset):
        """One weighter per output of a multi-output ``y`` (:mod:`.multioutput`)."""
        if reset:
            self._reset()
        estimators = fit_outputs(
            self,
            None if reset else self.estimators_,
            inputs,
            outputs,
            partial=getattr(self, "_partial", False),
        )
        self.estimators_ = estimators
        self.n_outputs_ = len(estimators)
        self.classes_ = [e.classes_ for e in estimators]
        self.n_cells_ = int(sum(e.n_cells_ for e in estimators))
        for attr in ("n_features_in_", "feature_names_in_"):
            if hasattr(estimators[0], attr):
                setattr(self, attr, getattr(estimators[0], attr))
        self._weight_table = None

    def _count(self, inputs, *, reset, rows=None, weighted=None):
        """Encode and count; ``rows``/``weighted``: a backend's count table."""
        keys = self._read_keys(inputs, reset=reset, counted=rows is not None)
        if reset:
            self._mode = keys.mode
            self._counter = CellCounter(keys.spec)
        elif (keys.spec, keys.mode) != (self._counter.spec, self._mode):
            raise ValueError(self._spec_mismatch(keys))
        label = keys.label.codes if keys.label is not None else None
        located = self._counter.encode(
            keys.strata,
            keys.groups,
            label,
            learn=True,
            handle_missing=self.handle_missing,
            handle_unknown="error",
        )
        if rows is None:
            self._counter.add(located, keys.sample_weight)
        else:
            self._counter.add(located, weighted, rows=rows)
        self._update_fitted()
        return located, keys

    def _read_keys(self, inputs, *, reset, counted=False):
        """Validate the inputs; return the key columns (:class:`~skweight.engine.reading.Keys`)."""
        name = type(self).__name__
        X = inputs.X
        frame = frame_of(inputs, name)
        if X is not None and not counted:
            X = self._check_X(X, frame, reset)
            if X is not frame.native:
                frame = FrameView(X)
        groups, strata, balance = self.key_params()
        return read_keys(
            frame, inputs, groups=groups, strata=strata, balance=balance, name=name
        )

    def _check_X(self, X, frame, reset):
        """Check ``X`` and its feature names (n_features_in_ at fit)."""
        if frame.kind in ("array", "sparse"):
            if plain_2d(X) and (
                reset
                or (
                    X.shape[1] == getattr(self, "n_features_in_", None)
                    and not hasattr(self, "feature_names_in_")
                )
            ):
                if reset:  # what validate_data would find, without its cost
                    self.n_features_in_ = X.shape[1]
                    vars(self).pop("feature_names_in_", None)
                return X
            return validate_data(
                self,
                X,
                reset=reset,
                dtype=None,
                accept_sparse=True,
                ensure_all_finite=False,
            )
        if reset:
            names = frame.columns
            if names and all(isinstance(c, str) for c in names):
                # scikit-learn's rule for string column names, without its
                # conversion of the whole frame's header per call.
                self.n_features_in_ = len(names)
                self.feature_names_in_ = np.asarray(names, dtype=object)
                return X
        # Applying a fitted table needs only the key columns, by name.
        if reset or not _names_keys_only(self):
            validate_data(self, X, reset=reset, skip_check_array=True)
        return X

    def _spec_mismatch(self, keys):
        old, new = self._counter.spec, keys.spec
        diffs = []
        if self._mode != keys.mode:
            diffs.append(
                f"balance mode: {self._mode.name!r} at fit, {keys.mode.name!r} now"
            )
        for what, a, b in (
            ("stratum columns", old.strata, new.strata),
            ("group columns", old.groups, new.groups),
            ("label", old.label, new.label),
            ("label columns", old.classes, new.classes),
        ):
            if a != b:
                a, b = (list(v) if isinstance(v, tuple) else v for v in (a, b))
                diffs.append(f"{what}: {a!r} at fit, {b!r} now")
        return (
            "These rows do not match what the weighter was fit on ("
            + "; ".join(diffs)
            + ")."
        )

    def _update_fitted(self):
        """The fitted attributes after counting; factors now (fit) or when needed."""
        counter = self._counter
        self._weight_table = None  # built on first access of weight_table_
        self._factor_table = None
        if counter.multilabel:
            self.classes_ = np.asarray(counter.spec.classes)
            pos = counter.class_totals()
            with np.errstate(divide="ignore"):
                self.pos_weight_ = pos[:, 0] / pos[:, 1]
            self.tag_weights_ = tag_factors(pos[:, 1], self._scheme())
        elif counter.label is not None:
            self.classes_ = counter.label.present_levels(
                counter.present(len(counter.spec.key_columns) - 1)
            )
        self.n_cells_ = counter.n_cells
        self._strict_classes = not getattr(self, "_partial", False)
        if self._strict_classes:  # partial_fit: when the factors are needed
            self._update_factors()

    @property
    def _factors(self):
        """The factor of each cell (stored order), computed when first needed."""
        if self._factor_table is None:
            self._update_factors()
        return self._factor_table

    def _canonical_factors(self):
        """Weighted counts and factors of the cells in canonical order, once.

        The arrays computed with the factors are handed over (and not kept:
        they would double the weighter's memory); later calls gather them.
        """
        if self._factor_table is None:
            self._update_factors()
        cells = self._cell_factors
        if cells.counts is None:
            canonical = self._counter.canonical()
            return (
                canonical.gather(self._counter.weighted),
                canonical.gather(self._factor_table),
            )
        self._cell_factors = cells._replace(counts=None, factors=None)
        return cells.counts, cells.factors

    def _update_factors(self):
        targets = getattr(self, "target_shares", None)
        strict = getattr(self, "_strict_classes", True)
        if targets is not None:
            targets = cell_target_shares(self._counter, targets, self._mode, strict=strict)
        self._cell_targets = targets
        per_class = None
        if getattr(self, "class_weight", None) is not None:
            per_class = class_factors(
                self._counter,
                self.class_weight,
                self._mode.name,
                strict=getattr(self, "_strict_classes", True),
            )
        self._cell_factors = counter_factors(
            self._counter,
            per_class,
            mode=self._mode,
            scheme=self._scheme(),
            strength=self.strength,
            max_weight=self.max_weight,
            normalize=self.normalize,
            trim_quantile=getattr(self, "trim_quantile", None),
            target_shares=targets,
        )
        self._factor_table = self._cell_factors.stored
        self._weight_table = None

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # X's columns are keys (any hashable values), never numbers to compute with.
        # Missing keys are refused unless they are a level of their own.
        groups, strata, balance = self.key_params()
        reads_X = groups not in (None, [], ()) or strata not in (None, [], ())
        tags.input_tags.allow_nan = self.handle_missing == "category" or not reads_X
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        tags.input_tags.sparse = True  # a key column of a sparse X is read densely
        tags.target_tags.required = resolve_mode(
            balance if balance in MODES else "auto", groups is not None
        ).needs_label
        return tags


def _names_keys_only(weighter):
    """Whether the weighter names every key column it reads by name."""
    groups, strata, _ = weighter.key_params()
    keys = as_key_list(groups) + as_key_list(strata)
    return all(isinstance(k, str) for k in keys)
