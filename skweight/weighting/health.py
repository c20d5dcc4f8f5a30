"""Checks that fitted weights do not degrade the data, and what they warn.

A weighter checks its own cell table after :meth:`~BaseWeighter.fit` and
:meth:`~BaseWeighter.fit_weight` (one row per cell: cheap, whatever the
number of rows) and warns with :class:`~skweight.exceptions.WeightingWarning`
when:

- the Kish effective sample size of the weights falls below
  ``THRESHOLDS["ess_share"]`` of the rows;
- a cell's rows carry more than ``THRESHOLDS["cell_share"]`` of the total
  weight and more than ``THRESHOLDS["cell_ratio"]`` times their share of the
  rows;
- a cell of fewer than ``THRESHOLDS["min_count"]`` rows is up-weighted to
  more than ``THRESHOLDS["tiny_ratio"]`` times the mean weight;
- every weight is 0 (e.g. ``class_weight`` of 0 for every class present);
- a stratum cannot be balanced: it lacks a balancing unit (a group, class
  or group x label cell) that occurs in other strata, e.g. a category where
  one gender is absent or alone. Balancing moves no weight there to the
  missing unit, so the stratum stays as it was (:func:`lacking_units`).

The thresholds are defaults (read-only): a weighter's ``warn_thresholds``
and ``weight_warnings(..., thresholds=)`` change them for that weighter or
that call, never for the process.

The effective sample size is computed from the table, assuming equal
incoming weights within a cell (exact without ``sample_weight``).
:func:`weight_issues` returns the messages; :func:`warn_issues` warns them.
"""

import math
import warnings
from types import MappingProxyType
from typing import Any

import numpy as np

from ..engine.encode import as_python
from ..engine.keys import first_of, numbered
from ..engine.modes import GROUP_AXIS, LABEL_AXIS, MODES
from ..exceptions import WeightingWarning

__all__ = [
    "THRESHOLDS",
    "thresholds_of",
    "balances_groups",
    "combination_ids",
    "describe_cells",
    "lacking_units",
    "unbalanceable_message",
    "warn_issues",
    "weight_issues",
    "weight_warnings",
]

# The default thresholds (read-only): a weighter's ``warn_thresholds`` and
# ``weight_warnings(thresholds=)`` change them for one call or one weighter.
THRESHOLDS = MappingProxyType(
    {
        "ess_share": 0.25,
        "cell_share": 0.05,
        "cell_ratio": 10.0,
        "min_count": 5,
        "tiny_ratio": 3.0,
    }
)


def thresholds_of(thresholds):
    """The default thresholds updated by ``thresholds`` (a dict or None), checked."""
    if thresholds is None:
        return THRESHOLDS
    unknown = sorted(set(thresholds) - set(THRESHOLDS))
    if unknown:
        raise ValueError(
            f"Unknown warning threshold(s) {unknown}; the thresholds are "
            f"{sorted(THRESHOLDS)}."
        )
    bad = [
        key
        for key, value in thresholds.items()
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0
    ]
    if bad:
        raise ValueError(f"Warning thresholds {bad} must be non-negative numbers.")
    return {**THRESHOLDS, **thresholds}


_ADVICE = (
    "cap the weights (max_weight=), use coarser cells (fewer or merged groups "
    "and strata), or soften the correction (strength < 1)"
)
_SHOWN = 3


def balances_groups(mode):
    """Whether a balance mode moves weight between groups (all checks apply)."""
    return GROUP_AXIS in mode.unit_axes or mode.independence


