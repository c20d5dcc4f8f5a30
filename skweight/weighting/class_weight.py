"""User class weights (``class_weight=``) as one factor per label level.

scikit-learn's meaning: ``{class: weight}``, classes not named weigh 1; a
named class that ``y`` does not have is an error unless every class of
``y`` is named. :func:`~skweight.weighting.factors.balanced_factors`
multiplies them into the balanced factors, before the caps.
"""

import numpy as np
import pandas as pd

from ..engine.encode import as_python as _plain
from .shares import check_amount

__all__ = ["class_factors", "per_class_factors", "tag_factors", "tag_row_weights"]


def class_factors(counter, class_weight, mode_name, *, strict=True):
    """``class_weight`` as one factor per learned label level (1 if not named).

    Parameters
    ----------
    counter : CellCounter
    class_weight : dict or list of one dict
    mode_name : str
        The balance mode, for the message when the label is not used.
    strict : bool, default=True
        Raise for a named class ``y`` does not have (scikit-learn's rule).
        False for a chunk of ``partial_fit``: later chunks may have it.

    Returns
    -------
    factors : ndarray of float of shape (n_levels,)
    """
    if counter.multilabel or counter.label is None:
        raise ValueError(
            "class_weight weighs the classes of 1-D labels; this weighter "
            + (
                "has a multi-label target."
                if counter.multilabel
                else f"does not use the label (balance={mode_name!r})."
            )
        )
    levels = counter.label.levels
    if isinstance(class_weight, list):  # one dict per output; y has one
        if len(class_weight) != 1:
            raise ValueError(
                f"class_weight is a list of {len(class_weight)} dicts (one per "
                "output) but y has one output; pass one dict, or a 2-D y."
            )
        class_weight = class_weight[0] if class_weight[0] is not None else {}
    rows = counter.label_rows()
    factors = np.ones(len(levels))
    named = np.zeros(len(levels), dtype=bool)
    unknown = []
    for key, value in class_weight.items():
        value = check_amount(value, f"class_weight[{key!r}]")
        lookup = (
            [key]
            if isinstance(levels, pd.RangeIndex)
            else pd.Index([_plain(key)], dtype=object)
        )
        position = levels.get_indexer(lookup)[0]
        if position < 0 or rows[position] == 0:
            unknown.append(key)
            continue
        factors[position] = float(value)
        named[position] = True
    present = rows > 0
    if strict and unknown and not named[present].all():
        classes = [_plain(v) for v in counter.label.present_levels(present)]
        one = " y has one class only." if len(classes) == 1 else ""
        raise ValueError(
            f"class_weight names {unknown!r}, which y does not have (its classes: "
            f"{classes}).{one}"
        )
    return factors


