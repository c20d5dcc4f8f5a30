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
``power``         ``n ** -power``                      0: none, 1: inverse
effective number  ``(1 - beta) / (1 - beta ** n)``     Cui et al., CVPR 2019
================  ===================================  ======================

A new named scheme is one function decorated with :func:`register_scheme`.
"""

from typing import Callable, NamedTuple

import numpy as np

__all__ = ["SCHEMES", "Scheme", "make_scheme", "register_scheme"]

# name -> function(counts, totals, power) -> raw factors
SCHEMES = {}


def register_scheme(name):
    """Register ``func(counts, totals, power)`` as the scheme ``name``."""
    def decorate(func):
        SCHEMES[name] = func
        return func
    return decorate


@register_scheme("inverse")
def _inverse(counts, totals, power):
    return 1.0 / counts


@register_scheme("sqrt_inverse")
def _sqrt_inverse(counts, totals, power):
    return 1.0 / np.sqrt(counts)


@register_scheme("log_inverse")
def _log_inverse(counts, totals, power):
    return np.log1p(totals / counts)


@register_scheme("power")
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
    """

    func: Callable
    exact_inverse: bool


def _effective_number(beta):
    """The effective-number scheme of Cui et al. (2019) for ``beta``."""
    log_beta = np.log(beta)

    def scheme(counts, totals):
        # (1 - beta) / (1 - beta**n), written with expm1 to stay accurate
        # for beta close to 1 and for large n.
        return np.expm1(log_beta) / np.expm1(counts * log_beta)

    return scheme


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
        A name in :data:`SCHEMES`, or ``func(counts) -> factors``. Ignored
        when ``beta`` is given.
    power : float, default=1.0
        The exponent of ``"power"``.
    beta : float in (0, 1), default=None
        The effective-number scheme with this ``beta``.
    """
    if beta is not None:
        return Scheme(_effective_number(beta), False)
    if callable(scheme):
        return Scheme(_user_scheme(scheme), False)
    func = SCHEMES[scheme]
    return Scheme(lambda counts, totals: func(counts, totals, power),
                  scheme == "inverse")
