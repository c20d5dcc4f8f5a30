"""Reading one call's key columns: groups, strata, the label and weights.

:func:`read_keys` is the one place where the inputs of a call (a frame or
arrays, the roles' column names, ``y``, ``sample_weight``) become the key
columns the :class:`~skweight.engine.cells.CellCounter` counts, with the
balance mode they serve. The weighters read their rows through it, and so
do the balance reports: both count exactly the same cells.
"""

from typing import NamedTuple

import numpy as np

from .._compat import check_sample_weight
from .cells import STAT_COLUMNS, CellSpec
from .frames import FrameView, n_rows_of, resolve_keys
from .labels import read_label
from .modes import MODES, resolve_mode

__all__ = ["Keys", "frame_of", "read_keys"]


class Keys(NamedTuple):
    """The key columns of one call, ready for :meth:`CellCounter.encode`.

    Attributes
    ----------
    strata, groups : list of array-like
        One 1-D column per stratum / group column.
    label : Label or None
        The checked target (:func:`~skweight.engine.labels.read_label`); None
        when the mode does not use it.
    sample_weight : ndarray of float64 or None
        Checked weights (finite, non-negative), or None.
    spec : CellSpec
        The cells these columns make.
    mode : Mode
        The balance mode.
    """

    strata: list
    groups: list
    label: object
    sample_weight: object
    spec: CellSpec
    mode: object

    @property
    def label_codes(self):
        """What :meth:`CellCounter.encode` takes as the label (None without one)."""
        return self.label.codes if self.label is not None else None


def frame_of(inputs, name):
    """The :class:`~skweight.engine.frames.FrameView` of ``inputs.X``.

    Without ``X`` (None), the rows are counted from the first of ``y``,
    ``sensitive_features`` and ``strata_features`` that is given.
    """
    n_samples = None
    if inputs.X is None:
        for values in (inputs.y, inputs.sensitive_features, inputs.strata_features):
            if values is not None and not isinstance(values, str):
                n_samples = n_rows_of(values)
                break
        else:
            raise ValueError(
                f"{name} got X=None and nothing else to count: pass X, y, or "
                "sensitive_features."
            )
    return FrameView(inputs.X, n_samples)


def read_keys(frame, inputs, *, groups, strata, balance, name):
    """Resolve the key columns of ``inputs`` and check them against ``balance``.

    Parameters
    ----------
    frame : FrameView
        The view of ``inputs.X`` (:class:`~skweight.engine.frames.FrameView`).
    inputs : Inputs
        ``(X, y, sample_weight, sensitive_features, strata_features)``.
    groups, strata : str, int, list or None
        The group and stratum columns of ``X``, as the estimators take them.
    balance : str
        A mode of :data:`~skweight.engine.modes.MODES` or ``"auto"``.
    name : str
        Who reads, for the messages (an estimator's or a function's name).

    Returns
    -------
    keys : Keys

    Examples
    --------
    >>> import pandas as pd
    >>> from skweight.engine.backends import Inputs
    >>> from skweight.engine.frames import FrameView
    >>> from skweight.engine.reading import read_keys
    >>> X = pd.DataFrame({"category": ["a", "b"], "gender": ["f", "m"]})
    >>> keys = read_keys(FrameView(X), Inputs(X, [0, 1], None, None, None),
    ...                  groups="gender", strata="category", balance="joint",
    ...                  name="example")
    >>> keys.spec.key_columns
    ('category', 'gender', 'label')
    """
    _, y, sample_weight, sensitive_features, strata_features = inputs
    n_samples = frame.n_rows
    groups = resolve_keys(
        frame,
        groups,
        sensitive_features,
        param="groups",
        kwarg="sensitive_features",
        estimator_name=name,
        n_samples=n_samples,
        arrays=True,
    )
    strata = resolve_keys(
        frame,
        strata,
        strata_features,
        param="strata",
        kwarg="strata_features",
        estimator_name=name,
        n_samples=n_samples,
        arrays=True,
    )
    mode = resolve_mode(balance, bool(groups))
    overlap = {n for n, _ in groups} & {n for n, _ in strata}
    if overlap:
        raise ValueError(
            f"Column(s) {sorted(overlap)} are both groups and strata; a "
            "column can play one role only."
        )
    if mode.needs_groups and not groups:
        raise ValueError(
            f"balance={mode.name!r} needs group columns: set groups= (column "
            "names or positions of X) or pass sensitive_features= to fit."
        )
    if groups and not mode.needs_groups:
        using = [m for m, row in MODES.items() if row.needs_groups and row.needs_label]
        raise ValueError(
            f"balance={mode.name!r} ({mode.doc}) would ignore the group "
            f"columns; drop groups, or choose balance={' or '.join(map(repr, using))}"
            " to use them."
        )
    if n_samples == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape=({n_samples}, "
            f"{frame.n_features})) while a minimum of 1 is required by {name}."
        )
    label = None
    if mode.needs_label:
        if y is None:
            raise ValueError(
                f"{name} requires y to be passed, but the target y is None "
                f"(balance={mode.name!r} uses the label)."
            )
        label = read_label(y, frame, n_samples)
    if sample_weight is not None:
        sample_weight = check_sample_weight(sample_weight, np.empty((n_samples, 0)))
    names = {n for n, _ in strata} | {n for n, _ in groups}
    taken = sorted(names & set(STAT_COLUMNS))
    if taken:
        raise ValueError(
            f"The key column {taken[0]!r} has the name of a column of "
            f"{name}'s tables ({', '.join(STAT_COLUMNS)}); rename it, e.g. "
            f"X.rename(columns={{{taken[0]!r}: {taken[0] + '_'!r}}})."
        )
    label_name = None
    if label is not None:
        label_name = "label"
        if (
            label.name is not None
            and label.name not in names
            and label.name not in STAT_COLUMNS
            and not label.multilabel
        ):
            label_name = label.name
        while label_name in names:
            label_name += "_"
    spec = CellSpec(
        tuple(n for n, _ in strata),
        tuple(n for n, _ in groups),
        label_name,
        label.classes if label is not None else None,
    )
    return Keys(
        [v for _, v in strata], [v for _, v in groups], label, sample_weight, spec, mode
    )
