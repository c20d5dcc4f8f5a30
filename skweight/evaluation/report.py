"""Diagnostics for weights: what a weighting did, and what it costs.

:func:`balance_report` tabulates any weights by stratum x group x label cell:
the shares before and after weighting, how far the weighted shares are from
balance, and the Kish effective sample size per stratum and overall.
:func:`weighter_report` does the same for a fitted weighter from its
``weight_table_`` alone, so it also works after ``partial_fit`` on data that
never was in memory at once. :func:`plot_balance` draws a report.

The cell counts come from the weighting engine itself (the key columns read
by :func:`~skweight.engine.reading.read_keys` and counted by a
:class:`~skweight.engine.cells.CellCounter`, as in the weighters), so the
report counts exactly what the weighters count. :class:`ChunkedBalanceReport`
counts rows that come in chunks.
"""

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ..engine.backends import Inputs
from ..engine.cells import CellCounter
from ..engine.frames import ColumnKey
from ..engine.reading import frame_of, read_keys
from ..weighting.report import (
    check_balance,
    effective_sample_size,
    report_from_cells,
    weighter_report,
)
from .plotting import plot_balance

__all__ = [
    "ChunkedBalanceReport",
    "balance_report",
    "effective_sample_size",
    "plot_balance",
    "weighter_report",
]


def balance_report(
    X: Any,
    y: ArrayLike | None = None,
    sample_weight: ArrayLike | None = None,
    *,
    groups: ColumnKey = None,
    strata: ColumnKey = None,
    balance: str = "auto",
    sensitive_features: ArrayLike | None = None,
    strata_features: ArrayLike | None = None,
    handle_missing: str = "error",
) -> pd.DataFrame:
    """Tabulate weights by stratum x group x label cell.

    One row per non-empty cell: its row count, the sum of its weights, its
    share of the stratum before weighting (rows) and after (weights), how far
    the weighted shares are from balance, and the Kish effective sample size
    of the stratum. Overall figures are in the report's ``attrs``.

    Parameters
    ----------
    X : {array-like, DataFrame} of shape (n_samples, n_features) or None
        The rows; only the columns named by ``groups`` and ``strata`` are
        read. None when the keys come as ``sensitive_features`` /
        ``strata_features`` arrays.
    y : array-like of shape (n_samples,) or (n_samples, n_classes), \
            default=None
        Labels (or a 0/1 multi-label indicator matrix). None reports groups
        only.
    sample_weight : array-like of shape (n_samples,), default=None
        The weights to assess, e.g. a weighter's ``fit_weight`` output. None
        reports the data as they are (shares after = shares before).
    groups, strata : str, int, list of str or int, default=None
        Group and stratum columns of ``X``, named as for
        :class:`~skweight.GroupBalancedWeighter`.
    balance : {"auto", "label", "groups", "joint", "independence"}, \
            default="auto"
        The balance the ``deviation`` column measures, inside each stratum:
        equal weight per class (``"label"``), per group (``"groups"``), per
        group x label cell (``"joint"``), or the label independent of the
        group (``"independence"``). ``"auto"``: ``"groups"`` when there are
        groups, else ``"label"`` (the weighters' default).
    sensitive_features, strata_features : array-like or DataFrame, \
            default=None
        Group and stratum columns as arrays, instead of ``groups`` and
        ``strata``.
    handle_missing : {"error", "category"}, default="error"
        Missing values in a group or stratum column: an error, or a level of
        their own.

    Returns
    -------
    report : pandas.DataFrame
        The key columns (strata, groups, label), then:

        - ``count``: rows in the cell;
        - ``weight_sum``: sum of the cell's weights;
        - ``share_before``, ``share_after``: the cell's share of its stratum,
          in rows and in weight;
        - ``deviation``: weighted share of the cell's balancing unit (its
          class, group or cell) minus the share balance gives it, ``1 / K``
          for ``K`` units in the stratum; for ``"independence"``, the cell's
          weighted share minus the product of its group's and its label's;
        - ``max_deviation``: the largest absolute deviation in the stratum;
        - ``stratum_ess``: Kish effective sample size of the stratum's
          weights;
        - ``balanceable``: whether the stratum has every balancing unit that
          occurs in some stratum (a category where a gender is absent or
          alone cannot be balanced: its deviation of 0 means nothing there).

        ``report.attrs`` holds ``balance``, the column roles (``strata``,
        ``groups``, ``label``) and the overall ``n_samples``, ``weight_sum``,
        ``ess``, ``max_deviation`` and ``unbalanceable_strata`` (how many
        strata are not ``balanceable``), and a summary of the weights:
        ``ess_share`` (``ess / n_samples``), ``design_effect`` (Kish's,
        ``n_samples / ess``), ``largest_cell_share`` (of the total weight,
        carried by one cell), ``weight_min`` and ``weight_max``.

    See Also
    --------
    weighter_report : The report of a fitted weighter, from its table alone.
    plot_balance : Draw a report.
    effective_sample_size : Kish's effective sample size of weights.

    Examples
    --------
    >>> import pandas as pd
    >>> from skweight import GroupBalancedWeighter
    >>> from skweight.diagnostics import balance_report
    >>> X = pd.DataFrame({"category": ["a", "a", "a", "b", "b"],
    ...                   "gender": ["f", "f", "m", "f", "m"]})
    >>> w = GroupBalancedWeighter(groups="gender", strata="category").fit_weight(X)
    >>> report = balance_report(X, sample_weight=w, groups="gender",
    ...                         strata="category")
    >>> report[["category", "gender", "count", "share_before", "share_after"]]
      category gender  count  share_before  share_after
    0        a      f      2      0.666667          0.5
    1        a      m      1      0.333333          0.5
    2        b      f      1      0.500000          0.5
    3        b      m      1      0.500000          0.5
    >>> report["max_deviation"].tolist()
    [0.0, 0.0, 0.0, 0.0]
    >>> round(report.attrs["ess"], 3)
    4.651
    """
    check_balance(balance, "balance_report")
    cells = ChunkedBalanceReport(
        groups=groups, strata=strata, use_label=y is not None, handle_missing=handle_missing
    )
    cells.add(
        X,
        y,
        sample_weight,
        sensitive_features=sensitive_features,
        strata_features=strata_features,
    )
    return cells.report(balance)


