"""The cell counter: key codes -> the cells that occur -> their counts.

A *cell* is one combination of stratum, group and label values that occurs
in the rows. The counter keeps one :class:`~skweight.engine.encode.LevelEncoder`
per key column and a table with one entry per cell that occurred: the code of
each key column, the rows and the weighted rows. Nothing is sized by the
product of the number of levels: memory is O(rows of a call + cells).

Counting a call's rows (:meth:`CellCounter.encode`, then
:meth:`CellCounter.add`):

1. each column becomes codes over its learned levels;
2. :func:`~skweight.engine.keys.locate` numbers the key combinations of the
   call (*slots*: a dense table's flat ids while the product of the code
   ranges is small, hash-factorized packed keys beyond);
3. the slots are counted with :func:`numpy.bincount` and looked up among
   the cells already known (a scatter for dense slots, a binary search of the
   cells' packed keys otherwise); those that occur for the first time become
   new cells. ``partial_fit`` costs O(chunk), plus copying the table's
   sorted keys when a chunk adds cells.

Levels that no cell uses (integers between those that occur, unused
categories of a pandas ``Categorical``) are dropped, so a level exists only
for a value that occurs.

Cells are stored in the order they were first seen. :meth:`CellCounter.canonical`
orders them as every output does (sorted key values, see
:meth:`~skweight.engine.encode.LevelEncoder.canonical_order`) and numbers
their strata, groups and labels: the ``(stratum, group, label)`` view that
balance modes and resampling units read. For a multi-label target the class
is part of the stratum (each class is its own binary problem) and the label
is negative/positive.
"""

from typing import NamedTuple

import numpy as np
import pandas as pd

from .columns import GrowableColumn, buffer_with_room
from .encode import LevelEncoder, check_finite, check_negative
from .index import CellIndex
from .keys import flat_ids, locate, numbered, sorted_axes

__all__ = [
    "CellCounter",
    "CellSpec",
    "Canonical",
    "FittedCells",
    "Located",
    "STAT_COLUMNS",
    "TABLE_COLUMNS",
    "flat_ids",
]

# Learned levels that no cell has are dropped once they are more than this
# many and outnumber those that occur (see CellCounter._compact).
COMPACT_MIN = 1024
# The value columns of a cell table, after its key columns.
TABLE_COLUMNS = ("count", "weighted_count")


# Columns of the tables built from cells (weight_table_, balance reports,
# resampling tables): no key column may have one of these names.
STAT_COLUMNS = (
    *TABLE_COLUMNS,
    "factor",
    "target",
    "target_share",
    "weight_sum",
    "share_before",
    "share_after",
    "deviation",
    "max_deviation",
    "stratum_ess",
    "balanceable",
)


class CellSpec(NamedTuple):
    """Which columns make the cells.

    Attributes
    ----------
    strata, groups : tuple of str
        Names of the stratum and group columns, in order.
    label : str or None
        Name of the label column in tables; None when the label is not part
        of the cells.
    classes : tuple or None
        For a multi-label indicator target, the names of its columns; else
        None.
    """

    strata: tuple
    groups: tuple
    label: "str | None"
    classes: "tuple | None" = None

    @property
    def multilabel(self):
        return self.classes is not None

    @property
    def key_columns(self):
        """The key columns of a cell table, in order."""
        extra = ("class",) if self.multilabel else ()
        label = (self.label,) if self.label is not None else ()
        return self.strata + extra + self.groups + label


class FittedCells(NamedTuple):
    """The cells of the rows a weighter was just fit on (for the resamplers).

    Attributes
    ----------
    ids : ndarray of shape (n_rows,)
        The cell of each row (an index into the weighter's cells).
    shape3 : tuple of int
        ``(n_strata, n_groups, n_labels)``: how many occur.
    cells : ndarray of int
        The cells in canonical order.
    rows : ndarray of int64
        Rows per cell of ``cells``.
    spec : CellSpec
        The key columns.
    ranks3 : tuple of ndarray
        The ``(stratum, group, label)`` numbers of ``cells``, each counted
        from 0 in canonical order.
    """

    ids: np.ndarray
    shape3: tuple
    cells: np.ndarray
    rows: np.ndarray
    spec: CellSpec
    ranks3: tuple