def per_class_factors(weighter, classes=None):
    """The factor of each class of a fitted weighter, for per-class loss weights.

    The factor of a class must be the same in every group and stratum of the
    weighter's table (a label-only weighter, or one whose groups/strata do not
    change the class factors).

    Parameters
    ----------
    weighter : GroupBalancedWeighter or EffectiveNumberWeighter
        Fitted on 1-D class labels.
    classes : array-like, default=None
        Every fitted class once, in the order wanted; None:
        ``weighter.classes_``.

    Returns
    -------
    factors : ndarray of float64 of shape (n_classes,)
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(weighter, "weight_table_")
    if getattr(weighter, "tag_weights_", None) is not None:  # a multi-label target
        tags = pd.Series(weighter.tag_weights_, index=weighter.classes_)
        return _in_order(tags, weighter.classes_, classes)
    if not hasattr(weighter, "classes_"):
        raise ValueError(
            "The weighter does not use the label (balance='groups'): it has no "
            "class weights. Use per-row weights (WeightedDataset) instead."
        )
    table = weighter.weight_table_
    label = weighter.cell_spec_.label
    per_class = table.groupby(label, sort=False, observed=True)["factor"]
    per_class = per_class.agg(["min", "max"])
    varies = ~np.isclose(per_class["min"], per_class["max"], rtol=1e-9, atol=0)
    if varies.any():
        name = per_class.index[np.flatnonzero(varies)[0]]
        low, high = per_class.loc[name, ["min", "max"]]
        name = _plain(name)
        raise ValueError(
            f"The weighter's factor of class {name!r} varies from {low:.4g} to "
            f"{high:.4g} across groups or strata, so no single class weight "
            "represents it. Use per-row weights with WeightedDataset and "
            "weighted_mean instead."
        )
    return _in_order(per_class["min"], weighter.classes_, classes)


def _in_order(factors, fitted, classes):
    """``factors`` (a Series by class) in the order of ``classes`` (None: fitted).

    ``classes`` must list every fitted class once: a loss would otherwise
    weigh a class with another's weight.
    """
    wanted = fitted if classes is None else np.asarray(classes)
    missing = [c for c in wanted.tolist() if c not in factors.index]
    if missing:
        raise ValueError(
            f"Class(es) {missing} were not seen by the weighter; it knows "
            f"{np.asarray(fitted).tolist()}."
        )
    wanted_list = [_plain(c) for c in wanted.tolist()]
    left_out = [
        _plain(c) for c in np.asarray(fitted).tolist() if _plain(c) not in wanted_list
    ]
    repeated = sorted({c for c in wanted_list if wanted_list.count(c) > 1}, key=repr)
    if left_out or repeated:
        wrong = f"it leaves out {left_out}" if left_out else f"it repeats {repeated}"
        raise ValueError(
            f"classes must list every fitted class once, in the order of the model's "
            f"outputs; {wrong} (got {wanted_list}; the weighter knows "
            f"{[_plain(c) for c in fitted]}): the loss would weigh a class "
            "with another's weight."
        )
    return factors.loc[list(wanted)].to_numpy(dtype=np.float64)


def tag_factors(positives, scheme):
    """One weight per tag of a multi-label target, from the tags' positive counts.

    The scheme's raw factor of each tag's positive count ``n_c`` (``totals``:
    all positives), scaled to sum to the number of tags: for the inverse
    scheme ``C (1 / n_c) / sum_j (1 / n_j)`` (INS), for ``sqrt_inverse``
    ISNS, for the effective number ENS (Cui et al. 2019). A tag without
    positives gets 0 (no row carries it).

    Parameters
    ----------
    positives : ndarray of shape (n_tags,)
        Weighted positive count of each tag.
    scheme : Scheme
        The weighter's scheme.

    Returns
    -------
    weights : ndarray of float64 of shape (n_tags,)
    """
    positives = np.asarray(positives, dtype=np.float64)
    present = positives > 0
    weights = np.zeros(positives.size)
    if not present.any():
        return weights
    counts = positives[present]
    raw = np.asarray(scheme.func(counts, np.full(counts.size, counts.sum())), dtype=float)
    weights[present] = raw * present.sum() / raw.sum()
    return weights


def tag_row_weights(Y, weights, *, reduce="mean"):
    """One weight per row of a 0/1 indicator ``Y``: its positive tags' weights reduced.

    Parameters
    ----------
    Y : array-like of 0/1 of shape (n_samples, n_tags)
    weights : ndarray of shape (n_tags,)
        Per-tag weights (``tag_weights_``).
    reduce : {"mean", "max"}, default="mean"
        The mean or the largest weight of a row's positive tags. A row
        without positive tags weighs 1.

    Returns
    -------
    row_weights : ndarray of float64 of shape (n_samples,)
    """
    if reduce not in ("mean", "max"):
        raise ValueError(f"reduce must be 'mean' or 'max'; got {reduce!r}.")
    Y = np.asarray(Y)
    if Y.ndim != 2 or Y.shape[1] != len(weights):
        raise ValueError(
            f"Y must be a 0/1 matrix with one column per tag ({len(weights)}); got "
            f"shape {Y.shape}."
        )
    positive = Y.astype(bool)
    n_positive = positive.sum(axis=1)
    if reduce == "mean":
        total = positive.astype(np.float64) @ np.asarray(weights, dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = total / n_positive
    else:
        out = np.where(positive, np.asarray(weights, dtype=np.float64), -np.inf).max(axis=1)
    return np.where(n_positive > 0, out, 1.0)
