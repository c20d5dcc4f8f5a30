"""Diagnostics for weights: what a weighting did, and what it costs.

:func:`balance_report` tabulates any weights by stratum x group x label cell:
the shares before and after weighting, how far the weighted shares are from
balance, and the Kish effective sample size per stratum and overall.
:func:`weighter_report` does the same for a fitted weighter from its
``weight_table_`` alone, so it also works after ``partial_fit`` on data that
never was in memory at once. :func:`plot_balance` draws a report.

The cell counts come from the weighting engine itself (a
:class:`~skweight.GroupBalancedWeighter` fitted with the weights as
``sample_weight``), so the report counts exactly what the weighters count.
"""

import numpy as np
import pandas as pd

from ..weighting.report import (
    check_balance,
    effective_sample_size,
    report_from_cells,
    weighter_report,
)
from ..weighting.weighters import GroupBalancedWeighter
from .plotting import plot_balance

__all__ = [
    "balance_report",
    "effective_sample_size",
    "plot_balance",
    "weighter_report",
]



def balance_report(X, y=None, sample_weight=None, *, groups=None, strata=None,
                   balance="auto", sensitive_features=None,
                   strata_features=None, handle_missing="error"):
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
          weights.

        ``report.attrs`` holds ``balance``, the column roles (``strata``,
        ``groups``, ``label``) and the overall ``n_samples``, ``weight_sum``,
        ``ess`` and ``max_deviation``, and a summary of the weights:
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
    cells = _CellTotals(groups=groups, strata=strata, label=y is not None,
                        handle_missing=handle_missing)
    cells.add(X, y, sample_weight, sensitive_features=sensitive_features,
              strata_features=strata_features)
    return cells.report(balance)


# ---------------------------------------------------------------------- #
# Accumulating cell totals (in one go, or chunk by chunk)
# ---------------------------------------------------------------------- #
class _CellTotals:
    """Sums of rows, weights and squared weights per cell, from the engine.

    Two :class:`GroupBalancedWeighter` count the cells: one with the weights
    as ``sample_weight`` (rows and weight sums), one with their squares.
    Chunks whose weights are all zero (which the engine refuses as
    ``sample_weight``) are counted by a third, unweighted one.
    """

    def __init__(self, *, groups, strata, label, handle_missing="error"):
        self.groups, self.strata, self.label = groups, strata, label
        self.handle_missing = handle_missing
        self._sums = self._squares = self._zeros = None
        self._low, self._high = np.inf, -np.inf  # the weights' range

    def _new(self, has_groups):
        if has_groups and self.label:
            mode = "joint"
        elif has_groups:
            mode = "groups"
        elif self.label:
            mode = "label"
        else:
            raise ValueError(
                "A balance report needs groups, a label or both: pass groups= "
                "(or sensitive_features=) and/or y."
            )
        return GroupBalancedWeighter(groups=self.groups, strata=self.strata,
                                     balance=mode, handle_missing=self.handle_missing)

    def add(self, X, y=None, sample_weight=None, **keys):
        """Count one chunk of rows with its weights (None: weight 1)."""
        has_groups = self.groups is not None or keys.get("sensitive_features") is not None
        if self.label and y is None:
            raise ValueError("y is None, but earlier chunks had a label.")
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
            if sample_weight.ndim != 1:
                raise ValueError(
                    "sample_weight must be 1-D (one weight per row); got shape "
                    f"{sample_weight.shape}. Report a multi-label weight matrix "
                    "one column at a time."
                )
            squares = sample_weight ** 2
            if sample_weight.size:
                self._low = min(self._low, float(sample_weight.min()))
                self._high = max(self._high, float(sample_weight.max()))
        else:
            squares = None
            self._low, self._high = min(self._low, 1.0), max(self._high, 1.0)
        if sample_weight is not None and not np.any(sample_weight):
            # All-zero weights: rows count, weights add nothing.
            self._zeros = self._zeros or self._new(has_groups)
            self._zeros.partial_fit(X, y, **keys)
            return self
        if self._sums is None:
            self._sums, self._squares = self._new(has_groups), self._new(has_groups)
        self._sums.partial_fit(X, y, sample_weight=sample_weight, **keys)
        self._squares.partial_fit(X, y, sample_weight=squares, **keys)
        return self

    def report(self, balance="auto"):
        """The report of all rows added so far."""
        fitted = self._sums if self._sums is not None else self._zeros
        if fitted is None:
            raise ValueError("No rows were added to the report.")
        spec = fitted.cell_spec_
        table = fitted.weight_table_
        keys = list(spec.key_columns)
        frame = table[keys].copy()
        if self._sums is None:
            frame["count"] = table["count"]
            frame["weight_sum"] = frame["squares"] = 0.0
        else:
            frame["count"] = table["count"]
            frame["weight_sum"] = table["weighted_count"]
            frame["squares"] = self._squares.weight_table_["weighted_count"]
            if self._zeros is not None:
                zeros = self._zeros.weight_table_[keys + ["count"]]
                frame = (pd.concat([frame, zeros], ignore_index=True)
                         .groupby(keys, sort=False, dropna=False).sum()
                         .reset_index())
        strata = list(spec.strata) + (["class"] if spec.multilabel else [])
        label = spec.label
        group_names = spec.groups
        if balance == "auto":
            balance = "groups" if group_names else "label"
        weights = frame["weight_sum"].to_numpy(dtype=np.float64)
        return report_from_cells(frame[keys], frame["count"].to_numpy(), None, weights,
                       frame["squares"].to_numpy(dtype=np.float64),
                       strata=strata, groups=list(group_names), label=label,
                       balance=balance, weight_range=(self._low, self._high))