# ---------------------------------------------------------------------- #
# Accumulating cell totals (in one go, or chunk by chunk)
# ---------------------------------------------------------------------- #
class ChunkedBalanceReport:
    """A balance report counted chunk by chunk, in one pass of the engine.

    :func:`balance_report` for rows that come in chunks (a file read in
    pieces, a stream of batches): :meth:`add` counts each chunk's rows, sum
    of weights and sum of squared weights per stratum x group x label cell,
    with one :class:`~skweight.engine.cells.CellCounter`; :meth:`report`
    tabulates them. Memory is one chunk plus the cells that occur; the
    report equals :func:`balance_report` of all the rows at once.

    Parameters
    ----------
    groups, strata : str, int, list of str or int, default=None
        Group and stratum columns of ``X``, named as for
        :class:`~skweight.GroupBalancedWeighter`.
    use_label : bool, default=True
        Whether the chunks have a label ``y`` (then it is a key of the cells).
    handle_missing : {"error", "category"}, default="error"
        Missing values in a group or stratum column: an error, or a level of
        their own.

    See Also
    --------
    balance_report : The report of rows in memory.

    Examples
    --------
    >>> import pandas as pd
    >>> from skweight.diagnostics import ChunkedBalanceReport
    >>> X = pd.DataFrame({"category": ["a", "a", "a", "b", "b"],
    ...                   "gender": ["f", "f", "m", "f", "m"]})
    >>> y = [1, 0, 1, 0, 1]
    >>> report = ChunkedBalanceReport(groups="gender", strata="category")
    >>> for rows in (slice(0, 2), slice(2, 5)):
    ...     _ = report.add(X[rows], y[rows], sample_weight=[1.0, 2.0, 1.0][:len(X[rows])])
    >>> table = report.report()
    >>> table[["category", "gender", "label", "count", "weight_sum"]]
      category gender  label  count  weight_sum
    0        a      f      0      1         2.0
    1        a      f      1      1         1.0
    2        a      m      1      1         1.0
    3        b      f      0      1         2.0
    4        b      m      1      1         1.0
    """

    def __init__(self, *, groups=None, strata=None, use_label=True, handle_missing="error"):
        self.groups, self.strata, self.use_label = groups, strata, use_label
        self.handle_missing = handle_missing
        self._counter = None
        self._low, self._high = np.inf, -np.inf  # the weights' range

    def add(
        self,
        X,
        y=None,
        sample_weight=None,
        *,
        sensitive_features=None,
        strata_features=None,
    ):
        """Count one chunk of rows with its weights.

        Parameters
        ----------
        X, y, sensitive_features, strata_features
            As for :func:`balance_report`.
        sample_weight : array-like of shape (n_samples,), default=None
            The chunk's weights (finite, non-negative); None: weight 1.

        Returns
        -------
        self : ChunkedBalanceReport
        """
        if self.use_label and y is None:
            raise ValueError(
                "y is None, but this report counts a label (use_label=True); "
                "pass y, or create the report with use_label=False."
            )
        inputs = Inputs(
            X, y if self.use_label else None, None, sensitive_features, strata_features
        )
        name = type(self).__name__
        has_groups = self.groups is not None or sensitive_features is not None
        frame = frame_of(inputs, name)
        keys = read_keys(
            frame,
            inputs,
            groups=self.groups,
            strata=self.strata,
            balance=_mode(has_groups, self.use_label),
            name=name,
        )
        weights = _check_weights(sample_weight, frame.n_rows)
        if self._counter is None:
            self._counter = CellCounter(keys.spec, squares=True)
        elif keys.spec != self._counter.spec:
            raise ValueError(
                f"These rows make the cells {list(keys.spec.key_columns)}, earlier "
                f"chunks made {list(self._counter.spec.key_columns)}."
            )
        located = self._counter.encode(
            keys.strata,
            keys.groups,
            keys.label_codes,
            learn=True,
            handle_missing=self.handle_missing,
            handle_unknown="error",
        )
        self._counter.add(located, weights)
        if weights is None:
            self._low, self._high = min(self._low, 1.0), max(self._high, 1.0)
        elif weights.size:
            self._low = min(self._low, float(weights.min()))
            self._high = max(self._high, float(weights.max()))
        return self

    def report(self, balance="auto"):
        """The report of all rows added so far (see :func:`balance_report`)."""
        check_balance(balance, "ChunkedBalanceReport.report")
        counter = self._counter
        if counter is None:
            raise ValueError("No rows were added to the report.")
        spec = counter.spec
        canonical = counter.canonical()
        keys = pd.DataFrame(counter.cell_keys(canonical.order))
        strata = list(spec.strata) + (["class"] if spec.multilabel else [])
        if balance == "auto":
            balance = "groups" if spec.groups else "label"
        return report_from_cells(
            keys,
            canonical.gather(counter.rows),
            None,
            canonical.gather(counter.weighted),
            canonical.gather(counter.squared),
            strata=strata,
            groups=list(spec.groups),
            label=spec.label,
            balance=balance,
            weight_range=(self._low, self._high),
        )


def _check_weights(sample_weight, n_rows):
    """The weights of a report: 1-D, one per row, finite, non-negative (zeros too)."""
    if sample_weight is None:
        return None
    weights = np.asarray(sample_weight, dtype=np.float64)
    if weights.ndim != 1:
        raise ValueError(
            "sample_weight must be 1-D (one weight per row); got shape "
            f"{weights.shape}. Report a multi-label weight matrix one column at a time."
        )
    if weights.size != n_rows:
        raise ValueError(f"sample_weight has {weights.size} weights for {n_rows} rows.")
    bad = ~np.isfinite(weights) | (weights < 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"sample_weight must hold finite, non-negative numbers; "
            f"row {row} holds {weights[row]!r}."
        )
    return weights


def _mode(has_groups, label):
    """The balance mode whose cells are every key the report has."""
    if has_groups:
        return "joint" if label else "groups"
    if label:
        return "label"
    raise ValueError(
        "A balance report needs groups, a label or both: pass groups= "
        "(or sensitive_features=) and/or y."
    )
