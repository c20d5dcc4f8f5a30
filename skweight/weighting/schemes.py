"""Weighting schemes: a unit's weighted count -> its raw factor.

A *scheme* maps the weighted count ``n`` of a balancing unit (a class, a group
or a group x label cell, see :mod:`skweight.engine.modes`) and the total ``N``
of its stratum to a raw factor; :mod:`skweight.weighting.factors` then scales
the factors so that each stratum keeps its total weight.

================  ===================================  ======================
scheme            raw factor                           note
================  ===================================  ======================
``inverse``       ``1 / n``                            scikit-learn's
                                                       "balanced"
``sqrt_inverse``  ``1 / sqrt(n)``                      a milder correction
``log_inverse``   ``log(1 + N / n)``                   milder still; never 0
``log_inverse_    ``log(N / n)``                       the log of the inverse
share``                                                share; 0 at share 1
``power``         ``n ** -power``                      0: none, 1: inverse
``none`` (None)   ``1``                                no balancing
effective number  ``(1 - beta) / (1 - beta ** n)``     Cui et al., CVPR 2019
================  ===================================  ======================

A new named scheme is one function decorated with :func:`register_scheme`.
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

__all__ = ["LOG_FORMS", "SCHEMES", "Scheme", "make_scheme", "register_scheme"]

# name -> function(counts, totals, power) -> raw factors
SCHEMES: dict[str, Callable] = {}
# name -> function(counts, totals, power) -> log of the raw factors
LOG_FORMS: dict[str, Callable] = {}


def register_scheme(name, *, log_form=None):
    """Register ``func(counts, totals, power)`` as the scheme ``name``.

    ``log_form(counts, totals, power)``, when given, returns the logarithm of
    the raw factors without forming them. It is used where the factors
    themselves over- or underflow (a large ``power``, weights near the ends
    of the float range); normalised factors then come out right, since only
    ratios within a stratum count.
    """

    def decorate(func):
        SCHEMES[name] = func
        if log_form is not None:
            LOG_FORMS[name] = log_form
        else:
            LOG_FORMS.pop(name, None)
        return func

    return decorate


@register_scheme("inverse", log_form=lambda counts, totals, power: -np.log(counts))
def _inverse(counts, totals, power):
    return 1.0 / counts


@register_scheme(
    "sqrt_inverse", log_form=lambda counts, totals, power: -0.5 * np.log(counts)
)
def _sqrt_inverse(counts, totals, power):
    return 1.0 / np.sqrt(counts)


@register_scheme("log_inverse")
def _log_inverse(counts, totals, power):
    return np.log1p(totals / counts)


@register_scheme("log_inverse_share")
def _log_inverse_share(counts, totals, power):
    whole = counts >= totals
    if np.any(whole):
        raise ValueError(
            "scheme='log_inverse_share' is log(N / n), the log of a unit's inverse share "
            f"of its stratum: 0 for {int(np.count_nonzero(whole))} unit(s) that hold "
            "their whole stratum (share 1), which would get no weight at all. Use "
            "scheme='log_inverse' (log(1 + N / n), never 0), or drop such strata."
        )
    return np.log(totals / counts)


@register_scheme("none", log_form=lambda counts, totals, power: np.zeros_like(counts))
def _none(counts, totals, power):
    return np.ones_like(counts, dtype=np.float64)


@register_scheme(
    "power", log_form=lambda counts, totals, power: -float(power) * np.log(counts)
)
def _power(counts, totals, power):
    return counts ** (-float(power))


class Scheme(NamedTuple):
    """A scheme ready to apply.

    Attributes
    ----------
    func : callable
        ``func(counts, totals) -> raw factors``, elementwise.
    exact_inverse : bool
        Whether the closed form ``N / (K n)`` applies, which reproduces
        scikit-learn's "balanced" weights bit for bit.
    log_func : callable or None
        ``log_func(counts, totals) -> log of the raw factors``, for counts
        whose factors over- or underflow; None if the scheme has no log form.
    """

    func: Callable
    exact_inverse: bool
    log_func: "Callable | None" = None


def _effective_number(beta):
    """The effective-number scheme of Cui et al. (2019) for ``beta``."""
    log_beta = np.log(beta)

    def scheme(counts, totals):
        # (1 - beta) / (1 - beta**n), written with expm1 to stay accurate
        # for beta close to 1 and for large n.
        return np.expm1(log_beta) / np.expm1(counts * log_beta)

    return scheme


def _effective_number_log(beta):
    """The log of the effective-number factors, finite for any positive count."""
    log_beta = np.log(beta)
    log_top = np.log(-np.expm1(log_beta))

    def log_scheme(counts, totals):
        x = counts * log_beta  # < 0
        with np.errstate(divide="ignore", invalid="ignore"):
            direct = np.log(-np.expm1(x))
            # -expm1(x) = -x (1 + x/2 + ...): for tiny |x| (tiny counts), its
            # log from log(counts), which does not underflow.
            series = np.log(counts) + np.log(-log_beta) + np.log1p(x / 2)
        return log_top - np.where(x > -1e-8, series, direct)

    return log_scheme


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
        if out.size and not np.any(out > 0):
            raise ValueError(
                f"The callable scheme {func!r} returned only zeros: every weight "
                "would be 0. Return a positive factor for at least one count."
            )
        return out

    return scheme


def make_scheme(scheme, *, power=1.0, beta=None):
    """Return the :class:`Scheme` of a name, a callable or an effective number.

    Parameters
    ----------
    scheme : str, callable or None
        A name in :data:`SCHEMES`, or ``func(counts) -> factors``; None is
        ``"none"`` (no balancing: every raw factor 1). Ignored when ``beta``
        is given.
    power : float, default=1.0
        The exponent of ``"power"``.
    beta : float in (0, 1), default=None
        The effective-number scheme with this ``beta``.
    """
    if beta is not None:
        return Scheme(_effective_number(beta), False, _effective_number_log(beta))
    if callable(scheme):
        return Scheme(_user_scheme(scheme), False)
    if scheme is None:
        scheme = "none"
    func, log_form = SCHEMES[scheme], LOG_FORMS.get(scheme)
    log_func = (
        None
        if log_form is None
        else (lambda counts, totals: log_form(counts, totals, power))
    )
    return Scheme(
        lambda counts, totals: func(counts, totals, power), scheme == "inverse", log_func
    )
