"""Learned levels of one key column, and the codes of new rows against them.

A :class:`LevelEncoder` learns the distinct values ("levels") of one column
from its :class:`~skweight.engine.codes.RawCodes` and maps the raw codes of any
later rows to the learned ones through a table the size of their distinct
values: one gather per column, however the raw codes were made.

Levels only ever grow, so codes learned on one chunk stay valid for the next:
this is what lets ``partial_fit`` merge count tables exactly. The order in
which levels were learned is an implementation detail; :meth:`canonical_order`
gives the order every output uses (sorted values, missing last), so that the
same data gives the same tables from any library and any chunking.
"""

import functools
from collections.abc import Hashable

import numpy as np
import pandas as pd

from .codes import native_codes
from .keys import argsort_ints

__all__ = [
    "LevelEncoder",
    "MISSING",
    "UNKNOWN",
    "as_python",
    "check_finite",
    "check_negative",
]

MISSING = -1
UNKNOWN = -2
# More distinct values than this are learned in sorted order at first.
SORTED_MIN = 1 << 12


def as_python(value):
    """A numpy scalar as the Python value it holds (for messages and dict keys).

    Dates and durations become pandas ``Timestamp`` and ``Timedelta`` (numpy
    gives nanosecond ones as plain integers).
    """
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value)
    if isinstance(value, np.timedelta64):
        return pd.Timedelta(value)
    return value.item() if isinstance(value, np.generic) else value


