"""Weighting: schemes, the weighter base class and the two weighters.

The layer above the counting engine (:mod:`skweight.engine`): it turns cell
counts into factors (:mod:`.schemes`, :mod:`.factors`) and gathers them back
to rows (:mod:`.base`). A new scheme is one function in :mod:`.schemes`.
"""

from .base import BaseWeighter
from .weighters import EffectiveNumberWeighter, GroupBalancedWeighter

__all__ = ["BaseWeighter", "EffectiveNumberWeighter", "GroupBalancedWeighter"]