class Located(NamedTuple):
    """Where the rows of one call fall.

    Attributes
    ----------
    slots : Slots
        The key combination of each row (:func:`~skweight.engine.keys.locate`).
    cells : ndarray of intp of shape (slots.n,)
        The cell of each slot; -1 where no cell has that combination.
    unknown : ndarray of bool or None
        Rows with a value never seen in fit (``handle_unknown="ignore"``).
    """

    slots: object
    cells: np.ndarray
    unknown: "np.ndarray | None" = None

    @property
    def ids(self):
        """The slot of each row (index into :attr:`cells`)."""
        return self.slots.ids

    def cell_ids(self):
        """The cell of each row (-1: a combination no cell has)."""
        return np.take(self.cells, self.slots.ids)


class Canonical(NamedTuple):
    """The cells in output order, and their ``(stratum, group, label)`` numbers.

    Attributes
    ----------
    order : ndarray of intp
        Stored cell indices in canonical order.
    stratum, group, label : ndarray of intp
        For each cell of ``order``: the number of its stratum (with the
        class of a multi-label target), of its group combination and of its
        label, each counted from 0 in canonical order. ``stratum`` does not
        decrease along ``order``.
    shape3 : tuple of int
        ``(n_strata, n_groups, n_labels)``: how many of each occur.
    in_order : bool
        Whether the cells are stored in canonical order (``order`` is the
        identity: gathers through it can be skipped).
    """

    order: np.ndarray
    stratum: np.ndarray
    group: np.ndarray
    label: np.ndarray
    shape3: tuple
    in_order: bool = False

    def gather(self, values):
        """``values`` (one per stored cell) in canonical order."""
        return values if self.in_order else values[self.order]


