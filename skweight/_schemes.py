"""From a table of cell counts to one weighting factor per cell.

Everything here works on the small count table, never on rows. The table is a
float array of weighted counts with shape ``(n_strata, n_groups, n_labels)``;
each stratum is balanced on its own and keeps its total weight.

A *scheme* maps the weighted count ``n`` of a balancing unit (a class, a group
or a group x label cell, depending on ``balance``) to a raw factor:

================  ===================================  ======================
scheme            raw factor                           note
================  ===================================  ======================
``inverse``       ``1 / n``                            scikit-learn's
                                                       "balanced"
``sqrt_inverse``  ``1 / sqrt(n)``                      a milder correction
``log_inverse``   ``log(1 + N / n)``, N the stratum's  milder still; never 0
                  total
``power``         ``n ** -power``                      0: none, 1: inverse
effective number  ``(1 - beta) / (1 - beta ** n)``     Cui et al., CVPR 2019
================  ===================================  ======================

The raw factors are then scaled, stratum by stratum, so that the stratum keeps
its total weight.
"""

import numpy as np

BALANCE_MODES = ("label", "groups", "joint", "independence")
SCHEMES = ("inverse", "sqrt_inverse", "log_inverse", "power")

# Clip-then-renormalise rounds used by ``max_weight``.
_CLIP_ROUNDS = 20


def _effective_number(beta):
    """Return the effective-number scheme of Cui et al. (2019) for ``beta``."""
    log_beta = np.log(beta)

    def scheme(counts, totals):
        # (1 - beta) / (1 - beta**n), written with expm1 to stay accurate
        # for beta close to 1 and for large n.
        return np.expm1(log_beta) / np.expm1(counts * log_beta)

    return scheme


def _named_scheme(name, power):
    if name == "inverse":
        return lambda counts, totals: 1.0 / counts
    if name == "sqrt_inverse":
        return lambda counts, totals: 1.0 / np.sqrt(counts)
    if name == "log_inverse":
        return lambda counts, totals: np.log1p(totals / counts)
    if name == "power":
        return lambda counts, totals: counts ** (-float(power))
    raise ValueError(f"Unknown scheme {name!r}.")  # pragma: no cover


def _user_scheme(func):
    """Wrap a user callable ``func(counts) -> factors`` and check its output."""

    def scheme(counts, totals):
        out = np.asarray(func(counts.copy()), dtype=np.float64)
        if out.shape != counts.shape:
            raise ValueError(
                f"The callable scheme {func!r} must return one factor per count: "
                f"expected shape {counts.shape}, got {out.shape}."
            )
        if not np.all(np.isfinite(out)) or np.any(out < 0):
            raise ValueError(
                f"The callable scheme {func!r} must return finite, non-negative "
                f"factors; got {out[~(np.isfinite(out) & (out >= 0))][:5]}."
            )
        return out

    return scheme


def make_scheme(scheme, *, power=1.0, beta=None):
    """Return ``(func, exact_inverse)`` for a scheme given by name or callable.

    ``func(counts, totals)`` maps unit counts (and their strata totals, same
    shape) to raw factors. ``exact_inverse`` tells the caller that the closed
    form ``N / (K n)`` applies, which reproduces scikit-learn's "balanced"
    weights bit for bit.
    """
    if beta is not None:
        return _effective_number(beta), False
    if callable(scheme):
        return _user_scheme(scheme), False
    return _named_scheme(scheme, power), scheme == "inverse"


def _stratum_sum(a):
    """Sum over the group and label axes, keeping dims."""
    return a.sum(axis=(1, 2), keepdims=True)


def _rescale_to_totals(unit_counts, factors, totals):
    """Scale ``factors`` per stratum so that ``sum(n * f) == N`` in each stratum."""
    current = _stratum_sum(unit_counts * factors)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(current > 0, totals / current, 0.0)
    return factors * scale


def balanced_factors(
    counts,
    *,
    balance,
    scheme,
    exact_inverse=False,
    strength=1.0,
    max_weight=None,
    normalize="mean",
):
    """Return per-cell factors for a count table.

    Parameters
    ----------
    counts : ndarray of shape (n_strata, n_groups, n_labels)
        Weighted counts of each cell. Cells with a zero count get factor 0.
    balance : {"label", "groups", "joint", "independence"}
        What is made equal inside each stratum.
    scheme : callable
        ``scheme(counts, totals) -> raw factors`` from :func:`make_scheme`.
    exact_inverse : bool, default=False
        Use the closed form ``N / (K n)`` of the inverse scheme.
    strength : float in [0, 1], default=1.0
        Blend between no correction (0) and the full correction (1).
    max_weight : float or None, default=None
        Cap on a factor, as a multiple of the mean factor.
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
    if balance == "label":
        units = counts.sum(axis=1, keepdims=True)
    elif balance == "groups":
        units = counts.sum(axis=2, keepdims=True)
    else:
        units = counts
    present = units > 0
    unit_totals = np.broadcast_to(totals, units.shape)

    factors = np.zeros(units.shape)
    if normalize is None:
        return _raw_factors(counts, units, present, unit_totals, totals,
                            balance=balance, scheme=scheme)
    if balance == "independence":
        group_n = counts.sum(axis=2, keepdims=True)
        label_n = counts.sum(axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            expected = group_n * label_n / totals
        if exact_inverse:
            factors[present] = expected[present] / units[present]
        else:
            observed_f = scheme(units[present], unit_totals[present])
            expected_f = scheme(expected[present], unit_totals[present])
            factors[present] = observed_f / expected_f
        # With empty group x label cells the formula no longer keeps the
        # stratum's total; restore it (a no-op, up to rounding, otherwise).
        factors = _rescale_to_totals(units, factors, totals)
    elif exact_inverse:
        n_units = present.sum(axis=(1, 2), keepdims=True)
        n_units = np.broadcast_to(n_units, units.shape)
        factors[present] = unit_totals[present] / (n_units[present] * units[present])
    else:
        factors[present] = scheme(units[present], unit_totals[present])
        factors = _rescale_to_totals(units, factors, totals)

    if strength != 1.0:
        factors = np.where(present, 1.0 + strength * (factors - 1.0), 0.0)

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

    return np.broadcast_to(factors, counts.shape).copy()


def _clip_factors(units, factors, totals, max_weight):
    """Clip factors at ``max_weight`` times the mean, keeping strata totals."""
    mean = float((units * factors).sum() / units.sum())
    cap = max_weight * mean
    for _ in range(_CLIP_ROUNDS):
        if factors.max() <= cap * (1 + 1e-12):
            break
        factors = _rescale_to_totals(units, np.minimum(factors, cap), totals)
    return factors


def _raw_factors(counts, units, present, unit_totals, totals, *, balance, scheme):
    """The scheme's own factors, unscaled (``normalize=None``)."""
    factors = np.zeros(units.shape)
    if balance == "independence":
        group_n = counts.sum(axis=2, keepdims=True)
        label_n = counts.sum(axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            expected = group_n * label_n / totals
        factors[present] = (scheme(units[present], unit_totals[present])
                            / scheme(expected[present], unit_totals[present]))
    else:
        factors[present] = scheme(units[present], unit_totals[present])
    return np.broadcast_to(factors, counts.shape).copy()
