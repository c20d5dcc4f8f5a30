"""Class priors of a fitted weighter, for logit adjustment and margins.

Logit adjustment (Menon et al. 2021), Balanced Softmax (Ren et al. 2020) and
LDAM margins (Cao et al. 2019) need the class counts of the training data;
a fitted weighter's ``weight_table_`` holds them already (weighted by any
incoming ``sample_weight``), per stratum and group too. These functions read
them from the table: nothing is counted again.

- :func:`class_priors`: ``P(y)``, or ``P(y | group)`` per group;
- :func:`logit_adjustment`: ``tau * log`` of those priors, the offsets to add
  to logits during training (or to subtract from them after);
- :func:`ldam_margins`: per-class margins proportional to ``n ** -1/4``.
"""

from numbers import Real
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

__all__ = ["class_priors", "ldam_margins", "logit_adjustment"]


def class_priors(weighter: Any, *, by: str | None = None) -> np.ndarray | pd.DataFrame:
    """The class shares of the rows a weighter was fit on.

    Parameters
    ----------
    weighter : GroupBalancedWeighter or EffectiveNumberWeighter
        Fitted on 1-D class labels (the label must be part of its cells).
    by : {None, "groups"}, default=None
        None: ``P(y)`` over all rows. ``"groups"``: ``P(y | g)`` for each
        group of the weighter's group columns.

    Returns
    -------
    priors : ndarray of shape (n_classes,) or DataFrame
        In the order of ``weighter.classes_``; for ``by="groups"`` a frame
        with one row per group (indexed by the group values) and one column
        per class, each row summing to 1 (0 for a class the group lacks).

    Examples
    --------
    >>> import pandas as pd
    >>> from skweight import GroupBalancedWeighter
    >>> from skweight.priors import class_priors
    >>> w = GroupBalancedWeighter().fit(None, ["a", "a", "a", "b"])
    >>> class_priors(w)
    array([0.75, 0.25])
    >>> X = pd.DataFrame({"g": ["f", "f", "m", "m"]})
    >>> w = GroupBalancedWeighter(groups="g", balance="joint").fit(X, [0, 1, 1, 1])
    >>> class_priors(w, by="groups")
         0    1
    g
    f  0.5  0.5
    m  0.0  1.0
    """
    table, spec = _label_table(weighter)
    if by not in (None, "groups"):
        raise ValueError(f"by must be None or 'groups'; got {by!r}.")
    classes = list(weighter.classes_)
    counts = table["weighted_count"].astype(np.float64)
    if by is None:
        per_class = counts.groupby(table[spec.label], observed=True).sum()
        values = per_class.reindex(classes, fill_value=0.0).to_numpy()
        return values / values.sum()
    if not spec.groups:
        raise ValueError(
            "by='groups' needs a weighter with group columns; this one has none "
            f"(balance={weighter.balance_mode_!r})."
        )
    keys = [table[name] for name in spec.groups]
    wide = (
        counts.groupby(keys + [table[spec.label]], observed=True)
        .sum()
        .unstack(spec.label, fill_value=0.0)
    )
    wide = wide.reindex(columns=classes, fill_value=0.0)
    wide.columns = pd.Index(classes)
    return wide.div(wide.sum(axis=1), axis=0)


def logit_adjustment(
    weighter: Any, *, tau: float = 1.0, by: str | None = None
) -> np.ndarray | pd.DataFrame:
    """``tau * log`` of a weighter's class priors: offsets for the logits.

    Adding them to the logits while training with cross-entropy is the
    logit-adjusted loss of Menon et al. (``tau=1``: Balanced Softmax, Ren et
    al.); subtracting them from a plainly trained model's logits is post-hoc
    logit adjustment. Both aim at the balanced error.

    Parameters
    ----------
    weighter : GroupBalancedWeighter or EffectiveNumberWeighter
        Fitted on 1-D class labels.
    tau : float >= 0, default=1.0
        The scale of the offsets.
    by : {None, "groups"}, default=None
        As in :func:`class_priors`: one offset per class, or per group and
        class.

    Returns
    -------
    offsets : ndarray of shape (n_classes,) or DataFrame
        ``-inf`` where a class has no rows (in that group).

    References
    ----------
    .. [1] A. K. Menon et al., "Long-tail learning via logit adjustment",
       ICLR 2021.
    .. [2] J. Ren et al., "Balanced Meta-Softmax for Long-Tailed Visual
       Recognition", NeurIPS 2020.

    Examples
    --------
    >>> from skweight import GroupBalancedWeighter
    >>> from skweight.priors import logit_adjustment
    >>> w = GroupBalancedWeighter().fit(None, [0, 0, 0, 1])
    >>> logit_adjustment(w).round(4)
    array([-0.2877, -1.3863])
    """
    if (
        isinstance(tau, bool)
        or not isinstance(tau, Real)
        or not (np.isfinite(tau) and tau >= 0)
    ):
        raise ValueError(f"tau must be a finite number >= 0; got {tau!r}.")
    priors = class_priors(weighter, by=by)
    with np.errstate(divide="ignore"):
        return tau * np.log(priors)


def ldam_margins(weighter: Any, *, max_margin: float = 0.5) -> np.ndarray:
    """Label-distribution-aware margins: ``C / n ** (1/4)`` per class.

    ``C`` makes the margin of the rarest class ``max_margin`` (0.5 in Cao et
    al.). The LDAM loss subtracts a class's margin from its logit for the
    rows of that class before the softmax.

    Parameters
    ----------
    weighter : GroupBalancedWeighter or EffectiveNumberWeighter
        Fitted on 1-D class labels; the counts are its weighted counts.
    max_margin : float > 0, default=0.5

    Returns
    -------
    margins : ndarray of shape (n_classes,)
        In the order of ``weighter.classes_``.

    References
    ----------
    .. [1] K. Cao et al., "Learning Imbalanced Datasets with Label-
       Distribution-Aware Margin Loss", NeurIPS 2019.

    Examples
    --------
    >>> from skweight import GroupBalancedWeighter
    >>> from skweight.priors import ldam_margins
    >>> w = GroupBalancedWeighter().fit(None, [0] * 80 + [1] * 5)
    >>> ldam_margins(w)
    array([0.25, 0.5 ])
    """
    if (
        isinstance(max_margin, bool)
        or not isinstance(max_margin, Real)
        or not (np.isfinite(max_margin) and max_margin > 0)
    ):
        raise ValueError(f"max_margin must be a finite number > 0; got {max_margin!r}.")
    table, spec = _label_table(weighter)
    counts = (
        table["weighted_count"]
        .astype(np.float64)
        .groupby(table[spec.label], observed=True)
        .sum()
    )
    counts = counts.reindex(list(weighter.classes_), fill_value=0.0).to_numpy()
    # n ** -1/4 relative to the rarest class: no overflow for tiny weights
    raw = (counts.min() / counts) ** 0.25
    return max_margin * raw


def _label_table(weighter):
    """The weight table and cell spec of a weighter fit on 1-D labels."""
    check_is_fitted(weighter, "n_cells_")
    spec = getattr(
        weighter, "cell_spec_", None
    )  # multi-output: an error naming estimators_
    if spec is None:
        raise TypeError(f"Expected a skweight weighter; got {type(weighter).__name__}.")
    if spec.multilabel:
        raise ValueError(
            "The weighter was fit on a multi-label indicator matrix; its per-class "
            "positive rates are pos_weight_ (negatives over positives)."
        )
    if spec.label is None:
        raise ValueError(
            "The weighter does not use the label (balance='groups'), so it has no "
            "class counts; fit it with y."
        )
    return weighter.weight_table_, spec
