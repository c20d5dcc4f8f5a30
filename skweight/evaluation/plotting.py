"""Drawing a balance report with matplotlib (an optional dependency).

matplotlib is imported inside :func:`plot_balance` only, so that importing
:mod:`skweight.diagnostics` never needs it.
"""

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .._compat import import_optional


def _import_figure():
    return import_optional(
        "matplotlib.figure", extra="plot", needed_by="plot_balance"
    ).Figure


def _stratum_labels(index_frame, strata):
    if not strata:
        return ["all rows"] * len(index_frame)
    parts = index_frame[strata].astype(str)
    return parts.agg(" / ".join, axis=1).tolist()


def _shares(report, strata, parts, column):
    """Shares of each part (groups, or labels) per stratum: strata x parts."""
    keys = strata + parts
    summed = report.groupby(keys, sort=False, dropna=False)[column].sum()
    table = summed.reset_index()
    rows = _stratum_labels(table, strata)
    cols = table[parts].astype(str).agg(" / ".join, axis=1)
    wide = pd.DataFrame({"stratum": rows, "part": cols, "share": table[column]})
    return wide.pivot_table(
        index="stratum",
        columns="part",
        values="share",
        aggfunc="sum",
        sort=False,
        fill_value=0.0,
    )


def _renamed(index, names):
    """Apply ``class_names`` (a mapping, or a sequence indexed by class) to values."""
    if names is None:
        return index
    lookup = dict(names) if isinstance(names, dict) else dict(enumerate(names))
    return [lookup.get(v, lookup.get(_as_int(v), v)) for v in index]


def _as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def plot_balance(
    report: pd.DataFrame,
    *,
    sample_weight: ArrayLike | None = None,
    bins: int = 30,
    figsize: tuple[float, float] | None = None,
    max_strata: int = 30,
    class_names: Any = None,
) -> Any:
    """Draw a balance report: shares per stratum before/after, and weights.

    Three panels: the share of each group (each class when the report has no
    groups) inside each stratum before weighting and after, as stacked
    horizontal bars, one per stratum with the most unbalanced (before
    weighting) on top, and a histogram of the weights.

    Parameters
    ----------
    report : pandas.DataFrame
        A report from :func:`~skweight.diagnostics.balance_report` or
        :func:`~skweight.diagnostics.weighter_report` (its ``attrs`` say
        which columns are strata, groups and label).
    sample_weight : array-like of shape (n_samples,), default=None
        The weights, for the histogram. None: each cell's rows are drawn at
        their mean weight, which is exact for a weighter's own weights
        without incoming ``sample_weight``.
    bins : int, default=30
        Number of histogram bins.
    figsize : tuple of float, default=None
        Figure size in inches; None: 12 inches wide, and a height that grows
        with the number of strata shown.
    max_strata : int or None, default=30
        Show at most this many strata, the most unbalanced before weighting
        (the title says how many there are). None: all of them.
    class_names : sequence or dict, default=None
        Names of the classes, for a report whose classes are numbers (e.g.
        of a multi-label indicator matrix, or encoded labels): a sequence
        indexed by class number, or a mapping from class to name.

    Returns
    -------
    figure : matplotlib.figure.Figure
        The figure, not attached to pyplot: save it with ``figure.savefig``.

    Examples
    --------
    >>> import pandas as pd
    >>> from skweight import GroupBalancedWeighter
    >>> from skweight.diagnostics import plot_balance, weighter_report
    >>> X = pd.DataFrame({"category": ["a", "a", "a", "b", "b"],
    ...                   "gender": ["f", "f", "m", "f", "m"]})
    >>> weighter = GroupBalancedWeighter(groups="gender", strata="category").fit(X)
    >>> figure = plot_balance(weighter_report(weighter))
    >>> [ax.get_title() for ax in figure.axes[:3]]
    ['Before weighting', 'After weighting', 'Weights']
    >>> [t.get_text() for t in figure.axes[0].get_yticklabels()]  # most unbalanced first
    ['a', 'b']
    """
    attrs = getattr(report, "attrs", {})
    if not isinstance(report, pd.DataFrame) or "strata" not in attrs:
        raise ValueError(
            "report must be a DataFrame from balance_report or weighter_report, "
            "with its attrs (the column roles) intact."
        )
    if max_strata is not None and (
        isinstance(max_strata, bool) or not isinstance(max_strata, int) or max_strata < 1
    ):
        raise ValueError(f"max_strata must be an int >= 1 or None; got {max_strata!r}.")
    Figure = _import_figure()
    from matplotlib.ticker import MaxNLocator

    strata = list(attrs["strata"])
    groups = list(attrs["groups"])
    parts = groups or ([attrs["label"]] if attrs["label"] else [])
    what = "group" if groups else "class"
    multilabel = "class" in strata and not groups and bool(attrs["label"])
    report = report.copy()
    if class_names is not None:
        column = "class" if multilabel else attrs["label"]
        if column in report:
            report[column] = _renamed(report[column].tolist(), class_names)
    if multilabel:  # the parts are a class's absence and presence
        report[attrs["label"]] = report[attrs["label"]].map(
            lambda v: {0: "absent", 1: "present"}.get(_as_int(v), v)
        )
    before = _shares(report, strata, parts, "share_before")
    after = _shares(report, strata, parts, "share_after").reindex(
        index=before.index, columns=before.columns, fill_value=0.0
    )

    # The most unbalanced strata first: the largest distance from equal shares.
    spread = (before - 1.0 / max(before.shape[1], 1)).abs().max(axis=1)
    order = spread.sort_values(ascending=False, kind="stable").index
    total = len(order)
    if max_strata is not None:
        order = order[:max_strata]
    before, after = before.loc[order], after.loc[order]
    n_shown = len(order)
    if figsize is None:
        figsize = (12, min(max(3.5, 1.5 + 0.28 * n_shown), 30))
    figure = Figure(figsize=figsize, layout="constrained")
    axes = figure.subplots(1, 3, width_ratios=[4, 4, 3])
    colors = [f"C{i % 10}" for i in range(before.shape[1])]
    y = np.arange(n_shown)[::-1]  # the first stratum on top
    for ax, shares, title in (
        (axes[0], before, "Before weighting"),
        (axes[1], after, "After weighting"),
    ):
        left = np.zeros(n_shown)
        for color, part in zip(colors, shares.columns):
            ax.barh(
                y,
                shares[part].to_numpy(),
                left=left,
                color=color,
                label=str(part),
                height=0.8,
            )
            left += shares[part].to_numpy()
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.6, n_shown - 0.4)
        ax.set_title(title)
        ax.set_xlabel(f"{what} share within stratum")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
    axes[0].set_yticks(y, [str(s) for s in before.index])
    axes[1].set_yticks(y, [""] * n_shown)
    if total > n_shown:
        figure.suptitle(
            f"{n_shown} of {total} strata: the most unbalanced before weighting",
            fontsize="medium",
        )
    axes[1].legend(
        title=" / ".join(map(str, parts)),
        fontsize="small",
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
    )

    if sample_weight is not None:
        values = np.asarray(sample_weight, dtype=np.float64).ravel()
        counts = None
    else:
        cells = report["count"].to_numpy(dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = report["weight_sum"].to_numpy(dtype=np.float64) / cells
        counts = cells
    axes[2].hist(values, bins=bins, weights=counts, color="C0")
    axes[2].set_title("Weights")
    axes[2].set_xlabel("weight")
    axes[2].set_ylabel("rows")
    axes[2].xaxis.set_major_locator(MaxNLocator(nbins=5))
    return figure
