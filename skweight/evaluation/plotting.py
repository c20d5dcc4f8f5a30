"""Drawing a balance report with matplotlib (an optional dependency).

matplotlib is imported inside :func:`plot_balance` only, so that importing
:mod:`skweight.diagnostics` never needs it.
"""

import numpy as np
import pandas as pd

from .._compat import import_optional


def _import_figure():
    return import_optional("matplotlib.figure", extra="plot",
                           needed_by="plot_balance").Figure


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
    return wide.pivot_table(index="stratum", columns="part", values="share",
                            aggfunc="sum", sort=False, fill_value=0.0)


def plot_balance(report, *, sample_weight=None, bins=30, figsize=None):
    """Draw a balance report: shares per stratum before/after, and weights.

    Three panels: the share of each group (each class when the report has no
    groups) inside each stratum before weighting and after, as stacked bars,
    and a histogram of the weights.

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
        Figure size in inches; None: a width that grows with the number of
        strata.

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
    """
    attrs = getattr(report, "attrs", {})
    if not isinstance(report, pd.DataFrame) or "strata" not in attrs:
        raise ValueError(
            "report must be a DataFrame from balance_report or weighter_report, "
            "with its attrs (the column roles) intact."
        )
    Figure = _import_figure()
    strata = list(attrs["strata"])
    parts = list(attrs["groups"]) or ([attrs["label"]] if attrs["label"] else [])
    what = "group" if attrs["groups"] else "class"
    before = _shares(report, strata, parts, "share_before")
    after = _shares(report, strata, parts, "share_after")

    n_strata = len(before)
    if figsize is None:
        figsize = (min(4 + 1.2 * n_strata, 24), 4.5)
    figure = Figure(figsize=figsize, layout="constrained")
    axes = figure.subplots(1, 3, width_ratios=[max(n_strata, 2), max(n_strata, 2), 3])
    colors = [f"C{i % 10}" for i in range(before.shape[1])]
    for ax, shares, title in ((axes[0], before, "Before weighting"),
                              (axes[1], after, "After weighting")):
        bottom = np.zeros(len(shares))
        x = np.arange(len(shares))
        for color, part in zip(colors, shares.columns):
            ax.bar(x, shares[part].to_numpy(), bottom=bottom, color=color,
                   label=str(part), width=0.8)
            bottom += shares[part].to_numpy()
        ax.set_xticks(x, [str(s) for s in shares.index], rotation=45, ha="right")
        ax.set_ylim(0, 1)
        ax.set_title(title)
        ax.set_ylabel(f"{what} share within stratum")
    axes[1].legend(title=" / ".join(map(str, parts)), fontsize="small",
                   loc="upper left", bbox_to_anchor=(1.0, 1.0))

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
    return figure