def weight_issues(rows, weighted, factors, describe, *, groups=True, thresholds=None):
    """The messages of the checks that fail, for one weighter's cells.

    Parameters
    ----------
    rows, weighted, factors : ndarray of shape (n_cells,)
        Rows, weighted rows and factor of every cell.
    describe : callable
        ``describe(cells)`` names the cells (positions in these arrays) for a
        message.
    groups : bool, default=True
        Whether the weighting balances groups. Class weights alone (label
        balance) are expected to concentrate weight on rare classes, as
        scikit-learn's "balanced" weights do: only the tiny-cell check
        applies to them.
    thresholds : dict, default=None
        Thresholds to use instead of the defaults (:data:`THRESHOLDS`).

    Returns
    -------
    messages : list of str
    """
    limits = thresholds_of(thresholds)
    rows = np.asarray(rows).ravel()
    factors = np.asarray(factors, dtype=np.float64).ravel()
    weighted = np.asarray(weighted, dtype=np.float64).ravel()
    # The usual case, told without a mask: every cell has rows and a finite
    # factor (a finite sum has no NaN or infinite term).
    if not rows.size or (rows.min() > 0 and np.isfinite(factors.sum())):
        cells = _Identity()  # no copy of the cells that count
        n, mass = rows, weighted * factors
    else:
        cells = np.flatnonzero((rows > 0) & np.isfinite(factors))
        if cells.size == 0:
            return []
        n = rows[cells]
        mass = weighted[cells] * factors[cells]
    n_rows, total = n.sum(), mass.sum()
    if not np.isfinite(total):
        return []
    if not total > 0:
        return [
            f"Every weight is 0 ({n_rows:,.0f} rows): a model fit with these weights "
            "learns nothing. Give at least one class (class_weight) or row "
            "(sample_weight) a positive weight."
        ]
    scale = mass.max()  # scale-free sums: no overflow, no underflow
    messages = []
    buffer = np.empty_like(mass)  # one scratch array for the checks below
    ess = _ess(mass, n, scale, buffer) if groups else None  # all cells' mass
    if groups and ess < limits["ess_share"] * n_rows:
        messages.append(
            f"The weights leave an effective sample size (Kish) of {ess:,.1f} of "
            f"{n_rows:,.0f} rows ({ess / n_rows:.1%}): estimates would rest on few "
            f"rows. To keep more of the data, {_ADVICE}."
        )
    heavy = ()
    if groups and scale > limits["cell_share"] * total:  # else no cell is heavy
        share, row_share = mass / total, n / n_rows
        heavy = np.flatnonzero(
            (share > limits["cell_share"]) & (share > limits["cell_ratio"] * row_share)
        )
    if len(heavy):
        first = _largest_first(heavy, share)
        shown = "; ".join(
            f"{name} ({n[i]:,.0f} rows, {row_share[i]:.2%} of the rows, carry "
            f"{share[i]:.1%} of the weight)"
            for i, name in zip(first, describe(cells[first]))
        )
        more = f" and {heavy.size - _SHOWN} more" if heavy.size > _SHOWN else ""
        messages.append(
            f"{heavy.size} cell(s) carry a large share of the total weight on few "
            f"rows: {shown}{more}. To spread the weight, {_ADVICE}."
        )
    mean = total / n_rows
    tiny = ()
    if n.min() < limits["min_count"]:  # else no cell is tiny
        per_row = np.divide(mass, n, out=buffer)
        tiny = np.flatnonzero(
            (n < limits["min_count"]) & (per_row > limits["tiny_ratio"] * mean)
        )
    if len(tiny):
        first = _largest_first(tiny, per_row)
        shown = "; ".join(
            f"{name} ({n[i]:,.0f} row(s), weight {per_row[i] / mean:.3g} times the mean)"
            for i, name in zip(first, describe(cells[first]))
        )
        more = f" and {tiny.size - _SHOWN} more" if tiny.size > _SHOWN else ""
        messages.append(
            f"{tiny.size} cell(s) of fewer than {limits['min_count']} rows are "
            f"up-weighted: {shown}{more}. Each of their rows stands for many; merge "
            "them into coarser cells, drop them, or cap the weights (max_weight=)."
        )
    return messages


def _largest_first(index, values):
    """The first ``_SHOWN`` of ``index`` by decreasing ``values`` (ties: in order).

    O(len(index)): the largest few are picked before any sort.
    """
    picked = values[index]
    if picked.size > 4 * _SHOWN:
        kth = np.partition(picked, picked.size - _SHOWN)[picked.size - _SHOWN]
        keep = picked >= kth
        index, picked = index[keep], picked[keep]
    return index[np.argsort(-picked, kind="stable")][:_SHOWN]


