"""From a table of cell counts to one weighting factor per cell.

Everything here works on the small count table, never on rows. The table is a
float array of weighted counts with shape ``(n_strata, n_groups, n_labels)``;
each stratum is balanced on its own and keeps its total weight.
"""

import numpy as np

from ..engine.modes import GROUP_AXIS, LABEL_AXIS

__all__ = ["apply_class_weights", "balanced_factors"]

def _stratum_sum(a):
    """Sum over the group and label axes, keeping dims."""
    return a.sum(axis=(GROUP_AXIS, LABEL_AXIS), keepdims=True)


def _rescale_to_totals(unit_counts, factors, totals):
    """Scale ``factors`` per stratum so that ``sum(n * f) == N`` in each stratum."""
    current = _stratum_sum(unit_counts * factors)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(current > 0, totals / current, 0.0)
    return factors * scale


def _expected(counts, totals):
    """Counts expected if the label were independent of the group."""
    group_n = counts.sum(axis=LABEL_AXIS, keepdims=True)
    label_n = counts.sum(axis=GROUP_AXIS, keepdims=True)
    with np.errstate(invalid="ignore"):  # 0 / 0 in a stratum without rows
        return group_n * (label_n / totals)  # the ratio first: no overflow


def balanced_factors(counts, *, mode, scheme, strength=1.0, max_weight=None,
                     normalize="mean", trim_quantile=None):
    """Return per-cell factors for a count table.

    Parameters
    ----------
    counts : ndarray of shape (n_strata, n_groups, n_labels)
        Weighted counts of each cell. Cells with a zero count get factor 0.
    mode : Mode
        The balance mode (:data:`skweight.engine.modes.MODES`).
    scheme : Scheme
        From :func:`skweight.weighting.schemes.make_scheme`.
    strength : float in [0, 1], default=1.0
        Blend between no correction (0) and the full correction (1).
    max_weight : float or None, default=None
        Cap on a factor, as a multiple of the mean factor.
    trim_quantile : float in (0, 1) or None, default=None
        Cap on a factor: its quantile over the rows (weighted counts).
    normalize : {"mean", "cells"} or None, default="mean"
        Final scaling: factors of weighted mean 1 (the weights keep the
        incoming total), unit factors summing to the number of units, or
        none: the scheme's raw factors, with no per-stratum scaling
        (``strength`` and ``max_weight`` must then keep their defaults).

    Returns
    -------
    factors : ndarray of the shape of ``counts``
    """
    counts = np.asarray(counts, dtype=np.float64)
    totals = _stratum_sum(counts)
    if not np.all(np.isfinite(totals)):
        raise ValueError(
            "The weighted counts overflow: the sample_weight of a stratum sums to "
            f"more than the largest float ({np.finfo(np.float64).max:.3g}). Scale "
            "sample_weight down (e.g. sample_weight / sample_weight.max()); the "
            "weights of normalize='mean' or 'cells' do not depend on its scale."
        )
    units = counts.sum(axis=mode.summed_axes, keepdims=True) if mode.summed_axes \
        else counts
    present = units > 0
    func = scheme.func

    if mode.independence:
        expected = _expected(counts, totals)
        if scheme.exact_inverse and normalize is not None:
            factors = _where_present(expected, units, present)
        else:
            factors = _apply(func, units, totals, present)
            factors = _where_present(factors, _apply(func, expected, totals, present),
                                     present)
        if normalize is None:
            return _spread(factors, counts.shape)
        # With empty group x label cells the formula no longer keeps the
        # stratum's total; restore it (a no-op, up to rounding, otherwise).
        factors = _rescale_to_totals(units, factors, totals)
    elif normalize is None:
        return _spread(_apply(func, units, totals, present), counts.shape)
    elif scheme.exact_inverse:
        n_units = present.sum(axis=(GROUP_AXIS, LABEL_AXIS), keepdims=True)
        factors = _where_present(totals, n_units * units, present)
    else:
        factors = _rescale_to_totals(units, _apply(func, units, totals, present), totals)

    if strength != 1.0:
        factors = np.where(present, 1.0 + strength * (factors - 1.0), 0.0)

    if trim_quantile is not None:
        mean = float((units * factors).sum() / units.sum())
        # Below the mean no cap can keep the totals: it then makes the weights equal.
        quantile = max(_row_quantile(units, factors, trim_quantile) / mean, 1.0)
        max_weight = quantile if max_weight is None else min(max_weight, quantile)
    if max_weight is not None:
        factors = _clip_factors(units, factors, totals, max_weight)

    if normalize == "cells":
        n_present = present.sum()
        factor_sum = factors[present].sum()
        if factor_sum > 0:
            factors = factors * (n_present / factor_sum)
    elif normalize == "mean":
        weight_sum = float((units * factors).sum())
        if weight_sum > 0:
            scale = float(units.sum()) / weight_sum
            # Mean already 1 up to rounding: keep the closed-form values.
            if abs(scale - 1.0) > 4 * np.finfo(np.float64).eps:
                factors = factors * scale

    return _spread(factors, counts.shape)