class LevelEncoder:
    """Learn the levels of one column and encode values as integer codes.

    Parameters
    ----------
    name : str
        The column's name, used in error messages and tables.

    Attributes
    ----------
    levels : pandas.Index or None
        The values learned so far (for integers encoded directly, while
        every integer up to the largest occurs: ``RangeIndex(max + 1)``).
        The counter drops levels no row has (:meth:`compact`).
    """

    def __init__(self, name):
        self.name = name
        self.levels = None
        self.missing_code = None

    # Levels are kept as runs of Indexes whose sizes halve from the first
    # to the last: a chunk's new levels form a run of their own (merged
    # with the runs no larger than it), so learning them costs O(their
    # number) and the hash tables of the large runs are built once, not
    # once per chunk. ``levels`` joins the runs into one when read.
    @property
    def levels(self):
        if len(self._runs) > 1:
            self._runs = [self._runs[0].append(self._runs[1:])]
        return self._runs[0] if self._runs else None

    @levels.setter
    def levels(self, index):
        self._runs = [] if index is None else [index]
        self._n = 0 if index is None else len(index)

    @property
    def n_levels(self):
        return self._n

    def encode(self, values, *, learn, missing="error"):
        """Return the codes of ``values`` and whether any is negative.

        Parameters
        ----------
        values : array-like of shape (n_rows,) or RawCodes
        learn : bool
            Whether unseen values become new levels (fit) or get the code
            ``UNKNOWN`` (applying a fitted table to new rows).
        missing : {"error", "category"}
            Whether missing values get the code ``MISSING`` or a level of
            their own.

        Returns
        -------
        codes : ndarray of int of shape (n_rows,)
            Never writeable: it may share memory with ``values``.
        has_negative : bool
            Whether any code is ``MISSING`` or ``UNKNOWN``.
        """
        try:
            raw = values if hasattr(values, "uniques") else native_codes(values)
        except TypeError as exc:  # unhashable values (dicts, lists) name no group
            kinds = sorted(
                {
                    type(v).__name__
                    for v in np.asarray(values, dtype=object)
                    if not isinstance(v, Hashable)
                }
            )
            raise TypeError(
                f"Column {self.name!r} holds values of type {', '.join(kinds) or '?'}, "
                "which cannot name a group or stratum: each key argument must be a "
                f"string or a number (or another hashable value). ({exc})"
            ) from None
        if raw.uniques is None and self._is_range():
            codes, has_neg = self._encode_range(raw, learn=learn)
        else:
            uniques = raw.uniques if raw.uniques is not None else pd.RangeIndex(raw.size)
            mapping = self._map_uniques(uniques, learn=learn)
            codes, has_neg = _apply(raw, mapping)
        if has_neg and missing == "category":
            codes, has_neg = self._missing_as_level(codes, learn=learn)
        codes = codes.view()
        codes.flags.writeable = False
        return codes, has_neg

    def compact(self, present):
        """Keep only the levels whose ``present`` entry is True, in their order.

        Codes of kept levels become their rank among the kept ones (for the
        counter, which drops levels that no row has).
        """
        keep = np.flatnonzero(present)
        if isinstance(self.levels, pd.RangeIndex):
            self.levels = (
                _range_index(keep.size)
                if keep.size == 0 or keep[-1] == keep.size - 1
                else pd.Index(keep)
            )
        else:
            self.levels = self.levels[keep]
        if self.missing_code is not None:
            self.missing_code = (
                int(np.count_nonzero(present[: self.missing_code]))
                if present[self.missing_code]
                else None
            )

    def present_levels(self, present):
        """The levels whose ``present`` entry is True, in canonical order.

        Parameters
        ----------
        present : ndarray of bool of shape (n_levels,)

        Returns
        -------
        levels : ndarray
        """
        if isinstance(self.levels, pd.RangeIndex):  # a level per integer, in order
            return np.flatnonzero(present)
        order = self.canonical_order()
        return np.asarray(self.levels[order[present[order]]])

    def decode(self, codes):
        """Return the level values for ``codes`` (an index into ``levels``), as numpy."""
        if isinstance(self.levels, pd.RangeIndex):  # a level per integer
            return np.asarray(codes, dtype=np.int64)
        return self.levels.take(codes).to_numpy()

    def canonical_order(self):
        """Learned codes in output order: sorted values, the missing level last.

        Values that do not sort together (mixed types) are ordered by type
        name, then value.
        """
        return self._order()[0]

    def in_order(self):
        """Whether the learned codes are in canonical order already."""
        if isinstance(self.levels, pd.RangeIndex):  # a level per integer, in order
            return True
        return self._order()[1]

    def _order(self):
        levels = self.levels
        cached = getattr(self, "_cached_order", None)
        if cached is None or cached[0] is not levels or cached[1] != self.missing_code:
            cached = (levels, self.missing_code, *_order_of(levels, self.missing_code))
            self._cached_order = cached
        return cached[2], cached[3]

    # ------------------------------------------------------------------ #
    def _is_range(self):
        return not self._runs or (
            len(self._runs) == 1 and isinstance(self._runs[0], pd.RangeIndex)
        )

    def _encode_range(self, raw, *, learn):
        """Small non-negative integers: the values are their own codes."""
        codes = raw.codes
        if learn:
            if raw.size > self.n_levels:
                self.levels = _range_index(raw.size)
            return codes, False
        if raw.size > self.n_levels:
            codes = np.where(codes < self.n_levels, codes, UNKNOWN)
            return codes, True
        return codes, False

    def _map_uniques(self, uniques, *, learn):
        """Positions of ``uniques`` among the levels (UNKNOWN where absent)."""
        if not self._runs:
            if not learn:  # pragma: no cover - fit always learns first
                return np.full(len(uniques), UNKNOWN, dtype=np.intp)
            uniques = (
                uniques
                if isinstance(uniques, pd.Index)
                else pd.Index(uniques, tupleize_cols=False)
            )  # an Index is immutable: kept as is
            if len(uniques) > SORTED_MIN and not _increasing(uniques):
                # Many values: learn them sorted, so that the cells come out
                # in canonical order (one gather of the rows, not a sort of
                # the cells).
                order = _sorted_codes(uniques, None)
                self.levels = uniques.take(order)
                positions = np.empty(len(order), dtype=np.intp)
                positions[order] = np.arange(len(order))
                # Sorted as learned: canonical_order() need not sort them again.
                self._cached_order = (
                    self.levels,
                    self.missing_code,
                    np.arange(len(order), dtype=np.intp),
                    True,
                )
                return positions
            self.levels = uniques
            return np.arange(len(uniques), dtype=np.intp)
        if self._is_range() and not isinstance(uniques, pd.RangeIndex):
            # Integers learned as a range meet other values: keep the range
            # as explicit levels.
            self.levels = pd.Index(np.arange(self.n_levels), dtype=object)
        if len(self._runs) == 1 and self._runs[0].equals(uniques):
            return np.arange(len(uniques), dtype=np.intp)
        positions = np.full(len(uniques), -1, dtype=np.intp)
        offset = 0
        for run in self._runs:
            found = _positions(run, uniques)
            hit = found >= 0
            positions[hit] = found[hit] + offset
            offset += len(run)
        new = positions < 0
        if new.any():
            if learn:
                added = pd.Index(uniques[new], tupleize_cols=False)
                positions[new] = np.arange(self._n, self._n + len(added))
                self._add_run(added)
            else:
                positions[new] = UNKNOWN
        return positions

    def _add_run(self, added):
        runs = self._runs + [added]
        while len(runs) > 1 and 2 * len(runs[-1]) >= len(runs[-2]):
            last = runs.pop()
            runs[-1] = runs[-1].append(last)
        self._runs = runs
        self._n += len(added)

    def _missing_as_level(self, codes, *, learn):
        """Give missing values a level of their own (shown as NaN)."""
        is_missing = codes == MISSING
        if not is_missing.any():
            return codes, bool((codes < 0).any())
        if self.missing_code is None:
            if not learn:  # a level of its own, but one fit never saw: unknown
                return np.where(is_missing, UNKNOWN, codes), True
            if isinstance(self.levels, pd.RangeIndex) or self.levels is None:
                self.levels = pd.Index(np.arange(self.n_levels), dtype=object)
            self._add_run(pd.Index([np.nan], dtype=object))
            self.missing_code = self._n - 1
        codes = np.where(is_missing, self.missing_code, codes)
        return codes, bool((codes < 0).any())