class CellCounter:
    """Accumulate weighted counts of the cells of a :class:`CellSpec`.

    Attributes
    ----------
    spec : CellSpec
    strata, groups : list of LevelEncoder
    label : LevelEncoder or None
        None for a multi-label target (its axes are the class and 0/1) or
        when the label is not part of the cells.

    Parameters
    ----------
    spec : CellSpec
    squares : bool, default=False
        Also sum the squared weights of each cell (:attr:`squared`), e.g. for
        the effective sample size in a balance report.
    """

    def __init__(self, spec, *, squares=False):
        self.spec = spec
        self.strata = [LevelEncoder(n) for n in spec.strata]
        self.groups = [LevelEncoder(n) for n in spec.groups]
        self.label = (
            LevelEncoder(spec.label)
            if spec.label is not None and not spec.multilabel
            else None
        )
        self._axes = self._axis_encoders()
        self._codes = [GrowableColumn(np.intp) for _ in self._axes]
        self._rows = GrowableColumn(np.int64)
        self._weighted = GrowableColumn(np.float64)
        self._squared = GrowableColumn(np.float64) if squares else None
        # Which levels of each axis some cell has.
        self._present = [np.zeros(0, dtype=bool) for _ in self._axes]
        self._n_present = [0] * len(self._axes)
        self._version = 0
        self._index = CellIndex()  # code combinations -> cells
        self._canonical = None
        self._n_sorted = 0  # leading cells stored sorted by codes (first axis first)

    @property
    def multilabel(self):
        return self.spec.multilabel

    @property
    def n_classes(self):
        return len(self.spec.classes) if self.multilabel else None

    @property
    def encoders(self):
        label = [self.label] if self.label is not None else []
        return self.strata + self.groups + label

    @property
    def n_cells(self):
        return self._rows.size

    @property
    def rows(self):
        """Rows of each cell (stored order)."""
        return self._rows.view

    @property
    def weighted(self):
        """Weighted rows of each cell (stored order)."""
        return self._weighted.view

    @property
    def squared(self):
        """Sum of the squared weights of each cell (stored order); needs ``squares=True``."""
        if self._squared is None:
            raise AttributeError("This counter sums no squared weights (squares=False).")
        return self._squared.view

    def codes(self, axis):
        """The code of each cell on ``axis`` (an axis of :attr:`spec`'s key columns)."""
        return self._codes[axis].view

    def _axis_encoders(self):
        """The encoder of each axis (None for the class and 0/1 axes)."""
        axes = list(self.strata)
        if self.multilabel:
            axes.append(None)
        axes += self.groups
        if self.label is not None:
            axes.append(self.label)
        elif self.multilabel:
            axes.append(None)
        return axes

    def _dims(self):
        """The range of each axis's codes."""
        dims = []
        n_strata = len(self.strata)
        for axis, encoder in enumerate(self._axes):
            if encoder is not None:
                dims.append(max(encoder.n_levels, 1))
            else:
                dims.append(self.n_classes if axis == n_strata else 2)
        return tuple(dims)

    def encode(self, strata, groups, label, *, learn, handle_missing, handle_unknown):
        """Locate the rows among the cells.

        Parameters
        ----------
        strata, groups : list of array-like
            One 1-D column (or :class:`~skweight.engine.codes.RawCodes`) per
            stratum / group column.
        label : array-like, RawCodes or None
            1-D labels, or a 2-D 0/1 indicator matrix for a multi-label target.
        learn : bool
            Learn new levels (fit) or treat them as unknown (apply).
        handle_missing : {"error", "category"}
        handle_unknown : {"error", "ignore"}

        Returns
        -------
        located : Located
            Rows with a value never seen in fit (only when not learning and
            ``handle_unknown="ignore"``) are marked in ``unknown`` and located
            as if their unseen codes were 0. For a multi-label target the
            slots have shape ``(n_rows, n_classes)``.
        """
        columns = list(strata) + list(groups)
        if self.label is not None:
            columns.append(label)
        codes, unknown = [], None
        for encoder, values in zip(self.encoders, columns):
            if handle_missing == "error" and encoder is not self.label:
                check_finite(encoder.name, values)
            c, has_neg = encoder.encode(values, learn=learn, missing=handle_missing)
            if has_neg:
                c, bad = check_negative(encoder, values, c, handle_unknown)
                unknown = bad if unknown is None else (unknown | bad)
            codes.append(c)
        if not codes and not self.multilabel:  # pragma: no cover - always a key
            raise ValueError("No key column to count.")
        if self.multilabel:
            n_s = len(self.strata)
            codes = (
                [c.reshape(-1, 1) for c in codes[:n_s]]
                + [np.arange(self.n_classes).reshape(1, -1)]
                + [c.reshape(-1, 1) for c in codes[n_s:]]
                + [np.asarray(label, dtype=np.intp)]
            )
        dims = self._dims()
        slots = locate(codes, dims)
        cells = self._index.lookup(
            slots, self._columns(), dims, self._version, self._n_sorted
        )
        return Located(slots, cells, unknown)

    def _columns(self):  # the codes of the cells, one array per axis
        return [c.view for c in self._codes]

    def _compact(self, axis, codes):
        """Drop the levels of ``axis`` that no cell has (learned, never counted).

        Integers below the largest that occurs and unused categories are
        learned as levels; once they outnumber the levels that occur, they
        go, so that no size depends on values that do not occur.
        """
        present = self._present[axis]
        table = np.cumsum(present) - 1
        self._axes[axis].compact(present)
        codes[axis] = table[codes[axis]]
        column = self._codes[axis]
        column.view[...] = table[column.view]
        self._present[axis] = np.ones(int(table[-1]) + 1, dtype=bool)
        self._n_present[axis] = self._present[axis].size
        self._index = CellIndex()

    def present(self, axis):
        """Which levels of ``axis``'s encoder some cell has."""
        encoder = self._axes[axis]
        present = self._present[axis]
        if present.size != encoder.n_levels:
            present = np.concatenate(
                [present, np.zeros(encoder.n_levels - present.size, dtype=bool)]
            )
        return present

    def add(self, located, sample_weight=None, *, rows=None):
        """Add the rows of ``located`` (with optional weights) to the counts.

        Combinations seen for the first time become cells; ``located.cells``
        is updated in place. ``rows``: for slots of pre-aggregated key
        combinations (a backend's collected count table), the number of rows
        behind each; then ``sample_weight`` holds their summed weights
        (None: equal to rows).
        """
        slots = located.slots
        flat = slots.ids.ravel()
        if rows is not None:
            rows = np.asarray(rows, dtype=np.float64)
            if self.multilabel:
                rows = np.repeat(rows, self.n_classes)
            counted = np.bincount(flat, weights=rows, minlength=slots.n)
            counted = np.rint(counted).astype(np.int64)
        else:
            counted = np.bincount(flat, minlength=slots.n)
        squared = None
        if sample_weight is None:
            weighted = squared = counted
        else:
            if self.multilabel:
                sample_weight = np.repeat(sample_weight, self.n_classes)
            weighted = np.bincount(flat, weights=sample_weight, minlength=slots.n)
            if self._squared is not None:
                if rows is not None:
                    raise ValueError("Squared weights cannot be summed from a count table.")
                squared = np.bincount(
                    flat, weights=np.square(sample_weight), minlength=slots.n
                )
        if self._squared is None:
            squared = None
        occurring = np.flatnonzero(counted)
        self._version += 1
        self._canonical = None
        if self.n_cells == 0:  # a new table: every combination is a new cell
            self._n_sorted = occurring.size if slots.dense else 0  # flat ids: sorted
            # Columns with room: the next chunks' cells are appended, not copied.
            room = occurring.size + (occurring.size >> 3) + 1024
            codes = slots.codes(occurring, room=room)
            rows = np.take(
                counted, occurring, out=buffer_with_room(room, np.int64, occurring.size)
            )
            weights = buffer_with_room(room, np.float64, occurring.size)
            if weighted is counted:
                weights[...] = rows
            else:
                np.take(weighted, occurring, out=weights)
            located.cells[occurring] = self._new_cells(
                codes, rows, weights, None if squared is None else squared[occurring]
            )
            return
        cells = located.cells[occurring]
        known = cells >= 0
        seen = occurring[known]
        cells = cells[known]
        self._rows.view[cells] += counted[seen]  # distinct cells: no repeats
        self._weighted.view[cells] += weighted[seen]
        if self._squared is not None:
            self._squared.view[cells] += squared[seen]
        new = occurring[~known]
        if new.size:
            located.cells[new] = self._new_cells(
                slots.codes(new),
                counted[new],
                weighted[new],
                None if squared is None else squared[new],
            )

    def _new_cells(self, codes, rows, weighted, squared):
        """Append cells with ``codes`` (one array per axis) and counts; return their indices."""
        codes = list(codes)
        for axis, encoder in enumerate(self._axes):
            if encoder is None:
                continue
            present = self.present(axis)
            present[codes[axis]] = True
            self._present[axis] = present
            n_present = self._n_present[axis] = int(np.count_nonzero(present))
            if encoder.n_levels - n_present > max(COMPACT_MIN, n_present):
                self._compact(axis, codes)
        start = self.n_cells
        count = codes[0].size
        for column, values in zip(self._codes, codes):
            column.extend(values)
        self._rows.extend(rows)
        self._weighted.extend(weighted)
        if self._squared is not None:
            self._squared.extend(squared)
        added = np.arange(start, start + count, dtype=np.intp)
        self._index.added(codes, added, self._dims(), self._columns())
        return added

    def canonical(self):
        """The cells in canonical order with their numbers (:class:`Canonical`)."""
        if self._canonical is not None:
            return self._canonical
        ranks = []
        n_strata = len(self.strata)
        dims = list(self._dims())
        presorted = self._n_sorted == self.n_cells  # and ranks rise with the codes
        for axis, encoder in enumerate(self._axes):
            codes = self._codes[axis].view
            if encoder is None:
                ranks.append(codes)
                continue
            n_levels = encoder.n_levels
            present = self.present(axis)
            in_order = encoder.in_order()
            presorted = presorted and in_order
            if in_order and self._n_present[axis] == n_levels:
                ranks.append(codes)  # codes are the ranks already
                continue
            order = encoder.canonical_order()
            rank = np.empty(max(n_levels, 1), dtype=np.intp)
            dense = np.cumsum(present[order]) - 1  # ranks among the levels that occur
            rank[order] = dense
            ranks.append(rank[codes])
            dims[axis] = int(dense[-1]) + 1 if dense.size else 1
        order, axes = sorted_axes(ranks, dims, presorted=presorted)
        in_order = order is None
        if in_order:  # stored in canonical order already
            order = np.arange(self.n_cells, dtype=np.intp)
        n_s = n_strata + (1 if self.multilabel else 0)
        n_g = len(self.groups)
        parts = [(0, n_s), (n_s, n_s + n_g), (n_s + n_g, len(dims))]
        numbers, shape3 = [], []
        for i, (lo, hi) in enumerate(parts):
            if hi == lo:  # no such axis: one number, 0 (read-only, no memory)
                ids, n = np.broadcast_to(np.intp(0), (self.n_cells,)), 1
            elif hi - lo == 1:  # one axis: its ranks among the levels that occur
                ids, n = axes(lo, hi)[0], dims[lo]
            elif i == 0:  # sorted first: a new stratum where the strata change
                change = np.zeros(self.n_cells, dtype=bool)
                for r in axes(lo, hi):
                    change[1:] |= r[1:] != r[:-1]
                ids = np.cumsum(change, dtype=np.intp)
                n = int(ids[-1]) + 1 if ids.size else 1
            else:
                ids, n = numbered(axes(lo, hi))
            numbers.append(ids)
            shape3.append(n)
        self._canonical = Canonical(order, *numbers, tuple(shape3), in_order)
        return self._canonical

    def label_rows(self):
        """Rows per learned label level (1-D labels)."""
        axis = len(self._axes) - 1
        return np.bincount(
            self._codes[axis].view,
            weights=self.rows.astype(np.float64),
            minlength=self.label.n_levels,
        ).astype(np.int64)

    def class_totals(self):
        """Weighted rows per class and negative/positive (multi-label targets).

        Returns
        -------
        totals : ndarray of shape (n_classes, 2)
        """
        pair = self.codes(len(self.strata)) * 2 + self.codes(len(self._axes) - 1)
        return np.bincount(
            pair, weights=self.weighted, minlength=2 * self.n_classes
        ).reshape(-1, 2)

    def cell_keys(self, cells):
        """The key values of ``cells`` (stored indices): one array per key column."""
        cells = np.asarray(cells, dtype=np.intp)
        return self._values([column.view[cells] for column in self._codes])

    def slot_keys(self, located, slot):
        """The key values of one slot of ``located`` (it may have no cell)."""
        return self._values(located.slots.codes(np.array([slot])))

    def _values(self, codes):
        """Key values of codes (one array per axis), by key column."""
        keys = {}
        for name, encoder, c in zip(self.spec.key_columns, self._axes, codes):
            if encoder is not None:
                keys[name] = encoder.decode(c)
            elif name == "class":
                keys[name] = np.asarray(self.spec.classes, dtype=object)[c]
            else:
                keys[name] = c
        return keys

    def cell_frame(self, factors=None):
        """A DataFrame with one row per cell, in canonical order.

        Columns: the key columns, ``count``, ``weighted_count`` and, when
        ``factors`` (one per stored cell) is given, ``factor``.
        """
        canonical = self.canonical()
        frame = pd.DataFrame(self.cell_keys(canonical.order))
        frame["count"] = canonical.gather(self.rows)
        frame["weighted_count"] = canonical.gather(self.weighted)
        if factors is not None:
            frame["factor"] = canonical.gather(np.asarray(factors))
        return frame
