"""The balance report of cell totals, and of a fitted weighter.

:func:`weighter_report` computes, from a fitted weighter's ``weight_table_``
alone, the shares of every stratum x group x label cell before and after
weighting, how far the weighted shares are from balance, and the Kish
effective sample size; :func:`report_from_cells` does the same for any cell
totals (used by :func:`skweight.diagnostics.balance_report`).
"""

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.utils.validation import check_is_fitted

from ..engine.modes import GROUP_AXIS, LABEL_AXIS, MODES
from .health import combination_ids, lacking_units

__all__ = ["effective_sample_size", "report_from_cells", "weighter_report"]


def effective_sample_size(sample_weight: ArrayLike) -> float:
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
        raise ValueError(f"sample_weight must be 1-D; got an array of shape {w.shape}.")
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValueError("sample_weight must be finite and non-negative.")
    top = float(w.max()) if w.size else 0.0
    if top <= 0:
        return 0.0
    # Scale by a power of two (exact) near the largest weight: no overflow
    # at 1e200, no underflow at 1e-200, the same result otherwise.
    w = np.ldexp(w, -int(np.frexp(top)[1]))
    return float(w.sum()) ** 2 / float(np.dot(w, w))


def weighter_report(weighter: Any, *, balance: str | None = None) -> pd.DataFrame:
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
        the balance the weighter was fit for, measured from its
        ``target_shares`` where it has them (from equal shares otherwise).

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
        check_balance(balance, "weighter_report")
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
    # With target_shares, the deviation of the fitted mode is from the targets.
    targets = None
    if "target_share" in table and balance in (None, "auto", mode):
        targets = table["target_share"].to_numpy(dtype=np.float64)
    return report_from_cells(
        table[keys],
        table["count"].to_numpy(),
        before,
        before * factor,
        before * factor**2,
        strata=strata,
        groups=list(group_names),
        label=label,
        balance=mode if balance in (None, "auto") else balance,
        targets=targets,
    )


# ---------------------------------------------------------------------- #
# The report, on the small table of cells
# ---------------------------------------------------------------------- #
def _per(ids, values):
    """Sum of ``values`` over each id, gathered back to the rows."""
    return np.bincount(ids, weights=values)[ids]


def _divide(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / b, np.nan)


def _unit_shares(frame, strata, unit, s, weights, totals):
    """Weighted share of each row's unit in its stratum, and 1 / #units."""
    u = combination_ids(frame, strata + unit)
    _, first = np.unique(u, return_index=True)
    n_units = np.bincount(s[first], minlength=s.max() + 1)[s]
    return _divide(_per(u, weights), totals), 1.0 / n_units


def check_balance(balance, where):
    if balance != "auto" and balance not in MODES:
        raise ValueError(
            f"The 'balance' parameter of {where} must be one of "
            f"{{'auto', {', '.join(map(repr, MODES))}}}. Got {balance!r} instead."
        )


def report_from_cells(
    keys,
    count,
    before,
    after,
    squares,
    *,
    strata,
    groups,
    label,
    balance,
    weight_range=None,
    targets=None,
):
    """Build the report from per-cell ``count``, weight sums and squares.

    ``targets``: the target share of each cell's unit in its stratum (a
    weighter's ``target_shares``); None: equal shares.
    """
    labels = [label] if label is not None else []
    mode = MODES[balance]
    if mode.needs_label and not labels:
        raise ValueError(f"balance={balance!r} needs the label: pass y.")
    if mode.needs_groups and not groups:
        raise ValueError(f"balance={balance!r} needs groups: pass groups=.")
    frame = keys.reset_index(drop=True).copy()
    count = np.asarray(count, dtype=np.int64)
    before = count.astype(np.float64) if before is None else before
    s = combination_ids(frame, strata)
    total_before, total_after = _per(s, before), _per(s, after)
    share_after = _divide(after, total_after)
    if mode.independence:
        g_share, _ = _unit_shares(frame, strata, groups, s, after, total_after)
        y_share, _ = _unit_shares(frame, strata, labels, s, after, total_after)
        deviation = share_after - g_share * y_share
    else:
        unit = (list(groups) if GROUP_AXIS in mode.unit_axes else []) + (
            labels if LABEL_AXIS in mode.unit_axes else []
        )
        unit_share, target = _unit_shares(frame, strata, unit, s, after, total_after)
        deviation = unit_share - (target if targets is None else targets)
    deviation = np.where(np.abs(deviation) < 1e-12, 0.0, deviation)
    largest = pd.Series(np.abs(deviation)).groupby(s).transform("max").to_numpy()

    frame["count"] = count
    frame["weight_sum"] = after
    frame["share_before"] = _divide(before, total_before)
    frame["share_after"] = share_after
    frame["deviation"] = deviation
    frame["max_deviation"] = largest
    frame["stratum_ess"] = _divide(total_after**2, _per(s, squares))
    lacking = lacking_units(
        s, combination_ids(frame, list(groups)), combination_ids(frame, labels), mode
    )
    frame["balanceable"] = lacking[s] == 0
    n_classes = frame["class"].nunique() if "class" in strata else 1
    frame.attrs.update(
        {
            "balance": balance,
            "strata": list(strata),
            "groups": list(groups),
            "label": label,
            "n_samples": int(count.sum() // n_classes),
            "weight_sum": float(after.sum()),
            "ess": float(after.sum() ** 2 / squares.sum()) if squares.sum() > 0 else 0.0,
            "max_deviation": float(np.nanmax(largest)) if len(largest) else 0.0,
            "unbalanceable_strata": int(np.count_nonzero(lacking)),
        }
    )
    attrs = frame.attrs
    n = attrs["n_samples"]
    attrs["ess_share"] = attrs["ess"] / n if n else 0.0
    attrs["design_effect"] = n / attrs["ess"] if attrs["ess"] > 0 else float("inf")
    total = float(after.sum())
    attrs["largest_cell_share"] = float(after.max()) / total if total > 0 else 0.0
    if weight_range is not None:
        attrs["weight_min"], attrs["weight_max"] = map(float, weight_range)
    return frame
