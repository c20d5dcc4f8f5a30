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
from sklearn.utils.validation import check_is_fitted

from ..weighting.weighters import GroupBalancedWeighter
from .plotting import plot_balance

__all__ = [
    "balance_report",
    "effective_sample_size",
    "plot_balance",
    "weighter_report",
]

_BALANCE = ("auto", "label", "groups", "joint", "independence")
_VALUES = ["count", "weight_sum", "share_before", "share_after", "deviation",
           "max_deviation", "stratum_ess"]


def effective_sample_size(sample_weight):
    """Kish's effective sample size of a weight vector.

    ``(sum w) ** 2 / sum(w ** 2)``: the number of equally weighted rows that
    would give an estimate of a mean the same variance as the weighted rows.
    It equals the number of rows for equal weights and shrinks as weights
    spread out.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,)
        Non-negative weights.

    Returns
    -------
    ess : float
        The effective sample size (0 for all-zero weights).

    References
    ----------
    .. [1] L. Kish, "Survey Sampling", Wiley, 1965.

    Examples
    --------
    >>> from skweight.diagnostics import effective_sample_size
    >>> effective_sample_size([1, 1, 1, 1])
    4.0
    >>> effective_sample_size([3, 1, 1, 1])
    3.0
    """
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.ndim != 1:
        raise ValueError(
            f"sample_weight must be 1-D; got an array of shape {w.shape}."
        )
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValueError("sample_weight must be finite and non-negative.")
    squares = float(np.dot(w, w))
    return float(w.sum()) ** 2 / squares if squares > 0 else 0.0


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
        ``ess`` and ``max_deviation``.

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
    _check_balance(balance, "balance_report")
    cells = _CellTotals(groups=groups, strata=strata, label=y is not None,
                        handle_missing=handle_missing)
    cells.add(X, y, sample_weight, sensitive_features=sensitive_features,
              strata_features=strata_features)
    return cells.report(balance)


def weighter_report(weighter, *, balance=None):
    """The balance report of a fitted weighter, for the rows it was fit on.

    Computed from ``weighter.weight_table_`` alone (counts, weighted counts
    and factors), so it needs no data and works after ``partial_fit`` on
    chunks. "Before" is the data as the weighter saw them (weighted by any
    ``sample_weight`` given to ``fit``), "after" is with the weighter's
    weights.

    Parameters
    ----------
    weighter : fitted weighter
        E.g. a fitted :class:`~skweight.GroupBalancedWeighter`.
    balance : {"label", "groups", "joint", "independence"}, default=None
        The balance the ``deviation`` column measures; None (or ``"auto"``):
        the balance the weighter was fit for.

    Returns
    -------
    report : pandas.DataFrame
        As :func:`balance_report`, one row per cell of the weighter's table.
        Without incoming ``sample_weight`` the effective sample sizes are
        Kish's, exactly. With incoming weights ``d`` they are those of the
        factors over the weighted counts, ``(sum d f) ** 2 / sum d f ** 2``
        (the table does not hold ``sum d ** 2``); for Kish's on the final
        weights use ``balance_report(X, y, weighter.weight(X, y, ...))``.

    See Also
    --------
    balance_report : The report of any weights for given rows.

    Examples
    --------
    >>> from skweight import GroupBalancedWeighter
    >>> from skweight.diagnostics import weighter_report
    >>> y = ["pos"] * 6 + ["neg"] * 2
    >>> weighter = GroupBalancedWeighter().fit(None, y)
    >>> report = weighter_report(weighter)
    >>> report[["label", "count", "weight_sum", "share_before", "share_after"]]
      label  count  weight_sum  share_before  share_after
    0   neg      2         4.0          0.25          0.5
    1   pos      6         4.0          0.75          0.5
    >>> report.attrs["ess"]
    6.0
    """
    if balance is not None:
        _check_balance(balance, "weighter_report")
    check_is_fitted(weighter, "weight_table_")
    spec = getattr(weighter, "cell_spec_", None)
    if spec is None:
        raise TypeError(
            f"weighter_report needs a skweight weighter; got {type(weighter).__name__}."
        )
    mode = weighter.balance_mode_
    table = weighter.weight_table_
    keys = list(spec.key_columns)
    strata = list(spec.strata) + (["class"] if spec.multilabel else [])
    label = spec.label
    group_names = spec.groups
    before = table["weighted_count"].to_numpy(dtype=np.float64)
    factor = table["factor"].to_numpy(dtype=np.float64)
    return _report(table[keys], table["count"].to_numpy(), before,
                   before * factor, before * factor ** 2,
                   strata=strata, groups=list(group_names), label=label,
                   balance=mode if balance in (None, "auto") else balance)


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
        else:
            squares = None
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
        return _report(frame[keys], frame["count"].to_numpy(), None, weights,
                       frame["squares"].to_numpy(dtype=np.float64),
                       strata=strata, groups=list(group_names), label=label,
                       balance=balance)