def _ess(mass, n, scale, out):
    """Kish's effective sample size of cells of ``n`` rows sharing ``mass`` equally.

    ``out``: scratch space of the shape of ``mass``.
    """
    m = np.divide(mass, scale, out=out)
    first = float(m.sum())
    np.multiply(m, m, out=m)
    np.divide(m, n, out=m)
    return first**2 / float(m.sum())


class _Identity:
    """Positions that are the cells themselves (every cell counts)."""

    def __getitem__(self, index):
        return index


def lacking_units(stratum, group, label, mode):
    """How many balancing units each stratum lacks, of those that occur anywhere.

    Parameters
    ----------
    stratum, group, label : ndarray of int of shape (n_cells,)
        The numbers of each cell's stratum, group and label (cells with rows).
    mode : Mode
        The balance mode: its unit axes name the units.

    Returns
    -------
    lacking : ndarray of int64 of shape (n_strata,)
        0 where the stratum has every unit; a stratum with one unit of two
        lacks 1.

    Examples
    --------
    >>> import numpy as np
    >>> from skweight.engine.modes import MODES
    >>> from skweight.weighting.health import lacking_units
    >>> # stratum 0 has groups 0 and 1, stratum 1 only group 0
    >>> lacking_units(np.array([0, 0, 1]), np.array([0, 1, 0]), np.zeros(3, int),
    ...               MODES["groups"]).tolist()
    [0, 1]
    """
    stratum = np.asarray(stratum)
    values = {GROUP_AXIS: np.asarray(group), LABEL_AXIS: np.asarray(label)}
    n_strata = int(stratum.max()) + 1 if stratum.size else 0
    axes = [a for a in (GROUP_AXIS, LABEL_AXIS) if a in mode.unit_axes]
    if not axes or not stratum.size:
        return np.zeros(n_strata, dtype=np.int64)
    others = [a for a in (GROUP_AXIS, LABEL_AXIS) if a not in axes]
    cell_is_unit = all(not values[a].size or values[a].max() == 0 for a in others)
    if len(axes) == 1:  # numbers of one axis are dense: 0 .. n - 1
        unit, n_units = values[axes[0]], int(values[axes[0]].max()) + 1
    elif cell_is_unit:  # only how many units occur: no numbers per cell
        unit, n_units = None, None
    else:
        unit, n_units = numbered([values[a] for a in axes])
    if cell_is_unit:
        per_stratum = np.bincount(stratum, minlength=n_strata)
        if n_units is None:
            # A stratum with as many cells as there are combinations of the
            # axes' numbers has them all; else they are counted.
            bound = math.prod(int(values[a].max()) + 1 for a in axes)
            full = int(per_stratum.max()) >= bound
            n_units = (
                bound if full else numbered([values[a] for a in axes], count_only=True)[1]
            )
    else:
        pair, n_pairs = numbered([stratum, unit])
        per_stratum = np.bincount(stratum[first_of(pair, n_pairs)], minlength=n_strata)
    np.subtract(n_units, per_stratum, out=per_stratum)  # in place: one array of strata
    return per_stratum.astype(np.int64, copy=False)


def unbalanceable_message(lacking, describe, mode):
    """The warning for strata that lack a unit (None when every stratum has all).

    ``describe(strata)`` names strata (their numbers) for the message.
    """
    short = np.flatnonzero(lacking > 0)
    if short.size == 0:
        return None
    unit = {(GROUP_AXIS,): "group", (LABEL_AXIS,): "class"}.get(
        tuple(mode.unit_axes), "group x label cell"
    )
    shown = "; ".join(
        f"{name} (which lacks {lacking[i]} {unit}{'s' if lacking[i] > 1 else ''})"
        for i, name in zip(short[:_SHOWN], describe(short[:_SHOWN]))
    )
    more = f" and {short.size - _SHOWN} more" if short.size > _SHOWN else ""
    return (
        f"{short.size} of {lacking.size} strata cannot be balanced: each lacks a "
        f"{unit} that occurs in other strata ({shown}{more}). No weight can go to a "
        f'{unit} a stratum does not have, so there "{mode.doc}" does not hold, '
        "whatever the report's deviation says. Merge such strata into coarser ones, "
        f"or drop their rows."
    )


