"""From the counts of the cells that occur to one weighting factor per cell.

Everything here works on the cells, never on rows, and only on the cells that
occur: a cell is one entry of flat arrays (its weighted count and the numbers
of its stratum, group and label, see
:class:`~skweight.engine.cells.Canonical`), and every sum over a stratum or a
unit is a :func:`numpy.bincount` over those numbers. Each stratum is
balanced on its own and keeps its total weight.
"""

from typing import NamedTuple

import numpy as np

from ..engine.keys import first_of, numbered

__all__ = [
    "CellFactors",
    "balanced_factors",
    "counter_factors",
    "pair_sums",
    "unit_numbers",
]


def unit_numbers(cells, axes):
    """The unit of each cell, for units named by the stratum and ``axes``.

    Parameters
    ----------
    cells : Canonical
        The cells in canonical order.
    axes : tuple of {1, 2}
        The ``(stratum, group, label)`` axes naming a unit, with the stratum.

    Returns
    -------
    unit : ndarray of intp of shape (n_cells,) or None
        Units numbered from 0 in canonical order; None when each cell is its
        own unit (numbered as the cells).
    """
    n_groups, n_labels = cells.shape3[1:]
    if (1 in axes or n_groups == 1) and (2 in axes or n_labels == 1):
        return None  # every axis that varies names the unit: each cell is its own
    if 2 not in axes or n_labels == 1:
        # Cells are sorted by stratum, then group: the units (strata, or
        # stratum x group) are runs of cells, numbered where a run starts.
        if 1 not in axes or n_groups == 1:
            return cells.stratum
        change = np.empty(cells.stratum.size, dtype=bool)
        change[:1] = False
        np.not_equal(cells.stratum[1:], cells.stratum[:-1], out=change[1:])
        change[1:] |= cells.group[1:] != cells.group[:-1]
        return np.cumsum(change, dtype=np.intp)
    parts = [cells.stratum] + ([cells.group] if 1 in axes else []) + [cells.label]
    return numbered(parts)[0]


def _rescale_to_totals(units, factors, totals, stratum):
    """Scale ``factors`` per stratum so that ``sum(n * f) == N`` in each stratum."""
    current = np.bincount(stratum, weights=units * factors, minlength=totals.size)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(current > 0, totals / current, 0.0)
    return factors * scale[stratum]