# ---------------------------------------------------------------------- #
# The report, on the small table of cells
# ---------------------------------------------------------------------- #
def _ids(frame, columns):
    """Integer id of each row's combination of ``columns`` (0 without any)."""
    if not columns:
        return np.zeros(len(frame), dtype=np.intp)
    return frame.groupby(columns, sort=False, dropna=False).ngroup().to_numpy()


def _per(ids, values):
    """Sum of ``values`` over each id, gathered back to the rows."""
    return np.bincount(ids, weights=values)[ids]


def _divide(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / b, np.nan)


def _unit_shares(frame, strata, unit, s, weights, totals):
    """Weighted share of each row's unit in its stratum, and 1 / #units."""
    u = _ids(frame, strata + unit)
    _, first = np.unique(u, return_index=True)
    n_units = np.bincount(s[first], minlength=s.max() + 1)[s]
    return _divide(_per(u, weights), totals), 1.0 / n_units


def _check_balance(balance, where):
    if balance not in _BALANCE:
        raise ValueError(
            f"The 'balance' parameter of {where} must be one of "
            f"{set(_BALANCE)}. Got {balance!r} instead."
        )


def _report(keys, count, before, after, squares, *, strata, groups, label, balance):
    """Build the report from per-cell ``count``, weight sums and squares."""
    labels = [label] if label is not None else []
    if balance in ("label", "joint", "independence") and not labels:
        raise ValueError(f"balance={balance!r} needs the label: pass y.")
    if balance in ("groups", "joint", "independence") and not groups:
        raise ValueError(f"balance={balance!r} needs groups: pass groups=.")
    frame = keys.reset_index(drop=True).copy()
    count = np.asarray(count, dtype=np.int64)
    before = count.astype(np.float64) if before is None else before
    s = _ids(frame, strata)
    total_before, total_after = _per(s, before), _per(s, after)
    share_after = _divide(after, total_after)
    if balance == "independence":
        g_share, _ = _unit_shares(frame, strata, groups, s, after, total_after)
        y_share, _ = _unit_shares(frame, strata, labels, s, after, total_after)
        deviation = share_after - g_share * y_share
    else:
        unit = {"label": labels, "groups": groups, "joint": groups + labels}[balance]
        unit_share, target = _unit_shares(frame, strata, unit, s, after, total_after)
        deviation = unit_share - target
    deviation = np.where(np.abs(deviation) < 1e-12, 0.0, deviation)
    largest = pd.Series(np.abs(deviation)).groupby(s).transform("max").to_numpy()

    frame["count"] = count
    frame["weight_sum"] = after
    frame["share_before"] = _divide(before, total_before)
    frame["share_after"] = share_after
    frame["deviation"] = deviation
    frame["max_deviation"] = largest
    frame["stratum_ess"] = _divide(total_after ** 2, _per(s, squares))
    n_classes = frame["class"].nunique() if "class" in strata else 1
    frame.attrs.update({
        "balance": balance,
        "strata": list(strata),
        "groups": list(groups),
        "label": label,
        "n_samples": int(count.sum() // n_classes),
        "weight_sum": float(after.sum()),
        "ess": float(after.sum() ** 2 / squares.sum()) if squares.sum() > 0 else 0.0,
        "max_deviation": float(np.nanmax(largest)) if len(largest) else 0.0,
    })
    return frame