def describe_cells(counter, cells):
    """``"name=value, ..."`` for each cell (stored index) of a cell counter."""
    keys = counter.cell_keys(np.asarray(cells))
    plain = [[as_python(v) for v in values] for values in keys.values()]
    return [
        ", ".join(f"{name}={values[i]!r}" for name, values in zip(keys, plain))
        for i in range(len(cells))
    ]


def warn_issues(messages, stacklevel=3):
    """Warn each message as a :class:`~skweight.exceptions.WeightingWarning`."""
    for message in messages:
        warnings.warn(message, WeightingWarning, stacklevel=stacklevel)


def weight_warnings(
    weighter: Any, *, thresholds: dict[str, float] | None = None
) -> list[str]:
    """The warnings a fitted weighter's weights deserve, as messages.

    The checks that ``fit`` and ``fit_weight`` run (and warn, as
    :class:`~skweight.exceptions.WeightingWarning`); useful after
    ``partial_fit`` on chunks, which does not warn, and on the command line.

    Parameters
    ----------
    weighter : BaseWeighter
        A fitted weighter.
    thresholds : dict, default=None
        Thresholds to check against instead of the weighter's
        ``warn_thresholds`` (or the defaults): any of ``ess_share`` (the
        effective sample size below this share of the rows), ``cell_share``
        and ``cell_ratio`` (a cell carrying more than this share of the weight
        and more than this many times its share of the rows), ``min_count``
        and ``tiny_ratio`` (a cell of fewer rows up-weighted to more than this
        many times the mean weight).

    Returns
    -------
    messages : list of str
        Empty when the weights pass every check.

    Examples
    --------
    >>> from skweight import GroupBalancedWeighter
    >>> from skweight.diagnostics import weight_warnings
    >>> weighter = GroupBalancedWeighter()
    >>> weighter = weighter.partial_fit(None, [0] * 50).partial_fit(None, [0] * 48 + [1] * 2)
    >>> [m.split(":")[0] for m in weight_warnings(weighter)]
    ['1 cell(s) of fewer than 5 rows are up-weighted']
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(weighter, "n_cells_")
    if hasattr(weighter, "estimators_"):  # a multi-output target: each output's
        return [
            f"Output {k}: {message}"
            for k, estimator in enumerate(weighter.estimators_)
            for message in weight_warnings(estimator, thresholds=thresholds)
        ]
    if weighter.cell_spec_.multilabel:
        return []
    table = weighter.weight_table_
    keys = list(weighter.cell_spec_.key_columns)
    mode = MODES[weighter.balance_mode_]

    def describe(cells):
        rows = table.iloc[np.asarray(cells)]
        return [
            ", ".join(f"{name}={as_python(row[name])!r}" for name in keys)
            for _, row in rows.iterrows()
        ]

    messages = weight_issues(
        table["count"].to_numpy(),
        table["weighted_count"].to_numpy(),
        table["factor"].to_numpy(),
        describe,
        groups=balances_groups(mode),
        thresholds=getattr(weighter, "warn_thresholds", None)
        if thresholds is None
        else thresholds,
    )
    spec = weighter.cell_spec_
    stratum = combination_ids(table, list(spec.strata))
    numbers = {
        "group": combination_ids(table, list(spec.groups)),
        "label": combination_ids(table, [spec.label] if spec.label else []),
    }
    first = first_of(stratum, int(stratum.max()) + 1 if stratum.size else 0)

    def strata_names(strata):
        rows = table.iloc[first[np.asarray(strata)]]
        return [
            ", ".join(f"{name}={as_python(row[name])!r}" for name in spec.strata)
            for _, row in rows.iterrows()
        ]

    message = unbalanceable_message(
        lacking_units(stratum, numbers["group"], numbers["label"], mode), strata_names, mode
    )
    return messages + ([message] if message else [])


def combination_ids(table, columns):
    """A dense number of each row's combination of ``columns`` (0 without columns)."""
    if not columns:
        return np.zeros(len(table), dtype=np.intp)
    return table.groupby(columns, sort=False, dropna=False).ngroup().to_numpy(np.intp)