@functools.lru_cache(maxsize=64)
def _range_index(size):
    """``RangeIndex(size)``, made once per size (an Index is immutable)."""
    return pd.RangeIndex(size)


def _int_order(values):
    """The sorting order of many distinct integers by a packed sort, else None.

    Several times faster than an argsort (ids of a million levels).
    """
    if values.dtype.kind not in "iu" or len(values) <= SORTED_MIN:
        return None
    ints = values.to_numpy()
    low, high = int(ints.min()), int(ints.max())
    if high - low >= 1 << 62:
        return None
    return argsort_ints((ints - low).astype(np.int64), high - low + 1)


def _positions(run, uniques):
    """Positions of ``uniques`` in the Index ``run``; -1 where absent.

    Sorted integer levels (ids learned sorted) are searched with
    :func:`numpy.searchsorted`: a chunk costs O(its values x log levels) and
    no hash table of the levels is built, which on a million levels costs
    more than many chunks do.
    """
    if run.dtype.kind in "iu" and len(run) > SORTED_MIN and run.is_monotonic_increasing:
        values = np.asarray(uniques)
        if values.dtype != run.dtype:
            return run.get_indexer(uniques)
        levels = run.to_numpy()
        at = np.searchsorted(levels, values)
        found = np.minimum(at, len(levels) - 1)
        return np.where(levels[found] == values, found, -1).astype(np.intp, copy=False)
    return run.get_indexer(uniques)


def _apply(raw, mapping):
    """Map raw codes through ``mapping`` (raw code -> learned code)."""
    identity = mapping.size == 0 or (
        mapping[0] == 0
        and mapping[-1] == mapping.size - 1
        and np.array_equal(mapping, np.arange(mapping.size))
    )
    if identity:
        return raw.codes, raw.has_missing
    # Append MISSING so that the raw code -1 maps to itself. Codes of fewer than
    # 2**31 levels are gathered as int32: half the bytes written.
    table = np.append(mapping, MISSING)
    if table.max() < np.iinfo(np.int32).max:  # codes of the levels, not of this call
        table = table.astype(np.int32)
    return np.take(table, raw.codes), raw.has_missing or bool((mapping < 0).any())


# Canonical orders of recent small level Indexes, by identity: an Index is
# immutable, and a Categorical's categories are one Index from call to call
# (fit after fit). Each entry keeps its Index alive, so an id is never reused
# while cached; large Indexes are not kept (their encoder caches its own).
_ORDERS: dict[int, tuple] = {}
_ORDERS_KEPT = 64
_ORDERS_MAX_LEVELS = 4096


