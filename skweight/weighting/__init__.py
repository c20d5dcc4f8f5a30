"""Weighting: schemes, the weighter base class and the two weighters.

The layer above the counting engine (:mod:`skweight.engine`): it turns cell
counts into factors (:mod:`.schemes`, :mod:`.factors`) and gathers them back
to rows (:mod:`.base`). A new scheme is one function in :mod:`.schemes`.

The estimators are imported on first use, so that the registries
(:data:`.schemes.SCHEMES`) can be read without importing scikit-learn (the
command line builds its choices from them).
"""

import importlib

__all__ = [
    "BaseWeighter",
    "EffectiveNumberWeighter",
    "GroupBalancedWeighter",
    "RakingWeighter",
]

_HOMES = {
    "BaseWeighter": ".base",
    "EffectiveNumberWeighter": ".weighters",
    "GroupBalancedWeighter": ".weighters",
    "RakingWeighter": ".raking",
}


def __getattr__(name):
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