def balanced_factors(
    counts,
    cells,
    *,
    mode,
    scheme,
    strength=1.0,
    max_weight=None,
    normalize="mean",
    trim_quantile=None,
    class_factors=None,
    target_shares=None,
):
    """Return one factor per cell.

    Parameters
    ----------
    counts : ndarray of shape (n_cells,)
        Weighted count of each cell of ``cells.order``.
    cells : Canonical
        The cells in canonical order, with their stratum, group and label
        numbers.
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
    class_factors : ndarray of shape (n_cells,) or None, default=None
        The user's class weight of each cell's class. They multiply the
        factors after ``strength`` and before the caps, so that
        ``max_weight`` and ``trim_quantile`` hold for the final factors.
    target_shares : ndarray of shape (n_cells,) or None, default=None
        The share of each cell's unit in its stratum (normalised over the
        units of the stratum, :func:`.shares.cell_target_shares`); None:
        equal shares. The scheme sees each unit's count divided by its
        target share relative to an equal one, ``n / (t K)`` (``K`` units in
        the stratum): for the inverse scheme each unit's weighted share
        becomes ``t`` exactly. Not with ``mode.independence``.

    Returns
    -------
    factors : ndarray of shape (n_cells,)
        Cells with a zero weighted count get factor 0.
    """
    counts = np.asarray(counts, dtype=np.float64)
    stratum = cells.stratum
    n_strata = cells.shape3[0]
    totals = np.bincount(stratum, weights=counts, minlength=n_strata)
    if not np.all(np.isfinite(totals)):
        raise ValueError(
            "The weighted counts overflow: the sample_weight of a stratum sums to "
            f"more than the largest float ({np.finfo(np.float64).max:.3g}). Scale "
            "sample_weight down (e.g. sample_weight / sample_weight.max()); the "
            "weights of normalize='mean' or 'cells' do not depend on its scale."
        )
    # Counts far from 1 (weights near the ends of the float range) are scaled
    # by a power of 2, exactly, so that sums and ratios keep full precision;
    # the schemes still see the counts as they are (``shift``).
    shift = _shift_of(counts)
    if shift:
        counts, totals = np.ldexp(counts, shift), np.ldexp(totals, shift)
    unit = unit_numbers(cells, mode.unit_axes)
    if unit is None:  # each cell its own unit
        unit, units, unit_stratum = slice(None), counts, stratum
    else:
        n_units = int(unit.max()) + 1 if unit.size else 0
        units = np.bincount(unit, weights=counts, minlength=n_units)
        unit_stratum = stratum[first_of(unit, n_units)]
    unit_totals = totals[unit_stratum]
    present = units > 0
    scheme_units = units
    if target_shares is not None:
        if mode.independence:
            raise ValueError("target_shares has no meaning for independence.")
        share = np.asarray(target_shares, dtype=np.float64)
        share = share if isinstance(unit, slice) else share[first_of(unit, units.size)]
        present = present & (share > 0)
        # Shares of the units that carry weight, summing to 1 in each stratum.
        share_sum = np.bincount(unit_stratum, weights=share * present, minlength=n_strata)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(present, share / share_sum[unit_stratum], 0.0)
        per_stratum = _present_per_stratum(unit_stratum, present, n_strata)
        # Relative to an equal share: the count the scheme sees.
        scheme_units = _where_present(units, share * per_stratum[unit_stratum], present)

    if mode.independence:  # units are the cells
        group_n = pair_sums(counts, stratum, cells.group)
        label_n = pair_sums(counts, stratum, cells.label)
        with np.errstate(invalid="ignore"):  # 0 / 0 in a stratum without weight
            expected = group_n * (label_n / unit_totals)  # the ratio first: no overflow
        if scheme.exact_inverse and normalize is not None:
            factors = _where_present(expected, units, present)
        else:  # observed over expected, in one log form where either side overflows
            factors = _apply(
                scheme,
                units,
                unit_totals,
                present,
                None if normalize is None else unit_stratum,
                shift,
                expected=expected,
            )
        if normalize is None:
            return _times(factors[unit], class_factors)
        # With empty group x label cells the formula no longer keeps the
        # stratum's total; restore it (a no-op, up to rounding, otherwise).
        factors = _rescale_to_totals(units, factors, totals, unit_stratum)
    elif normalize is None:
        return _times(
            _apply(scheme, scheme_units, unit_totals, present, None, shift)[unit],
            class_factors,
        )
    elif scheme.exact_inverse and target_shares is not None:
        factors = _where_present(unit_totals * share, units, present)
    elif scheme.exact_inverse:
        per_stratum = _present_per_stratum(unit_stratum, present, n_strata)
        # K * n, built in place: one array of units, not three.
        denominator = np.take(per_stratum.astype(np.float64), unit_stratum)
        denominator *= units
        factors = _where_present(unit_totals, denominator, present, out=denominator)
    else:
        factors = _rescale_to_totals(
            units,
            _apply(scheme, scheme_units, unit_totals, present, unit_stratum, shift),
            totals,
            unit_stratum,
        )

    if strength != 1.0:
        factors = np.where(present, 1.0 + strength * (factors - 1.0), 0.0)
        if target_shares is not None:  # units of share 0 stay at 0: keep the totals
            factors = _rescale_to_totals(units, factors, totals, unit_stratum)

    if class_factors is not None:
        # Per cell, and the caps below keep the total weight rather than each
        # stratum's: class weights have moved weight between strata already,
        # and a stratum whose mean factor they raised above the cap could not
        # keep its total under it.
        factors = factors[unit] * np.asarray(class_factors, dtype=np.float64)
        unit, units, present = slice(None), counts, counts > 0
        unit_stratum = np.zeros(counts.size, dtype=np.intp)
        totals = np.array([float((units * factors).sum())])

    if trim_quantile is not None:
        mean = float((units * factors).sum() / units.sum())
        # Below the mean no cap can keep the totals: it then makes the weights equal.
        quantile = max(_row_quantile(units, factors, trim_quantile) / mean, 1.0)
        max_weight = quantile if max_weight is None else min(max_weight, quantile)
    if max_weight is not None:
        factors = _clip_factors(units, factors, totals, unit_stratum, max_weight)

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

    return factors[unit]