def _order_of(levels, missing_code):
    """``(order, in_order)`` of ``levels``: sorted values, the missing level last."""
    key = (id(levels), missing_code)
    cached = _ORDERS.get(key)
    if cached is not None and cached[0] is levels:
        return cached[1], cached[2]
    order = _sorted_codes(levels, missing_code)
    in_order = bool(np.array_equal(order, np.arange(order.size)))
    if order.size > _ORDERS_MAX_LEVELS:
        return order, in_order
    if len(_ORDERS) >= _ORDERS_KEPT:
        _ORDERS.pop(next(iter(_ORDERS)))
    _ORDERS[key] = (levels, order, in_order)
    return order, in_order


def _sorted_codes(levels, missing_code):
    n = 0 if levels is None else len(levels)
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    if isinstance(levels, pd.RangeIndex):
        return np.arange(n)
    idx = np.arange(n)
    values = levels
    if missing_code is not None:
        idx = np.delete(idx, missing_code)
        values = levels[idx]
    order = _int_order(values)
    if (
        order is None
        and values.dtype == object
        and len(values) > SORTED_MIN
        and pd.api.types.infer_dtype(values, skipna=False) == "string"
    ):
        values = _as_arrow_strings(values)  # sorted in arrow: several times faster
    try:
        # The library's own sort (arrow strings sort in arrow); the values
        # are distinct, so any sort is stable.
        if order is None:
            order = np.asarray(values.argsort())
    except TypeError:
        keys = [(type(v).__name__, v) for v in values]
        try:
            order = np.array(sorted(range(len(keys)), key=keys.__getitem__))
        except TypeError:
            order = np.array(sorted(range(len(keys)), key=lambda i: repr(keys[i])))
    order = idx[order]
    if missing_code is not None:
        order = np.append(order, missing_code)
    return order.astype(np.intp)


def _increasing(index):
    try:
        return bool(index.is_monotonic_increasing)
    except TypeError:  # pragma: no cover - pandas answers False for mixed types
        return False


def check_finite(name, values):
    """Refuse infinite numbers in a float key column: they name no group."""
    dtype = getattr(values, "dtype", None)
    if getattr(dtype, "kind", None) != "f":
        return
    infinite = np.isinf(np.asarray(values))
    if infinite.any():
        rows = np.flatnonzero(infinite)
        raise ValueError(
            f"Column {name!r} has {rows.size} infinite value(s) (inf, first at row "
            f"{rows[0]}): an infinite number names no group or stratum. Replace them, "
            "or make the column a category (e.g. X[col].astype(str))."
        )


def check_negative(encoder, values, codes, handle_unknown):
    """Raise for missing or unseen values, or mark unseen rows.

    ``codes`` are ``encoder``'s codes of ``values``; returns the codes with
    unseen ones at 0 and the mask of rows with an unseen value.
    """
    missing = codes == MISSING
    if missing.any():
        rows = np.flatnonzero(missing)
        raise ValueError(
            f"Column {encoder.name!r} has {rows.size} missing value(s) (NaN or None, "
            f"first at row {rows[0]}). Fill them, or pass "
            "handle_missing='category' to treat missing as a level of its own."
        )
    unknown = codes == UNKNOWN
    if not unknown.any():  # values fit never saw exist, but no row has them
        return codes, unknown
    if handle_unknown == "error":
        if hasattr(values, "uniques"):  # pre-encoded: the label (never missing)
            bad = values.codes[unknown]
            if values.uniques is not None:
                seen = pd.unique(np.asarray(values.uniques.take(bad), dtype=object))
            else:
                seen = pd.unique(bad)
        else:
            # pandas' own unique keeps the values' type (a Timestamp, not ns).
            seen = pd.unique(pd.Series(values, copy=False)[unknown])
        # Missing is shown as nan whatever its spelling (None, pd.NA, NaT).
        shown = [
            float("nan") if pd.api.types.is_scalar(v) and pd.isna(v) else as_python(v)
            for v in seen[:10]
        ]
        raise ValueError(
            f"Column {encoder.name!r} has value(s) not seen during fit: "
            f"{shown}{' ...' if len(seen) > 10 else ''}. Pass "
            "handle_unknown='ignore' to give such rows the neutral factor."
        )
    return np.where(unknown, 0, codes), unknown


def _as_arrow_strings(values):
    """Python strings as an arrow-backed Index (arrow sorts them by code point too)."""
    import pyarrow as pa

    return pd.Index(values, dtype=pd.ArrowDtype(pa.string()))
