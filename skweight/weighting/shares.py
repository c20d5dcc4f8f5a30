"""Target shares: the share each balancing unit carries inside its stratum.

By default every unit (a class, a group, or a group x label cell; see
:mod:`skweight.engine.modes`) of a stratum carries the same weight. With
``target_shares`` the user gives the share of each unit instead, once for
every stratum or once per stratum, and the stratum totals stay as they are.
:func:`cell_target_shares` turns the user's dictionary into one share per
cell of the fitted table (the share of the cell's unit, normalised over the
units of its stratum), matching its keys to the learned levels with array
programs over the cells; :func:`shares_of` computes such a dictionary from a
reference sample (a test set, deployment data, a census table).
"""

import warnings
from collections.abc import Mapping
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

from ..engine.encode import as_python as _plain
from ..engine.frames import FrameView
from ..engine.keys import first_of, numbered
from ..engine.modes import GROUP_AXIS, LABEL_AXIS
from ..exceptions import WeightingWarning, caller_stacklevel
from .factors import unit_numbers

__all__ = ["cell_target_shares", "check_amount", "codes_of_values", "shares_of"]


def cell_target_shares(counter, target_shares, mode, *, strict=True):
    """The target share of each cell's unit in its stratum, per canonical cell.

    Parameters
    ----------
    counter : CellCounter
        The fitted cells.
    target_shares : dict
        ``{unit: share}`` for every stratum, or ``{stratum: {unit: share}}``.
        A unit is a class (``balance="label"``), a group value (a tuple with
        several group columns) or a ``(group..., label)`` tuple
        (``balance="joint"``); a stratum is a value, or a tuple with several
        stratum columns. Shares are normalised to sum to 1 over the units of
        each stratum that have weight.
    mode : Mode
        The balance mode.
    strict : bool, default=True
        Warn about named units and strata without rows (or without weight).
        False while ``partial_fit`` counts chunks: later chunks may have them.

    Returns
    -------
    shares : ndarray of float64 of shape (n_cells,)
        In canonical order: the normalised target share of each cell's unit
        (0 for a unit whose rows weigh 0).
    """
    if mode.independence:
        raise ValueError(
            "target_shares gives the share of each balancing unit; "
            "balance='independence' has none (its targets are P(g) P(y)). Give "
            "the shares of the group x label cells with balance='joint', or the "
            "margins with RakingWeighter."
        )
    if counter.multilabel:
        raise ValueError(
            "target_shares is not available for a multi-label target: each tag is "
            "its own binary problem. Give the tags' weights with class_weight_tensor "
            "or tag_row_weights instead."
        )
    spec = counter.spec
    encoders = counter.encoders
    n_s, n_g = len(spec.strata), len(spec.groups)
    unit_axes = []
    if GROUP_AXIS in mode.unit_axes:
        unit_axes += list(range(n_s, n_s + n_g))
    if LABEL_AXIS in mode.unit_axes:  # such a mode always counts the label
        unit_axes.append(n_s + n_g)
    unit_names = [spec.key_columns[a] for a in unit_axes]
    per_stratum = _is_per_stratum(target_shares)
    if per_stratum and not n_s:
        raise ValueError(
            "target_shares is a dict per stratum ({stratum: {unit: share}}), but the "
            "weighter has no strata; give {unit: share}, or name strata=."
        )
    entries = (
        [(s, u, v) for s, inner in target_shares.items() for u, v in inner.items()]
        if per_stratum
        else [((), u, v) for u, v in target_shares.items()]
    )
    if not entries:
        raise ValueError("target_shares is empty: give a share for every unit.")
    stratum_names = list(spec.strata) if per_stratum else []
    axes = list(range(n_s)) if per_stratum else []
    axes += unit_axes
    keys = [
        _as_key(s, stratum_names, "a stratum") + _as_key(u, unit_names, "a unit")
        if per_stratum
        else _as_key(u, unit_names, "a unit")
        for s, u, _ in entries
    ]
    shares = _shares(keys, [v for _, _, v in entries])

    # Key values -> the codes of the learned levels, column by column; a value
    # no row has (a class of the deployment data only) names no unit here.
    target_codes = [
        codes_of_values(
            encoders[axis],
            [key[i] for key in keys],
            spec.key_columns[axis],
            unknown="ignore",
        )
        for i, axis in enumerate(axes)
    ]
    known = np.ones(len(keys), dtype=bool)
    for codes in target_codes:
        known &= codes >= 0
    if strict and np.any(~known & (shares > 0)):
        first = int(np.flatnonzero(~known & (shares > 0))[0])
        _warn(
            f"target_shares names {_shown(keys[first])}, which no fitted row has "
            f"({int(np.count_nonzero(~known & (shares > 0)))} such key(s)); the shares "
            "of the units that have rows are scaled up to sum to 1."
        )
    if not known.any():
        raise ValueError(
            "target_shares names no unit the fitted rows have (e.g. "
            f"{_shown(keys[0])}); its keys are the values of {unit_names}."
        )
    keys = [k for k, ok in zip(keys, known) if ok]
    shares = shares[known]
    target_codes = [codes[known] for codes in target_codes]

    canonical = counter.canonical()
    cell_codes = [canonical.gather(counter.codes(axis)) for axis in axes]
    m = len(keys)
    # Every mode that takes target shares names its units by a column (axes).
    ids, n = numbered([np.concatenate([t, c]) for t, c in zip(target_codes, cell_codes)])
    target_ids, cell_ids = ids[:m], ids[m:]
    position = np.full(n, -1, dtype=np.intp)
    position[target_ids] = np.arange(m)
    if np.unique(target_ids).size < m:
        seen = np.bincount(target_ids, minlength=n)
        key = keys[int(np.flatnonzero(seen[target_ids] > 1)[0])]
        raise ValueError(f"target_shares names the unit {_shown(key)} twice.")
    match = position[cell_ids]
    if np.any(match < 0):
        cell = int(np.flatnonzero(match < 0)[0])
        values = counter.cell_keys(canonical.order[[cell]])
        unit = {name: _plain(values[name][0]) for name in unit_names}
        where = {name: _plain(values[name][0]) for name in spec.strata}
        raise ValueError(
            f"target_shares gives no share to the unit {unit}"
            + (f" in the stratum {where}" if where and per_stratum else "")
            + ", which has rows. Give every unit a share (0 drops its rows)."
        )

    unit = unit_numbers(canonical, mode.unit_axes)
    if unit is None:
        unit = np.arange(counter.n_cells, dtype=np.intp)
    n_units = int(unit.max()) + 1 if unit.size else 0
    first = first_of(unit, n_units)
    unit_target = match[first]
    unit_stratum = canonical.stratum[first]
    n_strata = canonical.shape3[0]
    # Only units that carry weight can take a share (rows of sample_weight 0
    # cannot be scaled up).
    weight = np.bincount(
        unit, weights=canonical.gather(counter.weighted), minlength=n_units
    )
    present = weight > 0
    raw = np.where(present, shares[unit_target], 0.0)
    total = np.bincount(unit_stratum, weights=raw, minlength=n_strata)
    stratum_weight = np.bincount(unit_stratum, weights=weight, minlength=n_strata)
    lost = (total <= 0) & (stratum_weight > 0)
    if np.any(lost):
        s = int(np.flatnonzero(lost)[0])
        cell = int(np.flatnonzero(canonical.stratum == s)[0])
        values = counter.cell_keys(canonical.order[[cell]])
        where = {name: _plain(values[name][0]) for name in spec.strata}
        raise ValueError(
            "target_shares gives every unit "
            + (f"of the stratum {where} " if where else "")
            + "that has weight a share of 0: all its rows would weigh 0."
        )
    if strict:
        _warn_missing(
            shares, unit_target[present], unit_stratum[present], per_stratum, keys
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        normalised = np.where(total[unit_stratum] > 0, raw / total[unit_stratum], 0.0)
    return normalised[unit]


def shares_of(
    data: Any,
    columns: Any = None,
    *,
    strata: Any = None,
    sample_weight: Any = None,
) -> dict:
    """The shares of a reference sample, in the form ``target_shares`` takes.

    Counts (or sums ``sample_weight`` over) each combination of ``columns`` in
    ``data`` and divides by the total, within each stratum when ``strata``
    is given: the class priors of deployment data, the group mix of a test
    set, or a census table's shares, ready for a weighter's
    ``target_shares``.

    Parameters
    ----------
    data : DataFrame or array-like of shape (n_samples,)
        Any dataframe narwhals reads (pandas, polars, pyarrow), or one
        column of values (a list, an array, a Series) with ``columns=None``.
    columns : str or list of str, default=None
        The column(s) naming a unit: a class label, a group, or the group
        column(s) then the label column (``balance="joint"``). None: ``data``
        is one column of values.
    strata : str or list of str, default=None
        Stratum column(s): one dict of shares per stratum.
    sample_weight : array-like of shape (n_samples,) or str, default=None
        One weight per row (survey weights, or a census table's population
        counts), or the name of their column in ``data``: shares of their
        sums rather than of rows.

    Returns
    -------
    shares : dict
        ``{unit: share}``, or ``{stratum: {unit: share}}`` with ``strata``;
        a unit (stratum) of several columns is a tuple. Shares sum to 1
        (within each stratum), keys in sorted order.

    Examples
    --------
    >>> import pandas as pd
    >>> from skweight import GroupBalancedWeighter, shares_of
    >>> shares_of(["a", "b", "b", "b"])
    {'a': 0.25, 'b': 0.75}

    Label shift: weigh the training rows so that the classes have the
    deployment data's priors.

    >>> y_train = [0, 0, 0, 1]
    >>> y_deploy = [0, 1, 1, 1]
    >>> w = GroupBalancedWeighter(target_shares=shares_of(y_deploy))
    >>> w.fit_weight(None, y_train)
    array([0.33333333, 0.33333333, 0.33333333, 3.        ])
    """
    if columns is None:
        if strata is not None or isinstance(sample_weight, str):
            raise ValueError(
                "shares_of(data) without columns reads data as one column of values; "
                "strata= and a sample_weight column name need columns=."
            )
        frame = pd.DataFrame({"unit": _one_column(data)})
        columns, strata_list = ["unit"], []
    else:
        columns = [columns] if isinstance(columns, str) else list(columns)
        strata_list = (
            []
            if strata is None
            else ([strata] if isinstance(strata, str) else list(strata))
        )
        named = [sample_weight] if isinstance(sample_weight, str) else []
        wanted = strata_list + columns + named
        frame = _columns_of(data, wanted)
    if sample_weight is None:
        w = np.ones(len(frame))
    else:
        w = (
            frame.pop(sample_weight).to_numpy(dtype=np.float64)
            if isinstance(sample_weight, str)
            else np.asarray(sample_weight, dtype=np.float64)
        )
        if w.shape != (len(frame),) or not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueError(
                f"sample_weight must be {len(frame)} finite values >= 0, one per row "
                "of data."
            )
    if len(frame) == 0:
        raise ValueError("shares_of needs at least one row of data.")
    frame = frame.assign(_w=w)
    keys = strata_list + columns
    sums = frame.groupby(keys, sort=True, dropna=False, observed=True)["_w"].sum()
    if strata_list:
        totals = sums.groupby(level=list(range(len(strata_list))), dropna=False).transform(
            "sum"
        )
    else:
        totals = pd.Series(sums.sum(), index=sums.index)
    shares = sums / totals.where(totals > 0)
    if shares.isna().any():
        raise ValueError("The weights of a stratum sum to 0: its shares are undefined.")
    return _as_dicts(shares, len(strata_list))


# ---------------------------------------------------------------------- #
def _is_per_stratum(target_shares):
    nested = [isinstance(v, Mapping) for v in target_shares.values()]
    if any(nested) and not all(nested):
        raise ValueError(
            "target_shares mixes shares and dicts: give {unit: share} for every "
            "stratum, or {stratum: {unit: share}} for each."
        )
    return bool(nested) and all(nested)


def _as_key(key, names, what):
    """``key`` as a tuple of one value per column of ``names``."""
    if len(names) == 1 and not isinstance(key, tuple):
        return (key,)
    if not isinstance(key, tuple) or len(key) != len(names):
        raise ValueError(
            f"target_shares names {what} by {len(names)} column(s) {names}; got the "
            f"key {key!r}. Use a tuple of one value per column."
            if names
            else f"target_shares: the weighter has no column naming {what}."
        )
    return key


def check_amount(value, where):
    """``value`` as a float, or an error: a weight or share must be a finite number >= 0.

    Parameters
    ----------
    value : object
        What the user gave.
    where : str or callable
        The parameter and key, for the message (e.g. ``"class_weight[1]"``),
        or a function returning it (called only for the message).

    Returns
    -------
    value : float
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, Real)
        or not (np.isfinite(value) and value >= 0)
    ):
        where = where() if callable(where) else where
        raise ValueError(f"{where} must be a finite number >= 0; got {value!r}.")
    return float(value)


def _shares(keys, values):
    """The shares as floats: every one a finite number >= 0 (a vector check)."""
    if not any(isinstance(v, (bool, np.bool_)) for v in values):
        try:
            shares = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            shares = None
        if shares is not None and np.all(np.isfinite(shares) & (shares >= 0)):
            if all(isinstance(v, Real) for v in values):
                return shares
    # Some share is wrong: the first one says which.
    return np.array([_share(k, v) for k, v in zip(keys, values)])


def _share(key, value):
    return check_amount(value, lambda: f"target_shares[{_shown(key)}]")


def _shown(key):
    return repr(key[0]) if len(key) == 1 else repr(key)


def codes_of_values(encoder, values, name, param="target_shares", *, unknown="error"):
    """The learned code of each of ``values``; an error naming any unknown one.

    A missing value (None, NaN, ``pd.NA``) names the missing level (a
    weighter's ``handle_missing="category"``).

    Parameters
    ----------
    encoder : LevelEncoder
        The column's fitted levels.
    values : list
        Values of the column, as the user gave them.
    name : str
        The column's name, and ``param`` the parameter that named the
        values, for the message.
    unknown : {"error", "ignore"}, default="error"
        What a value no row has gets: an error, or the code -1.

    Returns
    -------
    codes : ndarray of intp
    """
    levels = encoder.levels
    lookup = pd.Index(values, tupleize_cols=False)  # numbers, dates, strings: typed
    if lookup.dtype == object:  # mixed or unusual values: one by one
        lookup = pd.Index([_plain(v) for v in values], dtype=object)
        missing = np.array([_is_missing(v) for v in values], dtype=bool)
    else:
        missing = np.asarray(lookup.isna())
    codes = np.asarray(levels.get_indexer(lookup), dtype=np.intp)
    if missing.any():
        code = encoder.missing_code
        codes[missing] = -1 if code is None else code
    if unknown == "error" and np.any(codes < 0):
        value = values[int(np.flatnonzero(codes < 0)[0])]
        known = [_plain(v) for v in encoder.decode(np.arange(min(len(levels), 10)))]
        more = ", ..." if len(levels) > 10 else ""
        raise ValueError(
            f"{param} names {value!r} for the column {name!r}, which the "
            f"fitted rows do not have (their values: {known}{more})."
        )
    return codes


def _is_missing(value):
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # not a scalar
        return False


def _warn_missing(shares, unit_target, unit_stratum, per_stratum, keys):
    """Warn when units with a positive target share have no weight in a stratum.

    ``unit_target`` and ``unit_stratum``: the target and stratum of each unit
    that has weight.
    """
    if per_stratum:
        matched = np.zeros(shares.size, dtype=bool)
        matched[unit_target] = True
        lacking = np.flatnonzero(~matched & (shares > 0))
        if lacking.size:
            _warn(
                f"target_shares gives a share to {lacking.size} unit(s) without rows "
                f"(or weight) in their stratum (e.g. {_shown(keys[int(lacking[0])])}); "
                "the shares of the units there are scaled up to sum to 1."
            )
        return
    positive = int(np.count_nonzero(shares > 0))
    n_strata = int(unit_stratum.max()) + 1 if unit_stratum.size else 0
    per = np.bincount(unit_stratum, weights=shares[unit_target] > 0, minlength=n_strata)
    short = int(np.count_nonzero(per < positive))
    if short:
        _warn(
            f"In {short} of {n_strata} strata some unit with a positive target share "
            "has no rows (or no weight); the shares of the units present there are "
            "scaled up to sum to 1."
        )


def _warn(message):
    warnings.warn(message, WeightingWarning, stacklevel=caller_stacklevel())


def _one_column(data):
    values = data.to_numpy() if hasattr(data, "to_numpy") else np.asarray(data)
    if values.ndim != 1:
        raise ValueError(
            "shares_of(data) without columns needs one column of values; got an "
            f"array of shape {values.shape}. Name the columns with columns=."
        )
    return values


def _as_dicts(shares, n_strata):
    """A Series of shares by (strata..., unit...) as ``target_shares`` takes it.

    One dict from unit to share, or with ``n_strata`` stratum levels first, one
    such dict per stratum; a key of several columns is a tuple. Built from the
    index's lists (Python values) in one pass over the keys.
    """
    values = shares.to_numpy().tolist()
    index = shares.index
    if not n_strata:
        return dict(zip(index.tolist(), values))
    levels = list(range(n_strata))
    strata = index.droplevel(list(range(n_strata, index.nlevels))).tolist()
    units = index.droplevel(levels).tolist()
    out: dict = {}
    for stratum, unit, share in zip(strata, units, values):
        out.setdefault(stratum, {})[unit] = share
    return out


def _columns_of(data, names):
    """The columns ``names`` of any dataframe, as a pandas DataFrame."""
    view = FrameView(data)
    if view.columns is None:
        raise TypeError(
            "shares_of(data, columns) needs a dataframe (pandas, polars, pyarrow); "
            f"got {type(data).__name__}."
        )
    missing = [n for n in names if n not in view.columns]
    if missing:
        raise ValueError(
            f"shares_of: data has no column {missing[0]!r} (its columns: {view.columns})."
        )
    return pd.DataFrame(
        {
            n: view.column(n, param="columns", estimator_name="shares_of")[1].to_numpy()
            for n in dict.fromkeys(names)
        }
    )