def counter_factors(counter, class_factors=None, **params):
    """The factor of each stored cell of a :class:`~skweight.engine.cells.CellCounter`.

    ``params`` are those of :func:`balanced_factors`; ``class_factors``, the
    user's weight of each learned label level (None: no class weights).
    The factors are computed over the cells in canonical order, so they do
    not depend on the order in which rows or chunks were counted.

    Returns
    -------
    factors : CellFactors
        The factors in stored order, and the weighted counts and factors in
        canonical order (for the checks of :mod:`.health`, without gathering
        them again).
    """
    canonical = counter.canonical()
    counts = canonical.gather(counter.weighted)
    if class_factors is not None:
        label = canonical.gather(counter.codes(len(counter.spec.key_columns) - 1))
        class_factors = class_factors[label]
    factors = balanced_factors(counts, canonical, class_factors=class_factors, **params)
    if canonical.in_order:
        return CellFactors(factors, counts, factors)
    table = np.empty(counter.n_cells)
    table[canonical.order] = factors
    return CellFactors(table, counts, factors)


class CellFactors(NamedTuple):
    """What :func:`counter_factors` returns.

    Attributes
    ----------
    stored : ndarray of shape (n_cells,)
        The factor of each cell, in the counter's stored order.
    counts, factors : ndarray of shape (n_cells,)
        Weighted count and factor of each cell, in canonical order.
    """

    stored: np.ndarray
    counts: np.ndarray
    factors: np.ndarray


def pair_sums(counts, stratum, other):
    """Per cell: the sum of ``counts`` over the cells of its (stratum, other) pair."""
    pair = numbered([stratum, other])[0]
    return np.bincount(pair, weights=counts)[pair]


def _row_quantile(units, factors, q):
    """The ``q`` quantile of the factors over the rows (the weighted counts)."""
    n, f = units, factors
    present = n > 0
    n, f = n[present], f[present]
    order = np.argsort(f, kind="stable")
    cumulative = np.cumsum(n[order])
    index = int(np.searchsorted(cumulative, q * cumulative[-1]))  # < f.size: q <= 1
    return float(f[order][index])


def _present_per_stratum(unit_stratum, present, n_strata):
    """How many present units each stratum has (integer counts)."""
    kept = unit_stratum if present.all() else unit_stratum[present]
    return np.bincount(kept, minlength=n_strata)


def _where_present(numerator, denominator, present, out=None):
    """``numerator / denominator`` where ``present``, else 0 (into ``out`` if given)."""
    # A plain division and a masked reset: several times faster than the
    # ``where=`` form of the ufunc on large arrays.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.divide(numerator, denominator, out=out, dtype=np.float64)
    out = np.broadcast_to(out, present.shape).copy() if np.ndim(out) == 0 else out
    if not present.all():
        out[~present] = 0.0
    return out


def _apply(scheme, units, totals, present, stratum, shift=0, *, expected=None):
    """The scheme's raw factors of the present units (0 elsewhere).

    ``units`` and ``totals`` are scaled by ``2 ** shift``; the scheme sees
    them unscaled. With ``expected``, the ratio ``f(units) / f(expected)``
    (independence). Where the factors (or either side of the ratio) over- or
    underflow (zero, subnormal or infinite), they come from the scheme's log
    form instead: relative to the largest of their stratum when ``stratum``
    (the stratum of each unit) is given, since the factors are then
    normalised within strata; as they are otherwise.
    """
    out = np.zeros(units.shape)
    n, t = units[present], totals[present]
    e = None if expected is None else expected[present]
    if shift:
        n, t = np.ldexp(n, -shift), np.ldexp(t, -shift)
        e = None if e is None else np.ldexp(e, -shift)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        sides = [scheme.func(n, t)] + ([] if e is None else [scheme.func(e, t)])
        factors = sides[0] if e is None else sides[0] / sides[1]
    if (
        scheme.log_func is not None
        and factors.size
        and not all(_normal(side) for side in sides)
    ):
        logs = scheme.log_func(n, t)
        if e is not None:
            logs = logs - scheme.log_func(e, t)
        if stratum is not None:
            where = stratum[present]
            peak = np.full(int(where.max()) + 1, -np.inf)
            np.maximum.at(peak, where, logs)
            logs = logs - peak[where]
        with np.errstate(over="ignore", under="ignore"):
            factors = np.exp(logs)
    out[present] = factors
    return out