def _spread(factors, shape):
    """A new array of ``shape`` holding ``factors`` broadcast over it."""
    out = np.empty(shape)
    out[...] = factors
    return out


def _row_quantile(units, factors, q):
    """The ``q`` quantile of the factors over the rows (the weighted counts)."""
    shape = np.broadcast_shapes(units.shape, factors.shape)
    n = np.broadcast_to(units, shape).ravel()
    f = np.broadcast_to(factors, shape).ravel()
    present = n > 0
    n, f = n[present], f[present]
    order = np.argsort(f, kind="stable")
    cumulative = np.cumsum(n[order])
    index = int(np.searchsorted(cumulative, q * cumulative[-1]))  # < f.size: q <= 1
    return float(f[order][index])


def _where_present(numerator, denominator, present):
    """``numerator / denominator`` where ``present``, else 0."""
    out = np.zeros(present.shape)
    return np.divide(numerator, denominator, out=out, where=present)


def _apply(func, units, totals, present):
    """The scheme's raw factors of the present units (0 elsewhere)."""
    out = np.zeros(units.shape)
    out[present] = func(units[present], np.broadcast_to(totals, units.shape)[present])
    return out


def _clip_factors(units, factors, totals, max_weight):
    """Cap factors at ``max_weight`` times the mean, keeping strata totals, exactly.

    Within a stratum the capped factors are ``min(s * f, cap)`` for the one
    scale ``s`` that keeps the stratum's total: the limit of clipping and
    rescaling again and again, found at once. With the units of a stratum
    sorted by factor, the first ``j`` capped, ``s = (T - cap * C_j) / R_j``
    (``C_j``: their rows, ``R_j``: the weight of the others); the right
    ``j`` is the first whose largest uncapped factor stays under the cap.
    """
    # The mean factor is 1 unless a scheme gave a whole stratum factor 0.
    mean = float((units * factors).sum() / units.sum())
    cap = max_weight * mean
    if not factors.max() > cap:
        return factors
    n = units.reshape(len(units), -1)  # a row per stratum (units: the factors' shape)
    f = factors.reshape(n.shape)
    t = totals.reshape(-1, 1)
    order = np.argsort(-f, axis=1, kind="stable")
    fs, ns = np.take_along_axis(f, order, 1), np.take_along_axis(n, order, 1)
    zero = np.zeros((len(n), 1))
    capped_rows = np.concatenate([zero, np.cumsum(ns, axis=1)], axis=1)[:, :-1]
    weight = ns * fs
    rest = weight.sum(axis=1, keepdims=True) - np.concatenate(
        [zero, np.cumsum(weight, axis=1)], axis=1)[:, :-1]
    with np.errstate(divide="ignore", invalid="ignore"):  # inf * 0 for empty units
        scale = np.where(rest > 0, (t - cap * capped_rows) / rest, np.inf)
        fits = scale * fs <= cap * (1 + 1e-12)
    first = np.argmax(fits, axis=1)
    s = scale[np.arange(len(n)), first][:, None]
    # A stratum whose factors are all 0 has nothing to scale.
    s = np.where(fits.any(axis=1, keepdims=True) & np.isfinite(s), s, 1.0)
    out = np.minimum(f * s, cap)
    out[n == 0] = f[n == 0]
    return out.reshape(factors.shape)


def apply_class_weights(counts, factors, class_factors, *, normalize):
    """Multiply ``factors`` by user class weights along the label axis, renormalised.

    ``class_factors`` has one value per label level. ``normalize="mean"``
    restores the incoming total (mean weight 1 without ``sample_weight``);
    ``"cells"`` makes the factors of the non-empty cells sum to their
    number; None keeps the products as they are.
    """
    counts = np.asarray(counts, dtype=np.float64)
    # One factor per label level: it broadcasts along the last (label) axis.
    out = np.broadcast_to(factors, counts.shape) * np.asarray(class_factors, dtype=np.float64)
    present = counts > 0
    if normalize == "mean":
        total = float((counts * out).sum())
        if total > 0:
            out = out * (float(counts.sum()) / total)
    elif normalize == "cells":
        total = float(out.sum())  # empty cells have factor 0
        if total > 0:
            out = out * (present.sum() / total)
    return out
