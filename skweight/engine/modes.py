"""Balance modes, declared once.

A balance mode says what becomes equal inside each stratum. Everything a layer
needs to know about a mode is one row of :data:`MODES`: whether it reads the
label and the groups, and which axes of the ``(stratum, group, label)`` count
table form its balancing *unit* (a class, a group, or a group x label cell).
Adding a mode is adding a row with :func:`register_mode` (and, where its
factors are not "equal weight per unit" or independence, a branch in
:func:`skweight.weighting.factors.balanced_factors`): parameter validation,
the balance reports and the command line read :data:`MODES` when they run.
"""

from typing import NamedTuple

__all__ = ["MODES", "Mode", "register_mode", "resolve_mode"]

# Axes of the (n_strata, n_groups, n_labels) table.
GROUP_AXIS = 1
LABEL_AXIS = 2


class Mode(NamedTuple):
    """One balance mode.

    Attributes
    ----------
    name : str
    needs_label, needs_groups : bool
        Whether the mode reads the label / needs group columns.
    unit_axes : tuple of int
        Axes of the ``(stratum, group, label)`` table that, with the stratum,
        name a unit.
    independence : bool
        Whether the targets are the counts expected if the label were
        independent of the group (Kamiran and Calders), not equal units.
    doc : str
        One line for messages and documentation.
    """

    name: str
    needs_label: bool
    needs_groups: bool
    unit_axes: tuple
    independence: bool
    doc: str

    @property
    def summed_axes(self):
        """The table axes a unit sums over."""
        return tuple(a for a in (GROUP_AXIS, LABEL_AXIS) if a not in self.unit_axes)


MODES = {
    mode.name: mode
    for mode in (
        Mode(
            "label",
            True,
            False,
            (LABEL_AXIS,),
            False,
            "each class carries the same total weight",
        ),
        Mode(
            "groups",
            False,
            True,
            (GROUP_AXIS,),
            False,
            "each group carries the same total weight",
        ),
        Mode(
            "joint",
            True,
            True,
            (GROUP_AXIS, LABEL_AXIS),
            False,
            "each group x label cell carries the same total weight",
        ),
        Mode(
            "independence",
            True,
            True,
            (GROUP_AXIS, LABEL_AXIS),
            True,
            "the label becomes independent of the group, marginals kept",
        ),
    )
}


def register_mode(mode):
    """Register ``mode`` (a :class:`Mode`) under its name; return it."""
    if mode.name == "auto":
        raise ValueError("'auto' is not a mode's name: it chooses one.")
    MODES[mode.name] = mode
    return mode


def resolve_mode(balance, has_groups):
    """The :class:`Mode` of a ``balance`` parameter (``"auto"`` resolved)."""
    if balance == "auto":
        balance = "groups" if has_groups else "label"
    return MODES[balance]