def _normal(values):
    """Whether every value is finite and at least the smallest normal float."""
    return bool(np.all(np.isfinite(values) & (values >= np.finfo(np.float64).tiny)))


def _times(factors, class_factors):
    """``factors`` times the class weights (None: none)."""
    if class_factors is None:
        return factors
    return factors * np.asarray(class_factors, dtype=np.float64)


def _shift_of(counts):
    """The power of 2 that brings tiny counts up near 1 (0: none needed).

    Only up: scaling up is exact, and it is what tiny (subnormal) weights
    need; scaling large counts down could turn small ones into zeros.
    """
    largest = float(counts.max()) if counts.size else 0.0
    if largest == 0.0 or largest >= 2.0**-256:
        return 0
    return -int(np.frexp(largest)[1])


def _clip_factors(units, factors, totals, stratum, max_weight):
    """Cap factors at ``max_weight`` times the mean, keeping strata totals, exactly.

    Within a stratum the capped factors are ``min(s * f, cap)`` for the one
    scale ``s`` that keeps the stratum's total: the limit of clipping and
    rescaling again and again, found at once. With the units of a stratum
    sorted by factor, the first ``j`` capped, ``s = (T - cap * C_j) / R_j``
    (``C_j``: their rows, ``R_j``: the weight of the others); the right
    ``j`` is the first whose largest uncapped factor stays under the cap.
    ``stratum`` is the stratum of each unit.
    """
    # The mean factor is 1 unless a scheme gave a whole stratum factor 0.
    mean = float((units * factors).sum() / units.sum())
    cap = max_weight * mean
    if not factors.max() > cap:
        return factors
    # Only strata with a factor above the cap change (others keep scale 1).
    over = np.zeros(totals.size, dtype=bool)
    over[stratum[factors > cap]] = True
    units_over = np.flatnonzero(over[stratum])
    f_over, s_over = factors[units_over], stratum[units_over]
    order = units_over[np.lexsort((-f_over, s_over))]  # by stratum, largest first
    fs, ns, ss = factors[order], units[order], stratum[order]
    new = np.r_[True, ss[1:] != ss[:-1]]
    start, segment = np.flatnonzero(new), np.cumsum(new) - 1
    capped_rows = _exclusive_cumsum(ns, start, segment)
    weight = ns * fs
    rest = np.add.reduceat(weight, start)[segment] - _exclusive_cumsum(
        weight, start, segment
    )
    with np.errstate(divide="ignore", invalid="ignore"):  # inf * 0 for empty units
        scale = np.where(rest > 0, (totals[ss] - cap * capped_rows) / rest, np.inf)
        fits = scale * fs <= cap * (1 + 1e-12)
    # The first unit of each stratum that fits, if any.
    first = np.full(totals.size, -1, dtype=np.intp)
    hits = np.flatnonzero(fits)[::-1]
    first[ss[hits]] = hits
    s = np.ones(totals.size)
    found = first >= 0
    s[found] = scale[first[found]]
    # A stratum whose factors are all 0 has nothing to scale.
    s[~np.isfinite(s)] = 1.0
    out = np.minimum(factors * s[stratum], cap)
    empty = units == 0
    out[empty] = factors[empty]
    return out


def _exclusive_cumsum(values, start, segment):
    """The sum of the values before each one within its segment.

    ``start``: the first index of each segment; ``segment``: the segment of
    each value.
    """
    before = np.r_[0.0, np.cumsum(values)[:-1]]
    return before - before[start][segment]
